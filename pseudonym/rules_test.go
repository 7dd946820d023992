package pseudonym

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ref2026 = Date{2026, time.December, 2}

// TestDateInFuture: a birth date after the reference date is invalid in
// every scheme that encodes one; on the reference date itself it is valid.
func TestDateInFuture(t *testing.T) {
	for _, tc := range []struct {
		name   string
		scheme Scheme
		in     string
	}{
		{"no born 2034", Norway{}, "08073457336"},
		{"dk born 2034", Denmark{}, "061234-8788"},
		{"fi born 2042", Finland{}, "071042D874L"},
		{"se born 2030", Sweden{}, "203001018880"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, r := WithReference(tc.scheme, ref2026).Parse([]byte(tc.in))
			assert.Equal(t, ReasonDateInFuture, r)
			_, r = tc.scheme.Parse([]byte(tc.in)) // today, before 2030
			assert.Equal(t, ReasonDateInFuture, r)
			id, r := WithReference(tc.scheme, Date{2050, time.January, 1}).Parse([]byte(tc.in))
			require.Equal(t, ReasonNone, r)
			b, ok := id.BirthDate()
			require.True(t, ok)
			_, r = WithReference(tc.scheme, DateOf(b)).Parse([]byte(tc.in))
			assert.Equal(t, ReasonNone, r, "born on the reference date")
			_, r = WithReference(tc.scheme, DateOf(b.AddDate(0, 0, -1))).Parse([]byte(tc.in))
			assert.Equal(t, ReasonDateInFuture, r, "born the day after the reference date")
		})
	}
	t.Run("no century unknown: never in the future", func(t *testing.T) {
		// A D-number of 1 January (19)34 or (20)34: the earliest reading
		// is in the past.
		id, r := Norway{Reference: ref2026}.Parse([]byte(withCheckDigits(t, "410134000")))
		require.Equal(t, ReasonNone, r)
		assert.Equal(t, KindDNumber, id.Kind())
	})
	t.Run("se ten digits resolve into the past", func(t *testing.T) {
		id, r := Sweden{Reference: ref2026}.Parse([]byte("300101-8880"))
		require.Equal(t, ReasonNone, r)
		assert.Equal(t, "se:193001018880", string(id.AppendCanonical(nil)))
	})
}

// TestNorwayKinds: the kinds the 2032 rule and the +40 markers combine to.
func TestNorwayKinds(t *testing.T) {
	no := Norway{Reference: ref2026}
	t.Run("D-number and H-number is NAV synthetic", func(t *testing.T) {
		_, r := no.Parse([]byte("68419001434"))
		assert.Equal(t, ReasonSyntheticNotAllowed, r)
		for _, m40 := range []Month40{Month40HNumber, Month40SyntheticNAV} {
			n := no
			n.AllowSynthetic, n.Month40 = true, m40
			id, r := n.Parse([]byte("68419001434"))
			require.Equal(t, ReasonNone, r)
			assert.Equal(t, "dnr+synthetic-nav", id.Kind().String())
		}
	})
	t.Run("FH-number under the 2032 rule", func(t *testing.T) {
		_, r := no.Parse([]byte("96669861556"))
		assert.Equal(t, ReasonChecksum, r)
		id, r := no.Parse([]byte("82314251357"))
		require.Equal(t, ReasonNone, r)
		assert.Equal(t, "fh", id.Kind().String())
	})
	t.Run("2032 rule keeps the date check with the century unknown", func(t *testing.T) {
		// 29 February (19)00 or (20)00: 2000 was a leap year.
		id, r := no.Parse([]byte(with2032CheckDigits(t, "290200001")))
		require.Equal(t, ReasonNone, r)
		assert.Equal(t, "rule-2032", id.Kind().String())
		_, r = no.Parse([]byte(with2032CheckDigits(t, "290201001")))
		assert.Equal(t, ReasonDate, r)
		_, r = no.Parse([]byte(with2032CheckDigits(t, "310401001")))
		assert.Equal(t, ReasonDate, r)
	})
}

// withCheckDigits completes a nine-digit prefix with the legacy check
// digits.
func withCheckDigits(t *testing.T, first9 string) string {
	t.Helper()
	var d [9]int
	for i := range d {
		d[i] = int(first9[i] - '0')
	}
	k1, k2, ok := NorwegianCheckDigits(d)
	require.True(t, ok, first9)
	return first9 + string(rune('0'+k1)) + string(rune('0'+k2))
}

// with2032CheckDigits completes a nine-digit prefix with the check digits
// of the 2032 rule for the smallest remainder of the first check that
// is not 0 and gives a digit.
func with2032CheckDigits(t *testing.T, first9 string) string {
	t.Helper()
	for k1 := 0; k1 <= 9; k1++ {
		s1 := k1
		for i := 0; i < 9; i++ {
			s1 += noWeights1[i] * int(first9[i]-'0')
		}
		if r := s1 % 11; r < 1 || r > 3 {
			continue
		}
		s2 := 2 * k1
		for i := 0; i < 9; i++ {
			s2 += noWeights2[i] * int(first9[i]-'0')
		}
		k2 := (11 - s2%11) % 11
		if k2 == 10 {
			continue
		}
		return first9 + string(rune('0'+k1)) + string(rune('0'+k2))
	}
	t.Fatalf("no 2032-rule check digits for %s", first9)
	return ""
}

// TestSwedenBirthNumber000: Skatteverket issues birth numbers 001-999.
func TestSwedenBirthNumber000(t *testing.T) {
	se := Sweden{Reference: ref2026}
	_, r := se.Parse([]byte("195708170005"))
	assert.Equal(t, ReasonIndividualNumber, r)
	_, r = se.Parse([]byte("570817-0005"))
	assert.Equal(t, ReasonIndividualNumber, r)
	_, r = se.Parse([]byte("198803200016"))
	assert.Equal(t, ReasonNone, r)
}

func TestReferenceDate(t *testing.T) {
	d, err := ParseDate("2026-01-31")
	require.NoError(t, err)
	assert.Equal(t, Date{2026, time.January, 31}, d)
	assert.Equal(t, "2026-01-31", d.String())
	for _, bad := range []string{"2026-1-31", "2026-02-30", "31.01.2026", ""} {
		_, err := ParseDate(bad)
		assert.Error(t, err, bad)
	}
	for _, s := range []Scheme{Norway{}, Sweden{}, Denmark{}, Finland{}} {
		assert.Equal(t, d, ReferenceOf(WithReference(s, d)), s.Code())
		assert.True(t, ReferenceOf(s).IsZero())
	}
}

// TestRedactFutureBirthDates: the broadest schemes find numbers whose
// birth date lies in the future, so that no such number leaks.
func TestRedactFutureBirthDates(t *testing.T) {
	for _, in := range []string{"08073457336", "061234-8788", "071042D874L", "203001018880"} {
		valid := false
		for _, s := range AllSchemes() {
			_, r := s.Parse([]byte(in))
			valid = valid || r == ReasonNone
		}
		assert.True(t, valid, "numbers born after today are still IDs to a leak guard")
		assert.NotContains(t, Redact("n="+in), in)
		assert.Contains(t, Redact("n="+in), Redacted)
	}
	// Sweden's leap days resolve as in this century.
	id, r := Sweden{Reference: FarFuture}.Parse([]byte("000229-1235"))
	require.Equal(t, ReasonNone, r)
	assert.Equal(t, "se:240002291235", string(id.AppendCanonical(nil)))
}
