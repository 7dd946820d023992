package linkage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

func testKey(t testing.TB) *pseudonym.Key {
	k, err := pseudonym.GenerateKey(rand.Reader, "test-project", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	return k
}

func synthData(t testing.TB, format formats.Format, persons int, rows int64) string {
	dir := t.TempDir()
	cfg := synth.DefaultConfig()
	cfg.Persons, cfg.PatientRows, cfg.Format, cfg.BadIDs = persons, rows, format, 0.01
	_, err := synth.Generate(dir, cfg)
	require.NoError(t, err)
	return dir
}

// table reads a whole (small) file into columns of strings, nulls as "".
func table(t testing.TB, path string, types map[string]arrow.DataType) map[string][]string {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := formats.Open(path, formats.ReadOptions{Allocator: mem, Types: types})
	require.NoError(t, err)
	defer r.Close()
	out := map[string][]string{}
	for r.Next() {
		b := r.RecordBatch()
		for j, f := range b.Schema().Fields() {
			c := b.Column(j)
			for i := 0; i < c.Len(); i++ {
				v := ""
				if !c.IsNull(i) {
					v = c.ValueStr(i)
				}
				out[f.Name] = append(out[f.Name], v)
			}
		}
	}
	require.NoError(t, r.Err())
	return out
}

func day(t testing.TB, s string) int32 {
	d, _, _, ok := refdate.ParseDate([]byte(s))
	require.True(t, ok, "not a date")
	return d
}

// patientConfig is basicConfig for the synthetic patient register: its
// control date is shifted too and its birth date coarsened to the year,
// as a date delivered unshifted beside shifted ones is refused.
func patientConfig(key *pseudonym.Key, in, out string) linkage.PrepareConfig {
	cfg := basicConfig(key, in, out)
	cfg.Shift = append(cfg.Shift, "control_date")
	cfg.Coarsen = []linkage.Coarsen{{Column: "birth_date", Precision: refdate.Year}}
	return cfg
}

func basicConfig(key *pseudonym.Key, in, out string) linkage.PrepareConfig {
	return linkage.PrepareConfig{
		In: in, Out: out, Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{},
		Shift: []string{"admit_date", "discharge_date"}, Window: 182,
		Read: formats.ReadOptions{BatchSize: 1000},
	}
}

// Serials are those the pseudonym package computes, every interval of a
// person is unchanged, and every row read is either written or
// quarantined, in order.
func TestPrepareSynthetic(t *testing.T) {
	for _, format := range []formats.Format{formats.FormatCSV, formats.FormatParquet} {
		t.Run(format.String(), func(t *testing.T) {
			data := synthData(t, format, 2000, 20_000)
			key := testKey(t)
			ext := map[formats.Format]string{formats.FormatCSV: ".csv", formats.FormatParquet: ".parquet"}[format]
			out := filepath.Join(t.TempDir(), "npr"+ext)
			cfg := patientConfig(key, filepath.Join(data, "patient"+ext), out)
			cfg.ReportPath = out + ".report.json"
			cfg.QuarantinePath = out + ".quarantine.csv"
			rep, err := linkage.Prepare(context.Background(), cfg)
			require.NoError(t, err)

			in := table(t, cfg.In, nil)
			got := table(t, out, nil)
			q := table(t, cfg.QuarantinePath, nil)
			require.EqualValues(t, 20_000, rep.RowsRead)
			require.Equal(t, rep.RowsRead, rep.RowsWritten+rep.RowsQuarantine)
			require.Len(t, got["lnr"], int(rep.RowsWritten))
			require.Len(t, q["row"], int(rep.RowsQuarantine))
			assert.Greater(t, rep.RowsQuarantine, int64(50))
			assert.NotContains(t, got, "fnr")

			serials := key.Serials(pseudonym.SerialOptions{})
			quarantined := map[string]string{}
			for i, row := range q["row"] {
				quarantined[row] = q["reason"][i]
			}
			firstShift := map[string]int32{} // serial -> admit shift of its first row
			j := 0
			for i := range in["fnr"] {
				rowNo := itoa(i + 1)
				id, reason := pseudonym.Norway{}.Parse([]byte(in["fnr"][i]))
				if reason != pseudonym.ReasonNone {
					require.Equal(t, "id-"+reason.String(), quarantined[rowNo], "row %s", rowNo)
					continue
				}
				require.NotContains(t, quarantined, rowNo)
				want := serials.Compute(id).String()
				require.Equal(t, want, got["lnr"][j], "row %d", i+1)
				a, d := day(t, in["admit_date"][i]), day(t, in["discharge_date"][i])
				ga, gd := day(t, got["admit_date"][j]), day(t, got["discharge_date"][j])
				require.Equal(t, d-a, gd-ga, "length of stay changed")
				require.NotEqual(t, a, ga)
				if s, ok := firstShift[want]; ok {
					require.Equal(t, s, ga-a, "one person, two offsets")
				} else {
					firstShift[want] = ga - a
					require.LessOrEqual(t, abs(ga-a), int32(182))
				}
				for _, c := range []string{"icd10", "hospital", "municipality"} {
					require.Equal(t, in[c][i], got[c][j])
				}
				j++
			}
			require.Equal(t, j, len(got["lnr"]))

			// The report is written and says the same.
			var saved linkage.Report
			b, err := os.ReadFile(cfg.ReportPath)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &saved))
			assert.Equal(t, rep.RowsWritten, saved.RowsWritten)
			assert.Equal(t, key.Fingerprint(), saved.KeyFingerprint)
			assert.EqualValues(t, len(firstShift), saved.Persons)

			// No file the run wrote holds a national ID from the input.
			assertNoIDs(t, filepath.Dir(out), in["fnr"])

			// The output says what was done.
			r, err := formats.Open(out, formats.ReadOptions{})
			require.NoError(t, err)
			md := r.Metadata()
			r.Close()
			if format == formats.FormatParquet {
				assert.Equal(t, key.Fingerprint(), md["koble.key_fingerprint"])
				assert.Equal(t, "admit_date,discharge_date,control_date", md["koble.dates.shifted"])
				assert.Equal(t, "182", md["koble.dates.window"])
				assert.Equal(t, "base32", md["koble.serial_encoding"])
			}
		})
	}
}

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

var elevenDigits = regexp.MustCompile(`[0-9]{11}`)

// assertNoIDs fails if any file in dir holds one of the valid IDs, in any
// spelling the parser accepts (checked by parsing every 11-digit run).
func assertNoIDs(t testing.TB, dir string, ids []string) {
	t.Helper()
	valid := map[string]bool{}
	for _, s := range ids {
		if id, r := (pseudonym.Norway{}).Parse([]byte(s)); r == pseudonym.ReasonNone {
			valid[string(id.AppendCanonical(nil))[3:]] = true
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		for _, m := range elevenDigits.FindAll(b, -1) {
			require.False(t, valid[string(m)], "%s holds a national ID", e.Name())
		}
	}
}

// The same input and key give byte-identical output for any worker count:
// CSV parsed in pieces, Parquet columns and CSV batches encoded in
// parallel, row groups ending inside batches.
func TestPrepareDeterministicAcrossWorkers(t *testing.T) {
	key := testKey(t)
	for _, in := range []formats.Format{formats.FormatParquet, formats.FormatCSV} {
		data := synthData(t, in, 1000, 30_000)
		for _, ext := range []string{".parquet", ".csv"} {
			var first []byte
			for _, workers := range []int{1, 2, 3, 8} {
				out := filepath.Join(t.TempDir(), "out"+ext)
				cfg := patientConfig(key, filepath.Join(data, "patient."+map[formats.Format]string{formats.FormatParquet: "parquet", formats.FormatCSV: "csv"}[in]), out)
				cfg.Workers = workers
				cfg.Read.BatchSize = 777
				cfg.Write.RowGroupRows = 5000
				_, err := linkage.Prepare(context.Background(), cfg)
				require.NoError(t, err)
				b, err := os.ReadFile(out)
				require.NoError(t, err)
				if first == nil {
					first = b
					continue
				}
				require.True(t, bytes.Equal(first, b), "%s -> %s: %d workers give other bytes than 1", in, ext, workers)
			}
		}
	}
}

func writeCSV(t testing.TB, content string) string {
	p := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestLeakGuard(t *testing.T) {
	key := testKey(t)
	const input = "fnr,date,note,personnummer,kommentar\n" +
		"15108695088,2024-01-01,ok,x,fine\n" +
		"45014054018,2024-02-01,ring 15108695088,y,\n"
	in := writeCSV(t, input)
	// A column that carries IDs under an innocent name.
	in2 := writeCSV(t, "fnr,date,kopi\n15108695088,2024-01-01,15108695088\n45014054018,2024-02-01,45014054018\n01010100158,2024-03-01,\n")
	out := filepath.Join(t.TempDir(), "out.parquet")
	cfg := linkage.PrepareConfig{In: in2, Out: out, Key: key, IDColumn: "fnr"}
	_, err := linkage.Prepare(context.Background(), cfg)
	var leak *linkage.LeakError
	require.ErrorAs(t, err, &leak)
	assert.Equal(t, "kopi", leak.Column)
	assert.EqualValues(t, 2, leak.Count)
	assert.Contains(t, err.Error(), `column "kopi" holds 2 value(s) that are valid national IDs`)
	assert.NotContains(t, err.Error(), "15108695088")
	assertNoFile(t, out)
	// Allowed explicitly, it passes.
	cfg.AllowColumns = []string{"kopi"}
	_, err = linkage.Prepare(context.Background(), cfg)
	require.NoError(t, err)

	// A CSV delivery gets the kept rows as slices around a quarantined
	// row: the guard counts the delivered rows' IDs, and not those of the
	// quarantined row, which is not delivered.
	in3 := writeCSV(t, "fnr,date,kopi\n15108695088,2024-01-01,15108695088\n15108695087,2024-01-02,01010100158\n45014054018,2024-02-01,45014054018\n")
	out = filepath.Join(t.TempDir(), "out.csv")
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in3, Out: out, Key: key, IDColumn: "fnr"})
	require.ErrorAs(t, err, &leak)
	assert.Equal(t, "kopi", leak.Column)
	assert.EqualValues(t, 2, leak.Count)
	assertNoFile(t, out)

	// A renamed ID column is caught by its name.
	out = filepath.Join(t.TempDir(), "out.parquet")
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr"})
	require.ErrorAs(t, err, &leak)
	assert.True(t, leak.Name)
	assert.Equal(t, "personnummer", leak.Column)
	assertNoFile(t, out)

	// An ID planted inside free text stops the run too.
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr", Drop: []string{"personnummer"}})
	require.ErrorAs(t, err, &leak)
	assert.Equal(t, "note", leak.Column)
	assert.EqualValues(t, 1, leak.Count)
	assertNoFile(t, out)
	// Dropping it delivers.
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr", Drop: []string{"personnummer", "note"}})
	require.NoError(t, err)
}

func assertNoFile(t testing.TB, path string) {
	t.Helper()
	_, err := os.Stat(path)
	assert.True(t, os.IsNotExist(err), "%s exists", path)
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		assert.NotRegexp(t, `\.tmp$`, e.Name(), "temporary file left behind")
	}
}

func TestPrepareCancelled(t *testing.T) {
	data := synthData(t, formats.FormatCSV, 1000, 50_000)
	ctx, cancel := context.WithCancel(context.Background())
	out := filepath.Join(t.TempDir(), "out.parquet")
	cfg := basicConfig(testKey(t), filepath.Join(data, "patient.csv"), out)
	cfg.ReportPath = out + ".json"
	cfg.QuarantinePath = out + ".q.csv"
	cfg.Progress = func(p linkage.Progress) {
		if p.Rows > 10_000 {
			cancel()
		}
	}
	_, err := linkage.Prepare(ctx, cfg)
	require.ErrorIs(t, err, context.Canceled)
	assertNoFile(t, out)
	assertNoFile(t, cfg.ReportPath)
	assertNoFile(t, cfg.QuarantinePath)
}

func TestPrepareBadInput(t *testing.T) {
	key := testKey(t)
	in := writeCSV(t, "fnr,date,icd10,n\n15108695088,2024-01-01,C50,1\n")
	nums := filepath.Join(t.TempDir(), "typed.parquet")
	_, err := formats.Convert(context.Background(), in, nums, formats.ReadOptions{Types: map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64}}, formats.WriteOptions{})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		cfg  linkage.PrepareConfig
		want string
	}{
		{"missing ID column", linkage.PrepareConfig{In: in, IDColumn: "pnr"}, `ID column "pnr": no such column (it has "fnr", "date", "icd10", "n")`},
		{"unknown kept column", linkage.PrepareConfig{In: in, IDColumn: "fnr", Keep: []string{"nope"}}, `kept column "nope": no such column`},
		{"keep and drop", linkage.PrepareConfig{In: in, IDColumn: "fnr", Keep: []string{"date"}, Drop: []string{"icd10"}}, "not both"},
		{"not a date (strings)", linkage.PrepareConfig{In: in, IDColumn: "fnr", Shift: []string{"icd10"}, Window: 10}, `column "icd10" does not hold dates`},
		{"not a date (integers)", linkage.PrepareConfig{In: nums, IDColumn: "fnr", Shift: []string{"n"}, Window: 10}, `column "n" is int64, not a date`},
		{"bad window", linkage.PrepareConfig{In: in, IDColumn: "fnr", Shift: []string{"date"}, Window: 0}, "window must be between"},
		{"missing input", linkage.PrepareConfig{In: in + ".missing", IDColumn: "fnr"}, "in.csv.missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Key = key
			tc.cfg.Out = filepath.Join(t.TempDir(), "out.parquet")
			_, err := linkage.Prepare(context.Background(), tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assertNoFile(t, tc.cfg.Out)
		})
	}
}

// With recipients, the quarantine holds whole rows, encrypted: the IDs are
// there for the administrator, not in clear on disk.
func TestQuarantineRowsEncrypted(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	in := writeCSV(t, "fnr,x\n15108695077,a\n15108695088,b\n")
	dir := t.TempDir()
	cfg := linkage.PrepareConfig{In: in, Out: filepath.Join(dir, "o.csv"), Key: testKey(t), IDColumn: "fnr",
		QuarantinePath: filepath.Join(dir, "q.csv.age"), QuarantineRecipients: []age.Recipient{id.Recipient()}}
	rep, err := linkage.Prepare(context.Background(), cfg)
	require.NoError(t, err)
	assert.EqualValues(t, 1, rep.RowsQuarantine)
	raw, err := os.ReadFile(cfg.QuarantinePath)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "15108695077")
	dr, err := age.Decrypt(bytes.NewReader(raw), id)
	require.NoError(t, err)
	var plain bytes.Buffer
	plain.ReadFrom(dr)
	assert.Equal(t, "row,reason,column,input.fnr,input.x\n1,id-checksum,fnr,15108695077,a\n", plain.String())
}

func TestPrepareIntegerIDColumn(t *testing.T) {
	in := writeCSV(t, "fnr,v\n1010100158,a\n15108695088,b\n")
	typed := filepath.Join(t.TempDir(), "typed.arrow")
	_, err := formats.Convert(context.Background(), in, typed, formats.ReadOptions{Types: map[string]arrow.DataType{"fnr": arrow.PrimitiveTypes.Int64}}, formats.WriteOptions{})
	require.NoError(t, err)
	key := testKey(t)
	out := filepath.Join(t.TempDir(), "o.csv")
	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: typed, Out: out, Key: key, IDColumn: "fnr", SerialEncoding: pseudonym.EncodingInt64})
	require.NoError(t, err)
	got := table(t, out, map[string]arrow.DataType{"lnr": arrow.PrimitiveTypes.Int64})
	id, _ := pseudonym.Parse(pseudonym.Norway{}, "01010100158")
	assert.Equal(t, itoa64(key.Serials(pseudonym.SerialOptions{}).Compute(id).Int64()), got["lnr"][0])
}

func itoa64(v int64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Relative dates count from the row's own reference, or from the person's
// earliest date over the whole file (a first pass), across batches.
func TestPrepareRelative(t *testing.T) {
	in := writeCSV(t, "fnr,diag,event\n"+
		"15108695088,2024-01-10,2024-01-20\n"+
		"45014054018,2023-06-01,2023-05-01\n"+
		"15108695088,2023-12-31,2024-02-01\n"+
		"15108695088,,2024-03-01\n"+
		"45014054018,2023-05-30,\n")
	key := testKey(t)
	out := filepath.Join(t.TempDir(), "o.csv")
	_, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr",
		Read: formats.ReadOptions{BatchSize: 2},
		Relative: []linkage.Relative{
			{PersonFirst: []string{"diag"}, Columns: []string{"event"}},
			{Reference: "event", Columns: []string{"diag"}},
		}})
	require.NoError(t, err)
	got := table(t, out, nil)
	// Person 1's first diagnosis is 2023-12-31; person 2's is 2023-05-30.
	assert.Equal(t, []string{"20", "-29", "32", "61", ""}, got["event"])
	// diag relative to the same row's event.
	assert.Equal(t, []string{"-10", "31", "-32", "", ""}, got["diag"])

	_, err = linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out + "2", Key: key, IDColumn: "fnr",
		Relative: []linkage.Relative{{PersonFirst: []string{"nope"}, Columns: []string{"event"}}}})
	assert.ErrorContains(t, err, `reference date column "nope": no such column`)
}

// prepare on a file without a header row: the error names the problem and
// never the first record's ID.
func TestPrepareHeaderlessInput(t *testing.T) {
	in := writeCSV(t, "15108695088,2024-01-01,C50\n45014054018,2024-02-01,C18\n")
	out := filepath.Join(t.TempDir(), "o.parquet")
	_, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{In: in, Out: out, Key: testKey(t), IDColumn: "fnr"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "15108695088")
	assert.Contains(t, err.Error(), "does the file have a header row?")
	assertNoFile(t, out)
}
