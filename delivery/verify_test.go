package delivery

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVerifyFlippedByte flips one byte at a time in every file of a
// delivery, the manifest included: each change is a problem.
func TestVerifyFlippedByte(t *testing.T) {
	dir := t.TempDir()
	tx := writeDelivery(t, dir, false)
	_, err := tx.Commit(Header{Tool: "koble test", Project: "p"})
	require.NoError(t, err)
	manifest := filepath.Join(dir, "npr"+ManifestSuffix)
	for _, name := range visible(t, dir) {
		path := filepath.Join(dir, name)
		orig, err := os.ReadFile(path)
		require.NoError(t, err)
		for _, at := range []int{0, len(orig) / 2, len(orig) - 1} {
			b := append([]byte(nil), orig...)
			b[at] ^= 0x01
			require.NoError(t, os.WriteFile(path, b, 0o600))
			c, err := VerifyManifest(manifest)
			require.NoError(t, err)
			assert.NotEmpty(t, c.Problems, "%s, byte %d flipped", name, at)
		}
		require.NoError(t, os.WriteFile(path, orig, 0o600))
	}
	c, err := VerifyManifest(manifest)
	require.NoError(t, err)
	assert.Empty(t, c.Problems)

	require.NoError(t, os.Remove(filepath.Join(dir, "npr.csv")))
	c, err = VerifyManifest(manifest)
	require.NoError(t, err)
	require.Len(t, c.Problems, 1)
	assert.Contains(t, c.Problems[0], "npr.csv: missing")
}

// TestEncrypted writes an encrypted delivery, extracts it and verifies
// the result; a wrong identity is refused; the plain files are gone.
func TestEncrypted(t *testing.T) {
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	tx := writeDelivery(t, dir, false)
	archive := filepath.Join(dir, "npr"+ArchiveSuffix)
	require.NoError(t, tx.Encrypt(archive, id.Recipient()))
	_, err = tx.Commit(Header{Tool: "koble test"})
	require.NoError(t, err)
	assert.Equal(t, []string{"npr" + ArchiveSuffix}, visible(t, dir))

	out := t.TempDir()
	other, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	require.ErrorContains(t, Extract(archive, out, other), "wrong identity or passphrase")
	require.NoError(t, Extract(archive, out, id))
	c, err := VerifyManifest(filepath.Join(out, "npr"+ManifestSuffix))
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
	assert.Len(t, visible(t, out), 4)
}

// TestEncryptedStockAge opens an encrypted delivery with the age and tar
// tools, where they are installed.
func TestEncryptedStockAge(t *testing.T) {
	for _, tool := range []string{"age", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH", tool)
		}
	}
	dir := t.TempDir()
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	idFile := filepath.Join(t.TempDir(), "id.txt")
	require.NoError(t, os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600))
	tx := writeDelivery(t, dir, false)
	archive := filepath.Join(dir, "npr"+ArchiveSuffix)
	require.NoError(t, tx.Encrypt(archive, id.Recipient()))
	_, err = tx.Commit(Header{Tool: "koble test"})
	require.NoError(t, err)
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", `age -d -i "$1" "$2" | tar -x -C "$3"`, "sh", idFile, archive, out)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, string(b))
	c, err := VerifyManifest(filepath.Join(out, "npr"+ManifestSuffix))
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
}
