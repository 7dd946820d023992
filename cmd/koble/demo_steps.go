package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"filippo.io/age"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

const demoProject = "koble-demo"

// demoPlans are the demo's linkage plans: the same registers linked the
// distributed way and the centralised way (variant b).
var demoPlans = map[string]string{
	"distributed.toml": `# Every register delivers on its own with the common project serial.
project = "koble-demo"
mode = "distributed"
key = "project.key"

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "data/cancer.parquet"
id_column = "fnr"
dates = { shift = ["diagnosis_date"], window = 182 }

[[source]]
name = "patient"
register = "Norsk pasientregister"
path = "data/patient.parquet"
id_column = "fnr"
drop = ["hospital"]
dates = { shift = ["admit_date", "discharge_date", "control_date"], window = 182, coarsen = { birth_date = "year" } }

[[source]]
name = "death"
register = "Dødsårsaksregisteret"
path = "data/death.parquet"
id_column = "fnr"
dates = { shift = ["death_date"], window = 182 }

[output]
dir = "delivery-distributed"
`,
	"centralised.toml": `# One party links all sources for the persons with a C50-C59 diagnosis,
# and numbers them 1..N in an order derived from the key.
project = "koble-demo"
mode = "centralised"
key = "project.key"

[sample]
rule = "cancer"

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "data/cancer.parquet"
id_column = "fnr"
dates = { shift = ["diagnosis_date"], window = 182 }
filter = { column = "icd10", prefixes = ["C5"] }

[[source]]
name = "patient"
register = "Norsk pasientregister"
path = "data/patient.parquet"
id_column = "fnr"
keep = ["admit_date", "discharge_date", "icd10"]
dates = { shift = ["admit_date", "discharge_date"], window = 182 }

[[source]]
name = "death"
register = "Dødsårsaksregisteret"
path = "data/death.parquet"
id_column = "fnr"
keep = ["death_date", "underlying_cause"]
dates = { shift = ["death_date"], window = 182 }

[output]
dir = "delivery-centralised"
serial_key_recipients = ["RECIPIENT"]
`,
	"pseudoreg.toml": `# The prescription registry stores register pseudonyms, not national IDs.
# It delivers the prescriptions of the persons with a cancer diagnosis,
# through the pseudonym administrator (variant d: one source defines the
# sample).
project = "koble-demo"
mode = "distributed"
key = "project.key"

[sample]
rule = "cancer"

[[source]]
name = "cancer"
register = "Kreftregisteret"
path = "data/cancer.parquet"
id_column = "fnr"
dates = { shift = ["diagnosis_date"], window = 182 }

[[source]]
name = "prescription"
register = "Reseptregisteret"
path = "data/prescription.parquet"
id_column = "pseudonym"
keep = ["dispense_date", "atc", "ddd"]
dates = { shift = ["dispense_date"], window = 182 }

[output]
dir = "delivery-pseudoreg"
`,
}

// runDemoSteps runs the steps after generation: a project key, the two
// linkage plans, and their graphs.
func runDemoSteps(ctx context.Context, g *globals, dir, data string, m *synth.Manifest) error {
	w := g.env.stdout
	id, err := age.GenerateHybridIdentity()
	if err != nil {
		return err
	}
	idPath := filepath.Join(dir, "administrator.identity")
	if err := os.WriteFile(idPath, []byte(id.String()+"\n"), 0o600); err != nil {
		return err
	}
	key, err := pseudonym.GenerateKey(rand.Reader, demoProject, time.Now())
	if err != nil {
		return err
	}
	defer key.Close()
	keyPath := filepath.Join(dir, "project.key")
	os.Remove(keyPath) // a demo folder is rerun; a real key is never replaced
	if err := createKeyFile(keyPath, key, []age.Recipient{id.Recipient()}); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n2. project key %s, encrypted to a post-quantum age identity (%s)\n   fingerprint %s\n", keyPath, idPath, verbatim(key.Fingerprint()))

	step := 3
	for _, name := range []string{"distributed.toml", "centralised.toml"} {
		text := demoPlans[name]
		if name == "centralised.toml" {
			text = replaceOnce(text, "RECIPIENT", id.Recipient().String())
		}
		planPath := filepath.Join(dir, name)
		if err := os.WriteFile(planPath, []byte(text), 0o644); err != nil {
			return err
		}
		p, err := linkage.LoadPlan(planPath)
		if err != nil {
			return err
		}
		rep, err := linkage.Link(ctx, p, linkage.LinkOptions{Key: key, Overwrite: true, Tool: toolVersion()})
		if err != nil {
			return err
		}
		svg := filepath.Join(dir, p.Mode+".svg")
		gf, err := os.Create(svg)
		if err != nil {
			return err
		}
		p.WriteGraph(gf, "svg")
		gf.Close()
		fmt.Fprintf(w, "\n%d. %s linkage (%s, drawn in %s)\n", step, rep.Mode, planPath, svg)
		step++
		if rep.Mode == linkage.Centralised {
			fmt.Fprintf(w, "   sample: %d persons with a C5 cancer diagnosis, numbered 1..%d; serial key file %s\n", rep.SamplePersons, rep.NewPersons, rep.SerialKeyFile)
		}
		for _, s := range rep.Sources {
			fmt.Fprintf(w, "   %-8s %7s rows read, %7s written, %3s quarantined, %6s not in sample, %6s persons -> %s\n",
				s.Name, thousands(s.RowsRead), thousands(s.RowsWritten), thousands(s.RowsQuarantine), thousands(s.RowsNotSample), thousands(s.Persons), s.Delivery)
		}
		pairs := make([]string, 0, len(rep.Overlap))
		for k := range rep.Overlap {
			pairs = append(pairs, k)
		}
		sort.Strings(pairs)
		for _, k := range pairs {
			fmt.Fprintf(w, "   persons in common, %s: %s\n", k, thousands(rep.Overlap[k]))
		}
		fmt.Fprintf(w, "   (exact counts, for the one who runs the linkage; the link report in the delivery withholds counts 1 to %d)\n", rep.SuppressBelow-1)
	}
	if err := demoPseudoreg(ctx, w, dir, data, key, step); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nthe researcher joins each project's deliveries on lnr; no national ID is in any delivery.\n")
	fmt.Fprintf(w, "\nlook at:\n  %s   the deliveries, their JSON reports and quarantine files\n", filepath.Join(dir, "delivery-*"))
	fmt.Fprintf(w, "  %s, %s, %s   the linkage flows\n", filepath.Join(dir, "distributed.svg"), filepath.Join(dir, "centralised.svg"), filepath.Join(dir, "pseudoreg.svg"))
	fmt.Fprintf(w, "  koble inspect %s\n  koble key info %s -i %s\n", filepath.Join(dir, "delivery-distributed", "patient.parquet"), keyPath, idPath)
	fmt.Fprintf(w, "  koble verify %s --fingerprint %s   as the researcher checks a delivery\n", filepath.Join(dir, "delivery-distributed"), verbatim(key.Fingerprint()))
	fmt.Fprintf(w, "(with koble on your PATH: go install ./cmd/koble in koble's source folder)\n")
	return nil
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

// demoPseudoreg runs the pseudonymous-register flow: the cancer registry
// defines the sample and requests, the administrator translates, the
// prescription registry extracts. Each party has its own identity.
func demoPseudoreg(ctx context.Context, w io.Writer, dir, data string, key *pseudonym.Key, step int) error {
	planPath := filepath.Join(dir, "pseudoreg.toml")
	if err := os.WriteFile(planPath, []byte(demoPlans["pseudoreg.toml"]), 0o644); err != nil {
		return err
	}
	p, err := linkage.LoadPlan(planPath)
	if err != nil {
		return err
	}
	fp, err := linkage.PlanFingerprint(planPath)
	if err != nil {
		return err
	}
	admin, _ := age.GenerateHybridIdentity()
	register, _ := age.GenerateHybridIdentity()
	definer, _ := age.GenerateHybridIdentity()
	regKey, err := synth.RegisterKey(data)
	if err != nil {
		return err
	}
	defer regKey.Close()
	// Each identified source delivers its part; the register's goes
	// through the administrator below.
	for _, s := range p.Sources {
		if reg, _ := p.SourceRegister(s.Name); reg.Kind == linkage.Pseudonymous {
			continue
		}
		if _, err := linkage.Link(ctx, p, linkage.LinkOptions{Key: key, Source: s.Name, Overwrite: true, Tool: toolVersion()}); err != nil {
			return err
		}
	}
	req := filepath.Join(dir, "delivery-pseudoreg", "request.age")
	ans := filepath.Join(dir, "delivery-pseudoreg", "answer.age")
	unm := filepath.Join(dir, "delivery-pseudoreg", "unmatched.age")
	n, err := linkage.Request(ctx, linkage.RequestConfig{Plan: p, PlanFile: planPath, Key: key, Administrator: []age.Recipient{admin.Recipient()}, Out: req, Overwrite: true})
	if err != nil {
		return err
	}
	tr, err := linkage.Translate(linkage.TranslateConfig{Request: req, Project: p.Project, Plan: fp, Identities: []age.Identity{admin},
		RegisterKey: regKey, Register: []age.Recipient{register.Recipient()}, Definer: []age.Recipient{definer.Recipient()},
		Out: ans, Unmatched: unm, Overwrite: true})
	if err != nil {
		return err
	}
	rep, _, err := linkage.Extract(ctx, linkage.ExtractConfig{Plan: p, PlanFile: planPath, Source: "prescription", Answer: ans, Request: req,
		Identities: []age.Identity{register}, Key: key, Overwrite: true, Tool: toolVersion()})
	if err != nil {
		return err
	}
	svg := filepath.Join(dir, "pseudoreg.svg")
	if gf, err := os.Create(svg); err == nil {
		p.WriteGraph(gf, "svg")
		gf.Close()
	}
	fmt.Fprintf(w, "\n%d. linkage through a pseudonymous register (%s, drawn in %s)\n", step, planPath, svg)
	fmt.Fprintf(w, "   cancer registry: request for %d persons, encrypted to the pseudonym administrator -> %s\n", n, req)
	fmt.Fprintf(w, "   administrator:   %d translated to register pseudonyms, %d not; answer encrypted to the register -> %s\n", tr.Translated, tr.Untranslated, ans)
	fmt.Fprintf(w, "   prescriptions:   %s rows read, %s delivered with project serials and shifted dates -> %s\n", thousands(rep.RowsRead), thousands(rep.RowsWritten), rep.Output)
	return nil
}
