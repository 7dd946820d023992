package pseudonym

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var fuzzSchemes = map[string]Scheme{
	"no":           Norway{},
	"no-synthetic": Norway{AllowSynthetic: true, Month40: Month40SyntheticNAV},
	"se":           Sweden{Reference: Date{2026, time.November, 22}},
	"dk":           Denmark{},
	"fi":           Finland{},
}

var idSeeds = []string{
	"15108695088", "151086 95088", " 151086-95088 ", "45014054018", "82314251357", "01410112430",
	"01810112413", "01010100158", "29020050088", "880320-0016", "880320+0016", "198803200016",
	"701063-2391", "211062-5629", "2110625629", "131052-308T", "010105A9380", "", "x", "1234567890123",
}

// fuzzParse checks that a parser never panics, that a valid number's
// canonical form parses back to the same ID, and that the canonical form
// is stable.
func fuzzParse(t *testing.T, scheme Scheme, data []byte) {
	id, reason := scheme.Parse(data)
	if reason != ReasonNone {
		require.False(t, id.Valid())
		require.NotEmpty(t, reason.String())
		return
	}
	require.True(t, id.Valid())
	canon := id.AppendCanonical(nil)
	prefix := []byte(scheme.Code() + ":")
	require.True(t, bytes.HasPrefix(canon, prefix))
	again, r := scheme.Parse(canon[len(prefix):])
	require.Equal(t, ReasonNone, r, "canonical form %q does not parse", canon)
	require.Equal(t, id.Compact(), again.Compact())
	require.Equal(t, id.Kind(), again.Kind())
	require.Equal(t, canon, again.AppendCanonical(nil))
}

func FuzzNorway(f *testing.F) { fuzzScheme(f, "no") }
func FuzzNorwaySynthetic(f *testing.F) {
	fuzzScheme(f, "no-synthetic")
}
func FuzzSweden(f *testing.F)  { fuzzScheme(f, "se") }
func FuzzDenmark(f *testing.F) { fuzzScheme(f, "dk") }
func FuzzFinland(f *testing.F) { fuzzScheme(f, "fi") }

func fuzzScheme(f *testing.F, code string) {
	scheme := fuzzSchemes[code]
	require.NotNil(f, scheme)
	require.NotEmpty(f, idSeeds, "no seeds")
	for _, s := range idSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, scheme, data) })
}
