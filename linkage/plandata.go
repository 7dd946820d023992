package linkage

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// DataCheck is what [Plan.CheckData] found in the sources' data: notes
// (counts) and problems, each naming the source, the plan key at fault
// and how to fix it. Neither ever quotes a value.
type DataCheck struct {
	Notes, Problems []string
}

// DefaultSampleRows is how many rows of each source CheckData reads.
const DefaultSampleRows = 1000

// CheckData opens each source's data file and reads its schema and its
// first rows (sample; DefaultSampleRows if 0): every column the source
// names must exist (a missing one is reported with the nearest name),
// date columns must hold dates, and the ID column of an identified
// register valid IDs of its scheme (counted, never shown).
func (p *Plan) CheckData(sample int) *DataCheck {
	if sample <= 0 {
		sample = DefaultSampleRows
	}
	dc := &DataCheck{}
	for _, s := range p.Sources {
		p.checkSourceData(s, sample, dc)
	}
	return dc
}

// checkSourceData checks one source into dc.
func (p *Plan) checkSourceData(s SourcePlan, sample int, dc *DataCheck) {
	where := fmt.Sprintf("source %q", s.Name)
	bad := func(format string, args ...any) {
		dc.Problems = append(dc.Problems, where+": "+fmt.Sprintf(format, args...))
	}
	ro := formats.ReadOptions{BatchSize: sample, Types: sourceTypes(s)}
	if s.Format != "" {
		ro.Format, _ = formats.ParseFormat(s.Format)
	}
	r, err := formats.Open(p.path(s.Path), ro)
	if err != nil {
		bad("path: %v (fix [[source]] path or format)", err)
		return
	}
	defer r.Close()
	schema := r.Schema()
	var batch arrow.RecordBatch
	if r.Next() {
		batch = r.RecordBatch()
	} else if err := r.Err(); err != nil {
		bad("path: %v", err)
		return
	}
	col := func(key, name string) arrow.Array {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			hint := ""
			if near := nearest(name, schemaNames(schema)); near != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", near)
			}
			bad("%s names %q, which is not a column of %s%s: fix %s", key, name, s.Path, hint, key)
			return nil
		}
		if batch == nil {
			return nil
		}
		return batch.Column(idx[0])
	}
	rows := int64(0)
	if batch != nil {
		rows = batch.NumRows()
	}
	if ids := col("id_column", s.IDColumn); ids != nil {
		p.checkIDs(s, ids, where, dc)
	}
	for _, c := range sourceColumns(s) {
		col(c.key, c.name)
	}
	for _, c := range sourceDateColumns(s) {
		if a := col(c.key, c.name); a != nil {
			checkDates(c.key, c.name, a, where, dc)
		}
	}
	p.checkLayout(s, schema, bad)
	dc.Notes = append(dc.Notes, fmt.Sprintf("%s: %s opens: %d columns; first %d rows read", where, s.Path, schema.NumFields(), rows))
}

// checkLayout lays the source's delivery out on its schema as a run would
// (the same code), and reports what would stop the run there: a date
// delivered unshifted beside shifted ones, a column given two jobs, a
// serial column named like a delivered one. A missing column is reported
// by the caller, with its nearest name.
func (p *Plan) checkLayout(s SourcePlan, schema *arrow.Schema, bad func(string, ...any)) {
	cfg, err := p.prepareConfig(s, "", LinkOptions{})
	if err == nil {
		cfg.In = s.Path
		_, err = cfg.newPlan(schema)
	}
	var ue *UnshiftedDateError
	switch {
	case errors.As(err, &ue):
		bad("%s delivered as it is beside the shifted %s, and the difference gives each person's offset away: "+
			"add it to dates.shift or dates.coarsen, drop it (drop), or list it in dates.unshifted if that is intended",
			ue.what(), strings.Join(ue.Shifted, ", "))
	case err != nil && !errors.Is(err, formats.ErrMissingColumn):
		bad("%s", strings.TrimPrefix(err.Error(), "linkage: "))
	}
}

type namedColumn struct{ key, name string }

// sourceColumns are the columns a source names, other than the ID and
// date columns, with the plan key that names each.
func sourceColumns(s SourcePlan) []namedColumn {
	var cols []namedColumn
	for _, c := range s.Keep {
		cols = append(cols, namedColumn{"keep", c})
	}
	for _, c := range s.Drop {
		cols = append(cols, namedColumn{"drop", c})
	}
	if s.Filter != nil && s.Filter.Column != "" {
		cols = append(cols, namedColumn{"filter.column", s.Filter.Column})
	}
	names := make([]string, 0, len(s.Types))
	for c := range s.Types {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		cols = append(cols, namedColumn{"types", c})
	}
	return cols
}

// sourceDateColumns are the columns a source says hold dates.
func sourceDateColumns(s SourcePlan) []namedColumn {
	var cols []namedColumn
	for _, c := range s.Dates.Shift {
		cols = append(cols, namedColumn{"dates.shift", c})
	}
	names := make([]string, 0, len(s.Dates.Coarsen))
	for c := range s.Dates.Coarsen {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		cols = append(cols, namedColumn{"dates.coarsen", c})
	}
	if s.Filter != nil && s.Filter.DateColumn != "" {
		cols = append(cols, namedColumn{"filter.date_column", s.Filter.DateColumn})
	}
	return cols
}

func schemaNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// checkIDs counts the valid IDs of the source's scheme in a sample of
// its ID column; a pseudonymous register's column holds pseudonyms.
func (p *Plan) checkIDs(s SourcePlan, col arrow.Array, where string, dc *DataCheck) {
	if p.regs[s.Name].Kind == Pseudonymous {
		dc.Notes = append(dc.Notes, fmt.Sprintf("%s: id_column %q holds the register's pseudonyms: not checked as national IDs", where, s.IDColumn))
		return
	}
	scheme := p.scheme(s)
	n := col.Len()
	ids, reasons := make([]pseudonym.ID, n), make([]pseudonym.Reason, n)
	invalid, err := pseudonym.ParseArray(scheme, col, ids, reasons)
	clear(ids)
	if err != nil {
		dc.Problems = append(dc.Problems, fmt.Sprintf("%s: id_column %q: %v: fix id_column", where, s.IDColumn, err))
		return
	}
	valid := n - invalid
	dc.Notes = append(dc.Notes, fmt.Sprintf("%s: id_column %q: %d of the first %d values are valid %s IDs", where, s.IDColumn, valid, n, scheme.Code()))
	if n > 0 && valid == 0 {
		dc.Problems = append(dc.Problems, fmt.Sprintf("%s: id_column %q holds no valid %s ID in its first %d rows: fix id_column, or id_scheme if the IDs are of another country", where, s.IDColumn, scheme.Code(), n))
	}
}

// checkDates counts the dates in a sample of a date column.
func checkDates(key, name string, col arrow.Array, where string, dc *DataCheck) {
	switch col.DataType().ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return
	}
	strs, ok := col.(interface {
		arrow.Array
		ValueStr(int) string
	})
	if !ok || col.DataType().ID() != arrow.STRING && col.DataType().ID() != arrow.LARGE_STRING && col.DataType().ID() != arrow.STRING_VIEW {
		dc.Problems = append(dc.Problems, fmt.Sprintf("%s: %s names %q, a %s column, not dates: fix %s", where, key, name, col.DataType(), key))
		return
	}
	dates, values := 0, 0
	for i := 0; i < col.Len(); i++ {
		if col.IsNull(i) {
			continue
		}
		v := strs.ValueStr(i)
		if v == "" {
			continue
		}
		values++
		if _, _, _, ok := refdate.ParseDate([]byte(v)); ok {
			dates++
		}
	}
	dc.Notes = append(dc.Notes, fmt.Sprintf("%s: %s %q: %d of the first %d values are dates", where, key, name, dates, values))
	if values > 0 && dates == 0 {
		dc.Problems = append(dc.Problems, fmt.Sprintf("%s: %s names %q, which holds no date (YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD) in its first %d values: fix %s", where, key, name, values, key))
	}
}
