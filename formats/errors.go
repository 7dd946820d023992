package formats

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
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

// checkSchema checks a reader's schema before any batch is read: every
// column's type is one validateArray knows, with sane parameters, and
// the names and key-value metadata it hands on (the file's, the schema's,
// the fields' and the nested fields') are text: every writer refuses
// metadata that is not valid UTF-8, and the fault is the input's. The
// error quotes names and keys, never values.
func checkSchema(r Reader) error {
	for _, f := range r.Schema().Fields() {
		if err := knownType(f.Type, 0); err != nil {
			return fmt.Errorf("column %q: %w", f.Name, err)
		}
	}
	check := func(where string, keys, values []string) error {
		for i, k := range keys {
			if !utf8.ValidString(k) {
				return fmt.Errorf("%skey-value metadata: key %d is not valid UTF-8", where, i+1)
			}
			if !utf8.ValidString(values[i]) {
				return fmt.Errorf("%skey-value metadata %q: the value is not valid UTF-8", where, k)
			}
		}
		return nil
	}
	md := r.Metadata()
	keys := sortedKeys(md)
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = md[k]
	}
	if err := check("", keys, values); err != nil {
		return err
	}
	sm := r.Schema().Metadata()
	if err := check("schema ", sm.Keys(), sm.Values()); err != nil {
		return err
	}
	for _, f := range r.Schema().Fields() {
		if err := checkFieldText(fmt.Sprintf("column %q", f.Name), f, check); err != nil {
			return err
		}
	}
	return nil
}

// checkFieldText checks that a field's name and key-value metadata are
// text, and those of the fields nested in it (struct fields, list
// elements, map entries, at any depth): every writer hands them on, and
// a name that is not UTF-8 makes a Parquet file or CSV header that other
// tools cannot read. where names the field for the error.
func checkFieldText(where string, f arrow.Field, check func(where string, keys, values []string) error) error {
	if !utf8.ValidString(f.Name) {
		return fmt.Errorf("%s: the name is not valid UTF-8", where)
	}
	if err := check(where+" ", f.Metadata.Keys(), f.Metadata.Values()); err != nil {
		return err
	}
	var nested []arrow.Field
	switch t := f.Type.(type) {
	case arrow.NestedType:
		nested = t.Fields()
	case arrow.ExtensionType:
		if n, ok := t.StorageType().(arrow.NestedType); ok {
			nested = n.Fields()
		}
	case *arrow.DictionaryType:
		if n, ok := t.ValueType.(arrow.NestedType); ok {
			nested = n.Fields()
		}
	}
	for _, c := range nested {
		if err := checkFieldText(fmt.Sprintf("%s, nested field %q", where, c.Name), c, check); err != nil {
			return err
		}
	}
	return nil
}
