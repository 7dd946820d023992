package synth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

func generate(t *testing.T, cfg synth.Config) (string, *synth.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := synth.Generate(dir, cfg)
	require.NoError(t, err)
	return dir, m
}

func TestDeterministic(t *testing.T) {
	for _, f := range []formats.Format{formats.FormatCSV, formats.FormatParquet, formats.FormatArrowFile} {
		t.Run(f.String(), func(t *testing.T) {
			cfg := synth.DefaultConfig()
			cfg.Format = f
			a, m := generate(t, cfg)
			b, _ := generate(t, cfg)
			for _, file := range append([]string{"synth.json", synth.PseudonymKeyFile}, paths(m)...) {
				x, err := os.ReadFile(filepath.Join(a, file))
				require.NoError(t, err)
				y, err := os.ReadFile(filepath.Join(b, file))
				require.NoError(t, err)
				assert.True(t, bytes.Equal(x, y), "%s differs between two runs", file)
			}
			cfg.Seed = 2
			c, _ := generate(t, cfg)
			x, _ := os.ReadFile(filepath.Join(a, "patient"+ext(f)))
			y, _ := os.ReadFile(filepath.Join(c, "patient"+ext(f)))
			assert.False(t, bytes.Equal(x, y), "another seed gives the same patient registry")
		})
	}
}

func ext(f formats.Format) string {
	return map[formats.Format]string{formats.FormatCSV: ".csv", formats.FormatParquet: ".parquet", formats.FormatArrowFile: ".arrow"}[f]
}

func paths(m *synth.Manifest) []string {
	var out []string
	for _, f := range m.Files {
		out = append(out, f.Path)
	}
	return out
}

// row is what the property checks need of one register row.
type row struct {
	id    string
	valid bool
	dates []int32
}

func readRows(t *testing.T, path, idCol string, dateCols ...string) []row {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	types := map[string]arrow.DataType{}
	for _, c := range dateCols {
		types[c] = arrow.FixedWidthTypes.Date32
	}
	r, err := formats.Open(path, formats.ReadOptions{Allocator: mem, Types: types, BatchSize: 1000})
	require.NoError(t, err)
	defer r.Close()
	var rows []row
	for r.Next() {
		b := r.RecordBatch()
		ids := b.Column(b.Schema().FieldIndices(idCol)[0]).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			rw := row{}
			if !ids.IsNull(i) {
				rw.id = ids.Value(i)
				_, reason := pseudonym.Norway{}.Parse([]byte(rw.id))
				rw.valid = reason == pseudonym.ReasonNone
			}
			for _, c := range dateCols {
				d := b.Column(b.Schema().FieldIndices(c)[0]).(*array.Date32)
				if !d.IsNull(i) {
					rw.dates = append(rw.dates, int32(d.Value(i)))
				}
			}
			rows = append(rows, rw)
		}
	}
	require.NoError(t, r.Err())
	return rows
}

func TestProperties(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Persons = 20_000
	cfg.PatientRows = 200_000
	cfg.BadIDs = 0.01
	dir, m := generate(t, cfg)
	byName := map[string]synth.File{}
	for _, f := range m.Files {
		byName[f.Register] = f
	}

	patient := readRows(t, filepath.Join(dir, "patient.csv"), "fnr", "admit_date", "discharge_date")
	cancer := readRows(t, filepath.Join(dir, "cancer.csv"), "fnr", "diagnosis_date")
	death := readRows(t, filepath.Join(dir, "death.csv"), "fnr", "death_date")

	require.Len(t, patient, int(cfg.PatientRows))
	assert.EqualValues(t, byName["patient"].Rows, len(patient))

	// The share of malformed IDs is within 20% of the requested share, and
	// every ID the generator did not malform is valid.
	var bad, total int
	for _, rows := range [][]row{patient, cancer, death} {
		for _, r := range rows {
			total++
			if !r.valid {
				bad++
			}
		}
	}
	share := float64(bad) / float64(total)
	assert.InDelta(t, cfg.BadIDs, share, cfg.BadIDs*0.2, "bad-ID share %.4f, want %.4f", share, cfg.BadIDs)
	assert.EqualValues(t, byName["patient"].BadIDs+byName["cancer"].BadIDs+byName["death"].BadIDs, bad)

	// Death comes after every other date of the person.
	deathOf := map[string]int32{}
	for _, r := range death {
		if r.valid {
			_, dup := deathOf[r.id]
			require.False(t, dup, "a person dies twice")
			deathOf[r.id] = r.dates[0]
		}
	}
	require.NotEmpty(t, deathOf)
	checked := 0
	for _, rows := range [][]row{patient, cancer} {
		for _, r := range rows {
			d, ok := deathOf[trim(r.id)]
			if !ok || !r.valid {
				continue
			}
			for _, x := range r.dates {
				require.Less(t, x, d, "an event on or after the person's death")
				checked++
			}
		}
	}
	assert.Greater(t, checked, 100)
	// Discharge is never before admission.
	for _, r := range patient {
		require.Len(t, r.dates, 2)
		require.LessOrEqual(t, r.dates[0], r.dates[1])
	}

	// Sources overlap but differ; kinds are mixed as documented.
	persons := func(rows []row) map[string]bool {
		s := map[string]bool{}
		for _, r := range rows {
			if r.valid {
				s[trim(r.id)] = true
			}
		}
		return s
	}
	pp, cp := persons(patient), persons(cancer)
	var both int
	for id := range cp {
		if pp[id] {
			both++
		}
	}
	assert.Greater(t, both, 0)
	assert.Less(t, both, len(cp))
	var dnr, hnr int
	for id := range pp {
		x, _ := pseudonym.Norway{}.Parse([]byte(id))
		if x.Kind()&pseudonym.KindDNumber != 0 {
			dnr++
		}
		if x.Kind()&pseudonym.KindHNumber != 0 {
			hnr++
		}
	}
	assert.InDelta(t, 0.03, float64(dnr)/float64(len(pp)), 0.01)
	assert.Greater(t, hnr, 0)
}

func trim(s string) string { return string(bytes.TrimSpace([]byte(s))) }

func TestBirthYears(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Persons = 5000
	dir, _ := generate(t, cfg)
	rows := readRows(t, filepath.Join(dir, "patient.csv"), "fnr")
	for _, r := range rows {
		if !r.valid {
			continue
		}
		id, _ := pseudonym.Norway{}.Parse([]byte(r.id))
		if b, ok := id.BirthDate(); ok {
			require.True(t, b.Year() >= 1920 && b.Year() <= 2024, "birth year %d", b.Year())
			require.False(t, b.After(time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)))
		}
	}
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Persons = 0
	_, err := synth.Generate(dir, cfg)
	assert.ErrorContains(t, err, "persons")
	cfg = synth.DefaultConfig()
	cfg.BadIDs = 2
	_, err = synth.Generate(dir, cfg)
	assert.ErrorContains(t, err, "bad-ID share")
	_, err = synth.Generate(filepath.Join(dir, "missing"), synth.DefaultConfig())
	assert.ErrorContains(t, err, "does not exist")
	// An existing output is not replaced without Overwrite.
	_, err = synth.Generate(dir, synth.DefaultConfig())
	require.NoError(t, err)
	_, err = synth.Generate(dir, synth.DefaultConfig())
	assert.ErrorContains(t, err, "already exists")
}

func BenchmarkPatientRegistry(b *testing.B) {
	for _, f := range []formats.Format{formats.FormatCSV, formats.FormatParquet} {
		b.Run(f.String(), func(b *testing.B) {
			cfg := synth.DefaultConfig()
			cfg.Persons = 10_000
			cfg.PatientRows = 100_000
			cfg.Format = f
			cfg.Overwrite = true
			dir := b.TempDir()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := synth.Generate(dir, cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cfg.PatientRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
