package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// Job is one run of a plan on Beam: what the launcher knows and the
// workers need. Its fields are exported because Beam serialises them into
// the pipeline's graph; they hold names and the plan's text, never a key.
type Job struct {
	// Plan is the plan file's text; PlanFile its name, for errors.
	Plan     string
	PlanFile string
	// Keys locate the project key for the workers.
	Keys Keys
	// Inputs maps each delivered source to a glob of its shards (a local
	// path, gs://... or s3://...); a source not listed reads the plan's
	// path, relative to the plan's folder.
	Inputs map[string]string
	// Output is the folder the deliveries, reports and the serial key file
	// go to (the plan's output.dir if empty).
	Output string
	// PreviousSerialKey overrides the plan's output.previous_serial_key.
	PreviousSerialKey string
	// ReferenceDate (YYYY-MM-DD) is fixed when the job is made, so that
	// every worker judges IDs against the same date.
	ReferenceDate string
	// Workers is the number of goroutines each shard is prepared with (1
	// if zero: Beam runs shards side by side).
	Workers int
	// Tool is recorded in the outputs' metadata.
	Tool string
}

// NewJob makes the job of the plan file at planPath: it reads the plan,
// checks it (no source may be a pseudonymous register: those deliver
// through the pseudonym administrator), and fixes the reference date.
func NewJob(planPath string, keys Keys) (Job, *linkage.Plan, error) {
	text, err := os.ReadFile(planPath)
	if err != nil {
		return Job{}, nil, fmt.Errorf("koble-beam: plan: %w", err)
	}
	p, err := linkage.LoadPlan(planPath)
	if err != nil {
		return Job{}, nil, err
	}
	for _, s := range p.Sources {
		if reg, _ := p.SourceRegister(s.Name); reg.Kind == linkage.Pseudonymous {
			return Job{}, nil, fmt.Errorf("koble-beam: plan %s: source %q is a pseudonymous register: it delivers through the pseudonym administrator (koble link %s --party ...), not on Beam", planPath, s.Name, planPath)
		}
	}
	if err := unsupported(p); err != nil {
		return Job{}, nil, fmt.Errorf("koble-beam: plan %s: %w: run it with koble link %s", planPath, err, planPath)
	}
	j := Job{Plan: string(text), PlanFile: planPath, Keys: keys, Inputs: map[string]string{}, ReferenceDate: p.ReferenceDate}
	if j.ReferenceDate == "" {
		j.ReferenceDate = pseudonym.DateOf(timeNow()).String()
	}
	p.SetReferenceDate(mustDate(j.ReferenceDate))
	return j, p, nil
}

// timeNow is the clock of the launcher.
var timeNow = time.Now

func mustDate(s string) pseudonym.Date {
	d, err := pseudonym.ParseDate(s)
	if err != nil {
		panic("koble-beam: internal error: reference date " + s)
	}
	return d
}

// plan parses the job's plan on a worker. Relative paths in it resolve
// against the plan file's folder, as on the launcher.
func (j Job) plan() (*linkage.Plan, error) {
	dir, err := os.MkdirTemp("", "koble-beam-plan-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(j.PlanFile))
	if err := os.WriteFile(tmp, []byte(j.Plan), 0o600); err != nil {
		return nil, err
	}
	p, err := linkage.LoadPlan(tmp)
	if err != nil {
		return nil, fmt.Errorf("%s", strings.ReplaceAll(err.Error(), tmp, j.PlanFile))
	}
	p.SetReferenceDate(mustDate(j.ReferenceDate))
	return p, nil
}

// planDir is the folder relative paths of the plan resolve against.
func (j Job) planDir() string { return filepath.Dir(j.PlanFile) }

// input is the glob of a source's shards.
func (j Job) input(s linkage.SourcePlan) string {
	if g, ok := j.Inputs[s.Name]; ok {
		return g
	}
	if filepath.IsAbs(s.Path) || remote(s.Path) {
		return s.Path
	}
	return filepath.Join(j.planDir(), s.Path)
}

// output is the folder of the run's files.
func (j Job) output(p *linkage.Plan) string {
	if j.Output != "" {
		return j.Output
	}
	if filepath.IsAbs(p.Output.Dir) {
		return p.Output.Dir
	}
	return filepath.Join(j.planDir(), p.Output.Dir)
}

// staging is where files wait until the whole run has succeeded.
func (j Job) staging(p *linkage.Plan) string { return join(j.output(p), ".koble-beam-staging") }

// outExt is the extension of the deliveries.
func outExt(p *linkage.Plan) string {
	return strings.TrimPrefix(filepath.Ext(p.DeliveryPath("x")), ".")
}

// readFormat is the format of a shard: the source's, or its extension's.
func readFormat(s linkage.SourcePlan, path string) (formats.Format, error) {
	if s.Format != "" {
		return formats.ParseFormat(s.Format)
	}
	f, err := formats.FormatFromPath(path)
	if err != nil {
		return f, fmt.Errorf("koble-beam: %s: %w (set the source's format in the plan)", path, err)
	}
	return f, nil
}

// source returns the plan's source of that name.
func source(p *linkage.Plan, name string) linkage.SourcePlan {
	for _, s := range p.Sources {
		if s.Name == name {
			return s
		}
	}
	panic("koble-beam: internal error: no source " + name)
}

// worker is what a worker opens once: the plan and the project key.
type worker struct {
	plan *linkage.Plan
	key  *pseudonym.Key
}

func (j Job) open(ctx context.Context) (*worker, error) {
	p, err := j.plan()
	if err != nil {
		return nil, err
	}
	key, err := j.Keys.open(ctx)
	if err != nil {
		return nil, err
	}
	if key.Project() != p.Project {
		key.Close()
		return nil, fmt.Errorf("koble-beam: the key belongs to project %q, the plan to %q", key.Project(), p.Project)
	}
	return &worker{plan: p, key: key}, nil
}

// unsupported names what a plan asks for that the Beam jobs do not do
// yet, so that such a plan is refused rather than delivered without it:
// the disclosure-risk gate ([risk]), serials from the oblivious-serial
// service ([serials] source = "oprf"), and types inferred per CSV source
// (each shard could infer others).
func unsupported(p *linkage.Plan) error {
	switch {
	case p.Risk != nil:
		return errors.New("[risk] (the disclosure-risk gate) does not run on Beam yet")
	case p.UsesOPRF():
		return errors.New(`[serials] source = "oprf" (serials from the pseudonym administrator's service) does not run on Beam yet`)
	}
	for _, s := range p.Sources {
		if s.InferTypes {
			return fmt.Errorf("source %q: infer_types does not run on Beam (each shard could infer other types); give the types with types = {...}", s.Name)
		}
	}
	return nil
}
