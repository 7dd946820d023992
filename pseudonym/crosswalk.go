package pseudonym

// Crosswalk maps a person's former identity number to the current one. A
// person can change number: a D-number replaced by a fødselsnummer, or a
// corrected birth date or sex. Serials are computed on the current number,
// so that the person is not split in two. The population register supplies
// the pairs; formats reads them from a file.
type Crosswalk interface {
	// Current returns the number that replaced old, and whether there is one.
	Current(old ID) (ID, bool)
}

// MapCrosswalk is a Crosswalk held in memory, keyed by [ID.Compact].
type MapCrosswalk map[uint64]ID

var _ Crosswalk = MapCrosswalk(nil)

// Add records that old was replaced by current.
func (m MapCrosswalk) Add(old, current ID) { m[old.Compact()] = current }

// Current implements Crosswalk.
func (m MapCrosswalk) Current(old ID) (ID, bool) {
	id, ok := m[old.Compact()]
	return id, ok
}

// maxCrosswalkHops bounds how many replacements are followed, so that a
// cycle in a crosswalk file cannot hang a run.
const maxCrosswalkHops = 16

// Resolve follows the crosswalk from id to the current number, as serials
// do before hashing (a cycle stops after a few steps).
func Resolve(c Crosswalk, id ID) ID { return resolve(c, id) }

// resolve follows the crosswalk from id to the current number. A chain
// longer than maxCrosswalkHops (a cycle) stops where it is.
func resolve(c Crosswalk, id ID) ID {
	for i := 0; i < maxCrosswalkHops; i++ {
		next, ok := c.Current(id)
		if !ok || next == id {
			return id
		}
		id = next
	}
	return id
}
