package linkage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// The prepare report is JSON without HTML escaping, as every other JSON
// koble writes: a column "cancer & death" is written so, not \u0026.
func TestPrepareReportNoHTMLEscape(t *testing.T) {
	in := writeCSV(t, "fnr,cancer & death\n15108695088,C50\n")
	out := filepath.Join(t.TempDir(), "out.csv")
	cfg := linkage.PrepareConfig{In: in, Out: out, Key: testKey(t), IDColumn: "fnr", Scheme: pseudonym.Norway{},
		ReportPath: out + ".json", Read: formats.ReadOptions{BatchSize: 10}}
	_, err := linkage.Prepare(context.Background(), cfg)
	require.NoError(t, err)
	b, err := os.ReadFile(cfg.ReportPath)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"cancer & death"`)
	assert.NotContains(t, string(b), `\u0026`)
}

// A CSV delivery declares its typed columns with their types, its text
// columns as strings (a code keeps its leading zero).
func TestDataPackageCSVTypes(t *testing.T) {
	in := writeCSV(t, "fnr,n,weight,kommune\n15108695088,12,3.5,0301\n")
	dir := t.TempDir()
	cfg := linkage.PrepareConfig{In: in, Out: filepath.Join(dir, "x.csv"), Key: testKey(t), IDColumn: "fnr", Scheme: pseudonym.Norway{},
		Read: formats.ReadOptions{BatchSize: 10, Types: map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64, "weight": arrow.PrimitiveTypes.Float64}}}
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"lnr": "string", "n": "integer", "weight": "number", "kommune": "string"},
		fieldTypes(t, filepath.Join(dir, "x.csv.datapackage.json")))
}

// The empty values of each delivered column are counted for the register
// manager's summary, and kept out of the report written to a file.
func TestPrepareColumnNulls(t *testing.T) {
	in := writeCSV(t, "fnr,a,b\n15108695088,,x\n15076500565,,\n")
	out := filepath.Join(t.TempDir(), "out.parquet")
	cfg := linkage.PrepareConfig{In: in, Out: out, Key: testKey(t), IDColumn: "fnr", Scheme: pseudonym.Norway{},
		ReportPath: out + ".json", Read: formats.ReadOptions{BatchSize: 1}}
	rep, err := linkage.Prepare(context.Background(), cfg)
	require.NoError(t, err)
	require.Equal(t, int64(2), rep.RowsWritten)
	assert.Equal(t, map[string]int64{"lnr": 0, "a": 2, "b": 1}, rep.ColumnNulls)
	b, err := os.ReadFile(cfg.ReportPath)
	require.NoError(t, err)
	var written map[string]any
	require.NoError(t, json.Unmarshal(b, &written))
	for k := range written {
		assert.NotContains(t, strings.ToLower(k), "null", "the report file holds the null counts")
	}
}
