package linkage_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// shrink keeps the first half of a Parquet file's rows: the sample of a
// later request is then smaller.
func shrink(t *testing.T, path string) {
	r, err := formats.Open(path, formats.ReadOptions{BatchSize: 1 << 20})
	require.NoError(t, err)
	require.True(t, r.Next())
	b := r.RecordBatch().NewSlice(0, r.RecordBatch().NumRows()/2)
	defer b.Release()
	tmp := path + ".new.parquet"
	w, err := formats.Create(tmp, r.Schema(), formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Close())
	r.Close()
	require.NoError(t, os.Rename(tmp, path))
}

// TestPseudoregReplay: after the sample changed, an answer to the older
// request is refused, and so is any answer whose request is older than the
// plan's max_age.
func TestPseudoregReplay(t *testing.T) {
	dir, key, _ := project(t, "pseudoreg-d.toml", 600, 1)
	ps := newParties(t)
	p, first := runPseudoreg(t, dir, "pseudoreg-d.toml", key, ps)
	planPath := filepath.Join(dir, "pseudoreg-d.toml")
	fp := mustFingerprint(t, planPath)
	oldAnswer := filepath.Join(dir, "answer.age")

	// The sample shrinks; the definer makes a new request.
	shrink(t, filepath.Join(dir, "data", "cancer.parquet"))
	req2 := filepath.Join(dir, "request2.age")
	n, err := linkage.Request(context.Background(), linkage.RequestConfig{Plan: p, PlanFile: planPath, Key: key, Administrator: []age.Recipient{ps.admin.Recipient()}, Out: req2})
	require.NoError(t, err)
	require.Less(t, n, first.Requested, "the new sample is smaller")

	extract := func(answer, request string) error {
		_, _, err := linkage.Extract(context.Background(), linkage.ExtractConfig{Plan: p, PlanFile: planPath, Source: "prescription",
			Answer: answer, Request: request, Identities: []age.Identity{ps.register}, Key: key, Overwrite: true})
		return err
	}
	// The old answer, replayed with the new request: refused.
	err = extract(oldAnswer, req2)
	require.ErrorContains(t, err, "answers another request")
	require.ErrorContains(t, err, "request2.age")

	// The administrator answers the new request: delivered.
	regKey, err := synth.RegisterKey(filepath.Join(dir, "data"))
	require.NoError(t, err)
	ans2, unm2 := filepath.Join(dir, "answer2.age"), filepath.Join(dir, "unmatched2.age")
	_, err = linkage.Translate(linkage.TranslateConfig{Request: req2, Project: p.Project, Plan: fp, Identities: []age.Identity{ps.admin},
		RegisterKey: regKey, Register: []age.Recipient{ps.register.Recipient()}, Definer: []age.Recipient{ps.definer.Recipient()}, Out: ans2, Unmatched: unm2})
	require.NoError(t, err)
	require.NoError(t, extract(ans2, req2))
	_, err = linkage.ReadUnmatched(unm2, p.Project, fp, req2, p.MaxAge(), []age.Identity{ps.definer})
	require.NoError(t, err)
	_, err = linkage.ReadUnmatched(unm2, p.Project, fp, filepath.Join(dir, "request.age"), p.MaxAge(), []age.Identity{ps.definer})
	require.ErrorContains(t, err, "answers another request")

	// Thirty-one days later the same answer is too old.
	restore := linkage.SetClock(func() time.Time { return time.Now().Add(31 * 24 * time.Hour) })
	defer restore()
	err = extract(ans2, req2)
	require.ErrorContains(t, err, "more than the plan's [pseudoreg] max_age of 30d")
	_, err = linkage.Translate(linkage.TranslateConfig{Request: req2, Project: p.Project, Plan: fp, Identities: []age.Identity{ps.admin},
		RegisterKey: regKey, Register: []age.Recipient{ps.register.Recipient()}, Out: filepath.Join(dir, "answer3.age")})
	require.ErrorContains(t, err, "max_age")
	assert.NoFileExists(t, filepath.Join(dir, "answer3.age"))
}

func TestPlanMaxAge(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "plans", "pseudoreg-d.toml"))
	require.NoError(t, err)
	for _, tc := range []struct {
		value string
		want  time.Duration
		bad   bool
	}{{"", linkage.DefaultMaxAge, false}, {"7d", 7 * 24 * time.Hour, false}, {"2w", 14 * 24 * time.Hour, false}, {"36h", 36 * time.Hour, false}, {"soon", 0, true}, {"-3d", 0, true}} {
		text := string(b)
		if tc.value != "" {
			text += "\n[pseudoreg]\nmax_age = \"" + tc.value + "\"\n"
		}
		path := filepath.Join(dir, "plan.toml")
		require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
		p, err := linkage.LoadPlan(path)
		if tc.bad {
			assert.ErrorContains(t, err, "pseudoreg: max_age", tc.value)
			continue
		}
		require.NoError(t, err, tc.value)
		assert.Equal(t, tc.want, p.MaxAge(), tc.value)
	}
}
