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

// What the Beam jobs do not do yet is refused, not left out: a plan with
// the risk gate, serials from the service or inferred CSV types is not
// delivered without them.
func TestNewJobRefusesUnsupported(t *testing.T) {
	base := `project = "p"
mode = "distributed"
key = "p.key"
[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "cancer.csv"
id_column = "fnr"
`
	cases := map[string]struct{ plan, want string }{
		"risk gate":      {base + "[risk]\nqi = [\"icd10\"]\n[output]\ndir = \"out\"\n", "[risk] (the disclosure-risk gate) does not run on Beam yet"},
		"inferred types": {base + "infer_types = true\n[output]\ndir = \"out\"\n", `source "cancer": infer_types does not run on Beam`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.toml")
			require.NoError(t, os.WriteFile(path, []byte(c.plan), 0o600))
			_, _, err := NewJob(path, Keys{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "run it with koble link")
		})
	}
}
