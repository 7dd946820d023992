package linkage

import (
	"fmt"
	"math"
	"slices"
)

// Small counts in what the researcher receives (the link report in a
// delivery) are withheld: every count from 1 to k-1, k being the plan's
// output.suppress_below or --suppress-below (presets 3, 5 and 10; 5 by
// default). That alone can be undone where counts are tied by sums (rows
// read = rows written + quarantined + not in the sample): a withheld
// count that follows from the others shown is a secondary disclosure.
// So, as statistical offices do, further counts are withheld (secondary
// suppression) until no withheld count follows from the shown ones by
// any combination of the sums. Zero is shown: it is no person.
//
// The register manager's own outputs (the printed summary, the prepare
// report) keep exact counts and say so.

// DefaultSuppressBelow is the default k: counts 1..4 are withheld.
const DefaultSuppressBelow = 5

// SuppressionPresets are the thresholds a plan or flag may name.
var SuppressionPresets = []int{3, 5, 10}

// CheckSuppressBelow checks a threshold against the presets.
func CheckSuppressBelow(k int) error {
	for _, p := range SuppressionPresets {
		if k == p {
			return nil
		}
	}
	return fmt.Errorf("linkage: a suppression threshold of %d: use one of %v (output.suppress_below in the plan, or --suppress-below)", k, SuppressionPresets)
}

// Count is a count as the researcher sees it: Value is the number, nil
// when withheld; Suppressed says it was withheld.
type Count struct {
	Value      *int64 `json:"value"`
	Suppressed bool   `json:"suppressed,omitempty"`
}

// countTable is a set of counts and the sums that tie them (each relation
// says sum(coef * cell) = 0), to be published with small counts withheld.
type countTable struct {
	values []int64
	rels   [][]term
}

type term struct {
	cell int
	coef float64
}

// add adds a count and returns its cell.
func (t *countTable) add(v int64) int {
	t.values = append(t.values, v)
	return len(t.values) - 1
}

// sum records that whole = the sum of parts.
func (t *countTable) sum(whole int, parts ...int) {
	r := []term{{whole, -1}}
	for _, p := range parts {
		r = append(r, term{p, 1})
	}
	t.rels = append(t.rels, r)
}

// publish returns every count as published with threshold k: counts
// 1..k-1 withheld, and then, one at a time, the smallest count that makes
// a withheld one derivable, until none is.
func (t *countTable) publish(k int) []Count {
	supp := make([]bool, len(t.values))
	for i, v := range t.values {
		supp[i] = v >= 1 && v < int64(k)
	}
	for {
		x := t.derivable(supp)
		if x < 0 {
			break
		}
		y := t.partner(x, supp)
		if y < 0 {
			// Cannot happen (a count >= 1 that follows from shown
			// counts has a shown count in some relation); fail closed.
			for i := range supp {
				supp[i] = true
			}
			break
		}
		supp[y] = true
	}
	out := make([]Count, len(t.values))
	for i, v := range t.values {
		if supp[i] {
			out[i] = Count{Suppressed: true}
		} else {
			v := v
			out[i] = Count{Value: &v}
		}
	}
	return out
}

// partner is the shown cell to withhold so that x no longer follows: the
// smallest count (zeros last) in a relation with x, or, if those are all
// withheld already (x follows from a combination of relations), in a
// relation with any withheld cell.
func (t *countTable) partner(x int, supp []bool) int {
	rank := func(c int) int64 {
		if t.values[c] == 0 {
			return math.MaxInt64
		}
		return t.values[c]
	}
	pick := func(touches func(r []term) bool) int {
		best := -1
		for _, r := range t.rels {
			if !touches(r) {
				continue
			}
			for _, tm := range r {
				if !supp[tm.cell] && (best < 0 || rank(tm.cell) < rank(best)) {
					best = tm.cell
				}
			}
		}
		return best
	}
	if y := pick(func(r []term) bool { return slices.ContainsFunc(r, func(tm term) bool { return tm.cell == x }) }); y >= 0 {
		return y
	}
	return pick(func(r []term) bool { return slices.ContainsFunc(r, func(tm term) bool { return supp[tm.cell] }) })
}

// derivable returns a withheld cell that the relations and the shown
// cells determine, or -1. A cell x is determined when the unit vector of
// x lies in the row space of the relations restricted to the withheld
// cells: in reduced row echelon form, a row whose only nonzero entry
// (among the withheld cells) is x's.
func (t *countTable) derivable(supp []bool) int {
	var cols []int
	for i, s := range supp {
		if s {
			cols = append(cols, i)
		}
	}
	if len(cols) == 0 {
		return -1
	}
	index := map[int]int{}
	for j, c := range cols {
		index[c] = j
	}
	m := make([][]float64, len(t.rels))
	for i, r := range t.rels {
		m[i] = make([]float64, len(cols))
		for _, tm := range r {
			if j, ok := index[tm.cell]; ok {
				m[i][j] += tm.coef
			}
		}
	}
	rref(m)
	const eps = 1e-9
	for _, row := range m {
		nz, at := 0, -1
		for j, v := range row {
			if math.Abs(v) > eps {
				nz, at = nz+1, j
			}
		}
		if nz == 1 {
			return cols[at]
		}
	}
	return -1
}

// rref brings m into reduced row echelon form, in place.
func rref(m [][]float64) {
	const eps = 1e-9
	if len(m) == 0 {
		return
	}
	row := 0
	for col := 0; col < len(m[0]) && row < len(m); col++ {
		p := -1
		for i := row; i < len(m); i++ {
			if math.Abs(m[i][col]) > eps && (p < 0 || math.Abs(m[i][col]) > math.Abs(m[p][col])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		m[row], m[p] = m[p], m[row]
		pv := m[row][col]
		for j := range m[row] {
			m[row][j] /= pv
		}
		for i := range m {
			if i != row && math.Abs(m[i][col]) > eps {
				f := m[i][col]
				for j := range m[i] {
					m[i][j] -= f * m[row][j]
				}
			}
		}
		row++
	}
}
