package refdate

import (
	"crypto/sha256"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// BenchmarkReferenceSHA256Block: one SHA-256 compression, the unit the
// other figures are compared with in bench/RESULTS.md.
func BenchmarkReferenceSHA256Block(b *testing.B) {
	var in [32]byte
	for i := 0; i < b.N; i++ {
		in = sha256.Sum256(in[:])
	}
}

// BenchmarkOffset: deriving one person's offset.
func BenchmarkOffset(b *testing.B) {
	o, _ := NewOffsets(testKey(1), 182, false)
	serials := make([][]byte, 1024)
	for i := range serials {
		serials[i] = serialOf(uint64(i))
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		o.Offset(serials[i&1023])
	}
}

const benchRows = 64 * 1024

// eventSerials returns a batch's serials as an event register has them:
// each person's ten rows together.
func eventSerials(repeat int) [][]byte {
	s := make([][]byte, benchRows)
	for i := range s {
		s[i] = serialOf(uint64(i / repeat))
	}
	return s
}

// BenchmarkFill: offsets for a 64K-row batch; ns/row.
func BenchmarkFill(b *testing.B) {
	for _, tc := range []struct {
		name   string
		repeat int
	}{{"distinct", 1}, {"repeated10", 10}} {
		b.Run(tc.name, func(b *testing.B) {
			o, _ := NewOffsets(testKey(1), 182, false)
			serials := eventSerials(tc.repeat)
			dst := make([]int32, benchRows)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				o.cache = nil // every iteration starts cold
				o.Fill(dst, serials)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
		})
	}
}

// BenchmarkShift: shifting a 64K-row column with known offsets; ns/row.
func BenchmarkShift(b *testing.B) {
	mem := memory.NewGoAllocator()
	offsets := make([]int32, benchRows)
	for i := range offsets {
		offsets[i] = int32(i%300) - 150 | 1
	}
	db := array.NewDate32Builder(mem)
	sb := array.NewStringBuilder(mem)
	for i := 0; i < benchRows; i++ {
		d := int32(10000 + i%9000)
		db.Append(arrow.Date32(d))
		sb.Append(string(AppendDate(nil, d, LayoutISO, nil)))
	}
	cols := map[string]arrow.Array{"date32": db.NewArray(), "string": sb.NewArray()}
	s, _ := NewShifter(Options{})
	for _, name := range []string{"date32", "string"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out, _, err := s.ShiftArray(mem, cols[name], offsets)
				if err != nil {
					b.Fatal(err)
				}
				out.Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchRows), "ns/row")
		})
	}
}
