package linkage

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/pseudonym"
)

// UnshiftedDateError refuses a run that shifts dates and would deliver
// another date column as it is. A person's shifted and unshifted dates
// differ by the person's offset, so the unshifted column gives the offset
// away, and with it the true date of every shifted column: the shift
// would protect nothing. The column must be shifted too, made relative,
// coarsened, dropped, or listed as delivered unshifted on purpose
// ([PrepareConfig.Unshifted]).
type UnshiftedDateError struct {
	File    string   // the input
	Columns []string // the date columns that would be delivered as they are
	Shifted []string // the columns shifted
}

func (e *UnshiftedDateError) Error() string {
	return fmt.Sprintf("linkage: %s: %s delivered unshifted beside the shifted %s, "+
		"and the difference gives each person's offset away; shift them too (--shift-dates, or dates.shift in a plan), "+
		"coarsen them (--coarsen, dates.coarsen), drop them (--drop, drop) or, if that is intended, "+
		"deliver them as they are (--unshifted-dates, dates.unshifted)", pseudonym.Redact(e.File), e.what(), pseudonym.Redact(strings.Join(e.Shifted, ", ")))
}

// what names the columns: 'date column "a" would be' or 'date columns "a", "b" would be'.
func (e *UnshiftedDateError) what() string {
	q := make([]string, len(e.Columns))
	for i, c := range e.Columns {
		q[i] = strconv.Quote(pseudonym.Redact(c)) // a column may be named by an ID
	}
	if len(q) == 1 {
		return "date column " + q[0] + " would be"
	}
	return "date columns " + strings.Join(q, ", ") + " would be"
}

// isDate reports whether t holds dates or times: the types a date shift
// applies to once read.
func isDate(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
		return true
	}
	return false
}
