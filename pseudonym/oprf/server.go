package oprf

import (
	"fmt"

	circl "github.com/cloudflare/circl/oprf"

	"github.com/koble/koble/pseudonym"
)

// Server holds one project's OPRF private key and evaluates blinded
// elements with it (RFC 9497 verifiable mode). It never sees an ID: only
// blinded elements, which are uniformly random group elements to it. A
// Server is safe for concurrent use.
type Server struct {
	srv circl.VerifiableServer
	pub *PublicKey
}

// NewServer derives the project's OPRF key pair from its key (SPEC.md §9:
// RFC 9497 DeriveKeyPair with seed = key("koble/v1/oprf") and info =
// "koble/v1/oprf-key"). The key may be closed afterwards.
func NewServer(k *pseudonym.Key) (*Server, error) {
	seed := k.OPRFSeed()
	defer clear(seed)
	return newServerFromSeed(seed, []byte(labelKeyInfo))
}

// newServerFromSeed runs RFC 9497 DeriveKeyPair(seed, info).
func newServerFromSeed(seed, info []byte) (*Server, error) {
	sk, err := circl.DeriveKey(suite, circl.VerifiableMode, seed, info)
	if err != nil {
		return nil, fmt.Errorf("oprf: deriving the key pair: %w", err)
	}
	raw, err := sk.Public().MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("oprf: internal error: encoding public key: %w", err)
	}
	pub, err := PublicKeyFromBytes(raw)
	if err != nil {
		return nil, err
	}
	return &Server{srv: circl.NewVerifiableServer(suite, sk), pub: pub}, nil
}

// PublicKey returns the project's OPRF public key, to be published.
func (s *Server) PublicKey() *PublicKey { return s.pub }

// Evaluate evaluates a batch of serialized blinded elements (RFC 9497
// BlindEvaluate with a batch DLEQ proof, §3.3.2 and §2.2.1) and returns the
// serialized evaluated elements, in order, and the serialized proof. A
// malformed or identity element gives an [*ElementError] naming its index;
// nothing is evaluated then.
func (s *Server) Evaluate(blinded [][]byte) (evaluated [][]byte, proof []byte, err error) {
	elems, err := decodeElements(blinded)
	if err != nil {
		return nil, nil, err
	}
	ev, err := s.srv.Evaluate(&circl.EvaluationRequest{Elements: elems})
	if err != nil {
		return nil, nil, fmt.Errorf("oprf: evaluating: %w", err)
	}
	if evaluated, err = encodeElements(ev.Elements); err != nil {
		return nil, nil, err
	}
	if proof, err = ev.Proof.MarshalBinary(); err != nil {
		return nil, nil, fmt.Errorf("oprf: internal error: encoding proof: %w", err)
	}
	return evaluated, proof, nil
}

// Serial computes a serial directly with the private key (RFC 9497
// Evaluate, "FullEvaluate"): the key holder's way to the same serial that a
// source obtains through the protocol. input is the canonical form of the
// ID ([pseudonym.ID.AppendCanonical]).
func (s *Server) Serial(input []byte) (pseudonym.Serial, error) {
	out, err := s.Output(input)
	if err != nil {
		return pseudonym.Serial{}, err
	}
	return out.Serial(), nil
}

// Output computes the OPRF output of input directly with the private key
// (RFC 9497 Evaluate): what [Client.Outputs] gives a source through the
// protocol.
func (s *Server) Output(input []byte) (Output, error) {
	out, err := s.srv.FullEvaluate(input)
	if err != nil {
		return nil, fmt.Errorf("oprf: evaluating: %w", err)
	}
	return Output(out), nil
}

// Compute returns the serial of a valid ID, as [Server.Serial] does for its
// canonical form.
func (s *Server) Compute(id pseudonym.ID) (pseudonym.Serial, error) {
	return s.Serial(id.AppendCanonical(nil))
}
