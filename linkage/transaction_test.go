package linkage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// TestPrepareDeliveryManifest: the delivery, quarantine and report appear
// with a manifest that verifies and says what was done.
func TestPrepareDeliveryManifest(t *testing.T) {
	key := testKey(t)
	in := filepath.Join(synthData(t, formats.FormatParquet, 200, 1000), "patient.parquet")
	dir := t.TempDir()
	cfg := patientConfig(key, in, filepath.Join(dir, "npr.parquet"))
	cfg.ReportPath, cfg.QuarantinePath = filepath.Join(dir, "npr.report.json"), filepath.Join(dir, "npr.quarantine.csv")
	rep, done, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{Source: "npr"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "npr.parquet"), rep.Output, "the report names the final path")
	c, err := delivery.VerifyManifest(done.Manifest)
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
	m := c.Manifest
	require.Len(t, m.Files, 4)
	assert.Equal(t, delivery.RoleDescription, m.Files[3].Role)
	data := m.Files[0]
	assert.Equal(t, "npr.parquet", data.Name)
	assert.Equal(t, rep.RowsWritten, *data.Rows)
	assert.Equal(t, "lnr", data.Done.SerialColumn)
	assert.Equal(t, rep.Dates.Shifted, data.Done.Shifted)
	assert.Equal(t, key.Fingerprint(), m.KeyFingerprint)
	report, err := os.ReadFile(cfg.ReportPath)
	require.NoError(t, err)
	assert.NotContains(t, string(report), ".koble-tx.", "no temporary name in the report")

	// The Frictionless description: one resource, its Table Schema.
	var dp struct {
		Profile   string
		Resources []struct {
			Path, Format string
			Schema       struct {
				Fields []struct{ Name, Type string }
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "npr.parquet.datapackage.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &dp))
	assert.Equal(t, "tabular-data-package", dp.Profile)
	require.Len(t, dp.Resources, 1)
	assert.Equal(t, "npr.parquet", dp.Resources[0].Path)
	types := map[string]string{}
	for _, f := range dp.Resources[0].Schema.Fields {
		types[f.Name] = f.Type
	}
	assert.Equal(t, "string", types["lnr"])
	assert.Equal(t, len(data.Schema), len(types))
}

// TestDataPackageCSV: in a CSV delivery every column is a string (codes
// keep their zeros), an int64 serial too, with the dialect and encoding.
func TestDataPackageCSV(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,kommune\n15108695088,0301\n15108695088,0301\n")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "x.csv"))
	cfg.Shift, cfg.Window = nil, 0
	cfg.SerialEncoding = pseudonym.EncodingInt64
	cfg.Write.Delimiter, cfg.Write.Encoding = ';', formats.EncodingLatin1
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, "x.csv.datapackage.json"))
	require.NoError(t, err)
	text := string(b)
	assert.Contains(t, text, `"delimiter": ";"`)
	assert.Contains(t, text, `"encoding": "iso-8859-1"`)
	assert.Contains(t, text, `JavaScript and R lose precision above 2^53`)
	assert.NotContains(t, text, `"integer"`)
	assert.NotContains(t, text, `"primaryKey"`, "one person has two rows")
}

// TestLoadersInDelivery: next to a CSV delivery, loading snippets for R,
// Stata, pandas and DuckDB, listed in the manifest; typed columns are
// as the data package declares them: codes and serials stay text.
func TestLoadersInDelivery(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,kommune,n\n15108695088,0301,12\n15076500565,,7\n")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "x.csv"))
	cfg.Shift, cfg.Window = nil, 0
	cfg.Write.Delimiter = '\t'
	_, done, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.NoError(t, err)
	c, err := delivery.VerifyManifest(done.Manifest)
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
	loaders := map[string]string{}
	for _, f := range c.Manifest.Files {
		if f.Role == delivery.RoleLoader {
			b, err := os.ReadFile(filepath.Join(dir, f.Name))
			require.NoError(t, err)
			loaders[strings.TrimPrefix(f.Name, "x.csv.load.")] = string(b)
		}
	}
	require.Len(t, loaders, 4, "R, Stata, pandas and DuckDB")
	assert.Contains(t, loaders["R"], "`kommune` = col_character()")
	assert.Contains(t, loaders["py"], `"kommune": "string"`)
	assert.Contains(t, loaders["sql"], `'kommune': 'VARCHAR'`)
	assert.Contains(t, loaders["do"], "delimiters(tab)")
	assert.NotContains(t, loaders["do"], "destring kommune")
}

// TestPrepareDeliveryFails: a run that fails (here the leak guard, after
// the delivery was partly written) leaves no file at all.
func TestPrepareDeliveryFails(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,note\n15076500565,ring 15076500565\n")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "out.csv"))
	cfg.Shift, cfg.Window = nil, 0
	cfg.ReportPath, cfg.QuarantinePath = filepath.Join(dir, "out.report.json"), filepath.Join(dir, "out.quarantine.csv")
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.ErrorContains(t, err, "leak guard")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, ents)
}

// TestPrepareOverInput: no output may be the input, with or without
// overwrite.
func TestPrepareOverInput(t *testing.T) {
	key := testKey(t)
	in := filepath.Join(synthData(t, formats.FormatCSV, 50, 100), "patient.csv")
	before, err := os.ReadFile(in)
	require.NoError(t, err)
	for _, field := range []string{"out", "report", "quarantine"} {
		cfg := basicConfig(key, in, filepath.Join(t.TempDir(), "x.csv"))
		cfg.Write.Overwrite = true
		switch field {
		case "out":
			cfg.Out = in
		case "report":
			cfg.ReportPath = in
		case "quarantine":
			cfg.QuarantinePath = in
		}
		_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
		require.ErrorContains(t, err, "--"+field+" "+in+" is the input --in "+in)
	}
	after, err := os.ReadFile(in)
	require.NoError(t, err)
	assert.Equal(t, before, after)
}

// TestLinkIntoDataFolder: the output folder may not be a source's data
// folder.
func TestLinkIntoDataFolder(t *testing.T) {
	dir, key, _ := project(t, "distributed.toml", 100, 1)
	b, err := os.ReadFile(filepath.Join(dir, "distributed.toml"))
	require.NoError(t, err)
	text := string(b)
	i := strings.Index(text, "[output]")
	require.Positive(t, i)
	plan := filepath.Join(dir, "into-data.toml")
	require.NoError(t, os.WriteFile(plan, []byte(text[:i]+"[output]\ndir = \"data\"\n"), 0o600))
	p, err := linkage.LoadPlan(plan)
	require.NoError(t, err)
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Overwrite: true})
	require.ErrorContains(t, err, "output.dir")
	require.ErrorContains(t, err, "is the folder of source")
}

// TestLinkFailsLate: when a later source fails, the sources delivered
// before it go too: a run is one transaction.
func TestLinkFailsLate(t *testing.T) {
	dir, key, _ := project(t, "distributed.toml", 100, 1)
	p, err := linkage.LoadPlan(filepath.Join(dir, "distributed.toml"))
	require.NoError(t, err)
	last := p.Sources[len(p.Sources)-1]
	require.NoError(t, os.WriteFile(filepath.Join(dir, last.Path), []byte("not parquet"), 0o600))
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.Error(t, err)
	ents, err := os.ReadDir(filepath.Join(dir, p.Output.Dir))
	require.NoError(t, err)
	assert.Empty(t, ents)
}
