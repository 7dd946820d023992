package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/koble/koble/linkage"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func lastLine(out *bytes.Buffer) string  { s := out.String(); return s[strings.LastIndex(s, "\r")+1:] }
func newTestLine(total int64) (*progressLine, *fakeClock, *bytes.Buffer) {
	c := &fakeClock{t: time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)}
	var out bytes.Buffer
	return newProgressLine(&out, "link", total, c.now), c, &out
}

// A CSV input: the fraction and the time left come from its bytes; counts
// are grouped, times labelled.
func TestProgressLineBytes(t *testing.T) {
	l, c, out := newTestLine(-1)
	c.add(10 * time.Second)
	l.Update(linkage.Progress{Step: "cancer", Rows: 1_234_567, Bytes: 250, Size: 1000})
	// A new step restarts the clock: the first report has no elapsed time.
	assert.Equal(t, "link cancer  25% [=====>              ] 1,234,567 rows, elapsed 0s\x1b[K", lastLine(out))
	c.add(12 * time.Second)
	l.Update(linkage.Progress{Step: "cancer", Rows: 2_469_134, Bytes: 500, Size: 1000})
	assert.Equal(t, "link cancer  50% [==========>         ] 2,469,134 rows, 205,761 rows/s, elapsed 12s, left 12s\x1b[K", lastLine(out))
	c.add(3 * time.Minute)
	l.Update(linkage.Progress{Step: "cancer", Rows: 9_000_000, Bytes: 1000, Size: 1000})
	assert.Equal(t, "link cancer 100% [====================] 9,000,000 rows, 46,875 rows/s, elapsed 3m12s\x1b[K", lastLine(out))
	l.Finish()
	assert.True(t, strings.HasSuffix(out.String(), "\r\x1b[K"), "the line is cleared at the end")
}

// Parquet: the fraction from the rows its footer counts; without either,
// counts, rate and elapsed time only; redrawn at most every tick.
func TestProgressLineRows(t *testing.T) {
	l, c, out := newTestLine(-1)
	l.Update(linkage.Progress{Rows: 0, Total: 4_000_000})
	c.add(2 * time.Hour)
	l.Update(linkage.Progress{Rows: 1_000_000, Total: 4_000_000})
	assert.Equal(t, "link  25% [=====>              ] 1,000,000 rows, 138 rows/s, elapsed 2h00m, left 6h00m\x1b[K", lastLine(out))
	before := out.Len()
	c.add(progressTick / 2)
	l.Update(linkage.Progress{Rows: 1_000_001, Total: 4_000_000})
	assert.Equal(t, before, out.Len(), "redrawn before the tick")

	u, c2, out2 := newTestLine(-1)
	c2.add(0)
	u.Update(linkage.Progress{Rows: 5})
	c2.add(5 * time.Second)
	u.Update(linkage.Progress{Rows: 50_000, Size: -1})
	assert.Equal(t, "link 50,000 rows, 10,000 rows/s, elapsed 5s\x1b[K", lastLine(out2))
}

// Not a terminal (a file, a pipe, a buffer), or --quiet: no line at all.
func TestProgressOffTerminal(t *testing.T) {
	var out bytes.Buffer
	g := &globals{env: env{stderr: &out}}
	p := g.newProgress(-1, "convert")
	assert.IsType(t, noProgress{}, p)
	p.Update(linkage.Progress{Rows: 10})
	p.Finish()
	assert.Empty(t, out.String())
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 1500 * time.Millisecond: "2s", 65 * time.Second: "1m05s", 3725 * time.Second: "1h02m"} {
		assert.Equal(t, want, shortDuration(d), "%v", d)
	}
}
