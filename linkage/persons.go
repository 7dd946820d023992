package linkage

import (
	"math"
	"math/bits"
	"slices"
)

// personStats counts rows per person in memory that does not grow with
// the input: exactly up to exactPersons distinct persons, then as an
// estimate. Keys are serial prefixes, which are uniformly random (HMAC
// output), so that
//
//   - the number of distinct persons beyond the exact range is estimated
//     with HyperLogLog (2^14 registers, 16 KiB, standard error 0.8%), and
//   - rows per person beyond it are taken from the persons whose key falls
//     in a fixed 1/sampleEvery slice of the key space: a uniform sample of
//     persons whose counts are exact, since the slice is fixed from the
//     start.
type personStats struct {
	exact     map[uint64]uint32
	sample    map[uint64]uint32 // after the switch: counts of sampled persons
	registers []uint8           // HyperLogLog, after the switch
}

const (
	exactPersons = 1 << 20
	hllBits      = 14
	sampleShift  = 58 // keys with their top 6 bits zero: 1 person in 64
)

func newPersonStats() *personStats { return &personStats{exact: map[uint64]uint32{}} }

func sampled(k uint64) bool { return k>>sampleShift == 0 }

// addKeys counts rows of persons in the order read: a person's adjacent
// rows (registers are often sorted by ID) are counted with one update.
func (s *personStats) addKeys(keys []uint64) {
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j] == keys[i] {
			j++
		}
		s.addRows(keys[i], uint32(j-i))
		i = j
	}
}

// addRows counts n rows of the person k.
func (s *personStats) addRows(k uint64, n uint32) {
	if s.registers == nil {
		s.exact[k] += n
		if len(s.exact) > exactPersons {
			s.switchToEstimate()
		}
		return
	}
	s.hllAdd(k)
	if sampled(k) {
		s.sample[k] += n
	}
}

func (s *personStats) switchToEstimate() {
	s.registers = make([]uint8, 1<<hllBits)
	s.sample = map[uint64]uint32{}
	for k, c := range s.exact {
		s.hllAdd(k)
		if sampled(k) {
			s.sample[k] = c
		}
	}
	s.exact = nil
}

func (s *personStats) hllAdd(k uint64) {
	// The key is already uniformly random; mix it anyway so that the
	// register index does not coincide with the sample slice.
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	idx := k >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(k<<hllBits|1<<(hllBits-1)) + 1)
	if rank > s.registers[idx] {
		s.registers[idx] = rank
	}
}

// estimated reports whether the figures are estimates.
func (s *personStats) estimated() bool { return s.registers != nil }

// persons returns the number of distinct persons (exact, or estimated).
func (s *personStats) persons() int64 {
	if s.registers == nil {
		return int64(len(s.exact))
	}
	m := float64(len(s.registers))
	var sum float64
	zeros := 0
	for _, r := range s.registers {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	e := alpha * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting for small ranges
	}
	return int64(math.Round(e))
}

// perPerson returns min, median and max rows per person, over all persons
// or over the sample.
func (s *personStats) perPerson() (lo int64, median float64, hi int64) {
	m := s.exact
	if m == nil {
		m = s.sample
	}
	if len(m) == 0 {
		return 0, 0, 0
	}
	per := make([]uint32, 0, len(m))
	for _, c := range m {
		per = append(per, c)
	}
	slices.Sort(per)
	mid := len(per) / 2
	median = float64(per[mid])
	if len(per)%2 == 0 {
		median = float64(per[mid-1]+per[mid]) / 2
	}
	return int64(per[0]), median, int64(per[len(per)-1])
}
