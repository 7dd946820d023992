package risk

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStore checks the block store against plain slices over enough
// pairs to fill several arena pages, with persons growing interleaved.
func TestStore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const persons = 60_000
	s := newStore(16, false)
	want := make([][]uint32, persons)
	for range persons {
		s.addPerson()
	}
	over := map[int]bool{}
	for range 1_500_000 {
		p := rng.IntN(persons)
		tup := uint32(rng.IntN(24))
		s.add(uint32(p), tup)
		if over[p] || slices.Contains(want[p], tup) {
			continue
		}
		if len(want[p]) == 16 {
			over[p] = true
			continue
		}
		want[p] = append(want[p], tup)
	}
	require.Greater(t, len(s.pages), 1, "the test must cross pages")
	require.Equal(t, len(over), s.overflowed)
	for p := range persons {
		require.Equal(t, over[p], s.overflow(uint32(p)), "person %d", p)
		got := s.block(uint32(p))
		if len(want[p]) == 0 {
			require.Empty(t, got)
			continue
		}
		require.Equal(t, want[p], got, "person %d", p)
	}
}

func TestStoreFirst(t *testing.T) {
	s := newStore(64, true)
	p := s.addPerson()
	for _, x := range []uint32{7, 3, 7, 9} {
		s.add(p, x)
	}
	require.Equal(t, []uint32{7}, s.block(p))
	require.False(t, s.overflow(p))
}
