package linkage_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
)

// A misspelt key is reported once, however many tables hold it, with the
// line it is first on and the key it was likely meant to be.
func TestPlanUnknownKeys(t *testing.T) {
	plan := `project = "p"
mode = "distributed"
key = "k"

[[source]]
name = "a"
register = "NPR"
path = "a.csv"
idcolumn = "fnr"
dates = { shift = ["d"], windw = 30 }

[[source]]
name = "b"
register = "NPR"
path = "b.csv"
idcolumn = "fnr"

[output]
dir = "o"
suppres_below = 5
colour = "blue"
`
	path := filepath.Join(t.TempDir(), "plan.toml")
	require.NoError(t, os.WriteFile(path, []byte(plan), 0o600))
	_, err := linkage.LoadPlan(path)
	require.Error(t, err)
	msg := err.Error()
	for _, want := range []string{
		`line 9: unknown key "source.idcolumn" (did you mean "id_column"?)`,
		`line 10: unknown key "source.dates.windw" (did you mean "window"?)`,
		`line 20: unknown key "output.suppres_below" (did you mean "suppress_below"?)`,
		`line 21: unknown key "output.colour" (see`,
	} {
		assert.Contains(t, msg, want)
	}
	assert.Equal(t, 1, strings.Count(msg, "source.idcolumn"), "reported once: %s", msg)
}
