package linkage

import (
	"context"
	"runtime"
	"slices"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// Relative says that Columns are to be delivered as whole days since a
// reference date: the row's own Reference column, or, with PersonFirst, the
// person's earliest date among those columns over every row of the input
// (found in a first pass over the file, so the input cannot be standard
// input).
type Relative struct {
	Reference   string
	PersonFirst []string
	Columns     []string
}

// Coarsen says that Column is to be delivered at a lower precision.
type Coarsen struct {
	Column    string
	Precision refdate.Precision
}

// PrepareConfig describes one extract: what to read, how to transform it,
// and where to deliver it. Fields are fixed before [Prepare] is called.
type PrepareConfig struct {
	In, Out string
	// Read and Write configure the input and output files (format, CSV
	// delimiter and encoding, compression). Write.Metadata is extended with
	// what Prepare did.
	Read  formats.ReadOptions
	Write formats.WriteOptions
	// InferTypes reads a CSV input's whole-number and date columns typed
	// as a sample of its first rows shows them (see [InferTypes]), for a
	// Parquet or Arrow output: the ID column, the date columns Prepare
	// shifts, relativises or coarsens, the columns not delivered and
	// those Read.Types names keep theirs. A CSV output keeps the text.
	// The report lists what was inferred.
	InferTypes bool

	// Key is the project key. Prepare does not close it.
	Key *pseudonym.Key
	// IDColumn holds the national IDs; Scheme parses them.
	IDColumn string
	Scheme   pseudonym.Scheme
	// SerialColumn replaces IDColumn, at its position ("lnr" if empty).
	SerialColumn string
	// SerialEncoding is how serials are written (base32 by default).
	SerialEncoding pseudonym.Encoding
	// Crosswalk, if not nil, maps replaced IDs to current ones.
	Crosswalk pseudonym.Crosswalk
	// Series, if not nil, delivers a dense serial series (centralised
	// linkage): rows of persons outside the series are left out and counted
	// as not in the sample, and the serial column holds each person's
	// number (int64). Date shifts still derive from the keyed serial, so
	// they agree with every other source of the project.
	Series *Series
	// Source, if not nil, gives the serials (see [SerialSource]) in place
	// of the project key's HMAC; Key still derives the date shifts, and
	// Scheme and Crosswalk are not used. Prepare forks it once per
	// worker and once for the first pass, and does not close it.
	Source SerialSource
	// Project and DateKey stand in for Key in a run with a Source and no
	// project key (a source of the oblivious-serial service): the
	// project's name, and its date-shift key alone, which shifts dates.
	Project string
	DateKey *pseudonym.DateKey
	// Pseudonyms, if not nil, makes IDColumn a register-pseudonym column
	// (the pseudonymous register's extract): each row's pseudonym is looked
	// up, rows of persons not in the map are left out (not in the sample),
	// and the serial column holds the project serial the map gives. Scheme
	// is not used.
	Pseudonyms *PseudonymMap

	// Shift lists date columns to move by each person's offset, drawn from
	// [-Window, +Window] (whole weeks with KeepWeekday).
	Shift       []string
	Window      int
	KeepWeekday bool
	// Unshifted lists date columns to deliver as they are although Shift
	// moves others. A date delivered unshifted beside a shifted one gives
	// the person's offset away (their difference), and with it every true
	// date: a run that shifts dates refuses to deliver any other date or
	// timestamp column as it is unless it is listed here (see
	// [UnshiftedDateError]).
	Unshifted []string
	// ShiftOptions sets year, bound, timestamp and partial-date policies.
	ShiftOptions refdate.Options
	Relative     []Relative
	Coarsen      []Coarsen

	// Keep, if not empty, delivers only these columns (and the serial);
	// Drop removes columns. At most one of them may be set.
	Keep, Drop []string
	// AllowColumns exempts columns from the leak guard.
	AllowColumns []string

	// ReportPath, if set, receives the JSON report.
	ReportPath string
	// QuarantinePath, if set, receives the quarantined rows' numbers and
	// reasons (CSV, no IDs). With QuarantineRecipients it instead receives
	// the whole rows, age-encrypted to them.
	QuarantinePath       string
	QuarantineRecipients []age.Recipient

	// Workers is the number of goroutines that transform batches, and,
	// unless Write.Parallel says otherwise, that encode the output
	// (GOMAXPROCS if zero). The output is the same
	// for every value. To bound the cores the whole process uses, set
	// GOMAXPROCS too, as `koble prepare --workers` does.
	Workers int
	// Progress, if not nil, is called after each batch with how far the
	// job has come, from the goroutine that writes the output.
	Progress func(Progress)
	// Tool is recorded in the output's metadata ("koble devel" if empty).
	Tool string
}

// Prepare runs one extract (see [PrepareConfig]) in a single streaming
// pass and returns its report. The output, the quarantine file and the
// report appear only if the whole run succeeds; on an error, a leak-guard
// stop or a cancelled ctx, none of them exists afterwards.
func Prepare(ctx context.Context, cfg PrepareConfig) (*Report, error) {
	start := time.Now()
	workers, err := cfg.defaults()
	if err != nil {
		return nil, err
	}
	inferred, err := cfg.inferTypes()
	if err != nil {
		return nil, err
	}
	r, err := formats.Open(cfg.In, cfg.Read)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, err := cfg.newPlan(r.Schema())
	if err != nil {
		return nil, err
	}
	dates, err := cfg.newDates()
	if err != nil {
		return nil, err
	}
	defer clear(dates.key)
	rep := p.newReport(workers)
	rep.TypesInferred = inferred
	w, q, err := p.createOutputs(rep, workers)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	if q != nil {
		defer q.abort()
	}
	src := cfg.serialSource()
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = dates.worker(src.Fork())
	}
	if err := p.firstPass(ctx, src.Fork()); err != nil {
		return nil, err
	}
	persons := newPersonStats()
	if err := p.run(ctx, r, ws, &sink{w: w, q: q, rep: rep, persons: persons}); err != nil {
		return nil, err
	}
	if err := rep.finish(persons, start); err != nil {
		return nil, err
	}
	p.isoTextDates(rep)
	// Everything is written; make it appear.
	if err := w.Close(); err != nil {
		return nil, err
	}
	if q != nil {
		if err := q.commit(); err != nil {
			return nil, err
		}
	}
	if cfg.ReportPath != "" {
		if err := writeJSON(cfg.ReportPath, rep, cfg.Write.Overwrite); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// defaults fills in the scheme, the run's one reference date and the
// allocator, and returns the number of workers.
func (cfg *PrepareConfig) defaults() (workers int, err error) {
	if err := cfg.checkKeys(); err != nil {
		return 0, err
	}
	if cfg.Scheme == nil {
		cfg.Scheme = pseudonym.Norway{}
	}
	if pseudonym.ReferenceOf(cfg.Scheme).IsZero() {
		// One reference date for the whole run, recorded in the report.
		cfg.Scheme = pseudonym.WithReference(cfg.Scheme, pseudonym.DateOf(time.Now()))
	}
	workers = cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Read.Allocator == nil {
		cfg.Read.Allocator = memory.DefaultAllocator
	}
	return workers, nil
}

// serialSource is the run's source of serials: cfg.Source, the
// pseudonymous register's answer, or the project key.
func (cfg *PrepareConfig) serialSource() SerialSource {
	switch {
	case cfg.Source != nil:
		return cfg.Source
	case cfg.Pseudonyms != nil:
		return &pseudonymSource{cfg.Pseudonyms}
	}
	return newKeyedSource(cfg.Key, cfg.Crosswalk, cfg.Scheme)
}

// dates holds what date shifts share between workers: the date-shift key
// (cleared after the run), the offsets each worker clones and the shifter.
type dates struct {
	key     []byte
	offsets *refdate.Offsets
	shifter *refdate.Shifter
}

func (cfg *PrepareConfig) newDates() (*dates, error) {
	d := &dates{}
	if len(cfg.Shift) == 0 {
		return d, nil
	}
	d.key = cfg.dateShiftKey()
	var err error
	if d.offsets, err = refdate.NewOffsets(d.key, cfg.Window, cfg.KeepWeekday); err != nil {
		clear(d.key)
		return nil, err
	}
	if d.shifter, err = refdate.NewShifter(cfg.ShiftOptions); err != nil {
		clear(d.key)
		return nil, err
	}
	return d, nil
}

// worker returns a worker's state with its own serial source.
func (d *dates) worker(src SerialSource) *worker {
	ws := &worker{serials: src, shifter: d.shifter}
	if d.offsets != nil {
		ws.offsets = d.offsets.Clone()
	}
	return ws
}

// writeOptions are the delivery writer's options: the config's, with the
// run's metadata (redacted) and the keyed serial column as a high-entropy column (a
// keyed serial is random text or a random integer: PLAIN, no dictionary,
// no statistics, the fastest zstd; see formats.WriteOptions).
func (p *plan) writeOptions(rep *Report) formats.WriteOptions {
	wo := p.cfg.Write
	// What koble writes about the run passes the redaction step; what
	// the delivered schema says of itself (column names, nested field
	// names, a column's metadata) is the input's and is guarded instead
	// (createOutputs).
	wo.Metadata = redactMetadata(p.metadata(rep))
	if p.cfg.Series == nil {
		wo.HighEntropyColumns = append(slices.Clip(wo.HighEntropyColumns), rep.SerialColumn)
	}
	return wo
}

// createOutputs creates the delivery's writer, with the run's metadata,
// and the quarantine file's, if asked for. The caller aborts both.
func (p *plan) createOutputs(rep *Report, workers int) (formats.Writer, *quarantineWriter, error) {
	cfg := p.cfg
	wo := p.writeOptions(rep)
	md := arrow.MetadataFrom(wo.Metadata)
	if err := guardSchema(cfg.In, arrow.NewSchema(p.out.Fields(), &md)); err != nil {
		return nil, nil, err
	}
	p.sliceKept = cfg.outFormat() == formats.FormatCSV
	if wo.Parallel == 0 {
		wo.Parallel = workers
	}
	w, err := formats.Create(cfg.Out, p.out, wo)
	if err != nil {
		return nil, nil, err
	}
	if cfg.QuarantinePath == "" {
		return w, nil, nil
	}
	q, err := newQuarantineWriter(cfg.QuarantinePath, p.in, cfg.QuarantineRecipients, cfg.Write.Overwrite)
	if err != nil {
		w.Abort()
		return nil, nil, err
	}
	return w, q, nil
}

// sink takes the transformed batches in input order: it writes the rows
// delivered and the quarantine, and counts them in the report.
type sink struct {
	w        formats.Writer
	q        *quarantineWriter
	rep      *Report
	persons  *personStats
	progress func(rows int64) // called after each batch with the rows read
}

func (s *sink) take(o *batchOut) error {
	defer o.release()
	if o.leak != nil {
		return o.leak
	}
	rep := s.rep
	rep.RowsRead += o.rows
	for _, out := range o.outs {
		if out.NumRows() > 0 {
			if err := s.w.Write(out); err != nil {
				return err
			}
		}
		rep.RowsWritten += out.NumRows()
		rep.ColumnNulls = addNulls(rep.ColumnNulls, out)
	}
	for _, qr := range o.quarantine {
		rep.Quarantine[qr.reason]++
	}
	rep.RowsQuarantine += int64(len(o.quarantine))
	rep.RowsNotSample += o.excluded
	if s.q != nil {
		if err := s.q.write(o.quarantine, o.qrows); err != nil {
			return err
		}
	}
	s.persons.addKeys(o.persons)
	if s.progress != nil {
		s.progress(rep.RowsRead)
	}
	return nil
}

// addNulls adds the nulls of each column of a batch delivered to nulls
// (made if nil) and returns it.
func addNulls(nulls map[string]int64, out arrow.RecordBatch) map[string]int64 {
	if nulls == nil {
		nulls = map[string]int64{}
	}
	for i, col := range out.Columns() {
		nulls[out.Schema().Field(i).Name] += int64(col.NullN())
	}
	return nulls
}

// run streams the input through the workers (runOrdered) into the sink.
func (p *plan) run(ctx context.Context, r formats.Reader, ws []*worker, s *sink) error {
	if f := p.cfg.Progress; f != nil {
		s.progress = func(rows int64) { f(ProgressOf("", r, rows)) }
	}
	mem := p.cfg.Read.Allocator
	var nextRow int64 = 1
	next := func() (batchIn, bool, error) {
		if !r.Next() {
			return batchIn{}, false, r.Err()
		}
		b := r.RecordBatch()
		b.Retain()
		in := batchIn{batch: b, firstRow: nextRow}
		nextRow += b.NumRows()
		return in, true, nil
	}
	work := func(wi int, in batchIn) (*batchOut, error) {
		defer in.batch.Release()
		return p.transform(ctx, mem, ws[wi], in)
	}
	return runOrdered(ctx, len(ws), next, work, s.take, func(o *batchOut) { o.release() })
}

// outFormat is the output's format: Write.Format, or what Out names
// (CSV for standard output; unknown for a bad name, which Create reports).
func (cfg *PrepareConfig) outFormat() formats.Format {
	return formatOf(cfg.Write.Format, cfg.Out)
}

// formatOf is the format given, or else the one a path names ("-", the
// standard stream, is CSV).
func formatOf(given formats.Format, path string) formats.Format {
	switch {
	case given != formats.FormatUnknown:
		return given
	case path == "-":
		return formats.FormatCSV
	}
	f, _ := formats.FormatFromPath(path)
	return f
}
