package jobs

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// sealVectors is testdata/vectors/sealed-id.json (SPEC.md §7.1).
type sealVectors struct {
	SecretHex  string `json:"project_secret_hex"`
	SealKeyHex string `json:"seal_key_hex"`
	Persons    []struct {
		Canonical    string `json:"canonical"`
		SeriesKeyHex string `json:"series_key_hex"`
		SealedHex    string `json:"sealed_hex"`
	} `json:"persons"`
}

// TestSealVectors checks the sealing of sample persons against the
// vectors SPEC.md §7.1 describes (made from SPEC.md by a second
// implementation): the seal key, each person's series key, the sealed
// bytes, and that they open to the canonical ID again, and only beside
// their own series key.
func TestSealVectors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "vectors", "sealed-id.json"))
	require.NoError(t, err)
	var v sealVectors
	require.NoError(t, json.Unmarshal(b, &v))
	require.NotEmpty(t, v.Persons)
	secret, err := hex.DecodeString(v.SecretHex)
	require.NoError(t, err)
	key, err := pseudonym.NewKey("vectors", secret, time.Unix(0, 0))
	require.NoError(t, err)
	defer key.Close()
	assert.Equal(t, v.SealKeyHex, hex.EncodeToString(key.SealKey()))
	s, err := newSealer(key)
	require.NoError(t, err)
	serials := key.Serials(pseudonym.SerialOptions{})
	for i, p := range v.Persons {
		t.Run(p.Canonical, func(t *testing.T) {
			id, err := linkage.ParseStoredID([]byte(p.Canonical))
			require.NoError(t, err)
			ser := serials.Compute(id)
			k := linkage.SeriesKeyOf(&ser)
			assert.Equal(t, p.SeriesKeyHex, hex.EncodeToString(k[:]))
			sealed := s.seal(k, id)
			assert.Equal(t, p.SealedHex, hex.EncodeToString(sealed))
			opened, err := s.open(k, sealed)
			require.NoError(t, err)
			assert.Equal(t, p.Canonical, string(opened.AppendCanonical(nil)))
			other := k
			other[15] ^= 1 // another person's series key, same nonce
			_, err = s.open(other, sealed)
			assert.Error(t, err, "person %d", i)
		})
	}
}
