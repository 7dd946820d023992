package risk

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// A brute-force implementation over plain strings and maps, written
// straight from the package documentation, against which the streaming
// implementation is checked.

const nullText = "\x00null"

type row struct {
	person string
	qi     []string // nullText for a missing value
	sens   string
}

type bruteFigures struct {
	Classes, Smallest, AtRisk, Uniques, UniqueClasses, PairClasses, Overflow int64
	L, HomogeneousClasses, HomogeneousPersons                                int64
	PopUniques, NotInFrame                                                   int64
}

type bruteConfig struct {
	mode      Mode
	k, bound  int
	sensitive bool
	levels    []Level          // per QI
	frame     map[string]int64 // joined raw QI values -> count
	genFrame  map[string]int64 // the same, generalised
}

func applyLevel(lv Level, v string) string {
	switch {
	case lv.Drop:
		return "*"
	case v == nullText:
		return v
	case lv.Map != nil:
		return lv.Map(v)
	}
	return v
}

func genKey(bc bruteConfig, qi []string) string {
	out := make([]string, len(qi))
	for q, v := range qi {
		out[q] = applyLevel(bc.levels[q], v)
	}
	return strings.Join(out, "\x1f")
}

func brute(rows []row, bc bruteConfig) bruteFigures {
	persons := map[string]*bperson{}
	var order []string
	for _, r := range rows {
		p := persons[r.person]
		if p == nil {
			p = &bperson{seen: map[string]bool{}}
			persons[r.person] = p
			order = append(order, r.person)
		}
		t := append(slices.Clone(r.qi), r.sens)
		k := strings.Join(t, "\x1f")
		if !p.seen[k] {
			p.seen[k] = true
			p.tuples = append(p.tuples, t)
		}
	}
	nq := len(bc.levels)
	var f bruteFigures
	bc.genFrame = map[string]int64{}
	for raw, x := range bc.frame {
		bc.genFrame[genKey(bc, strings.Split(raw, "\x1f"))] += x
	}
	// Class keys per person, and sensitive values per class.
	keysOf := map[string][]string{}
	members := map[string]map[string]bool{}
	sens := map[string]map[string]bool{}
	for _, id := range order {
		p := persons[id]
		if bc.mode != First && bruteEntries(bc, p) > bruteBound(bc, nq+1) {
			f.Overflow++
			continue
		}
		var keys []string
		addSens := func(k, s string) {
			if sens[k] == nil {
				sens[k] = map[string]bool{}
			}
			sens[k][s] = true
		}
		switch bc.mode {
		case First:
			k := genKey(bc, p.tuples[0][:nq])
			keys = []string{k}
			addSens(k, p.tuples[0][nq])
		case Every:
			for _, t := range p.tuples {
				k := genKey(bc, t[:nq])
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
				addSens(k, t[nq])
			}
		case Combination:
			var parts []string
			for q := range nq {
				set := map[string]bool{}
				for _, t := range p.tuples {
					set[applyLevel(bc.levels[q], t[q])] = true
				}
				vals := make([]string, 0, len(set))
				for v := range set {
					vals = append(vals, v)
				}
				sort.Strings(vals)
				parts = append(parts, fmt.Sprintf("%d:%s", len(vals), strings.Join(vals, "\x1e")))
			}
			k := strings.Join(parts, "\x1f")
			keys = []string{k}
			for _, t := range p.tuples {
				addSens(k, t[nq])
			}
		}
		keysOf[id] = keys
		for _, k := range keys {
			if members[k] == nil {
				members[k] = map[string]bool{}
			}
			members[k][id] = true
		}
	}
	f.L = -1
	for k, m := range members {
		n := int64(len(m))
		f.Classes++
		if f.Smallest == 0 || n < f.Smallest {
			f.Smallest = n
		}
		if n == 1 {
			f.UniqueClasses++
			if bc.frame != nil {
				for id := range m {
					f.bruteFrame(bc, k, persons[id])
				}
			}
		}
		if n == 2 {
			f.PairClasses++
		}
		if bc.sensitive {
			l := int64(len(sens[k]))
			if f.L < 0 || l < f.L {
				f.L = l
			}
			if l == 1 {
				f.HomogeneousClasses++
			}
		}
	}
	f.L = max(f.L, 0)
	f.AtRisk = f.Overflow
	for _, id := range order {
		keys, ok := keysOf[id]
		if !ok {
			continue
		}
		small, homog := int64(0), false
		for _, k := range keys {
			if n := int64(len(members[k])); small == 0 || n < small {
				small = n
			}
			if bc.sensitive && len(sens[k]) == 1 {
				homog = true
			}
		}
		if small < int64(bc.k) {
			f.AtRisk++
		}
		if small == 1 {
			f.Uniques++
		}
		if homog {
			f.HomogeneousPersons++
		}
	}
	return f
}

type bperson struct {
	tuples [][]string // distinct base tuples (QI + sensitive), first-seen order
	seen   map[string]bool
}

// bruteFrame looks a unique class up in the frame: the population count of
// a generalised combination is the sum over the frame rows that generalise
// to it; a class of mode combination takes the smallest over its person's
// combinations.
func (f *bruteFigures) bruteFrame(bc bruteConfig, k string, p *bperson) {
	nq := len(bc.levels)
	count := func(c string) int64 { return bc.genFrame[c] }
	var combos []string
	switch bc.mode {
	case First:
		combos = []string{genKey(bc, p.tuples[0][:nq])}
	case Every:
		combos = []string{k}
	case Combination:
		// One value per quasi-identifier, or the frame cannot count it.
		seen := map[string]bool{}
		for _, t := range p.tuples {
			seen[genKey(bc, t[:nq])] = true
		}
		one := make([]string, nq)
		for q := range nq {
			set := map[string]bool{}
			for _, t := range p.tuples {
				set[applyLevel(bc.levels[q], t[q])] = true
			}
			if len(set) != 1 {
				f.NotInFrame++
				return
			}
			for v := range set {
				one[q] = v
			}
		}
		combos = []string{strings.Join(one, "\x1f")}
	}
	low := int64(-1)
	for _, c := range combos {
		if n := count(c); low < 0 || n < low {
			low = n
		}
	}
	switch {
	case low <= 0:
		f.NotInFrame++
	case low == 1:
		f.PopUniques++
	}
}

// bruteEntries counts what a person's bound counts: distinct combinations
// (mode every), distinct values over all columns (mode combination).
func bruteEntries(bc bruteConfig, p *bperson) int {
	if bc.mode != Combination {
		return len(p.tuples)
	}
	n := 0
	for j := range p.tuples[0] {
		set := map[string]bool{}
		for _, t := range p.tuples {
			set[t[j]] = true
		}
		n += len(set)
	}
	return n
}

func bruteBound(bc bruteConfig, columns int) int {
	if bc.mode != Combination {
		return bc.bound
	}
	return min(254, bc.bound*columns)
}
