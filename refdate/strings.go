package refdate

import "sync"

// Date strings: the layouts koble reads and writes back as it found them.

// Layout is the spelling of a date string.
type Layout uint8

// The layouts. A time part after the date ("T" or a space, then the time)
// is kept as it was; only the date moves.
const (
	LayoutNone      Layout = iota
	LayoutISO              // YYYY-MM-DD
	LayoutDotted           // DD.MM.YYYY
	LayoutCompact          // YYYYMMDD
	LayoutYear             // YYYY (partial)
	LayoutYearMonth        // YYYY-MM (partial)
)

// Partial reports whether the layout lacks the day.
func (l Layout) Partial() bool { return l == LayoutYear || l == LayoutYearMonth }

func digits(s []byte) (int, bool) {
	switch len(s) {
	case 0:
		return 0, false
	case 2:
		a, b := s[0]-'0', s[1]-'0'
		return int(a)*10 + int(b), a <= 9 && b <= 9
	case 4:
		a, b, c, d := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
		return int(a)*1000 + int(b)*100 + int(c)*10 + int(d), a <= 9 && b <= 9 && c <= 9 && d <= 9
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// validTimePart accepts what may follow a date: "T" or " ", then
// HH:MM[:SS[.fraction]] and an optional "Z" or ±HH:MM zone.
func validTimePart(t []byte) bool {
	if len(t) < 6 || (t[0] != 'T' && t[0] != ' ') {
		return false
	}
	t = t[1:]
	if len(t) < 5 || t[2] != ':' {
		return false
	}
	h, ok1 := digits(t[0:2])
	m, ok2 := digits(t[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return false
	}
	t = t[5:]
	if len(t) >= 3 && t[0] == ':' {
		s, ok := digits(t[1:3])
		if !ok || s > 60 {
			return false
		}
		t = t[3:]
		if len(t) >= 2 && (t[0] == '.' || t[0] == ',') {
			i := 1
			for i < len(t) && t[i] >= '0' && t[i] <= '9' {
				i++
			}
			if i == 1 {
				return false
			}
			t = t[i:]
		}
	}
	switch {
	case len(t) == 0:
		return true
	case len(t) == 1 && t[0] == 'Z':
		return true
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		zh, ok1 := digits(t[1:3])
		zm, ok2 := digits(t[4:6])
		return ok1 && ok2 && zh <= 14 && zm <= 59
	}
	return false
}

// ParseDate parses a date string in one of the layouts, returning the day
// number (days since 1970-01-01; for a partial date, its first day), the
// layout, and the time part that follows the date (kept verbatim). ok is
// false for anything else.
func ParseDate(s []byte) (day int32, layout Layout, rest []byte, ok bool) {
	var y, m, d int
	var n int
	switch {
	case len(s) >= 10 && s[4] == '-' && s[7] == '-':
		var o1, o2, o3 bool
		y, o1 = digits(s[0:4])
		m, o2 = digits(s[5:7])
		d, o3 = digits(s[8:10])
		if !o1 || !o2 || !o3 {
			return 0, LayoutNone, nil, false
		}
		layout, n = LayoutISO, 10
	case len(s) >= 10 && s[2] == '.' && s[5] == '.':
		var o1, o2, o3 bool
		d, o1 = digits(s[0:2])
		m, o2 = digits(s[3:5])
		y, o3 = digits(s[6:10])
		if !o1 || !o2 || !o3 {
			return 0, LayoutNone, nil, false
		}
		layout, n = LayoutDotted, 10
	case len(s) >= 8 && (len(s) == 8 || s[8] == 'T' || s[8] == ' '):
		v, ok := digits(s[0:8])
		if !ok {
			return 0, LayoutNone, nil, false
		}
		y, m, d = v/10000, v/100%100, v%100
		layout, n = LayoutCompact, 8
	case len(s) == 7 && s[4] == '-':
		var o1, o2 bool
		y, o1 = digits(s[0:4])
		m, o2 = digits(s[5:7])
		if !o1 || !o2 || !validDate(y, m, 1) {
			return 0, LayoutNone, nil, false
		}
		return daysFromCivil(y, m, 1), LayoutYearMonth, nil, true
	case len(s) == 4:
		v, ok := digits(s)
		if !ok || v < 1 {
			return 0, LayoutNone, nil, false
		}
		return daysFromCivil(v, 1, 1), LayoutYear, nil, true
	default:
		return 0, LayoutNone, nil, false
	}
	if !validDate(y, m, d) {
		return 0, LayoutNone, nil, false
	}
	rest = s[n:]
	if len(rest) > 0 && !validTimePart(rest) {
		return 0, LayoutNone, nil, false
	}
	return daysFromCivil(y, m, d), layout, rest, true
}

// AppendDate appends day in layout, then rest.
func AppendDate(dst []byte, day int32, layout Layout, rest []byte) []byte {
	var iso [10]byte
	t := isoText(day)
	if t == nil {
		formatISO(&iso, day)
		t = iso[:]
	}
	switch layout {
	case LayoutISO:
		dst = append(dst, t[:10]...)
	case LayoutDotted:
		dst = append(dst, t[8], t[9], '.', t[5], t[6], '.', t[0], t[1], t[2], t[3])
	case LayoutCompact:
		dst = append(dst, t[0], t[1], t[2], t[3], t[5], t[6], t[8], t[9])
	case LayoutYearMonth:
		dst = append(dst, t[:7]...)
	case LayoutYear:
		dst = append(dst, t[:4]...)
	}
	return append(dst, rest...)
}

// The ISO text of every day from 1900-01-01 to 2099-12-31, made on first
// use (730 KB): formatting a date of that range is a copy, which halves
// the cost of shifting text dates.
var dayTexts struct {
	once  sync.Once
	first int32
	text  []byte
}

// isoText returns day as YYYY-MM-DD from the table, or nil outside it.
func isoText(day int32) []byte {
	dayTexts.once.Do(func() {
		first, last := daysFromCivil(1900, 1, 1), daysFromCivil(2099, 12, 31)
		text := make([]byte, 0, int(last-first+1)*10)
		for d := first; d <= last; d++ {
			var b [10]byte
			formatISO(&b, d)
			text = append(text, b[:]...)
		}
		dayTexts.first, dayTexts.text = first, text
	})
	k := int(day - dayTexts.first)
	if k < 0 || k*10 >= len(dayTexts.text) {
		return nil
	}
	return dayTexts.text[k*10 : k*10+10 : k*10+10]
}

// formatISO writes day as YYYY-MM-DD (years 0-9999).
func formatISO(b *[10]byte, day int32) {
	y, m, d := civilFromDays(day)
	put4(b[0:4], y)
	b[4] = '-'
	put2(b[5:7], m)
	b[7] = '-'
	put2(b[8:10], d)
}

// twoDigits holds "00" to "99".
const twoDigits = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// put2 and put4 write v, 0 <= v < 100 or 10000, as two or four digits.
func put2(b []byte, v int) {
	_ = b[1]
	i := uint(v%100) * 2
	b[0], b[1] = twoDigits[i], twoDigits[i+1]
}

func put4(b []byte, v int) {
	put2(b[0:2], v/100)
	put2(b[2:4], v)
}
