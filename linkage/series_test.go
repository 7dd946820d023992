package linkage

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/vectors/series.json (then review the diff!)")

type seriesVector struct {
	Secret  string         `json:"project_secret_hex"`
	IDs     []string       `json:"canonical_ids"`
	Numbers map[string]int `json:"numbers"`
}

const seriesVectorsPath = "../testdata/vectors/series.json"

// TestSeriesVectors checks SPEC.md §7's numbering against known answers.
func TestSeriesVectors(t *testing.T) {
	v := seriesVector{
		Secret: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		IDs:    []string{"no:15108695088", "no:45014054018", "no:82314251357", "no:01010100158", "se:198803200016", "dk:2110625629", "fi:131052-308T"},
	}
	secret, _ := hex.DecodeString(v.Secret)
	key, err := pseudonym.NewKey("vectors", secret, time.Unix(0, 0))
	require.NoError(t, err)
	serials := key.Serials(pseudonym.SerialOptions{})
	b := newSeriesBuilder()
	for _, c := range v.IDs {
		scheme, _ := pseudonym.SchemeByCode(c[:2])
		if c[:2] == "se" {
			scheme = pseudonym.Sweden{Reference: pseudonym.Date{Year: 2026, Month: time.January, Day: 1}}
		}
		id, err := pseudonym.Parse(scheme, c[3:])
		require.NoError(t, err)
		s := serials.Compute(id)
		b.add(&s, id)
	}
	s := b.build(key.OrderKey(), nil)
	got := map[string]int{}
	for k, n := range s.numbers {
		got[string(s.ids[k].AppendCanonical(nil))] = int(n)
	}
	if *updateVectors {
		v.Numbers = got
		out, _ := json.MarshalIndent(v, "", "  ")
		require.NoError(t, os.WriteFile(seriesVectorsPath, append(out, '\n'), 0o644))
	}
	raw, err := os.ReadFile(seriesVectorsPath)
	require.NoError(t, err)
	var want seriesVector
	require.NoError(t, json.Unmarshal(raw, &want))
	assert.Equal(t, want.Numbers, got)

	// The serial key file round-trips, and belongs to its project.
	id, _ := age.GenerateX25519Identity()
	var buf bytes.Buffer
	require.NoError(t, s.WriteSerialKey(&buf, "vectors", id.Recipient()))
	back, err := ReadSerialKey(bytes.NewReader(buf.Bytes()), "vectors", key.Serials(pseudonym.SerialOptions{}), id)
	require.NoError(t, err)
	assert.Equal(t, s.numbers, back.numbers)
	_, err = ReadSerialKey(bytes.NewReader(buf.Bytes()), "other", key.Serials(pseudonym.SerialOptions{}), id)
	assert.ErrorContains(t, err, "belongs to another project")
	other, _ := age.GenerateX25519Identity()
	_, err = ReadSerialKey(bytes.NewReader(buf.Bytes()), "vectors", key.Serials(pseudonym.SerialOptions{}), other)
	assert.ErrorContains(t, err, "wrong identity")
	tampered := append([]byte(nil), buf.Bytes()...)
	tampered[len(tampered)-5] ^= 1
	_, err = ReadSerialKey(bytes.NewReader(tampered), "vectors", key.Serials(pseudonym.SerialOptions{}), id)
	assert.Error(t, err)
}
