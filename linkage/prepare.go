package linkage

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
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
	// Progress, if not nil, is called with the rows read so far.
	Progress func(rows int64)
	// Tool is recorded in the output's metadata ("koble devel" if empty).
	Tool string
}

// Report says what Prepare did. It holds counts and names, never an ID.
type Report struct {
	Input          string           `json:"input"`
	Output         string           `json:"output"`
	Project        string           `json:"project"`
	KeyFingerprint string           `json:"key_fingerprint"`
	Scheme         string           `json:"id_scheme"`
	ReferenceDate  string           `json:"reference_date,omitempty"`
	IDColumn       string           `json:"id_column"`
	SerialColumn   string           `json:"serial_column"`
	SerialEncoding string           `json:"serial_encoding"`
	RowsRead       int64            `json:"rows_read"`
	RowsWritten    int64            `json:"rows_written"`
	RowsQuarantine int64            `json:"rows_quarantined"`
	RowsNotSample  int64            `json:"rows_not_in_sample,omitempty"`
	Quarantine     map[string]int64 `json:"quarantined_by_reason"`
	Persons        int64            `json:"distinct_persons"`
	// PersonsEstimated is true above about a million persons: the count is
	// then a HyperLogLog estimate (standard error 0.8%) and rows per person
	// come from a uniform 1/64 sample of persons, so that memory does not
	// grow with the input.
	PersonsEstimated bool `json:"distinct_persons_estimated"`
	RowsPerPerson    struct {
		Min    int64   `json:"min"`
		Median float64 `json:"median"`
		Max    int64   `json:"max"`
	} `json:"rows_per_person"`
	ColumnsIn  []string `json:"columns_in"`
	ColumnsOut []string `json:"columns_out"`
	Dates      struct {
		Shifted     []string          `json:"shifted,omitempty"`
		Window      int               `json:"window,omitempty"`
		KeepWeekday bool              `json:"keep_weekday,omitempty"`
		Relative    map[string]string `json:"relative,omitempty"`
		Coarsened   map[string]string `json:"coarsened,omitempty"`
	} `json:"dates"`
	Workers       int     `json:"workers"`
	Seconds       float64 `json:"elapsed_seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
}

// DefaultSerialColumn is the name of the serial column unless told.
const DefaultSerialColumn = "lnr"

// column roles in the output.
type role uint8

const (
	rolePass role = iota
	roleSerial
	roleShift
	roleRelative
	roleCoarsen
)

type outColumn struct {
	field     arrow.Field
	in        int // input column index
	role      role
	ref       int   // reference column index for roleRelative, or -1
	first     []int // PersonFirst columns for roleRelative
	group     int   // index into plan.firsts for PersonFirst
	precision refdate.Precision
}

// plan is the validated shape of a prepare run.
type plan struct {
	cfg    *PrepareConfig
	in     *arrow.Schema
	out    *arrow.Schema
	idCol  int
	cols   []outColumn
	guard  []int // output columns the leak guard scans
	serial arrow.DataType
	// firsts are the PersonFirst groups: the columns, and after the first
	// pass each person's earliest day among them, keyed by serial prefix.
	firsts []personFirst
	// sliceKept: the output is CSV, which is encoded row by row, so the
	// rows kept are delivered as slices of the batch rather than copied.
	sliceKept bool
}

type personFirst struct {
	cols  []int
	first map[uint64]int32
}

func (cfg *PrepareConfig) newPlan(in *arrow.Schema) (*plan, error) {
	p := &plan{cfg: cfg, in: in}
	index := map[string]int{}
	names := make([]string, in.NumFields())
	for i, f := range in.Fields() {
		index[f.Name] = i
		names[i] = f.Name
	}
	need := func(what, col string) (int, error) {
		i, ok := index[col]
		if !ok {
			return 0, fmt.Errorf("linkage: %s: %s column %q: %w (it has %s)", cfg.In, what, col, formats.ErrMissingColumn, formats.ColumnList(names))
		}
		return i, nil
	}
	var err error
	if p.idCol, err = need("ID", cfg.IDColumn); err != nil {
		return nil, err
	}
	if len(cfg.Keep) > 0 && len(cfg.Drop) > 0 {
		return nil, errors.New("linkage: give columns to keep or to drop, not both")
	}
	handled := map[int]string{}
	mark := func(i int, how string) error {
		if prev, ok := handled[i]; ok {
			return fmt.Errorf("linkage: column %q is both %s and %s", names[i], prev, how)
		}
		handled[i] = how
		return nil
	}
	mark(p.idCol, "the ID column")
	shift := map[int]bool{}
	for _, c := range cfg.Shift {
		i, err := need("date", c)
		if err != nil {
			return nil, err
		}
		if err := checkDateType(cfg.In, in.Field(i)); err != nil {
			return nil, err
		}
		if err := mark(i, "shifted"); err != nil {
			return nil, err
		}
		shift[i] = true
	}
	type relSpec struct {
		ref   int
		first []int
		group int
	}
	relative := map[int]relSpec{}
	for _, r := range cfg.Relative {
		spec := relSpec{ref: -1}
		switch {
		case r.Reference != "" && len(r.PersonFirst) > 0:
			return nil, errors.New("linkage: a relative date counts from a Reference column or from PersonFirst, not both")
		case r.Reference != "":
			ref, err := need("reference date", r.Reference)
			if err != nil {
				return nil, err
			}
			if err := checkDateType(cfg.In, in.Field(ref)); err != nil {
				return nil, err
			}
			spec.ref = ref
		case len(r.PersonFirst) > 0:
			if cfg.In == "-" {
				return nil, errors.New("linkage: a person's earliest date needs two passes over the input: give a file, not standard input")
			}
			for _, c := range r.PersonFirst {
				i, err := need("reference date", c)
				if err != nil {
					return nil, err
				}
				if err := checkDateType(cfg.In, in.Field(i)); err != nil {
					return nil, err
				}
				spec.first = append(spec.first, i)
			}
			spec.group = len(p.firsts)
			p.firsts = append(p.firsts, personFirst{cols: spec.first})
		default:
			return nil, errors.New("linkage: a relative date needs a reference")
		}
		for _, c := range r.Columns {
			i, err := need("date", c)
			if err != nil {
				return nil, err
			}
			if err := checkDateType(cfg.In, in.Field(i)); err != nil {
				return nil, err
			}
			if err := mark(i, "relative"); err != nil {
				return nil, err
			}
			relative[i] = spec
		}
	}
	coarsen := map[int]refdate.Precision{}
	for _, c := range cfg.Coarsen {
		i, err := need("date", c.Column)
		if err != nil {
			return nil, err
		}
		if err := checkDateType(cfg.In, in.Field(i)); err != nil {
			return nil, err
		}
		if err := mark(i, "coarsened"); err != nil {
			return nil, err
		}
		coarsen[i] = c.Precision
	}
	keep := map[int]bool{}
	for _, c := range cfg.Keep {
		i, err := need("kept", c)
		if err != nil {
			return nil, err
		}
		keep[i] = true
	}
	drop := map[int]bool{}
	for _, c := range cfg.Drop {
		i, err := need("dropped", c)
		if err != nil {
			return nil, err
		}
		drop[i] = true
	}
	allow := map[string]bool{}
	for _, c := range cfg.AllowColumns {
		if _, err := need("allowed", c); err != nil {
			return nil, err
		}
		allow[c] = true
	}
	serialName := cfg.SerialColumn
	if serialName == "" {
		serialName = DefaultSerialColumn
	}
	if j, clash := index[serialName]; clash && j != p.idCol && !drop[j] && (len(keep) == 0 || keep[j]) {
		return nil, fmt.Errorf("linkage: %s already has a column %q; name the serial column otherwise", cfg.In, serialName)
	}
	p.serial = arrow.BinaryTypes.String
	if cfg.Pseudonyms != nil && (cfg.SerialEncoding != pseudonym.EncodingBase32 || cfg.Series != nil) {
		return nil, errors.New("linkage: a pseudonymous register's extract delivers base32 project serials only")
	}
	if cfg.SerialEncoding == pseudonym.EncodingInt64 || cfg.Series != nil {
		p.serial = arrow.PrimitiveTypes.Int64
	}
	var fields []arrow.Field
	for i, f := range in.Fields() {
		oc := outColumn{in: i, field: f}
		switch {
		case i == p.idCol:
			oc.role = roleSerial
			oc.field = arrow.Field{Name: serialName, Type: p.serial, Nullable: false}
		case drop[i], len(keep) > 0 && !keep[i]:
			continue
		case shift[i]:
			oc.role = roleShift
		case coarsen[i] != 0:
			oc.role, oc.precision = roleCoarsen, coarsen[i]
			oc.field = arrow.Field{Name: f.Name, Type: refdate.CoarsenType(coarsen[i]), Nullable: true}
		default:
			if spec, ok := relative[i]; ok {
				oc.role, oc.ref, oc.first, oc.group = roleRelative, spec.ref, spec.first, spec.group
				oc.field = arrow.Field{Name: f.Name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}
			}
		}
		if oc.role == rolePass && !allow[f.Name] {
			if sensitiveName(f.Name) {
				return nil, &LeakError{File: cfg.Out, Column: f.Name, Name: true}
			}
			p.guard = append(p.guard, len(p.cols))
		}
		p.cols = append(p.cols, oc)
		fields = append(fields, oc.field)
	}
	p.out = arrow.NewSchema(fields, nil)
	return p, nil
}

func checkDateType(file string, f arrow.Field) error {
	switch f.Type.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.STRING:
		return nil
	}
	return fmt.Errorf("linkage: %s: column %q is %s, not a date (want a date, timestamp or date strings)", file, f.Name, f.Type)
}

// batchIn is one input batch with its first row number (1-based).
type batchIn struct {
	batch    arrow.RecordBatch
	firstRow int64
}

// quarantined is one row that is not delivered.
type quarantined struct {
	row    int64 // 1-based input row
	index  int   // row within its batch
	reason string
	column string
}

// batchOut is the result of transforming one batch.
type batchOut struct {
	outs       []arrow.RecordBatch // delivered rows, in order
	rows       int64               // rows read
	quarantine []quarantined
	excluded   int64             // rows of persons outside the series
	qrows      arrow.RecordBatch // the quarantined input rows, if kept
	persons    []uint64          // the serial prefix of each delivered row
	leak       *LeakError
}

func (b *batchOut) release() {
	for _, o := range b.outs {
		o.Release()
	}
	if b.qrows != nil {
		b.qrows.Release()
	}
}

// worker holds one goroutine's state.
type worker struct {
	serials *pseudonym.Serials
	offsets *refdate.Offsets
	shifter *refdate.Shifter
	sers    []pseudonym.Serial
	reasons []pseudonym.Reason
	offs    []int32
	sbytes  [][]byte
}

// Prepare runs one extract (see [PrepareConfig]) in a single streaming
// pass and returns its report. The output, the quarantine file and the
// report appear only if the whole run succeeds; on an error, a leak-guard
// stop or a cancelled ctx, none of them exists afterwards.
func Prepare(ctx context.Context, cfg PrepareConfig) (*Report, error) {
	start := time.Now()
	if cfg.Key == nil {
		return nil, errors.New("linkage: no project key")
	}
	if cfg.Scheme == nil {
		cfg.Scheme = pseudonym.Norway{}
	}
	if pseudonym.ReferenceOf(cfg.Scheme).IsZero() {
		// One reference date for the whole run, recorded in the report.
		cfg.Scheme = pseudonym.WithReference(cfg.Scheme, pseudonym.DateOf(time.Now()))
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	mem := cfg.Read.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	cfg.Read.Allocator = mem
	r, err := formats.Open(cfg.In, cfg.Read)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, err := cfg.newPlan(r.Schema())
	if err != nil {
		return nil, err
	}
	var dateKey []byte
	var baseOffsets *refdate.Offsets
	var shifter *refdate.Shifter
	if len(cfg.Shift) > 0 {
		dateKey = cfg.Key.DateShiftKey()
		defer clear(dateKey)
		if baseOffsets, err = refdate.NewOffsets(dateKey, cfg.Window, cfg.KeepWeekday); err != nil {
			return nil, err
		}
		if shifter, err = refdate.NewShifter(cfg.ShiftOptions); err != nil {
			return nil, err
		}
	}

	rep := &Report{Input: cfg.In, Output: cfg.Out, Project: cfg.Key.Project(), KeyFingerprint: cfg.Key.Fingerprint(),
		Scheme: cfg.Scheme.Code(), ReferenceDate: pseudonym.ReferenceOf(cfg.Scheme).String(), IDColumn: cfg.IDColumn,
		SerialEncoding: cfg.SerialEncoding.String(), Quarantine: map[string]int64{}, Workers: workers}
	for _, oc := range p.cols {
		if oc.role == roleSerial {
			rep.SerialColumn = oc.field.Name
		}
	}
	for _, f := range p.in.Fields() {
		rep.ColumnsIn = append(rep.ColumnsIn, f.Name)
	}
	for _, f := range p.out.Fields() {
		rep.ColumnsOut = append(rep.ColumnsOut, f.Name)
	}
	if len(cfg.Shift) > 0 {
		rep.Dates.Shifted, rep.Dates.Window, rep.Dates.KeepWeekday = cfg.Shift, cfg.Window, cfg.KeepWeekday
	}
	for _, rel := range cfg.Relative {
		if rep.Dates.Relative == nil {
			rep.Dates.Relative = map[string]string{}
		}
		ref := rel.Reference
		if ref == "" {
			ref = "first(" + strings.Join(rel.PersonFirst, ",") + ")"
		}
		for _, c := range rel.Columns {
			rep.Dates.Relative[c] = ref
		}
	}
	for _, c := range cfg.Coarsen {
		if rep.Dates.Coarsened == nil {
			rep.Dates.Coarsened = map[string]string{}
		}
		rep.Dates.Coarsened[c.Column] = c.Precision.String()
	}

	wo := cfg.Write
	wo.Metadata = p.metadata(rep)
	outFormat := wo.Format
	switch {
	case outFormat != formats.FormatUnknown:
	case cfg.Out == "-":
		outFormat = formats.FormatCSV
	default:
		outFormat, _ = formats.FormatFromPath(cfg.Out) // Create below reports a bad one
	}
	p.sliceKept = outFormat == formats.FormatCSV
	if wo.Parallel == 0 {
		wo.Parallel = workers
	}
	w, err := formats.Create(cfg.Out, p.out, wo)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	var q *quarantineWriter
	if cfg.QuarantinePath != "" {
		if q, err = newQuarantineWriter(cfg.QuarantinePath, p.in, cfg.QuarantineRecipients, cfg.Write.Overwrite); err != nil {
			return nil, err
		}
		defer q.abort()
	}

	workerState := make([]*worker, workers)
	for i := range workerState {
		ws := &worker{serials: cfg.Key.Serials(pseudonym.SerialOptions{Crosswalk: cfg.Crosswalk, CacheSize: 1 << 16}), shifter: shifter}
		if baseOffsets != nil {
			ws.offsets = baseOffsets.Clone()
		}
		workerState[i] = ws
	}

	if err := p.firstPass(ctx, cfg.Key.Serials(pseudonym.SerialOptions{Crosswalk: cfg.Crosswalk, CacheSize: 1 << 16})); err != nil {
		return nil, err
	}

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
	persons := newPersonStats()
	sink := func(o *batchOut) error {
		defer o.release()
		if o.leak != nil {
			return o.leak
		}
		rep.RowsRead += o.rows
		for _, out := range o.outs {
			if out.NumRows() > 0 {
				if err := w.Write(out); err != nil {
					return err
				}
			}
			rep.RowsWritten += out.NumRows()
		}
		for _, qr := range o.quarantine {
			rep.Quarantine[qr.reason]++
		}
		rep.RowsQuarantine += int64(len(o.quarantine))
		rep.RowsNotSample += o.excluded
		if q != nil {
			if err := q.write(o.quarantine, o.qrows); err != nil {
				return err
			}
		}
		persons.addKeys(o.persons)
		if cfg.Progress != nil {
			cfg.Progress(rep.RowsRead)
		}
		return nil
	}
	work := func(wi int, in batchIn) (*batchOut, error) {
		defer in.batch.Release()
		return p.transform(ctx, mem, workerState[wi], in)
	}
	if err := runOrdered(ctx, workers, next, work, sink, func(o *batchOut) { o.release() }); err != nil {
		return nil, err
	}

	// Persons and rows per person.
	rep.Persons = persons.persons()
	rep.RowsPerPerson.Min, rep.RowsPerPerson.Median, rep.RowsPerPerson.Max = persons.perPerson()
	rep.PersonsEstimated = persons.estimated()
	if rep.RowsRead != rep.RowsWritten+rep.RowsQuarantine+rep.RowsNotSample {
		return nil, fmt.Errorf("linkage: internal error: %d rows read, %d written, %d quarantined, %d not in the sample", rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine, rep.RowsNotSample)
	}
	el := time.Since(start)
	rep.Seconds = math.Round(el.Seconds()*1000) / 1000
	if el > 0 {
		rep.RowsPerSecond = math.Round(float64(rep.RowsRead) / el.Seconds())
	}

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

// metadata records what was done, for the output's key-value metadata.
// It holds no time stamp, so the same inputs give byte-identical outputs.
func (p *plan) metadata(rep *Report) map[string]string {
	md := map[string]string{}
	for k, v := range p.cfg.Write.Metadata {
		md[k] = v
	}
	tool := p.cfg.Tool
	if tool == "" {
		tool = "koble devel"
	}
	md["koble.version"] = tool
	md["koble.project"] = rep.Project
	md["koble.key_fingerprint"] = rep.KeyFingerprint
	md["koble.id_scheme"] = rep.Scheme
	md["koble.serial_column"] = rep.SerialColumn
	md["koble.serial_encoding"] = rep.SerialEncoding
	if p.cfg.Series != nil {
		md["koble.serial_encoding"] = "dense-series"
	}
	md["koble.serial_source_column"] = p.cfg.IDColumn
	if rep.ReferenceDate != "" {
		md["koble.reference_date"] = rep.ReferenceDate
	}
	if len(p.cfg.Shift) > 0 {
		md["koble.dates.shifted"] = strings.Join(p.cfg.Shift, ",")
		md["koble.dates.window"] = strconv.Itoa(p.cfg.Window)
		md["koble.dates.keep_weekday"] = strconv.FormatBool(p.cfg.KeepWeekday)
	}
	if len(rep.Dates.Relative) > 0 {
		b, _ := json.Marshal(rep.Dates.Relative)
		md["koble.dates.relative"] = string(b)
	}
	if len(rep.Dates.Coarsened) > 0 {
		b, _ := json.Marshal(rep.Dates.Coarsened)
		md["koble.dates.coarsened"] = string(b)
	}
	var transformed []string
	for _, oc := range p.cols {
		if oc.role != rolePass {
			transformed = append(transformed, oc.field.Name)
		}
	}
	sort.Strings(transformed)
	md["koble.transformed_columns"] = strings.Join(transformed, ",")
	return md
}

// transform turns one input batch into delivered rows and quarantine.
func (p *plan) transform(ctx context.Context, mem memory.Allocator, ws *worker, in batchIn) (*batchOut, error) {
	b := in.batch
	n := int(b.NumRows())
	if cap(ws.sers) < n {
		ws.sers = make([]pseudonym.Serial, n)
		ws.reasons = make([]pseudonym.Reason, n)
		ws.offs = make([]int32, n)
		ws.sbytes = make([][]byte, n)
	}
	sers, reasons := ws.sers[:n], ws.reasons[:n]
	out := &batchOut{rows: int64(n)}
	bad := make([]bool, n)  // quarantined
	skip := make([]bool, n) // not in the series: left out, not quarantined
	if p.cfg.Pseudonyms != nil {
		if err := p.cfg.Pseudonyms.lookup(b.Column(p.idCol), sers, reasons, skip); err != nil {
			return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.cfg.IDColumn, err)
		}
		for i := range skip {
			if skip[i] {
				out.excluded++
			}
		}
	} else if _, err := ws.serials.ComputeArray(p.cfg.Scheme, b.Column(p.idCol), sers, reasons); err != nil {
		return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.cfg.IDColumn, err)
	}
	var numbers []int64
	for i, r := range reasons {
		if r != pseudonym.ReasonNone {
			bad[i] = true
			out.quarantine = append(out.quarantine, quarantined{row: in.firstRow + int64(i), index: i, reason: "id-" + r.String(), column: p.cfg.IDColumn})
		}
	}
	if p.cfg.Series != nil {
		numbers = make([]int64, n)
		for i := range sers {
			if bad[i] {
				continue
			}
			num, ok := p.cfg.Series.Number(&sers[i])
			if !ok {
				skip[i] = true
				out.excluded++
				continue
			}
			numbers[i] = num
		}
	}
	var offs []int32
	if ws.offsets != nil {
		offs = ws.offs[:n]
		sb := ws.sbytes[:n]
		for i := range sb {
			if bad[i] || skip[i] {
				sb[i] = nil
			} else {
				sb[i] = sers[i][:refdate.SerialBytes]
			}
		}
		ws.offsets.Fill(offs, sb)
	}

	cols := make([]arrow.Array, len(p.cols))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	problem := func(i int, reason, column string) {
		if !bad[i] && !skip[i] {
			bad[i] = true
			out.quarantine = append(out.quarantine, quarantined{row: in.firstRow + int64(i), index: i, reason: reason, column: column})
		}
	}
	for k, oc := range p.cols {
		src := b.Column(oc.in)
		switch oc.role {
		case rolePass:
			src.Retain()
			cols[k] = src
		case roleSerial:
			cols[k] = p.serialArray(mem, sers, numbers, bad, skip)
		case roleShift:
			a, probs, err := ws.shifter.ShiftArray(mem, src, offs)
			if err != nil {
				return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, oc.field.Name, err)
			}
			cols[k] = a
			unparsable := 0
			for _, pr := range probs {
				if pr.Reason == refdate.ReasonUnparsable {
					unparsable++
				}
				if pr.Reason != refdate.ReasonNoPerson {
					problem(pr.Row, pr.Reason.String(), oc.field.Name)
				}
			}
			if unparsable > 0 && unparsable == src.Len()-src.NullN() {
				return nil, fmt.Errorf("linkage: %s: column %q does not hold dates: no value in rows %d-%d is a date (YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD)",
					p.cfg.In, oc.field.Name, in.firstRow, in.firstRow+int64(n)-1)
			}
		case roleRelative:
			var ref []int32
			var refValid []bool
			if oc.ref >= 0 {
				var probs []refdate.Problem
				var err error
				ref, refValid, probs, err = refdate.Days(b.Column(oc.ref))
				if err != nil {
					return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(oc.ref).Name, err)
				}
				for _, pr := range probs {
					problem(pr.Row, pr.Reason.String(), p.in.Field(oc.ref).Name)
				}
			} else {
				// The row's own reference values must be dates, as in the
				// first pass; the reference is the person's earliest.
				for _, c := range oc.first {
					_, _, probs, err := refdate.Days(b.Column(c))
					if err != nil {
						return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(c).Name, err)
					}
					for _, pr := range probs {
						problem(pr.Row, pr.Reason.String(), p.in.Field(c).Name)
					}
				}
				ref, refValid = make([]int32, n), make([]bool, n)
				first := p.firsts[oc.group].first
				for i := 0; i < n; i++ {
					if !bad[i] {
						ref[i], refValid[i] = first[serialPrefix(&sers[i])]
					}
				}
			}
			a, probs, err := refdate.RelativeArray(mem, src, ref, refValid)
			if err != nil {
				return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, oc.field.Name, err)
			}
			cols[k] = a
			for _, pr := range probs {
				problem(pr.Row, pr.Reason.String(), oc.field.Name)
			}
		case roleCoarsen:
			a, probs, err := refdate.CoarsenArray(mem, src, oc.precision)
			if err != nil {
				return nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, oc.field.Name, err)
			}
			cols[k] = a
			for _, pr := range probs {
				problem(pr.Row, pr.Reason.String(), oc.field.Name)
			}
		}
	}
	sort.Slice(out.quarantine, func(a, c int) bool { return out.quarantine[a].row < out.quarantine[c].row })

	full := array.NewRecordBatch(p.out, cols, int64(n))
	defer full.Release()
	if len(out.quarantine) == 0 && out.excluded == 0 {
		full.Retain()
		out.outs = []arrow.RecordBatch{full}
	} else {
		keep := make([]bool, n)
		for i := range keep {
			keep[i] = !bad[i] && !skip[i]
		}
		if p.sliceKept {
			// The writer encodes row by row: hand it the runs of kept
			// rows as they are, with no copy.
			runs, _ := keptRuns(keep)
			for _, r := range runs {
				out.outs = append(out.outs, full.NewSlice(int64(r[0]), int64(r[1])))
			}
		} else {
			kept, err := filterBatch(ctx, mem, p.out, full, keep)
			if err != nil {
				return nil, fmt.Errorf("linkage: filtering quarantined rows: %w", err)
			}
			out.outs = []arrow.RecordBatch{kept}
		}
		cctx := compute.WithAllocator(ctx, mem)
		if p.cfg.QuarantineRecipients != nil && len(out.quarantine) > 0 {
			idx := array.NewInt64Builder(mem)
			for _, qr := range out.quarantine {
				idx.Append(int64(qr.index))
			}
			indices := idx.NewArray()
			idx.Release()
			qcols := make([]arrow.Array, b.NumCols())
			for c := range qcols {
				t, err := compute.TakeArray(cctx, b.Column(c), indices)
				if err != nil {
					indices.Release()
					return nil, fmt.Errorf("linkage: taking quarantined rows: %w", err)
				}
				qcols[c] = t
			}
			indices.Release()
			out.qrows = array.NewRecordBatch(p.in, qcols, int64(len(out.quarantine)))
			for _, c := range qcols {
				c.Release()
			}
		}
	}
	for i := 0; i < n; i++ {
		if !bad[i] && !skip[i] {
			out.persons = append(out.persons, serialPrefix(&sers[i]))
		}
	}

	// The leak guard: no delivered column may hold a valid national ID.
	for _, k := range p.guard {
		var c int64
		for _, o := range out.outs {
			c += countIDs(o.Column(k), p.cfg.Scheme)
		}
		if c > 0 {
			out.leak = &LeakError{File: p.cfg.Out, Column: p.out.Field(k).Name, Count: c}
			break
		}
	}
	return out, nil
}

// serialPrefix is the first 64 bits of a serial, which identify a person
// within one run (collisions among 20 million persons: p < 1.1e-5, and a
// collision only merges two persons' counts in the report or their
// PersonFirst reference).
func serialPrefix(s *pseudonym.Serial) uint64 {
	return binary.BigEndian.Uint64(s[:8])
}

// firstPass reads the input once for the PersonFirst groups: each person's
// earliest day among each group's columns.
func (p *plan) firstPass(ctx context.Context, serials *pseudonym.Serials) error {
	if len(p.firsts) == 0 {
		return nil
	}
	cols := []string{p.cfg.IDColumn}
	pos := map[int]int{p.idCol: 0}
	for g := range p.firsts {
		p.firsts[g].first = map[uint64]int32{}
		for _, c := range p.firsts[g].cols {
			if _, ok := pos[c]; !ok {
				pos[c] = len(cols)
				cols = append(cols, p.in.Field(c).Name)
			}
		}
	}
	ro := p.cfg.Read
	ro.Columns = cols
	r, err := formats.Open(p.cfg.In, ro)
	if err != nil {
		return err
	}
	defer r.Close()
	var sers []pseudonym.Serial
	var reasons []pseudonym.Reason
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := r.RecordBatch()
		n := int(b.NumRows())
		if cap(sers) < n {
			sers, reasons = make([]pseudonym.Serial, n), make([]pseudonym.Reason, n)
		}
		if _, err := serials.ComputeArray(p.cfg.Scheme, b.Column(0), sers[:n], reasons[:n]); err != nil {
			return fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.cfg.IDColumn, err)
		}
		for g := range p.firsts {
			for _, c := range p.firsts[g].cols {
				days, valid, _, err := refdate.Days(b.Column(pos[c]))
				if err != nil {
					return fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(c).Name, err)
				}
				m := p.firsts[g].first
				for i := 0; i < n; i++ {
					if !valid[i] || reasons[i] != pseudonym.ReasonNone {
						continue
					}
					k := serialPrefix(&sers[i])
					if d, ok := m[k]; !ok || days[i] < d {
						m[k] = days[i]
					}
				}
			}
		}
	}
	return r.Err()
}

// serialArray encodes the serials of a batch; quarantined rows get a
// placeholder that the filter removes.
func (p *plan) serialArray(mem memory.Allocator, sers []pseudonym.Serial, numbers []int64, bad, skip []bool) arrow.Array {
	if numbers != nil || p.cfg.SerialEncoding == pseudonym.EncodingInt64 {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(len(sers))
		for i, s := range sers {
			switch {
			case bad[i] || skip[i]:
				b.Append(0)
			case numbers != nil:
				b.Append(numbers[i])
			default:
				b.Append(s.Int64())
			}
		}
		return b.NewArray()
	}
	// Text serials have one width; they are written straight into the
	// column's buffers, and a person's adjacent rows copy the text of the
	// first.
	enc := p.cfg.SerialEncoding
	width := len(enc.Append(nil, pseudonym.Serial{}))
	n := len(sers)
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	data := memory.NewResizableBuffer(mem)
	data.Resize(n * width)
	o, d := arrow.Int32Traits.CastFromBytes(offsets.Bytes()), data.Bytes()
	pos := 0
	for i := range sers {
		o[i] = int32(pos)
		if bad[i] {
			continue // an empty value, filtered out before writing
		}
		if i > 0 && !bad[i-1] && sers[i] == sers[i-1] {
			copy(d[pos:pos+width], d[pos-width:pos])
		} else {
			enc.Append(d[pos:pos], sers[i])
		}
		pos += width
	}
	o[n] = int32(pos)
	data.Resize(pos)
	col := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, offsets, data}, nil, 0, 0)
	offsets.Release()
	data.Release()
	defer col.Release()
	return array.MakeFromData(col)
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any, overwrite bool) error {
	f, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// quarantineWriter writes the quarantine file: row numbers, reasons and
// columns in clear (no IDs), or, with recipients, whole input rows
// age-encrypted to them.
type quarantineWriter struct {
	file    *formats.AtomicFile
	enc     io.WriteCloser
	csv     formats.Writer
	schema  *arrow.Schema
	withIDs bool
}

func newQuarantineWriter(path string, in *arrow.Schema, recipients []age.Recipient, overwrite bool) (*quarantineWriter, error) {
	f, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return nil, err
	}
	q := &quarantineWriter{file: f}
	fields := []arrow.Field{
		{Name: "row", Type: arrow.PrimitiveTypes.Int64},
		{Name: "reason", Type: arrow.BinaryTypes.String},
		{Name: "column", Type: arrow.BinaryTypes.String},
	}
	var dst io.Writer = f
	if recipients != nil {
		q.withIDs = true
		if q.enc, err = age.Encrypt(f, recipients...); err != nil {
			f.Abort()
			return nil, fmt.Errorf("linkage: quarantine %s: %w", path, err)
		}
		dst = q.enc
		for _, fl := range in.Fields() {
			fl.Name = "input." + fl.Name
			fields = append(fields, fl)
		}
	}
	q.schema = arrow.NewSchema(fields, nil)
	if q.csv, err = formats.NewWriter(dst, path, q.schema, formats.WriteOptions{Format: formats.FormatCSV}); err != nil {
		f.Abort()
		return nil, err
	}
	return q, nil
}

func (q *quarantineWriter) write(rows []quarantined, full arrow.RecordBatch) error {
	if len(rows) == 0 {
		return nil
	}
	mem := memory.DefaultAllocator
	rb := array.NewInt64Builder(mem)
	reb := array.NewStringBuilder(mem)
	cb := array.NewStringBuilder(mem)
	defer rb.Release()
	defer reb.Release()
	defer cb.Release()
	for _, r := range rows {
		rb.Append(r.row)
		reb.Append(r.reason)
		cb.Append(r.column)
	}
	cols := []arrow.Array{rb.NewArray(), reb.NewArray(), cb.NewArray()}
	if q.withIDs && full != nil {
		for _, c := range full.Columns() {
			c.Retain()
			cols = append(cols, c)
		}
	}
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	rec := array.NewRecordBatch(q.schema, cols, int64(len(rows)))
	defer rec.Release()
	return q.csv.Write(rec)
}

func (q *quarantineWriter) commit() error {
	if err := q.csv.Close(); err != nil {
		q.file.Abort()
		return err
	}
	if q.enc != nil {
		if err := q.enc.Close(); err != nil {
			q.file.Abort()
			return err
		}
	}
	return q.file.Commit()
}

func (q *quarantineWriter) abort() { q.file.Abort() }
