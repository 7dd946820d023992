package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// koble convert to CSV describes the file as prepare and link do: a
// datapackage.json and the loading snippets for R, Stata, pandas and
// DuckDB beside it, listed in the manifest, with its dates declared as
// dates and its codes as strings. (It wrote the CSV file and its manifest
// only: R, DuckDB and polars had nothing to read its types from.)
func TestConvertCSVDescribed(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, []byte("kommune,d,n\n0301,2024-02-29,7\n0402,,8\n"), 0o600))
	typed := filepath.Join(dir, "typed.parquet")
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"convert", in, typed, "--types", "d:date", "--quiet"}, env{stdout: &out, stderr: &errb}), errb.String())
	csv := filepath.Join(dir, "out.csv")
	require.Equal(t, 0, run([]string{"convert", typed, csv, "--quiet"}, env{stdout: &out, stderr: &errb}), errb.String())
	var pkg struct {
		Resources []struct {
			Path   string
			Schema struct{ Fields []struct{ Name, Type string } }
		}
	}
	b, err := os.ReadFile(csv + ".datapackage.json")
	require.NoError(t, err, "a data package beside the CSV file")
	require.NoError(t, json.Unmarshal(b, &pkg))
	require.Len(t, pkg.Resources, 1)
	assert.Equal(t, "out.csv", pkg.Resources[0].Path)
	types := map[string]string{}
	for _, f := range pkg.Resources[0].Schema.Fields {
		types[f.Name] = f.Type
	}
	assert.Equal(t, map[string]string{"kommune": "string", "d": "date", "n": "string"}, types)
	manifest, err := os.ReadFile(csv + ".manifest.json")
	require.NoError(t, err)
	for _, suffix := range []string{".load.R", ".load.do", ".load.py", ".load.sql"} {
		_, err := os.Stat(csv + suffix)
		assert.NoError(t, err, suffix)
		assert.Contains(t, string(manifest), `"out.csv`+suffix+`"`, "the manifest lists %s", suffix)
	}
	assert.Equal(t, 0, run([]string{"verify", dir, "--quiet"}, env{stdout: &out, stderr: &errb}), errb.String())
}
