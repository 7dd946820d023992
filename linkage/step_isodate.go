package linkage

import (
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/koble/koble/formats"
)

// newShiftStep makes the shift step of output column k. Shifted date text
// bound for a CSV output keeps each value's layout; the step notes whether
// every value it delivers is YYYY-MM-DD, so that the delivery's
// description may declare the column a date (see isoTextDates).
func (p *plan) newShiftStep(k int, oc outColumn) shiftStep {
	s := shiftStep{p: p, k: k, in: oc.in, typed: oc.typed}
	if p.cfg.outFormat() == formats.FormatCSV && oc.field.Type.ID() == arrow.STRING {
		if p.textDates == nil {
			p.textDates = map[string]*atomic.Bool{}
		}
		s.notISO = new(atomic.Bool)
		p.textDates[oc.field.Name] = s.notISO
	}
	return s
}

// noteLayout sets notISO once a delivered value of a is not YYYY-MM-DD.
// Rows that are quarantined are null and skipped; an empty value is a
// missing one.
func (s shiftStep) noteLayout(a arrow.Array) {
	c, ok := a.(*array.String)
	if s.notISO == nil || s.notISO.Load() || !ok {
		return
	}
	for i := range c.Len() {
		if v := c.Value(i); c.IsValid(i) && v != "" && !isISODate(v) {
			s.notISO.Store(true)
			return
		}
	}
}

// isISODate says whether v has the form YYYY-MM-DD.
func isISODate(v string) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for i, c := range []byte(v) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// isoTextDates adds to the report the shifted date text columns whose
// every delivered value was YYYY-MM-DD, once the run is over.
func (p *plan) isoTextDates(rep *Report) {
	for _, oc := range p.cols {
		if f, ok := p.textDates[oc.field.Name]; ok && !f.Load() {
			if rep.csvTypes == nil {
				rep.csvTypes = map[string]string{}
			}
			rep.csvTypes[oc.field.Name] = arrow.FixedWidthTypes.Date32.String()
		}
	}
}
