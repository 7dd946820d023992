package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// The centralised linker and the pseudonymous-register flow with 'koble
// serve' as their key holder (SPEC.md §9.8, §9.9), end to end.

// adminIdentity returns the administrator's identity of an in-process
// service (it also opens the project key file).
func (s *served) adminIdentity(t *testing.T) *age.X25519Identity {
	raw, err := os.ReadFile(s.identity)
	require.NoError(t, err)
	id, err := age.ParseX25519Identity(strings.TrimSpace(string(raw)))
	require.NoError(t, err)
	return id
}

// oprfServer is the key holder's direct evaluator of the service's project.
func (s *served) oprfServer(t *testing.T) *oprf.Server {
	f, err := os.Open(s.keyFile)
	require.NoError(t, err)
	defer f.Close()
	key, err := pseudonym.ReadKeyFile(f, s.adminIdentity(t))
	require.NoError(t, err)
	defer key.Close()
	srv, err := oprf.NewServer(key)
	require.NoError(t, err)
	return srv
}

// assertAuditClean: the audit log's chain holds, its granted records
// count exactly granted evaluations, and it holds none of the IDs, in any
// form.
func (s *served) assertAuditClean(t *testing.T, granted int, ids []string) {
	t.Helper()
	s.auditRecords(t)
	raw, err := os.ReadFile(s.audit)
	require.NoError(t, err)
	log := string(raw)
	for _, id := range ids {
		require.NotContains(t, log, id, "the audit log holds an ID")
	}
	assert.NotContains(t, log, "no:", "the audit log holds a canonical ID")
	total := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var n int
		if strings.Contains(sc.Text(), `"status":200`) {
			_, after, _ := strings.Cut(sc.Text(), `"count":`)
			_, err := fmt.Sscanf(after, "%d", &n)
			require.NoError(t, err)
			total += n
		}
	}
	assert.Equal(t, granted, total, "the service evaluated exactly the sample's persons")
}

// exportDates writes the project's date-key file for recipient.
func (s *served) exportDates(t *testing.T, path string, recipient age.Recipient) {
	mustKoble(t, "key", "export", s.keyFile, "--identity", s.identity, "--purpose", "dates", "--out", path,
		"--recipient", recipient.(*age.X25519Recipient).String())
}

// TestLinkCentralisedServe: a centralised linkage (variants a and b) whose
// linker holds no project key numbers the sample in the order of the
// service's OPRF outputs, evaluates the sample's persons only, and leaves
// no ID in the service's audit log.
func TestLinkCentralisedServe(t *testing.T) {
	for _, tc := range []struct{ variant, rule, sources string }{
		{"a", "union", `sources = ["cancer", "death"]`},
		{"b", "cancer", ""},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			s := startServe(t, 1000)
			dir := t.TempDir()
			planPath, ids := centralPlan(t, s, dir, tc.rule, tc.sources, s.tokenFile)
			admin := s.adminIdentity(t)
			code, out, errs := inProcess(t, "link", planPath, "--identity", s.identity)
			require.Equal(t, 0, code, errs)
			n := 16
			if tc.variant == "b" {
				n = 10
			}
			assert.Contains(t, out+errs, fmt.Sprintf("%d persons, %d new serials", n, n))
			// The serial key file numbers the sample 1..n in the order of
			// the key holder's direct ranks.
			srv := s.oprfServer(t)
			sample := ids[:n]
			canon := make([]string, n)
			for i, id := range sample {
				canon[i] = "no:" + id
			}
			rank := func(c string) uint64 {
				o, err := srv.Output([]byte(c))
				require.NoError(t, err)
				return o.Rank()
			}
			sort.Slice(canon, func(i, j int) bool { return rank(canon[i]) < rank(canon[j]) })
			numbers := readSerialKey(t, filepath.Join(dir, "out", "p1.serial-key.age"), admin)
			require.Len(t, numbers, n)
			for i, c := range canon {
				assert.Equal(t, strconv.Itoa(i+1), numbers[c], "the person ranked %d", i+1)
			}
			// Every delivered row carries a number of the series.
			rows := readCSV(t, filepath.Join(dir, "out", "patient.csv"))
			assert.Len(t, rows, 1+2*n, "the sample's rows only")
			for _, r := range rows[1:] {
				k, err := strconv.Atoi(r[0])
				require.NoError(t, err)
				assert.True(t, k >= 1 && k <= n)
			}
			s.assertAuditClean(t, n, ids)
		})
	}
}

// centralPlan writes three CSV registers (patient: 30 persons, cancer:
// the first 10, death: the first 16), the date-key file and a centralised
// plan with the service as key holder and the linker's token file; it
// returns the plan and the patient register's IDs.
func centralPlan(t *testing.T, s *served, dir, rule, sources, token string) (string, []string) {
	ids := writeIDRegister(t, filepath.Join(dir, "npr.csv"), 30, 2)
	writeIDRegister(t, filepath.Join(dir, "cancer.csv"), 10, 1)
	writeIDRegister(t, filepath.Join(dir, "death.csv"), 16, 1)
	admin := s.adminIdentity(t)
	s.exportDates(t, filepath.Join(dir, "dates.key"), admin.Recipient())
	plan := fmt.Sprintf(`project = "p1"
mode = "centralised"

[sample]
rule = %q
%s

[serials]
source = "oprf"
server = %q
public_key = %q
server_ca = %q
batch_size = 7
credentials = { token_file = %q, date_key = "dates.key" }

[[source]]
name = "patient"
register = "Norsk pasientregister"
path = "npr.csv"
id_column = "fnr"
dates = { shift = ["admit_date"], window = 30 }

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "cancer.csv"
id_column = "fnr"

[[source]]
name = "death"
register = "Dødsårsaksregisteret"
path = "death.csv"
id_column = "fnr"

[output]
dir = "out"
format = "csv"
serial_key_recipients = [%q]
`, rule, sources, s.url, s.pub, s.ca, token, admin.Recipient().String())
	planPath := filepath.Join(dir, "plan.toml")
	require.NoError(t, os.WriteFile(planPath, []byte(plan), 0o644))
	return planPath, ids
}

// readSerialKey decrypts a serial key file: canonical ID -> number.
func readSerialKey(t *testing.T, path string, id age.Identity) map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := age.Decrypt(f, id)
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = b.ReadFrom(r)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	out := map[string]string{}
	for _, l := range lines[2:] {
		num, canon, _ := strings.Cut(l, ",")
		out[canon] = num
	}
	return out
}

// TestPseudoregServe: the pseudonymous-register flow (variants c and d)
// from the plan's party steps, with the service as key holder: the
// definer asks the service for the sample's persons only, the register
// shifts dates with the date key, neither holds the project key, and the
// register delivers its rows of the sample labelled with the serials the
// key holder computes.
func TestPseudoregServe(t *testing.T) {
	for _, tc := range []struct {
		variant, sample string
		n               int
	}{
		{"c", "rule = \"union\"\nsources = [\"cancer\", \"death\"]", 16},
		{"d", `rule = "cancer"`, 10},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			s := startServe(t, 1000)
			dir := t.TempDir()
			ids := writeIDRegister(t, filepath.Join(dir, "rx-ids.csv"), 30, 2)
			writeIDRegister(t, filepath.Join(dir, "cancer.csv"), 10, 1)
			writeIDRegister(t, filepath.Join(dir, "death.csv"), 16, 1)
			admin := s.adminIdentity(t)
			register, err := age.GenerateX25519Identity()
			require.NoError(t, err)
			definer, err := age.GenerateX25519Identity()
			require.NoError(t, err)
			regIdentity := filepath.Join(dir, "register.identity")
			require.NoError(t, os.WriteFile(regIdentity, []byte(register.String()+"\n"), 0o600))
			// The register's own data carry its pseudonyms, made with the
			// register key the administrator holds.
			mustKoble(t, "keygen", "--project", "reseptregisteret", "--out", filepath.Join(dir, "register.key"), "--recipient", admin.Recipient().String())
			mustKoble(t, "prepare", "--key", filepath.Join(dir, "register.key"), "--identity", s.identity, "--in", filepath.Join(dir, "rx-ids.csv"),
				"--out", filepath.Join(dir, "rx.csv"), "--id-column", "fnr", "--serial-column", "pseudonym")
			s.exportDates(t, filepath.Join(dir, "dates.key"), register.Recipient())
			plan := fmt.Sprintf(`project = "p1"
mode = "distributed"

[sample]
%s

[serials]
source = "oprf"
server = %q
public_key = %q
server_ca = %q
credentials = { token_file = %q }

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "cancer.csv"
id_column = "fnr"
credentials = { token_file = %q }

[[source]]
name = "death"
register = "Dødsårsaksregisteret"
path = "death.csv"
id_column = "fnr"
credentials = { token_file = %q }

[[source]]
name = "prescription"
register = "Reseptregisteret"
path = "rx.csv"
id_column = "pseudonym"
dates = { shift = ["admit_date"], window = 30 }
credentials = { date_key = "dates.key" }

[pseudoreg]
administrator = %q
register = %q
definer = %q
register_key = "register.key"

[output]
dir = "out"
format = "csv"
`, tc.sample, s.url, s.pub, s.ca, s.tokenFile, s.tokenFile, s.tokenFile, admin.Recipient().String(), register.Recipient().String(), definer.Recipient().String())
			planPath := filepath.Join(dir, "plan.toml")
			require.NoError(t, os.WriteFile(planPath, []byte(plan), 0o644))
			mustKoble(t, "plan", "check", planPath)
			mustKoble(t, "link", planPath, "--party", "definer")
			mustKoble(t, "link", planPath, "--party", "administrator", "--identity", s.identity)
			// The register's dates need the date key.
			code, _, errs := inProcess(t, "link", planPath, "--party", "register", "--identity", regIdentity)
			require.Equal(t, 0, code, errs)
			want := s.directSerials(t, ids[:tc.n])
			rows := readCSV(t, filepath.Join(dir, "out", "prescription.csv"))
			require.Len(t, rows, 1+2*tc.n, "the sample's rows only")
			got := map[string]bool{}
			for _, r := range rows[1:] {
				require.True(t, want[r[0]], "the key holder's serial")
				got[r[0]] = true
			}
			assert.Len(t, got, tc.n)
			s.assertAuditClean(t, tc.n, ids)
		})
	}
}

// TestLinkCentralisedServeRefused: a linker whose quota is smaller than
// the sample is refused by the service, exit 1, and nothing is delivered;
// the refusal is in the audit log.
func TestLinkCentralisedServeRefused(t *testing.T) {
	s := startServe(t, 1000)
	dir := t.TempDir()
	planPath, _ := centralPlan(t, s, dir, "union", `sources = ["cancer", "death"]`, s.smallToken)
	code, _, errs := inProcess(t, "link", planPath, "--identity", s.identity)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "403")
	assert.Contains(t, errs, "quota")
	matches, _ := filepath.Glob(filepath.Join(dir, "out", "*"))
	assert.Empty(t, matches, "nothing delivered")
	assert.Positive(t, s.auditRecords(t))
}
