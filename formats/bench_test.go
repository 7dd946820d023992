package formats_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
)

const benchRows = 200_000

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

// benchData writes the synthetic patient registry (benchRows rows) once,
// in every format.
func benchData(b *testing.B) string {
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "koble-formats-bench-")
		if benchErr != nil {
			return
		}
		for _, f := range []formats.Format{formats.FormatCSV, formats.FormatParquet, formats.FormatArrowFile, formats.FormatArrowStream} {
			cfg := synth.DefaultConfig()
			cfg.Persons, cfg.PatientRows, cfg.Format, cfg.Overwrite = benchRows/10, benchRows, f, true
			if _, benchErr = synth.Generate(benchDir, cfg); benchErr != nil {
				return
			}
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDir
}

var benchExts = []string{".csv", ".parquet", ".arrow", ".arrows"}

// BenchmarkRead: one op reads the whole registry; rows/s and MB/s of file.
func BenchmarkRead(b *testing.B) {
	dir := benchData(b)
	for _, name := range append(append([]string(nil), benchExts...), ".csv-parallel2") {
		ext, parallel := benchVariant(name)
		b.Run(name[1:], func(b *testing.B) {
			path := filepath.Join(dir, "patient"+ext)
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				r, err := formats.Open(path, formats.ReadOptions{Parallel: parallel})
				if err != nil {
					b.Fatal(err)
				}
				for r.Next() {
				}
				if err := r.Err(); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkWrite: one op writes the registry (held in memory) to a file.
func BenchmarkWrite(b *testing.B) {
	dir := benchData(b)
	r, err := formats.Open(filepath.Join(dir, "patient.arrow"), formats.ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var batches []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		batches = append(batches, rec)
	}
	schema := r.Schema()
	r.Close()
	defer func() {
		for _, rec := range batches {
			rec.Release()
		}
	}()
	// "-parallel2": WriteOptions.Parallel = 2, against the serial writer
	// in the same run.
	names := append(append([]string(nil), benchExts...), ".csv-parallel2", ".parquet-parallel2")
	for _, name := range names {
		ext, parallel := benchVariant(name)
		b.Run(name[1:], func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "out"+ext)
			var size int64
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				w, err := formats.Create(out, schema, formats.WriteOptions{Overwrite: true, Allocator: memory.DefaultAllocator, Parallel: parallel})
				if err != nil {
					b.Fatal(err)
				}
				for _, rec := range batches {
					if err := w.Write(rec); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				if st, err := os.Stat(out); err == nil {
					size = st.Size()
				}
			}
			b.SetBytes(size)
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkPassThrough: Parquet -> Parquet beside a plain byte copy of the
// same file, measured in the same run.
func BenchmarkPassThrough(b *testing.B) {
	dir := benchData(b)
	in := filepath.Join(dir, "patient.parquet")
	st, _ := os.Stat(in)
	b.Run("bytecopy", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "copy.parquet")
		b.SetBytes(st.Size())
		for i := 0; i < b.N; i++ {
			data, err := os.ReadFile(in)
			if err != nil {
				b.Fatal(err)
			}
			af, err := formats.CreateAtomic(out, true)
			if err != nil {
				b.Fatal(err)
			}
			af.Write(data)
			if err := af.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parquet", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "pass.parquet")
		b.SetBytes(st.Size())
		for i := 0; i < b.N; i++ {
			if _, err := formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{Overwrite: true}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// benchVariant splits a sub-benchmark name such as ".csv-parallel2" into
// the file extension and the goroutines asked for.
func benchVariant(name string) (ext string, parallel int) {
	if e, ok := strings.CutSuffix(name, "-parallel2"); ok {
		return e, 2
	}
	return name, 1
}
