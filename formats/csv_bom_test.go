package formats_test

import (
	"bytes"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// A column name that begins with U+FEFF (read from a header after a blank
// line, where it is no byte order mark) is written so that it reads back
// as itself, not as a byte order mark dropped from the first name.
func TestCSVNameStartingWithBOM(t *testing.T) {
	for _, names := range [][]string{{"\uFEFF"}, {"\uFEFFfnr", "b"}, {"a", "\uFEFF"}} {
		fields := make([]arrow.Field, len(names))
		for i, n := range names {
			fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
		}
		var buf bytes.Buffer
		w, err := formats.NewWriter(&buf, "out.csv", arrow.NewSchema(fields, nil), formats.WriteOptions{})
		require.NoError(t, err)
		require.NoError(t, w.Close())
		r, err := formats.NewReader(bytes.NewReader(buf.Bytes()), "out.csv", formats.ReadOptions{Allocator: memory.NewGoAllocator()})
		require.NoError(t, err, "%q", buf.String())
		var got []string
		for _, f := range r.Schema().Fields() {
			got = append(got, f.Name)
		}
		r.Close()
		assert.Equal(t, names, got, "%q", buf.String())
	}
	// The same name read from a file, after a blank line.
	r, err := formats.NewReader(bytes.NewReader([]byte("\n\uFEFF\n")), "in.csv", formats.ReadOptions{})
	require.NoError(t, err)
	defer r.Close()
	assert.Equal(t, "\uFEFF", r.Schema().Field(0).Name)
}
