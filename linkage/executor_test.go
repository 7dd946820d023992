package linkage

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunOrderedKeepsOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		i := 0
		next := func() (int, bool, error) {
			if i == 500 {
				return 0, false, nil
			}
			i++
			return i, true, nil
		}
		work := func(_ int, v int) (int, error) {
			time.Sleep(time.Duration(rand.IntN(50)) * time.Microsecond)
			return v * 2, nil
		}
		var got []int
		err := runOrdered(context.Background(), workers, next, work, func(v int) error { got = append(got, v); return nil }, func(int) {})
		require.NoError(t, err)
		require.Len(t, got, 500)
		for k, v := range got {
			require.Equal(t, 2*(k+1), v)
		}
	}
}

func TestRunOrderedErrors(t *testing.T) {
	boom := errors.New("boom")
	var inFlight, maxInFlight atomic.Int64
	i := 0
	next := func() (int, bool, error) {
		i++
		if i > 10_000 {
			return 0, false, nil
		}
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		return i, true, nil
	}
	var discarded atomic.Int64
	work := func(_ int, v int) (int, error) {
		if v == 100 {
			return 0, boom
		}
		return v, nil
	}
	sink := func(int) error { inFlight.Add(-1); return nil }
	err := runOrdered(context.Background(), 3, next, work, sink, func(int) { inFlight.Add(-1); discarded.Add(1) })
	require.ErrorIs(t, err, boom)
	assert.Less(t, i, 10_000, "stopped taking items")
	assert.LessOrEqual(t, maxInFlight.Load(), int64(2*3+1), "memory bounded by the window")

	// A sink error stops the run too.
	i = 0
	err = runOrdered(context.Background(), 2, next, func(_ int, v int) (int, error) { return v, nil },
		func(v int) error {
			if v == 5 {
				return boom
			}
			return nil
		}, func(int) {})
	require.ErrorIs(t, err, boom)

	// A cancelled context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	i = 0
	err = runOrdered(ctx, 2, next, func(_ int, v int) (int, error) { return v, nil }, func(int) error { return nil }, func(int) {})
	require.ErrorIs(t, err, context.Canceled)
}
