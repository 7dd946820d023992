// Package testids makes many distinct valid synthetic national IDs for
// tests and load tests. They are real-looking Norwegian numbers on made-up
// dates, not the records of anyone.
package testids

import (
	"fmt"

	"github.com/koble/koble/pseudonym"
)

// Norwegian returns n distinct valid Norwegian fødselsnummer as text (11
// digits), walking birth dates from 1 January 1900 and individual numbers
// 000-499 of each date. It panics if n is larger than the 1900-1999 space.
func Norwegian(n int) []string {
	out := make([]string, 0, n)
	for day := 0; len(out) < n; day++ {
		if day >= 36500 {
			panic(fmt.Sprintf("testids: %d numbers do not fit in one century", n))
		}
		d, m, y := civil(day)
		for ind := 0; ind < 500 && len(out) < n; ind++ {
			digits := [9]int{d / 10, d % 10, m / 10, m % 10, y / 10 % 10, y % 10, ind / 100, ind / 10 % 10, ind % 10}
			k1, k2, ok := pseudonym.NorwegianCheckDigits(digits)
			if !ok {
				continue
			}
			out = append(out, fmt.Sprintf("%d%d%d%d%d%d%d%d%d%d%d", digits[0], digits[1], digits[2], digits[3], digits[4], digits[5], digits[6], digits[7], digits[8], k1, k2))
		}
	}
	return out
}

// civil returns day, month and year of the day-th day after 1900-01-01,
// using 28-day months so that every date is valid.
func civil(day int) (d, m, y int) {
	return day%28 + 1, day/28%12 + 1, 1900 + day/(28*12)
}
