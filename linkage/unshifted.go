package linkage

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
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
	Column  string   // the date column that would be delivered as it is
	Shifted []string // the columns shifted
}

func (e *UnshiftedDateError) Error() string {
	return fmt.Sprintf("linkage: %s: date column %q would be delivered unshifted beside the shifted %s, "+
		"and the difference gives each person's offset away; shift it too (--shift-dates, or dates.shift in a plan), "+
		"coarsen it (--coarsen, dates.coarsen), drop it (--drop, drop) or, if that is intended, "+
		"deliver it as it is (--unshifted-dates, dates.unshifted)", e.File, e.Column, strings.Join(e.Shifted, ", "))
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
