package synth

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Layout is the order of a register's rows.
type Layout uint8

// The row layouts.
const (
	// LayoutAdjacent lists each person's rows together, persons in
	// population order.
	LayoutAdjacent Layout = iota
	// LayoutScattered lists rows in time order (by admission date), so a
	// person's rows are scattered over the file, as in registers sorted by
	// time.
	LayoutScattered
)

// String names the layout: "adjacent" or "scattered".
func (l Layout) String() string {
	if l == LayoutScattered {
		return "scattered"
	}
	return "adjacent"
}

// ParseLayout returns the layout named s ("adjacent", "scattered").
func ParseLayout(s string) (Layout, error) {
	switch strings.ToLower(s) {
	case "", "adjacent":
		return LayoutAdjacent, nil
	case "scattered":
		return LayoutScattered, nil
	}
	return 0, fmt.Errorf("synth: unknown layout %q (want adjacent or scattered)", s)
}

// MaxRowsPerPerson clips the log-normal number of patient rows a person
// has.
const MaxRowsPerPerson = 10_000

// patientRow is one drawn row of the patient registry, compact so that a
// scattered registry can be held and sorted in memory.
type patientRow struct {
	person  uint32
	admit   int32
	stay    uint16 // days from admission to discharge
	control uint16 // days from discharge to the control visit
	icd     uint16 // chapter index*1000 + code*10 + subcode
	hosp    uint8
	id      idVariant
}

func (g *generator) patient(t *tableWriter) error {
	rows := g.cfg.PatientRows
	if rows == 0 {
		return nil
	}
	var held []patientRow
	emit := func(p patientRow) error { return g.putPatient(t, p) }
	if g.cfg.Layout == LayoutScattered {
		held = make([]patientRow, 0, rows)
		emit = func(p patientRow) error { held = append(held, p); return nil }
	}
	if err := g.drawPatients(t, emit); err != nil {
		return err
	}
	if held == nil {
		return nil
	}
	// Time order; a stable sort keeps the draw order on equal dates, so
	// the output stays a function of the seed.
	slices.SortStableFunc(held, func(a, b patientRow) int { return cmp.Compare(a.admit, b.admit) })
	for i, p := range held {
		if err := g.putPatient(t, p); err != nil {
			return err
		}
		if g.cfg.Progress != nil && t.rows == 0 {
			g.cfg.Progress(int64(i + 1))
		}
	}
	if g.cfg.Progress != nil {
		g.cfg.Progress(int64(len(held)))
	}
	return nil
}

// drawPatients draws the patient registry's rows, person by person, and
// hands each to emit.
func (g *generator) drawPatients(t *tableWriter, emit func(patientRow) error) error {
	r := g.rng(2)
	rows := g.cfg.PatientRows
	// Three in four persons appear; rows per person are log-normal (most
	// have a few, some have very many, at most MaxRowsPerPerson) with the
	// mean the row count needs.
	mean := float64(rows) / (0.75 * float64(len(g.pop.persons)))
	mu := math.Log(math.Max(mean, 1)) - 0.5
	var written int64
	seen := make([]bool, len(g.pop.persons))
	for written < rows {
		for i := range g.pop.persons {
			if written >= rows {
				break
			}
			if r.Float64() >= 0.75 {
				continue
			}
			pr := &g.pop.persons[i]
			from, to, ok := g.pop.eventWindow(pr)
			if !ok {
				continue
			}
			n := int64(math.Min(MaxRowsPerPerson, math.Max(1, math.Round(math.Exp(mu+r.NormFloat64())))))
			n = min(n, rows-written)
			if !seen[i] {
				seen[i] = true
				t.persons++
			}
			for k := int64(0); k < n; k++ {
				p := patientRow{person: uint32(i), id: g.drawID(r)}
				p.admit = from + int32(r.IntN(int(to-from+1)))
				p.stay = uint16(min(-math.Log(1-r.Float64())*4, float64(to-p.admit)))
				p.control = uint16(min(14+r.IntN(60), int(to-p.admit)-int(p.stay)))
				p.icd = uint16(r.IntN(len(icdChapters))*1000 + r.IntN(100)*10 + r.IntN(10))
				p.hosp = uint8(r.IntN(len(hospitals)))
				if err := emit(p); err != nil {
					return err
				}
			}
			written += n
			if g.cfg.Progress != nil && g.cfg.Layout == LayoutAdjacent && t.rows == 0 {
				g.cfg.Progress(written)
			}
		}
	}
	if g.cfg.Progress != nil && g.cfg.Layout == LayoutAdjacent {
		g.cfg.Progress(written)
	}
	return nil
}

// putPatient writes one drawn row.
func (g *generator) putPatient(t *tableWriter, p patientRow) error {
	pr := &g.pop.persons[p.person]
	g.putID(t, pr.id, p.id)
	discharge := p.admit + int32(p.stay)
	t.date(1, p.admit)
	t.date(2, discharge)
	t.date(3, discharge+int32(p.control))
	t.date(4, pr.birth)
	t.str(5, fmt.Sprintf("%c%02d.%d", icdChapters[p.icd/1000], p.icd%1000/10, p.icd%10))
	t.str(6, hospitals[p.hosp])
	t.str(7, municipalities[pr.muni].code)
	return t.endRow()
}
