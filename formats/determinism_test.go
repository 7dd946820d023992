package formats_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// fallbackBatches returns batches of a high-cardinality string column
// (every value distinct, about 1.6 MB a row group of 60,000 rows: more
// than the 1 MiB dictionary page limit, so the dictionary falls back to
// plain in every row group) and a low-cardinality one.
func fallbackBatches(mem memory.Allocator, rows int) []arrow.RecordBatch {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "serial", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	var out []arrow.RecordBatch
	for start := 0; start < rows; start += 16384 {
		b := array.NewRecordBuilder(mem, schema)
		for i := start; i < min(rows, start+16384); i++ {
			b.Field(0).(*array.StringBuilder).Append(fmt.Sprintf("S%023d", i*7919))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("C%02d", i%50))
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// Parquet output is byte-identical run after run and for every Parallel,
// also when dictionaries fall back to plain, where arrow-go orders the
// footer's encoding_stats by Go map iteration.
func TestParquetByteIdenticalWithDictionaryFallback(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	batches := fallbackBatches(mem, 180000)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	opts := formats.WriteOptions{RowGroupRows: 60000}
	want := writeParquet(t, batches, opts)

	// The fallback happened: data pages of two encodings in a chunk.
	pf, err := file.NewParquetReader(bytes.NewReader(want))
	require.NoError(t, err)
	require.Equal(t, 3, pf.NumRowGroups())
	cc, err := pf.MetaData().RowGroup(0).ColumnChunk(0)
	require.NoError(t, err)
	require.Len(t, cc.EncodingStats(), 3, "a dictionary page, dictionary-encoded and plain data pages")
	pf.Close()

	runs := 6
	if testing.Short() {
		runs = 3
	}
	for run := range runs {
		for _, p := range []int{0, 1, 2, 3} {
			opts.Parallel = p
			got := writeParquet(t, batches, opts)
			assert.True(t, bytes.Equal(want, got), "run %d, Parallel %d: the bytes differ", run, p)
		}
	}
}
