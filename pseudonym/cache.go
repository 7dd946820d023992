package pseudonym

// Cache is a bounded, direct-mapped cache keyed by [ID.Compact]: each key
// has one slot, and a new key evicts whatever held its slot. Event registers
// repeat persons (about ten rows each, often close together), so even a
// small cache answers most lookups without an HMAC. It holds identity
// numbers in compact form: keep it in memory only. A Cache is not safe for
// concurrent use.
type Cache[V any] struct {
	keys   []uint64
	values []V
	mask   uint64
	hits   uint64
	misses uint64
}

// NewCache returns a cache with at least size slots (rounded up to a power
// of two, at least 1).
func NewCache[V any](size int) *Cache[V] {
	n := 1
	for n < size {
		n <<= 1
	}
	return &Cache[V]{keys: make([]uint64, n), values: make([]V, n), mask: uint64(n - 1)}
}

// slot mixes the key (a splitmix64 finaliser) so that neighbouring IDs,
// which differ only in low digits, spread over the table.
func (c *Cache[V]) slot(key uint64) uint64 {
	key ^= key >> 30
	key *= 0xbf58476d1ce4e5b9
	key ^= key >> 27
	key *= 0x94d049bb133111eb
	key ^= key >> 31
	return key & c.mask
}

// Get returns the value cached for key. Key 0 (the zero ID) is never cached.
func (c *Cache[V]) Get(key uint64) (V, bool) {
	i := c.slot(key)
	if key != 0 && c.keys[i] == key {
		c.hits++
		return c.values[i], true
	}
	c.misses++
	var zero V
	return zero, false
}

// Put stores value for key, evicting the slot's previous entry.
func (c *Cache[V]) Put(key uint64, value V) {
	i := c.slot(key)
	c.keys[i] = key
	c.values[i] = value
}

// Stats returns the number of hits and misses so far.
func (c *Cache[V]) Stats() (hits, misses uint64) { return c.hits, c.misses }
