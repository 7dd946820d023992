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

	// With SHA-NI (useSHANI): the pad states as words, and the second
	// block with its constant padding (the inner digest goes in front).
	innerWords, outerWords [8]uint32
	block2                 [sha256.BlockSize]byte
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
	m := &shortHMAC{
		h: h, restore: h.(encoding.BinaryUnmarshaler), snapshot: h.(encoding.BinaryAppender),
		inner: inner, outer: outer, state: make([]byte, 0, 128),
		fallback: hmac.New(sha256.New, key),
	}
	for i := range m.innerWords {
		m.innerWords[i] = binary.BigEndian.Uint32(inner[stateDigest+4*i:])
		m.outerWords[i] = binary.BigEndian.Uint32(outer[stateDigest+4*i:])
	}
	m.block2[sha256.Size] = 0x80
	binary.BigEndian.PutUint64(m.block2[56:], uint64(sha256.BlockSize+sha256.Size)*8)
	return m
}

// sumWords is sum's two compressions on the bare state words, with the
// SHA-NI block function: no hash object, no state marshalling.
func (m *shortHMAC) sumWords(msg []byte, out *Serial) {
	m.sumBlock(copy(m.block[:], msg), out)
}

// sumBlock is sumWords of the message of n (at most 55) bytes already at
// the start of m.block: it pads it there (FIPS 180-4 §5.1.1).
func (m *shortHMAC) sumBlock(n int, out *Serial) {
	clear(m.block[n:])
	m.block[n] = 0x80
	binary.BigEndian.PutUint64(m.block[56:], uint64(sha256.BlockSize+n)*8)
	st := m.innerWords
	blockSHANI(&st, &m.block)
	for i, w := range st {
		binary.BigEndian.PutUint32(m.block2[4*i:], w)
	}
	st = m.outerWords
	blockSHANI(&st, &m.block2)
	for i, w := range st {
		binary.BigEndian.PutUint32(out[4*i:], w)
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
	if useSHANI {
		m.sumWords(msg, out)
		return
	}
	m.sumState(msg, out)
}

// sumState is sum's two compressions through the hash object's state.
func (m *shortHMAC) sumState(msg []byte, out *Serial) {
	var inner Serial
	m.compress(m.inner, msg, &inner)
	m.compress(m.outer, inner[:], out)
}
