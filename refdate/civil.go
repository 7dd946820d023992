package refdate

// Civil-date arithmetic on days since 1970-01-01 (proleptic Gregorian),
// after Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms".

// Neri and Schneider's constants: s 400-year cycles added to keep the
// arithmetic unsigned for years from -32800 on.
const (
	nsCycles = 82
	nsDays   = 719468 + 146097*nsCycles
	nsYears  = 400 * nsCycles
)

// daysFromCivil returns the days since 1970-01-01 of y-m-d (years -32767
// to 32767), by Neri and Schneider's algorithm (see civilFromDays).
func daysFromCivil(y, m, d int) int32 {
	j := 0
	if m <= 2 {
		j = 1
	}
	yy := uint32(y+nsYears) - uint32(j)
	mm := uint32(m + 12*j)
	c := yy / 100
	ys := 1461*yy/4 - c + c/4
	ms := (979*mm - 2919) / 32
	return int32(int64(ys+ms+uint32(d-1)) - nsDays)
}

// civilFromDays returns the date of a day number, by Cassio Neri and
// Lorenz Schneider's algorithm ("Euclidean affine functions and their
// application to calendar algorithms", 2022): a third of the time of
// Hinnant's here, which matters at two dates a row. Valid for years
// -32767 to 32767 (TestCivil checks it against the time package).
func civilFromDays(z int32) (y, m, d int) {
	const l = nsYears
	n := uint32(int64(z) + nsDays)
	// Century.
	n1 := 4*n + 3
	c := n1 / 146097
	nc := n1 % 146097 / 4
	// Year.
	n2 := 4*nc + 3
	p2 := uint64(2939745) * uint64(n2)
	zy := uint32(p2 >> 32)
	ny := uint32(p2) / 2939745 / 4
	yy := 100*c + zy
	// Month and day.
	n3 := 2141*ny + 197913
	mm := n3 >> 16
	dd := n3 & 0xffff / 2141
	// From a year starting in March to January.
	if ny >= 306 {
		return int(int64(yy) - l + 1), int(mm - 12), int(dd + 1)
	}
	return int(int64(yy) - l), int(mm), int(dd + 1)
}

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validDate reports whether y-m-d exists (years 1-9999).
func validDate(y, m, d int) bool {
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)
}

// weekday returns 0 for Monday ... 6 for Sunday (1970-01-01 was a Thursday).
func weekday(z int32) int {
	w := (int(z) + 3) % 7
	if w < 0 {
		w += 7
	}
	return w
}

// isoWeek returns the ISO 8601 week-numbering year and week of a day.
func isoWeek(z int32) (year, week int) {
	// The Thursday of the same ISO week decides the year.
	thu := z - int32(weekday(z)) + 3
	y, _, _ := civilFromDays(thu)
	jan1 := daysFromCivil(y, 1, 1)
	return y, int(thu-jan1)/7 + 1
}

// Days of 0001-01-01 and 9999-12-31: the range of four-digit years.
var (
	firstTextDay = daysFromCivil(1, 1, 1)
	lastTextDay  = daysFromCivil(9999, 12, 31)
)

// textYear reports whether day lies in the years 1-9999, which a date
// written as text (YYYY) can hold.
func textYear(day int32) bool { return day >= firstTextDay && day <= lastTextDay }
