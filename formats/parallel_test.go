package formats_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// registerBatches builds n batches of a register-like flat schema with
// every null pattern a column can have: none, some, all.
func registerBatches(mem memory.Allocator, n, rows int) []arrow.RecordBatch {
	md := arrow.NewMetadata([]string{"register"}, []string{"test"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "fnr", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "serial", Type: arrow.PrimitiveTypes.Int64},
		{Name: "admit", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "los", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "urgent", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "age", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "stamp", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, &md)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]arrow.RecordBatch, n)
	for k := range out {
		b := array.NewRecordBuilder(mem, schema)
		for i := 0; i < rows; i++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("%011d", rng.Int64N(1e11)))
			b.Field(1).(*array.Int64Builder).Append(rng.Int64())
			if rng.IntN(10) == 0 {
				b.Field(2).AppendNull()
			} else {
				b.Field(2).(*array.Date32Builder).Append(arrow.Date32(15000 + rng.IntN(5000)))
			}
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("C%02d", rng.IntN(40)))
			if k%2 == 0 {
				b.Field(4).AppendNull() // a batch where the column is all null
			} else {
				b.Field(4).(*array.LargeStringBuilder).Append(fmt.Sprintf("note %d", rng.IntN(1000)))
			}
			b.Field(5).(*array.Float64Builder).Append(rng.Float64() * 30)
			b.Field(6).(*array.BooleanBuilder).Append(rng.IntN(3) == 0)
			if rng.IntN(50) == 0 {
				b.Field(7).AppendNull()
			} else {
				b.Field(7).(*array.Int32Builder).Append(int32(rng.IntN(100)))
			}
			b.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(rng.Int64N(1 << 50)))
		}
		out[k] = b.NewRecordBatch()
		b.Release()
	}
	return out
}

// heldBatches returns registerBatches from a checked allocator; the test's
// cleanup releases them and checks that nothing else is left allocated.
func heldBatches(t *testing.T, n, rows int) (*memory.CheckedAllocator, []arrow.RecordBatch) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	batches := registerBatches(mem, n, rows)
	t.Cleanup(func() {
		for _, b := range batches {
			b.Release()
		}
		mem.AssertSize(t, 0)
	})
	return mem, batches
}

// writeBatches writes batches in one format to memory.
func writeBatches(t *testing.T, batches []arrow.RecordBatch, f formats.Format, opts formats.WriteOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	opts.Format = f
	w, err := formats.NewWriter(&buf, "out", batches[0].Schema(), opts)
	require.NoError(t, err)
	for _, b := range batches {
		require.NoError(t, w.Write(b))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func writeParquet(t *testing.T, batches []arrow.RecordBatch, opts formats.WriteOptions) []byte {
	return writeBatches(t, batches, formats.FormatParquet, opts)
}

// TestParallelParquetIdentical checks that encoding columns on several
// goroutines writes the very bytes of the serial writer, across row-group
// boundaries that fall inside batches, for every codec.
func TestParallelParquetIdentical(t *testing.T) {
	mem, batches := heldBatches(t, 7, 3000)
	for _, c := range []formats.Compression{formats.CompressionDefault, formats.CompressionSnappy, formats.CompressionNone} {
		for _, rg := range []int64{0, 5000, 3000, 1} {
			if rg == 1 && c != formats.CompressionNone {
				continue
			}
			rows := int64(len(batches) * 3000)
			if rg == 1 {
				rg = rows // exactly one full row group
			}
			opts := formats.WriteOptions{Compression: c, RowGroupRows: rg, Metadata: map[string]string{"koble.project": "p", "a": "b"}}
			serial := writeParquet(t, batches, opts)
			for _, p := range []int{2, 3, 16} {
				opts.Parallel = p
				assert.True(t, bytes.Equal(serial, writeParquet(t, batches, opts)), "compression %v, row groups of %d, %d goroutines", c, rg, p)
			}
		}
	}
	// And the file reads back as written.
	data := writeParquet(t, batches, formats.WriteOptions{Parallel: 2, RowGroupRows: 4000, Metadata: map[string]string{"koble.project": "p"}})
	r, err := formats.NewReader(bytes.NewReader(data), "out.parquet", formats.ReadOptions{Format: formats.FormatParquet, Allocator: mem})
	require.NoError(t, err)
	defer r.Close()
	var got int64
	for r.Next() {
		got += r.RecordBatch().NumRows()
	}
	require.NoError(t, r.Err())
	assert.Equal(t, int64(7*3000), got)
	assert.Equal(t, "test", r.Metadata()["register"])
	assert.Equal(t, "p", r.Metadata()["koble.project"])
}

// TestParallelParquetEmpty checks that a file with no batches is the same
// either way.
func TestParallelParquetEmpty(t *testing.T) {
	batches := registerBatches(memory.DefaultAllocator, 1, 0)
	defer batches[0].Release()
	assert.Equal(t, writeParquet(t, batches, formats.WriteOptions{}), writeParquet(t, batches, formats.WriteOptions{Parallel: 2}))
}

// TestParallelCSVIdentical checks that encoding CSV batches on several
// goroutines writes the very text of the serial writer.
func TestParallelCSVIdentical(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	// Small batches, gathered into one job, and batches big enough for a
	// job of their own, with slices of them between.
	batches := append(registerBatches(mem, 9, 500), registerBatches(mem, 3, 9000)...)
	last := batches[len(batches)-1]
	for _, cut := range [][2]int64{{0, 17}, {17, 8999}, {8999, 9000}} {
		batches = append(batches, last.NewSlice(cut[0], cut[1]))
	}
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for _, opts := range []formats.WriteOptions{{}, {Delimiter: ';', CRLF: true}, {Encoding: formats.EncodingLatin1}} {
		serial := writeBatches(t, batches, formats.FormatCSV, opts)
		require.Greater(t, bytes.Count(serial, []byte("\n")), 9*500+4*9000)
		for _, p := range []int{2, 4, 32} {
			opts.Parallel = p
			assert.True(t, bytes.Equal(serial, writeBatches(t, batches, formats.FormatCSV, opts)), "%+v", opts)
		}
	}
}

// TestParallelWriterAbort checks that aborting a writer with batches
// still being encoded waits for them (the checked allocator sees every
// buffer released) and writes nothing more.
func TestParallelWriterAbort(t *testing.T) {
	for _, f := range []formats.Format{formats.FormatCSV, formats.FormatParquet} {
		mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
		batches := registerBatches(mem, 4, 2000)
		var buf bytes.Buffer
		w, err := formats.NewWriter(&buf, "out", batches[0].Schema(), formats.WriteOptions{Format: f, Parallel: 2})
		require.NoError(t, err)
		for _, b := range batches {
			require.NoError(t, w.Write(b))
			b.Release()
		}
		require.NoError(t, w.Abort())
		mem.AssertSize(t, 0)
	}
}

// csvBatches reads CSV text into its batches' rows as strings and the
// error text ("" for none), failing on a leak.
func csvBatches(t *testing.T, data []byte, opts formats.ReadOptions) (batches [][][]string, errText string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Allocator, opts.Format = mem, formats.FormatCSV
	r, err := formats.NewReader(bytes.NewReader(data), "in.csv", opts)
	if err != nil {
		return nil, err.Error()
	}
	defer r.Close()
	for r.Next() {
		batches = append(batches, batchRows(t, r.RecordBatch()))
	}
	if r.Err() != nil {
		errText = r.Err().Error()
	}
	return batches, errText
}

// trickyCSV is a register extract with every CSV feature the parser knows:
// quoted fields with delimiters, doubled quotes and line ends (LF and
// CR LF) inside, empty strings and nulls, blank lines, a last line without
// a line end.
func trickyCSV(rows int) []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var b bytes.Buffer
	b.WriteString("fnr,admit,note,n\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "%011d,2020-01-%02d,", i, 1+i%28)
		switch rng.IntN(8) {
		case 0:
			b.WriteString(`"two` + "\n" + `lines, ""quoted"""`)
		case 1:
			b.WriteString(`"crlf` + "\r\n" + `inside"`)
		case 2:
			b.WriteString(`""`)
		case 3:
			// null
		default:
			fmt.Fprintf(&b, "plain %d", rng.IntN(100))
		}
		fmt.Fprintf(&b, ",%d", i)
		if i < rows-1 {
			b.WriteString("\r\n")
			if rng.IntN(20) == 0 {
				b.WriteString("\n\r\n") // blank lines
			}
		}
	}
	return b.Bytes()
}

// TestParallelCSVReadIdentical checks that parsing pieces in parallel gives
// the serial reader's batches, and on a fault anywhere, its error.
func TestParallelCSVReadIdentical(t *testing.T) {
	good := trickyCSV(3000)
	faults := map[string]func([]byte) []byte{
		"ragged row": func(d []byte) []byte {
			return bytes.Replace(d, []byte(",2020-01-05,"), []byte(",2020-01-05,x,"), 1)
		},
		"bare quote": func(d []byte) []byte { return bytes.Replace(d, []byte("plain 7"), []byte(`pl"ain`), 1) },
		"text after quote": func(d []byte) []byte {
			return bytes.Replace(d, []byte(`inside"`), []byte(`inside"x`), 1)
		},
		"unclosed quote": func(d []byte) []byte { return append(d, []byte("\n1,2,\"open\n...")...) },
		"invalid UTF-8":  func(d []byte) []byte { return bytes.Replace(d, []byte("plain 9"), []byte("pl\xffin"), 1) },
		"none":           func(d []byte) []byte { return d },
	}
	for name, fault := range faults {
		data := fault(append([]byte(nil), good...))
		for _, size := range []int{1, 7, 64, 5000} {
			opts := formats.ReadOptions{BatchSize: size}
			want, wantErr := csvBatches(t, data, opts)
			if name == "none" {
				require.Empty(t, wantErr)
			} else {
				require.NotEmpty(t, wantErr, name)
			}
			for _, p := range []int{2, 5} {
				opts.Parallel = p
				got, gotErr := csvBatches(t, data, opts)
				assert.Equal(t, wantErr, gotErr, "%s, batches of %d, %d goroutines", name, size, p)
				assert.Equal(t, want, got, "%s, batches of %d, %d goroutines", name, size, p)
			}
		}
	}
	// Typed columns and a projection take the same path.
	opts := formats.ReadOptions{BatchSize: 100, Columns: []string{"n", "fnr"}, Types: map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64}}
	want, _ := csvBatches(t, good, opts)
	opts.Parallel = 3
	got, _ := csvBatches(t, good, opts)
	assert.Equal(t, want, got)
}

// TestParallelCSVCloseEarly checks that closing a parallel reader before
// the end stops its goroutines and releases every batch (the checked
// allocator in csvBatches' manner).
func TestParallelCSVCloseEarly(t *testing.T) {
	data := trickyCSV(20000)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	r, err := formats.NewReader(bytes.NewReader(data), "in.csv", formats.ReadOptions{Format: formats.FormatCSV, Allocator: mem, BatchSize: 100, Parallel: 4})
	require.NoError(t, err)
	require.True(t, r.Next())
	require.NoError(t, r.Close())
	mem.AssertSize(t, 0)
}

// TestCSVSplitterRunawayQuote checks that a stray quote does not make the
// parallel reader hold the rest of the file: the record is cut off past
// the bound and reported.
func TestCSVSplitterRunawayQuote(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 70 MiB")
	}
	var b bytes.Buffer
	b.WriteString("a,b\n1,\"stray\n")
	line := bytes.Repeat([]byte("x"), 1023)
	for b.Len() < 70<<20 {
		b.Write(line)
		b.WriteByte('\n')
	}
	// The field limit comes first.
	_, errText := csvBatches(t, b.Bytes(), formats.ReadOptions{Parallel: 2})
	assert.Contains(t, errText, `line 2, column "b": field is longer than 8 MiB`)
	// Past it, the splitter's bound on a quoted record.
	_, errText = csvBatches(t, b.Bytes(), formats.ReadOptions{Parallel: 2, MaxFieldSize: 128 << 20})
	assert.Contains(t, errText, "line 2")
	assert.Contains(t, errText, "quoted field runs on for more than 64 MiB")
}
