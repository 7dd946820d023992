package formats

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/array"

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
	leaves    [][]int // the leaf columns of each selected field
	nested    bool    // a selected field has children
	rowGroup  int
	readers   []pqarrow.RecordReader // one per selected field, for rowGroup
	cur       arrow.RecordBatch
	err       error
	meta      map[string]string
	batchSize int
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
			r, err = nil, fmt.Errorf("formats: %s: corrupt Parquet file: %w", name, recovered(p))
		}
	}()
	props := parquet.NewReaderProperties(opts.allocator())
	props.BufferedStreamEnabled = true
	props.BufferSize = 1 << 20
	pf, err := file.NewParquetReader(ras, file.WithReadProps(props))
	if err != nil {
		return nil, fmt.Errorf("formats: %s: not a readable Parquet file: %w", name, err)
	}
	if err := checkStoredArrowSchema(pf); err != nil {
		pf.Close()
		return nil, fmt.Errorf("formats: %s: %w", name, err)
	}
	// pqarrow's own parallel decoding runs goroutines whose panics no
	// caller can recover; the reader decodes fields in parallel itself
	// (decodeFields).
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opts.batchSize())}, opts.allocator())
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
	sel, schema, err := selection(name, full, opts.Columns)
	if err != nil {
		pf.Close()
		return nil, err
	}
	if sel == nil {
		for i := range full.Fields() {
			sel = append(sel, i)
		}
	}
	for _, i := range sel {
		f := &fr.Manifest.Fields[i]
		leaves := appendLeaves(nil, f)
		if len(leaves) == 0 {
			pf.Close()
			return nil, fmt.Errorf("formats: %s: column %q has no values to read", name, full.Field(i).Name)
		}
		sort.Ints(leaves)
		r.leaves = append(r.leaves, leaves)
		r.nested = r.nested || !f.IsLeaf()
	}
	r.schema = schema
	return r, nil
}

// checkStoredArrowSchema checks the Arrow schema pqarrow stores in the
// Parquet key-value metadata, as the Arrow readers' schemas are checked
// (see checkStreamStart), before pqarrow decodes it.
func checkStoredArrowSchema(pf *file.Reader) error {
	kv := pf.MetaData().KeyValueMetadata()
	if kv == nil {
		return nil
	}
	stored := kv.FindValue(arrowSchemaKey)
	if stored == nil {
		return nil
	}
	// pqarrow decodes it the same way: padded, else unpadded base64.
	var decoded []byte
	var err error
	if len(*stored)%4 == 0 {
		decoded, err = base64.StdEncoding.DecodeString(*stored)
	}
	if len(decoded) == 0 || err != nil {
		decoded, err = base64.RawStdEncoding.DecodeString(*stored)
	}
	if err != nil {
		return nil // pqarrow reports it
	}
	if err := checkStreamStart(decoded); err != nil {
		return fmt.Errorf("the Arrow schema stored in the key-value metadata (%s) is corrupt: %w", arrowSchemaKey, err)
	}
	return nil
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

func (r *parquetReader) fail(column string, err error) {
	r.err = &ParseError{File: r.name, RowGroup: r.rowGroup, Column: column, Err: err}
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
			r.fail("", recovered(p))
			ok = false
		}
	}()
	for {
		if r.readers == nil {
			if r.rowGroup >= r.pf.NumRowGroups() {
				return false
			}
			if err := r.openRowGroup(); err != nil {
				return false
			}
		}
		cols, rows, err := r.decodeFields()
		if err != nil {
			return false
		}
		if cols != nil {
			r.cur = array.NewRecordBatch(r.schema, cols, rows)
			for _, c := range cols {
				c.Release()
			}
			return true
		}
		r.releaseReaders()
		r.rowGroup++
	}
}

// openRowGroup makes a record reader of each selected field for the
// current row group.
func (r *parquetReader) openRowGroup() error {
	if r.nested {
		// pqarrow opens the columns of a struct on goroutines of its own:
		// open each here first, where a panic is recovered.
		rg := r.pf.RowGroup(r.rowGroup)
		for _, leaves := range r.leaves {
			for _, c := range leaves {
				pr, err := rg.GetColumnPageReader(c)
				if err != nil {
					r.fail(r.pf.MetaData().Schema.Column(c).Name(), err)
					return r.err
				}
				pr.Close()
			}
		}
	}
	r.readers = make([]pqarrow.RecordReader, len(r.leaves))
	for i, leaves := range r.leaves {
		rr, err := r.fr.GetRecordReader(context.Background(), leaves, []int{r.rowGroup})
		if err != nil {
			r.fail(r.schema.Field(i).Name, err)
			return r.err
		}
		r.readers[i] = rr
	}
	return nil
}

func (r *parquetReader) releaseReaders() {
	for _, rr := range r.readers {
		if rr != nil {
			rr.Release()
		}
	}
	r.readers = nil
}

func (r *parquetReader) Close() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: closing %s: %w", r.name, recovered(p))
		}
	}()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.releaseReaders()
	r.pf.Close()
	return r.src.Close()
}

type parquetWriter struct {
	name   string
	sink   *footerSink
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
	he, err := highEntropyProps(schema, opts.HighEntropyColumns, codec)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: %w", name, err)
	}
	wprops = append(wprops, he...)
	aprops := []pqarrow.WriterOption{pqarrow.WithStoreSchema()}
	if opts.Allocator != nil {
		aprops = append(aprops, pqarrow.WithAllocator(opts.Allocator))
	}
	// footerSink is not an io.Closer: pqarrow closes a sink that is one,
	// and the caller owns w.
	sink := &footerSink{w: w}
	if opts.Parallel > 1 && flatSchema(schema) {
		return newParallelParquetWriter(sink, name, schema, opts, wprops, aprops)
	}
	fw, err := pqarrow.NewFileWriter(schema, sink, parquet.NewWriterProperties(wprops...), pqarrow.NewArrowWriterProperties(aprops...))
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
	return &parquetWriter{name: name, sink: sink, fw: fw, schema: schema}, nil
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
	w.sink.hold = true // the last row group and the footer
	if err := w.fw.Close(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	if err := w.sink.finish(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return nil
}

func (w *parquetWriter) Abort() error { return nil }

// highEntropyProps returns the writer properties of
// WriteOptions.HighEntropyColumns: PLAIN, no dictionary, no statistics,
// zstd at its fastest level.
func highEntropyProps(schema *arrow.Schema, names []string, codec compress.Compression) ([]parquet.WriterProperty, error) {
	var props []parquet.WriterProperty
	for _, n := range names {
		i := schema.FieldIndices(n)
		if len(i) != 1 {
			return nil, fmt.Errorf("high-entropy column %q is not one column of the output", n)
		}
		if _, nested := schema.Field(i[0]).Type.(arrow.NestedType); nested {
			return nil, fmt.Errorf("high-entropy column %q is nested; only flat columns can be", n)
		}
		props = append(props,
			parquet.WithDictionaryFor(n, false),
			parquet.WithEncodingFor(n, parquet.Encodings.Plain),
			parquet.WithStatsFor(n, false))
		if codec == compress.Codecs.Zstd {
			props = append(props, parquet.WithCompressionLevelFor(n, highEntropyZstdLevel))
		}
	}
	return props, nil
}

// highEntropyZstdLevel is zstd's fastest level (SpeedFastest): on base32
// and hex serials it compresses as well as the default level at a third of
// the time (bench/RESULTS.md).
const highEntropyZstdLevel = 1

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
