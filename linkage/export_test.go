package linkage

import "time"

// SetClock makes the pseudonymous-register flow judge ages by now, until
// the returned function restores the clock.
func SetClock(now func() time.Time) (restore func()) {
	old := clock
	clock = now
	return func() { clock = old }
}

// TextWidth is the drawings' estimate of a text line's width in px.
var TextWidth = textWidth
