package jobs

import (
	"context"
	"fmt"
	"sort"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/linkage"
)

// finishFn is the last step: once every source's tally is combined (so
// every shard is written), it makes each source's report from its
// merged tally, moves the staged files into place, writes the reports,
// the link report, the data package (and loading snippets of CSV
// deliveries), and last the manifest, as koble link does.
type finishFn struct {
	Job Job
}

func (f *finishFn) ProcessElement(ctx context.Context, _ []byte, tallies func(*tally) bool, infos func(*seriesInfo) bool, seriesEnc []byte) error {
	w, err := f.Job.open(ctx)
	if err != nil {
		return err
	}
	defer w.key.Close()
	p := w.plan
	bySource := map[string]tally{}
	var t tally
	for tallies(&t) {
		bySource[t.Source] = t
	}
	var info seriesInfo
	infos(&info) // a singleton: empty for distributed linkage
	series, err := (&seriesCache{}).get(seriesEnc)
	if err != nil {
		return err
	}
	d := newDeliveryOut(f.Job.output(p), p.Project)
	rep := &linkage.LinkReport{Project: p.Project, Mode: p.Mode, ReferenceDate: f.Job.ReferenceDate, Overlap: map[string]int64{}, SuppressBelow: suppressBelow(p), Manifest: d.manifest}
	if p.Mode == linkage.Centralised {
		rep.SampleRule, rep.SamplePersons, rep.NewPersons = p.Sample.Rule, info.SamplePersons, info.NewPersons
		rep.SerialKeyFile = info.SerialKey.To
		if err := d.move(ctx, info.SerialKey); err != nil {
			return err
		}
	}
	for _, s := range p.Sources {
		t, ok := bySource[s.Name]
		if !ok {
			return fmt.Errorf("koble-beam: internal error: no tally of source %q", s.Name)
		}
		sr, err := f.deliverSource(ctx, w, d, s, t, series)
		if err != nil {
			return err
		}
		rep.KeyFingerprint = sr.fingerprint
		rep.Sources = append(rep.Sources, sr.SourceReport)
	}
	overlaps(rep, bySource)
	if err := d.writeReport(ctx, p.Project+".link-report.json", delivery.RoleLinkReport, rep); err != nil {
		return err
	}
	return d.commit(ctx, delivery.Header{Tool: tool(f.Job.Tool), Project: p.Project, KeyFingerprint: rep.KeyFingerprint,
		PlanFingerprint: linkage.PlanTextFingerprint([]byte(f.Job.Plan)), ReferenceDate: f.Job.ReferenceDate})
}

// sourceDelivered is a source's part of the link report, and the key
// fingerprint its report names.
type sourceDelivered struct {
	linkage.SourceReport
	fingerprint string
}

// deliverSource moves a source's shards and quarantine files into place,
// writes its report and describes its data files.
func (f *finishFn) deliverSource(ctx context.Context, w *worker, d *deliveryOut, s linkage.SourcePlan, t tally, series *linkage.Series) (sourceDelivered, error) {
	srep, err := f.sourceReport(ctx, w, s, t, series)
	if err != nil {
		return sourceDelivered{}, err
	}
	reportName := s.Name + ".report.json"
	if err := d.writeReport(ctx, reportName, delivery.RoleReport, srep); err != nil {
		return sourceDelivered{}, err
	}
	for _, st := range t.Staged {
		if err := d.move(ctx, st); err != nil {
			return sourceDelivered{}, err
		}
		if st.File.Role == delivery.RoleData {
			d.pkg.Add(base(st.To), st.File, srep)
		}
	}
	sr := linkage.SourceReport{Name: s.Name, Register: registerName(w.plan, s), State: linkage.StateDelivered, Delivery: srep.Output, Report: join(d.dir, reportName),
		RowsRead: srep.RowsRead, RowsWritten: srep.RowsWritten, RowsQuarantine: srep.RowsQuarantine, RowsNotSample: srep.RowsNotSample, Persons: int64(len(t.Counts.Persons))}
	if w.plan.Mode == linkage.Centralised {
		sr.SamplePersons = sr.Persons
	}
	return sourceDelivered{SourceReport: sr, fingerprint: srep.KeyFingerprint}, nil
}

// sourceReport makes a source's prepare report from its merged tally
// with the pipeline of one of its shards' schema, as [linkage.Prepare]
// would report the whole source.
func (f *finishFn) sourceReport(ctx context.Context, w *worker, s linkage.SourcePlan, t tally, series *linkage.Series) (*linkage.Report, error) {
	cfg, err := w.plan.SourceConfig(s.Name, linkage.LinkOptions{Key: w.key, Workers: 1, Tool: f.Job.Tool})
	if err != nil {
		return nil, err
	}
	cfg.In, cfg.Out, cfg.Series = f.Job.input(s), join(f.Job.output(w.plan), fmt.Sprintf("%s-*.%s", s.Name, outExt(w.plan))), series
	schema, err := decodeSchema(t.Schema)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: internal error: a shard's schema: %w", err)
	}
	pl, err := linkage.NewPipeline(ctx, cfg, schema)
	if err != nil {
		return nil, err
	}
	defer pl.Close()
	rep, err := pl.Report(&t.Counts)
	if err != nil {
		return nil, err
	}
	rep.Workers, rep.Seconds, rep.RowsPerSecond = t.Shards, 0, 0
	return rep, nil
}

// overlaps counts the persons every two sources share, as koble link
// does: counts below `below` are shown as "<below".
func overlaps(rep *linkage.LinkReport, by map[string]tally) {
	names := make([]string, 0, len(by))
	for n := range by {
		names = append(names, n)
	}
	sort.Strings(names)
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			var common int64
			for k := range by[names[i]].Counts.Persons {
				if _, ok := by[names[j]].Counts.Persons[k]; ok {
					common++
				}
			}
			rep.Overlap[names[i]+" & "+names[j]] = common
		}
	}
}

// suppressBelow is the k of the plan's link report: counts 1..k-1 are
// withheld in its JSON form, as koble link does.
func suppressBelow(p *linkage.Plan) int {
	if p.Output.SuppressBelow != 0 {
		return p.Output.SuppressBelow
	}
	return linkage.DefaultSuppressBelow
}
