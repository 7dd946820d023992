package linkage

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// loaderResource is a CSV resource with a column of every type koble
// declares, and names that need quoting.
func loaderResource(delim, encoding string) dataResource {
	return dataResource{
		Name: "npr.csv", Path: "npr.csv", Format: "csv", Encoding: encoding,
		Dialect: &csvDialect{Delimiter: delim, Header: true},
		Schema: tableSchema{Fields: []tableField{
			{Name: "lnr", Type: "string", arrowType: "int64", Description: "project-specific serial number (int64)"},
			{Name: "kommune", Type: "string", arrowType: "utf8"},
			{Name: "days", Type: "integer", arrowType: "int32"},
			{Name: "cost", Type: "integer", arrowType: "int64"},
			{Name: "weight", Type: "number", arrowType: "float64"},
			{Name: "dead", Type: "boolean", arrowType: "bool"},
			{Name: "admit_date", Type: "date", arrowType: "date32"},
			{Name: "it's odd", Type: "date", arrowType: "date32"},
		}},
	}
}

// TestLoaderTypes: each snippet reads every column as its declared type,
// text as text and 64-bit integers where the tool keeps them exactly.
func TestLoaderTypes(t *testing.T) {
	r := loaderResource(";", "iso-8859-1")
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"R", loaderR(r, "npr"), []string{"`lnr` = col_character()", "`kommune` = col_character()", "`days` = col_integer()",
			"# a 64-bit integer, read as text", "`cost` = col_character()", "`weight` = col_double()", "`dead` = col_logical()",
			"`admit_date` = col_date(\"%Y-%m-%d\")", `delim = ";"`, `encoding = "ISO-8859-1"`, `na = ""`}},
		{"pandas", loaderPandas(r, "npr"), []string{`"lnr": "string"`, `"kommune": "string"`, `"days": "Int64"`, `"cost": "Int64"`,
			`"weight": "Float64"`, `"dead": "boolean"`, `npr["admit_date"] = pd.to_datetime(npr["admit_date"], format="%Y-%m-%d")`,
			`sep=";"`, `encoding="latin-1"`, `keep_default_na=False`}},
		{"DuckDB", loaderDuckDB(r, "npr"), []string{`'lnr': 'VARCHAR'`, `'kommune': 'VARCHAR'`, `'days': 'BIGINT'`, `'cost': 'BIGINT'`,
			`'weight': 'DOUBLE'`, `'dead': 'BOOLEAN'`, `'admit_date': 'DATE'`, `'it''s odd': 'DATE'`, `delim = ';'`,
			`encoding = 'latin-1'`, `nullstr = ''`, `auto_detect = false`}},
		{"Stata", loaderStata(r, "npr"), []string{`delimiters(";")`, `encoding("iso-8859-1")`, "stringcols(_all)",
			"destring days, replace", "generate double koble_tmp = date(admit_date, \"YMD\")", "* it's odd (date): not a Stata name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, w := range c.want {
				assert.Contains(t, c.text, w)
			}
			assert.Contains(t, c.text, "npr.csv", "names the file")
			assert.Contains(t, c.text, "lnr: project-specific serial number", "carries the column descriptions")
		})
	}
	// Stata keeps 64-bit integers and text as text: no conversion.
	stata := loaderStata(r, "npr")
	assert.NotContains(t, stata, "destring cost")
	assert.NotContains(t, stata, "destring lnr")
	assert.NotContains(t, stata, "destring kommune")
}

// TestLoaderTab: a tab delimiter is written as each tool spells it.
func TestLoaderTab(t *testing.T) {
	r := loaderResource("\t", "utf-8")
	assert.Contains(t, loaderR(r, "x"), `delim = "\t"`)
	assert.Contains(t, loaderPandas(r, "x"), `sep="\t"`)
	assert.Contains(t, loaderStata(r, "x"), "delimiters(tab)")
	assert.Contains(t, loaderDuckDB(r, "x"), "delim = '\t'")
	assert.Contains(t, loaderHeader(r, "x")[3], "delimiter tab")
}

// TestVarName: table names are identifiers.
func TestVarName(t *testing.T) {
	for in, want := range map[string]string{"npr.csv": "npr_csv", "2024-npr": "d_2024_npr", "_x": "d__x", "": "d_"} {
		got := varName(in)
		assert.Equal(t, want, got, "varName(%q)", in)
		assert.False(t, strings.ContainsAny(got, ".- "))
	}
}
