package refdate

// Civil-date arithmetic on days since 1970-01-01 (proleptic Gregorian),
// after Howard Hinnant's "chrono-Compatible Low-Level Date Algorithms".

// daysFromCivil returns the days since 1970-01-01 of y-m-d.
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// civilFromDays returns the date of a day number.
func civilFromDays(z int32) (y, m, d int) {
	zz := int(z) + 719468
	era := zz / 146097
	if zz < 0 && zz%146097 != 0 {
		era = (zz - 146096) / 146097
	}
	doe := zz - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
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
