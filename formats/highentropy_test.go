package formats_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// TestHighEntropyColumns checks that a high-entropy column is written
// PLAIN, with zstd and without a dictionary or statistics, that the
// other columns keep the default codec and dictionary, that the values
// read back unchanged, and that the serial and parallel writers still
// write the same bytes.
func TestHighEntropyColumns(t *testing.T) {
	mem, batches := heldBatches(t, 5, 3000)
	opts := formats.WriteOptions{HighEntropyColumns: []string{"fnr", "serial"}, RowGroupRows: 8000}
	data := writeParquet(t, batches, opts)
	for _, p := range []int{2, 3} {
		opts.Parallel = p
		assert.True(t, bytes.Equal(data, writeParquet(t, batches, opts)), "%d goroutines", p)
	}

	pf, err := file.NewParquetReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer pf.Close()
	require.Equal(t, 2, pf.NumRowGroups())
	for g := range pf.NumRowGroups() {
		rg := pf.MetaData().RowGroup(g)
		for c := range rg.NumColumns() {
			cc, err := rg.ColumnChunk(c)
			require.NoError(t, err)
			name := cc.PathInSchema().String()
			stats, err := cc.StatsSet()
			require.NoError(t, err)
			if name == "fnr" || name == "serial" {
				assert.Equal(t, compress.Codecs.Zstd, cc.Compression(), name)
				assert.False(t, cc.HasDictionaryPage(), name)
				assert.Equal(t, []parquet.Encoding{parquet.Encodings.Plain}, dataEncodings(cc.Encodings()), name)
				assert.False(t, stats, name)
			} else {
				assert.Equal(t, compress.Codecs.Zstd, cc.Compression(), name)
				assert.True(t, stats, name)
			}
		}
	}

	// The values are those written.
	r, err := formats.NewReader(bytes.NewReader(data), "out.parquet", formats.ReadOptions{Format: formats.FormatParquet, Allocator: mem})
	require.NoError(t, err)
	defer r.Close()
	row := 0
	for r.Next() {
		b := r.RecordBatch()
		for i := range int(b.NumRows()) {
			want := batches[(row+i)/3000]
			for _, c := range []int{0, 1} {
				assert.Equal(t, want.Column(c).ValueStr((row+i)%3000), b.Column(c).ValueStr(i))
			}
		}
		row += int(b.NumRows())
	}
	require.NoError(t, r.Err())
	assert.Equal(t, 15000, row)
	assert.IsType(t, &array.String{}, batches[0].Column(0))
}

// dataEncodings leaves out the encodings of levels (RLE) from a column
// chunk's list.
func dataEncodings(all []parquet.Encoding) []parquet.Encoding {
	var out []parquet.Encoding
	for _, e := range all {
		if e != parquet.Encodings.RLE && e != parquet.Encodings.BitPacked {
			out = append(out, e)
		}
	}
	return out
}

// TestHighEntropyColumnsUnknown checks that naming a column the output
// does not have is an error naming the column and the file.
func TestHighEntropyColumnsUnknown(t *testing.T) {
	_, batches := heldBatches(t, 1, 10)
	var buf bytes.Buffer
	for _, p := range []int{0, 2} {
		_, err := formats.NewWriter(&buf, "out.parquet", batches[0].Schema(), formats.WriteOptions{Format: formats.FormatParquet, Parallel: p, HighEntropyColumns: []string{"nope"}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"nope"`)
		assert.Contains(t, err.Error(), "out.parquet")
	}
}
