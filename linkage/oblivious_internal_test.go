package linkage

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym/oprf"
)

type oprfSeriesVector struct {
	Secret  string            `json:"project_secret_hex"`
	IDs     []string          `json:"canonical_ids"`
	Outputs map[string]string `json:"output_hex"`
	Ranks   map[string]string `json:"ranks"`
	Numbers map[string]int    `json:"numbers"`
	Next    nextDelivery      `json:"next_delivery"`
}

const oprfSeriesVectorsPath = "../testdata/vectors/oprf-series.json"

// TestOPRFSeriesVectors checks SPEC.md §9.8's numbering against known
// answers: the key holder's direct evaluation gives the outputs, the
// ranks and the numbers a linker obtains through the service.
func TestOPRFSeriesVectors(t *testing.T) {
	v := oprfSeriesVector{Secret: vectorSecret, IDs: vectorIDs}
	v.Next.IDs = vectorNextIDs
	srv, err := oprf.NewServer(vectorKey(t))
	require.NoError(t, err)
	v.Outputs, v.Ranks = map[string]string{}, map[string]string{}
	sample := func(ids []string) map[string]obliviousPerson {
		out := map[string]obliviousPerson{}
		for _, c := range ids {
			id, err := ParseStoredID([]byte(c))
			require.NoError(t, err)
			o, err := srv.Output([]byte(c))
			require.NoError(t, err)
			out[c] = obliviousPerson{id: id, serial: o.Serial(), rank: o.Rank()}
			v.Outputs[c], v.Ranks[c] = hex.EncodeToString(o), strconv.FormatUint(o.Rank(), 10)
		}
		return out
	}
	numbers := func(s *Series) map[string]int {
		got := map[string]int{}
		for k, n := range s.numbers {
			got[string(s.ids[k].AppendCanonical(nil))] = int(n)
		}
		return got
	}
	first, _ := numberOblivious(sample(v.IDs), nil)
	v.Numbers = numbers(first)
	var prev []numbered
	for k, n := range first.numbers {
		prev = append(prev, numbered{n, first.ids[k]})
	}
	nextSample := sample(v.Next.IDs)
	next, src := numberOblivious(nextSample, prev)
	v.Next.Numbers = numbers(next)
	for c, person := range nextSample {
		n, ok := next.Number(&person.serial)
		require.True(t, ok, "a person of the sample is numbered")
		assert.Equal(t, v.Next.Numbers[c], int(n))
		assert.Equal(t, person.serial, src.serials[c])
		v.Next.Delivered = append(v.Next.Delivered, c)
	}
	sort.Strings(v.Next.Delivered)
	assert.Len(t, v.Next.Numbers, len(v.IDs)+3, "the previous file's persons keep their numbers, absent or not")
	if *updateVectors {
		out, _ := json.MarshalIndent(v, "", "  ")
		require.NoError(t, os.WriteFile(oprfSeriesVectorsPath, append(out, '\n'), 0o644))
	}
	raw, err := os.ReadFile(oprfSeriesVectorsPath)
	require.NoError(t, err)
	var want oprfSeriesVector
	require.NoError(t, json.Unmarshal(raw, &want))
	assert.Equal(t, want, v)
}
