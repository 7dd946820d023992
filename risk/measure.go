package risk

import (
	"slices"
)

// Measures are the figures of one generalisation of the quasi-identifiers.
type Measures struct {
	// Levels names, per quasi-identifier, the ladder level measured.
	Levels []string `json:"levels"`
	// Classes is the number of equivalence classes: distinct class keys
	// among the persons.
	Classes int64 `json:"classes"`
	// SmallestClass is k: the fewest persons in one class (0 if none).
	SmallestClass int64 `json:"smallest_class"`
	// AtRisk is the number of persons in classes smaller than the
	// threshold, plus the persons past the bound (Overflow).
	AtRisk int64 `json:"at_risk"`
	// AtRiskShare is AtRisk over all persons.
	AtRiskShare float64 `json:"at_risk_share"`
	// SampleUniques is the number of persons alone in a class (in mode
	// every: alone in at least one of their classes).
	SampleUniques int64 `json:"sample_uniques"`
	// UniqueClasses and PairClasses count classes of one and two persons
	// (the n1 and n2 of the estimator).
	UniqueClasses int64 `json:"unique_classes"`
	PairClasses   int64 `json:"pair_classes"`
	// Overflow is the number of persons with more distinct combinations
	// than the bound: they are not classed and count as at risk.
	Overflow int64 `json:"overflow"`
	// Diversity is set when a sensitive column is named.
	Diversity *Diversity `json:"diversity,omitempty"`
	// Population is the population-uniqueness estimate.
	Population *Population `json:"population,omitempty"`
}

// Diversity is the distinct l-diversity of the sensitive column.
type Diversity struct {
	Column string `json:"column"`
	// L is the fewest distinct sensitive values in one class.
	L int64 `json:"l"`
	// HomogeneousClasses have one sensitive value only: knowing a person's
	// class tells the value.
	HomogeneousClasses int64 `json:"homogeneous_classes"`
	// HomogeneousPersons are the persons in such a class.
	HomogeneousPersons int64 `json:"homogeneous_persons"`
}

// classing assigns persons to classes under one generalisation.
type classing struct {
	maps  [][]uint32 // by QI: value id -> generalised value id
	qiMap []uint32   // base tuple -> generalised QI tuple
	gen   *tupleTable
	size  []uint32 // by class
	of    []uint32 // by person (first, combination); nil in mode every
	rep   []uint32 // by class: its first person
}

const noClass = ^uint32(0)

// generalise maps every base tuple to its generalised QI tuple.
func (c *Collector) generalise(levels []int) *classing {
	nq := len(c.cfg.QI)
	maps := make([][]uint32, nq)
	for q := range nq {
		maps[q] = c.levelMap(q, levels[q]).of
	}
	cl := &classing{maps: maps, gen: newTupleTable(nq), qiMap: make([]uint32, c.tuples.len())}
	buf := make([]uint32, nq)
	for t := range cl.qiMap {
		tup := c.tuples.tuple(uint32(t))
		for q := range nq {
			if v := tup[q]; v == absentID {
				buf[q] = absentID
			} else {
				buf[q] = maps[q][v]
			}
		}
		cl.qiMap[t] = cl.gen.id(buf)
	}
	return cl
}

// classify assigns each person to a class (modes first and combination)
// or counts each person in each of their classes (mode every).
func (c *Collector) classify(cl *classing) {
	s := c.store
	np := s.persons()
	switch c.cfg.Mode {
	case First:
		cl.of = make([]uint32, np)
		cl.size = make([]uint32, cl.gen.len())
		cl.rep = make([]uint32, cl.gen.len())
		for p := range np {
			g := cl.qiMap[s.block(uint32(p))[0]]
			cl.of[p] = g
			if cl.size[g] == 0 {
				cl.rep[g] = uint32(p)
			}
			cl.size[g]++
		}
	case Every:
		cl.size = make([]uint32, cl.gen.len())
		cl.rep = make([]uint32, cl.gen.len())
		var buf []uint32
		for p := range np {
			if s.overflow(uint32(p)) {
				continue
			}
			buf = cl.personClasses(s.block(uint32(p)), buf)
			for _, g := range buf {
				if cl.size[g] == 0 {
					cl.rep[g] = uint32(p)
				}
				cl.size[g]++
			}
		}
	case Combination:
		c.classifyCombination(cl)
	}
}

// personClasses returns the distinct generalised tuples of a person's
// base tuples (mode every), reusing buf.
func (cl *classing) personClasses(block, buf []uint32) []uint32 {
	buf = buf[:0]
	for _, t := range block {
		buf = append(buf, cl.qiMap[t])
	}
	slices.Sort(buf)
	return slices.Compact(buf)
}

func (c *Collector) classifyCombination(cl *classing) {
	s := c.store
	np := s.persons()
	cl.of = make([]uint32, np)
	keys := newWideTable(min(np, 1<<16))
	var key, buf []uint32
	for p := range np {
		if s.overflow(uint32(p)) {
			cl.of[p] = noClass
			continue
		}
		key, buf = c.combinationKey(cl, uint32(p), key[:0], buf)
		g := keys.id(hash128(key))
		if int(g) == len(cl.size) {
			cl.size = append(cl.size, 0)
			cl.rep = append(cl.rep, uint32(p))
		}
		cl.of[p] = g
		cl.size[g]++
	}
}

// combinationKey appends to key, for each quasi-identifier, the number of
// the person's distinct generalised values and the values, sorted. buf is
// scratch space, returned for reuse.
func (c *Collector) combinationKey(cl *classing, p uint32, key, buf []uint32) ([]uint32, []uint32) {
	buf = append(buf[:0], c.store.block(p)...)
	slices.Sort(buf) // by column, then value
	i := 0
	for q := range len(c.cfg.QI) {
		start := len(key)
		key = append(key, 0)
		for ; i < len(buf) && int(buf[i]>>colShift) == q; i++ {
			key = append(key, cl.maps[q][buf[i]&valueMask])
		}
		vals := key[start+1:]
		slices.Sort(vals)
		vals = slices.Compact(vals)
		key = key[:start+1+len(vals)]
		key[start] = uint32(len(vals))
	}
	return key, buf
}

// measure computes the figures under one generalisation; full adds
// l-diversity and the population estimate.
func (c *Collector) measure(levels []int, full bool) *Measures {
	cl := c.generalise(levels)
	c.classify(cl)
	m := &Measures{Levels: c.levelNames(levels)}
	for _, n := range cl.size {
		if n == 0 {
			continue
		}
		m.Classes++
		if m.SmallestClass == 0 || int64(n) < m.SmallestClass {
			m.SmallestClass = int64(n)
		}
		switch n {
		case 1:
			m.UniqueClasses++
		case 2:
			m.PairClasses++
		}
	}
	var distinct []uint32
	if full && c.cfg.Sensitive != "" {
		distinct = c.diversity(cl)
		m.Diversity = &Diversity{Column: c.cfg.Sensitive}
		m.Diversity.L, m.Diversity.HomogeneousClasses = minL(cl.size, distinct)
	}
	c.personFigures(cl, distinct, m)
	if full {
		m.Population = c.population(cl, levels, m)
	}
	return m
}

// personFigures counts persons at risk, sample uniques and persons in
// homogeneous classes.
func (c *Collector) personFigures(cl *classing, distinct []uint32, m *Measures) {
	s := c.store
	k := uint32(c.cfg.K)
	var buf []uint32
	for p := range s.persons() {
		if s.overflow(uint32(p)) {
			m.Overflow++
			m.AtRisk++
			continue
		}
		if cl.of != nil {
			buf = append(buf[:0], cl.of[p])
		} else {
			buf = cl.personClasses(s.block(uint32(p)), buf)
		}
		small, homogeneous := uint32(0), false
		for _, g := range buf {
			if small == 0 || cl.size[g] < small {
				small = cl.size[g]
			}
			if distinct != nil && distinct[g] == 1 {
				homogeneous = true
			}
		}
		if small < k {
			m.AtRisk++
		}
		if small == 1 {
			m.SampleUniques++
		}
		if homogeneous {
			m.Diversity.HomogeneousPersons++
		}
	}
	if n := s.persons(); n > 0 {
		m.AtRiskShare = float64(m.AtRisk) / float64(n)
	}
}

// diversity returns, by class, the number of distinct sensitive values
// among its persons' rows (mode first: their first rows; mode every: the
// rows that show the class's combination). Rows of a joined view's
// sources without the sensitive column add none.
func (c *Collector) diversity(cl *classing) []uint32 {
	s := c.store
	sc := len(c.cfg.QI)
	var pairs []uint64
	for p := range s.persons() {
		if s.overflow(uint32(p)) {
			continue
		}
		for _, t := range s.block(uint32(p)) {
			var g, v uint32
			switch {
			case c.cfg.Mode == Combination:
				if int(t>>colShift) != sc {
					continue
				}
				g, v = cl.of[p], t&valueMask
			case cl.of != nil:
				g, v = cl.of[p], c.tuples.tuple(t)[sc]
			default:
				g, v = cl.qiMap[t], c.tuples.tuple(t)[sc]
			}
			pairs = append(pairs, uint64(g)<<32|uint64(v))
		}
	}
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	distinct := make([]uint32, len(cl.size))
	for _, x := range pairs {
		distinct[x>>32]++
	}
	return distinct
}

func minL(size, distinct []uint32) (l, homogeneous int64) {
	l = -1
	for g, n := range size {
		if n == 0 {
			continue
		}
		if d := int64(distinct[g]); l < 0 || d < l {
			l = d
		}
		if distinct[g] == 1 {
			homogeneous++
		}
	}
	return max(l, 0), homogeneous
}
