package pseudonym

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// SerialSize is the size of a full serial: one HMAC-SHA256 output.
const SerialSize = sha256.Size

// Serial is a person's project-specific serial number: HMAC-SHA256 under
// the project's serial key over the canonical form of the person's ID.
// Delivery files carry an encoding of it ([Encoding]); the full 32 bytes
// stay in memory.
type Serial [SerialSize]byte

// String returns the default encoding ([EncodingBase32]).
func (s Serial) String() string { return string(EncodingBase32.Append(nil, s)) }

// Encoding is a way of writing a serial into a delivery file. The encoding
// used is recorded in the output's metadata.
type Encoding uint8

// The serial encodings.
//
// Collision bounds are birthday bounds for n persons and b bits:
// p <= n(n-1)/2^(b+1). For a population register of 20 million persons:
//
//	EncodingBase32  80 bits  p <= 1.7e-10 (below one in a billion)
//	EncodingInt64   63 bits  p <= 2.2e-5  (about one in 46,000)
//	EncodingHex    256 bits  p <= 1.7e-63
const (
	// EncodingBase32 (the default) is the first 80 bits of the serial in
	// Crockford base32: 16 characters, digits and upper-case letters.
	EncodingBase32 Encoding = iota
	// EncodingInt64 is the first 8 bytes of the serial as a big-endian
	// integer with the top bit cleared: a positive int64, for users who
	// want integer keys. Its collision bound is far weaker (see above).
	EncodingInt64
	// EncodingHex is the full serial in lower-case hexadecimal: 64 characters.
	EncodingHex
)

// EncodingBase32Bytes is how many leading bytes of a serial the default
// encoding keeps (80 bits).
const EncodingBase32Bytes = 10

// String returns the encoding's name: "base32", "int64" or "hex".
func (e Encoding) String() string {
	switch e {
	case EncodingBase32:
		return "base32"
	case EncodingInt64:
		return "int64"
	case EncodingHex:
		return "hex"
	}
	return fmt.Sprintf("encoding(%d)", uint8(e))
}

// ParseEncoding returns the encoding named s.
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "base32", "":
		return EncodingBase32, nil
	case "int64":
		return EncodingInt64, nil
	case "hex":
		return EncodingHex, nil
	}
	return 0, fmt.Errorf("pseudonym: unknown serial encoding %q (want base32, int64 or hex)", s)
}

// Append appends the text form of s in this encoding to dst.
func (e Encoding) Append(dst []byte, s Serial) []byte {
	switch e {
	case EncodingBase32:
		return appendCrockford(dst, s[:EncodingBase32Bytes])
	case EncodingInt64:
		return fmt.Appendf(dst, "%d", s.Int64())
	case EncodingHex:
		return hex.AppendEncode(dst, s[:])
	}
	panic("pseudonym: internal error: unknown encoding")
}

// Int64 returns the EncodingInt64 form of s.
func (s Serial) Int64() int64 {
	return int64(binary.BigEndian.Uint64(s[:8]) &^ (1 << 63))
}

// Serials computes serials under one project key. It keeps a precomputed
// HMAC state and a scratch buffer, so computing a serial allocates nothing.
// A Serials is not safe for concurrent use: give each goroutine its own
// (they are cheap to make with [Key.Serials]).
type Serials struct {
	mac       *shortHMAC
	buf       []byte
	crosswalk Crosswalk
	cache     *Cache[Serial]
}

// SerialOptions configures [Key.Serials].
type SerialOptions struct {
	// Crosswalk, if not nil, replaces an ID it knows by the person's current
	// ID before hashing, so that a person who changed number keeps one
	// serial.
	Crosswalk Crosswalk
	// CacheSize, if positive, keeps the serials of up to that many recent
	// persons (see [Cache]), so that a repeated person costs no HMAC.
	CacheSize int
}

// Serials returns a serial computer for the key.
func (k *Key) Serials(opts SerialOptions) *Serials {
	sk := k.SerialKey()
	defer clear(sk)
	s := &Serials{
		mac:       newShortHMAC(sk),
		buf:       make([]byte, 0, 32),
		crosswalk: opts.Crosswalk,
	}
	if opts.CacheSize > 0 {
		s.cache = NewCache[Serial](opts.CacheSize)
	}
	return s
}

// CacheStats returns the cache's hits and misses (zero without a cache).
func (s *Serials) CacheStats() (hits, misses uint64) {
	if s.cache == nil {
		return 0, 0
	}
	return s.cache.Stats()
}

// Compute returns the serial of id (after the crosswalk). id must be valid.
func (s *Serials) Compute(id ID) Serial {
	if s.cache != nil {
		key := id.Compact()
		if v, ok := s.cache.Get(key); ok {
			return v
		}
		v := s.compute(id)
		s.cache.Put(key, v)
		return v
	}
	return s.compute(id)
}

func (s *Serials) compute(id ID) Serial {
	if s.crosswalk != nil {
		id = resolve(s.crosswalk, id)
	}
	var out Serial
	if useSHANI {
		// The canonical form (at most 15 bytes) is written straight
		// into the block that is hashed.
		s.mac.sumBlock(len(id.AppendCanonical(s.mac.block[:0])), &out)
		return out
	}
	s.buf = id.AppendCanonical(s.buf[:0])
	s.mac.sum(s.buf, &out)
	return out
}

// DecodeBase32Serial decodes a serial in the default encoding into its 10
// bytes, accepting lower case and the usual confusions (O for 0, I and L
// for 1). ok is false for anything else.
func DecodeBase32Serial(s string) (b [EncodingBase32Bytes]byte, ok bool) {
	out, ok := decodeCrockford(s, EncodingBase32Bytes)
	if !ok {
		return b, false
	}
	copy(b[:], out)
	return b, true
}
