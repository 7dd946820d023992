package linkage

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPersonStatsExact(t *testing.T) {
	s := newPersonStats()
	for i, c := range []int{3, 1, 7, 2} {
		for j := 0; j < c; j++ {
			s.addRows(uint64(i+1)*0x9e3779b97f4a7c15, 1)
		}
	}
	assert.False(t, s.estimated())
	assert.EqualValues(t, 4, s.persons())
	lo, med, hi := s.perPerson()
	assert.EqualValues(t, 1, lo)
	assert.Equal(t, 2.5, med)
	assert.EqualValues(t, 7, hi)
}

// Beyond the exact range, the estimate is within a few standard errors,
// the exact table is gone, and the sample is the expected 1/64.
func TestPersonStatsEstimate(t *testing.T) {
	if testing.Short() {
		t.Skip("3 million keys")
	}
	r := rand.New(rand.NewPCG(1, 2))
	s := newPersonStats()
	const n = 3_000_000
	for i := 0; i < n; i++ {
		k := r.Uint64()
		s.addRows(k, 1)
		if i%3 == 0 {
			s.addRows(k, 1) // a third of the persons have two rows
		}
	}
	require.True(t, s.estimated())
	assert.Nil(t, s.exact)
	got := float64(s.persons())
	assert.InDelta(t, n, got, n*0.03, "estimate %.0f for %d persons", got, n)
	lo, med, hi := s.perPerson()
	assert.EqualValues(t, 1, lo)
	assert.Equal(t, 1.0, med)
	assert.EqualValues(t, 2, hi)
	assert.InDelta(t, n/64, len(s.sample), n/64*0.05)
}
