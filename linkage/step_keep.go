package linkage

// projection is the keep/drop step of a plan: which input columns are
// delivered (every one but the dropped, or only the kept, and always the
// serial in place of the ID column) and which the leak guard lets pass.
// It is applied once, when the plan lays out the output schema: a column
// not delivered is never read by any step.
type projection struct {
	keep, drop map[int]bool
	allow      map[string]bool
}

// delivers says whether input column i is delivered.
func (pr projection) delivers(i int) bool {
	return !pr.drop[i] && (len(pr.keep) == 0 || pr.keep[i])
}

// projection finds the Keep, Drop and AllowColumns columns of cfg.
func (cfg *PrepareConfig) projection(cols *columns) (projection, error) {
	pr := projection{keep: map[int]bool{}, drop: map[int]bool{}, allow: map[string]bool{}}
	for _, c := range cfg.Keep {
		i, err := cols.need("kept", c)
		if err != nil {
			return pr, err
		}
		pr.keep[i] = true
	}
	for _, c := range cfg.Drop {
		i, err := cols.need("dropped", c)
		if err != nil {
			return pr, err
		}
		pr.drop[i] = true
	}
	for _, c := range cfg.AllowColumns {
		if _, err := cols.need("allowed", c); err != nil {
			return pr, err
		}
		pr.allow[c] = true
	}
	return pr, nil
}
