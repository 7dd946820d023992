package linkage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

type parties struct {
	admin, register, definer *age.X25519Identity
}

func newParties(t *testing.T) parties {
	admin, err := age.ParseX25519Identity(testIdentity)
	require.NoError(t, err)
	reg, _ := age.GenerateX25519Identity()
	def, _ := age.GenerateX25519Identity()
	return parties{admin, reg, def}
}

// runPseudoreg runs the whole flow of a pseudonymous-register plan.
func runPseudoreg(t *testing.T, dir, planFile string, key *pseudonym.Key, ps parties) (*linkage.Plan, *linkage.TranslateReport) {
	planPath := filepath.Join(dir, planFile)
	p, err := linkage.LoadPlan(planPath)
	require.NoError(t, err)
	// The whole plan at once would leave the register out: refused.
	_, err = linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key})
	require.ErrorContains(t, err, `source "prescription" (Reseptregisteret) is a pseudonymous register`)
	require.ErrorContains(t, err, "--party definer")
	require.NoDirExists(t, filepath.Join(dir, p.Output.Dir), "nothing written")
	// Each identified source runs its part; the link report lists every
	// source with its state.
	for _, s := range p.Sources {
		if s.Name == "prescription" {
			continue
		}
		rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Source: s.Name})
		require.NoError(t, err)
		require.Len(t, rep.Sources, len(p.Sources))
		for _, sr := range rep.Sources {
			switch sr.Name {
			case s.Name:
				assert.Equal(t, linkage.StateDelivered, sr.State)
			case "prescription":
				assert.Equal(t, linkage.StatePseudoreg, sr.State)
			default:
				assert.Equal(t, linkage.StateOwnRun, sr.State)
			}
		}
	}
	fp, err := linkage.PlanFingerprint(planPath)
	require.NoError(t, err)
	req := filepath.Join(dir, "request.age")
	n, err := linkage.Request(context.Background(), linkage.RequestConfig{Plan: p, PlanFile: planPath, Key: key, Administrator: []age.Recipient{ps.admin.Recipient()}, Out: req})
	require.NoError(t, err)
	require.Greater(t, n, 0)
	regKey, err := synth.RegisterKey(filepath.Join(dir, "data"))
	require.NoError(t, err)
	tr, err := linkage.Translate(linkage.TranslateConfig{Request: req, Project: p.Project, Plan: fp, Identities: []age.Identity{ps.admin},
		RegisterKey: regKey, Register: []age.Recipient{ps.register.Recipient()}, Definer: []age.Recipient{ps.definer.Recipient()},
		Out: filepath.Join(dir, "answer.age"), Unmatched: filepath.Join(dir, "unmatched.age")})
	require.NoError(t, err)
	assert.Equal(t, n, tr.Requested)
	_, _, err = linkage.Extract(context.Background(), linkage.ExtractConfig{Plan: p, PlanFile: planPath, Source: "prescription",
		Answer: filepath.Join(dir, "answer.age"), Request: req, Identities: []age.Identity{ps.register}, Key: key})
	require.NoError(t, err)
	return p, tr
}

func TestPseudoregEndToEnd(t *testing.T) {
	for _, tc := range []struct{ plan, variant string }{{"pseudoreg-d.toml", "b"}, {"pseudoreg-c.toml", "a"}} {
		t.Run(tc.plan, func(t *testing.T) {
			dir, key, _ := project(t, tc.plan, 3000, 1)
			ps := newParties(t)
			p, tr := runPseudoreg(t, dir, tc.plan, key, ps)

			// The sample, from the synthetic truth.
			sample := map[string]bool{}
			for _, name := range p.Sources {
				if name.Name == "prescription" {
					continue
				}
				isSample := false
				for _, s := range []string{"cancer", "death"} {
					isSample = isSample || (name.Name == s && (tc.variant == "a" || s == "cancer"))
				}
				if !isSample {
					continue
				}
				ids, _ := truthRows(t, filepath.Join(dir, "data", name.Name+".parquet"))
				for _, id := range ids {
					if id != "" {
						sample[id] = true
					}
				}
			}
			assert.Equal(t, len(sample), tr.Translated)
			assert.Zero(t, tr.Untranslated)
			n, err := linkage.ReadUnmatched(filepath.Join(dir, "unmatched.age"), p.Project, mustFingerprint(t, filepath.Join(dir, tc.plan)), filepath.Join(dir, "request.age"), linkage.DefaultMaxAge, []age.Identity{ps.definer})
			require.NoError(t, err)
			assert.Zero(t, n)

			// The truth: which person each register pseudonym belongs to.
			regKey, _ := synth.RegisterKey(filepath.Join(dir, "data"))
			regSerials := regKey.Serials(pseudonym.SerialOptions{})
			owner := map[string]string{}
			for id := range sample {
				parsed, err := pseudonym.Parse(pseudonym.Norway{}, id[3:])
				require.NoError(t, err)
				owner[regSerials.Compute(parsed).String()] = id
			}
			// Expected: the prescription rows of sample persons, in order,
			// carrying each person's project serial, with dates moved by
			// the person's offset.
			in := table(t, filepath.Join(dir, "data", "prescription.parquet"), nil)
			out := table(t, p.DeliveryPath("prescription"), nil)
			serials := key.Serials(pseudonym.SerialOptions{})
			dk := key.DateShiftKey()
			offsets, _ := refdate.NewOffsets(dk, 182, false)
			j := 0
			for i, ps := range in["pseudonym"] {
				id, ok := owner[ps]
				if !ok {
					continue
				}
				parsed, _ := pseudonym.Parse(pseudonym.Norway{}, id[3:])
				want := serials.Compute(parsed)
				require.Less(t, j, len(out["lnr"]))
				require.Equal(t, want.String(), out["lnr"][j], "row %d", i)
				off, _ := offsets.Offset(want[:])
				require.Equal(t, off, day(t, out["dispense_date"][j])-day(t, in["dispense_date"][i]), "the register's offset differs from the project's")
				j++
			}
			require.Equal(t, j, len(out["lnr"]))
			require.Greater(t, j, 0)
			// The prescription delivery joins the others on lnr exactly as
			// the truth joins on the national ID.
			other := checkJoin(t, dir, p, []string{"cancer"}, func(string) bool { return true })
			for _, id := range owner {
				if s, ok := other[id]; ok {
					parsed, _ := pseudonym.Parse(pseudonym.Norway{}, id[3:])
					require.Equal(t, serials.Compute(parsed).String(), s)
				}
			}
			// No file outside the encrypted ones holds a national ID.
			assertNoIDsIn(t, filepath.Dir(p.DeliveryPath("cancer")), dir)
			assertNoIDsIn(t, dir, dir)
		})
	}
}

func mustFingerprint(t *testing.T, path string) string {
	fp, err := linkage.PlanFingerprint(path)
	require.NoError(t, err)
	return fp
}

func TestPseudoregRefusals(t *testing.T) {
	dir, key, _ := project(t, "pseudoreg-d.toml", 800, 1)
	ps := newParties(t)
	p, _ := runPseudoreg(t, dir, "pseudoreg-d.toml", key, ps)
	planPath := filepath.Join(dir, "pseudoreg-d.toml")
	fp := mustFingerprint(t, planPath)
	regKey, _ := synth.RegisterKey(filepath.Join(dir, "data"))
	translate := func(req, project, plan string, id age.Identity) error {
		_, err := linkage.Translate(linkage.TranslateConfig{Request: req, Project: project, Plan: plan, Identities: []age.Identity{id},
			RegisterKey: regKey, Register: []age.Recipient{ps.register.Recipient()}, Out: filepath.Join(t.TempDir(), "a.age")})
		return err
	}
	req := filepath.Join(dir, "request.age")
	require.NoError(t, translate(req, p.Project, fp, ps.admin))

	// Any byte changed is detected.
	raw, _ := os.ReadFile(req)
	for _, pos := range []int{10, len(raw) / 2, len(raw) - 3} {
		bad := append([]byte(nil), raw...)
		bad[pos] ^= 0x40
		tampered := filepath.Join(t.TempDir(), "req.age")
		require.NoError(t, os.WriteFile(tampered, bad, 0o600))
		assert.Error(t, translate(tampered, p.Project, fp, ps.admin), "byte %d changed", pos)
	}
	// A wrong identity.
	err := translate(req, p.Project, fp, ps.register)
	assert.ErrorContains(t, err, "not encrypted to this identity")
	// Replayed against another project, or under a changed plan.
	assert.ErrorContains(t, translate(req, "another-project", fp, ps.admin), `made for project "heart-and-cancer-2026", not "another-project"`)
	assert.ErrorContains(t, translate(req, p.Project, "0123456789abcdef0123456789abcdef", ps.admin), "another version of the plan")
	// Bytes appended after the encrypted message.
	appended := filepath.Join(t.TempDir(), "req.age")
	require.NoError(t, os.WriteFile(appended, append(append([]byte(nil), raw...), "more"...), 0o600))
	assert.ErrorContains(t, translate(appended, p.Project, fp, ps.admin), "appended after the encrypted message")
	// An answer is not a request.
	assert.ErrorContains(t, translate(filepath.Join(dir, "answer.age"), p.Project, fp, ps.register), "is a answer file, not a request file")
	// The register cannot read the request, the definer cannot read the answer.
	_, err = linkage.ReadAnswer(filepath.Join(dir, "answer.age"), p.Project, fp, req, linkage.DefaultMaxAge, []age.Identity{ps.definer})
	assert.ErrorContains(t, err, "not encrypted to this identity")
	// A tampered answer is refused by the register.
	ansRaw, _ := os.ReadFile(filepath.Join(dir, "answer.age"))
	ansRaw[len(ansRaw)/2] ^= 0x01
	tamperedAns := filepath.Join(t.TempDir(), "answer.age")
	require.NoError(t, os.WriteFile(tamperedAns, ansRaw, 0o600))
	_, err = linkage.ReadAnswer(tamperedAns, p.Project, fp, req, linkage.DefaultMaxAge, []age.Identity{ps.register})
	assert.Error(t, err)
	// Errors never quote an ID or a serial.
	assert.False(t, strings.ContainsAny(err.Error(), "0123456789") && strings.Contains(err.Error(), "no:"))
}
