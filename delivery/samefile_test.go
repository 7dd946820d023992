package delivery

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRefuseInputs(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "npr.csv")
	require.NoError(t, os.WriteFile(in, []byte("a\n1\n"), 0o600))
	require.NoError(t, os.Symlink(in, filepath.Join(dir, "link.csv")))
	require.NoError(t, os.Link(in, filepath.Join(dir, "hard.csv")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.Symlink(dir, filepath.Join(dir, "sub", "up")))
	inputs := []Named{{in, "--in"}}
	for _, tc := range []struct {
		name, out string
		refused   bool
	}{
		{"same path", in, true},
		{"relative spelling", filepath.Join(dir, "sub", "..", "npr.csv"), true},
		{"symbolic link", filepath.Join(dir, "link.csv"), true},
		{"hard link", filepath.Join(dir, "hard.csv"), true},
		{"through a linked folder", filepath.Join(dir, "sub", "up", "npr.csv"), true},
		{"another file", filepath.Join(dir, "out.csv"), false},
		{"standard output", "-", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := RefuseInputs(inputs, []Named{{tc.out, "--out"}})
			if !tc.refused {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), "--out "+tc.out+" is the input --in "+in)
			assert.Contains(t, err.Error(), "choose another --out")
		})
	}
}
