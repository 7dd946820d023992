package linkage

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
)

// fixedSource is a SerialSource that gives every row the same serial.
type fixedSource struct{}

func (fixedSource) Serials(_ context.Context, ids arrow.Array, out SerialBatch) error {
	for i := range out.Serials {
		out.Serials[i], out.Reasons[i] = pseudonym.Serial{1}, pseudonym.ReasonNone
	}
	return nil
}
func (fixedSource) Fork() SerialSource { return fixedSource{} }
func (fixedSource) Describe() string   { return "fixed" }

// TestKeylessChecks: a run without the project key needs a source, the
// project's name, and the date key to shift dates, of the same project.
func TestKeylessChecks(t *testing.T) {
	key, err := pseudonym.GenerateKey(rand.Reader, "p1", time.Now())
	require.NoError(t, err)
	defer key.Close()
	other, err := pseudonym.GenerateKey(rand.Reader, "p2", time.Now())
	require.NoError(t, err)
	defer other.Close()
	dk, odk := key.DateKey(), other.DateKey()
	cases := []struct {
		name string
		cfg  PrepareConfig
		msg  string
	}{
		{"nothing", PrepareConfig{}, "no project key"},
		{"no project", PrepareConfig{Source: fixedSource{}}, "needs the project's name"},
		{"shift without date key", PrepareConfig{Source: fixedSource{}, Project: "p1", Shift: []string{"d"}}, "date key"},
		{"another project's date key", PrepareConfig{Source: fixedSource{}, Project: "p1", DateKey: odk}, `belongs to project "p2"`},
		{"key and date key", PrepareConfig{Key: key, DateKey: dk}, "not both"},
	}
	for _, c := range cases {
		assert.ErrorContains(t, c.cfg.checkKeys(), c.msg, c.name)
	}
	ok := PrepareConfig{Source: fixedSource{}, Project: "p1", DateKey: dk, Shift: []string{"d"}}
	require.NoError(t, ok.checkKeys())
	project, fp := ok.identity()
	assert.Equal(t, "p1", project)
	assert.Equal(t, key.Fingerprint(), fp, "the date key carries the project key's fingerprint")
	assert.Equal(t, key.DateShiftKey(), ok.dateShiftKey(), "the date key shifts as the project key does")
	assert.Equal(t, "fixed", ok.sourceDescription())
	assert.Empty(t, (&PrepareConfig{Key: key}).sourceDescription())
}
