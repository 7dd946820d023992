package main

import (
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports how far a job has come, on a terminal only.
type progress interface {
	Set(n int64)
	Finish()
}

type noProgress struct{}

func (noProgress) Set(int64) {}
func (noProgress) Finish()   {}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b barProgress) Set(n int64) { b.bar.Set64(n) }
func (b barProgress) Finish()     { b.bar.Finish(); b.bar.Exit() }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := unwrap(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress returns a progress bar on stderr for total units (rows), or
// one that shows nothing when stderr is not a terminal or --quiet is set.
// total -1 shows a spinner with a rate.
func (g *globals) newProgress(total int64, description string) progress {
	if g.quiet || !isTerminal(g.env.stderr) {
		return noProgress{}
	}
	return barProgress{progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(g.env.stderr),
		progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)}
}
