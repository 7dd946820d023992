package linkage

// personsStep records the person (serial prefix) of each delivered row,
// in order, for the report's person statistics ([personStats], merged in
// input order by the run). It reads the serials and quarantines nothing.
type personsStep struct{}

func (personsStep) reads() []string  { return nil }
func (personsStep) produces() string { return "persons" }

func (personsStep) apply(_ *worker, b *batch) error {
	for i := 0; i < b.n; i++ {
		if b.kept(i) {
			b.out.persons = append(b.out.persons, serialPrefix(&b.sers[i]))
		}
	}
	return nil
}
