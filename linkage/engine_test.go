package linkage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/pseudonym"
)

// TestSeriesHooks checks the hooks another engine numbers a sample with:
// NewSeries numbers as Link does, the encoding keeps every number and
// every absent person, and ParseStoredID reads the canonical form back.
func TestSeriesHooks(t *testing.T) {
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	key, err := pseudonym.NewKey("hooks", secret, time.Unix(0, 0))
	require.NoError(t, err)
	serials := key.Serials(pseudonym.SerialOptions{})
	var keys [][16]byte
	var ids []pseudonym.ID
	var sers []pseudonym.Serial
	b := newSeriesBuilder()
	for _, raw := range testids.Norwegian(50) {
		id, err := pseudonym.Parse(pseudonym.Norway{AllowSynthetic: true}, raw)
		require.NoError(t, err)
		s := serials.Compute(id)
		b.add(&s, id)
		keys, ids, sers = append(keys, SeriesKeyOf(&s)), append(ids, id), append(sers, s)
	}
	prev := newSeriesBuilder()
	for i := 40; i < 50; i++ {
		prev.add(&sers[i], ids[i])
	}
	previous := prev.build(key.OrderKey(), nil)
	want := b.build(key.OrderKey(), nil)
	got := NewSeries(keys, ids, key.OrderKey(), nil)
	assert.Equal(t, want.numbers, got.numbers)

	// A later delivery: the first 45 persons, the previous 10 keep theirs.
	later := NewSeries(keys[:45], ids[:45], key.OrderKey(), previous)
	enc, err := later.MarshalBinary()
	require.NoError(t, err)
	var back Series
	require.NoError(t, back.UnmarshalBinary(enc))
	assert.Equal(t, later.Len(), back.Len())
	for i := range sers {
		n, ok := later.Number(&sers[i])
		m, ok2 := back.Number(&sers[i])
		assert.Equal(t, ok, ok2)
		assert.Equal(t, n, m)
		assert.Equal(t, i < 45, ok, "person %d", i)
	}
	assert.Error(t, back.UnmarshalBinary(enc[:len(enc)-1]))

	for _, id := range ids[:5] {
		parsed, err := ParseStoredID(id.AppendCanonical(nil))
		require.NoError(t, err)
		assert.Equal(t, id.Compact(), parsed.Compact())
	}
	for _, bad := range []string{"no15108695088", "xx:15108695088", "no:15108695089"} {
		_, err := ParseStoredID([]byte(bad))
		require.Error(t, err, bad)
		assert.NotContains(t, err.Error(), "1510869508")
	}
}
