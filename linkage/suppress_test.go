package linkage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withheld(cs []Count) []bool {
	out := make([]bool, len(cs))
	for i, c := range cs {
		out[i] = c.Suppressed
	}
	return out
}

// TestSuppressRows: a source's rows read = written + quarantined + not in
// sample; a small quarantine count alone would follow from the others, so
// the smallest other part is withheld too.
func TestSuppressRows(t *testing.T) {
	var tab countTable
	read, written, quar, notSample := tab.add(3000), tab.add(11), tab.add(4), tab.add(2985)
	tab.sum(read, written, quar, notSample)
	pub := tab.publish(5)
	got := withheld(pub)
	assert.True(t, got[quar], "4 < 5: withheld")
	assert.True(t, got[written], "the smallest other part, withheld so that 4 does not follow")
	assert.False(t, got[read])
	assert.False(t, got[notSample])
	assert.Equal(t, -1, tab.derivable(got), "no withheld count follows from the shown ones")
	require.NotNil(t, pub[read].Value)
	assert.EqualValues(t, 3000, *pub[read].Value)
	assert.Nil(t, pub[quar].Value)

	// With k = 3, 4 is shown and nothing is withheld.
	for i, c := range tab.publish(3) {
		assert.False(t, c.Suppressed, "cell %d", i)
	}
}

// TestSuppressZero: zero is no person and is shown; a count below k with
// only zeros beside it in a sum is still hidden (its total is withheld).
func TestSuppressZero(t *testing.T) {
	var tab countTable
	read, written, quar, notSample := tab.add(2), tab.add(2), tab.add(0), tab.add(0)
	tab.sum(read, written, quar, notSample)
	got := withheld(tab.publish(5))
	assert.True(t, got[read])
	assert.True(t, got[written])
	assert.Equal(t, -1, tab.derivable(got))
}

// TestSuppressCrossTable: a 2x2 table with row, column and grand totals,
// as in the textbooks: one small interior cell needs three more withheld
// (its row, its column and the opposite corner), and none follows from
// the margins.
func TestSuppressCrossTable(t *testing.T) {
	var tab countTable
	a, b, c, d := tab.add(2), tab.add(40), tab.add(30), tab.add(50)
	r1, r2, c1, c2, total := tab.add(42), tab.add(80), tab.add(32), tab.add(90), tab.add(122)
	tab.sum(r1, a, b)
	tab.sum(r2, c, d)
	tab.sum(c1, a, c)
	tab.sum(c2, b, d)
	tab.sum(total, r1, r2)
	got := withheld(tab.publish(5))
	assert.True(t, got[a])
	assert.Equal(t, -1, tab.derivable(got), "no withheld count follows")
	n := 0
	for _, s := range got {
		if s {
			n++
		}
	}
	assert.GreaterOrEqual(t, n, 4, "a withheld interior cell needs at least four withheld in a 2x2 table")
	assert.False(t, got[total], "the grand total stays")
}

// TestCheckSuppressBelow: only the presets.
func TestCheckSuppressBelow(t *testing.T) {
	for _, k := range SuppressionPresets {
		assert.NoError(t, CheckSuppressBelow(k))
	}
	for _, k := range []int{0, 1, 4, 11} {
		assert.ErrorContains(t, CheckSuppressBelow(k), "output.suppress_below")
	}
}
