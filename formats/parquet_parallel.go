package formats

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parallelParquetWriter writes a flat schema (no nested columns) with its
// columns encoded on up to parallel goroutines. Every column of a buffered
// row group has its own page buffer, so the columns of one batch are
// independent; they are written to the file in column order when the row
// group closes. The bytes are those of the serial writer: the same values
// reach the same column writers in the same order (tested).
//
// Write hands a batch to the encoders and returns; the next Write, or
// Close, waits for it first. So the caller's next batch is prepared while
// this one is encoded, and at most one batch is held.
type parallelParquetWriter struct {
	name     string
	sink     *footerSink
	schema   *arrow.Schema
	fw       *file.Writer
	rgw      file.BufferedRowGroupWriter
	rgRows   int64
	maxRows  int64
	parallel int
	nullable []bool
	ctxs     []context.Context // one arrow write context (scratch) per goroutine
	mem      memory.Allocator

	busy sync.WaitGroup // the batch being encoded
	held arrow.RecordBatch
	bad  atomic.Pointer[error] // the first encoding error
	err  error
}

// flatSchema reports whether every field is a column of its own: no
// struct, list, map or union, and no extension type.
func flatSchema(s *arrow.Schema) bool {
	for _, f := range s.Fields() {
		if _, nested := f.Type.(arrow.NestedType); nested {
			return false
		}
		if f.Type.ID() == arrow.EXTENSION {
			return false
		}
	}
	return true
}

func newParallelParquetWriter(w *footerSink, name string, schema *arrow.Schema, opts WriteOptions, wprops []parquet.WriterProperty, aprops []pqarrow.WriterOption) (*parallelParquetWriter, error) {
	props := parquet.NewWriterProperties(wprops...)
	arrowProps := pqarrow.NewArrowWriterProperties(aprops...)
	pqschema, err := pqarrow.ToParquet(schema, props, arrowProps)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: cannot write this schema as Parquet: %w", name, err)
	}
	// The key-value metadata in pqarrow.NewFileWriter's order: the Arrow
	// schema's own metadata, the serialised Arrow schema, then the user's.
	meta := make(metadata.KeyValueMetadata, 0)
	sm := schema.Metadata()
	for i := range sm.Len() {
		meta.Append(sm.Keys()[i], sm.Values()[i])
	}
	meta.Append(arrowSchemaKey, base64.StdEncoding.EncodeToString(flight.SerializeSchema(schema, props.Allocator())))
	for _, k := range sortedKeys(opts.Metadata) {
		if k != arrowSchemaKey {
			meta.Append(k, opts.Metadata[k])
		}
	}
	fw, err := file.NewParquetWriterWithError(w, pqschema.Root(), file.WithWriterProps(props), file.WithWriteMetadata(meta))
	if err != nil {
		return nil, fmt.Errorf("formats: %s: cannot write this schema as Parquet: %w", name, err)
	}
	pw := &parallelParquetWriter{name: name, sink: w, schema: schema, fw: fw, maxRows: props.MaxRowGroupLength(),
		parallel: min(opts.Parallel, len(schema.Fields())), mem: props.Allocator()}
	for _, f := range schema.Fields() {
		pw.nullable = append(pw.nullable, f.Nullable)
	}
	for range pw.parallel {
		pw.ctxs = append(pw.ctxs, pqarrow.NewArrowWriteContext(context.Background(), &arrowProps))
	}
	return pw, nil
}

// wait waits for the batch being encoded and returns the first error.
func (w *parallelParquetWriter) wait() error {
	w.busy.Wait()
	if w.held != nil {
		w.held.Release()
		w.held = nil
	}
	if e := w.bad.Load(); e != nil && w.err == nil {
		w.err = fmt.Errorf("formats: writing %s: %w", w.name, *e)
	}
	return w.err
}

func (w *parallelParquetWriter) Write(batch arrow.RecordBatch) error {
	if err := w.wait(); err != nil {
		return err
	}
	if !batch.Schema().Equal(w.schema) {
		return fmt.Errorf("formats: %s: batch schema does not match the writer's", w.name)
	}
	if batch.NumRows() == 0 {
		// As pqarrow's WriteBuffered: an empty batch still opens a row group.
		if w.rgw == nil {
			return w.newRowGroup()
		}
		return nil
	}
	if w.rgw != nil && w.rgRows+batch.NumRows() <= w.maxRows {
		w.encode(batch)
		return nil
	}
	// The batch crosses row groups: encode it part by part, waiting for
	// each (row-group boundaries are rare: one per million rows).
	for off := int64(0); off < batch.NumRows(); {
		if w.rgw == nil || w.rgRows == w.maxRows {
			if err := w.newRowGroup(); err != nil {
				return err
			}
		}
		n := min(w.maxRows-w.rgRows, batch.NumRows()-off)
		part := batch.NewSlice(off, off+n)
		w.encode(part)
		part.Release()
		if err := w.wait(); err != nil {
			return err
		}
		off += n
	}
	return nil
}

// newRowGroup closes the current row group, if any, and starts a buffered one.
func (w *parallelParquetWriter) newRowGroup() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: writing %s: %w", w.name, recovered(p))
			w.err = err
		}
	}()
	if w.rgw != nil {
		if err := w.rgw.Close(); err != nil {
			w.err = fmt.Errorf("formats: writing %s: %w", w.name, err)
			return w.err
		}
	}
	w.rgw = w.fw.AppendBufferedRowGroup()
	w.rgRows = 0
	return nil
}

// encode starts encoding batch's columns, each by one of the goroutines;
// the batch is held until they finish.
func (w *parallelParquetWriter) encode(batch arrow.RecordBatch) {
	batch.Retain()
	w.held = batch
	w.rgRows += batch.NumRows()
	var next atomic.Int64
	cols := int64(batch.NumCols())
	w.busy.Add(w.parallel)
	for g := range w.parallel {
		go func() {
			defer w.busy.Done()
			for {
				c := next.Add(1) - 1
				if c >= cols || w.bad.Load() != nil {
					return
				}
				if err := w.encodeColumn(w.ctxs[g], int(c), batch.Column(int(c))); err != nil {
					w.bad.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
}

// encodeColumn writes one column of a batch to its column writer, with
// the definition levels pqarrow's level builder gives a flat column.
func (w *parallelParquetWriter) encodeColumn(ctx context.Context, c int, a arrow.Array) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &columnError{w.schema.Field(c).Name, recovered(p)}
		}
	}()
	cw, err := w.rgw.Column(c)
	if err != nil {
		return err
	}
	var defLevels []int16
	leafNullable := false
	if w.nullable[c] {
		defLevels = make([]int16, a.Len())
		switch nulls := a.NullN(); {
		case nulls == 0:
			for i := range defLevels {
				defLevels[i] = 1
			}
		case nulls == a.Len():
			leafNullable = true
		default:
			leafNullable = true
			for i := range defLevels {
				if a.IsValid(i) {
					defLevels[i] = 1
				}
			}
		}
	}
	return pqarrow.WriteArrowToColumn(ctx, cw, a, defLevels, nil, leafNullable)
}

func (w *parallelParquetWriter) Close() (err error) {
	if err := w.wait(); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: writing %s: %w", w.name, recovered(p))
		}
	}()
	if w.rgw != nil {
		if err := w.rgw.Close(); err != nil {
			return fmt.Errorf("formats: writing %s: %w", w.name, err)
		}
	}
	w.sink.hold = true // the footer
	if err := w.fw.Close(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	if err := w.sink.finish(); err != nil {
		return fmt.Errorf("formats: writing %s: %w", w.name, err)
	}
	return nil
}

// Abort waits for the encoders, so that no goroutine outlives the writer.
func (w *parallelParquetWriter) Abort() error {
	w.busy.Wait()
	if w.held != nil {
		w.held.Release()
		w.held = nil
	}
	if w.err == nil {
		w.err = errors.New("aborted")
	}
	return nil
}
