package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/koble/koble/linkage"
)

// progress reports how far a job has come, on a terminal only.
type progress interface {
	// Update takes how far the job has come; it is called from one
	// goroutine at a time.
	Update(p linkage.Progress)
	// Finish clears the line.
	Finish()
}

type noProgress struct{}

func (noProgress) Update(linkage.Progress) {}
func (noProgress) Finish()                 {}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := unwrap(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// newProgress returns a progress line on stderr for a job reading total
// rows (-1 if unknown: a CSV input's bytes then give the fraction, or
// only counts and the rate are shown), or one that shows nothing when
// stderr is not a terminal or --quiet is set.
func (g *globals) newProgress(total int64, name string) progress {
	if g.quiet || !isTerminal(g.env.stderr) {
		return noProgress{}
	}
	return newProgressLine(g.env.stderr, name, total, time.Now)
}

// progressTick is how often the line is redrawn at most.
const progressTick = 100 * time.Millisecond

// progressLine draws one line, redrawn in place:
//
//	link cancer  42% [========>           ] 1,234,567 rows, 85,000 rows/s, elapsed 14s, left 19s
//
// The fraction comes from the input's bytes where it says so (CSV), else
// from the rows of a known total; a new step (a plan's next source)
// starts the clock again.
type progressLine struct {
	w           io.Writer
	name        string
	total       int64
	now         func() time.Time
	step        string
	start, last time.Time
	drawn       bool
}

func newProgressLine(w io.Writer, name string, total int64, now func() time.Time) *progressLine {
	t := now()
	return &progressLine{w: w, name: name, total: total, now: now, start: t}
}

func (l *progressLine) Update(p linkage.Progress) {
	t := l.now()
	if p.Step != l.step {
		l.step, l.start = p.Step, t
	} else if l.drawn && t.Sub(l.last) < progressTick {
		return
	}
	l.last, l.drawn = t, true
	fmt.Fprintf(l.w, "\r%s\x1b[K", l.render(p, t.Sub(l.start)))
}

func (l *progressLine) Finish() {
	if l.drawn {
		fmt.Fprint(l.w, "\r\x1b[K")
	}
}

// render is the line for p, elapsed into the step.
func (l *progressLine) render(p linkage.Progress, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString(l.name)
	if p.Step != "" {
		b.WriteString(" " + p.Step)
	}
	frac := -1.0
	switch {
	case p.Size > 0:
		frac = float64(p.Bytes) / float64(p.Size)
	case p.Total > 0:
		frac = float64(p.Rows) / float64(p.Total)
	case l.total > 0:
		frac = float64(p.Rows) / float64(l.total)
	}
	frac = min(frac, 1)
	const width = 20
	if frac >= 0 {
		done := int(frac * width)
		bar := strings.Repeat("=", done)
		if done < width {
			bar += ">" + strings.Repeat(" ", width-done-1)
		}
		fmt.Fprintf(&b, " %3d%% [%s]", int(frac*100), bar)
	}
	fmt.Fprintf(&b, " %s rows", thousands(p.Rows))
	if s := elapsed.Seconds(); s > 0 {
		fmt.Fprintf(&b, ", %s rows/s", thousands(int64(float64(p.Rows)/s)))
	}
	fmt.Fprintf(&b, ", elapsed %s", shortDuration(elapsed))
	if frac > 0 && frac < 1 && elapsed >= time.Second {
		left := time.Duration(float64(elapsed) * (1 - frac) / frac)
		fmt.Fprintf(&b, ", left %s", shortDuration(left))
	}
	return b.String()
}

// shortDuration writes d to the second: 9s, 3m05s, 2h04m.
func shortDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
}
