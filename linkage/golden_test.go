package linkage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// The golden test pins what prepare, link and the pseudonymous register's
// extract deliver, byte for byte, so that a restructuring of the pipeline
// can show it changed nothing. Regenerate (only for an intended change of
// output) with: go test ./linkage -run TestGolden -update-golden
var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/golden/linkage.json from this run")

const goldenFile = "../testdata/golden/linkage.json"

// goldenRef is the fixed reference date of every golden run (national IDs
// are judged as of it, and it is recorded in the reports).
const goldenRef = "2026-06-01"

// goldenVolatile are JSON keys whose values differ between two runs of the
// same inputs, left out of the comparison: elapsed time and throughput
// (wall clock), the manifest's transaction id (random, per run) and the
// manifest's checksum over it. The files they describe are compared.
var goldenVolatile = map[string]bool{
	"elapsed_seconds": true, "rows_per_second": true,
	"transaction": true, "manifest_sha256": true,
}

func TestGolden(t *testing.T) {
	got := map[string]string{}
	goldenPrepare(t, got)
	goldenLink(t, got)
	goldenExtract(t, got)
	if *updateGolden {
		require.NoError(t, os.MkdirAll(filepath.Dir(goldenFile), 0o755))
		b, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(goldenFile, append(b, '\n'), 0o644))
		return
	}
	b, err := os.ReadFile(goldenFile)
	require.NoError(t, err, "run with -update-golden to create it")
	var want map[string]string
	require.NoError(t, json.Unmarshal(b, &want))
	var names []string
	for k := range want {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		assert.Equal(t, want[k], got[k], "%s differs from the golden run", k)
	}
}

func goldenKey(t *testing.T) *pseudonym.Key {
	key, err := pseudonym.NewKey("heart-and-cancer-2026", bytes.Repeat([]byte{7}, 32), time.Unix(0, 0))
	require.NoError(t, err)
	return key
}

func goldenScheme(t *testing.T) pseudonym.Scheme {
	d, err := pseudonym.ParseDate(goldenRef)
	require.NoError(t, err)
	return pseudonym.WithReference(pseudonym.Norway{}, d)
}

var goldenExt = map[formats.Format]string{formats.FormatParquet: "parquet", formats.FormatCSV: "csv", formats.FormatArrowFile: "arrow"}

// goldenPrepare runs two prepare configurations on each input format with
// one and two workers, as transactions with manifest and data package.
func goldenPrepare(t *testing.T, got map[string]string) {
	key := goldenKey(t)
	id, err := age.ParseX25519Identity(testIdentity)
	require.NoError(t, err)
	for _, format := range []formats.Format{formats.FormatParquet, formats.FormatCSV, formats.FormatArrowFile} {
		data := t.TempDir()
		cfg := synth.DefaultConfig()
		cfg.Persons, cfg.PatientRows, cfg.Format, cfg.BadIDs, cfg.Seed = 700, 6000, format, 0.01, 3
		_, err := synth.Generate(data, cfg)
		require.NoError(t, err)
		in := filepath.Join(data, "patient."+goldenExt[format])
		for _, workers := range []int{1, 2} {
			for _, variant := range []string{"dates", "int64"} {
				out := t.TempDir()
				c := linkage.PrepareConfig{In: in, Out: filepath.Join(out, "npr."+goldenExt[format]), Key: key, IDColumn: "fnr",
					Scheme: goldenScheme(t), Workers: workers, Read: formats.ReadOptions{BatchSize: 500}}
				c.ReportPath, c.QuarantinePath = c.Out+".report.json", c.Out+".quarantine.csv"
				switch variant {
				case "dates":
					c.Shift, c.Window = []string{"admit_date"}, 182
					c.Relative = []linkage.Relative{{Reference: "admit_date", Columns: []string{"discharge_date"}},
						{PersonFirst: []string{"admit_date"}, Columns: []string{"control_date"}}}
					c.Coarsen = []linkage.Coarsen{{Column: "birth_date", Precision: refdate.YearMonth}}
					c.Drop = []string{"hospital"}
				case "int64":
					c.SerialEncoding, c.SerialColumn = pseudonym.EncodingInt64, "pid"
					c.Shift, c.Window, c.KeepWeekday = []string{"admit_date", "discharge_date"}, 91, true
					c.Coarsen = []linkage.Coarsen{{Column: "birth_date", Precision: refdate.Year}}
					c.Keep = []string{"admit_date", "discharge_date", "birth_date", "icd10"}
					c.QuarantineRecipients = []age.Recipient{id.Recipient()}
				}
				_, _, err := linkage.PrepareDelivery(context.Background(), c, linkage.Delivery{})
				require.NoError(t, err)
				name := "prepare/" + goldenExt[format] + "/" + variant + "/w" + itoa(workers)
				goldenDir(t, out, name, got, id)
			}
		}
	}
}

// goldenLink runs the distributed and both centralised plans with one and
// two workers.
func goldenLink(t *testing.T, got map[string]string) {
	for _, plan := range []string{"distributed.toml", "centralised-a.toml", "centralised-b.toml"} {
		dir, key, id := project(t, plan, 900, 1)
		p, err := linkage.LoadPlan(filepath.Join(dir, plan))
		require.NoError(t, err)
		ref, err := pseudonym.ParseDate(goldenRef)
		require.NoError(t, err)
		p.SetReferenceDate(ref)
		for _, workers := range []int{1, 2} {
			_, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Workers: workers, Overwrite: true})
			require.NoError(t, err)
			name := "link/" + strings.TrimSuffix(plan, ".toml") + "/w" + itoa(workers)
			goldenDir(t, filepath.Join(dir, p.Output.Dir), name, got, id)
			require.NoError(t, os.RemoveAll(filepath.Join(dir, p.Output.Dir)))
		}
	}
}

// goldenExtract runs the pseudonymous register's whole flow and keeps
// what the run delivers (the request and answer files in between are
// encrypted to random recipients and carry random ids; they are not
// deliveries).
func goldenExtract(t *testing.T, got map[string]string) {
	const plan = "pseudoreg-c.toml"
	dir, key, id := project(t, plan, 900, 1)
	path := filepath.Join(dir, plan)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append([]byte("reference_date = \""+goldenRef+"\"\n"), b...), 0o600))
	p, _ := runPseudoreg(t, dir, plan, key, newParties(t))
	goldenDir(t, filepath.Join(dir, p.Output.Dir), "extract/"+strings.TrimSuffix(plan, ".toml"), got, id)
}

// goldenDir records the SHA-256 of every file under dir, as name/relpath.
// JSON files are compared normalised (see goldenJSON), age-encrypted
// files (random per run) by their plaintext.
func goldenDir(t *testing.T, dir, name string, got map[string]string, id age.Identity) {
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		switch {
		case strings.HasSuffix(path, ".json"):
			b = goldenJSON(t, b)
		case bytes.HasPrefix(b, []byte("age-encryption.org/")):
			r, err := age.Decrypt(bytes.NewReader(b), id)
			require.NoError(t, err, "%s", rel)
			b, err = io.ReadAll(r)
			require.NoError(t, err, "%s", rel)
		}
		sum := sha256.Sum256(b)
		got[name+"/"+filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	require.NoError(t, err)
}

// goldenJSON normalises a JSON file: volatile keys removed, every path
// cut to its last element (the run's folders are temporary, and reports
// pass through pseudonym.Redact, which may take a folder's random digits
// for an identity number), and, in a manifest, the size and checksum of
// each file removed (reports hold the elapsed time, encrypted files
// differ per run; every file is compared on its own).
func goldenJSON(t *testing.T, b []byte) []byte {
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k := range x {
				if goldenVolatile[k] {
					delete(x, k)
				}
			}
			if _, ok := x["role"]; ok {
				// A manifest's file entry: the file itself is
				// compared on its own, normalised or decrypted.
				delete(x, "size")
				delete(x, "sha256")
			}
			for k, c := range x {
				if str, ok := c.(string); ok {
					x[k] = goldenPath(str)
				}
				walk(c)
			}
		case []any:
			for i, c := range x {
				if str, ok := c.(string); ok {
					x[i] = goldenPath(str)
				}
				walk(c)
			}
		}
	}
	walk(v)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

// goldenPath cuts an absolute path to its last element.
func goldenPath(s string) string {
	if strings.HasPrefix(s, "/") || strings.Contains(s, string(filepath.Separator)+"tmp") {
		return filepath.Base(s)
	}
	return s
}
