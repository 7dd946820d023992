package linkage

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/pseudonym"
)

// fpSamples is the size of each generated corpus; the figures quoted in
// leakguard.go are from -fp-samples=1000000.
var fpSamples = flag.Int("fp-samples", 20_000, "values per corpus in TestGuardFalsePositives")

// fpCorpus generates n values of one kind of ordinary register data.
type fpCorpus struct {
	name string
	gen  func(r *rand.Rand) string
	// max is the highest rate of findings the test accepts.
	max float64
}

func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func date(r *rand.Rand) (y, m, d int) { return 1900 + r.IntN(126), 1 + r.IntN(12), 1 + r.IntN(28) }

var fpCorpora = []fpCorpus{
	{"icd10", func(r *rand.Rand) string {
		return fmt.Sprintf("%c%02d.%d", 'A'+rune(r.IntN(26)), r.IntN(100), r.IntN(10))
	}, 0},
	{"atc", func(r *rand.Rand) string {
		return fmt.Sprintf("%c%02d%c%c%02d", 'A'+rune(r.IntN(26)), r.IntN(100), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)), r.IntN(100))
	}, 0},
	{"municipality", func(r *rand.Rand) string { return fmt.Sprintf("%04d", r.IntN(10000)) }, 0},
	{"organisation number", func(r *rand.Rand) string { return "9" + digits(r, 8) }, 0},
	{"amount", func(r *rand.Rand) string {
		return fmt.Sprintf("%d.%02d", r.IntN(1_000_000_000), r.IntN(100))
	}, 0},
	{"amount with spaces", func(r *rand.Rand) string {
		v := r.IntN(1_000_000_000)
		return fmt.Sprintf("%d %03d %03d,%02d", v/1_000_000, v/1000%1000, v%1000, r.IntN(100))
	}, 0},
	{"phone 8 digits", func(r *rand.Rand) string { return fmt.Sprintf("%d%s", 2+r.IntN(8), digits(r, 7)) }, 0},
	{"phone +47 pairs", func(r *rand.Rand) string {
		return fmt.Sprintf("+47 %s %s %s %s", digits(r, 2), digits(r, 2), digits(r, 2), digits(r, 2))
	}, 0},
	// "0047" and eight digits end in ten digits starting with 47, a
	// Swedish number's year: 0.7% pass Luhn and the date.
	{"phone 0047", func(r *rand.Rand) string { return "0047" + digits(r, 8) }, 0.015},
	{"phone +46", func(r *rand.Rand) string {
		return "+46 7" + digits(r, 1) + " " + digits(r, 3) + " " + digits(r, 2) + " " + digits(r, 2)
	}, 0},
	{"date iso", func(r *rand.Rand) string { y, m, d := date(r); return fmt.Sprintf("%04d-%02d-%02d", y, m, d) }, 0},
	{"date norwegian", func(r *rand.Rand) string { y, m, d := date(r); return fmt.Sprintf("%02d.%02d.%04d", d, m, y) }, 0},
	{"timestamp", func(r *rand.Rand) string {
		y, m, d := date(r)
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, m, d, r.IntN(24), r.IntN(60), r.IntN(60))
	}, 0},
	{"timestamp iso", func(r *rand.Rand) string {
		y, m, d := date(r)
		return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1000))
	}, 0},
	{"bank account", func(r *rand.Rand) string { return digits(r, 4) + "." + digits(r, 2) + "." + digits(r, 5) }, 0},
	{"note", func(r *rand.Rand) string {
		y, m, d := date(r)
		return fmt.Sprintf("Innlagt %02d.%02d.%04d kl %02d:%02d, fikk %d x %d mg (N02BE01). Kontroll om %d uker, tlf %d%s. Diagnose C%02d.%d, kommune %04d, beløp %d,%02d kr.",
			d, m, y, r.IntN(24), r.IntN(60), 1+r.IntN(3), 100*(1+r.IntN(10)), 1+r.IntN(12), 2+r.IntN(8), digits(r, 7),
			r.IntN(100), r.IntN(10), r.IntN(10000), r.IntN(100000), r.IntN(100))
	}, 0},
	// Numbers of an ID's length: what passes the checks is found, at the
	// checksum density (see leakguard.go).
	{"random 10 digits", func(r *rand.Rand) string { return digits(r, 10) }, 0.02},
	{"random 11 digits", func(r *rand.Rand) string { return digits(r, 11) }, 0.05},
	{"random 12 digits", func(r *rand.Rand) string { return digits(r, 12) }, 0.08},
	{"amount 11 digits", func(r *rand.Rand) string { return digits(r, 11) + "." + digits(r, 2) }, 0.05},
}

// TestGuardFalsePositives measures how often the guard finds an ID in
// generated ordinary data, and holds the rates to the figures quoted in
// leakguard.go. Run with -v for the figures.
func TestGuardFalsePositives(t *testing.T) {
	n := *fpSamples
	if testing.Short() {
		n /= 10
	}
	f := guardFinder(pseudonym.Norway{})
	for _, c := range fpCorpora {
		r := rand.New(rand.NewPCG(7, uint64(len(c.name))))
		hits := 0
		for i := 0; i < n; i++ {
			if f.ContainsString(c.gen(r)) {
				hits++
			}
		}
		rate := float64(hits) / float64(n)
		t.Logf("%-22s %7d in %d (%.4f%%)", c.name, hits, n, 100*rate)
		if rate > c.max {
			t.Errorf("%s: rate %.5f, want at most %.5f", c.name, rate, c.max)
		}
	}
	// Integers of 9 to 12 digits, as an integer column holds them.
	for _, nd := range []int{9, 10, 11, 12} {
		r := rand.New(rand.NewPCG(8, uint64(nd)))
		lo := uint64(1)
		for i := 1; i < nd; i++ {
			lo *= 10
		}
		hits := 0
		for i := 0; i < n; i++ {
			if f.Integer(lo + r.Uint64N(9*lo)) {
				hits++
			}
		}
		rate := float64(hits) / float64(n)
		t.Logf("integer %2d digits      %7d in %d (%.4f%%)", nd, hits, n, 100*rate)
		if rate > 0.03 {
			t.Errorf("integers of %d digits: rate %.5f, want at most 0.03", nd, rate)
		}
	}
}

// BenchmarkGuard measures the guard on one column of 64K values per kind,
// in values per second (the bytes are the column's text).
func BenchmarkGuard(b *testing.B) {
	mem := memory.DefaultAllocator
	const rows = 64 << 10
	kinds := []struct {
		name string
		gen  func(r *rand.Rand) string
	}{
		{"codes", fpCorpora[0].gen},
		{"dates", fpCorpora[10].gen},
		{"notes", fpCorpora[15].gen},
		{"11digits", fpCorpora[17].gen},
	}
	for _, k := range kinds {
		r := rand.New(rand.NewPCG(1, 1))
		sb := array.NewStringBuilder(mem)
		var size int64
		for i := 0; i < rows; i++ {
			v := k.gen(r)
			size += int64(len(v))
			sb.Append(v)
		}
		col := sb.NewArray()
		sb.Release()
		b.Run("string/"+k.name, func(b *testing.B) {
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				countIDs(col, pseudonym.Norway{})
			}
		})
		col.Release()
	}
	ib := array.NewInt64Builder(mem)
	r := rand.New(rand.NewPCG(2, 2))
	for i := 0; i < rows; i++ {
		ib.Append(r.Int64N(1e12))
	}
	icol := ib.NewArray()
	ib.Release()
	defer icol.Release()
	b.Run("int64", func(b *testing.B) {
		b.SetBytes(8 * rows)
		for b.Loop() {
			countIDs(icol, pseudonym.Norway{})
		}
	})
}
