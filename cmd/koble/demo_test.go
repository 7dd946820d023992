package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The demo's own folder is named without digits, so that the paths it
// prints for the user to copy are never redacted as IDs.
func TestNewDemoDirHoldsNoDigits(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	seen := map[string]bool{}
	for range 50 {
		dir, err := newDemoDir()
		require.NoError(t, err)
		info, err := os.Stat(dir)
		require.NoError(t, err)
		assert.True(t, info.IsDir())
		name := filepath.Base(dir)
		assert.True(t, strings.HasPrefix(name, "koble-demo-"), name)
		assert.False(t, strings.ContainsAny(name, "0123456789"), name)
		assert.False(t, seen[name], "made twice: %s", name)
		seen[name] = true
	}
}
