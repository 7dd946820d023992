package risk

import "math/bits"

// store keeps, per person, the distinct row tuples (ids into the tuple
// table) in first-seen order, in blocks of 1, 2, 4, ... words carved from
// pages of one arena. A block that fills is replaced by one twice its
// size; the old block goes to a free list of its size and is reused by the
// next person that grows through that size, so the arena holds little more
// than the tuples themselves: about 4-6 bytes a distinct (person, tuple)
// pair, plus 5 bytes a person.
type store struct {
	bound int      // most tuples kept per person (<= 254)
	first bool     // keep the first tuple only, and never overflow
	off   []uint32 // per person: the block's offset in the arena
	n     []uint8  // per person: tuples kept; overflowMark once past bound
	pages [][]uint32
	top   uint32 // next free word in the arena
	free  [9][]uint32
	// overflowed counts persons with more than bound distinct tuples.
	overflowed int
}

const (
	pageBits     = 20
	pageWords    = 1 << pageBits
	overflowMark = 255
)

func newStore(bound int, first bool) *store {
	if first {
		bound = 1
	}
	return &store{bound: bound, first: first}
}

// addPerson appends a person with no tuples and returns its index.
func (s *store) addPerson() uint32 {
	s.off = append(s.off, 0)
	s.n = append(s.n, 0)
	return uint32(len(s.n) - 1)
}

func (s *store) persons() int { return len(s.n) }

// block returns the person's kept tuples. The slice is valid until the
// next add.
func (s *store) block(p uint32) []uint32 {
	n := int(s.n[p])
	if n == overflowMark {
		n = s.bound
	}
	if n == 0 {
		return nil
	}
	o := s.off[p]
	return s.pages[o>>pageBits][o&(pageWords-1):][:n]
}

// overflow tells whether the person had more than bound distinct tuples.
func (s *store) overflow(p uint32) bool { return s.n[p] == overflowMark }

// add records that person p shows tuple t.
func (s *store) add(p, t uint32) {
	n := int(s.n[p])
	if n == overflowMark || (s.first && n == 1) {
		return
	}
	for _, x := range s.block(p) {
		if x == t {
			return
		}
	}
	if n == s.bound {
		s.n[p] = overflowMark
		s.overflowed++
		return
	}
	if n&(n-1) == 0 { // the block is full (or there is none): double it
		old := s.block(p)
		o := s.alloc(max(2*n, 1))
		copy(s.pages[o>>pageBits][o&(pageWords-1):], old)
		if n > 0 {
			c := bits.TrailingZeros(uint(n))
			s.free[c] = append(s.free[c], s.off[p])
		}
		s.off[p] = o
	}
	o := s.off[p] + uint32(n)
	s.pages[o>>pageBits][o&(pageWords-1)] = t
	s.n[p] = uint8(n + 1)
}

// alloc returns the offset of a free block of size words (a power of two).
func (s *store) alloc(size int) uint32 {
	c := bits.TrailingZeros(uint(size))
	if f := s.free[c]; len(f) > 0 {
		o := f[len(f)-1]
		s.free[c] = f[:len(f)-1]
		return o
	}
	if s.top>>pageBits >= uint32(len(s.pages)) || int(s.top&(pageWords-1))+size > pageWords {
		// A new page; the tail of the last one, if any, stays unused.
		s.pages = append(s.pages, make([]uint32, pageWords))
		s.top = uint32(len(s.pages)-1) << pageBits
	}
	o := s.top
	s.top += uint32(size)
	return o
}
