package linkage

import (
	"fmt"
	"sync/atomic"

	"github.com/koble/koble/refdate"
)

// offsetsStep draws each delivered row's date offset from its serial
// (refdate.Offsets, keyed by the project's date-shift key), once per batch
// for every shifted column. It quarantines nothing.
type offsetsStep struct{ p *plan }

func (s offsetsStep) reads() []string  { return []string{s.p.cfg.IDColumn} }
func (s offsetsStep) produces() string { return "offsets" }

func (s offsetsStep) apply(ws *worker, b *batch) error {
	b.offs = ws.offs[:b.n]
	sb := ws.sbytes[:b.n]
	for i := range sb {
		if b.bad[i] || b.skip[i] {
			sb[i] = nil
		} else {
			sb[i] = b.sers[i][:refdate.SerialBytes]
		}
	}
	ws.offsets.Fill(b.offs, sb)
	return nil
}

// shiftStep moves one date column by each person's offset. It quarantines
// rows whose date cannot be shifted, with refdate's reason (unparsable,
// out of bounds...), and fails the run when no value of the batch is a
// date: the column is not a date column.
type shiftStep struct {
	p *plan
	k int // output column
	// in is the input column.
	in int
	// typed: the column is date text delivered as date32 (see typedDates).
	typed bool
	// notISO, for date text bound for a CSV output, is set once a value
	// delivered is not YYYY-MM-DD (see newShiftStep).
	notISO *atomic.Bool
}

func (s shiftStep) reads() []string  { return []string{s.p.in.Field(s.in).Name} }
func (s shiftStep) produces() string { return s.p.out.Field(s.k).Name }

func (s shiftStep) apply(ws *worker, b *batch) error {
	name := s.produces()
	src := b.in.Column(s.in)
	a, probs, err := ws.shifter.ShiftArray(b.mem, src, b.offs)
	if err != nil {
		return fmt.Errorf("linkage: %s: column %q: %w", s.p.cfg.In, name, err)
	}
	b.cols[s.k] = a
	unparsable := 0
	for _, pr := range probs {
		if pr.Reason == refdate.ReasonUnparsable {
			unparsable++
		}
		if pr.Reason != refdate.ReasonNoPerson {
			b.problem(pr.Row, pr.Reason.String(), name)
		}
	}
	if unparsable > 0 && unparsable == src.Len()-src.NullN() {
		return fmt.Errorf("linkage: %s: column %q does not hold dates: no value in rows %d-%d is a date (YYYY-MM-DD, DD.MM.YYYY or YYYYMMDD)",
			s.p.cfg.In, name, b.firstRow, b.firstRow+int64(b.n)-1)
	}
	if s.typed {
		return s.toDates(b)
	}
	s.noteLayout(a)
	return nil
}
