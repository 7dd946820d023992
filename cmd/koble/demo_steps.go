package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"filippo.io/age"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// runDemoSteps runs the steps after generation: a project key, then every
// register prepared for delivery with the same key (distributed linkage),
// and a check that the deliveries link on the serial.
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
	key, err := pseudonym.GenerateKey(rand.Reader, "koble-demo", time.Now())
	if err != nil {
		return err
	}
	defer key.Close()
	keyPath := filepath.Join(dir, "project.key")
	os.Remove(keyPath)
	f, err := os.OpenFile(keyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := pseudonym.WriteKeyFile(f, key, id.Recipient()); err != nil {
		f.Close()
		return err
	}
	f.Close()
	fmt.Fprintf(w, "\n2. project key %s, encrypted to a post-quantum age identity (%s)\n   fingerprint %s\n", keyPath, idPath, key.Fingerprint())

	delivery := filepath.Join(dir, "delivery")
	if err := os.MkdirAll(delivery, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n3. distributed linkage: each register prepares its own delivery with the project key\n")
	jobs := []struct {
		register string
		shift    []string
		drop     []string
	}{
		{synth.Cancer, []string{"diagnosis_date"}, nil},
		{synth.Patient, []string{"admit_date", "discharge_date"}, []string{"hospital"}},
		{synth.Death, []string{"death_date"}, nil},
	}
	serialSets := map[string]map[string]bool{}
	for _, j := range jobs {
		in := filepath.Join(data, j.register+".parquet")
		out := filepath.Join(delivery, j.register+".parquet")
		rep, err := linkage.Prepare(ctx, linkage.PrepareConfig{
			In: in, Out: out, Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{},
			Shift: j.shift, Window: 182, Drop: j.drop,
			ReportPath: filepath.Join(delivery, j.register+".report.json"), QuarantinePath: filepath.Join(delivery, j.register+".quarantine.csv"),
			Write: formats.WriteOptions{Overwrite: true}, Tool: toolVersion(),
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "   %-8s %7d rows in, %7d delivered, %3d quarantined, %6d persons -> %s\n", j.register, rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine, rep.Persons, out)
		set, err := serialSet(out)
		if err != nil {
			return err
		}
		serialSets[j.register] = set
	}
	both := 0
	for s := range serialSets[synth.Cancer] {
		if serialSets[synth.Patient][s] {
			both++
		}
	}
	fmt.Fprintf(w, "\n4. the researcher joins the deliveries on lnr: %d of %d cancer patients are in the patient registry delivery\n", both, len(serialSets[synth.Cancer]))
	fmt.Fprintf(w, "\nlook at:\n  %s   the deliveries, their JSON reports and quarantine files\n  koble inspect %s\n  koble key info %s -i %s\n", delivery, filepath.Join(delivery, "patient.parquet"), keyPath, idPath)
	return nil
}

// serialSet reads the lnr column of a delivery.
func serialSet(path string) (map[string]bool, error) {
	r, err := formats.Open(path, formats.ReadOptions{Columns: []string{linkage.DefaultSerialColumn}})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	set := map[string]bool{}
	for r.Next() {
		c := r.RecordBatch().Column(0)
		for i := 0; i < c.Len(); i++ {
			set[c.ValueStr(i)] = true
		}
	}
	return set, r.Err()
}
