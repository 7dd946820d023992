package formats

import (
	"errors"
	"fmt"
)

// ErrMissingColumn is wrapped by errors for a column that a caller asked for
// and the file does not have.
var ErrMissingColumn = errors.New("no such column")

// ParseError is an error in the data of a file, with its position. Line is
// the 1-based line of a text file (0 if not known), RowGroup the 0-based
// Parquet row group (-1 if not applicable), Column the column's name if
// known. The message quotes no field values: a field may hold an ID.
type ParseError struct {
	File     string
	Line     int
	RowGroup int
	Column   string
	Err      error
}

func (e *ParseError) Error() string {
	msg := "formats: " + e.File
	if e.Line > 0 {
		msg += fmt.Sprintf(", line %d", e.Line)
	}
	if e.RowGroup >= 0 {
		msg += fmt.Sprintf(", row group %d", e.RowGroup)
	}
	if e.Column != "" {
		msg += fmt.Sprintf(", column %q", e.Column)
	}
	return msg + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
