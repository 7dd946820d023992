package formats

import (
	"bytes"
	"fmt"
)

// Bounds on what one CSV record may hold, so that memory stays bounded
// by the batch size whatever the input: a field longer than
// ReadOptions.MaxFieldSize and a record of more than
// ReadOptions.MaxColumns fields are errors naming the file, the line and
// the column (by name, never by value). The serial and the parallel
// reader stop at the same place with the same error.

// DefaultMaxFieldSize is the longest CSV field, in bytes, a reader
// accepts unless told otherwise.
const DefaultMaxFieldSize = 8 << 20

// DefaultMaxColumns is the most CSV columns a reader accepts unless told
// otherwise.
const DefaultMaxColumns = 4096

func (o *ReadOptions) maxFieldSize() int {
	if o.MaxFieldSize <= 0 {
		return DefaultMaxFieldSize
	}
	return o.MaxFieldSize
}

func (o *ReadOptions) maxColumns() int {
	if o.MaxColumns <= 0 {
		return DefaultMaxColumns
	}
	return o.MaxColumns
}

// maxRun is the longest run of bytes without a delimiter that a line
// of fields of at most maxField bytes can hold: a quoted field with every
// quote doubled, and its two quotes. A line with a longer run holds a
// field that is too long: the readers stop reading such a line there
// (readLine, csvSplitter.next) and parse what they have, which reports
// the first field that is too long, at the same line and column in both.
func maxRun(maxField int) int { return 2*maxField + 2 }

// delimRun returns the length of the run without delim at the end of
// text that continues a run of run bytes.
func delimRun(run int, text []byte, delim byte) int {
	if i := bytes.LastIndexByte(text, delim); i >= 0 {
		return len(text) - i - 1
	}
	return run + len(text)
}

// sizeText writes a byte count for a message.
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// fieldTooLong is the error for field i (0-based) of the current record.
func (r *csvReader) fieldTooLong(i int) error {
	err := fmt.Errorf("field is longer than %s (raise the limit with --max-field-size, ReadOptions.MaxFieldSize)", sizeText(r.maxField))
	if i < len(r.header) {
		return &ParseError{File: r.name, Line: r.recLine, RowGroup: -1, Column: r.header[i], Err: err}
	}
	return r.errorf("%s %d: %w", r.fieldKind(), i+1, err)
}

// fieldKind names a field by position: in the header, or past its columns.
func (r *csvReader) fieldKind() string {
	if r.header == nil {
		return "header column"
	}
	return "field"
}

// endField ends the field that r.buf has collected and checks the bounds.
func (r *csvReader) endField(quoted bool) error {
	start := 0
	if n := len(r.ends); n > 0 {
		start = r.ends[n-1]
	}
	r.ends = append(r.ends, len(r.buf))
	r.quoted = append(r.quoted, quoted)
	if len(r.buf)-start > r.maxField {
		return r.fieldTooLong(len(r.ends) - 1)
	}
	if len(r.ends) > r.maxCols {
		what := "the header"
		if r.header != nil {
			what = "a row"
		}
		return r.errorf("%s has more than %d columns (raise the limit with --max-columns, ReadOptions.MaxColumns)", what, r.maxCols)
	}
	return nil
}

// detectEOL tells the line end from the first line end outside quotes in
// the first MiB: LF (also CR LF) or CR alone (old Mac exports).
func (r *csvReader) detectEOL() byte {
	head, err := r.br.Peek(r.br.Size())
	whole := err != nil // the file is shorter than the peek
	inQuotes := false
	for i, c := range head {
		switch {
		case c == '"':
			inQuotes = !inQuotes
		case inQuotes:
		case c == '\n':
			return '\n'
		case c == '\r':
			if i+1 < len(head) {
				if head[i+1] == '\n' {
					return '\n'
				}
				return '\r'
			}
			if whole {
				return '\r'
			}
			return '\n'
		}
	}
	return '\n'
}

// trimEOL cuts the line end off line: LF or CR LF, or CR when eol is CR.
func trimEOL(line []byte, eol byte) []byte {
	n := len(line)
	if n == 0 || line[n-1] != eol {
		return line
	}
	line = line[:n-1]
	if eol == '\n' && n > 1 && line[n-2] == '\r' {
		line = line[:n-2]
	}
	return line
}
