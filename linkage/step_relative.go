package linkage

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// relativeStep delivers one date column as whole days since a reference:
// the same row's reference column, or the person's earliest date among
// the PersonFirst columns (found by [plan.firstPass]). It quarantines rows
// whose date or reference is not a date, with refdate's reason, naming
// the column that holds it.
type relativeStep struct {
	p  *plan
	k  int // output column
	oc outColumn
}

func (s relativeStep) reads() []string {
	names := []string{s.p.in.Field(s.oc.in).Name}
	if s.oc.ref >= 0 {
		return append(names, s.p.in.Field(s.oc.ref).Name)
	}
	for _, c := range s.oc.first {
		names = append(names, s.p.in.Field(c).Name)
	}
	return names
}

func (s relativeStep) produces() string { return s.oc.field.Name }

func (s relativeStep) apply(_ *worker, b *batch) error {
	p, oc := s.p, s.oc
	ref, refValid, err := s.reference(b)
	if err != nil {
		return err
	}
	a, probs, err := refdate.RelativeArray(b.mem, b.in.Column(oc.in), ref, refValid)
	if err != nil {
		return fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, oc.field.Name, err)
	}
	b.cols[s.k] = a
	for _, pr := range probs {
		b.problem(pr.Row, pr.Reason.String(), oc.field.Name)
	}
	return nil
}

// reference returns each row's reference day and whether it has one.
func (s relativeStep) reference(b *batch) (ref []int32, refValid []bool, err error) {
	p, oc := s.p, s.oc
	if oc.ref >= 0 {
		var probs []refdate.Problem
		ref, refValid, probs, err = refdate.Days(b.in.Column(oc.ref))
		if err != nil {
			return nil, nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(oc.ref).Name, err)
		}
		for _, pr := range probs {
			b.problem(pr.Row, pr.Reason.String(), p.in.Field(oc.ref).Name)
		}
		return ref, refValid, nil
	}
	// The row's own reference values must be dates, as in the first
	// pass; the reference is the person's earliest.
	for _, c := range oc.first {
		_, _, probs, err := refdate.Days(b.in.Column(c))
		if err != nil {
			return nil, nil, fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(c).Name, err)
		}
		for _, pr := range probs {
			b.problem(pr.Row, pr.Reason.String(), p.in.Field(c).Name)
		}
	}
	ref, refValid = make([]int32, b.n), make([]bool, b.n)
	first := p.firsts[oc.group].first
	for i := 0; i < b.n; i++ {
		if !b.bad[i] {
			ref[i], refValid[i] = first[serialPrefix(&b.sers[i])]
		}
	}
	return ref, refValid, nil
}

// firstPass reads the input once for the PersonFirst groups: each person's
// earliest day among each group's columns. It takes its serials from src.
func (p *plan) firstPass(ctx context.Context, src SerialSource) error {
	if len(p.firsts) == 0 {
		return nil
	}
	cols := []string{p.cfg.IDColumn}
	pos := map[int]int{p.idCol: 0}
	for g := range p.firsts {
		p.firsts[g].first = map[uint64]int32{}
		for _, c := range p.firsts[g].cols {
			if _, ok := pos[c]; !ok {
				pos[c] = len(cols)
				cols = append(cols, p.in.Field(c).Name)
			}
		}
	}
	ro := p.cfg.Read
	ro.Columns = cols
	r, err := formats.Open(p.cfg.In, ro)
	if err != nil {
		return err
	}
	defer r.Close()
	var out SerialBatch
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := r.RecordBatch()
		n := int(b.NumRows())
		if cap(out.Serials) < n {
			out = SerialBatch{Serials: make([]pseudonym.Serial, n), Reasons: make([]pseudonym.Reason, n), Skip: make([]bool, n)}
		}
		part := SerialBatch{Serials: out.Serials[:n], Reasons: out.Reasons[:n], Skip: out.Skip[:n]}
		clear(part.Skip)
		if err := src.Serials(ctx, b.Column(0), part); err != nil {
			return fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.cfg.IDColumn, err)
		}
		if err := p.addFirsts(b.Column, pos, part); err != nil {
			return err
		}
	}
	return r.Err()
}

// addFirsts lowers each person's earliest day by one batch of the first
// pass; col gives the batch's columns, pos their places.
func (p *plan) addFirsts(col func(int) arrow.Array, pos map[int]int, part SerialBatch) error {
	for g := range p.firsts {
		for _, c := range p.firsts[g].cols {
			days, valid, _, err := refdate.Days(col(pos[c]))
			if err != nil {
				return fmt.Errorf("linkage: %s: column %q: %w", p.cfg.In, p.in.Field(c).Name, err)
			}
			m := p.firsts[g].first
			for i := range days {
				if !valid[i] || part.Reasons[i] != pseudonym.ReasonNone || part.Skip[i] {
					continue
				}
				k := serialPrefix(&part.Serials[i])
				if d, ok := m[k]; !ok || days[i] < d {
					m[k] = days[i]
				}
			}
		}
	}
	return nil
}
