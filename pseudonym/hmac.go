package pseudonym

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"hash"
)

// shortHMAC computes HMAC-SHA256 (RFC 2104) of messages of at most 55
// bytes in exactly two SHA-256 compressions, with no allocation.
//
// The standard library's HMAC already precomputes the key's inner and
// outer pad states; what it spends beside the two compressions is the
// generic padding and copying of Sum. Here each message and the inner
// digest are padded by hand into one 64-byte block (FIPS 180-4 §5.1.1),
// written as a whole block, and the digest is read from the hash state
// (FIPS 180-4 §6.2.2: after the last padded block, the state is the
// digest). TestShortHMAC checks it against crypto/hmac.
type shortHMAC struct {
	h        hash.Hash
	restore  encoding.BinaryUnmarshaler
	snapshot encoding.BinaryAppender
	inner    []byte // marshaled state after the ipad block
	outer    []byte // marshaled state after the opad block
	block    [sha256.BlockSize]byte
	state    []byte
	fallback hash.Hash // for longer messages
}

// stateDigest is where the eight state words sit in a marshaled SHA-256
// state: after the 4-byte magic, big-endian.
const stateDigest = 4

func newShortHMAC(key []byte) *shortHMAC {
	var ipad, opad [sha256.BlockSize]byte
	if len(key) > sha256.BlockSize {
		sum := sha256.Sum256(key)
		key = sum[:]
	}
	copy(ipad[:], key)
	copy(opad[:], key)
	for i := range ipad {
		ipad[i] ^= 0x36
		opad[i] ^= 0x5c
	}
	h := sha256.New()
	h.Write(ipad[:])
	inner, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		panic("pseudonym: internal error: sha256 state: " + err.Error())
	}
	h.Reset()
	h.Write(opad[:])
	outer, _ := h.(encoding.BinaryMarshaler).MarshalBinary()
	clear(ipad[:])
	clear(opad[:])
	return &shortHMAC{
		h: h, restore: h.(encoding.BinaryUnmarshaler), snapshot: h.(encoding.BinaryAppender),
		inner: inner, outer: outer, state: make([]byte, 0, 128),
		fallback: hmac.New(sha256.New, key),
	}
}

// compress pads msg (at most 55 bytes) as the final block of a message
// that began with one 64-byte pad block, runs it from state, and writes the
// digest into out.
func (m *shortHMAC) compress(state, msg []byte, out *Serial) {
	m.block = [sha256.BlockSize]byte{}
	copy(m.block[:], msg)
	m.block[len(msg)] = 0x80
	binary.BigEndian.PutUint64(m.block[56:], uint64(sha256.BlockSize+len(msg))*8)
	if err := m.restore.UnmarshalBinary(state); err != nil {
		panic("pseudonym: internal error: sha256 state: " + err.Error())
	}
	m.h.Write(m.block[:])
	m.state, _ = m.snapshot.AppendBinary(m.state[:0])
	copy(out[:], m.state[stateDigest:stateDigest+sha256.Size])
}

// sum writes HMAC-SHA256(key, msg) into out.
func (m *shortHMAC) sum(msg []byte, out *Serial) {
	if len(msg) > 55 {
		m.fallback.Reset()
		m.fallback.Write(msg)
		m.state = m.fallback.Sum(m.state[:0])
		copy(out[:], m.state)
		return
	}
	var inner Serial
	m.compress(m.inner, msg, &inner)
	m.compress(m.outer, inner[:], out)
}
