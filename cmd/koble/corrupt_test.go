package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// koble convert on truncated and byte-flipped Parquet and Arrow files
// exits 0 or 1 (never 2, the usage code), with `koble: error: ...` naming
// the input and never a stack trace, and leaves no temporary file.
func TestConvertCorruptInputs(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(csv, []byte("fnr,d,note\n01017012345,2024-02-29,a\n02017012345,,\"b,c\"\n"), 0o600))
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		valid := filepath.Join(dir, "valid"+ext)
		var out, errb bytes.Buffer
		require.Equal(t, 0, run([]string{"convert", csv, valid, "--quiet"}, env{stdout: &out, stderr: &errb}), errb.String())
		data, err := os.ReadFile(valid)
		require.NoError(t, err)
		step := 11
		if testing.Short() {
			step = 41
		}
		for off := 0; off < len(data); off += step {
			for _, bad := range [][]byte{data[:off], flip(data, off)} {
				in := filepath.Join(dir, "bad"+ext)
				require.NoError(t, os.WriteFile(in, bad, 0o600))
				outDir := t.TempDir()
				var stdout, stderr bytes.Buffer
				code := run([]string{"convert", in, filepath.Join(outDir, "out.parquet")}, env{stdout: &stdout, stderr: &stderr})
				msg := ext + " at " + strconv.Itoa(off) + ": " + stderr.String()
				assert.Contains(t, []int{0, 1}, code, msg)
				if code == 1 {
					assert.True(t, strings.HasPrefix(stderr.String(), "koble: error: "), msg)
					assert.Contains(t, stderr.String(), "bad"+ext, msg)
				}
				assert.NotContains(t, stderr.String(), "goroutine ", msg)
				left, _ := filepath.Glob(filepath.Join(outDir, ".*.tmp"))
				assert.Empty(t, left, msg)
			}
		}
	}
}

func flip(data []byte, off int) []byte {
	c := append([]byte(nil), data...)
	c[off] ^= 0xA5
	return c
}
