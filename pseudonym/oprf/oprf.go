package oprf

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	circl "github.com/cloudflare/circl/oprf"

	"github.com/koble/koble/pseudonym"
)

// SuiteID is the RFC 9497 identifier of the one suite koble uses.
const SuiteID = "ristretto255-SHA512"

// Sizes of the RFC 9497 wire encodings of the suite (RFC 9497 §4.1):
// a serialized element (Ne), a serialized scalar (Ns) and a proof (c, s).
const (
	ElementSize = 32
	ScalarSize  = 32
	ProofSize   = 2 * ScalarSize
)

// Domain-separation labels, fixed by SPEC.md §9. A new construction gets a
// new label, never a reused one.
const (
	// labelKeyInfo is the info string of RFC 9497 DeriveKeyPair.
	labelKeyInfo = "koble/v1/oprf-key"
	// labelSerial is the HKDF info that turns an OPRF output into a serial.
	labelSerial = "koble/v1/oprf-serial"
	// labelOrder is the HKDF info that turns an OPRF output into the rank
	// a dense serial series is numbered by (SPEC.md §9.8).
	labelOrder = "koble/v1/oprf-order"
)

var suite = circl.SuiteRistretto255

// Errors of the protocol.
var (
	// ErrProof means the server's batch proof did not verify against the
	// public key the client was given: the answer was not made with the
	// project's published key, and no serial is returned.
	ErrProof = errors.New("oprf: the server's proof does not verify against the project's public key")
	// ErrEmptyBatch is returned for a batch of no elements.
	ErrEmptyBatch = errors.New("oprf: empty batch")
)

// ElementError says which element of a batch is not a valid serialized
// group element (RFC 9497 DeserializeElement: a non-canonical encoding, a
// point off the group or the identity element).
type ElementError struct {
	Index int
	Err   error
}

func (e *ElementError) Error() string {
	return fmt.Sprintf("oprf: element %d: %v", e.Index, e.Err)
}

func (e *ElementError) Unwrap() error { return e.Err }

// Reasons an element is refused.
var (
	ErrElementLength   = fmt.Errorf("not %d bytes", ElementSize)
	ErrElementEncoding = errors.New("not a canonical ristretto255 encoding")
	ErrElementIdentity = errors.New("the identity element")
)

// decodeElements deserializes a batch of elements, refusing the identity as
// RFC 9497 §4.1 requires.
func decodeElements(in [][]byte) ([]circl.Blinded, error) {
	if len(in) == 0 {
		return nil, ErrEmptyBatch
	}
	g := suite.Group()
	out := make([]circl.Blinded, len(in))
	for i, b := range in {
		if len(b) != ElementSize {
			return nil, &ElementError{i, ErrElementLength}
		}
		e := g.NewElement()
		if err := e.UnmarshalBinary(b); err != nil {
			return nil, &ElementError{i, ErrElementEncoding}
		}
		if e.IsIdentity() {
			return nil, &ElementError{i, ErrElementIdentity}
		}
		out[i] = e
	}
	return out, nil
}

func encodeElements(in []circl.Evaluated) ([][]byte, error) {
	out := make([][]byte, len(in))
	for i, e := range in {
		b, err := e.MarshalBinaryCompress()
		if err != nil {
			return nil, fmt.Errorf("oprf: internal error: encoding element: %w", err)
		}
		out[i] = b
	}
	return out, nil
}

// DeriveSerial turns an OPRF output (64 bytes) into a serial:
// HKDF-SHA256(IKM = output, salt = "", info = "koble/v1/oprf-serial", L = 32).
func DeriveSerial(output []byte) pseudonym.Serial {
	b, err := hkdf.Key(sha256.New, output, nil, labelSerial, pseudonym.SerialSize)
	if err != nil {
		panic("oprf: internal error: hkdf: " + err.Error())
	}
	var s pseudonym.Serial
	copy(s[:], b)
	return s
}

// PublicKey is a project's OPRF public key (pkS), published by the
// administrator so that every source can check the server's answers. It is
// safe to share and to use from several goroutines.
type PublicKey struct {
	pk  *circl.PublicKey
	raw []byte
}

// ParsePublicKey parses a public key in its text form: the RFC 9497
// serialized element (32 bytes) in lower- or upper-case hex. It refuses the
// identity element (RFC 9497 §4.1).
func ParsePublicKey(s string) (*PublicKey, error) {
	raw, err := hex.DecodeString(s)
	if err != nil || len(raw) != ElementSize {
		return nil, fmt.Errorf("oprf: public key %q is not %d bytes of hex", s, ElementSize)
	}
	return PublicKeyFromBytes(raw)
}

// PublicKeyFromBytes parses the RFC 9497 serialized element of a public key.
func PublicKeyFromBytes(raw []byte) (*PublicKey, error) {
	if _, err := decodeElements([][]byte{raw}); err != nil {
		return nil, fmt.Errorf("oprf: invalid public key: %w", errors.Unwrap(err))
	}
	pk := new(circl.PublicKey)
	if err := pk.UnmarshalBinary(suite, raw); err != nil {
		return nil, fmt.Errorf("oprf: invalid public key: %w", err)
	}
	return &PublicKey{pk: pk, raw: append([]byte(nil), raw...)}, nil
}

// String returns the public key in lower-case hex; [ParsePublicKey] reads it.
func (p *PublicKey) String() string { return hex.EncodeToString(p.raw) }

// Bytes returns a copy of the serialized element.
func (p *PublicKey) Bytes() []byte { return append([]byte(nil), p.raw...) }

// Equal reports whether two public keys are the same.
func (p *PublicKey) Equal(q *PublicKey) bool {
	return q != nil && string(p.raw) == string(q.raw)
}
