package linkage

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/vectors/series.json (then review the diff!)")

type seriesVector struct {
	Secret  string            `json:"project_secret_hex"`
	IDs     []string          `json:"canonical_ids"`
	Ranks   map[string]string `json:"ranks"`
	Numbers map[string]int    `json:"numbers"`
	Next    nextDelivery      `json:"next_delivery"`
}

// nextDelivery is the numbering of a later delivery with the first
// delivery's serial key file as the previous one: a smaller sample with
// new persons.
type nextDelivery struct {
	IDs       []string       `json:"canonical_ids"`
	Numbers   map[string]int `json:"numbers"`
	Delivered []string       `json:"delivered"`
}

const seriesVectorsPath = "../testdata/vectors/series.json"

// The inputs of the series vectors (SPEC.md §7 and §9.8): a project
// secret, a first sample, and a later sample with the first numbering as
// the previous serial key file (some persons absent, some new).
const vectorSecret = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var (
	vectorIDs     = []string{"no:15108695088", "no:45014054018", "no:82314251357", "no:01010100158", "se:198803200016", "dk:2110625629", "fi:131052-308T"}
	vectorNextIDs = []string{"no:15108695088", "se:198803200016", "fi:131052-308T", "no:11111598403", "no:18061592527", "no:10048744732"}
)

// vectorKey is the project key of the series vectors.
func vectorKey(t *testing.T) *pseudonym.Key {
	secret, _ := hex.DecodeString(vectorSecret)
	key, err := pseudonym.NewKey("vectors", secret, time.Unix(0, 0))
	require.NoError(t, err)
	return key
}

// TestSeriesVectors checks SPEC.md §7's numbering against known answers.
func TestSeriesVectors(t *testing.T) {
	v := seriesVector{Secret: vectorSecret, IDs: vectorIDs}
	v.Next.IDs = vectorNextIDs
	key := vectorKey(t)
	serials := key.Serials(pseudonym.SerialOptions{})
	sample := func(ids []string) *seriesBuilder {
		b := newSeriesBuilder()
		for _, c := range ids {
			scheme, _ := pseudonym.SchemeByCode(c[:2])
			id, err := pseudonym.Parse(scheme, c[3:])
			require.NoError(t, err)
			s := serials.Compute(id)
			b.add(&s, id)
		}
		return b
	}
	numbers := func(s *Series) map[string]int {
		got := map[string]int{}
		for k, n := range s.numbers {
			got[string(s.ids[k].AppendCanonical(nil))] = int(n)
		}
		return got
	}
	s := sample(v.IDs).build(key.OrderKey(), nil)
	v.Numbers = numbers(s)
	v.Ranks = map[string]string{}
	for k, id := range s.ids {
		mac := hmac.New(sha256.New, key.OrderKey())
		mac.Write(k[:])
		v.Ranks[string(id.AppendCanonical(nil))] = strconv.FormatUint(binary.BigEndian.Uint64(mac.Sum(nil)), 10)
	}
	next := sample(v.Next.IDs).build(key.OrderKey(), s)
	v.Next.Numbers = numbers(next)
	for _, id := range next.ids {
		ser := serials.Compute(id)
		if _, ok := next.Number(&ser); ok {
			v.Next.Delivered = append(v.Next.Delivered, string(id.AppendCanonical(nil)))
		}
	}
	sort.Strings(v.Next.Delivered)
	if *updateVectors {
		out, _ := json.MarshalIndent(v, "", "  ")
		require.NoError(t, os.WriteFile(seriesVectorsPath, append(out, '\n'), 0o644))
	}
	raw, err := os.ReadFile(seriesVectorsPath)
	require.NoError(t, err)
	var want seriesVector
	require.NoError(t, json.Unmarshal(raw, &want))
	assert.Equal(t, want, v)

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
	assert.ErrorContains(t, err, "wrong passphrase or identity")
	for _, bad := range []string{"1,no:15108695088\n1,no:45014054018\n", "01,no:15108695088\n", "+1,no:15108695088\n"} {
		var kb bytes.Buffer
		w, err := age.Encrypt(&kb, id.Recipient())
		require.NoError(t, err)
		_, _ = w.Write([]byte("koble-serial-key-file: 1\nproject: vectors\n" + bad))
		require.NoError(t, w.Close())
		_, err = ReadSerialKey(&kb, "vectors", key.Serials(pseudonym.SerialOptions{}), id)
		assert.Error(t, err, "%q", bad)
		assert.NotContains(t, err.Error(), "15108695088")
	}
	tampered := append([]byte(nil), buf.Bytes()...)
	tampered[len(tampered)-5] ^= 1
	_, err = ReadSerialKey(bytes.NewReader(tampered), "vectors", key.Serials(pseudonym.SerialOptions{}), id)
	assert.Error(t, err)
}
