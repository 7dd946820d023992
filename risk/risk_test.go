package risk

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
)

var testQI = []string{"birth_year", "sex", "municipality", "diag"}

// makeBatch builds a batch of rows: person, the QIs, and "sens" when
// withSens.
func makeBatch(mem memory.Allocator, qi []string, rows []row, withSens bool) arrow.RecordBatch {
	fields := []arrow.Field{{Name: "lnr", Type: arrow.BinaryTypes.String, Nullable: true}}
	for _, q := range qi {
		fields = append(fields, arrow.Field{Name: q, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	if withSens {
		fields = append(fields, arrow.Field{Name: "sens", Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r.person)
		for q, v := range r.qi {
			sb := b.Field(q + 1).(*array.StringBuilder)
			if v == nullText {
				sb.AppendNull()
			} else {
				sb.Append(v)
			}
		}
		if withSens {
			b.Field(len(qi) + 1).(*array.StringBuilder).Append(r.sens)
		}
	}
	return b.NewRecordBatch()
}

func testLadders(t *testing.T) map[string]Ladder {
	m := map[string]Ladder{}
	for q, kind := range map[string]string{"birth_year": "year", "sex": "none", "municipality": "municipality", "diag": "icd10"} {
		l, err := NewLadder(kind)
		require.NoError(t, err)
		m[q] = l
	}
	return m
}

// run feeds rows in batches of the given size and returns the collector
// after Result.
func run(t *testing.T, rows []row, cfg Config, batch int) (*Collector, *Result) {
	t.Helper()
	return runWith(t, rows, cfg, batch, nil)
}

// runWith is run with tweak applied to the collector before the first
// batch; the collector keeps its tapes, removed when the test ends.
func runWith(t *testing.T, rows []row, cfg Config, batch int, tweak func(*Collector)) (*Collector, *Result) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c, err := New(cfg)
	require.NoError(t, err)
	c.keepTapes = true
	t.Cleanup(func() { require.NoError(t, c.Close()) })
	if tweak != nil {
		tweak(c)
	}
	for i := 0; i < len(rows); i += batch {
		b := makeBatch(mem, cfg.QI, rows[i:min(i+batch, len(rows))], cfg.Sensitive != "")
		require.NoError(t, c.Add(b))
		b.Release()
	}
	res, err := c.Result()
	require.NoError(t, err)
	return c, res
}

func rowsOf(spec string) []row {
	var out []row
	for _, line := range strings.Split(strings.TrimSpace(spec), "\n") {
		f := strings.Fields(line)
		out = append(out, row{person: f[0], qi: f[1 : len(f)-1], sens: f[len(f)-1]})
	}
	return out
}

func TestModes(t *testing.T) {
	// A lives in two municipalities; B-E in 0301 only, F-J in 1103 only.
	rows := rowsOf(`
A 1950 M 0301 C50 x
A 1950 M 1103 C50 y
B 1950 M 0301 C50 x
C 1950 M 0301 C50 x
D 1950 M 0301 C50 x
E 1950 M 0301 C50 x
F 1950 M 1103 C50 y
G 1950 M 1103 C50 z
H 1950 M 1103 C50 y
I 1950 M 1103 C50 y
J 1950 M 1103 C50 y`)
	tests := []struct {
		mode                                         Mode
		classes, smallest, atRisk, uniques, l, homog int64
		pass                                         bool
	}{
		// A alone in {0301, 1103}; B-E four (all x: homogeneous); F-J five.
		{Combination, 3, 1, 5, 1, 1, 1, false},
		// A counted in 0301 by the first row: two classes of five.
		{First, 2, 5, 0, 0, 1, 1, true},
		// 0301: A-E (all x on those rows); 1103: A, F-J.
		{Every, 2, 5, 0, 0, 1, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			_, res := run(t, rows, Config{Person: "lnr", QI: testQI, Mode: tt.mode, Sensitive: "sens", Ladders: testLadders(t)}, 4)
			got := []int64{res.Classes, res.SmallestClass, res.AtRisk, res.SampleUniques, res.Diversity.L, res.Diversity.HomogeneousClasses}
			want := []int64{tt.classes, tt.smallest, tt.atRisk, tt.uniques, tt.l, tt.homog}
			require.Equal(t, want, got, "classes, smallest, at risk, uniques, l, homogeneous classes")
			require.Equal(t, tt.pass, res.Pass)
			require.Equal(t, int64(10), res.Persons)
			require.Equal(t, int64(11), res.Rows)
		})
	}
}

func TestSuggestions(t *testing.T) {
	// Ten persons in two counties' municipalities, each municipality with
	// fewer than five: county reaches k = 5 at cost 1.
	var spec strings.Builder
	for i, m := range []string{"0301", "0301", "0301", "0302", "0302", "1103", "1103", "1104", "1104", "1104"} {
		fmt.Fprintf(&spec, "p%d 1950 M %s C50 x\n", i, m)
	}
	_, res := run(t, rowsOf(spec.String()), Config{Person: "lnr", QI: testQI, Ladders: testLadders(t)}, 3)
	require.False(t, res.Pass)
	require.Equal(t, int64(10), res.AtRisk)
	require.NotEmpty(t, res.Suggestions)
	last := res.Suggestions[len(res.Suggestions)-1]
	require.True(t, last.Pass)
	require.Equal(t, 1, last.Cost)
	var found bool
	for _, s := range res.Suggestions {
		if s.Pass && s.Levels[2] == "county" {
			found = true
		}
	}
	require.True(t, found, "county among the passing suggestions: %+v", res.Suggestions)
}

// randomRows makes a register with planted rare combinations: a birth
// year shown by one person, a municipality by two, a person with many
// municipalities (past a small bound), missing values.
func randomRows(rng *rand.Rand, persons int, grouped bool) []row {
	munis := []string{"0301", "0301", "0302", "1103", "1104", "4601"}
	diags := []string{"C50.1", "C50.9", "C18", "I21.0", "J45", "Z00.0", "F32.1"}
	var rows []row
	for p := range persons {
		id := fmt.Sprintf("P%05d", p)
		year := fmt.Sprint(1940 + rng.IntN(6))
		sex := []string{"M", "F"}[rng.IntN(2)]
		muni := munis[rng.IntN(len(munis))]
		switch p {
		case 0:
			year = "1901"
		case 1, 2:
			muni = "5001"
		}
		n := 1 + rng.IntN(4)
		if p == 3 {
			n = 20
		}
		for range n {
			r := row{person: id, qi: []string{year, sex, muni, diags[rng.IntN(len(diags))]}, sens: []string{"a", "b", "c"}[rng.IntN(3)]}
			if rng.IntN(5) == 0 {
				r.qi[2] = munis[rng.IntN(len(munis))] // moved
			}
			if p == 3 {
				r.qi[3] = fmt.Sprintf("K%02d", len(rows)%40)
			}
			if rng.IntN(40) == 0 {
				r.qi[rng.IntN(4)] = nullText
			}
			rows = append(rows, r)
		}
	}
	if !grouped {
		rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	}
	return rows
}

func randomFrame(rng *rand.Rand, rows []row) (map[string]int64, *Frame) {
	m := map[string]int64{}
	for _, r := range rows {
		m[strings.Join(r.qi, "\x1f")] = int64(1 + rng.IntN(3))
	}
	m[strings.Join([]string{"1999", "M", "9999", "A00"}, "\x1f")] = 7 // matches nobody
	f := NewFrame(testQI, "n")
	for raw, n := range m {
		f.counts = append(f.counts, n)
		for q, v := range strings.Split(raw, "\x1f") {
			if v == nullText {
				v = missingText
			}
			f.vals[q] = append(f.vals[q], v)
		}
	}
	return m, f
}

func figures(m *Measures) bruteFigures {
	f := bruteFigures{
		Classes: m.Classes, Smallest: m.SmallestClass, AtRisk: m.AtRisk, Uniques: m.SampleUniques,
		UniqueClasses: m.UniqueClasses, PairClasses: m.PairClasses, Overflow: m.Overflow,
	}
	if d := m.Diversity; d != nil {
		f.L, f.HomogeneousClasses, f.HomogeneousPersons = d.L, d.HomogeneousClasses, d.HomogeneousPersons
	}
	if p := m.Population; p != nil && p.Source == "frame" {
		f.PopUniques, f.NotInFrame = *p.UniquesInPopulation, p.NotInFrame
	}
	return f
}

// TestAgainstBruteForce compares every figure with the brute-force
// implementation, for each mode, grouped and shuffled rows, batch sizes
// around the row count, and random generalisations.
func TestAgainstBruteForce(t *testing.T) {
	seeds := 16
	if testing.Short() {
		seeds = 4
	}
	for seed := range seeds {
		for _, mode := range []Mode{Combination, First, Every} {
			t.Run(fmt.Sprintf("seed%d/%s", seed, mode), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(seed), 17))
				rows := randomRows(rng, 20+rng.IntN(200), seed%2 == 0)
				frameMap, frame := randomFrame(rng, rows)
				k := KPresets[seed%3]
				bound := []int{4, 8, 64}[seed%3]
				batch := []int{1, len(rows) - 1, len(rows), len(rows) + 1, 7}[seed%5]
				cfg := Config{Person: "lnr", QI: testQI, Mode: mode, K: k, Bound: bound, Sensitive: "sens", Ladders: testLadders(t), Frame: frame}
				var tweak func(*Collector)
				if seed%4 == 1 {
					// Small partitions and buffers, tapes on disk: every
					// path of the spill.
					cfg.TempDir, cfg.tapeLimit = t.TempDir(), 1
					tweak = func(c *Collector) { c.store.part, c.store.chunk = 8, 5 }
				}
				c, res := runWith(t, rows, cfg, max(batch, 1), tweak)
				if seed%4 == 1 {
					require.True(t, c.store.persons.onDisk())
				}
				bc := bruteConfig{mode: mode, k: k, bound: bound, sensitive: true, frame: frameMap}
				for trial := range 6 {
					levels := make([]int, len(testQI))
					if trial > 0 {
						for q := range levels {
							levels[q] = rng.IntN(len(c.ladders[q].Levels))
						}
					}
					bc.levels = nil
					for q, l := range levels {
						bc.levels = append(bc.levels, c.ladders[q].Levels[l])
					}
					want := brute(rows, bc)
					m, err := c.measure(levels, true)
					require.NoError(t, err)
					got := figures(m)
					if trial == 0 {
						require.Equal(t, got, figures(&res.Measures))
					}
					require.Equal(t, want, got, "levels %v", levels)
				}
			})
		}
	}
}
