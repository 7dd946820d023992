package risk

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchBatches makes an event register of rows over persons (about ten
// rows a person, scattered), in batches of 64K rows: birth year and sex
// constant per person, a municipality that sometimes changes, a diagnosis
// per row.
func benchBatches(rows, persons int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(1, 2))
	diags := make([]string, 300)
	for i := range diags {
		diags[i] = fmt.Sprintf("%c%02d.%d", 'A'+rune(i%26), i%100, i%10)
	}
	var out []arrow.RecordBatch
	var batch []row
	for range rows {
		p := rng.IntN(persons)
		muni := fmt.Sprintf("%02d%02d", 3+p%50, p%7)
		if rng.IntN(10) == 0 {
			muni = fmt.Sprintf("%02d%02d", 3+rng.IntN(50), rng.IntN(7))
		}
		batch = append(batch, row{person: fmt.Sprintf("S%09d", p), qi: []string{
			fmt.Sprint(1930 + p%80), []string{"M", "F"}[p%2], muni, diags[rng.IntN(len(diags))],
		}})
		if len(batch) == 1<<16 {
			out = append(out, makeBatch(memory.DefaultAllocator, testQI, batch, false))
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		out = append(out, makeBatch(memory.DefaultAllocator, testQI, batch, false))
	}
	return out
}

// BenchmarkCollector measures a register of 1M rows over 100K persons
// end to end: reading the batches, the figures, and 20 generalisations
// tried. Time per row; register scale is in bench/driver (job risk).
func BenchmarkCollector(b *testing.B) {
	const rows = 1_000_000
	batches := benchBatches(rows, rows/10)
	defer func() {
		for _, bt := range batches {
			bt.Release()
		}
	}()
	ladders := map[string]Ladder{}
	for q, kind := range map[string]string{"birth_year": "year", "sex": "none", "municipality": "municipality", "diag": "icd10"} {
		ladders[q], _ = NewLadder(kind)
	}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		c, err := New(Config{Person: "lnr", QI: testQI, Ladders: ladders, MaxSearch: 20, TempDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		for _, bt := range batches {
			if err := c.Add(bt); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := c.Result(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
}
