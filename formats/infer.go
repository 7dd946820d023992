package formats

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Type inference for CSV columns, from a sample of the first records.
//
// A column becomes int64 if every value of the sample is a whole number
// written as numbers are (no leading zero, no plus sign), and date if
// every value is a date written YYYY-MM-DD or DD.MM.YYYY. Anything else
// stays a string: codes with a leading zero (municipality 0301, postcode
// 0150), ICD-10 and ATC codes, dates with a time of day, mixed columns,
// and columns with no value in the sample. A later record that does not
// fit the inferred type is an error naming its line and column, never a
// silent change: a postcode column whose sample held no leading zero
// fails at the first one. The caller keeps columns out of inference by
// giving them a type, string included (ReadOptions.Types), or by its
// textOnly function, which sees each column's sample: this package knows
// nothing of IDs, its caller does.

// DefaultInferRows is the number of records [InferTypes] samples unless
// told otherwise.
const DefaultInferRows = 10000

// InferTypes reads up to rows records of a CSV file (rows <= 0 reads
// DefaultInferRows) and returns the type each column's sample fits, for
// the columns that fit one other than string (see the rules above).
// Columns that opts.Types names are left out, as are those for which
// textOnly (if not nil) returns true given the column's sample, and all
// columns of a Parquet or Arrow file, whose types are in the file: the
// result is then empty. opts are as for [Open]; its Types and Columns do
// not restrict what is read. Standard input ("-") cannot be sampled and
// read again, and is an error.
func InferTypes(path string, opts ReadOptions, rows int, textOnly func(column string, sample *array.String) bool) (map[string]arrow.DataType, error) {
	if path == "-" {
		return nil, errors.New("formats: column types cannot be inferred from standard input: it cannot be read twice (give a file, or name the types)")
	}
	format := opts.Format
	if format == FormatUnknown {
		var err error
		if format, err = FormatFromPath(path); err != nil {
			return nil, err
		}
	}
	if format != FormatCSV {
		return map[string]arrow.DataType{}, nil
	}
	if rows <= 0 {
		rows = DefaultInferRows
	}
	given := opts.Types
	opts.Format, opts.Types, opts.Columns, opts.BatchSize, opts.Parallel = FormatCSV, nil, nil, rows, 0
	r, err := Open(path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[string]arrow.DataType{}
	if !r.Next() {
		return out, r.Err()
	}
	batch := r.RecordBatch()
	for i, f := range batch.Schema().Fields() {
		if _, ok := given[f.Name]; ok {
			continue
		}
		col, ok := batch.Column(i).(*array.String)
		if !ok {
			return nil, fmt.Errorf("formats: internal error: CSV column %q read as %s", f.Name, f.Type)
		}
		if t := InferType(col); t != nil && (textOnly == nil || !textOnly(f.Name, col)) {
			out[f.Name] = t
		}
	}
	return out, nil
}

// InferType returns the type every value of a text column fits, int64 or
// date32 by the rules of [InferTypes], or nil if the column stays a
// string. Nulls and empty strings are not values; a column without one
// stays a string.
func InferType(col *array.String) arrow.DataType {
	ints, dates, values := true, true, 0
	for i := 0; i < col.Len() && (ints || dates); i++ {
		if col.IsNull(i) || col.ValueLen(i) == 0 {
			continue
		}
		v := []byte(col.Value(i))
		values++
		if ints {
			_, err := parseWhole(v)
			ints = err == nil
		}
		if dates {
			_, dates = parseDate(v)
		}
	}
	switch {
	case values == 0:
		return nil
	case ints:
		return arrow.PrimitiveTypes.Int64
	case dates:
		return arrow.FixedWidthTypes.Date32
	}
	return nil
}
