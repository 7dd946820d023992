package linkage

import (
	"fmt"
	"io"
	"sort"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

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

// deliver is the shared end of every batch's steps: it puts the output
// columns together and keeps the rows no step quarantined or left out,
// as slices of the batch for CSV output (encoded row by row) or copied
// otherwise, and, when the quarantine is encrypted, takes the whole
// quarantined input rows.
func (p *plan) deliver(b *batch) error {
	out := b.out
	sort.Slice(out.quarantine, func(a, c int) bool { return out.quarantine[a].row < out.quarantine[c].row })
	full := array.NewRecordBatch(p.out, b.cols, int64(b.n))
	defer full.Release()
	if len(out.quarantine) == 0 && out.excluded == 0 {
		full.Retain()
		out.outs = []arrow.RecordBatch{full}
		return nil
	}
	keep := make([]bool, b.n)
	for i := range keep {
		keep[i] = b.kept(i)
	}
	if p.sliceKept {
		// The writer encodes row by row: hand it the runs of kept
		// rows as they are, with no copy.
		runs, _ := keptRuns(keep)
		for _, r := range runs {
			out.outs = append(out.outs, full.NewSlice(int64(r[0]), int64(r[1])))
		}
	} else {
		kept, err := filterBatch(b.ctx, b.mem, p.out, full, keep)
		if err != nil {
			return fmt.Errorf("linkage: filtering quarantined rows: %w", err)
		}
		out.outs = []arrow.RecordBatch{kept}
	}
	if p.cfg.QuarantineRecipients != nil && len(out.quarantine) > 0 {
		var err error
		if out.qrows, err = takeRows(b, p.in, out.quarantine); err != nil {
			return err
		}
	}
	return nil
}

// takeRows returns the input rows of the batch that rows name.
func takeRows(b *batch, schema *arrow.Schema, rows []quarantined) (arrow.RecordBatch, error) {
	cctx := compute.WithAllocator(b.ctx, b.mem)
	idx := array.NewInt64Builder(b.mem)
	for _, qr := range rows {
		idx.Append(int64(qr.index))
	}
	indices := idx.NewArray()
	idx.Release()
	defer indices.Release()
	qcols := make([]arrow.Array, b.in.NumCols())
	defer func() {
		for _, c := range qcols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for c := range qcols {
		t, err := compute.TakeArray(cctx, b.in.Column(c), indices)
		if err != nil {
			return nil, fmt.Errorf("linkage: taking quarantined rows: %w", err)
		}
		qcols[c] = t
	}
	return array.NewRecordBatch(schema, qcols, int64(len(rows))), nil
}

// quarantineWriter writes the quarantine file: row numbers, reasons and
// columns in clear (no IDs), or, with recipients, whole input rows
// age-encrypted to them.
type quarantineWriter struct {
	file *formats.AtomicFile
	s    *quarantineStream
}

func newQuarantineWriter(path string, in *arrow.Schema, recipients []age.Recipient, overwrite bool) (*quarantineWriter, error) {
	f, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return nil, err
	}
	s, err := newQuarantineStream(f, path, in, recipients)
	if err != nil {
		f.Abort()
		return nil, err
	}
	return &quarantineWriter{file: f, s: s}, nil
}

func (q *quarantineWriter) write(rows []quarantined, full arrow.RecordBatch) error {
	return q.s.write(rows, full)
}

func (q *quarantineWriter) commit() error {
	if err := q.s.close(); err != nil {
		q.file.Abort()
		return err
	}
	return q.file.Commit()
}

func (q *quarantineWriter) abort() { q.file.Abort() }

// quarantineStream encodes the quarantine file to a stream (see
// quarantineWriter).
type quarantineStream struct {
	enc     io.WriteCloser
	csv     formats.Writer
	schema  *arrow.Schema
	withIDs bool
}

func newQuarantineStream(dst io.Writer, name string, in *arrow.Schema, recipients []age.Recipient) (*quarantineStream, error) {
	q := &quarantineStream{}
	fields := []arrow.Field{
		{Name: "row", Type: arrow.PrimitiveTypes.Int64},
		{Name: "reason", Type: arrow.BinaryTypes.String},
		{Name: "column", Type: arrow.BinaryTypes.String},
	}
	if recipients != nil {
		q.withIDs = true
		var err error
		if q.enc, err = age.Encrypt(dst, recipients...); err != nil {
			return nil, fmt.Errorf("linkage: quarantine %s: %w", name, err)
		}
		dst = q.enc
		for _, fl := range in.Fields() {
			fl.Name = "input." + fl.Name
			fields = append(fields, fl)
		}
	}
	q.schema = arrow.NewSchema(fields, nil)
	var err error
	if q.csv, err = formats.NewWriter(dst, name, q.schema, formats.WriteOptions{Format: formats.FormatCSV}); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *quarantineStream) write(rows []quarantined, full arrow.RecordBatch) error {
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
		cb.Append(pseudonym.Redact(r.column)) // a column's name is the input's: it may hold an ID
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

// close finishes the CSV and the encryption; it does not close the
// destination.
func (q *quarantineStream) close() error {
	if err := q.csv.Close(); err != nil {
		return err
	}
	if q.enc != nil {
		return q.enc.Close()
	}
	return nil
}
