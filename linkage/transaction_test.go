package linkage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// TestPrepareDeliveryManifest: the delivery, quarantine and report appear
// with a manifest that verifies and says what was done.
func TestPrepareDeliveryManifest(t *testing.T) {
	key := testKey(t)
	in := filepath.Join(synthData(t, formats.FormatParquet, 200, 1000), "patient.parquet")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "npr.parquet"))
	cfg.ReportPath, cfg.QuarantinePath = filepath.Join(dir, "npr.report.json"), filepath.Join(dir, "npr.quarantine.csv")
	rep, done, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{Source: "npr"})
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "npr.parquet"), rep.Output, "the report names the final path")
	c, err := delivery.VerifyManifest(done.Manifest)
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
	m := c.Manifest
	require.Len(t, m.Files, 3)
	data := m.Files[0]
	assert.Equal(t, "npr.parquet", data.Name)
	assert.Equal(t, rep.RowsWritten, *data.Rows)
	assert.Equal(t, "lnr", data.Done.SerialColumn)
	assert.Equal(t, rep.Dates.Shifted, data.Done.Shifted)
	assert.Equal(t, key.Fingerprint(), m.KeyFingerprint)
	report, err := os.ReadFile(cfg.ReportPath)
	require.NoError(t, err)
	assert.NotContains(t, string(report), ".koble-tx.", "no temporary name in the report")
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
