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
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batches := registerBatches(mem, 7, 3000)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
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
	batches := registerBatches(mem, 9, 500)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	for _, opts := range []formats.WriteOptions{{}, {Delimiter: ';', CRLF: true}, {Encoding: formats.EncodingLatin1}} {
		serial := writeBatches(t, batches, formats.FormatCSV, opts)
		require.Greater(t, bytes.Count(serial, []byte("\n")), 9*500)
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
