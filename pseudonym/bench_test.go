package pseudonym

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkReferenceSHA256Block is the unit every serial figure is quoted
// in: one SHA-256 block compression (sha256.Sum256 of 32 bytes pads to one
// 64-byte block).
func BenchmarkReferenceSHA256Block(b *testing.B) {
	var in [32]byte
	b.SetBytes(64)
	defer cpuTimer(b, "op", 1)()
	for i := 0; i < b.N; i++ {
		in = sha256.Sum256(in[:])
	}
}

func BenchmarkParse(b *testing.B) {
	for _, tc := range []struct {
		scheme Scheme
		in     string
	}{
		{Norway{}, "15108695088"},
		{Sweden{}, "880320-0016"},
		{Denmark{}, "211062-5629"},
		{Finland{}, "131052-308T"},
	} {
		b.Run(tc.scheme.Code(), func(b *testing.B) {
			in := []byte(tc.in)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				tc.scheme.Parse(in)
			}
		})
	}
}

// BenchmarkSerial: one op is one ID, end to end (parse from bytes, HMAC,
// base32 encoding).
func BenchmarkSerial(b *testing.B) {
	key, _ := GenerateKey(rand.Reader, "bench", created)
	ids := norwegianIDs(1 << 16)
	texts := make([][]byte, len(ids))
	for i, id := range ids {
		texts[i] = id.AppendCanonical(nil)[3:]
	}
	run := func(b *testing.B, s *Serials, repeat int) {
		var out []byte
		b.ReportAllocs()
		b.ResetTimer()
		defer cpuTimer(b, "op", 1)()
		for i := 0; i < b.N; i++ {
			id, _ := Norway{}.Parse(texts[(i/repeat)%len(texts)])
			out = EncodingBase32.Append(out[:0], s.Compute(id))
		}
	}
	b.Run("distinct", func(b *testing.B) { run(b, key.Serials(SerialOptions{}), 1) })
	b.Run("repeated10/cache", func(b *testing.B) { run(b, key.Serials(SerialOptions{CacheSize: 1 << 16}), 10) })
	b.Run("repeated10/nocache", func(b *testing.B) { run(b, key.Serials(SerialOptions{}), 10) })
}

// BenchmarkComputeArray: one op is one batch; ns/op divided by the batch
// size is the cost of one ID.
func BenchmarkComputeArray(b *testing.B) {
	key, _ := GenerateKey(rand.Reader, "bench", created)
	ids := norwegianIDs(1 << 16)
	for _, tc := range []struct {
		name         string
		size, repeat int
		cache        int
	}{
		{"distinct/1K", 1 << 10, 1, 0},
		{"distinct/64K", 1 << 16, 1, 0},
		// An event register: each person's ten rows together.
		{"repeated10-adjacent/64K", 1 << 16, 10, 0},
		// The same persons, rows shuffled: only the cache helps.
		{"repeated10-shuffled/64K/cache", 1 << 16, -10, 1 << 14},
		{"repeated10-shuffled/64K/nocache", 1 << 16, -10, 0},
	} {
		size := tc.size
		b.Run(tc.name, func(b *testing.B) {
			sb := array.NewStringBuilder(memory.DefaultAllocator)
			persons := size / max(1, abs(tc.repeat))
			for i := 0; i < size; i++ {
				p := i
				switch {
				case tc.repeat > 1:
					p = i / tc.repeat
				case tc.repeat < -1:
					p = int(uint32(i)*2654435761) % persons
				}
				sb.Append(string(ids[p%len(ids)].AppendCanonical(nil)[3:]))
			}
			col := sb.NewArray()
			defer col.Release()
			s := key.Serials(SerialOptions{CacheSize: tc.cache})
			serials := make([]Serial, size)
			reasons := make([]Reason, size)
			b.ReportAllocs()
			b.ResetTimer()
			stop := cpuTimer(b, "id", size)
			for i := 0; i < b.N; i++ {
				s.ComputeArray(Norway{}, col, serials, reasons)
			}
			stop()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*size), "ns/id")
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// BenchmarkHMAC: the HMAC of one canonical ID, the standard library's
// (with precomputed pads, Reset/Write/Sum) beside the hand-padded
// two-compression one that Serials uses.
func BenchmarkHMAC(b *testing.B) {
	key := make([]byte, 32)
	msg := []byte("no:15108695088")
	b.Run("stdlib", func(b *testing.B) {
		m := hmac.New(sha256.New, key)
		out := make([]byte, 0, sha256.Size)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m.Reset()
			m.Write(msg)
			out = m.Sum(out[:0])
		}
	})
	// short is what Serials runs (with SHA-NI where the CPU has it),
	// short-state the same two compressions through the hash object's
	// state (the path without SHA-NI).
	m := newShortHMAC(key)
	for _, tc := range []struct {
		name string
		sum  func([]byte, *Serial)
	}{{"short", m.sum}, {"short-state", m.sumState}} {
		b.Run(tc.name, func(b *testing.B) {
			var out Serial
			b.ReportAllocs()
			defer cpuTimer(b, "op", 1)()
			for i := 0; i < b.N; i++ {
				tc.sum(msg, &out)
			}
		})
	}
}
