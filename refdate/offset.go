package refdate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math/bits"
)

// MaxWindow is the largest window, in days, a shift may use (ten years).
const MaxWindow = 3650

// SerialBytes is how many leading bytes of a person's serial the offset is
// derived from: the 80 bits that the default serial encoding delivers, so
// that a register that holds only delivered serials derives the same
// offsets as one that holds the national IDs.
const SerialBytes = 10

// Offsets derives each person's date offset from the project's date-shift
// key and the person's serial (SPEC.md §6). The same key, serial, window
// and unit give the same offset everywhere, with no coordination. It is not
// safe for concurrent use: give each goroutine its own ([Offsets.Clone]).
type Offsets struct {
	key    []byte
	mac    hash.Hash
	window int
	weeks  bool
	n      uint64 // number of possible offsets
	limit  uint64 // largest multiple of n not above 2^64, minus one
	msg    []byte
	sum    []byte
	cache  []offsetSlot
}

// NewOffsets returns offsets drawn uniformly from [-window, +window]
// without zero, in whole days, or in whole weeks (the multiples of 7 in
// that range) if weeks is set, which keeps every weekday. The key is the
// project's date-shift key (pseudonym.Key.DateShiftKey); it is copied.
func NewOffsets(key []byte, window int, weeks bool) (*Offsets, error) {
	if len(key) < 16 {
		return nil, errors.New("refdate: date-shift key too short")
	}
	if window < 1 || window > MaxWindow {
		return nil, fmt.Errorf("refdate: window must be between 1 and %d days, not %d", MaxWindow, window)
	}
	n := uint64(2 * window)
	if weeks {
		if window < 7 {
			return nil, fmt.Errorf("refdate: keeping the weekday needs a window of at least 7 days, not %d", window)
		}
		n = uint64(2 * (window / 7))
	}
	o := &Offsets{key: append([]byte(nil), key...), window: window, weeks: weeks, n: n}
	// Accept u when u < n·floor(2^64/n): every remainder is then equally
	// likely (rejection sampling, no modulo bias).
	o.limit = -(-n % n) // 2^64 - (2^64 mod n), wrapping to 0 when n divides 2^64
	o.mac = hmac.New(sha256.New, o.key)
	o.msg = make([]byte, 0, 64)
	o.sum = make([]byte, 0, sha256.Size)
	return o, nil
}

// Clone returns an independent Offsets with the same parameters.
func (o *Offsets) Clone() *Offsets {
	c, _ := NewOffsets(o.key, o.window, o.weeks)
	return c
}

// Window returns the window in days.
func (o *Offsets) Window() int { return o.window }

// Weeks reports whether offsets are whole weeks.
func (o *Offsets) Weeks() bool { return o.weeks }

// Count returns the number of possible offsets: 2·window, or 2·⌊window/7⌋
// in weeks. Few possible offsets make a shift easier to undo by guessing
// (see the package's security considerations).
func (o *Offsets) Count() int { return int(o.n) }

// Offset returns the offset in days for a person's serial, of which the
// first SerialBytes are used (a shorter serial is an error).
func (o *Offsets) Offset(serial []byte) (int32, error) {
	if len(serial) < SerialBytes {
		return 0, fmt.Errorf("refdate: a serial needs at least %d bytes, got %d", SerialBytes, len(serial))
	}
	serial = serial[:SerialBytes]
	for counter := uint32(0); ; counter++ {
		o.msg = append(append(o.msg[:0], serial...), 0, 0, 0, 0)
		binary.BigEndian.PutUint32(o.msg[SerialBytes:], counter)
		o.mac.Reset()
		o.mac.Write(o.msg)
		o.sum = o.mac.Sum(o.sum[:0])
		for j := 0; j < 4; j++ {
			u := binary.BigEndian.Uint64(o.sum[8*j:])
			if o.limit != 0 && u >= o.limit {
				continue
			}
			_, idx := bits.Div64(0, u, o.n)
			return o.fromIndex(idx), nil
		}
	}
}

// fromIndex maps 0..n-1 onto the offsets: the first half to -k..-1, the
// second to 1..k (k = n/2), in days or weeks.
func (o *Offsets) fromIndex(idx uint64) int32 {
	half := int64(o.n / 2)
	v := int64(idx) - half
	if v >= 0 {
		v++
	}
	if o.weeks {
		v *= 7
	}
	return int32(v)
}

// offsetCacheSize is the number of slots of the cache behind Fill (20
// bytes each: 5 MiB). A register in time order scatters each person's
// rows over the whole file: on 10 million such rows of 1 million persons,
// a direct-mapped cache of 2^14 slots answered 8% of the rows, 2^18 55%,
// 2^20 79% (at most 90% can be answered: the rest are first rows); on 1
// million rows of 100,000 persons, 44%, 86% and 90%. 2^20 slots (20 MiB)
// miss the CPU's caches on every lookup and cost their zeroing per run.
const offsetCacheSize = 1 << 18

type offsetSlot struct {
	serial [SerialBytes]byte
	offset int32
	used   bool
}

// Fill writes the offset of serials[i] into dst[i], one call per batch. A
// nil or short serial (a row without a valid person) gets 0, which
// [Shifter] treats as "no person". An event register repeats persons, so
// Fill remembers recent serials in a small direct-mapped cache (and reuses
// the previous row's result for an adjacent repeat): a repeated person
// costs no HMAC.
func (o *Offsets) Fill(dst []int32, serials [][]byte) {
	if o.cache == nil {
		o.cache = make([]offsetSlot, offsetCacheSize)
	}
	var prev []byte
	var prevOff int32
	for i, s := range serials {
		if len(s) < SerialBytes {
			dst[i] = 0
			continue
		}
		s = s[:SerialBytes]
		if prev != nil && string(prev) == string(s) {
			dst[i] = prevOff
			continue
		}
		slot := &o.cache[binary.LittleEndian.Uint64(s)&(offsetCacheSize-1)]
		if slot.used && string(slot.serial[:]) == string(s) {
			dst[i] = slot.offset
		} else {
			off, _ := o.Offset(s)
			copy(slot.serial[:], s)
			slot.offset, slot.used = off, true
			dst[i] = off
		}
		prev, prevOff = s, dst[i]
	}
}
