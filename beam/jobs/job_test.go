package jobs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A register the plan's own catalogue declares pseudonymous delivers
// through the pseudonym administrator, as a built-in one does: koble-beam
// refuses the plan, naming the source.
func TestNewJobRefusesDeclaredPseudonymousRegister(t *testing.T) {
	dir := t.TempDir()
	plan := `project = "p"
mode = "distributed"
key = "p.key"

[[register]]
name = "Kvalitetsregisteret"
holder = "Helse Vest"
pseudonymous = true

[sample]
rule = "union"
sources = ["cancer"]

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "cancer.parquet"
id_column = "fnr"

[[source]]
name = "quality"
register = "Kvalitetsregisteret"
path = "q.parquet"
id_column = "pseudonym"

[output]
dir = "out"
`
	path := filepath.Join(dir, "plan.toml")
	require.NoError(t, os.WriteFile(path, []byte(plan), 0o600))
	_, _, err := NewJob(path, Keys{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `source "quality" is a pseudonymous register`)
}
