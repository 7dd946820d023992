package jobs

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

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

// quarantineName is the name of the shard's quarantine file.
func (s shard) quarantineName() string {
	return fmt.Sprintf("%s.quarantine-%05d-of-%05d.csv", s.Source, s.Index, s.Count)
}

// Prepare delivers one source of the job's plan: every shard of its input
// is read through Beam's file systems and streamed, batch by batch,
// through koble's prepare pipeline ([linkage.Pipeline]: serials or the
// series numbers, date shifts, coarsening, quarantine, the leak guard) on
// the worker that reads it, its delivery and quarantine written to the
// staging folder as the batches come. The shards' tallies are merged
// into one ([linkage.Tally.Merge]) by a CombineFn, from which the final
// step makes the source's report. series is a singleton PCollection of
// the encoded dense serial series ([linkage.Series.MarshalBinary]), empty
// for distributed linkage. The result is a PCollection of one tally.
func Prepare(s beam.Scope, job Job, p *linkage.Plan, name string, series beam.PCollection) (beam.PCollection, error) {
	s = s.Scope("prepare." + name)
	shards, err := listShards(job, p, name)
	if err != nil {
		return beam.PCollection{}, err
	}
	col := beam.Reshuffle(s, beam.CreateList(s, shards))
	tallies := crossing(s, beam.ParDo(s, &prepareFn{Job: job, Source: name}, col, beam.SideInput{Input: series}))
	return beam.Combine(s, mergeTallies{}, tallies), nil
}

// listShards lists the shards of a source, on the launcher.
func listShards(job Job, p *linkage.Plan, name string) ([]shard, error) {
	files, err := expand(context.Background(), job.input(source(p, name)), "--input "+name+"=GLOB")
	if err != nil {
		return nil, err
	}
	shards := make([]shard, len(files))
	for i, f := range files {
		shards[i] = shard{Source: name, Path: f, Index: i, Count: len(files)}
	}
	return shards, nil
}

// prepareFn prepares shards, one batch at a time.
type prepareFn struct {
	Job    Job
	Source string

	w      *worker
	cfg    linkage.PrepareConfig
	series *seriesCache
}

func (f *prepareFn) Setup(ctx context.Context) error {
	w, err := f.Job.open(ctx)
	if err != nil {
		return err
	}
	f.w, f.series = w, &seriesCache{}
	f.cfg, err = w.plan.SourceConfig(f.Source, linkage.LinkOptions{Key: w.key, Workers: 1, Tool: f.Job.Tool, Overwrite: true})
	f.cfg.Write.Parallel = max(f.Job.Workers, 1)
	return err
}

func (f *prepareFn) Teardown() {
	if f.w != nil {
		f.w.key.Close()
	}
}

// ProcessElement prepares one shard and emits its tally.
func (f *prepareFn) ProcessElement(ctx context.Context, sh shard, series []byte, emit func(tally)) error {
	cfg := f.cfg
	var err error
	if cfg.Series, err = f.series.get(series); err != nil {
		return err
	}
	t, err := prepareShard(ctx, f.Job, f.w.plan, cfg, sh)
	if err != nil {
		return err
	}
	shardsPrepared.Inc(ctx, 1)
	rowsRead.Inc(ctx, t.Counts.RowsRead)
	rowsQuarantined.Inc(ctx, t.Counts.RowsQuarantine)
	emit(t)
	return nil
}

// prepareShard streams one shard through the pipeline of cfg: read
// through Beam's file systems, each batch transformed and its delivered
// and quarantined rows written to the staging folder, its counts added to
// the shard's tally. Nothing is read or written twice.
func prepareShard(ctx context.Context, job Job, p *linkage.Plan, cfg linkage.PrepareConfig, sh shard) (tally, error) {
	t := newTally(sh.Source)
	t.Shards = 1
	var err error
	if cfg.Read.Format, err = readFormat(source(p, sh.Source), sh.Path); err != nil {
		return t, err
	}
	r, closeIn, err := openShard(ctx, sh.Path, cfg.Read)
	if err != nil {
		return t, err
	}
	defer closeIn()
	cfg.In, cfg.Out = sh.Path, sh.name(outExt(p))
	pl, err := linkage.NewPipeline(ctx, cfg, r.Schema())
	if err != nil {
		return t, fmt.Errorf("koble-beam: shard %s: %w", sh.Path, err)
	}
	defer pl.Close()
	if t.Schema, err = encodeSchema(r.Schema()); err != nil {
		return t, err
	}
	out, err := createShardOutputs(ctx, job, p, pl, sh)
	if err != nil {
		return t, err
	}
	defer out.abort()
	w := pl.Fork()
	row := int64(1)
	for r.Next() {
		b := r.RecordBatch()
		res, err := w.Transform(ctx, b, row)
		if err != nil {
			return t, fmt.Errorf("koble-beam: shard %s: %w", sh.Path, err)
		}
		row += b.NumRows()
		err = out.write(res)
		t.Counts.Merge(&res.Tally)
		res.Release()
		if err != nil {
			return t, err
		}
	}
	if err := r.Err(); err != nil {
		return t, fmt.Errorf("koble-beam: shard %s: %w", sh.Path, err)
	}
	if t.Staged, err = out.close(pl, &t.Counts); err != nil {
		return t, err
	}
	// What was done to make the shard, for its manifest entry.
	rep, err := pl.Report(&t.Counts)
	if err != nil {
		return t, err
	}
	t.Staged[0].File.Done = linkage.Processing(rep, sh.Source, registerName(p, source(p, sh.Source)))
	t.Staged[0].File.Done.Allowed = cfg.AllowColumns
	return t, nil
}

// registerName is the name of a source's register, as koble link writes
// it: from the plan's catalogue, which may declare registers of its own.
func registerName(p *linkage.Plan, s linkage.SourcePlan) string {
	reg, _ := p.SourceRegister(s.Name)
	return reg.Name
}

var (
	shardsPrepared  = beam.NewCounter("koble", "shards_prepared")
	rowsRead        = beam.NewCounter("koble", "rows_read")
	rowsQuarantined = beam.NewCounter("koble", "rows_quarantined")
)
