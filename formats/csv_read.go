package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// CSV conventions, RFC 4180 with these choices:
//
//   - The first record is the header; names must be unique and not empty.
//   - An empty unquoted field is null; a quoted empty field ("") is the
//     empty string. The writer follows the same rule, so both survive a
//     round trip (DuckDB reads them the same way).
//   - A quote inside an unquoted field, text after a closing quote, a
//     quoted field left open at the end of the file, and a row with more or
//     fewer fields than the header are errors naming the line.
//   - Blank lines are skipped. Line ends are LF or CR LF; inside a quoted
//     field they are kept as they are.

// csvDelimiters are the candidates for delimiter detection, in order of
// preference on a tie.
var csvDelimiters = []byte{',', ';', '\t', '|'}

type csvReader struct {
	name      string
	src       io.Closer
	counted   *countingReader // src, counting the bytes read (Position)
	size      int64           // src's size, or -1
	br        *bufio.Reader
	delim     byte
	eol       byte // '\n' (LF or CR LF) or '\r' (CR alone)
	maxField  int
	maxCols   int
	header    []string // the column names, once read
	lineCut   bool     // the last line read was cut short (see readLine)
	mem       memory.Allocator
	batchSize int
	schema    *arrow.Schema
	columns   []csvColumn // one per file column; see csvColumn.read
	order     []int       // file columns in output order
	fileCols  int

	line     int // lines consumed so far
	recLine  int // line where the current record starts
	buf      []byte
	ends     []int
	quoted   []bool
	lineBuf  []byte
	cur      arrow.RecordBatch
	err      error
	finished bool
	lastRows int // rows in the last batch, to size the next

	// Reading in parallel (csv_parallel.go).
	piece    []byte // the text a piece parser parses, instead of br
	piecePos int
	pieceCut bool // the piece was cut inside an overlong quoted record
	pieces   chan *csvPiece
	stop     chan struct{}
	parsers  chan *csvReader
	parsing  sync.WaitGroup
}

// csvColumn collects one file column: a string column in text, any
// other type through its builder.
type csvColumn struct {
	name    string
	typ     arrow.DataType
	text    *textColumn
	builder array.Builder
	append  func(b array.Builder, field []byte, quoted bool) error
}

// read reports whether the column is read at all.
func (c *csvColumn) read() bool { return c.text != nil || c.builder != nil }

// newCSVColumn returns a column of type typ.
func newCSVColumn(mem memory.Allocator, name string, typ arrow.DataType) (csvColumn, error) {
	if typ.ID() == arrow.STRING {
		return csvColumn{name: name, typ: typ, text: &textColumn{}}, nil
	}
	app, err := csvAppender(typ)
	if err != nil {
		return csvColumn{}, err
	}
	return csvColumn{name: name, typ: typ, builder: array.NewBuilder(mem, typ), append: app}, nil
}

// textColumn collects a string column's values for one batch in buffers
// kept from batch to batch, and gives each batch's array a copy of exactly
// its size. An arrow builder grows its buffers by reallocating and
// clearing them, which was a third of parsing.
type textColumn struct {
	offsets []int32
	data    []byte
	valid   []byte // a bit per value
	nulls   int
}

// add appends a field: an empty unquoted one is null.
func (c *textColumn) add(field []byte, quoted bool) {
	n := len(c.offsets)
	if n == 0 {
		c.offsets = append(c.offsets, 0)
		n = 1
	}
	i := n - 1 // this value's index
	if i%8 == 0 {
		c.valid = append(c.valid, 0)
	}
	if len(field) > 0 || quoted {
		c.data = append(c.data, field...)
		c.valid[i/8] |= 1 << (i % 8)
	} else {
		c.nulls++
	}
	c.offsets = append(c.offsets, int32(len(c.data)))
}

// array returns the batch's column and empties c for the next.
func (c *textColumn) array(mem memory.Allocator) arrow.Array {
	rows := max(len(c.offsets)-1, 0)
	if rows == 0 {
		c.offsets = append(c.offsets[:0], 0)
	}
	buffer := func(b []byte) *memory.Buffer {
		out := memory.NewResizableBuffer(mem)
		out.Resize(len(b))
		copy(out.Bytes(), b)
		return out
	}
	var validity *memory.Buffer
	if c.nulls > 0 {
		validity = buffer(c.valid)
	}
	offsets := buffer(arrow.Int32Traits.CastToBytes(c.offsets))
	data := buffer(c.data)
	d := array.NewData(arrow.BinaryTypes.String, rows, []*memory.Buffer{validity, offsets, data}, nil, c.nulls, 0)
	for _, b := range []*memory.Buffer{validity, offsets, data} {
		if b != nil {
			b.Release()
		}
	}
	a := array.MakeFromData(d)
	d.Release()
	c.reset()
	return a
}

// reset drops the values collected, keeping the buffers.
func (c *textColumn) reset() {
	c.offsets, c.data, c.valid, c.nulls = c.offsets[:0], c.data[:0], c.valid[:0], 0
}

func newCSVReader(src io.ReadCloser, name string, size int64, opts ReadOptions) (*csvReader, error) {
	counted := &countingReader{r: src}
	r := &csvReader{
		name:      name,
		src:       src,
		counted:   counted,
		size:      size,
		br:        bufio.NewReaderSize(opts.Encoding.decoder(counted), 1<<20),
		mem:       opts.allocator(),
		batchSize: opts.batchSize(),
		maxField:  opts.maxFieldSize(),
		maxCols:   opts.maxColumns(),
	}
	if opts.Encoding > EncodingWindows1252 {
		return nil, fmt.Errorf("formats: %s: unknown encoding", name)
	}
	if bom, _ := r.br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		r.br.Discard(3)
	}
	r.eol = r.detectEOL()
	switch {
	case opts.Delimiter == 0:
		r.delim = r.detectDelimiter()
	case opts.Delimiter < utf8.RuneSelf && opts.Delimiter != '"' && opts.Delimiter != '\n' && opts.Delimiter != '\r':
		r.delim = byte(opts.Delimiter)
	default:
		return nil, fmt.Errorf("formats: %s: delimiter %q is not usable (want one ASCII character other than a quote or line end)", name, opts.Delimiter)
	}
	n, err := r.readRecord()
	if err == io.EOF {
		return nil, &ParseError{File: name, Line: 1, RowGroup: -1, Err: errors.New("file is empty: no header line")}
	}
	if err != nil {
		return nil, err
	}
	r.fileCols = n
	header := make([]string, n)
	index := make(map[string]int, n)
	for i := 0; i < n; i++ {
		h := string(r.field(i))
		if h == "" {
			return nil, &ParseError{File: name, Line: r.recLine, RowGroup: -1, Err: fmt.Errorf("header column %d has no name", i+1)}
		}
		if _, dup := index[h]; dup {
			shown := strconv.Quote(h)
			if looksLikeData(h) {
				shown = fmt.Sprintf("%d (a value, not a name: does the file have a header row?)", i+1)
			}
			return nil, &ParseError{File: name, Line: r.recLine, RowGroup: -1, Err: fmt.Errorf("header names column %s twice", shown)}
		}
		header[i] = h
		index[h] = i
	}
	r.header = header
	for col := range opts.Types {
		if _, ok := index[col]; !ok {
			return nil, fmt.Errorf("formats: %s: a type is given for column %q: %w", name, col, ErrMissingColumn)
		}
	}
	selected := make([]int, 0, n)
	if len(opts.Columns) == 0 {
		for i := range header {
			selected = append(selected, i)
		}
	} else {
		for _, c := range opts.Columns {
			i, ok := index[c]
			if !ok {
				return nil, fmt.Errorf("formats: %s: column %q: %w (it has %s)", name, c, ErrMissingColumn, quoteList(header))
			}
			selected = append(selected, i)
		}
	}
	r.columns = make([]csvColumn, n)
	fields := make([]arrow.Field, 0, len(selected))
	for _, i := range selected {
		typ := opts.Types[header[i]]
		if typ == nil {
			typ = arrow.BinaryTypes.String
		}
		if r.columns[i].read() {
			return nil, fmt.Errorf("formats: %s: column %q is asked for twice", name, header[i])
		}
		c, err := newCSVColumn(r.mem, header[i], typ)
		if err != nil {
			return nil, fmt.Errorf("formats: %s: column %q: %w", name, header[i], err)
		}
		r.columns[i] = c
		fields = append(fields, arrow.Field{Name: header[i], Type: typ, Nullable: true})
	}
	// Output order follows the selection.
	r.order = selected
	r.schema = arrow.NewSchema(fields, nil)
	if opts.Parallel > 1 {
		r.startParallel(opts.Parallel)
	}
	return r, nil
}

func quoteList(names []string) string { return ColumnList(names) }

// ColumnList formats column names for an error message: quoted, at most 20,
// and any name that looks like a value rather than a name (see
// looksLikeData) replaced by its position, followed by a hint that the file
// may lack a header row. A CSV file without a header makes its first record
// the "names", and that record may hold an identity number: errors must
// never echo it.
func ColumnList(names []string) string {
	var b bytes.Buffer
	data := false
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		if i == 20 {
			fmt.Fprintf(&b, "and %d more", len(names)-20)
			break
		}
		if looksLikeData(n) {
			data = true
			fmt.Fprintf(&b, "column %d", i+1)
			continue
		}
		b.WriteString(strconv.Quote(n))
	}
	if data {
		b.WriteString("; the first line looks like data: does the file have a header row?")
	}
	return b.String()
}

// looksLikeData reports whether a column name is made only of digits and
// the separators of dates and numbers (" -+./:"), with at least four
// digits: a value, not a name.
func looksLikeData(name string) bool {
	digits := 0
	for _, c := range name {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case strings.ContainsRune(" -+./:", c):
		default:
			return false
		}
	}
	return digits >= 4
}

// detectDelimiter picks the candidate that occurs most often, outside
// quotes, in the header line.
func (r *csvReader) detectDelimiter() byte {
	head, _ := r.br.Peek(64 << 10)
	if i := bytes.IndexByte(head, r.eol); i >= 0 {
		head = head[:i]
	}
	counts := map[byte]int{}
	inQuotes := false
	for _, c := range head {
		if c == '"' {
			inQuotes = !inQuotes
			continue
		}
		if !inQuotes {
			counts[c]++
		}
	}
	best, bestN := byte(','), 0
	for _, d := range csvDelimiters {
		if counts[d] > bestN {
			best, bestN = d, counts[d]
		}
	}
	return best
}

// readLine returns the next physical line, with its terminator, valid
// until the next call.
func (r *csvReader) readLine() ([]byte, error) {
	if r.piece != nil {
		rest := r.piece[r.piecePos:]
		if len(rest) == 0 {
			return nil, io.EOF
		}
		if i := bytes.IndexByte(rest, r.eol); i >= 0 {
			rest = rest[:i+1]
		}
		r.piecePos += len(rest)
		r.line++
		if r.pieceCut && r.piecePos == len(r.piece) && rest[len(rest)-1] != r.eol {
			r.lineCut = true
		}
		return rest, nil
	}
	line, err := r.br.ReadSlice(r.eol)
	if err == bufio.ErrBufferFull {
		// A line longer than the buffer: stop reading it once it holds a
		// field that is too long (see errLongLine).
		r.lineBuf = append(r.lineBuf[:0], line...)
		run := delimRun(0, line, r.delim)
		for err == bufio.ErrBufferFull {
			if run > maxRun(r.maxField) {
				r.line++
				r.lineCut = true
				return r.lineBuf, nil
			}
			line, err = r.br.ReadSlice(r.eol)
			r.lineBuf = append(r.lineBuf, line...)
			run = delimRun(run, line, r.delim)
		}
		line = r.lineBuf
	}
	if len(line) > 0 {
		r.line++
		if err == io.EOF {
			err = nil
		}
	}
	return line, err
}

func (r *csvReader) errorf(format string, args ...any) error {
	return &ParseError{File: r.name, Line: r.recLine, RowGroup: -1, Err: fmt.Errorf(format, args...)}
}

// readRecord reads one record into r.buf / r.ends / r.quoted and returns
// its number of fields; io.EOF at the end.
func (r *csvReader) readRecord() (int, error) {
	r.lineCut = false
	n, err := r.parseRecord()
	if err == nil && r.lineCut {
		// A line cut short always holds a field that is too long, which
		// parseRecord reports; this is the backstop.
		return 0, r.fieldTooLong(n - 1)
	}
	return n, err
}

// parseRecord is readRecord without the backstop for a line cut short.
func (r *csvReader) parseRecord() (int, error) {
	r.buf, r.ends, r.quoted = r.buf[:0], r.ends[:0], r.quoted[:0]
	var line []byte
	var err error
	for {
		line, err = r.readLine()
		if err != nil && len(line) == 0 {
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("formats: reading %s: %w", r.name, err)
		}
		if len(trimEOL(line, r.eol)) > 0 {
			break
		}
	}
	r.recLine = r.line
	if !utf8.Valid(line) {
		return 0, r.errorf("not valid UTF-8 (is the file Latin-1 or Windows-1252? name the encoding)")
	}
	rest := trimEOL(line, r.eol)
	trimmed := true // rest has lost its line end
	for {
		// At the start of a field.
		if len(rest) > 0 && rest[0] == '"' {
			rest = rest[1:]
			fieldStart := len(r.buf)
			for {
				q := bytes.IndexByte(rest, '"')
				if q < 0 {
					// The field goes on past this line: keep the line end
					// exactly as it was. rest has lost it if it was cut
					// from the trimmed line; take the remainder from line.
					if trimmed {
						rest = line[len(trimEOL(line, r.eol))-len(rest):]
					}
					r.buf = append(r.buf, rest...)
					if len(r.buf)-fieldStart > r.maxField {
						return 0, r.fieldTooLong(len(r.ends))
					}
					line, err = r.readLine()
					if len(line) == 0 {
						if r.pieceCut {
							return 0, r.errorf("quoted field runs on for more than %d MiB (is a closing quote missing?)", maxQuotedRecord>>20)
						}
						return 0, r.errorf("quoted field is not closed before the end of the file")
					}
					if !utf8.Valid(line) {
						return 0, r.errorf("not valid UTF-8 (is the file Latin-1 or Windows-1252? name the encoding)")
					}
					rest = line
					trimmed = false
					continue
				}
				r.buf = append(r.buf, rest[:q]...)
				rest = rest[q+1:]
				if len(rest) > 0 && rest[0] == '"' {
					r.buf = append(r.buf, '"')
					rest = rest[1:]
					continue
				}
				break
			}
			if !trimmed {
				rest = trimEOL(rest, r.eol)
				trimmed = true
			}
			if err := r.endField(true); err != nil {
				return 0, err
			}
			if len(rest) == 0 {
				return len(r.ends), nil
			}
			if rest[0] != r.delim {
				return 0, r.errorf("text after the closing quote of field %d", len(r.ends))
			}
			rest = rest[1:]
			continue
		}
		j := bytes.IndexByte(rest, r.delim)
		field := rest
		if j >= 0 {
			field = rest[:j]
		}
		if bytes.IndexByte(field, '"') >= 0 {
			return 0, r.errorf("a quote inside unquoted field %d (quote the whole field and double the quote)", len(r.ends)+1)
		}
		if len(field) > r.maxField {
			return 0, r.fieldTooLong(len(r.ends))
		}
		r.buf = append(r.buf, field...)
		if err := r.endField(false); err != nil {
			return 0, err
		}
		if j < 0 {
			return len(r.ends), nil
		}
		rest = rest[j+1:]
	}
}

func (r *csvReader) field(i int) []byte {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.buf[start:r.ends[i]]
}

func (r *csvReader) Schema() *arrow.Schema { return r.schema }

func (r *csvReader) Metadata() map[string]string { return nil }

func (r *csvReader) Err() error { return r.err }

func (r *csvReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Next reads the next batch. A panic while reading (a fault in formats
// or a dependency) becomes the reader's error.
func (r *csvReader) Next() (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if r.cur != nil {
				r.cur.Release()
				r.cur = nil
			}
			r.fail(&ParseError{File: r.name, Line: r.recLine, RowGroup: -1, Err: recovered(p)})
			ok = false
		}
	}()
	return r.next()
}

func (r *csvReader) next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.finished {
		return false
	}
	if r.pieces != nil {
		return r.nextParallel()
	}
	r.reserve()
	rows := 0
	for rows < r.batchSize {
		n, err := r.readRecord()
		if err == io.EOF {
			r.finished = true
			break
		}
		if err != nil {
			r.fail(err)
			return false
		}
		if n != r.fileCols {
			r.fail(r.errorf("row has %d fields, the header has %d", n, r.fileCols))
			return false
		}
		for i := range r.columns {
			c := &r.columns[i]
			if c.text != nil {
				c.text.add(r.field(i), r.quoted[i])
				continue
			}
			if c.builder == nil {
				continue
			}
			if err := c.append(c.builder, r.field(i), r.quoted[i]); err != nil {
				r.fail(&ParseError{File: r.name, Line: r.recLine, RowGroup: -1, Column: c.name, Err: err})
				return false
			}
		}
		rows++
	}
	if rows == 0 {
		return false
	}
	cols := make([]arrow.Array, len(r.order))
	for k, i := range r.order {
		if c := &r.columns[i]; c.text != nil {
			cols[k] = c.text.array(r.mem)
		} else {
			cols[k] = c.builder.NewArray()
		}
	}
	r.lastRows = rows
	r.cur = array.NewRecordBatch(r.schema, cols, int64(rows))
	for _, c := range cols {
		c.Release()
	}
	if err := validateBatch(r.cur); err != nil {
		r.cur.Release()
		r.cur = nil
		r.fail(&ParseError{File: r.name, Line: r.recLine, RowGroup: -1, Err: err})
		return false
	}
	return true
}

// reserve sizes the builders for a batch like the last one.
func (r *csvReader) reserve() {
	if r.lastRows == 0 {
		return
	}
	for i := range r.columns {
		if b := r.columns[i].builder; b != nil {
			b.Reserve(r.lastRows)
		}
	}
}

func (r *csvReader) fail(err error) {
	r.err = err
	// Drop the partial batch.
	for i := range r.columns {
		if t := r.columns[i].text; t != nil {
			t.reset()
		}
		if b := r.columns[i].builder; b != nil {
			a := b.NewArray()
			a.Release()
		}
	}
}

func (r *csvReader) Close() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: closing %s: %w", r.name, recovered(p))
		}
	}()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.pieces != nil {
		r.stopParallel()
		r.pieces = nil
	}
	for i := range r.columns {
		if b := r.columns[i].builder; b != nil {
			b.Release()
			r.columns[i].builder = nil
		}
	}
	if r.src == nil { // a piece parser
		return nil
	}
	return r.src.Close()
}

// unsafeString views b as a string for parsing; the string must not escape.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// csvAppender returns the function that parses a field into a column of
// type typ (string columns are collected by a textColumn instead).
func csvAppender(typ arrow.DataType) (func(array.Builder, []byte, bool) error, error) {
	switch typ.ID() {
	case arrow.INT64:
		return func(b array.Builder, f []byte, _ bool) error {
			ib := b.(*array.Int64Builder)
			if len(f) == 0 {
				ib.AppendNull()
				return nil
			}
			v, err := parseWhole(bytes.TrimSpace(f))
			if err != nil {
				return err
			}
			ib.Append(v)
			return nil
		}, nil
	case arrow.FLOAT64:
		return func(b array.Builder, f []byte, _ bool) error {
			fb := b.(*array.Float64Builder)
			if len(f) == 0 {
				fb.AppendNull()
				return nil
			}
			v, err := strconv.ParseFloat(unsafeString(bytes.TrimSpace(f)), 64)
			if err != nil {
				return errors.New("not a number")
			}
			fb.Append(v)
			return nil
		}, nil
	case arrow.BOOL:
		return func(b array.Builder, f []byte, _ bool) error {
			bb := b.(*array.BooleanBuilder)
			switch string(bytes.TrimSpace(f)) {
			case "":
				bb.AppendNull()
			case "true", "TRUE", "True", "1":
				bb.Append(true)
			case "false", "FALSE", "False", "0":
				bb.Append(false)
			default:
				return errors.New("not a boolean (true/false/1/0)")
			}
			return nil
		}, nil
	case arrow.DATE32:
		return func(b array.Builder, f []byte, _ bool) error {
			db := b.(*array.Date32Builder)
			if len(f) == 0 {
				db.AppendNull()
				return nil
			}
			d, ok := parseDate(bytes.TrimSpace(f))
			if !ok {
				return errors.New("not a date in the form YYYY-MM-DD or DD.MM.YYYY")
			}
			db.Append(d)
			return nil
		}, nil
	}
	return nil, fmt.Errorf("CSV columns can be read as string, int64, float64, bool or date32, not %s", typ)
}

// errLeadingZero refuses a number written with a leading zero: in a
// register that is a code (municipality 0301, postcode 0150) or an ID,
// and a number would lose the zero.
var errLeadingZero = errors.New("a whole number written with a leading zero or a plus sign (a code?): read the column as a string")

// parseWhole parses a whole number written as a number is: digits, with
// "-" for a negative one, and no leading zero (a lone "0" aside).
func parseWhole(f []byte) (int64, error) {
	digits := f
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	plus := len(f) > 0 && f[0] == '+'
	zero := len(digits) > 1 && digits[0] == '0' || string(f) == "-0"
	if plus || zero {
		return 0, errLeadingZero
	}
	v, err := strconv.ParseInt(unsafeString(f), 10, 64)
	if err != nil {
		return 0, errors.New("not a whole number")
	}
	return v, nil
}

// parseDate parses a date written YYYY-MM-DD or DD.MM.YYYY (the Norwegian
// way) into days since 1970-01-01.
func parseDate(f []byte) (arrow.Date32, bool) {
	if len(f) == 10 && f[2] == '.' && f[5] == '.' {
		iso := [10]byte{f[6], f[7], f[8], f[9], '-', f[3], f[4], '-', f[0], f[1]}
		return parseISODate(iso[:])
	}
	return parseISODate(f)
}

// parseISODate parses YYYY-MM-DD into days since 1970-01-01.
func parseISODate(f []byte) (arrow.Date32, bool) {
	if len(f) != 10 || f[4] != '-' || f[7] != '-' {
		return 0, false
	}
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(f[0:4])
	m, ok2 := num(f[5:7])
	d, ok3 := num(f[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false
	}
	return arrow.Date32FromTime(t), true
}
