package oprf

import (
	"crypto"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cloudflare/circl/group"
	circl "github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hexList is RFC 9497's test-vector notation for a batch: hex values
// separated by commas.
type hexList [][]byte

func (l *hexList) UnmarshalJSON(data []byte) error {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	for _, part := range strings.Split(s, ",") {
		b, err := hex.DecodeString(part)
		if err != nil {
			return err
		}
		*l = append(*l, b)
	}
	return nil
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// rfcSuite is one suite and mode of RFC 9497 Appendix A, as published in
// the RFC's test-vector file.
type rfcSuite struct {
	Identifier string `json:"identifier"`
	Mode       uint8  `json:"mode"`
	PkSm       string `json:"pkSm"`
	SkSm       string `json:"skSm"`
	Seed       string `json:"seed"`
	KeyInfo    string `json:"keyInfo"`
	Vectors    []struct {
		Batch             int     `json:"Batch"`
		Blind             hexList `json:"Blind"`
		BlindedElement    hexList `json:"BlindedElement"`
		EvaluationElement hexList `json:"EvaluationElement"`
		Input             hexList `json:"Input"`
		Output            hexList `json:"Output"`
		Proof             struct {
			Proof string `json:"proof"`
			R     string `json:"r"`
		} `json:"Proof"`
	} `json:"vectors"`
}

// TestRFC9497Vectors runs the suite's vectors of RFC 9497 Appendix A.1
// (OPRF and VOPRF modes of ristretto255-SHA512) through this package's
// wire encodings: key derivation, blinding with the given blinds,
// evaluation, the proof with the given randomness, and finalization.
func TestRFC9497Vectors(t *testing.T) {
	b, err := os.ReadFile("../../testdata/vectors/rfc9497-ristretto255.json")
	require.NoError(t, err)
	var suites []rfcSuite
	require.NoError(t, json.Unmarshal(b, &suites))
	require.Len(t, suites, 2, "want the OPRF and VOPRF vectors of the suite")
	for _, s := range suites {
		require.Equal(t, SuiteID, s.Identifier)
		for i, v := range s.Vectors {
			t.Run(fmt.Sprintf("mode%d/%d", s.Mode, i), func(t *testing.T) {
				sk, err := circl.DeriveKey(suite, s.Mode, unhex(t, s.Seed), unhex(t, s.KeyInfo))
				require.NoError(t, err)
				got, _ := sk.MarshalBinary()
				assert.Equal(t, s.SkSm, hex.EncodeToString(got), "skSm")
				if s.Mode == circl.BaseMode {
					srv := circl.NewServer(suite, sk)
					for j, in := range v.Input {
						out, err := srv.FullEvaluate(in)
						require.NoError(t, err)
						assert.Equal(t, v.Output[j], out, "output %d", j)
					}
					return
				}
				srv, err := newServerFromSeed(unhex(t, s.Seed), unhex(t, s.KeyInfo))
				require.NoError(t, err)
				assert.Equal(t, s.PkSm, srv.PublicKey().String(), "pkSm")
				c := NewClient(srv.PublicKey())
				req, err := c.blindWith(v.Input, v.Blind)
				require.NoError(t, err)
				assert.Equal(t, [][]byte(v.BlindedElement), req.Blinded, "blinded elements")
				evaluated, proof, err := srv.Evaluate(req.Blinded)
				require.NoError(t, err)
				assert.Equal(t, [][]byte(v.EvaluationElement), evaluated, "evaluated elements")
				assert.Len(t, proof, ProofSize)
				assert.Equal(t, v.Proof.Proof, hex.EncodeToString(fixedProof(t, sk, req, evaluated, unhex(t, v.Proof.R))), "proof with the vector's r")
				for _, p := range [][]byte{proof, unhex(t, v.Proof.Proof)} {
					outs, err := c.finalize(req, evaluated, p)
					require.NoError(t, err)
					assert.Equal(t, [][]byte(v.Output), outs, "outputs")
				}
			})
		}
	}
}

// fixedProof makes the batch DLEQ proof of RFC 9497 §2.2.1 with fixed
// randomness r, as the vectors do.
func fixedProof(t *testing.T, sk *circl.PrivateKey, req *Request, evaluated [][]byte, r []byte) []byte {
	g := group.Ristretto255
	k := g.NewScalar()
	kb, _ := sk.MarshalBinary()
	require.NoError(t, k.UnmarshalBinary(kb))
	rs := g.NewScalar()
	require.NoError(t, rs.UnmarshalBinary(r))
	ev, err := decodeElements(evaluated)
	require.NoError(t, err)
	params := dleq.Params{G: g, H: crypto.SHA512, DST: []byte("OPRFV1-\x01-" + SuiteID)}
	p, err := dleq.Prover{Params: params}.ProveBatchWithRandomnessRFC9497(k, g.NewElement().MulGen(k), req.req.Elements, ev, rs)
	require.NoError(t, err)
	out, err := p.MarshalBinary()
	require.NoError(t, err)
	return out
}
