package linkage_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
)

const registersHeader = `project = "p"
mode = "distributed"
key = "p.key"
[output]
dir = "o"
`

func loadPlanText(t *testing.T, text string) (*linkage.Plan, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "plan.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return linkage.LoadPlan(path)
}

// A plan declares registers beyond the built-in ones: how each may be
// linked, its holder and its sources' ID scheme.
func TestPlanRegisters(t *testing.T) {
	p, err := loadPlanText(t, registersHeader+`
[[register]]
name = "Svenska cancerregistret"
holder = "Socialstyrelsen"
id_scheme = "se"
aliases = ["SCR"]

[[source]]
name = "sweden"
register = "SCR"
path = "se.csv"
id_column = "personnummer"
`)
	require.NoError(t, err)
	reg, ok := p.SourceRegister("sweden")
	require.True(t, ok)
	assert.Equal(t, linkage.Register{Name: "Svenska cancerregistret", Holder: "Socialstyrelsen", Kind: linkage.Identified, Aliases: []string{"SCR"}, Scheme: "se"}, reg)
	assert.Contains(t, p.Describe(), "source sweden (Svenska cancerregistret, Socialstyrelsen)")
}

// What a declared register may and may not be: the rules of the built-in
// catalogue hold for it, and a built-in de-identified register stays so.
func TestPlanRegistersRefused(t *testing.T) {
	cases := map[string]struct{ registers, register, want string }{
		"NOIS linkable": {`[[register]]
name = "NOIS"
linkable = true
`, "NOIS", `register "NOIS": NOIS is a de-identified register and may not be linked with any other source: a plan cannot declare it linkable or pseudonymous (remove this [[register]], or set linkable = false)`},
		"alias of the Abortion Registry": {`[[register]]
name = "Svangerskap"
aliases = ["Abortion Registry"]
pseudonymous = true
`, "Svangerskap", `Abortregisteret is a de-identified register`},
		"declared de-identified": {`[[register]]
name = "Dansk kvalitetsregister"
linkable = false
`, "Dansk kvalitetsregister", `the de-identified register(s) Dansk kvalitetsregister (a) may not be linked with any other source`},
		"unknown": {"", "Finnish Care Register", `register "Finnish Care Register" is not in the catalogue`},
		"bad scheme": {`[[register]]
name = "X"
id_scheme = "xx"
`, "X", `register "X": id_scheme:`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := loadPlanText(t, registersHeader+c.registers+`
[[source]]
name = "a"
register = "`+c.register+`"
path = "a.csv"
id_column = "fnr"

[[source]]
name = "b"
register = "NPR"
path = "b.csv"
id_column = "fnr"
`)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
