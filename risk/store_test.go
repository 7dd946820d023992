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
	t.Run("16", func(t *testing.T) { testStore(t, 16, 60_000, 24) })
	t.Run("254", func(t *testing.T) { testStore(t, 254, 2_000, 300) })
}

func testStore(t *testing.T, bound, persons, values int) {
	rng := rand.New(rand.NewPCG(3, 4))
	s := newStore(bound, false)
	want := make([][]uint32, persons)
	for range persons {
		s.addPerson()
	}
	over := map[int]bool{}
	for range 1_500_000 {
		p := rng.IntN(persons)
		tup := uint32(rng.IntN(values))
		s.add(uint32(p), tup)
		if over[p] || slices.Contains(want[p], tup) {
			continue
		}
		if len(want[p]) == bound {
			over[p] = true
			continue
		}
		want[p] = append(want[p], tup)
	}
	if bound == 16 {
		require.Greater(t, len(s.pages), 1, "the test must cross pages")
	} else {
		require.NotZero(t, s.overflowed, "some persons must pass the bound")
	}
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
