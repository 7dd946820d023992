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
// or counts each person in each of their classes (mode every), in one
// pass over the persons.
func (c *Collector) classify(cl *classing) error {
	np := c.store.n
	if c.cfg.Mode != Every {
		cl.of = make([]uint32, np)
	}
	if c.cfg.Mode != Combination {
		cl.size = make([]uint32, cl.gen.len())
	}
	var keys *wideTable
	if c.cfg.Mode == Combination {
		keys = newWideTable(min(np, 1<<16))
	}
	var key, buf []uint32
	return c.store.each(func(p uint32, block []uint32, over bool) {
		if over {
			if cl.of != nil {
				cl.of[p] = noClass
			}
			return
		}
		switch c.cfg.Mode {
		case First:
			cl.of[p] = cl.count(cl.qiMap[block[0]])
		case Every:
			buf = cl.personClasses(block, buf)
			for _, g := range buf {
				cl.count(g)
			}
		case Combination:
			key = c.combinationKey(cl, block, key[:0])
			g := keys.id(hash128(key))
			if int(g) == len(cl.size) {
				cl.size = append(cl.size, 0)
			}
			cl.of[p] = g
			cl.size[g]++
		}
	})
}

// count adds a person to class g and returns g.
func (cl *classing) count(g uint32) uint32 {
	cl.size[g]++
	return g
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

// combinationKey appends to key, for each quasi-identifier, the number of
// the person's distinct generalised values and the values, sorted. block
// is the person's entries, sorted (by column, then value).
func (c *Collector) combinationKey(cl *classing, block, key []uint32) []uint32 {
	i := 0
	for q := range len(c.cfg.QI) {
		start := len(key)
		key = append(key, 0)
		for ; i < len(block) && int(block[i]>>colShift) == q; i++ {
			key = append(key, cl.maps[q][block[i]&valueMask])
		}
		vals := key[start+1:]
		slices.Sort(vals)
		vals = slices.Compact(vals)
		key = key[:start+1+len(vals)]
		key[start] = uint32(len(vals))
	}
	return key
}

// measure computes the figures under one generalisation; full adds
// l-diversity and the population estimate.
func (c *Collector) measure(levels []int, full bool) (*Measures, error) {
	cl := c.generalise(levels)
	if err := c.classify(cl); err != nil {
		return nil, err
	}
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
		var err error
		if distinct, err = c.diversity(cl); err != nil {
			return nil, err
		}
		m.Diversity = &Diversity{Column: c.cfg.Sensitive}
		m.Diversity.L, m.Diversity.HomogeneousClasses = minL(cl.size, distinct)
	}
	if err := c.personFigures(cl, distinct, m); err != nil {
		return nil, err
	}
	if full {
		var err error
		if m.Population, err = c.population(cl, levels, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// personFigures counts persons at risk, sample uniques and persons in
// homogeneous classes.
func (c *Collector) personFigures(cl *classing, distinct []uint32, m *Measures) error {
	k := uint32(c.cfg.K)
	m.Overflow = int64(c.store.overflowed)
	m.AtRisk = m.Overflow
	var buf []uint32
	person := func(classes []uint32) {
		small, homogeneous := uint32(0), false
		for _, g := range classes {
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
	if cl.of != nil {
		for _, g := range cl.of {
			if g != noClass {
				person(append(buf[:0], g))
			}
		}
	} else if err := c.store.each(func(_ uint32, block []uint32, over bool) {
		if !over {
			buf = cl.personClasses(block, buf)
			person(buf)
		}
	}); err != nil {
		return err
	}
	if n := c.store.n; n > 0 {
		m.AtRiskShare = float64(m.AtRisk) / float64(n)
	}
	return nil
}

// diversityPairs bounds the (class, sensitive value) pairs held at once.
const diversityPairs = 4 << 20

// diversity returns, by class, the number of distinct sensitive values
// among its persons' rows (mode first: their first rows; mode every: the
// rows that show the class's combination). Rows of a joined view's
// sources without the sensitive column add none. The pairs are sorted a
// range of classes at a time, so that memory stays bounded: one pass
// counts the pairs of each class, then one pass per range collects them.
func (c *Collector) diversity(cl *classing) ([]uint32, error) {
	counts := make([]uint32, len(cl.size))
	if err := c.sensitive(cl, func(g, _ uint32) { counts[g]++ }); err != nil {
		return nil, err
	}
	distinct := make([]uint32, len(cl.size))
	var pairs []uint64
	for lo := 0; lo < len(counts); {
		hi, n := lo+1, int(counts[lo])
		for hi < len(counts) && n+int(counts[hi]) <= diversityPairs {
			n += int(counts[hi])
			hi++
		}
		pairs = pairs[:0]
		if err := c.sensitive(cl, func(g, v uint32) {
			if int(g) >= lo && int(g) < hi {
				pairs = append(pairs, uint64(g)<<32|uint64(v))
			}
		}); err != nil {
			return nil, err
		}
		slices.Sort(pairs)
		for _, x := range slices.Compact(pairs) {
			distinct[x>>32]++
		}
		lo = hi
	}
	return distinct, nil
}

// sensitive calls fn with the class and sensitive value id of every
// sensitive entry of every classed person.
func (c *Collector) sensitive(cl *classing, fn func(g, v uint32)) error {
	sc := len(c.cfg.QI)
	return c.store.each(func(p uint32, block []uint32, over bool) {
		if over {
			return
		}
		for _, t := range block {
			switch {
			case c.cfg.Mode == Combination:
				if int(t>>colShift) == sc {
					fn(cl.of[p], t&valueMask)
				}
			case cl.of != nil:
				fn(cl.of[p], c.tuples.tuple(t)[sc])
			default:
				fn(cl.qiMap[t], c.tuples.tuple(t)[sc])
			}
		}
	})
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
