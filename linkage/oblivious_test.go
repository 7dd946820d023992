package linkage_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// directEvaluator stands for the service: the key holder's direct
// evaluation, counting what it was asked.
type directEvaluator struct {
	srv   *oprf.Server
	mu    sync.Mutex
	asked map[string]int
}

func newDirectEvaluator(t *testing.T, key *pseudonym.Key) *directEvaluator {
	srv, err := oprf.NewServer(key)
	require.NoError(t, err)
	return &directEvaluator{srv: srv, asked: map[string]int{}}
}

func (d *directEvaluator) Outputs(_ context.Context, inputs [][]byte) ([]oprf.Output, error) {
	out := make([]oprf.Output, len(inputs))
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, in := range inputs {
		o, err := d.srv.Output(in)
		if err != nil {
			return nil, err
		}
		out[i] = o
		d.asked[string(in)]++
	}
	return out, nil
}

// oprfPlan rewrites a plan of testdata/plans to take its serials from the
// service: no key; [serials.credentials] for the party that defines the
// sample, or each identified source's own credentials (distributed).
func oprfPlan(t *testing.T, dir, plan string, pub *oprf.PublicKey) *linkage.Plan {
	text := mustRead(t, filepath.Join(dir, plan))
	text = strings.Replace(text, `key = "project.key"`, "", 1)
	if strings.Contains(text, `mode = "distributed"`) {
		text = strings.ReplaceAll(text, `id_column = "fnr"`, `id_column = "fnr"`+"\n"+`credentials = { token_file = "token", date_key = "dates.age" }`)
		text = strings.ReplaceAll(text, `id_column = "pseudonym"`, `id_column = "pseudonym"`+"\n"+`credentials = { date_key = "dates.age" }`)
	}
	text += "\n[serials]\nsource = \"oprf\"\nserver = \"https://127.0.0.1:1\"\npublic_key = \"" + pub.String() + "\"\n" +
		"[serials.credentials]\ntoken_file = \"token\"\ndate_key = \"dates.age\"\n"
	path := filepath.Join(dir, "oprf-"+plan)
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	p, err := linkage.LoadPlan(path)
	require.NoError(t, err)
	return p
}

// TestLinkCentralisedOPRF: a centralised run with the service as key
// holder (SPEC.md §9.8) asks for the sample's persons only, once each,
// delivers the same join as with the key, and numbers the persons in the
// order of their OPRF ranks.
func TestLinkCentralisedOPRF(t *testing.T) {
	for _, tc := range centralisedVariants {
		t.Run(tc.variant, func(t *testing.T) {
			dir, key, identity := project(t, tc.plan, 2000, 1)
			ev := newDirectEvaluator(t, key)
			p := oprfPlan(t, dir, tc.plan, ev.srv.PublicKey())
			_, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
			assert.ErrorContains(t, err, "hold no project key")
			rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Evaluator: ev, DateKey: key.DateKey()})
			require.NoError(t, err)
			sample := sampleTruth(t, dir, tc.variant)
			require.NotEmpty(t, sample)
			assert.EqualValues(t, len(sample), rep.SamplePersons)
			assert.Len(t, ev.asked, len(sample), "the service evaluates the sample's persons only")
			for id, n := range ev.asked {
				assert.True(t, sample[id], "a person outside the sample was evaluated")
				assert.Equal(t, 1, n, "a person was evaluated more than once")
			}
			serials := checkJoin(t, dir, p, tc.sources, func(id string) bool { return sample[id] })
			// Numbers 1..N follow the OPRF ranks of the key holder's
			// direct evaluation.
			ids := make([]string, 0, len(sample))
			for id := range sample {
				ids = append(ids, id)
			}
			rank := func(id string) uint64 {
				o, err := ev.srv.Output([]byte(id))
				require.NoError(t, err)
				return o.Rank()
			}
			sort.Slice(ids, func(i, j int) bool { return rank(ids[i]) < rank(ids[j]) })
			keyMap := readSerialKeyFile(t, rep.SerialKeyFile, identity)
			require.Len(t, keyMap, len(sample))
			for i, id := range ids {
				require.Equal(t, strconv.Itoa(i+1), keyMap[id], "person ranked %d", i+1)
				if s, ok := serials[id]; ok {
					require.Equal(t, keyMap[id], s)
				}
			}
			assert.Equal(t, key.DateKey().Fingerprint, rep.KeyFingerprint)
			assertNoIDsIn(t, filepath.Dir(p.DeliveryPath("cancer")), dir)
		})
	}
}

// TestLinkNextDeliveryOPRF: a serial key file made with the project key
// is the previous file of a run with the service: every earlier person
// keeps their number, and only the new sample is evaluated.
func TestLinkNextDeliveryOPRF(t *testing.T) {
	dir, key, identity := project(t, "centralised-a.toml", 1500, 1)
	p, err := linkage.LoadPlan(filepath.Join(dir, "centralised-a.toml"))
	require.NoError(t, err)
	first, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.NoError(t, err)
	before := readSerialKeyFile(t, first.SerialKeyFile, identity)
	nextYear(t, dir, 2000)
	ev := newDirectEvaluator(t, key)
	p2 := oprfPlan(t, dir, "next.toml", ev.srv.PublicKey())
	second, err := linkage.Link(context.Background(), p2, linkage.LinkOptions{Evaluator: ev, DateKey: key.DateKey(), Identities: []age.Identity{identity}})
	require.NoError(t, err)
	after := readSerialKeyFile(t, second.SerialKeyFile, identity)
	sample := sampleTruth(t, dir, "a")
	assert.Len(t, ev.asked, len(sample), "only the new sample is evaluated")
	require.Greater(t, len(after), len(before))
	assertNumbersKept(t, before, after, second)
	checkJoin(t, dir, p2, []string{"cancer", "death"}, func(id string) bool { return sample[id] })
}

// TestPseudoregOPRF: the sample definer gets the request's serials from
// the service (SPEC.md §9.9) and the register shifts dates with the date
// key; neither holds the project key.
func TestPseudoregOPRF(t *testing.T) {
	for _, tc := range []struct{ plan, variant string }{{"pseudoreg-c.toml", "c"}, {"pseudoreg-d.toml", "d"}} {
		t.Run(tc.variant, func(t *testing.T) {
			dir, key, _ := project(t, tc.plan, 1500, 1)
			ev := newDirectEvaluator(t, key)
			p := oprfPlan(t, dir, tc.plan, ev.srv.PublicKey())
			ps := newParties(t)
			req := filepath.Join(dir, "request.age")
			_, err := linkage.Request(context.Background(), linkage.RequestConfig{Plan: p, PlanFile: p.File(), Key: key, Administrator: []age.Recipient{ps.admin.Recipient()}, Out: req})
			require.ErrorContains(t, err, "hold no project key")
			n, err := linkage.Request(context.Background(), linkage.RequestConfig{Plan: p, PlanFile: p.File(), Evaluator: ev, Administrator: []age.Recipient{ps.admin.Recipient()}, Out: req})
			require.NoError(t, err)
			sample := map[string]bool{}
			for _, name := range []string{"cancer", "death"} {
				if name == "death" && tc.variant == "d" {
					continue
				}
				ids, _ := truthRows(t, filepath.Join(dir, "data", name+".parquet"))
				for _, id := range ids {
					if id != "" {
						sample[id] = true
					}
				}
			}
			assert.Equal(t, len(sample), n)
			assert.Len(t, ev.asked, n, "the service evaluates the sample's persons, once each")
			// The request pairs each ID with its OPRF serial.
			pairs := decryptPairs(t, req, ps.admin)
			require.Len(t, pairs, n)
			for id, s := range pairs {
				want, err := ev.srv.Serial([]byte(id))
				require.NoError(t, err)
				require.Equal(t, want.String(), s)
			}
			fp, err := linkage.PlanFingerprint(p.File())
			require.NoError(t, err)
			regKey, err := synth.RegisterKey(filepath.Join(dir, "data"))
			require.NoError(t, err)
			answer := filepath.Join(dir, "answer.age")
			_, err = linkage.Translate(linkage.TranslateConfig{Request: req, Project: p.Project, Plan: fp, Identities: []age.Identity{ps.admin},
				RegisterKey: regKey, Register: []age.Recipient{ps.register.Recipient()}, Out: answer})
			require.NoError(t, err)
			x := linkage.ExtractConfig{Plan: p, PlanFile: p.File(), Source: "prescription", Answer: answer, Request: req, Identities: []age.Identity{ps.register}}
			_, _, err = linkage.Extract(context.Background(), x)
			require.ErrorContains(t, err, "date key", "shifting dates needs the date key")
			x.DateKey = key.DateKey()
			rep, _, err := linkage.Extract(context.Background(), x)
			require.NoError(t, err)
			require.Positive(t, rep.RowsWritten)
			requested := map[string]bool{}
			for _, s := range pairs {
				requested[s] = true
			}
			for _, s := range table(t, p.DeliveryPath("prescription"), nil)["lnr"] {
				require.True(t, requested[s], "a delivered serial is one of the request's")
			}
		})
	}
}

// decryptPairs reads a request's (canonical ID, serial) pairs.
func decryptPairs(t *testing.T, path string, id age.Identity) map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := age.Decrypt(f, id)
	require.NoError(t, err)
	var b bytes.Buffer
	_, err = b.ReadFrom(r)
	require.NoError(t, err)
	_, body, ok := strings.Cut(b.String(), "\n\n")
	require.True(t, ok)
	out := map[string]string{}
	pair := regexp.MustCompile(`^([a-z]{2}:[^,]+),([0-9A-Z]{16})$`)
	for _, line := range strings.Split(strings.TrimSpace(body), "\n") {
		m := pair.FindStringSubmatch(line)
		require.NotNil(t, m, "a request line is (canonical ID, base32 serial)")
		out[m[1]] = m[2]
	}
	return out
}
