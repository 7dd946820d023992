package risk

import "slices"

// Population is the estimate of how many of the delivery's unique persons
// are unique in the population too, which is what an intruder who links
// the delivery to a population register needs.
type Population struct {
	// Source is "frame" (counts from a population frame) or "estimate"
	// (Skinner and Elliot's estimator from the delivery alone).
	Source string `json:"source"`
	// SamplingFraction is the persons delivered over the population size
	// (estimate only; 1 when no population size is given: the delivery is
	// taken to be the whole population, the cautious assumption).
	SamplingFraction float64 `json:"sampling_fraction,omitempty"`
	// UniquesInPopulation is, with a frame, the number of unique classes
	// whose frame count is 1: persons unique in the population too. In
	// mode combination a class with several values of one
	// quasi-identifier is given the smallest frame count of its
	// combinations, an upper bound, so the figure is then a lower bound.
	// Without a frame it is known only when the delivery is the whole
	// population (then every delivered unique is one); otherwise nil.
	UniquesInPopulation *int64 `json:"uniques_in_population,omitempty"`
	// NotInFrame is the number of unique classes the frame does not have.
	NotInFrame int64 `json:"not_in_frame,omitempty"`
	// MatchProbability is the chance that a delivered unique, matched on
	// the quasi-identifiers to a person drawn from the population with the
	// same values, is the right person: with a frame, unique classes over
	// the sum of their population counts; else Skinner and Elliot's
	// estimate pi*n1 / (pi*n1 + 2*(1-pi)*n2).
	MatchProbability float64 `json:"match_probability"`
}

// population computes the estimate for one classing.
func (c *Collector) population(cl *classing, levels []int, m *Measures) *Population {
	if c.cfg.Frame == nil {
		return c.estimate(m)
	}
	popCount := c.frameCounts(cl, levels)
	pop := &Population{Source: "frame", UniquesInPopulation: new(int64)}
	var sumF int64
	for g, n := range cl.size {
		if n != 1 {
			continue
		}
		f := int64(-1)
		for _, t := range c.classTuples(cl, uint32(g)) {
			if x := popCount[t]; f < 0 || x < f {
				f = x
			}
		}
		if f <= 0 {
			pop.NotInFrame++
			continue
		}
		sumF += f
		if f == 1 {
			*pop.UniquesInPopulation++
		}
	}
	if sumF > 0 {
		pop.MatchProbability = float64(m.UniqueClasses-pop.NotInFrame) / float64(sumF)
	}
	return pop
}

// classTuples returns the generalised tuples that a class's frame count
// is looked up by: the class's own (modes first and every) or those of its
// first person (mode combination), leaving out tuples with an absent
// quasi-identifier.
func (c *Collector) classTuples(cl *classing, g uint32) []uint32 {
	if c.cfg.Mode != Combination {
		return []uint32{g}
	}
	var out []uint32
	for _, t := range c.store.block(cl.rep[g]) {
		gt := cl.qiMap[t]
		if !slices.Contains(cl.gen.tuple(gt), absentID) {
			out = append(out, gt)
		}
	}
	return out
}

// frameCounts returns the population count by generalised tuple.
func (c *Collector) frameCounts(cl *classing, levels []int) []int64 {
	f := c.cfg.Frame
	nq := len(c.cfg.QI)
	counts := make([]int64, cl.gen.len())
	buf := make([]uint32, nq)
	maps := make([]*levelMap, nq)
	for q := range nq {
		maps[q] = c.levelMap(q, levels[q])
	}
rows:
	for i, n := range f.counts {
		for q := range nq {
			lv := c.ladders[q].Levels[levels[q]]
			text := f.vals[q][i]
			switch {
			case lv.Drop:
				text = "*"
			case text == missingText:
			case lv.Map != nil:
				text = lv.Map(text)
			}
			id, ok := maps[q].lookup(text)
			if !ok {
				continue rows // no delivered person has this value
			}
			buf[q] = id
		}
		if g, ok := cl.gen.find(buf); ok {
			counts[g] += n
		}
	}
	return counts
}

// estimate is Skinner and Elliot's (2002) estimator of the probability
// of a correct match given a unique match, from the delivery's unique and
// pair classes and the sampling fraction.
func (c *Collector) estimate(m *Measures) *Population {
	pi := 1.0
	if ps := c.cfg.PopulationSize; ps > 0 {
		pi = min(1, float64(c.store.persons())/float64(ps))
	}
	pop := &Population{Source: "estimate", SamplingFraction: pi}
	n1, n2 := float64(m.UniqueClasses), float64(m.PairClasses)
	if n1 > 0 {
		pop.MatchProbability = pi * n1 / (pi*n1 + 2*(1-pi)*n2)
	}
	if pi == 1 {
		pop.UniquesInPopulation = &m.UniqueClasses
	}
	return pop
}
