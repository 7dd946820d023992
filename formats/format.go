package formats

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Format is a file format koble reads and writes.
type Format uint8

// The formats.
const (
	FormatUnknown     Format = iota
	FormatCSV                // CSV or TSV text, with a header row
	FormatParquet            // Apache Parquet
	FormatArrowFile          // Arrow IPC file format (.arrow, .feather v2)
	FormatArrowStream        // Arrow IPC stream format (.arrows)
)

// String returns the format's name as the CLI spells it.
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatParquet:
		return "parquet"
	case FormatArrowFile:
		return "arrow"
	case FormatArrowStream:
		return "arrows"
	}
	return "unknown"
}

// ParseFormat returns the format named s: "csv", "tsv", "parquet",
// "arrow" (also "feather", "ipc") or "arrows" (also "stream").
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "csv", "tsv", "txt":
		return FormatCSV, nil
	case "parquet", "pq":
		return FormatParquet, nil
	case "arrow", "feather", "ipc":
		return FormatArrowFile, nil
	case "arrows", "stream":
		return FormatArrowStream, nil
	}
	return FormatUnknown, fmt.Errorf("formats: unknown format %q (want csv, parquet, arrow or arrows)", s)
}

// FormatFromPath returns the format its extension names (.csv, .tsv, .txt,
// .parquet, .pq, .arrow, .feather, .ipc, .arrows), ignoring case.
func FormatFromPath(path string) (Format, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	if ext == "" {
		return FormatUnknown, fmt.Errorf("formats: %s: no file extension to tell the format by (use .csv, .parquet, .arrow or .arrows, or name the format)", path)
	}
	f, err := ParseFormat(ext)
	if err != nil {
		return FormatUnknown, fmt.Errorf("formats: %s: unknown extension %q (use .csv, .tsv, .parquet, .arrow, .feather or .arrows, or name the format)", path, "."+ext)
	}
	return f, nil
}

// Magic bytes that confirm a format.
var (
	magicParquet = []byte("PAR1")
	magicArrow   = []byte("ARROW1")
	magicStream  = []byte{0xff, 0xff, 0xff, 0xff}
)

// sniff tells a binary format from the first bytes of a file, or returns
// FormatUnknown (which is what CSV looks like).
func sniff(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, magicParquet):
		return FormatParquet
	case bytes.HasPrefix(head, magicArrow):
		return FormatArrowFile
	case bytes.HasPrefix(head, magicStream):
		return FormatArrowStream
	}
	return FormatUnknown
}

// DefaultBatchSize is the number of rows a reader yields per batch unless
// told otherwise.
const DefaultBatchSize = 64 * 1024

// ReadOptions configure a reader. The zero value reads the format the path
// names, every column, DefaultBatchSize rows at a time, CSV as UTF-8 with a
// detected delimiter and every column as strings.
type ReadOptions struct {
	// Format overrides the format the path's extension names.
	Format Format
	// Allocator allocates the batches' memory (memory.DefaultAllocator if nil).
	Allocator memory.Allocator
	// BatchSize is the most rows in one batch (DefaultBatchSize if zero).
	BatchSize int
	// Columns, if not empty, reads only these columns, in this order. A
	// name that is not in the file is an error naming it.
	Columns []string

	// Delimiter is the CSV field delimiter; zero detects one of , ; tab |
	// from the header line.
	Delimiter rune
	// Encoding is the CSV text encoding (UTF-8 if zero).
	Encoding Encoding
	// MaxFieldSize bounds one CSV field, in bytes (DefaultMaxFieldSize
	// if zero); a longer field is an error naming its line and column.
	MaxFieldSize int
	// MaxColumns bounds the number of fields of a CSV record
	// (DefaultMaxColumns if zero).
	MaxColumns int
	// Types gives CSV columns a type other than string: arrow.PrimitiveTypes
	// Int64, Float64, Date32 (YYYY-MM-DD) or FixedWidthTypes.Boolean.
	// Columns not named stay strings, so no ID loses a leading zero.
	Types map[string]arrow.DataType

	// Parallel, above 1, parses CSV on up to Parallel goroutines: the text
	// is cut into pieces of BatchSize whole records, parsed at once and
	// handed out in order, so the batches, and any error, are those of the
	// serial reader. It holds about twice the memory; on the 2-core
	// machine of bench/RESULTS.md it was no faster, so koble's own
	// commands leave it off. Parquet always decodes a batch's columns in
	// parallel.
	Parallel int
}

func (o *ReadOptions) allocator() memory.Allocator {
	if o.Allocator == nil {
		return memory.DefaultAllocator
	}
	return o.Allocator
}

func (o *ReadOptions) batchSize() int {
	if o.BatchSize <= 0 {
		return DefaultBatchSize
	}
	return o.BatchSize
}

// Reader streams a file as Arrow record batches of at most BatchSize rows.
//
//	r, err := formats.Open("npr.parquet", formats.ReadOptions{})
//	if err != nil { ... }
//	defer r.Close()
//	for r.Next() {
//		batch := r.RecordBatch() // valid until the next call of Next
//	}
//	if err := r.Err(); err != nil { ... }
//
// A Reader is used from one goroutine. Errors name the file and, where
// known, the line or row group.
type Reader interface {
	// Schema returns the schema of every batch.
	Schema() *arrow.Schema
	// Next advances to the next batch and reports whether there is one.
	Next() bool
	// RecordBatch returns the current batch. It stays valid until the next
	// call of Next or Close; Retain it to keep it longer.
	RecordBatch() arrow.RecordBatch
	// Err returns the error that stopped Next, if any.
	Err() error
	// Metadata returns the file's key-value metadata (Parquet key-value
	// metadata, Arrow schema metadata; none for CSV).
	Metadata() map[string]string
	// Close releases the reader and closes the file it opened.
	Close() error
}

// Open opens path for reading. "-" reads standard input, which works for
// CSV and the Arrow stream format only (the others need to seek). The
// format comes from ReadOptions.Format or the extension, and the file's
// magic bytes must confirm it.
func Open(path string, opts ReadOptions) (Reader, error) {
	format := opts.Format
	if path == "-" {
		if format == FormatUnknown {
			format = FormatCSV
		}
		if format == FormatParquet || format == FormatArrowFile {
			return nil, fmt.Errorf("formats: %s cannot be read from standard input: it needs a file that can seek", format)
		}
		return NewReader(os.Stdin, "stdin", opts)
	}
	if format == FormatUnknown {
		var err error
		if format, err = FormatFromPath(path); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("formats: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("formats: %w", err)
	}
	if st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("formats: %s is a directory, not a file", path)
	}
	var head [8]byte
	n, _ := io.ReadFull(f, head[:])
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("formats: %w", err)
	}
	if got := sniff(head[:n]); got != format && !(format == FormatCSV && got == FormatUnknown) {
		f.Close()
		if n == 0 {
			return nil, fmt.Errorf("formats: %s: file is empty, not %s", path, format)
		}
		if got == FormatUnknown {
			return nil, fmt.Errorf("formats: %s: not a %s file (its first bytes are not the %s magic)", path, format, format)
		}
		return nil, fmt.Errorf("formats: %s: the extension says %s but the content is %s", path, format, got)
	}
	opts.Format = format
	r, err := newReader(f, path, st.Size(), opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// NewReader reads from r. name is used in errors. opts.Format must be set
// unless name has an extension that names one. Parquet and the Arrow file
// format need r to be an io.ReaderAt and io.Seeker (an *os.File or a
// *bytes.Reader). Close does not close r.
func NewReader(r io.Reader, name string, opts ReadOptions) (Reader, error) {
	if opts.Format == FormatUnknown {
		var err error
		if opts.Format, err = FormatFromPath(name); err != nil {
			return nil, err
		}
	}
	size := int64(-1)
	if s, ok := r.(io.Seeker); ok {
		if end, err := s.Seek(0, io.SeekEnd); err == nil {
			size = end
			if _, err := s.Seek(0, io.SeekStart); err != nil {
				return nil, fmt.Errorf("formats: %s: %w", name, err)
			}
		}
	}
	return newReader(nopCloser{r}, name, size, opts)
}

type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }

// newReader opens the format's reader. A panic while opening becomes an
// error naming the file; each reader recovers its own Next and Close.
func newReader(f io.ReadCloser, name string, size int64, opts ReadOptions) (rd Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			rd, err = nil, fmt.Errorf("formats: opening %s: %w", name, recovered(p))
		}
	}()
	switch opts.Format {
	case FormatCSV:
		rd, err = newCSVReader(f, name, size, opts)
	case FormatParquet:
		rd, err = newParquetReader(f, name, opts)
	case FormatArrowFile:
		rd, err = newArrowFileReader(f, name, size, opts)
	case FormatArrowStream:
		rd, err = newArrowStreamReader(f, name, size, opts)
	default:
		return nil, fmt.Errorf("formats: %s: no format given", name)
	}
	if err != nil {
		return nil, err
	}
	if err := checkSchema(rd); err != nil {
		rd.Close()
		return nil, fmt.Errorf("formats: %s: %w", name, err)
	}
	return rd, nil
}

// Compression is a codec for Parquet pages or Arrow IPC bodies.
type Compression uint8

// The codecs. The zero value is each format's default: zstd for Parquet,
// none for Arrow IPC (which many readers then map without copying).
const (
	CompressionDefault Compression = iota
	CompressionNone
	CompressionZstd
	CompressionSnappy
	CompressionGzip
	CompressionLZ4
)

// ParseCompression returns the codec named s: "zstd", "snappy", "gzip",
// "lz4", "none" or "" for the default.
func ParseCompression(s string) (Compression, error) {
	switch strings.ToLower(s) {
	case "", "default":
		return CompressionDefault, nil
	case "none", "uncompressed":
		return CompressionNone, nil
	case "zstd":
		return CompressionZstd, nil
	case "snappy":
		return CompressionSnappy, nil
	case "gzip":
		return CompressionGzip, nil
	case "lz4":
		return CompressionLZ4, nil
	}
	return 0, fmt.Errorf("formats: unknown compression %q (want zstd, snappy, gzip, lz4 or none)", s)
}

// String names the codec.
func (c Compression) String() string {
	return [...]string{"default", "none", "zstd", "snappy", "gzip", "lz4"}[c]
}

// DefaultRowGroupRows is the number of rows in a Parquet row group unless
// told otherwise.
const DefaultRowGroupRows = 1 << 20

// WriteOptions configure a writer. The zero value writes the format the
// path names, Parquet with zstd and row groups of DefaultRowGroupRows,
// CSV as UTF-8 with commas and LF line ends, and refuses to replace an
// existing file.
type WriteOptions struct {
	// Format overrides the format the path's extension names.
	Format Format
	// Allocator is used for any buffers the writer needs.
	Allocator memory.Allocator
	// Overwrite allows replacing an existing file.
	Overwrite bool
	// Metadata is written as key-value metadata (Parquet file metadata,
	// Arrow schema metadata; CSV has none and ignores it).
	Metadata map[string]string

	// Compression is the Parquet page or Arrow body codec.
	Compression Compression
	// RowGroupRows is the most rows in a Parquet row group.
	RowGroupRows int64

	// Delimiter is the CSV delimiter (',' if zero).
	Delimiter rune
	// Encoding is the CSV text encoding (UTF-8 if zero).
	Encoding Encoding
	// CRLF ends CSV lines with CR LF instead of LF.
	CRLF bool

	// Parallel is the most goroutines that encode at once: a Parquet
	// batch's columns, or CSV batches. 0 or 1 encodes on the calling
	// goroutine. The output is byte-identical for every value. With
	// Parallel above 1, Write may return before the batch is encoded
	// (it holds a reference to the batch until then) and report an
	// encoding error on a later Write or on Close.
	Parallel int

	// HighEntropyColumns names top-level columns whose values are close to
	// random, such as keyed serials. Parquet writes them PLAIN, without a
	// dictionary (one of mostly distinct values costs a hash per value and
	// then falls back to PLAIN anyway), without min/max statistics
	// (meaningless for random values, and a comparison per value), and,
	// where the codec is zstd, at zstd's fastest level (random text in
	// base32 or hex compresses to the same size there, about half its
	// PLAIN size, at a third of the time). The values are unchanged: a
	// string column stays a string column. CSV and Arrow ignore it. A name
	// that is not a top-level column is an error.
	HighEntropyColumns []string
}

// Writer writes Arrow record batches to a file. Batches must have the
// schema the writer was made with. A Writer is used from one goroutine; feed
// it through a channel from others.
//
// A writer made by [Create] writes to a temporary file beside the target:
// Close makes the output appear (synced, then renamed into place), Abort
// removes it. Until Close returns nil, no file at the target path exists
// that looks complete.
type Writer interface {
	// Write writes one batch. It does not keep the batch.
	Write(batch arrow.RecordBatch) error
	// Close finishes the file and, for Create, makes it appear. After an
	// error from Write, call Abort instead.
	Close() error
	// Abort discards everything written. It is safe to call after Close,
	// where it does nothing, so `defer w.Abort()` is the usual pattern.
	Abort() error
}

// Create creates a writer for path, atomically (see [Writer]). "-" writes
// to standard output (CSV and the Arrow stream format only).
func Create(path string, schema *arrow.Schema, opts WriteOptions) (Writer, error) {
	if opts.Format == FormatUnknown {
		if path == "-" {
			opts.Format = FormatCSV
		} else {
			var err error
			if opts.Format, err = FormatFromPath(path); err != nil {
				return nil, err
			}
		}
	}
	if path == "-" {
		if opts.Format != FormatCSV && opts.Format != FormatArrowStream {
			return nil, fmt.Errorf("formats: %s cannot be written to standard output (use csv or arrows, or name a file)", opts.Format)
		}
		return NewWriter(os.Stdout, "stdout", schema, opts)
	}
	af, err := CreateAtomic(path, opts.Overwrite)
	if err != nil {
		return nil, err
	}
	w, err := newWriter(af, path, schema, opts)
	if err != nil {
		af.Abort()
		return nil, err
	}
	return &atomicWriter{inner: w, file: af}, nil
}

// NewWriter writes to w. name is used in errors. Close finishes the format
// (footer, flush) but does not close w; Abort only stops.
func NewWriter(w io.Writer, name string, schema *arrow.Schema, opts WriteOptions) (Writer, error) {
	if opts.Format == FormatUnknown {
		var err error
		if opts.Format, err = FormatFromPath(name); err != nil {
			return nil, err
		}
	}
	return newWriter(w, name, schema, opts)
}

// newWriter makes the format's writer, guarded against panics (see
// guardedWriter).
func newWriter(w io.Writer, name string, schema *arrow.Schema, opts WriteOptions) (wr Writer, err error) {
	defer func() {
		if p := recover(); p != nil {
			wr, err = nil, fmt.Errorf("formats: creating %s: %w", name, recovered(p))
		}
	}()
	for _, k := range sortedKeys(opts.Metadata) {
		if !utf8.ValidString(k) || !utf8.ValidString(opts.Metadata[k]) {
			return nil, fmt.Errorf("formats: %s: key-value metadata %q: not valid UTF-8", name, k)
		}
	}
	switch opts.Format {
	case FormatCSV:
		wr, err = newCSVWriter(w, name, schema, opts)
	case FormatParquet:
		wr, err = newParquetWriter(w, name, schema, opts)
	case FormatArrowFile, FormatArrowStream:
		wr, err = newArrowWriter(w, name, schema, opts)
	default:
		return nil, fmt.Errorf("formats: %s: no format given", name)
	}
	if err != nil {
		return nil, err
	}
	return &guardedWriter{name: name, inner: wr}, nil
}

// atomicWriter commits an AtomicFile when the format writer closes cleanly.
type atomicWriter struct {
	inner Writer
	file  *AtomicFile
	done  bool
}

func (a *atomicWriter) Write(batch arrow.RecordBatch) error { return a.inner.Write(batch) }

func (a *atomicWriter) Close() error {
	if a.done {
		return nil
	}
	a.done = true
	if err := a.inner.Close(); err != nil {
		a.file.Abort()
		return err
	}
	return a.file.Commit()
}

func (a *atomicWriter) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.inner.Abort()
	return a.file.Abort()
}
