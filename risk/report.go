package risk

import (
	"fmt"
	"io"
	"strings"
)

// A Figure is one number of a report with the sentence that explains it.
type Figure struct {
	// Name is a stable key ("persons", "at_risk", ...).
	Name string `json:"name"`
	// Value is the number; nil when suppressed.
	Value *float64 `json:"value"`
	// Suppressed is true when the count was between 1 and the threshold
	// minus one and is withheld (researcher-facing reports only).
	Suppressed bool `json:"suppressed,omitempty"`
	// Meaning explains the number in one sentence.
	Meaning string `json:"meaning"`
	count   bool
}

// Figures returns the result's numbers, each explained in one sentence
// for a register manager, exact.
func (r *Result) Figures() []Figure {
	var out []Figure
	add := func(name string, v float64, count bool, format string, args ...any) {
		out = append(out, Figure{Name: name, Value: &v, Meaning: fmt.Sprintf(format, args...), count: count})
	}
	n := float64(r.Persons)
	add("rows", float64(r.Rows), true, "rows read from the file.")
	add("rows_without_person", float64(r.RowsWithoutPerson), true, "rows with an empty %s, left out because they belong to no known person.", r.Person)
	add("persons", n, true, "different persons in the file; every figure below counts persons, not rows.")
	add("classes", float64(r.Classes), true, "groups of persons who look the same in %s (%s).", strings.Join(r.QI, ", "), r.modeSentence())
	add("smallest_class", float64(r.SmallestClass), true, "persons in the smallest group: this is the k the data reach (k-anonymity).")
	add("at_risk", float64(r.AtRisk), true, "persons in a group of fewer than %d (or past the limit below), whom someone who knows their %s could single out.", r.K, strings.Join(r.QI, ", "))
	add("at_risk_share", r.AtRiskShare, false, "the share of all persons that are at risk.")
	add("sample_uniques", float64(r.SampleUniques), true, "persons who are the only one in the file with their values.")
	limit := fmt.Sprintf("more than %d different combinations of values over their rows", r.Bound)
	if r.Mode == "combination" {
		limit = fmt.Sprintf("more than %d different values (%d a column) over their rows", min(maxEntries, r.Bound*(len(r.QI)+min(len(r.Sensitive), 1))), r.Bound)
	} else if r.Mode == "first" {
		limit = "a limit that mode first does not have"
	}
	add("overflow", float64(r.Overflow), true, "persons with %s: not grouped, counted as at risk (raise the limit with --bound to group them).", limit)
	if p := r.Population; p != nil {
		if p.Source == "frame" {
			add("population_uniques", float64(*p.UniquesInPopulation), true, "of the persons alone in the file, those the population frame says are alone in the whole population too.")
			add("not_in_frame", float64(p.NotInFrame), true, "persons alone in the file whose values the population frame does not have (check that the frame covers the file).")
			add("match_probability", p.MatchProbability, false, "the chance that matching a person alone in the file to the population by these values finds the right person (from the frame's counts).")
		} else {
			if p.UniquesInPopulation != nil {
				add("population_uniques", float64(*p.UniquesInPopulation), true, "persons alone in the file who are alone in the population too, taking the file to be the whole population (no population size was given).")
			}
			add("match_probability", p.MatchProbability, false, "the chance that matching a person alone in the file to the population by these values finds the right person (Skinner and Elliot 2002, with %.4g%% of the population in the file).", p.SamplingFraction*100)
		}
	}
	if d := r.Diversity; d != nil {
		add("l_diversity", float64(d.L), false, "the fewest different values of %s within one group: 1 means that knowing a person's group reveals their %s.", d.Column, d.Column)
		add("homogeneous_persons", float64(d.HomogeneousPersons), true, "persons in a group whose rows all have the same %s.", d.Column)
	}
	return out
}

func (r *Result) modeSentence() string {
	switch r.Mode {
	case "first":
		return "each person by the values of their first row"
	case "every":
		return "each person counted in the group of every combination of values their rows show"
	}
	return "each person by all the values their rows show, as a set per variable"
}

// Published returns the figures for a researcher-facing report: every
// count from 1 to K-1 is withheld (Value nil, Suppressed true), and shares
// and sizes derived from a withheld count are withheld with it.
func (r *Result) Published() []Figure {
	figs := r.Figures()
	withheld := map[string]bool{}
	for i := range figs {
		f := &figs[i]
		if f.count && *f.Value > 0 && *f.Value < float64(r.K) {
			f.Value, f.Suppressed = nil, true
			withheld[f.Name] = true
		}
	}
	for i := range figs {
		f := &figs[i]
		if (f.Name == "at_risk_share" && withheld["at_risk"]) || (f.Name == "match_probability" && withheld["sample_uniques"]) {
			f.Value, f.Suppressed = nil, true
		}
	}
	return figs
}

// WriteText writes the register manager's report: exact figures, each
// with its sentence, the verdict and the suggestions.
func (r *Result) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Disclosure risk, per person, threshold k = %d\n", r.K)
	fmt.Fprintf(&b, "Quasi-identifiers: %s\n", r.qiList())
	fmt.Fprintf(&b, "Exact counts, for the register manager: do not deliver this report (use the JSON report, where small counts are withheld).\n\n")
	for _, f := range r.Figures() {
		fmt.Fprintf(&b, "  %-20s %12s  %s\n", strings.ReplaceAll(f.Name, "_", " "), formatValue(f), f.Meaning)
	}
	b.WriteString("\n")
	if r.Pass {
		fmt.Fprintf(&b, "Verdict: passes. Every person shares their values with at least %d others.\n", r.K-1)
	} else {
		fmt.Fprintf(&b, "Verdict: fails. %s in groups of fewer than %d.\n", persons(r.AtRisk), r.K)
		r.writeSuggestions(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (r *Result) qiList() string {
	parts := make([]string, len(r.QI))
	for i, q := range r.QI {
		parts[i] = fmt.Sprintf("%s (ladder %s)", q, r.Ladders[i])
	}
	s := strings.Join(parts, ", ")
	if r.Sensitive != "" {
		s += "; sensitive: " + r.Sensitive
	}
	return s
}

func formatValue(f Figure) string {
	switch {
	case f.Value == nil:
		return "withheld"
	case f.Name == "at_risk_share":
		return fmt.Sprintf("%.2f%%", *f.Value*100)
	case !f.count:
		return fmt.Sprintf("%.4g", *f.Value)
	}
	return fmt.Sprintf("%.0f", *f.Value)
}

func (r *Result) writeSuggestions(b *strings.Builder) {
	if r.Mode == "every" {
		fmt.Fprintf(b, "Suppressing those %d persons is the least it takes as the data stand (it can shrink other groups in this mode: measure again).\n", r.AtRisk)
	} else {
		fmt.Fprintf(b, "Suppressing those %d persons would reach the threshold as the data stand.\n", r.AtRisk)
	}
	if len(r.Suggestions) == 0 {
		b.WriteString("No generalisation was tried.\n")
		return
	}
	b.WriteString("Coarser values, cheapest first (cost = levels of detail given up, summed over the variables):\n")
	for _, s := range r.Suggestions {
		var changed []string
		for q, l := range s.Levels {
			if l != r.Levels[q] {
				changed = append(changed, fmt.Sprintf("%s to %s", r.QI[q], l))
			}
		}
		verdict := fmt.Sprintf("still %s at risk (suppress them, or go further)", persons(s.AtRisk))
		if s.Pass {
			verdict = "passes"
		}
		fmt.Fprintf(b, "  cost %d: %s: %s\n", s.Cost, strings.Join(changed, ", "), verdict)
	}
	if !r.SearchComplete {
		fmt.Fprintf(b, "The search stopped after %d generalisations without one that passes.\n", r.Searched)
	}
}

func persons(n int64) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d persons", n)
}

// Published is the researcher-facing report: the settings, the verdict
// and the figures with every count from 1 to K-1 withheld, each figure
// explained in one sentence.
type Published struct {
	Mode      string   `json:"mode"`
	QI        []string `json:"quasi_identifiers"`
	Sensitive string   `json:"sensitive,omitempty"`
	K         int      `json:"k"`
	// SuppressionThreshold: counts below it (and above 0) are withheld.
	SuppressionThreshold int      `json:"suppression_threshold"`
	Pass                 bool     `json:"pass"`
	Figures              []Figure `json:"figures"`
}

// Publish returns the researcher-facing report of the result.
func (r *Result) Publish() Published {
	return Published{Mode: r.Mode, QI: r.QI, Sensitive: r.Sensitive, K: r.K, SuppressionThreshold: r.K, Pass: r.Pass, Figures: r.Published()}
}
