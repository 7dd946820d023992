package linkage

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/koble/koble/pseudonym"
)

// TestGuardFinderEveryScheme checks the guard's shortcuts (length, digit count)
// against the shortest ID of every scheme, alone and inside free text.
func TestGuardFinderEveryScheme(t *testing.T) {
	for _, c := range []struct {
		scheme pseudonym.Scheme
		id     string
	}{
		{pseudonym.Norway{}, "15108695088"},
		{pseudonym.Sweden{}, "880320-0016"},
		{pseudonym.Sweden{}, "8803200016"},
		{pseudonym.Denmark{}, "211062-5629"},
		{pseudonym.Denmark{}, "2110625629"},
		{pseudonym.Finland{}, "131052-308T"},
	} {
		f := guardFinder(c.scheme)
		assert.True(t, f.ContainsString(c.id), c.scheme.Code())
		assert.True(t, f.ContainsString("ring "+c.id+" i morgen"), c.scheme.Code())
		assert.False(t, f.ContainsString("Haukeland universitetssjukehus"), c.scheme.Code())
		assert.False(t, f.ContainsString("2019-03-04"), c.scheme.Code())
	}
}

// TestAddKeysCountsRuns checks that counting a batch's keys run by run
// gives what counting them one by one gives.
func TestAddKeysCountsRuns(t *testing.T) {
	keys := []uint64{5, 5, 5, 7, 5, 9, 9, 7}
	one, runs := newPersonStats(), newPersonStats()
	for _, k := range keys {
		one.addRows(k, 1)
	}
	runs.addKeys(keys)
	assert.Equal(t, one.exact, runs.exact)
	assert.Equal(t, map[uint64]uint32{5: 4, 7: 2, 9: 2}, runs.exact)
}
