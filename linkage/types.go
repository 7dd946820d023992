package linkage

import (
	"fmt"
	"maps"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
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

// checkSourceTypes checks a source's types and infer_types: known type
// names, the ID column left as text, and a CSV source (Parquet and Arrow
// files carry their types).
func checkSourceTypes(s SourcePlan, where string, bad func(format string, args ...any)) {
	if len(s.Types) == 0 && !s.InferTypes {
		return
	}
	format, err := formats.ParseFormat(s.Format)
	if s.Format == "" {
		format, err = formats.FormatFromPath(s.Path)
	}
	if err == nil && format != formats.FormatCSV {
		bad("%s: types and infer_types are for CSV sources: a %s file carries its column types (remove them)", where, format)
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

// typedDates says whether a shifted column f is date text from a CSV
// source that the output delivers as date32: a Parquet or Arrow output
// gives dates their type, as it does for a source whose dates are typed,
// unless the user read the column as a string on purpose (--types
// COL:string, types = {COL = "string"}). A CSV output keeps the text as
// it was written.
func (p *plan) typedDates(f arrow.Field) bool {
	cfg := p.cfg
	if f.Type.ID() != arrow.STRING || cfg.inFormat() != formats.FormatCSV {
		return false
	}
	switch cfg.outFormat() {
	case formats.FormatParquet, formats.FormatArrowFile, formats.FormatArrowStream:
	default:
		return false
	}
	t, named := cfg.Read.Types[f.Name]
	return !named || t.ID() != arrow.STRING
}

// inFormat is the input's format: Read.Format, or what In names (CSV for
// standard input).
func (cfg *PrepareConfig) inFormat() formats.Format {
	return formatOf(cfg.Read.Format, cfg.In)
}

// toDates turns the shifted date text of the step's output column into
// date32. A delivered value with a time of day, or a partial date kept
// as a year, has no date32 form: the run stops, naming the row and the
// flag that keeps the column as text.
func (s shiftStep) toDates(b *batch) error {
	col := b.cols[s.k].(*array.String)
	db := array.NewDate32Builder(b.mem)
	defer db.Release()
	db.Reserve(col.Len())
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) || col.ValueLen(i) == 0 {
			db.AppendNull()
			continue
		}
		day, layout, rest, ok := refdate.ParseDate([]byte(col.Value(i)))
		switch {
		case ok && !layout.Partial() && len(rest) == 0:
			db.Append(arrow.Date32(day))
		case !b.kept(i):
			db.AppendNull()
		default:
			name := s.produces()
			return fmt.Errorf("linkage: %s: row %d, column %q: a date with a time of day, or without a day, has no %s date type: keep the column as text with --types %s:string (plan: types = {%s = \"string\"})",
				s.p.cfg.In, b.firstRow+int64(i), name, s.p.cfg.outFormat(), name, name)
		}
	}
	col.Release()
	b.cols[s.k] = db.NewArray()
	return nil
}

// inferTypes applies InferTypes to cfg.Read.Types (a copy) and returns
// what it inferred, by type name.
func (cfg *PrepareConfig) inferTypes() (map[string]string, error) {
	if !cfg.InferTypes || cfg.inFormat() != formats.FormatCSV || cfg.outFormat() == formats.FormatCSV {
		return nil, nil
	}
	keep := []string{cfg.IDColumn}
	keep = append(keep, cfg.Shift...)
	for _, r := range cfg.Relative {
		keep = append(append(append(keep, r.Reference), r.PersonFirst...), r.Columns...)
	}
	for _, c := range cfg.Coarsen {
		keep = append(keep, c.Column)
	}
	inferred, err := InferTypes(cfg.In, cfg.Read, cfg.Scheme, keep...)
	if err != nil {
		return nil, err
	}
	types := maps.Clone(cfg.Read.Types)
	if types == nil {
		types = map[string]arrow.DataType{}
	}
	names := map[string]string{}
	kept := map[string]bool{}
	for _, c := range cfg.Keep {
		kept[c] = true
	}
	for col, t := range inferred {
		if slices.Contains(cfg.Drop, col) || len(kept) > 0 && !kept[col] {
			continue // not delivered: no type to give, and no row to fail
		}
		types[col], names[col] = t, formats.TypeName(t)
	}
	cfg.Read.Types = types
	return names, nil
}
