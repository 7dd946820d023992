package pseudonym

import (
	"fmt"
	"time"
)

// Date is a calendar date without a time of day or zone. Every scheme has
// one as its reference date: a number whose encoded birth date lies after
// it is invalid ([ReasonDateInFuture]), and Sweden resolves the century of a
// 10-digit number against it. The zero Date means the current date in the
// local time zone, read when a number is parsed; runs that must give the
// same verdicts on another day set it explicitly (the CLI always does, and
// records it).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses a date written YYYY-MM-DD, such as "2026-01-01".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || len(s) != len(time.DateOnly) {
		return Date{}, fmt.Errorf("pseudonym: %q is not a date written YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date ("today").
func (d Date) IsZero() bool { return d == Date{} }

// String returns d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

func (d Date) packed() birthDate { return packDate(d.Year, int(d.Month), d.Day) }

// FarFuture is a reference date after every birth date a number can
// encode (the latest is in 2099), for callers that must not refuse a
// number as born in the future: a leak guard looks for everything that
// has the form of an ID. A Swedish 10-digit number resolves against it to
// a year 2300-2400, which has the leap years of 2000-2099, so its verdict
// is the one a reference date in this century gives.
var FarFuture = Date{2400, time.December, 31}

// loadDay is the date the package was loaded: no birth date on or before it
// can lie after the current date, so the common case needs no clock read.
var loadDay = DateOf(time.Now()).packed()

// resolve returns ref, or today's date if ref is zero.
func (d Date) resolve() Date {
	if d.IsZero() {
		return DateOf(time.Now())
	}
	return d
}

// afterReference reports whether birth lies after the reference date ref.
func afterReference(birth birthDate, ref Date) bool {
	if ref.IsZero() {
		if birth <= loadDay {
			return false
		}
		return birth > DateOf(time.Now()).packed()
	}
	return birth > ref.packed()
}

// WithReference returns scheme with its reference date set to ref. Schemes
// of other packages are returned unchanged.
func WithReference(scheme Scheme, ref Date) Scheme {
	switch s := scheme.(type) {
	case Norway:
		s.Reference = ref
		return s
	case Sweden:
		s.Reference = ref
		return s
	case Denmark:
		s.Reference = ref
		return s
	case Finland:
		s.Reference = ref
		return s
	}
	return scheme
}

// ReferenceOf returns the reference date of scheme: zero ("today") if unset
// or if scheme is not one of this package's.
func ReferenceOf(scheme Scheme) Date {
	switch s := scheme.(type) {
	case Norway:
		return s.Reference
	case Sweden:
		return s.Reference
	case Denmark:
		return s.Reference
	case Finland:
		return s.Reference
	}
	return Date{}
}
