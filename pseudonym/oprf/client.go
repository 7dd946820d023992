package oprf

import (
	"errors"
	"fmt"

	"github.com/cloudflare/circl/group"
	circl "github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"

	"github.com/koble/koble/pseudonym"
)

// Client blinds IDs for a project's server and turns the server's answers
// into serials, checking every answer against the project's public key
// (RFC 9497 verifiable mode). It holds no secret. A Client is safe for
// concurrent use; each [Request] belongs to one batch.
type Client struct {
	c   circl.VerifiableClient
	pub *PublicKey
}

// NewClient returns a client that accepts only answers proved with pub.
func NewClient(pub *PublicKey) *Client {
	return &Client{c: circl.NewVerifiableClient(suite, pub.pk), pub: pub}
}

// Request is one blinded batch: Blinded goes to the server; the rest (the
// inputs and their blinds) stays with the client until [Client.Finalize].
// It holds the inputs (identity numbers): keep it in memory only.
type Request struct {
	// Blinded holds the serialized blinded elements, in input order.
	Blinded [][]byte
	fin     *circl.FinalizeData
	req     *circl.EvaluationRequest
}

// Blind blinds a batch of inputs (canonical IDs) with fresh random blinds
// (RFC 9497 Blind). The inputs must stay unchanged until Finalize.
func (c *Client) Blind(inputs [][]byte) (*Request, error) {
	if len(inputs) == 0 {
		return nil, ErrEmptyBatch
	}
	fin, req, err := c.c.Blind(inputs)
	return newRequest(fin, req, err)
}

// blindWith blinds with fixed blinds (serialized scalars), for test vectors.
func (c *Client) blindWith(inputs, blinds [][]byte) (*Request, error) {
	g := suite.Group()
	bs := make([]circl.Blind, len(blinds))
	for i, b := range blinds {
		bs[i] = g.NewScalar()
		if err := bs[i].UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("oprf: blind %d: %w", i, err)
		}
	}
	fin, req, err := c.c.DeterministicBlind(inputs, bs)
	return newRequest(fin, req, err)
}

func newRequest(fin *circl.FinalizeData, req *circl.EvaluationRequest, err error) (*Request, error) {
	if err != nil {
		return nil, fmt.Errorf("oprf: blinding: %w", err)
	}
	blinded, err := encodeElements(req.Elements)
	if err != nil {
		return nil, err
	}
	return &Request{Blinded: blinded, fin: fin, req: req}, nil
}

// Finalize checks the server's answer to r (serialized evaluated elements
// and proof) against the public key and returns the serials, in input order
// (RFC 9497 Finalize, then SPEC.md §9's HKDF). A proof that does not verify
// gives [ErrProof]; a malformed answer an [*ElementError] or a length error.
func (c *Client) Finalize(r *Request, evaluated [][]byte, proof []byte) ([]pseudonym.Serial, error) {
	outs, err := c.Outputs(r, evaluated, proof)
	if err != nil {
		return nil, err
	}
	return Serials(outs), nil
}

// Outputs checks the server's answer to r as [Client.Finalize] does and
// returns the RFC 9497 outputs themselves, in input order, for a caller
// that needs more than the serial (the rank of a dense series, SPEC.md
// §9.8).
func (c *Client) Outputs(r *Request, evaluated [][]byte, proof []byte) ([]Output, error) {
	outs, err := c.finalize(r, evaluated, proof)
	if err != nil {
		return nil, err
	}
	res := make([]Output, len(outs))
	for i, o := range outs {
		res[i] = Output(o)
	}
	return res, nil
}

// finalize returns the raw RFC 9497 outputs.
func (c *Client) finalize(r *Request, evaluated [][]byte, proof []byte) ([][]byte, error) {
	if len(evaluated) != len(r.Blinded) {
		return nil, fmt.Errorf("oprf: the server answered %d elements for %d", len(evaluated), len(r.Blinded))
	}
	elems, err := decodeElements(evaluated)
	if err != nil {
		return nil, err
	}
	if len(proof) != ProofSize {
		return nil, fmt.Errorf("oprf: proof is %d bytes, want %d", len(proof), ProofSize)
	}
	p := new(dleq.Proof)
	if err := p.UnmarshalBinary(group.Ristretto255, proof); err != nil {
		return nil, fmt.Errorf("oprf: malformed proof: %w", err)
	}
	outs, err := c.c.Finalize(r.fin, &circl.Evaluation{Elements: elems, Proof: p})
	if errors.Is(err, circl.ErrInvalidProof) {
		return nil, ErrProof
	}
	if err != nil {
		return nil, fmt.Errorf("oprf: finalizing: %w", err)
	}
	return outs, nil
}
