// Command serialcodec measures what writing a column of keyed serials to
// Parquet costs under several encodings and codecs: 2^20 rows of base32
// (or, with the argument "hex", hex) serials of persons drawn from a
// million, one row group, on one core. It prints, per variant and round,
// wall time, the process's CPU time and the bytes per row, in rounds that
// interleave the variants. bench/RESULTS.md quotes it for
// formats.WriteOptions.HighEntropyColumns.
//
//	go run ./bench/serialcodec [hex]
package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/koble/koble/pseudonym"
)

const rows = 1 << 20

type variant struct {
	name  string
	props []parquet.WriterProperty
}

func plain(codec compress.Compression, more ...parquet.WriterProperty) []parquet.WriterProperty {
	return append([]parquet.WriterProperty{parquet.WithCompression(codec), parquet.WithDictionaryDefault(false)}, more...)
}

var variants = []variant{
	{"dictionary+zstd (default)", []parquet.WriterProperty{parquet.WithCompression(compress.Codecs.Zstd)}},
	{"plain+zstd", plain(compress.Codecs.Zstd)},
	{"plain+zstd fastest", plain(compress.Codecs.Zstd, parquet.WithCompressionLevel(1))},
	{"plain+none", plain(compress.Codecs.Uncompressed)},
	{"plain+snappy", plain(compress.Codecs.Snappy)},
	{"plain+lz4raw", plain(compress.Codecs.Lz4Raw)},
	{"plain+none, no stats", plain(compress.Codecs.Uncompressed, parquet.WithStats(false))},
	{"plain+zstd fastest, no stats", plain(compress.Codecs.Zstd, parquet.WithCompressionLevel(1), parquet.WithStats(false))},
	{"plain+zstd, no stats", plain(compress.Codecs.Zstd, parquet.WithStats(false))},
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func serials(enc pseudonym.Encoding) (*arrow.Schema, []arrow.RecordBatch) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "serial", Type: arrow.BinaryTypes.String}}, nil)
	r := rand.New(rand.NewPCG(1, 2))
	var batches []arrow.RecordBatch
	for range rows / 65536 {
		b := array.NewStringBuilder(memory.DefaultAllocator)
		for range 65536 {
			person := rand.New(rand.NewPCG(r.Uint64N(1_000_000), 7))
			var s pseudonym.Serial
			for j := range s {
				s[j] = byte(person.Uint32())
			}
			b.Append(string(enc.Append(nil, s)))
		}
		a := b.NewArray()
		batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{a}, 65536))
		a.Release()
		b.Release()
	}
	return schema, batches
}

func main() {
	runtime.GOMAXPROCS(1)
	enc := pseudonym.EncodingBase32
	if len(os.Args) > 1 && os.Args[1] == "hex" {
		enc = pseudonym.EncodingHex
	}
	schema, batches := serials(enc)
	for round := range 3 {
		for _, v := range variants {
			var buf bytes.Buffer
			props := parquet.NewWriterProperties(append([]parquet.WriterProperty{parquet.WithMaxRowGroupLength(rows)}, v.props...)...)
			runtime.GC()
			t0, c0 := time.Now(), cpuSeconds()
			fw, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
			if err != nil {
				panic(err)
			}
			for _, b := range batches {
				if err := fw.WriteBuffered(b); err != nil {
					panic(err)
				}
			}
			if err := fw.Close(); err != nil {
				panic(err)
			}
			fmt.Printf("round %d | %s | %-30s | wall %.3f s | cpu %.3f s | %.1f bytes/row\n", round+1, enc, v.name,
				time.Since(t0).Seconds(), cpuSeconds()-c0, float64(buf.Len())/rows)
		}
	}
}
