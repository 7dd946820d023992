package formats

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// arrowSchemaKey is the key under which pqarrow stores the Arrow schema in
// Parquet metadata; it is not the user's metadata and is not passed on.
const arrowSchemaKey = "ARROW:schema"

type parquetReader struct {
	name      string
	src       io.Closer
	pf        *file.Reader
	fr        *pqarrow.FileReader
	schema    *arrow.Schema
	leaves    []int
	rowGroup  int
	rr        pqarrow.RecordReader
	cur       arrow.RecordBatch
	err       error
	meta      map[string]string
	batchSize int
	reorder   []int
}

func newParquetReader(src io.ReadCloser, name string, opts ReadOptions) (r *parquetReader, err error) {
	ras, ok := src.(parquet.ReaderAtSeeker)
	if !ok {
		if n, isNop := src.(nopCloser); isNop {
			ras, ok = n.Reader.(parquet.ReaderAtSeeker)
		}
	}
	if !ok {
		return nil, fmt.Errorf("formats: %s: Parquet needs a file that can seek", name)
	}
	defer func() {
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("formats: %s: corrupt Parquet file (%v)", name, p)
		}
	}()
	props := parquet.NewReaderProperties(opts.allocator())
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.NewParquetReader(ras, file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Parquet file: %w", name, err)
	}
	// Columns are decoded in parallel: 1.4-1.6x faster reading on the
	// synthetic patient registry (bench/RESULTS.md), same batches.
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.batchSize()), Parallel: true}, opts.allocator())
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("formats: %s: cannot map Parquet schema to Arrow: %w", name, err)
	}
	full, err := fr.Schema()
	if err != nil {
		pf.Close()
		return nil, fmt.Errorf("formats: %s: cannot map Parquet schema to Arrow: %w", name, err)
	}
	r = &parquetReader{name: name, src: src, pf: pf, fr: fr, batchSize: opts.batchSize(), meta: map[string]string{}}
	if kv := pf.MetaData().KeyValueMetadata(); kv != nil {
		for i, k := range kv.Keys() {
			if k != arrowSchemaKey {
				r.meta[k] = kv.Values()[i]
			}
		}
	}
	// Map the selected top-level fields to their leaf columns.
	fields := full.Fields()
	selected := make([]int, 0, len(fields))
	if len(opts.Columns) == 0 {
		for i := range fields {
			selected = append(selected, i)
		}
	} else {
		names := make([]string, len(fields))
		for i, f := range fields {
			names[i] = f.Name
		}
		for _, c := range opts.Columns {
			idx := full.FieldIndices(c)
			if len(idx) == 0 {
				pf.Close()
				return nil, fmt.Errorf("formats: %s: column %q: %w (it has %s)", name, c, ErrMissingColumn, quoteList(names))
			}
			selected = append(selected, idx[0])
		}
	}
	outFields := make([]arrow.Field, 0, len(selected))
	for _, i := range selected {
		outFields = append(outFields, fields[i])
		r.leaves = appendLeaves(r.leaves, &fr.Manifest.Fields[i])
	}
	sortedCopy := append([]int(nil), r.leaves...)
	sort.Ints(sortedCopy)
	if len(opts.Columns) > 0 && !equalInts(sortedCopy, r.leaves) {
		// pqarrow yields leaves in file order; a reordering selection is
		// projected after reading.
		r.reorder = selected
	}
	r.leaves = sortedCopy
	md := full.Metadata()
	r.schema = arrow.NewSchema(outFields, &md)
	return r, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}

func (r *parquetReader) Schema() *arrow.Schema       { return r.schema }
func (r *parquetReader) Metadata() map[string]string { return r.meta }
func (r *parquetReader) Err() error                  { return r.err }
func (r *parquetReader) RecordBatch() arrow.RecordBatch {
	return r.cur
}

func (r *parquetReader) Next() (ok bool) {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = &ParseError{File: r.name, RowGroup: r.rowGroup, Err: fmt.Errorf("corrupt Parquet data (%v)", p)}
			ok = false
		}
	}()
	for {
		if r.rr == nil {
			if r.rowGroup >= r.pf.NumRowGroups() {
				return false
			}
			rr, err := r.fr.GetRecordReader(context.Background(), r.leaves, []int{r.rowGroup})
			if err != nil {
				r.err = &ParseError{File: r.name, RowGroup: r.rowGroup, Err: err}
				return false
			}
			r.rr = rr
		}
		if r.rr.Next() {
			rec := r.rr.RecordBatch()
			r.cur = r.project(rec)
			return true
		}
		err := r.rr.Err()
		r.rr.Release()
		r.rr = nil
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = &ParseError{File: r.name, RowGroup: r.rowGroup, Err: err}
			return false
		}
		r.rowGroup++
	}
}

// project returns rec with the reader's schema, in the selection's order.
func (r *parquetReader) project(rec arrow.RecordBatch) arrow.RecordBatch {
	cols := make([]arrow.Array, len(r.schema.Fields()))
	if r.reorder == nil {
		copy(cols, rec.Columns())
	} else {
		// rec holds the selected fields in file order.
		byField := map[int]arrow.Array{}
		sortedSel := append([]int(nil), r.reorder...)
		sort.Ints(sortedSel)
		for k, fi := range sortedSel {
			byField[fi] = rec.Column(k)
		}
		for k, fi := range r.reorder {
			cols[k] = byField[fi]
		}
	}
	return arrayRecord(r.schema, cols, rec.NumRows())
}

func (r *parquetReader) Close() error {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.rr != nil {
		r.rr.Release()
		r.rr = nil
	}
	r.pf.Close()
	return r.src.Close()
}

type parquetWriter struct {
	name   string
	fw     *pqarrow.FileWriter
	schema *arrow.Schema
	err    error
}

func parquetCodec(c Compression) (compress.Compression, error) {
	switch c {
	case CompressionDefault, CompressionZstd:
		return compress.Codecs.Zstd, nil
	case CompressionNone:
		return compress.Codecs.Uncompressed, nil
	case CompressionSnappy:
		return compress.Codecs.Snappy, nil
	case CompressionGzip:
		return compress.Codecs.Gzip, nil
	case CompressionLZ4:
		return compress.Codecs.Lz4Raw, nil
	}
	return 0, fmt.Errorf("unknown compression")
}

func newParquetWriter(w io.Writer, name string, schema *arrow.Schema, opts WriteOptions) (Writer, error) {
	codec, err := parquetCodec(opts.Compression)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: %w", name, err)
	}
	rows := opts.RowGroupRows
	if rows <= 0 {
		rows = DefaultRowGroupRows
	}
	wprops := []parquet.WriterProperty{
		parquet.WithCompression(codec),
		parquet.WithDictionaryDefault(true),
		parquet.WithMaxRowGroupLength(rows),
		parquet.WithStats(true),
		parquet.WithCreatedBy("koble"),
	}
	if opts.Allocator != nil {
		wprops = append(wprops, parquet.WithAllocator(opts.Allocator))
	}
	aprops := []pqarrow.WriterOption{pqarrow.WithStoreSchema()}
	if opts.Allocator != nil {
		aprops = append(aprops, pqarrow.WithAllocator(opts.Allocator))
	}
	if opts.Parallel > 1 && flatSchema(schema) {
		return newParallelParquetWriter(struct{ io.Writer }{w}, name, schema, opts, wprops, aprops)
	}
	// pqarrow closes a sink that is an io.Closer; the caller owns w.
	fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{w}, parquet.NewWriterProperties(wprops...), pqarrow.NewArrowWriterProperties(aprops...))
	if err != nil {
		return nil, fmt.Errorf("formats: %s: cannot write this schema as Parquet: %w", name, err)
	}
	for _, k := range sortedKeys(opts.Metadata) {
		if k == arrowSchemaKey {
			continue
		}
		if err := fw.AppendKeyValueMetadata(k, opts.Metadata[k]); err != nil {
			return nil, fmt.Errorf("formats: %s: metadata %q: %w", name, k, err)
		}
	}
	return &parquetWriter{name: name, fw: fw, schema: schema}, nil
}

func (w *parquetWriter) Write(batch arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("formats: %s: batch schema does not match the writer's", w.name)
	}
	if err := w.fw.WriteBuffered(batch); err != nil {
		w.err = fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return w.err
}

func (w *parquetWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.fw.Close(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return nil
}

func (w *parquetWriter) Abort() error { return nil }

// sortedKeys returns m's keys in order, so that metadata is written the
// same way every run.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
