package risk

import (
	"fmt"
	"slices"
)

// Result is the outcome of a measurement.
type Result struct {
	Mode      string   `json:"mode"`
	Person    string   `json:"person"`
	QI        []string `json:"quasi_identifiers"`
	Ladders   []string `json:"ladders"`
	Sensitive string   `json:"sensitive,omitempty"`
	// K is the threshold measured against.
	K int `json:"k"`
	// Bound is the most distinct combinations kept per person.
	Bound int `json:"bound"`
	// Rows counts the rows read; RowsWithoutPerson those whose person was
	// missing, which are left out.
	Rows              int64 `json:"rows"`
	RowsWithoutPerson int64 `json:"rows_without_person"`
	// Persons is the number of distinct persons.
	Persons int64 `json:"persons"`
	// Measures are the figures of the data as delivered.
	Measures
	// Pass is true when no person is at risk: every class has at least K
	// persons and no person is past the bound.
	Pass bool `json:"pass"`
	// Suggestions are generalisations, cheapest first (see [Suggestion]).
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// Searched is the number of generalisations tried; SearchComplete is
	// false when the search stopped at Config.MaxSearch before any
	// generalisation passed.
	Searched       int  `json:"searched"`
	SearchComplete bool `json:"search_complete"`
}

// A Suggestion is a generalisation of the quasi-identifiers (a level of
// every ladder) with the persons still at risk under it, who would have to
// be suppressed to reach the threshold.
type Suggestion struct {
	Levels []string `json:"levels"`
	// Cost is the number of ladder levels climbed, over all
	// quasi-identifiers.
	Cost   int   `json:"cost"`
	AtRisk int64 `json:"at_risk"`
	Pass   bool  `json:"pass"`
}

// Result computes the figures, and suggestions when the delivery fails the
// threshold. It ends the collection: Add must not be called after it.
// Result may take a while at register scale: each generalisation tried
// passes over every person once.
func (c *Collector) Result() (*Result, error) {
	for j, name := range c.cols {
		if !c.seen[j] {
			return nil, fmt.Errorf("risk: no batch had the column %q", name)
		}
	}
	if !c.keepTapes {
		defer c.Close()
	}
	if err := c.store.finish(); err != nil {
		return nil, err
	}
	c.persons = nil // not needed any more: persons are numbered
	c.ladders = make([]Ladder, len(c.cfg.QI))
	c.levels = map[levelKey]*levelMap{}
	r := &Result{
		Mode: c.cfg.Mode.String(), Person: c.cfg.Person, QI: c.cfg.QI, Sensitive: c.cfg.Sensitive,
		K: c.cfg.K, Bound: c.cfg.Bound, Rows: c.rows, RowsWithoutPerson: c.noPers,
		Persons: int64(c.store.n),
	}
	for q, name := range c.cfg.QI {
		l, ok := c.cfg.Ladders[name]
		if !ok {
			l = GuessLadder(name, c.dicts[q].vals)
		}
		c.ladders[q] = l
		r.Ladders = append(r.Ladders, l.Kind)
	}
	base := make([]int, len(c.cfg.QI))
	m, err := c.measure(base, true)
	if err != nil {
		return nil, err
	}
	r.Measures = *m
	r.Pass = r.AtRisk == 0
	if !r.Pass && c.cfg.MaxSearch > 0 {
		if err := c.suggest(r); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Close removes the temporary files of a collection given up before
// [Collector.Result] (which removes them itself). It may be called more
// than once.
func (c *Collector) Close() error {
	return c.store.close()
}

// suggest tries generalisations by increasing cost, keeps the one with
// the fewest persons at risk at each cost, and stops after the first cost
// at which some generalisation passes (all of those are kept).
func (c *Collector) suggest(r *Result) error {
	tops := make([]int, len(c.ladders))
	maxCost := 0
	for q, l := range c.ladders {
		tops[q] = len(l.Levels) - 1
		maxCost += tops[q]
	}
	r.SearchComplete = true
	for cost := 1; cost <= maxCost; cost++ {
		var best *Suggestion
		var passing []Suggestion
		for _, lv := range vectors(tops, cost) {
			if r.Searched >= c.cfg.MaxSearch {
				r.SearchComplete = false
				break
			}
			r.Searched++
			m, err := c.measure(lv, false)
			if err != nil {
				return err
			}
			s := Suggestion{Levels: m.Levels, Cost: cost, AtRisk: m.AtRisk, Pass: m.AtRisk == 0}
			if s.Pass {
				passing = append(passing, s)
			} else if best == nil || s.AtRisk < best.AtRisk {
				best = &s
			}
		}
		if len(passing) > 0 {
			r.Suggestions = append(r.Suggestions, passing...)
			return nil
		}
		if best != nil {
			r.Suggestions = append(r.Suggestions, *best)
		}
		if !r.SearchComplete {
			return nil
		}
	}
	return nil
}

// vectors returns every level vector with levels summing to cost, each
// level at most its top, in lexicographic order.
func vectors(tops []int, cost int) [][]int {
	var out [][]int
	cur := make([]int, len(tops))
	var rec func(q, left int)
	rec = func(q, left int) {
		if q == len(tops) {
			if left == 0 {
				out = append(out, slices.Clone(cur))
			}
			return
		}
		for l := 0; l <= min(tops[q], left); l++ {
			cur[q] = l
			rec(q+1, left-l)
		}
		cur[q] = 0
	}
	rec(0, cost)
	return out
}
