// Package bench holds koble's register-scale benchmarks and, in
// bench/synth, the synthetic registers they run on. Results and the
// commands that produced them are in bench/RESULTS.md.
package bench
