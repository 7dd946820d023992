package linkage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/refdate"
)

// A run that shifts dates refuses to deliver another date as it is: the
// difference of a person's shifted and unshifted dates is the person's
// offset. Typed dates and the text dates a relative date counts from are
// both caught; shifting, coarsening, dropping the column or listing it as
// unshifted on purpose lets the run through.
func TestUnshiftedDateRefused(t *testing.T) {
	in := writeCSV(t, "fnr,inn,ut,diag\n15108695088,2024-03-01,2024-03-05,2024-02-20\n45014054018,2024-05-01,2024-05-02,2024-04-30\n")
	key := testKey(t)
	base := func() linkage.PrepareConfig {
		return linkage.PrepareConfig{In: in, Key: key, IDColumn: "fnr", Shift: []string{"inn"}, Window: 30,
			Read: formats.ReadOptions{Types: map[string]arrow.DataType{"ut": arrow.FixedWidthTypes.Date32}},
			Out:  filepath.Join(t.TempDir(), "out.parquet")}
	}
	refused := map[string]func(*linkage.PrepareConfig){
		"typed date passed through": func(c *linkage.PrepareConfig) { c.Drop = []string{"diag"} },
		"reference read as text": func(c *linkage.PrepareConfig) {
			c.Drop = []string{"ut"}
			c.Relative = []linkage.Relative{{Reference: "diag", Columns: []string{"inn"}}}
			c.Shift = []string{"ut"}
		},
	}
	for name, edit := range refused {
		t.Run(name, func(t *testing.T) {
			cfg := base()
			edit(&cfg)
			_, err := linkage.Prepare(t.Context(), cfg)
			var ue *linkage.UnshiftedDateError
			require.True(t, errors.As(err, &ue), "want an UnshiftedDateError, got %v", err)
			assert.Contains(t, err.Error(), "--unshifted-dates")
			assert.Contains(t, err.Error(), "dates.unshifted")
			_, statErr := os.Stat(cfg.Out)
			assert.True(t, os.IsNotExist(statErr), "nothing written")
		})
	}
	allowed := map[string]func(*linkage.PrepareConfig){
		"shifted too":          func(c *linkage.PrepareConfig) { c.Shift = []string{"inn", "ut"} },
		"dropped":              func(c *linkage.PrepareConfig) { c.Drop = []string{"ut"} },
		"coarsened":            func(c *linkage.PrepareConfig) { c.Coarsen = []linkage.Coarsen{{Column: "ut", Precision: refdate.Year}} },
		"unshifted on purpose": func(c *linkage.PrepareConfig) { c.Unshifted = []string{"ut"} },
		"nothing shifted":      func(c *linkage.PrepareConfig) { c.Shift, c.Window = nil, 0 },
	}
	for name, edit := range allowed {
		t.Run(name, func(t *testing.T) {
			cfg := base()
			edit(&cfg)
			rep, err := linkage.Prepare(t.Context(), cfg)
			require.NoError(t, err)
			assert.Equal(t, cfg.Unshifted, rep.Dates.Unshifted, "the report says which dates went unshifted")
		})
	}
	t.Run("unshifted without a shift", func(t *testing.T) {
		cfg := base()
		cfg.Shift, cfg.Window, cfg.Unshifted = nil, 0, []string{"ut"}
		_, err := linkage.Prepare(t.Context(), cfg)
		assert.ErrorContains(t, err, "no date is shifted")
	})
}

// Every date that would go out unshifted is named at once, not one per run.
func TestUnshiftedDatesNamedTogether(t *testing.T) {
	data := synthData(t, formats.FormatParquet, 50, 200)
	cfg := basicConfig(testKey(t), filepath.Join(data, "patient.parquet"), filepath.Join(t.TempDir(), "npr.parquet"))
	_, err := linkage.Prepare(t.Context(), cfg)
	var ue *linkage.UnshiftedDateError
	require.True(t, errors.As(err, &ue), "want an UnshiftedDateError, got %v", err)
	assert.Equal(t, []string{"control_date", "birth_date"}, ue.Columns)
	assert.Contains(t, err.Error(), `date columns "control_date", "birth_date" would be delivered unshifted beside the shifted admit_date, discharge_date`)
}

// A date column named by an ID is not quoted by the refusal.
func TestUnshiftedDateErrorRedacts(t *testing.T) {
	err := &linkage.UnshiftedDateError{File: "in.csv", Columns: []string{"d15076330007"}, Shifted: []string{"inn"}}
	assert.NotContains(t, err.Error(), "15076330007")
	assert.Contains(t, err.Error(), `"d[id]"`)
}
