package linkage

import "time"

// SetClock makes the pseudonymous-register flow judge ages by now, until
// the returned function restores the clock.
func SetClock(now func() time.Time) (restore func()) {
	old := clock
	clock = now
	return func() { clock = old }
}
