package risk

import (
	"encoding/binary"
	"math/bits"
)

// Hashing for the in-memory tables. The inputs are the register's own
// values, not chosen by an adversary, so a fast multiply-rotate mix is
// enough; what matters is that distinct inputs rarely collide (see the
// package documentation for the bounds).

const (
	prime1 = 0x9e3779b97f4a7c15
	prime2 = 0xc2b2ae3d27d4eb4f
	prime3 = 0x165667b19e3779f9
	prime4 = 0xd6e8feb86659fd93
)

// fmix64 is MurmurHash3's finaliser: every input bit affects every output
// bit.
func fmix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func mix(h, w, k uint64) uint64 {
	return bits.RotateLeft64((h^w)*k, 31) * prime3
}

// hashBytes hashes b to 64 bits.
func hashBytes(b []byte) uint64 {
	h := uint64(len(b))*prime1 ^ prime4
	for len(b) >= 8 {
		h = mix(h, binary.LittleEndian.Uint64(b), prime2)
		b = b[8:]
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * i)
	}
	return fmix64(mix(h, t, prime2))
}

// hashUint64 hashes one 64-bit value.
func hashUint64(v uint64) uint64 { return fmix64(v*prime1 ^ prime4) }

// hashWords hashes a sequence of 32-bit words to 64 bits.
func hashWords(w []uint32) uint64 {
	h := uint64(len(w))*prime1 ^ prime2
	for _, x := range w {
		h = mix(h, uint64(x), prime2)
	}
	return fmix64(h)
}

// hash128 hashes a sequence of 32-bit words to 128 bits, as two
// independently mixed 64-bit halves.
func hash128(w []uint32) [2]uint64 {
	a := uint64(len(w))*prime1 ^ prime2
	b := uint64(len(w))*prime3 ^ prime4
	for _, x := range w {
		a = mix(a, uint64(x), prime2)
		b = mix(b, uint64(x)^0x5bd1e995, prime4)
	}
	return [2]uint64{fmix64(a), fmix64(b ^ a>>17)}
}
