package delivery

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// writeDelivery starts a transaction of two files and a report in dir.
func writeDelivery(t *testing.T, dir string, overwrite bool) *Tx {
	t.Helper()
	tx, err := Begin(filepath.Join(dir, "npr"+ManifestSuffix), overwrite)
	require.NoError(t, err)
	for _, name := range []string{"npr.csv", "npr.quarantine.csv"} {
		target := filepath.Join(dir, name)
		f, err := tx.Create(target, RoleData)
		require.NoError(t, err)
		_, err = f.WriteString("a,b\n1,2\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		desc, err := DataFile(f.Name(), formats.FormatCSV, formats.WriteOptions{}, 1)
		require.NoError(t, err)
		require.NoError(t, tx.Describe(target, desc))
	}
	require.NoError(t, tx.WriteJSON(filepath.Join(dir, "npr.report.json"), RoleReport, map[string]string{"what": "cancer & death"}))
	return tx
}

// visible lists the files in dir that do not start with ".".
func visible(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestCommit(t *testing.T) {
	dir := t.TempDir()
	tx := writeDelivery(t, dir, false)
	m, err := tx.Commit(Header{Tool: "koble test", Project: "p", KeyFingerprint: "fp"})
	require.NoError(t, err)
	tx.Abort() // does nothing after a commit
	assert.ElementsMatch(t, []string{"npr.csv", "npr.quarantine.csv", "npr.report.json", "npr.manifest.json"}, visible(t, dir))
	require.Len(t, m.Files, 3)
	assert.Equal(t, "npr.csv", m.Files[0].Name)
	assert.EqualValues(t, 8, m.Files[0].Size)

	report, err := os.ReadFile(filepath.Join(dir, "npr.report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(report), "cancer & death", "JSON is written without HTML escaping")

	c, err := VerifyManifest(filepath.Join(dir, "npr"+ManifestSuffix))
	require.NoError(t, err)
	assert.Empty(t, c.Problems)
	sum, err := FileSHA256(filepath.Join(dir, "npr"+ManifestSuffix))
	require.NoError(t, err)
	assert.Equal(t, sum, c.SHA256)

	// A second delivery of the same name needs overwrite.
	_, err = Begin(filepath.Join(dir, "npr"+ManifestSuffix), false)
	require.ErrorContains(t, err, "use --overwrite")
	tx = writeDelivery(t, dir, true)
	_, err = tx.Commit(Header{Tool: "koble test"})
	require.NoError(t, err)
	assert.Len(t, visible(t, dir), 4)
}

// TestCommitFailures fails the commit at each step: no file of the
// delivery remains, neither temporary nor at its final name.
func TestCommitFailures(t *testing.T) {
	for _, at := range []string{"hash", "journal", "rename", "manifest"} {
		for _, encrypted := range []bool{false, true} {
			name := at
			if encrypted {
				name += "/encrypted"
			}
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				tx := writeDelivery(t, dir, false)
				if encrypted {
					id, err := age.GenerateX25519Identity()
					require.NoError(t, err)
					require.NoError(t, tx.Encrypt(filepath.Join(dir, "npr"+ArchiveSuffix), id.Recipient()))
				}
				calls := 0
				testHook = func(step string) error {
					if step == at {
						calls++
						if calls == 2 || at == "journal" || at == "manifest" {
							return errors.New("injected failure")
						}
					}
					return nil
				}
				defer func() { testHook = nil }()
				_, err := tx.Commit(Header{Tool: "koble test"})
				if encrypted && at == "journal" {
					require.NoError(t, err, "an encrypted delivery has no journal")
					return
				}
				require.ErrorContains(t, err, "injected failure")
				assert.Empty(t, visible(t, dir))
			})
		}
	}
}

// TestKilled leaves a transaction as a kill -9 would at each point, and
// checks that the next Begin in the folder removes what it left.
func TestKilled(t *testing.T) {
	for _, at := range []string{"hash", "rename", "manifest"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			tx := writeDelivery(t, dir, false)
			calls := 0
			testHook = func(step string) error {
				if step == at {
					if calls++; calls == 2 || at == "manifest" {
						return errKilled
					}
				}
				return nil
			}
			_, err := tx.Commit(Header{Tool: "koble test"})
			testHook = nil
			require.ErrorIs(t, err, errKilled)
			// The killed run's files carry a process id that is gone.
			for _, e := range visible(t, dir) {
				if strings.HasSuffix(e, journalSuffix) {
					b, err := os.ReadFile(filepath.Join(dir, e))
					require.NoError(t, err)
					require.NoError(t, os.WriteFile(filepath.Join(dir, e), []byte(strings.ReplaceAll(string(b), tx.id, deadID(tx.id))), 0o600))
				}
				require.NoError(t, os.Rename(filepath.Join(dir, e), filepath.Join(dir, strings.Replace(e, tx.id, deadID(tx.id), 1))))
			}
			before := visible(t, dir)
			require.NotEmpty(t, before)
			next, err := Begin(filepath.Join(dir, "other"+ManifestSuffix), false)
			require.NoError(t, err)
			defer next.Abort()
			assert.Len(t, next.Stale, len(before))
			assert.Empty(t, visible(t, dir))
		})
	}
}

var errKilled = errors.New("killed")

func init() {
	// A killed run removes nothing: Abort must not run. The hook error
	// errKilled makes Commit return before cleaning up.
	killed = func(err error) bool { return errors.Is(err, errKilled) }
}

// deadID is a transaction id of this host whose process cannot exist.
func deadID(id string) string {
	host, rest, _ := strings.Cut(id, "-")
	_, rnd, _ := strings.Cut(rest, "-")
	return host + "-999999999-" + rnd
}

// TestStaleRunningKept: the temporary files of a running transaction, and
// files that merely look alike, are left alone.
func TestStaleRunningKept(t *testing.T) {
	dir := t.TempDir()
	tx := writeDelivery(t, dir, false)
	defer tx.Abort()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".koble-tx.notes.txt"), []byte("x"), 0o600))
	other := filepath.Join(dir, tempPrefix+"0000aaaa-1-abcdef.x.csv")
	require.NoError(t, os.WriteFile(other, []byte("x"), 0o600))
	removed, err := CleanStale(dir)
	require.NoError(t, err)
	assert.Empty(t, removed, "another host's recent file and this run's files stay")
	old := time.Now().Add(-2 * staleAfter)
	require.NoError(t, os.Chtimes(other, old, old))
	removed, err = CleanStale(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{other}, removed)
}

// A delivery file named by an ID is refused before anything is written,
// and the error does not quote the name.
func TestNameWithID(t *testing.T) {
	dir := t.TempDir()
	_, err := Begin(filepath.Join(dir, "15108695088.csv"+ManifestSuffix), false)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "15108695088")
	tx, err := Begin(filepath.Join(dir, "npr.csv"+ManifestSuffix), false)
	require.NoError(t, err)
	defer tx.Abort()
	_, err = tx.Add(filepath.Join(dir, "q-151086 95088.csv"), "quarantine")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "95088")
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries)
}
