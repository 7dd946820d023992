package linkage

// passStep delivers an input column as it is. It quarantines nothing;
// the leak guard ([guardStep]) scans what it delivers.
type passStep struct {
	p  *plan
	k  int // output column
	in int // input column
}

func (s passStep) reads() []string  { return []string{s.p.in.Field(s.in).Name} }
func (s passStep) produces() string { return s.p.out.Field(s.k).Name }

func (s passStep) apply(_ *worker, b *batch) error {
	src := b.in.Column(s.in)
	src.Retain()
	b.cols[s.k] = src
	return nil
}
