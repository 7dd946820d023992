package formats

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Untrusted input, in three layers:
//
//  1. Before arrow-go sees an Arrow IPC schema or footer, its flatbuffer
//     is checked (ipcguard.go): arrow-go allocates the vectors a schema
//     names before checking them.
//  2. Every batch a reader hands on is validated by validateBatch:
//     buffer sizes, offsets monotone and in range, null counts,
//     dictionary indices, nested children, for every Arrow type.
//  3. A panic inside a dependency on a read or write path is recovered at
//     the formats boundary (reader Open/Next/Close, writer
//     Write/Close/Abort, and the goroutines formats starts) and becomes an
//     error naming the file (see recovered).
//
// A reader therefore either hands on arrays that every consumer can index
// without a bounds fault, or fails with an error naming the file.

// errCorruptArray is wrapped by every validation failure.
var errCorruptArray = errors.New("corrupt data")

// validateBatch checks every column of rec (see validateArray).
func validateBatch(rec arrow.RecordBatch) error {
	for i, c := range rec.Columns() {
		if int64(c.Len()) != rec.NumRows() {
			return &columnError{rec.Schema().Field(i).Name, fmt.Errorf("%w: %d values in a batch of %d rows", errCorruptArray, c.Len(), rec.NumRows())}
		}
		if err := validateArray(c); err != nil {
			return &columnError{rec.Schema().Field(i).Name, err}
		}
	}
	return nil
}

// columnError names the column a validation failure is in.
type columnError struct {
	column string
	err    error
}

func (e *columnError) Error() string { return fmt.Sprintf("column %q: %v", e.column, e.err) }
func (e *columnError) Unwrap() error { return e.err }

// validateArray checks that a is well formed, fully (O(length)), so that
// reading any of its values cannot fault: arrow-go's array.ValidateFull
// (layout, buffer sizes, offsets, null count, dictionary indices, child
// arrays, union type codes and offsets, run ends, views) and the checks
// it lacks, listed in validateExtra. A type not listed is refused: a new
// Arrow type must be looked at before koble hands it on.
func validateArray(a arrow.Array) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errCorruptArray, panicText(p))
		}
	}()
	if err := knownType(a.DataType(), 0); err != nil {
		return err
	}
	if done, err := validateVarBinary(a); done {
		return err
	}
	if err := array.ValidateFull(a); err != nil {
		return fmt.Errorf("%w: %v", errCorruptArray, valueFree(err))
	}
	return validateExtra(a)
}

// valueFree returns the text of an arrow-go validation error without the
// value that its invalid UTF-8 message quotes (arrow-go v18.8.0
// String.ValidateFull: "string at index N is not valid utf8: VALUE").
func valueFree(err error) string {
	msg := err.Error()
	const utf8Msg = "is not valid utf8"
	if i := strings.Index(msg, utf8Msg); i >= 0 {
		return msg[:i+len(utf8Msg)]
	}
	return msg
}

// maxNesting bounds the depth of nested types (the IPC guard bounds it
// at 64 too).
const maxNesting = 64

// validatedTypes are the types validateArray knows: it refuses any other.
var validatedTypes = map[arrow.Type]bool{
	arrow.NULL: true, arrow.BOOL: true,
	arrow.INT8: true, arrow.INT16: true, arrow.INT32: true, arrow.INT64: true,
	arrow.UINT8: true, arrow.UINT16: true, arrow.UINT32: true, arrow.UINT64: true,
	arrow.FLOAT16: true, arrow.FLOAT32: true, arrow.FLOAT64: true,
	arrow.DECIMAL32: true, arrow.DECIMAL64: true, arrow.DECIMAL128: true, arrow.DECIMAL256: true,
	arrow.DATE32: true, arrow.DATE64: true, arrow.TIME32: true, arrow.TIME64: true, arrow.TIMESTAMP: true,
	arrow.DURATION: true, arrow.INTERVAL_MONTHS: true, arrow.INTERVAL_DAY_TIME: true, arrow.INTERVAL_MONTH_DAY_NANO: true,
	arrow.STRING: true, arrow.LARGE_STRING: true, arrow.BINARY: true, arrow.LARGE_BINARY: true,
	arrow.STRING_VIEW: true, arrow.BINARY_VIEW: true, arrow.FIXED_SIZE_BINARY: true,
	arrow.DICTIONARY: true, arrow.EXTENSION: true,
	arrow.LIST: true, arrow.LARGE_LIST: true, arrow.FIXED_SIZE_LIST: true, arrow.LIST_VIEW: true, arrow.LARGE_LIST_VIEW: true,
	arrow.MAP: true, arrow.STRUCT: true, arrow.SPARSE_UNION: true, arrow.DENSE_UNION: true, arrow.RUN_END_ENCODED: true,
}

// knownType returns an error for a type, or a type inside it, that
// validateArray does not know.
func knownType(t arrow.DataType, depth int) error {
	if depth > maxNesting {
		return fmt.Errorf("%w: types nested more than %d deep", errCorruptArray, maxNesting)
	}
	if !validatedTypes[t.ID()] {
		return fmt.Errorf("%w: values of type %s are not supported", errCorruptArray, t)
	}
	if err := typeParams(t); err != nil {
		return fmt.Errorf("%w: type %s: %v", errCorruptArray, t.ID(), err)
	}
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return knownType(t.ValueType, depth+1)
	case arrow.ExtensionType:
		return knownType(t.StorageType(), depth+1)
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if err := knownType(f.Type, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeParams checks the parameters of a type that arrow-go uses as table
// indices when it formats or converts a value (a corrupt schema can
// name a time unit 9 or a decimal scale 16387).
func typeParams(t arrow.DataType) error {
	unit := func(u arrow.TimeUnit, ok ...arrow.TimeUnit) error {
		for _, o := range ok {
			if u == o {
				return nil
			}
		}
		return fmt.Errorf("time unit %d is not allowed", u)
	}
	switch t := t.(type) {
	case *arrow.Time32Type:
		return unit(t.Unit, arrow.Second, arrow.Millisecond)
	case *arrow.Time64Type:
		return unit(t.Unit, arrow.Microsecond, arrow.Nanosecond)
	case *arrow.TimestampType:
		return unit(t.Unit, arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond)
	case *arrow.DurationType:
		return unit(t.Unit, arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond)
	case arrow.DecimalType:
		maxPrecision := map[arrow.Type]int32{arrow.DECIMAL32: 9, arrow.DECIMAL64: 18, arrow.DECIMAL128: 38, arrow.DECIMAL256: 76}[t.ID()]
		if p, s := t.GetPrecision(), t.GetScale(); p < 1 || p > maxPrecision || s < -maxPrecision || s > maxPrecision {
			return fmt.Errorf("precision %d and scale %d out of range", p, s)
		}
	case *arrow.DictionaryType:
		if !arrow.IsInteger(t.IndexType.ID()) {
			return fmt.Errorf("dictionary index type %s is not an integer", t.IndexType)
		}
	}
	return nil
}

// validateExtra adds what array.ValidateFull (arrow-go v18.8.0) leaves
// out, for a and its children: a map's keys must not be null (the Arrow
// format says so, and consumers look keys up without a null check).
//
// (String values must be valid UTF-8, as the Arrow format says and as
// array.ValidateFull checks; see validateVarBinary.)
func validateExtra(a arrow.Array) error {
	switch v := a.(type) {
	case *array.Map:
		keys := v.Keys()
		if keys.NullN() > 0 {
			return fmt.Errorf("%w: map has a null key", errCorruptArray)
		}
		if err := validateExtra(keys); err != nil {
			return err
		}
		return validateExtra(v.Items())
	case *array.Struct:
		for i := range v.NumField() {
			if err := validateExtra(v.Field(i)); err != nil {
				return err
			}
		}
	case array.ListLike:
		return validateExtra(v.ListValues())
	case *array.Dictionary:
		return validateExtra(v.Dictionary())
	case array.ExtensionArray:
		return validateExtra(v.Storage())
	}
	return nil
}

// recovered turns a recovered panic value into an error. A runtime error
// (nil dereference, index out of range) keeps its text; the stack is not
// kept: a message must not run to pages, and the panic's own position
// says nothing to a user.
func recovered(p any) error {
	return fmt.Errorf("%w (internal fault in a dependency: %s)", errCorruptArray, panicText(p))
}

// panicText returns a panic value's text, at most 200 bytes long.
func panicText(p any) string {
	var s string
	switch v := p.(type) {
	case runtime.Error:
		s = v.Error()
	case error:
		s = v.Error()
	case string:
		s = v
	default:
		s = fmt.Sprintf("%T", p)
	}
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// validateData makes an array of d and validates it. arrow-go panics when
// it makes some arrays of malformed data (a string array whose last
// offset is past its data); that is a failed validation too.
func validateData(d arrow.ArrayData) (err error) {
	var a arrow.Array
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("%w: %v", errCorruptArray, panicText(p))
			}
		}()
		a = array.MakeFromData(d)
	}()
	if err != nil {
		return err
	}
	defer a.Release()
	return validateArray(a)
}
