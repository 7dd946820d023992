package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// shard is one input file of a source.
type shard struct {
	Source string
	Path   string
	Index  int
	Count  int
}

// name is the shard's delivery name: SOURCE-00001-of-00004.EXT.
func (s shard) name(ext string) string {
	return fmt.Sprintf("%s-%05d-of-%05d.%s", s.Source, s.Index, s.Count, ext)
}

// Prepare delivers one source of the job's plan: every shard of its input
// is read, prepared as 'koble prepare' and 'koble link' prepare it
// (serials or the series numbers, date shifts, coarsening, quarantine,
// the leak guard) on the worker that read it, and written to the staging
// folder; the counts of all shards are combined into one tally. series
// is a singleton PCollection of the encoded dense serial series
// ([linkage.Series.MarshalBinary]), empty for distributed linkage. The
// result is a PCollection of one tally.
func Prepare(s beam.Scope, job Job, p *linkage.Plan, name string, series beam.PCollection) (beam.PCollection, error) {
	s = s.Scope("prepare." + name)
	files, err := expand(context.Background(), job.input(source(p, name)), "--input "+name+"=GLOB")
	if err != nil {
		return beam.PCollection{}, err
	}
	shards := make([]shard, len(files))
	for i, f := range files {
		shards[i] = shard{Source: name, Path: f, Index: i, Count: len(files)}
	}
	col := beam.Reshuffle(s, beam.CreateList(s, shards))
	tallies := crossing(s, beam.ParDo(s, &prepareFn{Job: job, Source: name}, col, beam.SideInput{Input: series}))
	return beam.Combine(s, mergeTallies{}, tallies), nil
}

// prepareFn prepares whole shards.
type prepareFn struct {
	Job    Job
	Source string

	w        *worker
	cfg      linkage.PrepareConfig
	series   *linkage.Series
	seriesOK bool
}

func (f *prepareFn) Setup(ctx context.Context) error {
	w, err := f.Job.open(ctx)
	if err != nil {
		return err
	}
	f.w = w
	workers := f.Job.Workers
	if workers <= 0 {
		workers = 1
	}
	f.cfg, err = w.plan.SourceConfig(f.Source, linkage.LinkOptions{Key: w.key, Workers: workers, Tool: f.Job.Tool, Overwrite: true})
	return err
}

func (f *prepareFn) Teardown() {
	if f.w != nil {
		f.w.key.Close()
	}
}

// ProcessElement prepares one shard and emits its tally.
func (f *prepareFn) ProcessElement(ctx context.Context, sh shard, series []byte, emit func(tally)) error {
	if !f.seriesOK && len(series) > 0 {
		f.series = new(linkage.Series)
		if err := f.series.UnmarshalBinary(series); err != nil {
			return err
		}
	}
	f.seriesOK = true
	t, err := f.prepare(ctx, sh)
	if err != nil {
		return err
	}
	shardsPrepared.Inc(ctx, 1)
	rowsRead.Inc(ctx, t.RowsRead)
	rowsQuarantined.Inc(ctx, t.RowsQuarantine)
	emit(t)
	return nil
}

// prepare runs linkage.Prepare over one shard, in temporary local files,
// and stages its output.
func (f *prepareFn) prepare(ctx context.Context, sh shard) (tally, error) {
	t := newTally(sh.Source)
	t.Shards = 1
	in, done, err := localCopy(ctx, sh.Path)
	if err != nil {
		return t, err
	}
	defer done()
	tmp, err := os.MkdirTemp("", "koble-beam-out-")
	if err != nil {
		return t, err
	}
	defer os.RemoveAll(tmp)
	ext := outExt(f.w.plan)
	cfg := f.cfg
	cfg.In, cfg.Out, cfg.Series = in, filepath.Join(tmp, sh.name(ext)), f.series
	cfg.QuarantinePath = filepath.Join(tmp, "quarantine.csv")
	if cfg.Read.Format, err = readFormat(source(f.w.plan, sh.Source), sh.Path); err != nil {
		return t, err
	}
	rep, err := linkage.Prepare(ctx, cfg)
	if err != nil {
		return t, fmt.Errorf("koble-beam: shard %s: %w", sh.Path, err)
	}
	rep.Input, rep.Output = sh.Path, ""
	if t.Report, err = json.Marshal(rep); err != nil {
		return t, err
	}
	t.RowsRead, t.RowsWritten, t.RowsQuarantine, t.RowsNotSample = rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine, rep.RowsNotSample
	for k, v := range rep.Quarantine {
		t.Quarantine[k] += v
	}
	if err := countPersons(&t, cfg.Out, cfg.SerialColumn, cfg.Write.Format); err != nil {
		return t, err
	}
	stage := f.Job.staging(f.w.plan)
	out := f.Job.output(f.w.plan)
	for _, file := range []struct{ local, name string }{
		{cfg.Out, sh.name(ext)},
		{cfg.QuarantinePath, fmt.Sprintf("%s.quarantine-%05d-of-%05d.csv", sh.Source, sh.Index, sh.Count)},
	} {
		to := join(stage, file.name)
		if err := upload(ctx, file.local, to); err != nil {
			return t, err
		}
		t.Staged = append(t.Staged, staged{From: to, To: join(out, file.name)})
	}
	return t, nil
}

// countPersons reads a delivered shard's serial column into the tally.
func countPersons(t *tally, path, column string, format formats.Format) error {
	r, err := formats.Open(path, formats.ReadOptions{Columns: []string{column}, Format: format})
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		t.addSerials(r.RecordBatch().Column(0))
	}
	return r.Err()
}

var (
	shardsPrepared  = beam.NewCounter("koble", "shards_prepared")
	rowsRead        = beam.NewCounter("koble", "rows_read")
	rowsQuarantined = beam.NewCounter("koble", "rows_quarantined")
)
