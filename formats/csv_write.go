package formats

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

type csvWriter struct {
	name     string
	bw       *bufio.Writer
	enc      io.Writer
	encClose io.Closer // the transcoder, for a non-UTF-8 encoding
	delim    byte
	eol      string
	schema   *arrow.Schema
	row      []byte
	err      error

	parallel     int                 // jobs encoded at once (WriteOptions.Parallel)
	pending      []*csvJob           // jobs being encoded, oldest first
	free         chan []byte         // encoded-text buffers for reuse
	gathered     []arrow.RecordBatch // small batches waiting to make a job
	gatheredRows int64
}

func newCSVWriter(w io.Writer, name string, schema *arrow.Schema, opts WriteOptions) (*csvWriter, error) {
	delim := byte(',')
	if opts.Delimiter != 0 {
		if opts.Delimiter >= 0x80 || opts.Delimiter == '"' || opts.Delimiter == '\n' || opts.Delimiter == '\r' {
			return nil, fmt.Errorf("formats: %s: delimiter %q is not usable", name, opts.Delimiter)
		}
		delim = byte(opts.Delimiter)
	}
	if opts.Encoding > EncodingWindows1252 {
		return nil, fmt.Errorf("formats: %s: unknown encoding", name)
	}
	cw := &csvWriter{name: name, delim: delim, eol: "\n", schema: schema, parallel: opts.Parallel}
	if cw.parallel > 1 {
		cw.free = make(chan []byte, cw.parallel)
	}
	if opts.CRLF {
		cw.eol = "\r\n"
	}
	cw.enc = opts.Encoding.encoder(w)
	if opts.Encoding != EncodingUTF8 {
		cw.encClose, _ = cw.enc.(io.Closer)
	}
	cw.bw = bufio.NewWriterSize(cw.enc, 1<<20)
	for i, f := range schema.Fields() {
		if i > 0 {
			cw.row = append(cw.row, delim)
		}
		cw.row = cw.appendHeader(cw.row, f.Name)
	}
	cw.row = append(cw.row, cw.eol...)
	if _, err := cw.bw.Write(cw.row); err != nil {
		return nil, cw.wrap(err)
	}
	return cw, nil
}

func (w *csvWriter) wrap(err error) error {
	return fmt.Errorf("formats: writing %s: %w", w.name, err)
}

// appendHeader appends a column name, quoted also when it holds any
// delimiter a reader might detect, so that detection sees only the real one,
// or begins with U+FEFF, which a reader would take for the byte order mark
// at the start of the file and drop from the first name.
func (w *csvWriter) appendHeader(dst []byte, name string) []byte {
	if strings.ContainsAny(name, ",;\t|") || strings.HasPrefix(name, "\uFEFF") {
		dst = append(dst, '"')
		dst = append(dst, strings.ReplaceAll(name, `"`, `""`)...)
		return append(dst, '"')
	}
	return w.appendField(dst, []byte(name), true)
}

// appendField appends f, quoted if it must be: when it is empty (to tell
// the empty string from null), or holds the delimiter, a quote or a line end.
func (w *csvWriter) appendField(dst, f []byte, notNull bool) []byte {
	needQuote := len(f) == 0 && notNull
	if !needQuote {
		for _, c := range f {
			if c == w.delim || c == '"' || c == '\n' || c == '\r' {
				needQuote = true
				break
			}
		}
	}
	if !needQuote {
		return append(dst, f...)
	}
	dst = append(dst, '"')
	for {
		i := bytes.IndexByte(f, '"')
		if i < 0 {
			break
		}
		dst = append(dst, f[:i+1]...)
		dst = append(dst, '"')
		f = f[i+1:]
	}
	dst = append(dst, f...)
	return append(dst, '"')
}

func (w *csvWriter) Write(batch arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("formats: %s: batch schema does not match the writer's", w.name)
	}
	if w.parallel <= 1 {
		w.row = w.encode(w.row[:0], batch)
		return w.put(w.row)
	}
	// Up to parallel jobs are encoded at once; the oldest is written out
	// first, so the text is in batch order. Small batches (a caller
	// writing the slices between dropped rows) are gathered into one job,
	// so that a goroutine's work outweighs starting it.
	batch.Retain()
	w.gathered = append(w.gathered, batch)
	w.gatheredRows += batch.NumRows()
	if w.gatheredRows < csvJobRows {
		return nil
	}
	return w.dispatch()
}

// csvJobRows is the fewest rows the parallel CSV writer encodes in one job.
const csvJobRows = 8192

// dispatch starts encoding the gathered batches as one job.
func (w *csvWriter) dispatch() error {
	if len(w.gathered) == 0 {
		return nil
	}
	if len(w.pending) >= w.parallel {
		if err := w.writeOldest(); err != nil {
			return err
		}
	}
	job := &csvJob{done: make(chan struct{})}
	select {
	case job.buf = <-w.free:
	default:
	}
	batches := w.gathered
	w.gathered, w.gatheredRows = nil, 0
	go func() {
		defer close(job.done)
		defer func() {
			if p := recover(); p != nil {
				job.err = recovered(p)
			}
			for _, b := range batches {
				b.Release()
			}
		}()
		job.buf = job.buf[:0]
		for _, b := range batches {
			job.buf = w.encode(job.buf, b)
		}
	}()
	w.pending = append(w.pending, job)
	return nil
}

// csvJob is one job of the parallel writer: batches being encoded.
type csvJob struct {
	done chan struct{}
	buf  []byte
	err  error // a panic while encoding, recovered
}

// writeOldest waits for the oldest batch being encoded and writes it.
func (w *csvWriter) writeOldest() error {
	job := w.pending[0]
	w.pending = w.pending[1:]
	<-job.done
	if job.err != nil && w.err == nil {
		w.err = w.wrap(job.err)
	}
	err := w.put(job.buf)
	select {
	case w.free <- job.buf:
	default:
	}
	return err
}

// put writes encoded rows.
func (w *csvWriter) put(text []byte) error {
	if _, err := w.bw.Write(text); err != nil {
		w.err = w.wrap(err)
	}
	return w.err
}

// encode appends the rows of batch, as CSV text, to dst. It only reads the
// writer's settings, so batches can be encoded on several goroutines.
func (w *csvWriter) encode(dst []byte, batch arrow.RecordBatch) []byte {
	cols := batch.Columns()
	fmts := make([]func([]byte, int) []byte, len(cols))
	for j, c := range cols {
		fmts[j] = csvFormatter(c)
	}
	var scratch []byte
	for i := 0; i < int(batch.NumRows()); i++ {
		for j, c := range cols {
			if j > 0 {
				dst = append(dst, w.delim)
			}
			if c.IsNull(i) {
				continue
			}
			scratch = fmts[j](scratch[:0], i)
			dst = w.appendField(dst, scratch, true)
		}
		dst = append(dst, w.eol...)
	}
	return dst
}

func (w *csvWriter) Close() error {
	if w.err == nil {
		if err := w.dispatch(); err != nil {
			w.Abort()
			return err
		}
	}
	for len(w.pending) > 0 {
		if err := w.writeOldest(); err != nil {
			w.Abort()
			return err
		}
	}
	if w.err != nil {
		return w.err
	}
	if err := w.bw.Flush(); err != nil {
		return w.wrap(err)
	}
	if w.encClose != nil {
		// Flushes the encoder; the destination itself stays open.
		if err := w.encClose.Close(); err != nil {
			return w.wrap(err)
		}
	}
	return nil
}

// Abort waits for the batches being encoded, so that no goroutine
// outlives the writer.
func (w *csvWriter) Abort() error {
	for _, job := range w.pending {
		<-job.done
	}
	w.pending = nil
	for _, b := range w.gathered {
		b.Release()
	}
	w.gathered = nil
	return nil
}

// csvFormatter returns a function that appends the text of a non-null
// value of a.
func csvFormatter(a arrow.Array) func([]byte, int) []byte {
	switch a := a.(type) {
	case *array.String:
		return func(d []byte, i int) []byte { return append(d, a.Value(i)...) }
	case *array.LargeString:
		return func(d []byte, i int) []byte { return append(d, a.Value(i)...) }
	case *array.StringView:
		return func(d []byte, i int) []byte { return append(d, a.Value(i)...) }
	case *array.Int64:
		return func(d []byte, i int) []byte { return strconv.AppendInt(d, a.Value(i), 10) }
	case *array.Int32:
		return func(d []byte, i int) []byte { return strconv.AppendInt(d, int64(a.Value(i)), 10) }
	case *array.Int16:
		return func(d []byte, i int) []byte { return strconv.AppendInt(d, int64(a.Value(i)), 10) }
	case *array.Int8:
		return func(d []byte, i int) []byte { return strconv.AppendInt(d, int64(a.Value(i)), 10) }
	case *array.Uint64:
		return func(d []byte, i int) []byte { return strconv.AppendUint(d, a.Value(i), 10) }
	case *array.Uint32:
		return func(d []byte, i int) []byte { return strconv.AppendUint(d, uint64(a.Value(i)), 10) }
	case *array.Uint16:
		return func(d []byte, i int) []byte { return strconv.AppendUint(d, uint64(a.Value(i)), 10) }
	case *array.Uint8:
		return func(d []byte, i int) []byte { return strconv.AppendUint(d, uint64(a.Value(i)), 10) }
	case *array.Float64:
		return func(d []byte, i int) []byte { return strconv.AppendFloat(d, a.Value(i), 'g', -1, 64) }
	case *array.Float32:
		return func(d []byte, i int) []byte { return strconv.AppendFloat(d, float64(a.Value(i)), 'g', -1, 32) }
	case *array.Boolean:
		return func(d []byte, i int) []byte { return strconv.AppendBool(d, a.Value(i)) }
	case *array.Date32:
		return func(d []byte, i int) []byte { return a.Value(i).ToTime().AppendFormat(d, "2006-01-02") }
	case *array.Date64:
		return func(d []byte, i int) []byte { return a.Value(i).ToTime().AppendFormat(d, "2006-01-02") }
	case *array.Timestamp:
		tt := a.DataType().(*arrow.TimestampType)
		loc, err := tt.GetZone()
		if err != nil || loc == nil {
			loc = time.UTC
		}
		layout := "2006-01-02T15:04:05.999999999"
		if tt.TimeZone != "" {
			layout += "Z07:00"
		}
		return func(d []byte, i int) []byte {
			return a.Value(i).ToTime(tt.Unit).In(loc).AppendFormat(d, layout)
		}
	case *array.Binary:
		return func(d []byte, i int) []byte { return append(d, a.Value(i)...) }
	case *array.Dictionary:
		dict := a.Dictionary()
		inner := csvFormatter(dict)
		return func(d []byte, i int) []byte {
			j := a.GetValueIndex(i)
			if dict.IsNull(j) {
				return d
			}
			return inner(d, j)
		}
	}
	return func(d []byte, i int) []byte { return append(d, a.ValueStr(i)...) }
}
