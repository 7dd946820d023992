package linkage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/risk"
)

// riskInput is a synthetic patient registry (CSV) with planted rare
// combinations: one person's extra row in a municipality nobody else has,
// and a second person's in two.
func riskInput(t *testing.T) string {
	in := filepath.Join(synthData(t, formats.FormatCSV, 300, 2000), "patient.csv")
	b, err := os.ReadFile(in)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var ids []string
	for _, l := range lines[1:] {
		if id := strings.Split(l, ",")[0]; len(id) == 11 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	require.Greater(t, len(ids), 2)
	planted := []string{
		ids[0] + ",2021-01-01,2021-01-02,2021-02-01,1950-01-01,C50.1,Helse Førde,2100",
		ids[1] + ",2021-01-01,2021-01-02,2021-02-01,1950-01-01,C50.1,Helse Førde,2100",
		ids[1] + ",2021-01-05,2021-01-06,2021-02-01,1950-01-01,C50.1,Helse Førde,2111",
	}
	require.NoError(t, os.WriteFile(in, []byte(strings.Join(append(lines, planted...), "\n")+"\n"), 0o600))
	return in
}

// bruteRisk computes the figures of mode combination straight from
// delivered files joined on the serial: each person's set of values per
// quasi-identifier, over the files that have it.
func bruteRisk(t *testing.T, paths []string, qi []string, k int) (persons, classes, atRisk, uniques int64) {
	sets := map[string][]map[string]bool{}
	for _, path := range paths {
		tab := table(t, path, nil)
		for i, serial := range tab["lnr"] {
			if sets[serial] == nil {
				for range qi {
					sets[serial] = append(sets[serial], map[string]bool{})
				}
			}
			for q, col := range qi {
				if vals, ok := tab[col]; ok {
					sets[serial][q][vals[i]] = true
				}
			}
		}
	}
	keyOf := map[string]string{}
	size := map[string]int64{}
	for serial, s := range sets {
		var parts []string
		for _, vals := range s {
			parts = append(parts, fmt.Sprint(len(vals))+":"+strings.Join(slices.Sorted(func(yield func(string) bool) {
				for v := range vals {
					if !yield(v) {
						return
					}
				}
			}), "\x1e"))
		}
		keyOf[serial] = strings.Join(parts, "\x1f")
		size[keyOf[serial]]++
	}
	for _, key := range keyOf {
		if size[key] < int64(k) {
			atRisk++
		}
		if size[key] == 1 {
			uniques++
		}
	}
	return int64(len(sets)), int64(len(size)), atRisk, uniques
}

// TestRiskGate: a delivery with planted rare combinations is refused and
// leaves nothing; with a reason it is delivered, and the manifest records
// the reason and the figures, which match a brute-force count on the
// delivered file, with counts from 1 to k-1 withheld.
func TestRiskGate(t *testing.T) {
	key := testKey(t)
	in := riskInput(t)
	qi := []string{"municipality", "hospital"}
	check := func(accept string) *linkage.RiskCheck {
		return &linkage.RiskCheck{Config: risk.Config{QI: qi, K: 5}, Accept: accept}
	}

	refusedDir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(refusedDir, "npr.parquet"))
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{Risk: check("")})
	var refused *linkage.RiskRefusedError
	require.True(t, errors.As(err, &refused), "refused: %v", err)
	assert.Contains(t, err.Error(), "municipality, hospital")
	assert.Contains(t, err.Error(), "--accept-risk")
	left, err := os.ReadDir(refusedDir)
	require.NoError(t, err)
	assert.Empty(t, left, "a refused delivery leaves nothing")

	dir := t.TempDir()
	cfg = basicConfig(key, in, filepath.Join(dir, "npr.parquet"))
	c := check("approved by the ethics committee")
	_, done, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{Risk: c})
	require.NoError(t, err)
	m, err := delivery.ReadManifest(done.Manifest)
	require.NoError(t, err)
	require.NotNil(t, m.Risk)
	assert.False(t, m.Risk.Pass)
	assert.Equal(t, "approved by the ethics committee", m.Risk.AcceptedReason)
	assert.Equal(t, qi, m.Risk.QI)

	persons, classes, atRisk, uniques := bruteRisk(t, []string{cfg.Out}, qi, 5)
	require.NotZero(t, uniques, "the planted persons are alone")
	res := c.Result
	assert.Equal(t, []int64{persons, classes, atRisk, uniques}, []int64{res.Persons, res.Classes, res.AtRisk, res.SampleUniques})
	assertRiskPublished(t, m.Risk, res, []int64{persons, classes, atRisk, uniques})
	vc, err := delivery.VerifyManifest(done.Manifest)
	require.NoError(t, err)
	assert.Empty(t, vc.Problems)
	_, err = os.Stat(filepath.Join(dir, "npr.parquet.risk.json"))
	require.NoError(t, err, "the researcher-facing risk report is delivered")
}

// assertPublished checks the manifest's figures against brute-force
// persons, classes, at risk and uniques: exact, or withheld from 1 to 4.
func assertRiskPublished(t *testing.T, rec *delivery.Risk, res *risk.Result, want []int64) {
	published := map[string]delivery.RiskFigure{}
	for _, f := range rec.Figures {
		require.NotEmpty(t, f.Meaning, "every figure is explained")
		published[f.Name] = f
	}
	for name, want := range map[string]int64{"persons": want[0], "classes": want[1], "at_risk": want[2], "sample_uniques": want[3], "smallest_class": res.SmallestClass} {
		f := published[name]
		if want > 0 && want < 5 {
			assert.True(t, f.Suppressed, "%s = %d is withheld", name, want)
			assert.Nil(t, f.Value)
			continue
		}
		require.NotNil(t, f.Value, name)
		assert.Equal(t, float64(want), *f.Value, name)
	}
}

// TestRiskGateJoined: a linkage plan's run is measured on the view a
// researcher forms by joining the deliveries on the serial (morphology
// from the cancer registry, the underlying cause from the death
// registry): refused, leaving nothing, then accepted with the figures of
// a brute-force join.
func TestRiskGateJoined(t *testing.T) {
	dir, key, _ := project(t, "distributed.toml", 600, 5)
	p, err := linkage.LoadPlan(filepath.Join(dir, "distributed.toml"))
	require.NoError(t, err)
	qi := []string{"morphology", "underlying_cause"}
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Risk: &linkage.RiskCheck{Config: risk.Config{QI: qi, K: 10}}})
	var refused *linkage.RiskRefusedError
	require.True(t, errors.As(err, &refused), "refused: %v", err)
	assert.Contains(t, err.Error(), "joined view")
	_, err = os.Stat(p.DeliveryPath("cancer"))
	assert.True(t, os.IsNotExist(err), "a refused run leaves nothing")

	c := &linkage.RiskCheck{Config: risk.Config{QI: qi, K: 10}, Accept: "aggregate study, approved"}
	rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Risk: c})
	require.NoError(t, err)
	m, err := delivery.ReadManifest(rep.Manifest)
	require.NoError(t, err)
	require.NotNil(t, m.Risk)
	assert.Equal(t, []string{"cancer", "patient", "death"}, m.Risk.Sources)
	assert.Equal(t, "aggregate study, approved", m.Risk.AcceptedReason)
	var paths []string
	for _, s := range []string{"cancer", "patient", "death"} {
		paths = append(paths, p.DeliveryPath(s))
	}
	persons, classes, atRisk, uniques := bruteRisk(t, paths, qi, 10)
	res := c.Result
	assert.Equal(t, []int64{persons, classes, atRisk, uniques}, []int64{res.Persons, res.Classes, res.AtRisk, res.SampleUniques})
	assertRiskPublished(t, m.Risk, res, []int64{persons, classes, atRisk, uniques})
}

// TestRiskGateUnknownColumn: a quasi-identifier that is not delivered is
// an error naming it, not a pass.
func TestRiskGateUnknownColumn(t *testing.T) {
	key := testKey(t)
	in := riskInput(t)
	dir := t.TempDir()
	cfg := basicConfig(key, in, filepath.Join(dir, "npr.parquet"))
	cfg.Drop = []string{"hospital"}
	_, _, err := linkage.PrepareDelivery(context.Background(), cfg, linkage.Delivery{Risk: &linkage.RiskCheck{Config: risk.Config{QI: []string{"municipality", "hospital"}}}})
	require.ErrorContains(t, err, `"hospital" is not a delivered column`)
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left)
}

// TestRiskGateExtract: a pseudonymous register's extract is measured on
// the plan's quasi-identifiers it holds (atc; morphology is the cancer
// registry's, measured by that run): refused, changing nothing, then
// accepted with the figures of a brute-force count; a check whose
// quasi-identifiers the extract holds none of measures nothing.
func TestRiskGateExtract(t *testing.T) {
	dir, key, _ := project(t, "pseudoreg-d.toml", 3000, 1)
	ps := newParties(t)
	p, _ := runPseudoreg(t, dir, "pseudoreg-d.toml", key, ps)
	manifest := filepath.Join(filepath.Dir(p.DeliveryPath("prescription")), p.Project+".prescription"+delivery.ManifestSuffix)
	before, err := os.ReadFile(manifest)
	require.NoError(t, err)
	riskReport := strings.TrimSuffix(manifest, delivery.ManifestSuffix) + ".risk.json"
	extract := func(c *linkage.RiskCheck) error {
		_, _, err := linkage.Extract(context.Background(), linkage.ExtractConfig{Plan: p, PlanFile: filepath.Join(dir, "pseudoreg-d.toml"), Source: "prescription",
			Answer: filepath.Join(dir, "answer.age"), Request: filepath.Join(dir, "request.age"), Identities: []age.Identity{ps.register}, Key: key,
			Overwrite: true, Risk: c})
		return err
	}
	qi := []string{"atc", "morphology"}
	err = extract(&linkage.RiskCheck{Config: risk.Config{QI: qi, K: 10}})
	var refused *linkage.RiskRefusedError
	require.True(t, errors.As(err, &refused), "refused: %v", err)
	assert.Equal(t, []string{"atc"}, refused.Result.QI)
	after, err := os.ReadFile(manifest)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a refused extract changes nothing")
	assert.NoFileExists(t, riskReport)

	c := &linkage.RiskCheck{Config: risk.Config{QI: qi, K: 10}, Accept: "aggregate study, approved"}
	require.NoError(t, extract(c))
	assert.Equal(t, []string{"morphology"}, c.Unheld)
	m, err := delivery.ReadManifest(manifest)
	require.NoError(t, err)
	require.NotNil(t, m.Risk)
	assert.Equal(t, "aggregate study, approved", m.Risk.AcceptedReason)
	assert.Equal(t, []string{"atc"}, m.Risk.QI)
	assert.FileExists(t, riskReport)
	persons, classes, atRisk, uniques := bruteRisk(t, []string{p.DeliveryPath("prescription")}, []string{"atc"}, 10)
	assert.Equal(t, []int64{persons, classes, atRisk, uniques}, []int64{c.Result.Persons, c.Result.Classes, c.Result.AtRisk, c.Result.SampleUniques})
	assertRiskPublished(t, m.Risk, c.Result, []int64{persons, classes, atRisk, uniques})

	none := &linkage.RiskCheck{Config: risk.Config{QI: []string{"morphology"}, K: 10}}
	require.NoError(t, extract(none))
	assert.Nil(t, none.Result)
	assert.Equal(t, []string{"morphology"}, none.Unheld)
	m, err = delivery.ReadManifest(manifest)
	require.NoError(t, err)
	assert.Nil(t, m.Risk, "nothing measured, nothing recorded")
}

// TestRiskGateOneSource: a run that delivers one source of a plan
// measures the quasi-identifiers its delivery holds; the other sources'
// are left to their runs.
func TestRiskGateOneSource(t *testing.T) {
	dir, key, _ := project(t, "distributed.toml", 600, 5)
	p, err := linkage.LoadPlan(filepath.Join(dir, "distributed.toml"))
	require.NoError(t, err)
	c := &linkage.RiskCheck{Config: risk.Config{QI: []string{"morphology", "underlying_cause"}, K: 10}, Accept: "aggregate study, approved"}
	rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Source: "cancer", Risk: c})
	require.NoError(t, err)
	assert.Equal(t, []string{"underlying_cause"}, c.Unheld)
	m, err := delivery.ReadManifest(rep.Manifest)
	require.NoError(t, err)
	require.NotNil(t, m.Risk)
	assert.Equal(t, []string{"morphology"}, m.Risk.QI)
	persons, classes, atRisk, uniques := bruteRisk(t, []string{p.DeliveryPath("cancer")}, []string{"morphology"}, 10)
	assert.Equal(t, []int64{persons, classes, atRisk, uniques}, []int64{c.Result.Persons, c.Result.Classes, c.Result.AtRisk, c.Result.SampleUniques})
}
