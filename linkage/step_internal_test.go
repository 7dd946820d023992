package linkage

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/refdate"
)

// The plan lists its steps in the order rows travel: serials, offsets,
// one step per delivered column in output order, then the checks over the
// delivered rows; each step says what it reads and produces.
func TestPlanSteps(t *testing.T) {
	str := arrow.BinaryTypes.String
	in := arrow.NewSchema([]arrow.Field{{Name: "admit", Type: str}, {Name: "fnr", Type: str}, {Name: "birth", Type: str},
		{Name: "event", Type: str}, {Name: "icd10", Type: str}, {Name: "hospital", Type: str}}, nil)
	cfg := &PrepareConfig{In: "in.csv", IDColumn: "fnr", Shift: []string{"admit"}, Window: 10, Drop: []string{"hospital"},
		Coarsen:  []Coarsen{{Column: "birth", Precision: refdate.Year}},
		Relative: []Relative{{Reference: "admit", Columns: []string{"event"}}}}
	p, err := cfg.newPlan(in)
	require.NoError(t, err)
	type desc struct {
		reads    []string
		produces string
	}
	var got []desc
	for _, s := range append(append([]step{}, p.steps...), p.checks...) {
		got = append(got, desc{s.reads(), s.produces()})
	}
	assert.Equal(t, []desc{
		{[]string{"fnr"}, "serials"},
		{[]string{"fnr"}, "offsets"},
		{[]string{"admit"}, "admit"},
		{[]string{"fnr"}, DefaultSerialColumn},
		{[]string{"birth"}, "birth"},
		{[]string{"event", "admit"}, "event"},
		{[]string{"icd10"}, "icd10"},
		{nil, "persons"},
		{[]string{"icd10"}, "leak guard"},
	}, got)
}
