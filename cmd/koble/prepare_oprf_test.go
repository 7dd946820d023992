package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// writeRegister writes a CSV register of persons, each in rows rows, one
// invalid ID, and returns the distinct valid IDs.
func writeIDRegister(t *testing.T, path string, persons, rows int) []string {
	ids := testids.Norwegian(persons)
	var b strings.Builder
	b.WriteString("fnr,admit_date,ward\n")
	for r := range rows {
		for i, id := range ids {
			fmt.Fprintf(&b, "%s,2020-%02d-%02d,w%d\n", id, 1+r%12, 1+i%28, i%3)
		}
	}
	b.WriteString("12345678901,2020-01-01,w0\n")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return ids
}

func readCSV(t *testing.T, path string) [][]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// directSerials are the serials the key holder computes with the project
// key (circl's FullEvaluate, then HKDF), base32.
func (s *served) directSerials(t *testing.T, ids []string) map[string]bool {
	raw, err := os.ReadFile(s.identity)
	require.NoError(t, err)
	idents, err := age.ParseIdentities(strings.NewReader(string(raw)))
	require.NoError(t, err)
	f, err := os.Open(s.keyFile)
	require.NoError(t, err)
	defer f.Close()
	key, err := pseudonym.ReadKeyFile(f, idents...)
	require.NoError(t, err)
	defer key.Close()
	srv, err := oprf.NewServer(key)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, s := range ids {
		id, err := pseudonym.Parse(pseudonym.Norway{}, s)
		require.NoError(t, err)
		ser, err := srv.Serial(id.AppendCanonical(nil))
		require.NoError(t, err)
		out[string(pseudonym.EncodingBase32.Append(nil, ser))] = true
	}
	return out
}

// TestPrepareOPRF: a source without the project key prepares a register
// with serials from 'koble serve': the serials are the key holder's, dates
// shift with the exported date key, each person is evaluated once, the
// run is reproducible, and a refusal writes nothing.
func TestPrepareOPRF(t *testing.T) {
	s := startServe(t, 1000)
	dir := t.TempDir()
	in := filepath.Join(dir, "npr.csv")
	ids := writeIDRegister(t, in, 40, 3)
	dateKey := filepath.Join(dir, "npr.datekey")
	id, err := os.ReadFile(s.identity)
	require.NoError(t, err)
	ident, err := age.ParseX25519Identity(strings.TrimSpace(string(id)))
	require.NoError(t, err)
	mustKoble(t, "key", "export", s.keyFile, "--identity", s.identity, "--purpose", "dates", "--out", dateKey,
		"--recipient", ident.Recipient().String())
	prepare := func(out string, extra ...string) (int, string) {
		// The folder exists, so that only the file's name is checked for
		// IDs, not the temporary folder's random digits.
		require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
		args := append([]string{"prepare", "--in", in, "--out", out, "--id-column", "fnr",
			"--shift-dates", "admit_date", "--window", "30", "--date-key", dateKey, "--identity", s.identity,
			"--report", out + ".report.json", "--quarantine", out + ".quarantine.csv"}, s.sourceFlags()...)
		code, _, errs := inProcess(t, append(args, extra...)...)
		return code, errs
	}
	out1 := filepath.Join(dir, "d1", "npr.csv")
	code, errs := prepare(out1, "--oprf-batch-size", "7", "--oprf-in-flight", "3", "--workers", "2")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, errs, "serials from the oprf service, project p1, public key "+s.pub)
	rows := readCSV(t, out1)
	require.Len(t, rows, 1+40*3)
	want := s.directSerials(t, ids)
	got := map[string]bool{}
	for _, r := range rows[1:] {
		assert.True(t, want[r[0]], "the service's serial is the key holder's")
		got[r[0]] = true
	}
	assert.Len(t, got, 40)
	// Each person was evaluated once: the audit log counts 40.
	assert.Positive(t, s.auditRecords(t))
	audit, err := os.ReadFile(s.audit)
	require.NoError(t, err)
	var evaluated int
	for _, line := range strings.Split(strings.TrimSpace(string(audit)), "\n") {
		var n int
		if i := strings.Index(line, `"count":`); i >= 0 {
			fmt.Sscanf(line[i+len(`"count":`):], "%d", &n)
		}
		evaluated += n
	}
	assert.Equal(t, 40, evaluated, "one evaluation a distinct person")
	assert.NotContains(t, string(audit), ids[0])

	// Another run (other batching, one worker) gives the same bytes.
	out2 := filepath.Join(dir, "d2", "npr.csv")
	code, errs = prepare(out2, "--workers", "1")
	require.Equal(t, 0, code, errs)
	b1, _ := os.ReadFile(out1)
	b2, _ := os.ReadFile(out2)
	assert.Equal(t, b1, b2, "deterministic whatever the batching")
}

// TestPrepareOPRFRefused: a quota or credential refusal stops the run
// with a clear error, exit 1, and nothing written.
func TestPrepareOPRFRefused(t *testing.T) {
	s := startServe(t, 1000)
	dir := t.TempDir()
	in := filepath.Join(dir, "npr.csv")
	writeIDRegister(t, in, 30, 1)
	badToken := filepath.Join(dir, "bad.token")
	require.NoError(t, os.WriteFile(badToken, []byte("not-a-token-it-knows\n"), 0o600))
	cases := []struct {
		name, token string
		msgs        []string
	}{
		{"quota", s.smallToken, []string{"403", "quota exceeded", "the administrator sets grants and quotas"}},
		{"unknown token", badToken, []string{"401", "unknown token"}},
	}
	for _, c := range cases {
		out := filepath.Join(dir, c.name, "npr.csv")
		require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
		args := append([]string{"prepare", "--in", in, "--out", out, "--id-column", "fnr", "--report", out + ".report.json"}, s.sourceFlags()...)
		args = append(args, "--token-file", c.token, "--oprf-batch-size", "5")
		code, _, errs := inProcess(t, args...)
		assert.Equal(t, 1, code, c.name)
		for _, m := range c.msgs {
			assert.Contains(t, errs, m, c.name)
		}
		entries, _ := os.ReadDir(filepath.Dir(out))
		assert.Empty(t, entries, "%s: nothing written", c.name)
	}
	// Usage errors: shifting without the date key, --key with oprf.
	code, _, errs := inProcess(t, append([]string{"prepare", "--in", in, "--out", filepath.Join(dir, "x.csv"), "--id-column", "fnr",
		"--shift-dates", "admit_date", "--window", "9"}, s.sourceFlags()...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "needs --date-key")
	code, _, errs = inProcess(t, append([]string{"prepare", "--in", in, "--out", filepath.Join(dir, "x.csv"), "--id-column", "fnr",
		"--key", s.keyFile}, s.sourceFlags()...)...)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "takes no --key")
}

// TestLinkPlanOPRF: a distributed plan with [serials] source = "oprf":
// each source runs its part with its credentials from the plan, holds no
// project key, and two sources' serials of the same persons agree.
func TestLinkPlanOPRF(t *testing.T) {
	s := startServe(t, 1000)
	dir := t.TempDir()
	ids := writeIDRegister(t, filepath.Join(dir, "npr.csv"), 25, 2)
	writeIDRegister(t, filepath.Join(dir, "cancer.csv"), 10, 1)
	id, err := os.ReadFile(s.identity)
	require.NoError(t, err)
	ident, err := age.ParseX25519Identity(strings.TrimSpace(string(id)))
	require.NoError(t, err)
	mustKoble(t, "key", "export", s.keyFile, "--identity", s.identity, "--purpose", "dates", "--out", filepath.Join(dir, "dates.key"),
		"--recipient", ident.Recipient().String())
	plan := fmt.Sprintf(`project = "p1"
mode = "distributed"

[serials]
source = "oprf"
server = %q
public_key = %q
server_ca = %q
batch_size = 6

[[source]]
name = "patient"
register = "Norsk pasientregister"
path = "npr.csv"
id_column = "fnr"
dates = { shift = ["admit_date"], window = 30 }
credentials = { token_file = %q, date_key = "dates.key" }

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "cancer.csv"
id_column = "fnr"
credentials = { client_cert = %q, client_key = %q }

[output]
dir = "out"
format = "csv"
`, s.url, s.pub, s.ca, s.tokenFile, filepath.Join(s.dir, "pki", "registry.crt"), filepath.Join(s.dir, "pki", "registry.key"))
	planPath := filepath.Join(dir, "plan.toml")
	require.NoError(t, os.WriteFile(planPath, []byte(plan), 0o644))

	code, _, errs := inProcess(t, "link", planPath)
	assert.Equal(t, 2, code, "a whole-plan run has no one source's credentials")
	assert.Contains(t, errs, "--source NAME")
	for _, src := range []string{"patient", "cancer"} {
		code, _, errs = inProcess(t, "link", planPath, "--source", src, "--identity", s.identity)
		require.Equal(t, 0, code, "%s: %s", src, errs)
	}
	want := s.directSerials(t, ids)
	persons := map[string]map[string]bool{}
	for _, src := range []string{"patient", "cancer"} {
		persons[src] = map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(dir, "out", "*"+src+"*.csv"))
		var rows [][]string
		for _, f := range files {
			if !strings.Contains(f, "quarantine") {
				rows = readCSV(t, f)
			}
		}
		require.NotEmpty(t, rows, src)
		for _, r := range rows[1:] {
			assert.True(t, want[r[0]], "%s: the key holder's serial", src)
			persons[src][r[0]] = true
		}
	}
	assert.Len(t, persons["patient"], 25)
	assert.Len(t, persons["cancer"], 10)
	for p := range persons["cancer"] {
		assert.True(t, persons["patient"][p], "the same person has the same serial in both sources")
	}
}
