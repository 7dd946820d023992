package linkage

import (
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// InferTypes returns the types of a CSV file's columns inferred from its
// first rows (int64 and date, by the rules of [formats.InferTypes]), but
// never for an ID column: the columns named in keepText, columns named
// like a direct identifier (fnr, personnummer, ...) and columns whose
// sample holds a national ID of any supported scheme (scheme as for the
// leak guard; nil for Norway) stay text, as they are. A Parquet or Arrow
// file has its types already: the result is empty.
func InferTypes(path string, ro formats.ReadOptions, scheme pseudonym.Scheme, keepText ...string) (map[string]arrow.DataType, error) {
	keep := map[string]bool{}
	for _, c := range keepText {
		keep[c] = true
	}
	return formats.InferTypes(path, ro, formats.DefaultInferRows, func(col string, sample *array.String) bool {
		return keep[col] || sensitiveName(col) || countIDs(sample, scheme) > 0
	})
}

// checkSourceTypes checks a source's types: known type names, the ID
// column left as text, and a CSV source (Parquet and Arrow files carry
// their types).
func checkSourceTypes(s SourcePlan, where string, bad func(format string, args ...any)) {
	if len(s.Types) == 0 {
		return
	}
	format, err := formats.ParseFormat(s.Format)
	if s.Format == "" {
		format, err = formats.FormatFromPath(s.Path)
	}
	if err == nil && format != formats.FormatCSV {
		bad("%s: types are for CSV sources: a %s file carries its column types (remove them)", where, format)
	}
	for _, col := range slices.Sorted(maps.Keys(s.Types)) {
		t, err := formats.ParseType(s.Types[col])
		switch {
		case err != nil:
			bad("%s: types.%s: %v", where, col, err)
		case col == s.IDColumn && t.ID() != arrow.STRING:
			bad("%s: types.%s: the ID column is read as the text it is (a number would lose a leading zero): remove it from types", where, col)
		}
	}
}

// sourceTypes returns a checked source's types as ReadOptions.Types.
func sourceTypes(s SourcePlan) map[string]arrow.DataType {
	if len(s.Types) == 0 {
		return nil
	}
	types := make(map[string]arrow.DataType, len(s.Types))
	for col, name := range s.Types {
		types[col], _ = formats.ParseType(name)
	}
	return types
}
