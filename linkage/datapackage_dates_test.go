package linkage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
)

// TestDataPackageCSVDates: a CSV delivery's dates that koble writes itself
// as YYYY-MM-DD (typed dates, shifted or not) are declared dates, so
// that DuckDB, R and pandas read them as dates through the description
// and the loading snippets; codes stay strings. (They were declared
// strings: R's readr and DuckDB read shifted dates as text.)
func TestDataPackageCSVDates(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,admit_date,discharge_date,control_date,kommune\n15108695088,2020-01-02,2020-01-05,2020-02-01,0301\n15076500565,2021-03-04,,2021-04-01,0402\n")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "x.csv"))
	cfg.Read.Types = map[string]arrow.DataType{"admit_date": arrow.FixedWidthTypes.Date32, "discharge_date": arrow.FixedWidthTypes.Date32, "control_date": arrow.FixedWidthTypes.Date32}
	cfg.Unshifted = []string{"control_date"} // a typed date not shifted, on purpose
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"lnr": "string", "admit_date": "date", "discharge_date": "date", "control_date": "date", "kommune": "string"},
		fieldTypes(t, filepath.Join(dir, "x.csv.datapackage.json")))
	sql, err := os.ReadFile(filepath.Join(dir, "x.csv.load.sql"))
	require.NoError(t, err)
	assert.Contains(t, string(sql), `'admit_date': 'DATE'`)
	assert.Contains(t, string(sql), `'kommune': 'VARCHAR'`)
	r, err := os.ReadFile(filepath.Join(dir, "x.csv.load.R"))
	require.NoError(t, err)
	assert.Contains(t, string(r), "`discharge_date` = col_date(\"%Y-%m-%d\")")
}

// TestDataPackageCSVShiftedText: the shifted date text of a CSV source
// delivered as CSV is declared a date when every value written is
// YYYY-MM-DD, and stays a string when any keeps another layout (each
// value keeps its own).
func TestDataPackageCSVShiftedText(t *testing.T) {
	cases := []struct{ name, rows, want string }{
		{"iso", "15108695088,2020-01-02,2020-01-05,0301\n15076500565,2021-03-04,,0402\n", "date"},
		{"one value dd.mm.yyyy", "15108695088,2020-01-02,05.01.2020,0301\n15076500565,2021-03-04,,0402\n", "string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := writeCSV(t, "fnr,admit_date,discharge_date,kommune\n"+c.rows)
			dir := t.TempDir()
			cfg := basicConfig(testKey(t), in, filepath.Join(dir, "x.csv"))
			_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"lnr": "string", "admit_date": "date", "discharge_date": c.want, "kommune": "string"},
				fieldTypes(t, filepath.Join(dir, "x.csv.datapackage.json")))
		})
	}
}

// fieldTypes reads the Table Schema types of a one-file data package.
func fieldTypes(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var pkg struct {
		Resources []struct {
			Schema struct{ Fields []struct{ Name, Type string } }
		}
	}
	require.NoError(t, json.Unmarshal(b, &pkg))
	require.Len(t, pkg.Resources, 1)
	types := map[string]string{}
	for _, f := range pkg.Resources[0].Schema.Fields {
		types[f.Name] = f.Type
	}
	return types
}
