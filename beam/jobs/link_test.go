package jobs

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

func TestMain(m *testing.M) { ptest.MainWithDefault(m, "prism") }

// project is a plan of testdata/plans over synthetic registers, split
// into shards, with a key the workers open.
type project struct {
	dir      string
	planPath string
	plan     *linkage.Plan
	key      *pseudonym.Key
	identity *age.X25519Identity
	keys     Keys
	ref      pseudonym.Date
}

func newProject(t *testing.T, planName string) *project {
	t.Helper()
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Persons, cfg.PatientRows, cfg.Seed, cfg.BadIDs, cfg.Format, cfg.BatchRows = 400, 3000, 7, 0.01, formats.FormatParquet, 1000
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	_, err := synth.Generate(filepath.Join(dir, "data"), cfg)
	require.NoError(t, err)

	pr := &project{dir: dir, ref: pseudonym.DateOf(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))}
	pr.identity, err = age.GenerateX25519Identity()
	require.NoError(t, err)
	pr.key, err = pseudonym.GenerateKey(rand.Reader, "heart-and-cancer-2026", time.Unix(0, 0))
	require.NoError(t, err)
	t.Cleanup(pr.key.Close)
	f, err := os.Create(filepath.Join(dir, "project.key"))
	require.NoError(t, err)
	require.NoError(t, pseudonym.WriteKeyFile(f, pr.key, pr.identity.Recipient()))
	require.NoError(t, f.Close())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "worker.identity"), []byte(pr.identity.String()+"\n"), 0o600))
	pr.keys = Keys{KeyFile: filepath.Join(dir, "project.key"), IdentityFile: filepath.Join(dir, "worker.identity")}

	text, err := os.ReadFile(filepath.Join("..", "..", "testdata", "plans", planName+".toml"))
	require.NoError(t, err)
	plan := strings.ReplaceAll(string(text), "age1v6myrw0lp4jy0lyhc4r5z5z3uhelef44mh0m4ncfxgycsxx7nutq6npxx6", pr.identity.Recipient().String())
	pr.planPath = filepath.Join(dir, planName+".toml")
	require.NoError(t, os.WriteFile(pr.planPath, []byte(plan), 0o644))
	pr.plan, err = linkage.LoadPlan(pr.planPath)
	require.NoError(t, err)
	pr.plan.SetReferenceDate(pr.ref)
	for _, s := range pr.plan.Sources {
		splitShards(t, filepath.Join(dir, s.Path), filepath.Join(dir, "shards", s.Name), 3)
	}
	return pr
}

// splitShards writes the rows of in as n Parquet shards.
func splitShards(t *testing.T, in, prefix string, n int) {
	t.Helper()
	info, err := formats.Inspect(in, formats.ReadOptions{})
	require.NoError(t, err)
	r, err := formats.Open(in, formats.ReadOptions{BatchSize: int(info.Rows)/n + 1})
	require.NoError(t, err)
	defer r.Close()
	require.NoError(t, os.MkdirAll(filepath.Dir(prefix), 0o755))
	i := 0
	for r.Next() {
		w, err := formats.Create(fmt.Sprintf("%s-%d.parquet", prefix, i), r.Schema(), formats.WriteOptions{})
		require.NoError(t, err)
		require.NoError(t, w.Write(r.RecordBatch()))
		require.NoError(t, w.Close())
		i++
	}
	require.NoError(t, r.Err())
	require.Equal(t, n, i)
}

// job is the Beam job of the project, reading the shards.
func (pr *project) job(t *testing.T) (Job, *linkage.Plan) {
	t.Helper()
	job, plan, err := NewJob(pr.planPath, pr.keys)
	require.NoError(t, err)
	job.ReferenceDate = pr.ref.String()
	plan.SetReferenceDate(pr.ref)
	for _, s := range plan.Sources {
		job.Inputs[s.Name] = filepath.Join(pr.dir, "shards", s.Name+"-*.parquet")
	}
	job.Output = filepath.Join(pr.dir, "beam-out")
	return job, plan
}

// TestLinkEqualsKobleLink runs every plan of testdata/plans that runs
// without parties both with koble link and on Beam (Prism), and compares
// the deliveries row for row, the reports' counts and the serial key file.
func TestLinkEqualsKobleLink(t *testing.T) {
	for _, name := range []string{"distributed", "centralised-a", "centralised-b"} {
		t.Run(name, func(t *testing.T) {
			pr := newProject(t, name)
			want, err := linkage.Link(context.Background(), pr.plan, linkage.LinkOptions{Key: pr.key, Workers: 1})
			require.NoError(t, err)

			job, plan := pr.job(t)
			if name == "centralised-a" {
				// Shards read through a file system whose reader cannot
				// seek, as gs:// and s3:// readers: Beam's in-memory one.
				pr.toMemfs(t, job)
			}
			p, s := beam.NewPipelineWithRoot()
			require.NoError(t, Link(s, job, plan))
			require.NoError(t, ptest.Run(p))

			// The link report is written in the researcher's form (small
			// counts withheld): compare it with koble link's in that form.
			wantJSON, err := json.Marshal(want)
			require.NoError(t, err)
			var wantPub, gotPub map[string]any
			require.NoError(t, json.Unmarshal(wantJSON, &wantPub))
			readJSON(t, filepath.Join(job.Output, plan.Project+".link-report.json"), &gotPub)
			for _, k := range []string{"sample_persons", "new_persons", "overlap_persons", "suppression"} {
				assert.Equal(t, wantPub[k], gotPub[k], k)
			}
			wantSrc, gotSrc := wantPub["sources"].([]any), gotPub["sources"].([]any)
			require.Len(t, gotSrc, len(wantSrc))
			delivered := 0
			for i, ws := range want.Sources {
				wm, gm := wantSrc[i].(map[string]any), gotSrc[i].(map[string]any)
				for _, k := range []string{"rows_read", "rows_written", "rows_quarantined", "rows_not_in_sample", "persons", "sample_persons"} {
					assert.Equal(t, wm[k], gm[k], ws.Name+" "+k)
				}
				wantRows, wantCols := readRows(t, []string{pr.plan.DeliveryPath(ws.Name)})
				shards, err := filepath.Glob(filepath.Join(job.Output, ws.Name+"-*-of-*"+filepath.Ext(pr.plan.DeliveryPath(ws.Name))))
				require.NoError(t, err)
				require.Len(t, shards, 3)
				gotRows, gotCols := readRows(t, shards)
				assert.Equal(t, wantCols, gotCols, ws.Name)
				assert.Equal(t, wantRows, gotRows, ws.Name)
				delivered += len(gotRows)

				// The source's report, made from the tallies of every
				// shard merged, is koble link's but for names and timing.
				var wr, gr linkage.Report
				readJSON(t, ws.Report, &wr)
				readJSON(t, filepath.Join(job.Output, ws.Name+".report.json"), &gr)
				assert.Equal(t, 3, gr.Workers, ws.Name+": one worker per shard")
				for _, r := range []*linkage.Report{&wr, &gr} {
					r.Input, r.Output, r.Workers, r.Seconds, r.RowsPerSecond = "", "", 0, 0, 0
				}
				assert.Equal(t, wr, gr, ws.Name)
				// The quarantine files of the shards hold koble link's
				// reasons and columns (row numbers count in each shard).
				qs, err := filepath.Glob(filepath.Join(job.Output, ws.Name+".quarantine-*-of-*.csv"))
				require.NoError(t, err)
				require.Len(t, qs, 3)
				assert.Equal(t, quarantineReasons(t, ws.Name, []string{filepath.Join(filepath.Dir(ws.Report), ws.Name+".quarantine.csv")}), quarantineReasons(t, ws.Name, qs))
			}
			assert.Positive(t, delivered)
			pr.checkManifest(t, want, job.Output, name == "distributed")
			if want.SerialKeyFile != "" {
				// The reports' paths pass the redaction step, which may take
				// a temporary folder's digits for an ID: open the known path.
				assert.Equal(t, pr.decrypt(t, pr.plan.SerialKeyPath()), pr.decrypt(t, filepath.Join(job.Output, filepath.Base(pr.plan.SerialKeyPath()))))
			}
			_, err = os.Stat(filepath.Join(job.Output, ".koble-beam-staging"))
			assert.True(t, err == nil || os.IsNotExist(err))
		})
	}
}

func (pr *project) decrypt(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := age.Decrypt(f, pr.identity)
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Contains(t, string(b), "koble-serial-key-file")
	return string(b)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// readRows reads files as sorted rows of text, and their column names.
func readRows(t *testing.T, files []string) ([]string, []string) {
	t.Helper()
	var rows, cols []string
	for _, f := range files {
		r, err := formats.Open(f, formats.ReadOptions{})
		require.NoError(t, err)
		cols = cols[:0]
		for _, fl := range r.Schema().Fields() {
			cols = append(cols, fl.Name)
		}
		for r.Next() {
			rows = append(rows, batchRows(r.RecordBatch())...)
		}
		require.NoError(t, r.Err())
		r.Close()
	}
	sort.Strings(rows)
	return rows, cols
}

func batchRows(b arrow.RecordBatch) []string {
	out := make([]string, b.NumRows())
	for i := range out {
		vals := make([]string, b.NumCols())
		for c := range vals {
			vals[c] = b.Column(c).ValueStr(i)
		}
		out[i] = strings.Join(vals, "|")
	}
	return out
}

// toMemfs copies the job's shards into Beam's in-memory file system and
// points the job's inputs at them.
func (pr *project) toMemfs(t *testing.T, job Job) {
	t.Helper()
	for name, glob := range job.Inputs {
		files, err := filepath.Glob(glob)
		require.NoError(t, err)
		require.NotEmpty(t, files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			memfs.Write("memfs://"+filepath.Base(pr.dir)+"/"+filepath.Base(f), b)
		}
		job.Inputs[name] = "memfs://" + filepath.Base(pr.dir) + "/" + name + "-*.parquet"
	}
}

// quarantineReasons reads quarantine files as the sorted reason and column
// of each row; every row is of that source.
func quarantineReasons(t *testing.T, source string, files []string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		r, err := formats.Open(f, formats.ReadOptions{Format: formats.FormatCSV})
		require.NoError(t, err, source)
		for r.Next() {
			b := r.RecordBatch()
			for i := 0; i < int(b.NumRows()); i++ {
				out = append(out, b.Column(1).ValueStr(i)+"|"+b.Column(2).ValueStr(i))
			}
		}
		require.NoError(t, r.Err())
		r.Close()
	}
	sort.Strings(out)
	return out
}

// checkManifest checks the Beam run's delivery as a researcher would with
// koble verify: it passes, its manifest lists the kinds of file koble
// link's lists, each data file says what was done as koble link's of the
// same source says, and (if tamper) a shard changed after delivery fails.
func (pr *project) checkManifest(t *testing.T, want *linkage.LinkReport, out string, tamper bool) {
	t.Helper()
	v, err := linkage.VerifyDelivery(out, linkage.VerifyOptions{Fingerprint: pr.key.Fingerprint()})
	require.NoError(t, err)
	for _, c := range v.Checks {
		assert.Empty(t, c.Problems)
	}
	assert.Empty(t, v.Problems)
	assert.True(t, v.OK())
	wantM, err := delivery.ReadManifest(want.Manifest)
	require.NoError(t, err)
	gotM, err := delivery.ReadManifest(filepath.Join(out, pr.plan.Project+delivery.ManifestSuffix))
	require.NoError(t, err)
	assert.Equal(t, wantM.KeyFingerprint, gotM.KeyFingerprint)
	assert.Equal(t, wantM.PlanFingerprint, gotM.PlanFingerprint)
	assert.Equal(t, wantM.ReferenceDate, gotM.ReferenceDate)
	assert.Equal(t, roles(wantM), roles(gotM))
	wantDone := map[string]delivery.Processing{}
	for _, f := range wantM.Files {
		if f.Role == delivery.RoleData {
			wantDone[f.Done.Source] = *f.Done
			wantDone[f.Done.Source+" schema"] = delivery.Processing{Delivered: columnNames(f.Schema)}
		}
	}
	var shard string
	for _, f := range gotM.Files {
		if f.Role != delivery.RoleData {
			continue
		}
		shard = f.Name
		got := *f.Done
		w := wantDone[got.Source]
		got.RowsRead, got.RowsQuarantine, got.RowsNotSample = w.RowsRead, w.RowsQuarantine, w.RowsNotSample
		assert.Equal(t, w, got, f.Name)
		assert.Equal(t, wantDone[got.Source+" schema"].Delivered, columnNames(f.Schema), f.Name)
	}
	if !tamper {
		return
	}
	b, err := os.ReadFile(filepath.Join(out, shard))
	require.NoError(t, err)
	b[len(b)/2] ^= 1
	require.NoError(t, os.WriteFile(filepath.Join(out, shard), b, 0o644))
	v, err = linkage.VerifyDelivery(out, linkage.VerifyOptions{})
	require.NoError(t, err)
	assert.False(t, v.OK())
	assert.Contains(t, fmt.Sprint(v.Checks[0].Problems), shard)
}

// roles is the set of roles of a manifest's files.
func roles(m *delivery.Manifest) map[string]bool {
	out := map[string]bool{}
	for _, f := range m.Files {
		out[f.Role] = true
	}
	return out
}

func columnNames(cols []delivery.Column) []string {
	var out []string
	for _, c := range cols {
		out = append(out, c.Name)
	}
	return out
}
