package risk

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
	// whose frame count is 1: persons unique in the population too.
	// Without a frame it is known only when the delivery is the whole
	// population (then every delivered unique is one); otherwise nil.
	UniquesInPopulation *int64 `json:"uniques_in_population,omitempty"`
	// NotInFrame is the number of unique classes the frame does not have
	// (or, in mode combination, that have several values of some
	// quasi-identifier).
	NotInFrame int64 `json:"not_in_frame,omitempty"`
	// MatchProbability is the chance that a delivered unique, matched on
	// the quasi-identifiers to a person drawn from the population with the
	// same values, is the right person: with a frame, unique classes over
	// the sum of their population counts; else Skinner and Elliot's
	// estimate pi*n1 / (pi*n1 + 2*(1-pi)*n2).
	MatchProbability float64 `json:"match_probability"`
}

// population computes the estimate for one classing.
func (c *Collector) population(cl *classing, levels []int, m *Measures) (*Population, error) {
	if c.cfg.Frame == nil {
		return c.estimate(m), nil
	}
	ft, counts := c.frameIndex(levels)
	pop := &Population{Source: "frame", UniquesInPopulation: new(int64)}
	var sumF int64
	look := func(words []uint32, ok bool) {
		var f int64
		if ok {
			if id, found := ft.find(words); found {
				f = counts[id]
			}
		}
		if f <= 0 {
			pop.NotInFrame++
			return
		}
		sumF += f
		if f == 1 {
			*pop.UniquesInPopulation++
		}
	}
	if c.cfg.Mode == Combination {
		var key, words []uint32
		if err := c.store.each(func(p uint32, block []uint32, over bool) {
			if over || cl.size[cl.of[p]] != 1 {
				return
			}
			key = c.combinationKey(cl, block, key[:0])
			var ok bool
			words, ok = singleValues(key, words[:0])
			look(words, ok)
		}); err != nil {
			return nil, err
		}
	} else {
		for g, n := range cl.size {
			if n == 1 {
				look(cl.gen.tuple(uint32(g)), true)
			}
		}
	}
	if sumF > 0 {
		pop.MatchProbability = float64(m.UniqueClasses-pop.NotInFrame) / float64(sumF)
	}
	return pop, nil
}

// singleValues appends to words the one value per quasi-identifier of a
// combination key (see combinationKey); false when the person has several
// values (or none) of some quasi-identifier, which a frame that counts
// each person once cannot count.
func singleValues(key, words []uint32) ([]uint32, bool) {
	for i := 0; i < len(key); i += 2 {
		if key[i] != 1 {
			return words, false
		}
		words = append(words, key[i+1])
	}
	return words, true
}

// frameIndex returns the frame's generalised combinations and the
// population count of each. Frame rows with a value no delivered person
// has are left out: no class can match them.
func (c *Collector) frameIndex(levels []int) (*tupleTable, []int64) {
	f := c.cfg.Frame
	nq := len(c.cfg.QI)
	ft := newTupleTable(nq)
	var counts []int64
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
				continue rows
			}
			buf[q] = id
		}
		id := ft.id(buf)
		if int(id) == len(counts) {
			counts = append(counts, 0)
		}
		counts[id] += n
	}
	return ft, counts
}

// estimate is Skinner and Elliot's (2002) estimator of the probability
// of a correct match given a unique match, from the delivery's unique and
// pair classes and the sampling fraction.
func (c *Collector) estimate(m *Measures) *Population {
	pi := 1.0
	if ps := c.cfg.PopulationSize; ps > 0 {
		pi = min(1, float64(c.store.n)/float64(ps))
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
