package formats_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

var csvSeeds = []string{
	"a,b\n1,2\n",
	"a;b\r\n\"x;y\";\"\"\r\n",
	"\xEF\xBB\xBFfnr\n01017012345\n",
	"a\n\"multi\nline\"\n",
	"a,b\n1\n",
	"a\n\"open\n",
	"a|b|c\n||\n",
	"x\n\"\"\"\"\n",
	"a,b\r1,2\r\r3,\"x\ry\"\r",
	"a;b\r\n1;\"\n\"\r\n",
	"a\r\"open\r",
	"",
}

// rowsOf reads every row of a reader as strings; ok is false on an error.
func rowsOf(t *testing.T, data []byte, format formats.Format) (rows [][]string, names []string, ok bool) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	// arrow-go leaks buffers on some error paths inside ipc (garbage
	// collected with the Go allocator): only a clean read must balance.
	defer func() {
		if ok {
			mem.AssertSize(t, 0)
		}
	}()
	r, err := formats.NewReader(bytes.NewReader(data), "fuzz", formats.ReadOptions{Format: format, Allocator: mem, BatchSize: 3})
	if err != nil {
		return nil, nil, false
	}
	defer r.Close()
	for _, f := range r.Schema().Fields() {
		names = append(names, f.Name)
	}
	for r.Next() {
		rows = append(rows, batchRows(t, r.RecordBatch())...)
	}
	return rows, names, r.Err() == nil
}

// batchRows returns a batch's rows as strings, null as "\x00null", and
// fails on a column whose buffers are not valid Arrow.
func batchRows(t *testing.T, b arrow.RecordBatch) [][]string {
	for _, c := range b.Columns() {
		require.NoError(t, array.ValidateFull(c))
	}
	rows := make([][]string, b.NumRows())
	for i := range rows {
		row := make([]string, b.NumCols())
		for j, c := range b.Columns() {
			if c.IsNull(i) {
				row[j] = "\x00null"
			} else {
				row[j] = c.ValueStr(i)
			}
		}
		rows[i] = row
	}
	return rows
}

// FuzzCSV: the reader never panics or leaks, and whatever it reads, the
// writer writes so that the reader reads it back the same.
func FuzzCSV(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, names, ok := rowsOf(t, data, formats.FormatCSV)
		if !ok {
			return
		}
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		r, err := formats.NewReader(bytes.NewReader(data), "fuzz.csv", formats.ReadOptions{Allocator: mem})
		require.NoError(t, err)
		var out bytes.Buffer
		w, err := formats.NewWriter(&out, "out.csv", r.Schema(), formats.WriteOptions{})
		require.NoError(t, err)
		for r.Next() {
			require.NoError(t, w.Write(r.RecordBatch()))
		}
		require.NoError(t, r.Err())
		require.NoError(t, w.Close())
		r.Close()
		delim := ','
		rows2, names2, ok := rowsOf(t, out.Bytes(), formats.FormatCSV)
		require.True(t, ok, "cannot read back what was written (delimiter %q):\n%q", delim, out.String())
		require.Equal(t, names, names2)
		require.Equal(t, rows, rows2)
	})
}

func binarySeeds(f *testing.F, ext string) [][]byte {
	mem := memory.NewGoAllocator()
	rec := typedBatch(mem)
	defer rec.Release()
	var buf bytes.Buffer
	w, err := formats.NewWriter(&buf, "seed"+ext, rec.Schema(), formats.WriteOptions{})
	require.NoError(f, err)
	require.NoError(f, w.Write(rec))
	require.NoError(f, w.Close())
	b := buf.Bytes()
	return [][]byte{b, b[:len(b)/2], b[:len(b)-1], append([]byte(nil), b[:8]...)}
}

func fuzzBinary(f *testing.F, ext string, format formats.Format) {
	seeds := binarySeeds(f, ext)
	require.NotEmpty(f, seeds, "no seeds for %s", ext)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readSome(t, data, format) // must not panic
	})
}

// fuzzRows bounds the rows a binary fuzz target reads of one input: a few
// bytes of Parquet can hold millions of run-length encoded nulls, which
// read correctly but slowly, and would starve the fuzzer.
const fuzzRows = 1 << 14

// readSome reads up to fuzzRows rows of data, in small batches, and
// checks every value it hands on.
func readSome(t *testing.T, data []byte, format formats.Format) {
	r, err := formats.NewReader(bytes.NewReader(data), "fuzz", formats.ReadOptions{Format: format, BatchSize: 7})
	if err != nil {
		require.Contains(t, err.Error(), "fuzz")
		return
	}
	defer r.Close()
	rows := 0
	for rows < fuzzRows && r.Next() {
		rows += len(batchRows(t, r.RecordBatch()))
	}
	if err := r.Err(); err != nil {
		require.Contains(t, err.Error(), "fuzz")
	}
}

// FuzzParquet: opening and reading any bytes as Parquet never panics.
func FuzzParquet(f *testing.F) { fuzzBinary(f, ".parquet", formats.FormatParquet) }

// FuzzArrowFile: opening and reading any bytes as an Arrow file never panics.
func FuzzArrowFile(f *testing.F) { fuzzBinary(f, ".arrow", formats.FormatArrowFile) }

// FuzzArrowStream: reading any bytes as an Arrow stream never panics.
func FuzzArrowStream(f *testing.F) { fuzzBinary(f, ".arrows", formats.FormatArrowStream) }

// FuzzCSVParallel: on any text, the parallel reader gives the serial
// reader's batches and error.
func FuzzCSVParallel(f *testing.F) {
	for _, s := range csvSeeds {
		f.Add([]byte(s), uint8(2))
	}
	f.Add(trickyCSV(50), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, batch uint8) {
		opts := formats.ReadOptions{BatchSize: int(batch%8) + 1}
		want, wantErr := csvBatches(t, data, opts)
		opts.Parallel = 3
		got, gotErr := csvBatches(t, data, opts)
		require.Equal(t, wantErr, gotErr)
		require.Equal(t, want, got)
	})
}
