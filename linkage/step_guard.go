package linkage

// guardStep is the leak guard over the rows delivered: no passed-through
// column may hold a valid national ID under the run's scheme. It does not
// quarantine: a column that holds one stops the whole run with a
// [LeakError] naming the column and the count, never the value.
type guardStep struct{ p *plan }

func (s guardStep) reads() []string {
	var names []string
	for _, k := range s.p.guard {
		names = append(names, s.p.out.Field(k).Name)
	}
	return names
}

func (guardStep) produces() string { return "leak guard" }

func (s guardStep) apply(_ *worker, b *batch) error {
	for _, k := range s.p.guard {
		var c int64
		for _, o := range b.out.outs {
			c += countIDs(o.Column(k), s.p.cfg.Scheme)
		}
		if c > 0 {
			b.out.leak = &LeakError{File: s.p.cfg.In, Column: s.p.out.Field(k).Name, Count: c}
			break
		}
	}
	return nil
}
