package oprf_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

func newServer(t testing.TB, project string) *oprf.Server {
	key, err := pseudonym.GenerateKey(rand.Reader, project, time.Now())
	require.NoError(t, err)
	defer key.Close()
	srv, err := oprf.NewServer(key)
	require.NoError(t, err)
	return srv
}

func canonical(t testing.TB, n int) [][]byte {
	var out [][]byte
	for _, s := range testids.Norwegian(n) {
		id, err := pseudonym.Parse(pseudonym.Norway{}, s)
		require.NoError(t, err)
		out = append(out, id.AppendCanonical(nil))
	}
	return out
}

func roundTrip(t testing.TB, c *oprf.Client, srv *oprf.Server, inputs [][]byte) ([]pseudonym.Serial, error) {
	req, err := c.Blind(inputs)
	require.NoError(t, err)
	evaluated, proof, err := srv.Evaluate(req.Blinded)
	require.NoError(t, err)
	return c.Finalize(req, evaluated, proof)
}

func TestProtocolMatchesDirect(t *testing.T) {
	srv := newServer(t, "p1")
	c := oprf.NewClient(srv.PublicKey())
	inputs := canonical(t, 2000)
	for _, size := range []int{1, 255, 256, 257, 1000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			got, err := roundTrip(t, c, srv, inputs[:size])
			require.NoError(t, err)
			require.Len(t, got, size)
			for i, in := range inputs[:size] {
				want, err := srv.Serial(in)
				require.NoError(t, err)
				require.Equal(t, want, got[i], "input %d", i)
			}
		})
	}
}

func TestBlindsDiffer(t *testing.T) {
	srv := newServer(t, "p1")
	c := oprf.NewClient(srv.PublicKey())
	in := canonical(t, 1)
	a, err := c.Blind([][]byte{in[0], in[0]})
	require.NoError(t, err)
	assert.NotEqual(t, a.Blinded[0], a.Blinded[1], "the same ID blinded twice must look different to the server")
}

func TestProjectsUnlinkable(t *testing.T) {
	p1, p2 := newServer(t, "p1"), newServer(t, "p2")
	inputs := canonical(t, 500)
	a, err := roundTrip(t, oprf.NewClient(p1.PublicKey()), p1, inputs)
	require.NoError(t, err)
	b, err := roundTrip(t, oprf.NewClient(p2.PublicKey()), p2, inputs)
	require.NoError(t, err)
	seen := map[pseudonym.Serial]bool{}
	for i := range a {
		seen[a[i]] = true
	}
	for i := range b {
		assert.False(t, seen[b[i]], "input %d has a serial of the other project", i)
	}
	assert.False(t, p1.PublicKey().Equal(p2.PublicKey()))
}

func TestWrongPublicKeyRefused(t *testing.T) {
	srv, other := newServer(t, "p1"), newServer(t, "p2")
	c := oprf.NewClient(other.PublicKey())
	got, err := roundTrip(t, c, srv, canonical(t, 10))
	assert.ErrorIs(t, err, oprf.ErrProof)
	assert.Nil(t, got)
}

func TestTamperedAnswerRefused(t *testing.T) {
	srv := newServer(t, "p1")
	c := oprf.NewClient(srv.PublicKey())
	inputs := canonical(t, 3)
	req, err := c.Blind(inputs)
	require.NoError(t, err)
	evaluated, proof, err := srv.Evaluate(req.Blinded)
	require.NoError(t, err)

	swapped := [][]byte{evaluated[1], evaluated[0], evaluated[2]}
	_, err = c.Finalize(req, swapped, proof)
	assert.ErrorIs(t, err, oprf.ErrProof, "swapped elements")

	badProof := bytes.Clone(proof)
	badProof[0] ^= 1
	_, err = c.Finalize(req, evaluated, badProof)
	assert.Error(t, err, "altered proof")

	_, err = c.Finalize(req, evaluated[:2], proof)
	assert.ErrorContains(t, err, "answered 2 elements for 3")

	_, err = c.Finalize(req, evaluated, proof[:10])
	assert.ErrorContains(t, err, "proof is 10 bytes")
}

func TestEvaluateRefusesBadElements(t *testing.T) {
	srv := newServer(t, "p1")
	c := oprf.NewClient(srv.PublicKey())
	req, err := c.Blind(canonical(t, 2))
	require.NoError(t, err)
	good := req.Blinded[0]
	nonCanonical := bytes.Repeat([]byte{0xff}, oprf.ElementSize)
	cases := []struct {
		name string
		bad  []byte
		want error
	}{
		{"short", good[:31], oprf.ErrElementLength},
		{"long", append(bytes.Clone(good), 0), oprf.ErrElementLength},
		{"not canonical", nonCanonical, oprf.ErrElementEncoding},
		{"identity", make([]byte, oprf.ElementSize), oprf.ErrElementIdentity},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := srv.Evaluate([][]byte{good, tc.bad})
			var ee *oprf.ElementError
			require.True(t, errors.As(err, &ee), "got %v", err)
			assert.Equal(t, 1, ee.Index)
			assert.ErrorIs(t, err, tc.want)
		})
	}
	_, _, err = srv.Evaluate(nil)
	assert.ErrorIs(t, err, oprf.ErrEmptyBatch)
}

func TestPublicKeyText(t *testing.T) {
	srv := newServer(t, "p1")
	pk, err := oprf.ParsePublicKey(srv.PublicKey().String())
	require.NoError(t, err)
	assert.True(t, pk.Equal(srv.PublicKey()))
	for _, bad := range []string{"", "zz", "00", fmt.Sprintf("%064x", 0), "ff" + srv.PublicKey().String()[2:]} {
		_, err := oprf.ParsePublicKey(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func BenchmarkProtocol(b *testing.B) {
	srv := newServer(b, "p1")
	c := oprf.NewClient(srv.PublicKey())
	inputs := canonical(b, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := roundTrip(b, c, srv, inputs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(inputs))/b.Elapsed().Seconds(), "ids/s")
}
