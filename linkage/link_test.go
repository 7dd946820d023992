package linkage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
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

// The test identity whose recipient the plans in testdata/plans name.
const testIdentity = "AGE-SECRET-KEY-1UV4H88TXNSASU2FXYURD93FCJSNQV7KJ2MQM4E3SY6KZ74C2H8XS0WK89H"

// project lays out a plan's folder: the plan, synthetic data and the key.
func project(t *testing.T, plan string, persons int, seed uint64) (dir string, key *pseudonym.Key, id age.Identity) {
	dir = t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "plans", plan))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, plan), b, 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	cfg := synth.DefaultConfig()
	cfg.Persons, cfg.PatientRows, cfg.Format, cfg.BadIDs, cfg.Seed = persons, int64(persons)*8, formats.FormatParquet, 0.01, seed
	_, err = synth.Generate(filepath.Join(dir, "data"), cfg)
	require.NoError(t, err)
	identity, err := age.ParseX25519Identity(testIdentity)
	require.NoError(t, err)
	key, err = pseudonym.NewKey("heart-and-cancer-2026", bytes.Repeat([]byte{7}, 32), time.Unix(0, 0))
	require.NoError(t, err)
	f, err := os.Create(filepath.Join(dir, "project.key"))
	require.NoError(t, err)
	require.NoError(t, pseudonym.WriteKeyFile(f, key, identity.Recipient()))
	f.Close()
	return dir, key, identity
}

// truthRows returns a source's rows: canonical ID ("" if invalid) and the
// named columns.
func truthRows(t *testing.T, path string, cols ...string) (ids []string, values map[string][]string) {
	tab := table(t, path, nil)
	for _, s := range tab["fnr"] {
		id, r := (pseudonym.Norway{}).Parse([]byte(s))
		if r != pseudonym.ReasonNone {
			ids = append(ids, "")
			continue
		}
		ids = append(ids, string(id.AppendCanonical(nil)))
	}
	return ids, tab
}

// checkJoin verifies that delivered serials reproduce the person-level
// join on national IDs: every delivered row of a person carries one serial
// in every delivery, and no two persons share one. inSample says which
// persons are delivered. It returns the ID -> serial map.
func checkJoin(t *testing.T, dir string, p *linkage.Plan, sources []string, inSample func(id string) bool) map[string]string {
	serialOf := map[string]string{}
	idOf := map[string]string{}
	for _, name := range sources {
		ids, _ := truthRows(t, filepath.Join(dir, "data", name+".parquet"))
		out := table(t, p.DeliveryPath(name), nil)
		j := 0
		for _, id := range ids {
			if id == "" || !inSample(id) {
				continue
			}
			require.Less(t, j, len(out["lnr"]), "%s: fewer rows delivered than expected", name)
			s := out["lnr"][j]
			j++
			if prev, ok := serialOf[id]; ok {
				require.Equal(t, prev, s, "%s: a person has two serials", name)
			} else {
				serialOf[id] = s
			}
			if prev, ok := idOf[s]; ok {
				require.Equal(t, prev, id, "%s: two persons share a serial", name)
			} else {
				idOf[s] = id
			}
		}
		require.Equal(t, j, len(out["lnr"]), "%s: more rows delivered than expected", name)
	}
	return serialOf
}

func TestLinkDistributed(t *testing.T) {
	dir, key, _ := project(t, "distributed.toml", 1500, 1)
	p, err := linkage.LoadPlan(filepath.Join(dir, "distributed.toml"))
	require.NoError(t, err)
	rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.NoError(t, err)
	require.Len(t, rep.Sources, 3)
	serials := checkJoin(t, dir, p, []string{"cancer", "patient", "death"}, func(string) bool { return true })
	// The serials are the project serials every source computes alone.
	s := key.Serials(pseudonym.SerialOptions{})
	for canon, got := range serials {
		id, err := pseudonym.Parse(pseudonym.Norway{}, canon[3:])
		require.NoError(t, err)
		require.Equal(t, s.Compute(id).String(), got)
	}
	// One source alone gives the same delivery as in the full run.
	full, err := os.ReadFile(p.DeliveryPath("death"))
	require.NoError(t, err)
	os.Remove(p.DeliveryPath("death"))
	os.Remove(filepath.Join(filepath.Dir(p.DeliveryPath("death")), "death.report.json"))
	os.Remove(filepath.Join(filepath.Dir(p.DeliveryPath("death")), "death.quarantine.csv"))
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Source: "death"})
	require.NoError(t, err)
	alone, err := os.ReadFile(p.DeliveryPath("death"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(full, alone))
	assert.Contains(t, rep.Overlap, "cancer & death")
	lr, err := os.ReadFile(filepath.Join(filepath.Dir(p.DeliveryPath("cancer")), p.Project+".link-report.json"))
	require.NoError(t, err)
	assert.Contains(t, string(lr), `"cancer & death"`, "JSON without HTML escapes")
	assertNoIDsIn(t, filepath.Dir(p.DeliveryPath("cancer")), dir)
}

// sampleTruth computes the sample from the synthetic data directly.
func sampleTruth(t *testing.T, dir string, variant string) map[string]bool {
	sample := map[string]bool{}
	add := func(name string, pass func(tab map[string][]string, i int) bool) {
		ids, tab := truthRows(t, filepath.Join(dir, "data", name+".parquet"))
		for i, id := range ids {
			if id != "" && pass(tab, i) {
				sample[id] = true
			}
		}
	}
	all := func(map[string][]string, int) bool { return true }
	switch variant {
	case "a":
		add("cancer", all)
		add("death", all)
	case "b":
		from, _, _, _ := refdate.ParseDate([]byte("2010-01-01"))
		add("cancer", func(tab map[string][]string, i int) bool {
			d, _, _, ok := refdate.ParseDate([]byte(tab["diagnosis_date"][i]))
			return strings.HasPrefix(tab["icd10"][i], "C5") && ok && d >= from
		})
	}
	return sample
}

func readSerialKeyFile(t *testing.T, path string, id age.Identity) map[string]string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.NotContains(t, string(raw), "no:", "the serial key file is not in clear")
	dr, err := age.Decrypt(f, id)
	require.NoError(t, err)
	var b bytes.Buffer
	b.ReadFrom(dr)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.GreaterOrEqual(t, len(lines), 2)
	out := map[string]string{}
	for _, l := range lines[2:] {
		num, canon, _ := strings.Cut(l, ",")
		out[canon] = num
	}
	return out
}

// centralisedVariants are the centralised plans of testdata/plans, with
// the sample truth's variant and the sources they deliver.
var centralisedVariants = []struct {
	plan, variant string
	sources       []string
}{
	{"centralised-a.toml", "a", []string{"cancer", "death", "patient"}},
	{"centralised-b.toml", "b", []string{"cancer", "patient", "death"}},
}

func TestLinkCentralised(t *testing.T) {
	for _, tc := range centralisedVariants {
		t.Run(tc.variant, func(t *testing.T) {
			dir, key, identity := project(t, tc.plan, 3000, 1)
			p, err := linkage.LoadPlan(filepath.Join(dir, tc.plan))
			require.NoError(t, err)
			rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
			require.NoError(t, err)
			sample := sampleTruth(t, dir, tc.variant)
			require.NotEmpty(t, sample)
			assert.EqualValues(t, len(sample), rep.SamplePersons)
			// Outputs of every format read back as text for the join.
			serials := checkJoin(t, dir, p, tc.sources, func(id string) bool { return sample[id] })
			// The series is dense: 1..N over the sample.
			seen := map[int]bool{}
			for _, s := range serials {
				n, err := strconv.Atoi(s)
				require.NoError(t, err)
				require.True(t, n >= 1 && n <= len(sample), "serial %d outside 1..%d", n, len(sample))
				seen[n] = true
			}
			// The serial key file maps each person to the delivered serial.
			keyMap := readSerialKeyFile(t, rep.SerialKeyFile, identity)
			assert.Len(t, keyMap, len(sample))
			for id, s := range serials {
				assert.Equal(t, keyMap[id], s)
			}
			assertNoIDsIn(t, filepath.Dir(p.DeliveryPath("cancer")), dir)
			assertPublished(t, filepath.Join(filepath.Dir(p.DeliveryPath("cancer")), p.Project+".link-report.json"), 10, rep, linkage.LinkOptions{Key: key, SuppressBelow: 10, Overwrite: true}, p)
		})
	}
}

// assertPublished: the link report in the delivery shows no count from 1
// to k-1 (after a rerun with k), each count is a number or withheld with
// "suppressed": true, and the shown counts are the exact ones.
func assertPublished(t *testing.T, path string, k int, exact *linkage.LinkReport, opts linkage.LinkOptions, p *linkage.Plan) {
	t.Helper()
	_, err := linkage.Link(context.Background(), p, opts)
	require.NoError(t, err)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var rep struct {
		Suppression struct{ K int }
		Sources     []struct {
			Name     string
			RowsRead struct {
				Value      *int64
				Suppressed bool
			} `json:"rows_read"`
			Persons struct {
				Value      *int64
				Suppressed bool
			}
		}
		Overlap map[string]struct {
			Value      *int64
			Suppressed bool
		} `json:"overlap_persons"`
	}
	require.NoError(t, json.Unmarshal(raw, &rep))
	assert.Equal(t, k, rep.Suppression.K)
	var walk func(v any)
	counts, withheld := 0, 0
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if val, ok := v["value"]; ok {
				counts++
				if val == nil {
					withheld++
					assert.Equal(t, true, v["suppressed"], "a missing value is marked withheld")
				} else {
					n := val.(float64)
					assert.False(t, n >= 1 && n < float64(k), "a count of %v is shown, below k = %d", n, k)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	var generic any
	require.NoError(t, json.Unmarshal(raw, &generic))
	walk(generic)
	assert.Positive(t, counts)
	for i, s := range rep.Sources {
		if s.Persons.Value != nil {
			assert.Equal(t, exact.Sources[i].Persons, *s.Persons.Value, "%s: a shown count is exact", s.Name)
		}
	}
	for pair, c := range rep.Overlap {
		if c.Value != nil {
			assert.Equal(t, exact.Overlap[pair], *c.Value, "%s: a shown count is exact", pair)
		}
	}
}

// A delivery a year later keeps every earlier person's serial and numbers
// new persons from N+1.
func TestLinkNextDelivery(t *testing.T) {
	dir, key, identity := project(t, "centralised-a.toml", 2000, 1)
	p, err := linkage.LoadPlan(filepath.Join(dir, "centralised-a.toml"))
	require.NoError(t, err)
	first, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.NoError(t, err)
	before := readSerialKeyFile(t, first.SerialKeyFile, identity)
	nextYear(t, dir, 2600)
	p2, err := linkage.LoadPlan(filepath.Join(dir, "next.toml"))
	require.NoError(t, err)
	second, err := linkage.Link(context.Background(), p2, linkage.LinkOptions{Key: key, Identities: []age.Identity{identity}})
	require.NoError(t, err)
	after := readSerialKeyFile(t, second.SerialKeyFile, identity)
	require.Greater(t, len(after), len(before))
	assertNumbersKept(t, before, after, second)
	// The deliveries carry the stable serials.
	checkJoin(t, dir, p2, []string{"cancer", "death"}, func(string) bool { return true })
}

// nextYear regenerates the data a year later, the population grown to
// persons (the same seed keeps the earlier persons' IDs) with more rows,
// and writes next.toml: centralised-a.toml delivering to delivery-2027
// with the first delivery's serial key file as the previous one.
func nextYear(t *testing.T, dir string, persons int) {
	cfg := synth.DefaultConfig()
	cfg.Persons, cfg.PatientRows, cfg.Format, cfg.Seed, cfg.Overwrite = persons, int64(persons)*10, formats.FormatParquet, 1, true
	_, err := synth.Generate(filepath.Join(dir, "data"), cfg)
	require.NoError(t, err)
	plan2 := strings.Replace(mustRead(t, filepath.Join(dir, "centralised-a.toml")), `dir = "delivery-centralised-a"`,
		`dir = "delivery-2027"`+"\nprevious_serial_key = \"delivery-centralised-a/heart-and-cancer-2026.serial-key.age\"", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "next.toml"), []byte(plan2), 0o600))
}

// assertNumbersKept: every person of the first serial key file keeps their
// number in the second, and new persons are numbered after them.
func assertNumbersKept(t *testing.T, before, after map[string]string, second *linkage.LinkReport) {
	t.Helper()
	maxBefore := 0
	for id, s := range before {
		require.Equal(t, s, after[id], "a person's serial changed between deliveries")
		n, _ := strconv.Atoi(s)
		maxBefore = max(maxBefore, n)
	}
	for id, s := range after {
		if _, old := before[id]; !old {
			n, _ := strconv.Atoi(s)
			require.Greater(t, n, maxBefore, "a new person got an old number")
		}
	}
	assert.EqualValues(t, len(after)-len(before), second.NewPersons)
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestPlanRefused(t *testing.T) {
	_, err := linkage.LoadPlan(filepath.Join("..", "testdata", "plans", "refused-deidentified.toml"))
	var pe *linkage.PolicyError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "NOIS (infections) may not be linked with any other source")

	dir := t.TempDir()
	for name, plan := range map[string]string{
		"unknown key":  "project = \"p\"\nmode = \"distributed\"\nkey = \"k\"\ncolour = \"blue\"\n[[source]]\nname=\"a\"\nregister=\"NPR\"\npath=\"x\"\nid_column=\"fnr\"\n[output]\ndir=\"o\"\n",
		"pseudonymous": "project = \"p\"\nmode = \"distributed\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"Reseptregisteret\"\npath=\"x\"\nid_column=\"pseudonym\"\n[output]\ndir=\"o\"\n",
		"keeps the ID": "project = \"p\"\nmode = \"distributed\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"NPR\"\npath=\"x\"\nid_column=\"fnr\"\nkeep=[\"fnr\"]\n[output]\ndir=\"o\"\n",
		"no sample":    "project = \"p\"\nmode = \"centralised\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"NPR\"\npath=\"x\"\nid_column=\"fnr\"\n[output]\ndir=\"o\"\n",
		"bad register": "project = \"p\"\nmode = \"distributed\"\nkey = \"k\"\n[[source]]\nname=\"a\"\nregister=\"Atlantis\"\npath=\"x\"\nid_column=\"fnr\"\n[output]\ndir=\"o\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".toml")
			require.NoError(t, os.WriteFile(path, []byte(plan), 0o600))
			_, err := linkage.LoadPlan(path)
			require.Error(t, err)
			want := map[string]string{
				"unknown key":  `line 4: unknown key "colour"`,
				"pseudonymous": "store(s) a register pseudonym",
				"keeps the ID": "a delivery never carries national IDs",
				"no sample":    "centralised linkage needs a [sample]",
				"bad register": `register "Atlantis" is not in the catalogue`,
			}[name]
			assert.Contains(t, err.Error(), want)
		})
	}
}

// assertNoIDsIn checks every delivery file against every valid ID of the
// project's synthetic data.
func assertNoIDsIn(t *testing.T, deliveryDir, projectDir string) {
	var ids []string
	for _, name := range []string{"cancer", "patient", "death"} {
		tab := table(t, filepath.Join(projectDir, "data", name+".parquet"), nil)
		ids = append(ids, tab["fnr"]...)
	}
	assertNoIDs(t, deliveryDir, ids)
}

func TestPlanGraph(t *testing.T) {
	for _, plan := range []string{"distributed.toml", "centralised-a.toml", "centralised-b.toml"} {
		p, err := linkage.LoadPlan(filepath.Join("..", "testdata", "plans", plan))
		require.NoError(t, err)
		for _, format := range []string{"svg", "dot", "mermaid"} {
			var b bytes.Buffer
			require.NoError(t, p.WriteGraph(&b, format))
			out := b.String()
			for _, s := range p.Sources {
				assert.Contains(t, out, s.Name, "%s %s", plan, format)
			}
			switch format {
			case "svg":
				assert.True(t, strings.HasPrefix(out, "<svg xmlns=\"http://www.w3.org/2000/svg\""))
				assert.NotContains(t, out, "<script")
				assert.NotContains(t, out, "href=\"http", "self-contained")
			case "dot":
				assert.Contains(t, out, "digraph")
			case "mermaid":
				assert.Contains(t, out, "flowchart LR")
			}
			if p.Mode == linkage.Centralised {
				assert.Contains(t, out, "serial key file")
			}
		}
	}
}
