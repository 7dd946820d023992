package pseudonym

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Valid numbers of every scheme, none of a real person.
const (
	testNO   = "15076330007"
	testNO2  = "15108610260"
	testDNr  = "45014054018"
	testSE10 = "8803200016"
	testSE12 = "198803200016"
	testDK   = "2110625629"
	testFI   = "131052-308T"
)

// assertNoID fails if any substring of s parses as a valid number of any
// scheme, or if a finder of either layout finds one in it.
func assertNoID(t testing.TB, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		for l := 10; l <= 13 && i+l <= len(s); l++ {
			for _, sc := range AllSchemes() {
				if _, r := sc.Parse([]byte(s[i : i+l])); r == ReasonNone {
					t.Fatalf("%q holds a valid %s number at %d", s, sc.Code(), i)
				}
			}
		}
	}
	require.False(t, NewFinder(LayoutAny).ContainsString(s), "%q", s)
	require.False(t, NewFinder(LayoutDate).ContainsString(s), "%q", s)
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "id " + testNO + " bad", "id [id] bad"},
		{"inside letters", "X" + testNO + "Y", "X[id]Y"},
		{"leading zeros", "00" + testNO, "00[id]"},
		{"space", "150763 30007", "[id]"},
		{"hyphen", "150763-30007", "[id]"},
		{"dotted date", "15.10.86 10260", "[id]"},
		{"spaced digits", "1 5 0 7 6 3 3 0 0 0 7", "[id]"},
		{"carriage return", "column \"5503\r" + "30058128836\" twice", "column \"5503\r[id]\" twice"},
		{"full-width", "１５０７６３３０００７", "[id]"},
		{"arabic-indic", "١٥٠٧٦٣٣٠٠٠٧", "[id]"},
		{"superscript", "¹⁵⁰⁷⁶³³⁰⁰⁰⁷", "[id]"},
		{"zero-width space", "150763\u200b30007", "[id]"},
		{"soft hyphens", "15\u00ad07\u00ad63\u00ad30007", "[id]"},
		{"combining marks", "1\u03055076330007\u0305", "[id]\u0305"},
		{"d-number", "n=" + testDNr, "n=[id]"},
		{"sweden 10", "pnr " + testSE10[:6] + "-" + testSE10[6:], "pnr [id]"},
		{"sweden plus", testSE10[:6] + "+" + testSE10[6:], "[id]"},
		{"sweden 12", testSE12, "[id]"},
		{"denmark", testDK[:6] + "-" + testDK[6:], "[id]"},
		{"finland", "hetu " + testFI + ".", "hetu [id]."},
		{"finland new sign", "010105A9380", "[id]"},
		{"finland lower case", "131052-308t", "[id]"},
		{"two", testNO + "," + testNO2, "[id],[id]"},
		{"overlapping", testNO + testNO2, "[id]"},
		{"nothing", "read 1234 rows in 2.5 s", "read 1234 rows in 2.5 s"},
		{"short numbers", "line 17, column 3", "line 17, column 3"},
		{"empty", "", ""},
		{"invalid utf-8", "\xff" + testNO + "\xfe", "\xff[id]\xfe"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Redact(tc.in)
			if got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
			assertNoID(t, got)
		})
	}
}

func TestFinderLayoutDate(t *testing.T) {
	f := NewFinder(LayoutDate)
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"plain", testNO, true},
		{"in text", "ring " + testNO + " i morgen", true},
		{"glued", "X" + testNO + "Y", true},
		{"leading zeros", "0015076330007", true},
		{"date dots", "15.10.86 10260", true},
		{"date and individual", "150763 300 07", true},
		{"hyphen", "150763-30007", true},
		{"sweden long dashes", "1988-03-20-0016", true},
		{"full-width", "１５０７６３ ３０００７", true},
		{"zero-width joiners", "1507\u200d6330\u200d007", true},
		{"finland", testFI, true},
		{"spaced digits", "1 5 0 7 6 3 3 0 0 0 7", false},
		{"phone", "+47 22 33 44 55", false},
		{"timestamp", "2001-10-12 12:30:00", false},
		{"short", "150763300", false},
		{"too many separators", "150763    30007", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.ContainsString(tc.in); got != tc.want {
				t.Errorf("ContainsString(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestFinderInteger(t *testing.T) {
	f := NewFinder(LayoutDate)
	tests := []struct {
		name string
		v    uint64
		want bool
	}{
		{"norway", 15076330007, true},
		{"sweden 12", 198803200016, true},
		{"denmark", 2110625629, true},
		{"small", 12345678, false},
		{"too long", 15076330007000, false},
	}
	// A Norwegian number starting with 0 loses it in an integer column.
	rng := rand.New(rand.NewPCG(3, 4))
	id := randomNorwegian(rng)
	for id[0] != '0' {
		id = randomNorwegian(rng)
	}
	v, err := strconv.ParseUint(id, 10, 64)
	require.NoError(t, err)
	require.Less(t, v, uint64(1e10))
	tests = append(tests, struct {
		name string
		v    uint64
		want bool
	}{"norway leading zero", v, true})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.Integer(tc.v); got != tc.want {
				t.Errorf("Integer(%d) = %v, want %v", tc.v, got, tc.want)
			}
		})
	}
}

// TestDigitRanges checks what digitValue relies on: every range of
// Unicode's Nd table is a union of runs of ten digits, zero to nine.
func TestDigitRanges(t *testing.T) {
	check := func(lo, hi, stride uint32) {
		require.EqualValues(t, 1, stride, "range %#x-%#x", lo, hi)
		require.Zero(t, (hi-lo+1)%10, "range %#x-%#x", lo, hi)
		for r := lo; r <= hi; r++ {
			d, ok := digitValue(rune(r))
			require.True(t, ok)
			require.EqualValues(t, (r-lo)%10, d)
		}
	}
	for _, rg := range unicode.Nd.R16 {
		check(uint32(rg.Lo), uint32(rg.Hi), uint32(rg.Stride))
	}
	for _, rg := range unicode.Nd.R32 {
		check(rg.Lo, rg.Hi, rg.Stride)
	}
}

// TestRedactRandom redacts text with random valid numbers planted in
// every form and checks that none survives.
func TestRedactRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	forms := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return s[:6] + " " + s[6:] },
		func(s string) string { return s[:2] + "." + s[2:4] + "." + s[4:6] + " " + s[6:] },
		func(s string) string { return "000" + s + "99" },
		func(s string) string { return strings.Join(strings.Split(s, ""), " ") },
		func(s string) string {
			var b strings.Builder
			for _, c := range s {
				b.WriteRune(c - '0' + '０')
			}
			return b.String()
		},
	}
	for i := 0; i < 2000; i++ {
		id := randomNorwegian(rng)
		form := forms[i%len(forms)]
		s := "note " + strconv.Itoa(rng.IntN(1000)) + " " + form(id) + " end"
		got := Redact(s)
		assert.NotContains(t, got, id)
		assertNoID(t, got)
	}
}

// TestRedactLongInput: the scanner is linear, so megabytes of digits (a
// window to parse at every position) take milliseconds, not hours.
func TestRedactLongInput(t *testing.T) {
	s := strings.Repeat(testNO+testNO2+"1", 1<<16) // 1.5 MB of digits
	got := Redact(s)
	require.NotContains(t, got, testNO)
	require.Less(t, len(got), 1<<17)
	require.False(t, NewFinder(LayoutAny).ContainsString(got))
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{testNO, "X" + testNO + "Y", "15.10.86 10260", testFI, "010105a9380", testSE12,
		"1988-03-20-0016", "１５０７６３３０００７", "5503\r30058128836", "0015076330007", "1 5 0 7 6 3 3 0 0 0 7", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		assertNoID(t, Redact(s))
	})
}

func BenchmarkRedact(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"message", "prepare: registry.csv: line 17: column \"diagnose\": 12 rows quarantined"},
		{"digits-1M", strings.Repeat("1234567890", 1<<17)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				Redact(c.s)
			}
		})
	}
}
