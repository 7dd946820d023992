package pseudonym

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// norwegianIDs returns n distinct valid Norwegian numbers, in order.
func norwegianIDs(n int) []ID {
	out := make([]ID, 0, n)
	for day := 1; day <= 28 && len(out) < n; day++ {
		for month := 1; month <= 12 && len(out) < n; month++ {
			for yy := 0; yy < 100 && len(out) < n; yy++ {
				for ind := 0; ind < 500 && len(out) < n; ind++ {
					d := [9]int{day / 10, day % 10, month / 10, month % 10, yy / 10, yy % 10, ind / 100, ind / 10 % 10, ind % 10}
					k1, k2, ok := NorwegianCheckDigits(d)
					if !ok {
						continue
					}
					var digits [11]int
					copy(digits[:], d[:])
					digits[9], digits[10] = k1, k2
					id, r := Norway{}.parseDigits(&digits)
					if r != ReasonNone {
						panic("generated an invalid number")
					}
					out = append(out, id)
				}
			}
		}
	}
	return out
}

// Within a project a million distinct IDs get distinct serials (in the
// delivered 80-bit encoding), and two projects share no serial.
func TestSerialsDistinctAndUnlinkable(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	ids := norwegianIDs(n)
	require.Len(t, ids, n)
	k1, _ := GenerateKey(rand.Reader, "a", created)
	k2, _ := GenerateKey(rand.Reader, "b", created)
	s1, s2 := k1.Serials(SerialOptions{}), k2.Serials(SerialOptions{})
	seen := make(map[[EncodingBase32Bytes]byte]uint8, 2*n)
	for _, id := range ids {
		for p, s := range []*Serials{s1, s2} {
			var short [EncodingBase32Bytes]byte
			v := s.Compute(id)
			copy(short[:], v[:])
			prev, dup := seen[short]
			require.False(t, dup, "serial collision (project %d and %d)", prev, p)
			seen[short] = uint8(p)
		}
	}
}

func TestSchemesNeverCollide(t *testing.T) {
	// Two schemes' numbers are two persons, even where digits coincide:
	// the scheme code is part of the canonical form.
	k, _ := GenerateKey(rand.Reader, "a", created)
	s := k.Serials(SerialOptions{})
	dk, err := Parse(Denmark{}, "2110625629")
	require.NoError(t, err)
	se, err := Parse(Sweden{}, "188803200016")
	require.NoError(t, err)
	assert.NotEqual(t, s.Compute(dk), s.Compute(se))
	assert.NotEqual(t, dk.Compact(), se.Compact())
}

func TestCacheGivesSameSerials(t *testing.T) {
	k, _ := GenerateKey(rand.Reader, "a", created)
	plain := k.Serials(SerialOptions{})
	cached := k.Serials(SerialOptions{CacheSize: 64})
	ids := norwegianIDs(1000)
	for round := 0; round < 3; round++ {
		for i, id := range ids {
			require.Equal(t, plain.Compute(id), cached.Compute(id), "round %d id %d", round, i)
		}
	}
	hits, misses := cached.CacheStats()
	assert.Equal(t, uint64(3000), hits+misses)
	// Repeating each ID ten times in a row (an event register) hits.
	c2 := k.Serials(SerialOptions{CacheSize: 1024})
	for _, id := range ids {
		for r := 0; r < 10; r++ {
			c2.Compute(id)
		}
	}
	hits, misses = c2.CacheStats()
	assert.Equal(t, uint64(9000), hits)
	assert.Equal(t, uint64(1000), misses)
}

func TestCrosswalk(t *testing.T) {
	k, _ := GenerateKey(rand.Reader, "a", created)
	dnr, err := Parse(Norway{}, "45014054018")
	require.NoError(t, err)
	fnr, err := Parse(Norway{}, "15108695088")
	require.NoError(t, err)
	cw := MapCrosswalk{}
	cw.Add(dnr, fnr)
	s := k.Serials(SerialOptions{Crosswalk: cw})
	assert.Equal(t, s.Compute(fnr), s.Compute(dnr), "a replaced number gets the current number's serial")
	// A cycle does not hang.
	cw.Add(fnr, dnr)
	s.Compute(dnr)
}

func TestComputeArray(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	k, _ := GenerateKey(rand.Reader, "a", created)
	s := k.Serials(SerialOptions{CacheSize: 16})

	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues([]string{"15108695088", "15108695077", "", " 01010100158 "}, nil)
	sb.AppendNull()
	strs := sb.NewArray()
	defer strs.Release()

	ib := array.NewInt64Builder(mem)
	defer ib.Release()
	ib.AppendValues([]int64{15108695088, 1010100158, -1}, nil)
	ib.AppendNull()
	ints := ib.NewArray()
	defer ints.Release()

	want1, _ := Parse(Norway{}, "15108695088")
	want2, _ := Parse(Norway{}, "01010100158")

	serials := make([]Serial, 5)
	reasons := make([]Reason, 5)
	bad, err := s.ComputeArray(Norway{}, strs, serials, reasons)
	require.NoError(t, err)
	assert.Equal(t, 3, bad)
	assert.Equal(t, []Reason{ReasonNone, ReasonChecksum, ReasonEmpty, ReasonNone, ReasonEmpty}, reasons)
	assert.Equal(t, s.Compute(want1), serials[0])
	assert.Equal(t, s.Compute(want2), serials[3])
	assert.Equal(t, Serial{}, serials[1])

	bad, err = s.ComputeArray(Norway{}, ints, serials, reasons)
	require.NoError(t, err)
	assert.Equal(t, 2, bad)
	assert.Equal(t, []Reason{ReasonNone, ReasonNone, ReasonNotInteger, ReasonEmpty}, reasons[:4])
	assert.Equal(t, s.Compute(want2), serials[1], "an integer column gets its leading zero back")

	_, err = s.ComputeArray(Finland{}, ints, serials, reasons)
	assert.ErrorContains(t, err, "cannot read identity numbers from an integer column")
	_, err = s.ComputeArray(Norway{}, strs, serials[:2], reasons)
	assert.Error(t, err)
}

func TestComputeAllocatesNothing(t *testing.T) {
	k, _ := GenerateKey(rand.Reader, "a", created)
	s := k.Serials(SerialOptions{})
	id, _ := Parse(Norway{}, "15108695088")
	var sink Serial
	allocs := testing.AllocsPerRun(100, func() { sink = s.Compute(id) })
	assert.Zero(t, allocs)
	_ = sink
}

func TestEncodings(t *testing.T) {
	var s Serial
	for i := range s {
		s[i] = 0xff
	}
	assert.Equal(t, "ZZZZZZZZZZZZZZZZ", string(EncodingBase32.Append(nil, s)))
	assert.Equal(t, int64(1<<63-1), s.Int64())
	assert.Len(t, EncodingHex.Append(nil, s), 64)
	for _, name := range []string{"base32", "int64", "hex"} {
		e, err := ParseEncoding(name)
		require.NoError(t, err)
		assert.Equal(t, name, e.String())
	}
	_, err := ParseEncoding("rot13")
	assert.Error(t, err)
}

func TestShortHMAC(t *testing.T) {
	for _, keyLen := range []int{1, 32, 64, 65, 100} {
		key := make([]byte, keyLen)
		rand.Read(key)
		m := newShortHMAC(key)
		for n := 0; n <= 80; n++ {
			msg := make([]byte, n)
			rand.Read(msg)
			ref := hmac.New(sha256.New, key)
			ref.Write(msg)
			want := ref.Sum(nil)
			var got Serial
			m.sum(msg, &got)
			require.Equal(t, want, got[:], "key %d bytes, message %d bytes", keyLen, n)
			if n > 55 {
				continue
			}
			m.sumState(msg, &got)
			require.Equal(t, want, got[:], "hash state path: key %d bytes, message %d bytes", keyLen, n)
			if useSHANI {
				m.sumWords(msg, &got)
				require.Equal(t, want, got[:], "SHA-NI path: key %d bytes, message %d bytes", keyLen, n)
			}
		}
	}
	if !useSHANI {
		t.Log("no SHA-NI on this CPU: the SHA-NI path was not tested")
	}
}

// Adjacent repeats reuse the previous row's result; the counts and
// serials must be those of computing every row.
func TestComputeArrayRepeats(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	k, _ := GenerateKey(rand.Reader, "a", created)
	in := []string{"15108695088", "15108695088", "bad", "bad", "15108695088", "01010100158", "01010100158"}
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(in, nil)
	col := sb.NewArray()
	defer col.Release()
	serials := make([]Serial, len(in))
	reasons := make([]Reason, len(in))
	bad, err := k.Serials(SerialOptions{}).ComputeArray(Norway{}, col, serials, reasons)
	require.NoError(t, err)
	assert.Equal(t, 2, bad)
	ref := k.Serials(SerialOptions{})
	for i, s := range in {
		id, r := Norway{}.Parse([]byte(s))
		require.Equal(t, r, reasons[i], "row %d", i)
		if r == ReasonNone {
			assert.Equal(t, ref.Compute(id), serials[i], "row %d", i)
		}
	}
}

// Every column type ComputeArray accepts, ParseArray accepts too, with the
// same verdicts: an int32 column of IDs is not silently lost.
func TestParseArrayColumnTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	k, _ := GenerateKey(rand.Reader, "a", created)
	want, _ := Parse(Norway{}, "01010100158")

	i32 := array.NewInt32Builder(mem)
	i32.AppendValues([]int32{1010100158, 1010100158, -3}, nil)
	i32.AppendNull()
	ls := array.NewLargeStringBuilder(mem)
	ls.AppendValues([]string{"01010100158", "01010100158", "bad"}, nil)
	ls.AppendNull()
	for _, b := range []array.Builder{i32, ls} {
		col := b.NewArray()
		b.Release()
		ids := make([]ID, 4)
		reasons := make([]Reason, 4)
		bad, err := ParseArray(Norway{}, col, ids, reasons)
		require.NoError(t, err, "%s", col.DataType())
		assert.Equal(t, 2, bad)
		assert.Equal(t, want, ids[0])
		assert.Equal(t, want, ids[1])
		assert.Equal(t, ReasonEmpty, reasons[3])

		serials := make([]Serial, 4)
		bad, err = k.Serials(SerialOptions{}).ComputeArray(Norway{}, col, serials, reasons)
		require.NoError(t, err)
		assert.Equal(t, 2, bad)
		ref := k.Serials(SerialOptions{}).Compute(want)
		assert.Equal(t, ref, serials[0])
		assert.Equal(t, ref, serials[1], "%s: an adjacent repeat keeps its serial", col.DataType())
		col.Release()
	}
}
