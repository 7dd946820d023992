package linkage

import (
	"fmt"

	"github.com/koble/koble/refdate"
)

// coarsenStep delivers one date column at a lower precision (year,
// year-month, ISO week). It quarantines rows whose value is not a date,
// with refdate's reason.
type coarsenStep struct {
	p  *plan
	k  int // output column
	oc outColumn
}

func (s coarsenStep) reads() []string  { return []string{s.p.in.Field(s.oc.in).Name} }
func (s coarsenStep) produces() string { return s.oc.field.Name }

func (s coarsenStep) apply(_ *worker, b *batch) error {
	a, probs, err := refdate.CoarsenArray(b.mem, b.in.Column(s.oc.in), s.oc.precision)
	if err != nil {
		return fmt.Errorf("linkage: %s: column %q: %w", s.p.cfg.In, s.oc.field.Name, err)
	}
	b.cols[s.k] = a
	for _, pr := range probs {
		b.problem(pr.Row, pr.Reason.String(), s.oc.field.Name)
	}
	return nil
}
