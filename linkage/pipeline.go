package linkage

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
)

// Pipeline is a prepare run's per-batch work without its files: for an
// engine that reads, distributes and writes batches itself. [Prepare] is
// the same work with a reader, an ordered parallel executor and writers
// around it. Build it once from the config, fork a [PipelineWorker] per
// goroutine or worker process, transform each batch, merge the batches'
// [Tally] values, and turn the merged tally into the [Report]:
//
//	pl, err := linkage.NewPipeline(ctx, cfg, inputSchema)
//	defer pl.Close()
//	w := pl.Fork()                       // one per goroutine
//	out, err := w.Transform(ctx, batch, firstRow)
//	... write out.Delivered (schema pl.Schema()), then out.Release()
//	total.Merge(&out.Tally)              // tallies from every worker
//	rep, err := pl.Report(&total)
//
// Delivered rows are compacted (quarantined rows removed) and in input
// order within the batch; the output of a run is that of Prepare when the
// batches are written in input order.
type Pipeline struct {
	p     *plan
	src   SerialSource
	dates *dates
	start time.Time
}

// NewPipeline builds the pipeline of cfg for input batches of schema in.
// cfg.In and cfg.Out only name the input and output in messages and the
// report, with one exception: relative dates counted from a person's
// first date (Relative.PersonFirst) read cfg.In once here, in a first
// pass. Read.Columns, ReportPath, QuarantinePath, Workers and Progress are
// not used. A column name or metadata of the delivery that holds a
// national ID is refused here, as a *[LeakError]. Call Close when done.
func NewPipeline(ctx context.Context, cfg PrepareConfig, in *arrow.Schema) (*Pipeline, error) {
	if _, err := cfg.defaults(); err != nil {
		return nil, err
	}
	p, err := cfg.newPlan(in)
	if err != nil {
		return nil, err
	}
	d, err := cfg.newDates()
	if err != nil {
		return nil, err
	}
	pl := &Pipeline{p: p, src: cfg.serialSource(), dates: d, start: time.Now()}
	// What the delivery says of itself (column names, nested fields,
	// metadata) is guarded here, as Prepare guards it before writing.
	md := arrow.MetadataFrom(pl.WriteOptions().Metadata)
	if err := guardSchema(cfg.In, arrow.NewSchema(p.out.Fields(), &md)); err != nil {
		pl.Close()
		return nil, err
	}
	if err := p.firstPass(ctx, pl.src.Fork()); err != nil {
		pl.Close()
		return nil, err
	}
	return pl, nil
}

// Schema is the schema of the delivered batches.
func (pl *Pipeline) Schema() *arrow.Schema { return pl.p.out }

// WriteOptions are the options Prepare writes the delivery with: the
// config's Write options, the run's metadata (as [Pipeline.Metadata]) and
// the keyed serial column as a high-entropy column. A writer made with
// them from the delivered batches writes Prepare's bytes.
func (pl *Pipeline) WriteOptions() formats.WriteOptions {
	return pl.p.writeOptions(pl.p.newReport(1))
}

// Metadata is the key-value metadata Prepare gives the delivered file:
// what was done, with no time stamp.
func (pl *Pipeline) Metadata() map[string]string { return pl.p.metadata(pl.p.newReport(1)) }

// Close clears the pipeline's date-shift key. Workers forked from it must
// not be used afterwards.
func (pl *Pipeline) Close() { clear(pl.dates.key) }

// PipelineWorker transforms batches on one goroutine.
type PipelineWorker struct {
	pl *Pipeline
	ws *worker
}

// Fork returns a worker for one goroutine, with its own serial source
// fork and caches. Pipeline is safe to fork from several goroutines.
func (pl *Pipeline) Fork() *PipelineWorker {
	return &PipelineWorker{pl: pl, ws: pl.dates.worker(pl.src.Fork())}
}

// QuarantinedRow is one input row that is not delivered: its 1-based
// row number in the input, the reason and the column that holds the
// problem. It holds no value of the row.
type QuarantinedRow struct {
	Row    int64
	Reason string
	Column string
}

// PipelineBatch is the result of transforming one input batch. The
// caller releases it.
type PipelineBatch struct {
	// Delivered are the rows delivered, on [Pipeline.Schema].
	Delivered []arrow.RecordBatch
	// Quarantine lists the quarantined rows in input order.
	Quarantine []QuarantinedRow
	// QuarantineRows are the whole quarantined input rows, on the input
	// schema, when cfg.QuarantineRecipients is set (to be encrypted);
	// nil otherwise.
	QuarantineRows arrow.RecordBatch
	// Tally counts the batch, for the report.
	Tally Tally
}

// Release releases the batch's record batches.
func (b *PipelineBatch) Release() {
	for _, d := range b.Delivered {
		d.Release()
	}
	if b.QuarantineRows != nil {
		b.QuarantineRows.Release()
	}
}

// Transform runs the pipeline on one input batch, whose first row is row
// firstRow (1-based) of the input. It does not keep or release batch. A
// leak-guard finding is returned as a *[LeakError]: the run must stop.
func (w *PipelineWorker) Transform(ctx context.Context, batch arrow.RecordBatch, firstRow int64) (*PipelineBatch, error) {
	p := w.pl.p
	o, err := p.transform(ctx, p.cfg.Read.Allocator, w.ws, batchIn{batch: batch, firstRow: firstRow})
	if err != nil {
		return nil, err
	}
	if o.leak != nil {
		o.release()
		return nil, o.leak
	}
	out := &PipelineBatch{Delivered: o.outs, QuarantineRows: o.qrows, Tally: Tally{RowsRead: o.rows,
		RowsQuarantine: int64(len(o.quarantine)), RowsNotSample: o.excluded, Quarantine: map[string]int64{}, Persons: map[uint64]uint32{}}}
	for _, d := range o.outs {
		out.Tally.RowsWritten += d.NumRows()
		out.Tally.ColumnNulls = addNulls(out.Tally.ColumnNulls, d)
	}
	for _, q := range o.quarantine {
		out.Quarantine = append(out.Quarantine, QuarantinedRow{Row: q.row, Reason: q.reason, Column: q.column})
		out.Tally.Quarantine[q.reason]++
	}
	for _, k := range o.persons {
		out.Tally.Persons[k]++
	}
	return out, nil
}

// Tally counts what a pipeline did to some batches. Tallies of any parts
// of a run merge, in any order, into the run's; a Tally encodes as JSON
// (or gob) to move between processes. Persons are keyed by a serial's
// first 64 bits, which are not a serial and hold no ID.
type Tally struct {
	RowsRead       int64            `json:"rows_read"`
	RowsWritten    int64            `json:"rows_written"`
	RowsQuarantine int64            `json:"rows_quarantined"`
	RowsNotSample  int64            `json:"rows_not_in_sample"`
	Quarantine     map[string]int64 `json:"quarantined_by_reason"`
	// Persons counts the rows delivered per person. It grows with the
	// persons of the batches tallied (Prepare's own statistics switch to
	// an estimate above about a million; Report does the same).
	Persons map[uint64]uint32 `json:"persons"`
	// ColumnNulls counts the nulls of each delivered column (see
	// Report.ColumnNulls).
	ColumnNulls map[string]int64 `json:"column_nulls,omitempty"`
}

// Merge adds o to t.
func (t *Tally) Merge(o *Tally) {
	t.RowsRead += o.RowsRead
	t.RowsWritten += o.RowsWritten
	t.RowsQuarantine += o.RowsQuarantine
	t.RowsNotSample += o.RowsNotSample
	if t.Quarantine == nil {
		t.Quarantine = map[string]int64{}
	}
	for r, n := range o.Quarantine {
		t.Quarantine[r] += n
	}
	if t.Persons == nil {
		t.Persons = map[uint64]uint32{}
	}
	for k, n := range o.Persons {
		t.Persons[k] += n
	}
	for c, n := range o.ColumnNulls {
		if t.ColumnNulls == nil {
			t.ColumnNulls = map[string]int64{}
		}
		t.ColumnNulls[c] += n
	}
}

// Report turns a run's merged tally into its report, as Prepare writes
// it (with one worker, timed from NewPipeline). It fails if the tally
// does not account for every row read.
func (pl *Pipeline) Report(t *Tally) (*Report, error) {
	rep := pl.p.newReport(1)
	rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine, rep.RowsNotSample = t.RowsRead, t.RowsWritten, t.RowsQuarantine, t.RowsNotSample
	for r, n := range t.Quarantine {
		rep.Quarantine[r] = n
	}
	for c, n := range t.ColumnNulls {
		if rep.ColumnNulls == nil {
			rep.ColumnNulls = map[string]int64{}
		}
		rep.ColumnNulls[c] = n
	}
	persons := newPersonStats()
	for k, n := range t.Persons {
		persons.addRows(k, n)
	}
	if err := rep.finish(persons, pl.start); err != nil {
		return nil, err
	}
	return rep, nil
}
