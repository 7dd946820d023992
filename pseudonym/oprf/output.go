package oprf

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"

	"github.com/koble/koble/pseudonym"
)

// Output is the RFC 9497 output of one ID (64 bytes for the suite), what
// [Client.Outputs] gives a source and [Server.Output] the key holder. It
// derives the person's serial and rank, and nothing else should be done
// with it. Whoever holds it holds the serial: keep it in memory only.
type Output []byte

// Serials returns the serials of outputs, in order.
func Serials(outputs []Output) []pseudonym.Serial {
	serials := make([]pseudonym.Serial, len(outputs))
	for i, o := range outputs {
		serials[i] = o.Serial()
	}
	return serials
}

// Serial returns the project serial (SPEC.md §9.2), as [DeriveSerial].
func (o Output) Serial() pseudonym.Serial { return DeriveSerial(o) }

// Rank returns the person's rank in a dense serial series (SPEC.md §9.8):
// the first 8 bytes, big-endian, of HKDF-SHA256(IKM = output, salt = "",
// info = "koble/v1/oprf-order", L = 8). It is independent of the serial:
// a holder of serials alone (a researcher, a pseudonymous register) cannot
// compute it.
func (o Output) Rank() uint64 {
	b, err := hkdf.Key(sha256.New, o, nil, labelOrder, 8)
	if err != nil {
		panic("oprf: internal error: HKDF: " + err.Error())
	}
	return binary.BigEndian.Uint64(b)
}
