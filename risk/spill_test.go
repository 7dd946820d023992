package risk

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSpill checks the spill against plain sets over enough pairs to fill
// many buffers and partitions, with persons growing interleaved, in memory
// and on disk.
func TestSpill(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testSpill(t, 16, false) })
	t.Run("disk", func(t *testing.T) { testSpill(t, 16, true) })
	t.Run("bound", func(t *testing.T) { testSpill(t, 254, true) })
}

func testSpill(t *testing.T, bound int, disk bool) {
	rng := rand.New(rand.NewPCG(3, 4))
	dir := t.TempDir()
	limit := tapeMemory
	if disk {
		limit = 1
	}
	s := newSpill(bound, dir, limit)
	s.part, s.chunk = 1024, 256
	persons, values := 5_000, 24
	if bound == 254 {
		persons, values = 400, 300
	}
	want := make([][]uint32, persons)
	for range persons {
		s.addPerson()
	}
	for range 200_000 {
		p := rng.IntN(persons)
		v := uint32(rng.IntN(values))
		require.NoError(t, s.add(uint32(p), v))
		if !slices.Contains(want[p], v) {
			want[p] = append(want[p], v)
		}
	}
	require.NoError(t, s.finish())
	require.Equal(t, disk, s.persons.onDisk())
	over := 0
	seen := 0
	require.NoError(t, s.each(func(p uint32, block []uint32, overflow bool) {
		require.Equal(t, int(p), seen)
		seen++
		w := slices.Sorted(slices.Values(want[p]))
		if len(w) > bound {
			require.True(t, overflow, "person %d", p)
			over++
			return
		}
		require.False(t, overflow)
		if len(w) == 0 {
			require.Empty(t, block)
			return
		}
		require.Equal(t, w, block, "person %d", p)
	}))
	require.Equal(t, persons, seen)
	require.Equal(t, over, s.overflowed)
	if bound == 254 {
		require.NotZero(t, over, "some persons must pass the bound")
	}
	require.NoError(t, s.close())
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Empty(t, left, "temporary files removed")
}

// TestSpillTruncated: a temporary file cut short is an error, not a
// wrong figure.
func TestSpillTruncated(t *testing.T) {
	s := newSpill(16, t.TempDir(), 1)
	for p := range 100 {
		s.addPerson()
		require.NoError(t, s.add(uint32(p), 7))
	}
	require.NoError(t, s.finish())
	require.NoError(t, s.persons.f.Truncate(s.persons.size-3))
	err := s.each(func(uint32, []uint32, bool) {})
	require.ErrorContains(t, err, "reading back what was kept per person")
	require.NoError(t, s.close())
}
