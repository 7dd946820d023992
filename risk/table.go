package risk

import "slices"

// Open-addressing tables that map fixed-size keys to dense ids 0, 1, 2,
// ... in order of first insertion. The keys are kept densely by id, and
// the slots hold id+1 (0 is empty), so a table costs the keys plus 4 bytes
// a slot at a load of at most 3/4.

// slotsFor returns a power-of-two slot count for n keys at load <= 3/4.
func slotsFor(n int) int {
	s := 16
	for s*3 < n*4 {
		s *= 2
	}
	return s
}

// keyTable maps 64-bit keys to ids.
type keyTable struct {
	keys  []uint64
	slots []uint32
}

func newKeyTable() *keyTable { return &keyTable{slots: make([]uint32, 16)} }

// id returns the key's id, adding the key if it is new; added tells which.
func (t *keyTable) id(k uint64) (id uint32, added bool) {
	mask := uint64(len(t.slots) - 1)
	for i := hashUint64(k) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			id = uint32(len(t.keys))
			t.keys = append(t.keys, k)
			t.slots[i] = id + 1
			if len(t.keys)*4 > len(t.slots)*3 {
				t.grow()
			}
			return id, true
		}
		if t.keys[s-1] == k {
			return s - 1, false
		}
	}
}

func (t *keyTable) grow() {
	t.slots = make([]uint32, len(t.slots)*2)
	mask := uint64(len(t.slots) - 1)
	for id, k := range t.keys {
		i := hashUint64(k) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(id) + 1
	}
}

// wideTable maps 128-bit keys to ids.
type wideTable struct {
	keys  [][2]uint64
	slots []uint32
}

func newWideTable(n int) *wideTable {
	return &wideTable{keys: make([][2]uint64, 0, n), slots: make([]uint32, slotsFor(n))}
}

func (t *wideTable) id(k [2]uint64) uint32 {
	mask := uint64(len(t.slots) - 1)
	for i := k[0] & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			id := uint32(len(t.keys))
			t.keys = append(t.keys, k)
			t.slots[i] = id + 1
			if len(t.keys)*4 > len(t.slots)*3 {
				t.grow()
			}
			return id
		}
		if t.keys[s-1] == k {
			return s - 1
		}
	}
}

func (t *wideTable) grow() {
	t.slots = make([]uint32, len(t.slots)*2)
	mask := uint64(len(t.slots) - 1)
	for id, k := range t.keys {
		i := k[0] & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(id) + 1
	}
}

// tupleTable interns tuples of width 32-bit words each.
type tupleTable struct {
	width int
	flat  []uint32 // tuple id i is flat[i*width : (i+1)*width]
	slots []uint32
}

func newTupleTable(width int) *tupleTable {
	return &tupleTable{width: width, slots: make([]uint32, 16)}
}

func (t *tupleTable) len() int { return len(t.flat) / max(t.width, 1) }

func (t *tupleTable) tuple(id uint32) []uint32 {
	return t.flat[int(id)*t.width : int(id+1)*t.width]
}

func (t *tupleTable) id(w []uint32) uint32 {
	mask := uint64(len(t.slots) - 1)
	for i := hashWords(w) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			id := uint32(t.len())
			t.flat = append(t.flat, w...)
			t.slots[i] = id + 1
			if t.len()*4 > len(t.slots)*3 {
				t.grow()
			}
			return id
		}
		if slices.Equal(t.tuple(s-1), w) {
			return s - 1
		}
	}
}

func (t *tupleTable) grow() {
	t.slots = make([]uint32, len(t.slots)*2)
	mask := uint64(len(t.slots) - 1)
	for id := range t.len() {
		i := hashWords(t.tuple(uint32(id))) & mask
		for t.slots[i] != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = uint32(id) + 1
	}
}

// find returns the id of a tuple without adding it.
func (t *tupleTable) find(w []uint32) (uint32, bool) {
	mask := uint64(len(t.slots) - 1)
	for i := hashWords(w) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if slices.Equal(t.tuple(s-1), w) {
			return s - 1, true
		}
	}
}
