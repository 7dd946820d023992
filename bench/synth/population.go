package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/koble/koble/pseudonym"
)

// Kinds of synthetic persons' numbers.
const (
	numberFnr uint8 = iota
	numberDnr
	numberHnr
)

// person is one synthetic person. Dates are days since 1970-01-01.
type person struct {
	id    uint64 // the 11-digit number
	birth int32
	death int32 // noDeath if alive at the end of the data period
	kind  uint8
	male  bool
	muni  uint8 // index into municipalities
}

const noDeath = math.MaxInt32

// population is the synthetic population, held in memory (about 24 bytes a
// person): the registers' rows are streamed, the persons are not.
type population struct {
	persons    []person
	start, end int32 // the data period, days since epoch
}

var (
	epoch      = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	firstBirth = time.Date(1920, 1, 1, 0, 0, 0, 0, time.UTC)
	lastBirth  = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	dataStart  = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	dataEnd    = time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
)

func days(t time.Time) int32 { return int32(t.Sub(epoch).Hours() / 24) }

func dateOf(d int32) time.Time { return epoch.AddDate(0, 0, int(d)) }

// MaxPersons bounds --persons: the Norwegian number space holds about 400
// valid numbers per birth date and sex series; 12 million persons over 105
// years of birth dates leave ample room.
const MaxPersons = 12_000_000

// slotKey identifies a (birth date, number kind) series of individual
// numbers.
type slotKey struct {
	day  int32
	kind uint8
}

// newPopulation draws n persons from seed. Birth years follow a flattened
// age pyramid over 1920-2024; about 3% have a D-number and 0.2% an
// H-number; numbers are unique.
func newPopulation(n int, seed uint64) (*population, error) {
	if n < 1 || n > MaxPersons {
		return nil, fmt.Errorf("synth: persons must be between 1 and %d, not %d", MaxPersons, n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x706f70756c617469))
	p := &population{persons: make([]person, n), start: days(dataStart), end: days(dataEnd)}
	used := make(map[slotKey]uint16)
	lo, hi := days(firstBirth), days(lastBirth)
	span := int(hi - lo + 1)
	for i := range p.persons {
		// Younger cohorts are somewhat larger; the square root flattens
		// the skew toward recent years.
		u := math.Sqrt(rng.Float64())
		birth := lo + int32(u*float64(span-1))
		kind := numberFnr
		switch r := rng.Float64(); {
		case r < 0.03:
			kind = numberDnr
		case r < 0.032:
			kind = numberHnr
		}
		male := rng.IntN(2) == 0
		var id uint64
		for tries := 0; ; tries++ {
			var ok bool
			id, ok = assignNumber(used, birth, kind, male)
			if ok {
				break
			}
			if tries > 50 {
				return nil, fmt.Errorf("synth: internal error: no free numbers near %s", dateOf(birth).Format("2006-01-02"))
			}
			birth = lo + int32(rng.IntN(span))
		}
		pr := person{id: id, birth: birth, death: noDeath, kind: kind, male: male, muni: uint8(rng.IntN(len(municipalities)))}
		// Some die during the data period (under one in ten at the default age
		// mix), the old far more often.
		age := float64(p.end-birth) / 365.25
		if rng.Float64() < math.Min(0.9, 0.02+age*age/30000) {
			from := max(birth+1, p.start)
			if p.end-from >= 2 {
				// Deaths cluster late in the window so that most persons
				// have events before their death.
				w := float64(p.end - from)
				pr.death = from + 1 + int32(math.Sqrt(rng.Float64())*(w-1))
			}
		}
		p.persons[i] = pr
	}
	return p, nil
}

// assignNumber returns the next free valid number for a birth date, kind
// and sex, or false if the series is full.
func assignNumber(used map[slotKey]uint16, birth int32, kind uint8, male bool) (uint64, bool) {
	t := dateOf(birth)
	year, month, day := t.Year(), int(t.Month()), t.Day()
	yy := year % 100
	// Individual-number ranges per century (Skatteetaten).
	var lo, hi int
	switch {
	case kind != numberFnr:
		lo, hi = 0, 999
	case year < 2000:
		lo, hi = 0, 499
	default:
		lo, hi = 500, 999
	}
	key := slotKey{day: birth, kind: kind}
	sexBit := 0
	if male {
		sexBit = 1
		key.kind |= 0x80
	}
	count := int(used[key])
	width := (hi - lo + 1) / 2 // individual numbers of this sex
	// Walk the series with a stride coprime to its width, from a start
	// that depends on the date, so numbers look scattered.
	stride := 37
	for width%stride == 0 {
		stride += 2
	}
	start := int(uint32(birth)*2654435761>>8) % width
	for ; count < width; count++ {
		j := (start + count*stride) % width
		individual := lo + 2*j + sexBit
		d, m := day, month
		switch kind {
		case numberDnr:
			d += 40
		case numberHnr:
			m += 40
		}
		digits := [9]int{d / 10, d % 10, m / 10, m % 10, yy / 10, yy % 10, individual / 100, individual / 10 % 10, individual % 10}
		k1, k2, ok := pseudonym.NorwegianCheckDigits(digits)
		if !ok {
			continue
		}
		var id uint64
		for _, x := range digits {
			id = id*10 + uint64(x)
		}
		id = id*100 + uint64(k1*10+k2)
		used[key] = uint16(count + 1)
		return id, true
	}
	used[key] = uint16(count)
	return 0, false
}

// idString formats an 11-digit number with its leading zero.
func idString(id uint64) string {
	var b [11]byte
	for i := 10; i >= 0; i-- {
		b[i] = byte('0' + id%10)
		id /= 10
	}
	return string(b[:])
}

// eventWindow returns the days on which a person can have events: from
// birth (or the data start) to the day before death (or the data end).
func (p *population) eventWindow(pr *person) (from, to int32, ok bool) {
	from = max(pr.birth, p.start)
	to = p.end
	if pr.death != noDeath {
		to = pr.death - 1
	}
	return from, to, to >= from
}
