//go:build linux

package pseudonym

import (
	"runtime"
	"syscall"
	"testing"
)

// cpuTimer starts measuring the CPU time of the benchmark's thread and
// returns the function that reports it as "cpu-ns/<unit>", per op divided
// by perOp. On a shared machine the wall time (ns/op) says how much CPU was
// free; the thread's CPU time says what the work cost. The goroutine stays
// on its thread until the report.
func cpuTimer(b *testing.B, unit string, perOp int) func() {
	runtime.LockOSThread()
	start := threadCPU()
	return func() {
		b.StopTimer() // the report's own allocation is not the benchmark's
		b.ReportMetric(float64(threadCPU()-start)/float64(b.N*perOp), "cpu-ns/"+unit)
		runtime.UnlockOSThread()
	}
}

// threadCPU returns the calling thread's user and system time in ns.
func threadCPU() int64 {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
