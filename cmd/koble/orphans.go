package main

import (
	"github.com/spf13/pflag"

	"github.com/koble/koble/formats"
)

// An orphan rule: flag does something only together with needs; given
// alone, it would be ignored without a word, so it is a usage error.
type orphan struct {
	flag, needs string
	with        bool // whether what the flag needs is there
}

// checkOrphans fails with a usage error (exit 2) naming the first flag
// that was given without what it needs, and the flag that fixes it.
func checkOrphans(fl *pflag.FlagSet, rules ...orphan) error {
	for _, r := range rules {
		if fl.Changed(r.flag) && !r.with {
			return usagef("--%s does nothing without %s: add %s, or leave --%s out", r.flag, r.needs, r.needs, r.flag)
		}
	}
	return nil
}

// outFormat is the format an output path will be written in, or
// FormatUnknown for standard output or an unknown extension.
func outFormat(path string) formats.Format {
	f, err := formats.FormatFromPath(path)
	if err != nil {
		return formats.FormatUnknown
	}
	return f
}

// inFormat is the format an input path is read in: "-" (standard input)
// is CSV, and an unknown extension is FormatUnknown.
func inFormat(path string) formats.Format {
	if path == "-" {
		return formats.FormatCSV
	}
	return outFormat(path)
}

// maybeCSV says whether a path is, or may be, CSV: an unknown format is
// left to the reader to judge.
func maybeCSV(f formats.Format) bool { return f == formats.FormatCSV || f == formats.FormatUnknown }

// csvReadOrphans are the reading flags of csvFlags (and --infer-types),
// which do something only for a CSV input; delimiter and encoding also
// serve a CSV output (csvOut).
func csvReadOrphans(in string, csvOut bool) []orphan {
	csvIn := maybeCSV(inFormat(in))
	const need = "a CSV input"
	return []orphan{
		{"types", need, csvIn},
		{"max-field-size", need, csvIn},
		{"max-columns", need, csvIn},
		{"infer-types", need, csvIn},
		{"delimiter", "a CSV input or output", csvIn || csvOut},
		{"encoding", "a CSV input or output", csvIn || csvOut},
	}
}

// riskOrphans are the risk flags (with prefix "risk-" on prepare) that do
// something only with the quasi-identifiers of --qi, and the population
// count column only with a population frame.
func riskOrphans(prefix string, f *riskFlags) []orphan {
	qi := "--" + prefix + "qi COLUMNS"
	var rules []orphan
	for _, name := range []string{"mode", "k", "sensitive", "ladder", "population", "population-size", "bound", "search", "temp-dir"} {
		rules = append(rules, orphan{prefix + name, qi, f.qi != ""})
	}
	return append(rules, orphan{prefix + "population-count", "--" + prefix + "population FILE", f.frame != ""})
}

// checkExcluded fails with a usage error naming the first of flags that
// was given together with --by (when by holds), which makes it do
// nothing; why says what --by does instead.
func checkExcluded(fl *pflag.FlagSet, by string, given bool, why string, flags ...string) error {
	if !given {
		return nil
	}
	for _, f := range flags {
		if fl.Changed(f) {
			return usagef("--%s does nothing with --%s (%s): leave --%s out", f, by, why, f)
		}
	}
	return nil
}
