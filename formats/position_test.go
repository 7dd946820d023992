package formats_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// A CSV reader says how far into its file it is: at the end, every byte
// read of the file's size; standard input has no size.
func TestCSVPosition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "in.csv")
	text := "a,b\n" + strings.Repeat("1,2\n", 1000)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	r, err := formats.Open(path, formats.ReadOptions{BatchSize: 100})
	require.NoError(t, err)
	defer r.Close()
	p, ok := r.(formats.Positioner)
	require.True(t, ok, "a CSV reader is a Positioner")
	read, size := p.Position()
	assert.Equal(t, int64(len(text)), size)
	assert.LessOrEqual(t, read, size)
	for r.Next() {
	}
	require.NoError(t, r.Err())
	read, size = p.Position()
	assert.Equal(t, size, read, "got %d of %d bytes at the end", read, size)

	sr, err := formats.NewReader(strings.NewReader(text), "stdin", formats.ReadOptions{Format: formats.FormatCSV})
	require.NoError(t, err)
	defer sr.Close()
	_, size = sr.(formats.Positioner).Position()
	assert.Equal(t, int64(len(text)), size, "a seekable reader's size is known")
}
