package linkage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// TestVerifyLeak: a delivery whose manifest is in order but whose data
// hold IDs, or a column named like one, fails verification; a column the
// register let through the guard is a warning.
func TestVerifyLeak(t *testing.T) {
	dir := t.TempDir()
	tx, err := delivery.Begin(filepath.Join(dir, "x"+delivery.ManifestSuffix), false)
	require.NoError(t, err)
	target := filepath.Join(dir, "x.csv")
	f, err := tx.Create(target, delivery.RoleData)
	require.NoError(t, err)
	_, err = f.WriteString("lnr,note,fnr\nA,ring 15108695088,x\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	desc, err := delivery.DataFile(f.Name(), formats.FormatCSV, formats.WriteOptions{}, 1)
	require.NoError(t, err)
	require.NoError(t, tx.Describe(target, desc))
	_, err = tx.Commit(delivery.Header{Tool: "koble test"})
	require.NoError(t, err)

	v, err := linkage.VerifyDelivery(dir, linkage.VerifyOptions{})
	require.NoError(t, err)
	assert.False(t, v.OK())
	assert.Contains(t, v.Problems, `x.csv: column "note" holds 1 value(s) of the form of a national ID`)
	assert.Contains(t, v.Problems, `x.csv: column "fnr" has the name of a direct identifier`)
	for _, p := range v.Problems {
		assert.NotContains(t, p, "15108695088")
	}
}

func TestVerifyAllowedColumn(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,kopi\n15108695088,01010100158\n")
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "out.parquet"))
	cfg.Shift, cfg.Window, cfg.AllowColumns = nil, 0, []string{"kopi"}
	_, done, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{})
	require.NoError(t, err)
	v, err := linkage.VerifyDelivery(dir, linkage.VerifyOptions{Fingerprint: key.Fingerprint()})
	require.NoError(t, err)
	assert.True(t, v.OK(), "%v", v.Problems)
	require.Len(t, v.Warnings, 1)
	assert.Contains(t, v.Warnings[0], `column "kopi" holds 1 value(s)`)
	assert.FileExists(t, done.Manifest)

	// The wrong project key.
	v, err = linkage.VerifyDelivery(done.Manifest, linkage.VerifyOptions{Fingerprint: "ffff"})
	require.NoError(t, err)
	assert.False(t, v.OK())

	// An expect file.
	exp := filepath.Join(t.TempDir(), "v.toml")
	require.NoError(t, os.WriteFile(exp, []byte("[out]\ncolumns = [\"lnr\", \"kopi\"]\n"), 0o600))
	want, err := linkage.ReadExpect(exp)
	require.NoError(t, err)
	v, err = linkage.VerifyDelivery(dir, linkage.VerifyOptions{Expect: want})
	require.NoError(t, err)
	assert.True(t, v.OK(), "%v", v.Problems)
}
