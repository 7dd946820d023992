package formats

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// arrayRecord makes a batch from columns it retains.
func arrayRecord(schema *arrow.Schema, cols []arrow.Array, rows int64) arrow.RecordBatch {
	return array.NewRecordBatch(schema, cols, rows)
}

// metadataMap turns Arrow metadata into a map.
func metadataMap(md arrow.Metadata) map[string]string {
	out := make(map[string]string, md.Len())
	for i, k := range md.Keys() {
		out[k] = md.Values()[i]
	}
	return out
}

// selection resolves ReadOptions.Columns against a schema: the field
// indices to keep, and the schema of the result.
func selection(name string, full *arrow.Schema, columns []string) ([]int, *arrow.Schema, error) {
	if len(columns) == 0 {
		return nil, full, nil
	}
	fields := full.Fields()
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Name
	}
	idx := make([]int, 0, len(columns))
	out := make([]arrow.Field, 0, len(columns))
	for _, c := range columns {
		is := full.FieldIndices(c)
		if len(is) == 0 {
			return nil, nil, fmt.Errorf("formats: %s: column %q: %w (it has %s)", name, c, ErrMissingColumn, quoteList(names))
		}
		idx = append(idx, is[0])
		out = append(out, fields[is[0]])
	}
	md := full.Metadata()
	return idx, arrow.NewSchema(out, &md), nil
}

// batchSlicer turns the batches of an IPC source into batches of the
// selected columns and at most batchSize rows.
type batchSlicer struct {
	schema    *arrow.Schema
	selected  []int
	batchSize int
	src       arrow.RecordBatch // retained source batch
	off       int64
	cur       arrow.RecordBatch
}

// next returns the next slice of the current source batch, or false when
// the source batch is used up.
func (s *batchSlicer) next() bool {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.src == nil {
		return false
	}
	n := s.src.NumRows()
	if s.off >= n {
		s.src.Release()
		s.src = nil
		return false
	}
	end := min(n, s.off+int64(s.batchSize))
	var cols []arrow.Array
	var base arrow.RecordBatch = s.src
	if s.off != 0 || end != n {
		base = s.src.NewSlice(s.off, end)
		defer base.Release()
	}
	if s.selected == nil {
		cols = base.Columns()
	} else {
		cols = make([]arrow.Array, len(s.selected))
		for k, i := range s.selected {
			cols[k] = base.Column(i)
		}
	}
	s.cur = arrayRecord(s.schema, cols, end-s.off)
	s.off = end
	return true
}

// set makes rec the source batch, after validating the columns that
// are handed on (see validateArray).
func (s *batchSlicer) set(rec arrow.RecordBatch) error {
	if int64(len(rec.Columns())) != int64(len(rec.Schema().Fields())) {
		return fmt.Errorf("%w: %d columns for %d fields", errCorruptArray, len(rec.Columns()), len(rec.Schema().Fields()))
	}
	cols := s.selected
	if cols == nil {
		cols = make([]int, rec.NumCols())
		for i := range cols {
			cols[i] = i
		}
	}
	for _, i := range cols {
		c := rec.Column(i)
		if int64(c.Len()) != rec.NumRows() {
			return &columnError{rec.Schema().Field(i).Name, fmt.Errorf("%w: %d values in a batch of %d rows", errCorruptArray, c.Len(), rec.NumRows())}
		}
		if err := validateArray(c); err != nil {
			return &columnError{rec.Schema().Field(i).Name, err}
		}
	}
	rec.Retain()
	s.src = rec
	s.off = 0
	return nil
}

func (s *batchSlicer) release() {
	if s.cur != nil {
		s.cur.Release()
		s.cur = nil
	}
	if s.src != nil {
		s.src.Release()
		s.src = nil
	}
}

type arrowFileReader struct {
	name  string
	src   io.Closer
	fr    *ipc.FileReader
	i     int
	sl    batchSlicer
	err   error
	meta  map[string]string
	count int
}

func newArrowFileReader(src io.ReadCloser, name string, size int64, opts ReadOptions) (r *arrowFileReader, err error) {
	ras, ok := src.(ipc.ReadAtSeeker)
	if !ok {
		if n, isNop := src.(nopCloser); isNop {
			ras, ok = n.Reader.(ipc.ReadAtSeeker)
		}
	}
	if !ok {
		return nil, fmt.Errorf("formats: %s: the Arrow file format needs a file that can seek", name)
	}
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("formats: %s: corrupt Arrow file: %w", name, recovered(p))
		}
	}()
	if err := checkFile(ras, size); err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Arrow file: %w", name, err)
	}
	fr, err := ipc.NewFileReader(ras, ipc.WithAllocator(opts.allocator()), ipc.WithBodySizeLimit(bodyLimit(size)))
	if err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Arrow file: %w", name, err)
	}
	sel, schema, err := selection(name, fr.Schema(), opts.Columns)
	if err != nil {
		fr.Close()
		return nil, err
	}
	return &arrowFileReader{name: name, src: src, fr: fr, count: fr.NumRecords(),
		sl:   batchSlicer{schema: schema, selected: sel, batchSize: opts.batchSize()},
		meta: metadataMap(fr.Schema().Metadata())}, nil
}

func (r *arrowFileReader) Schema() *arrow.Schema          { return r.sl.schema }
func (r *arrowFileReader) Metadata() map[string]string    { return r.meta }
func (r *arrowFileReader) Err() error                     { return r.err }
func (r *arrowFileReader) RecordBatch() arrow.RecordBatch { return r.sl.cur }

func (r *arrowFileReader) Next() (ok bool) {
	if r.err != nil {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.i, recovered(p))}
			ok = false
		}
	}()
	for {
		if r.sl.next() {
			return true
		}
		if r.i >= r.count {
			return false
		}
		rec, err := r.fr.RecordBatch(r.i)
		if err != nil {
			r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.i, err)}
			return false
		}
		if err := r.sl.set(rec); err != nil {
			r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.i, err)}
			return false
		}
		r.i++
	}
}

func (r *arrowFileReader) Close() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: closing %s: %w", r.name, recovered(p))
		}
	}()
	r.sl.release()
	r.fr.Close()
	return r.src.Close()
}

type arrowStreamReader struct {
	name string
	src  io.Closer
	rd   *ipc.Reader
	sl   batchSlicer
	err  error
	meta map[string]string
	n    int
}

func newArrowStreamReader(src io.ReadCloser, name string, size int64, opts ReadOptions) (r *arrowStreamReader, err error) {
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("formats: %s: corrupt Arrow stream: %w", name, recovered(p))
		}
	}()
	br, err := checkedStream(src)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Arrow stream: %w", name, err)
	}
	// ipc.NewReader (arrow-go v18.8.0) drops the message size limits, and
	// a corrupt body length then allocates whatever it says: the message
	// reader made here keeps them.
	limits := []ipc.Option{ipc.WithAllocator(opts.allocator()), ipc.WithMetadataSizeLimit(maxSchemaBytes), ipc.WithBodySizeLimit(bodyLimit(size))}
	rd, err := ipc.NewReaderFromMessageReader(ipc.NewMessageReader(br, limits...), limits...)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Arrow stream: %w", name, err)
	}
	sel, schema, err := selection(name, rd.Schema(), opts.Columns)
	if err != nil {
		rd.Release()
		return nil, err
	}
	return &arrowStreamReader{name: name, src: src, rd: rd,
		sl:   batchSlicer{schema: schema, selected: sel, batchSize: opts.batchSize()},
		meta: metadataMap(rd.Schema().Metadata())}, nil
}

func (r *arrowStreamReader) Schema() *arrow.Schema          { return r.sl.schema }
func (r *arrowStreamReader) Metadata() map[string]string    { return r.meta }
func (r *arrowStreamReader) Err() error                     { return r.err }
func (r *arrowStreamReader) RecordBatch() arrow.RecordBatch { return r.sl.cur }

func (r *arrowStreamReader) Next() (ok bool) {
	if r.err != nil {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.n, recovered(p))}
			ok = false
		}
	}()
	for {
		if r.sl.next() {
			return true
		}
		if !r.rd.Next() {
			if err := r.rd.Err(); err != nil && !errors.Is(err, io.EOF) {
				r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.n, err)}
			}
			return false
		}
		if err := r.sl.set(r.rd.RecordBatch()); err != nil {
			r.err = &ParseError{File: r.name, RowGroup: -1, Err: fmt.Errorf("record batch %d: %w", r.n, err)}
			return false
		}
		r.n++
	}
}

func (r *arrowStreamReader) Close() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: closing %s: %w", r.name, recovered(p))
		}
	}()
	r.sl.release()
	r.rd.Release()
	return r.src.Close()
}

// ipcWriter is the part of ipc.Writer and ipc.FileWriter that we use.
type ipcWriter interface {
	Write(arrow.RecordBatch) error
	Close() error
}

type arrowWriter struct {
	name       string
	w          ipcWriter
	schema     *arrow.Schema
	fileSchema *arrow.Schema
	err        error
}

func newArrowWriter(w io.Writer, name string, schema *arrow.Schema, opts WriteOptions) (*arrowWriter, error) {
	// User metadata travels as schema metadata.
	keys := make([]string, 0, len(opts.Metadata))
	for k := range opts.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	md := schema.Metadata()
	mdKeys := append([]string(nil), md.Keys()...)
	mdValues := append([]string(nil), md.Values()...)
	for _, k := range keys {
		if i := md.FindKey(k); i >= 0 {
			mdValues[i] = opts.Metadata[k]
			continue
		}
		mdKeys = append(mdKeys, k)
		mdValues = append(mdValues, opts.Metadata[k])
	}
	newMD := arrow.NewMetadata(mdKeys, mdValues)
	fileSchema := arrow.NewSchema(schema.Fields(), &newMD)
	ipcOpts := []ipc.Option{ipc.WithSchema(fileSchema)}
	if opts.Allocator != nil {
		ipcOpts = append(ipcOpts, ipc.WithAllocator(opts.Allocator))
	}
	switch opts.Compression {
	case CompressionDefault, CompressionNone:
	case CompressionZstd:
		ipcOpts = append(ipcOpts, ipc.WithZstd())
	case CompressionLZ4:
		ipcOpts = append(ipcOpts, ipc.WithLZ4())
	default:
		return nil, fmt.Errorf("formats: %s: Arrow IPC compresses with lz4 or zstd only, not %s", name, opts.Compression)
	}
	aw := &arrowWriter{name: name, schema: schema}
	if opts.Format == FormatArrowFile {
		fw, err := ipc.NewFileWriter(w, ipcOpts...)
		if err != nil {
			return nil, fmt.Errorf("formats: %s: %w", name, err)
		}
		aw.w = fw
	} else {
		aw.w = ipc.NewWriter(w, ipcOpts...)
	}
	aw.fileSchema = fileSchema
	return aw, nil
}

func (w *arrowWriter) Write(batch arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("formats: %s: batch schema does not match the writer's", w.name)
	}
	// The file carries the metadata-bearing schema; batches are rebuilt
	// against it (no data is copied).
	rec := arrayRecord(w.fileSchema, batch.Columns(), batch.NumRows())
	defer rec.Release()
	if err := w.w.Write(rec); err != nil {
		w.err = fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return w.err
}

func (w *arrowWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return nil
}

func (w *arrowWriter) Abort() error { return nil }

// maxSchemaBytes bounds the schema message of an Arrow stream or file.
const maxSchemaBytes = 64 << 20

// maxUnsizedBody bounds one message body of an Arrow stream whose size is
// not known (standard input): arrow-go allocates a body before reading it.
const maxUnsizedBody = 1 << 30

// bodyLimit is the largest message body a source of size bytes (-1 if
// unknown) can hold.
func bodyLimit(size int64) int64 {
	if size < 0 {
		return maxUnsizedBody
	}
	return max(size, 1)
}

// checkedStream returns a buffered reader over src after checking the
// stream's schema message (see checkSchemaMessage).
func checkedStream(src io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(src, 64<<10)
	head, err := br.Peek(8)
	if err != nil {
		return nil, fmt.Errorf("stream too short")
	}
	off := 0
	if binary.LittleEndian.Uint32(head) == 0xFFFFFFFF {
		off = 4
	}
	n := int(int32(binary.LittleEndian.Uint32(head[off:])))
	if n <= 0 || n > maxSchemaBytes {
		return nil, fmt.Errorf("%w: schema message length %d", errCorruptSchema, n)
	}
	if off+4+n > br.Size() {
		br = bufio.NewReaderSize(br, off+4+n)
	}
	msg, err := br.Peek(off + 4 + n)
	if err != nil {
		return nil, fmt.Errorf("%w: stream ends inside the schema", errCorruptSchema)
	}
	if err := checkStreamStart(msg); err != nil {
		return nil, err
	}
	return br, nil
}

// checkFile checks an Arrow file's footer (see checkFooter).
func checkFile(r io.ReaderAt, size int64) error {
	if size < 0 {
		return nil // size unknown: arrow-go finds the footer itself
	}
	if size < 8+10 {
		return fmt.Errorf("file too short (%d bytes)", size)
	}
	var tail [10]byte
	if _, err := r.ReadAt(tail[:], size-10); err != nil {
		return err
	}
	n := int64(int32(binary.LittleEndian.Uint32(tail[:4])))
	if n <= 0 || n > size-10-8 || n > maxSchemaBytes {
		return fmt.Errorf("%w: footer length %d", errCorruptSchema, n)
	}
	footer := make([]byte, n)
	if _, err := r.ReadAt(footer, size-10-n); err != nil {
		return err
	}
	return checkFooter(footer)
}
