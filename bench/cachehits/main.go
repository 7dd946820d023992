// Command cachehits reads the ID column (fnr) of a register and counts how
// many rows a direct-mapped cache of 2^k slots, keyed by the ID, would
// answer, for several k, as the serial and date-offset caches of koble
// prepare are. A row equal to the previous one counts as a repeat, not a
// hit. bench/RESULTS.md quotes it for the sizes of those caches.
//
//	go run ./bench/cachehits /tmp/bb/data-scattered-string/patient.parquet
package main

import (
	"fmt"
	"hash/maphash"
	"os"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/koble/koble/formats"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: cachehits REGISTER.parquet")
		os.Exit(2)
	}
	r, err := formats.Open(os.Args[1], formats.ReadOptions{Columns: []string{"fnr"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cachehits:", err)
		os.Exit(1)
	}
	defer r.Close()
	var ids []string
	for r.Next() {
		c, ok := r.RecordBatch().Column(0).(*array.String)
		if !ok {
			fmt.Fprintln(os.Stderr, "cachehits: fnr is not a string column")
			os.Exit(1)
		}
		for i := range c.Len() {
			ids = append(ids, c.Value(i))
		}
	}
	if err := r.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "cachehits:", err)
		os.Exit(1)
	}
	seed := maphash.MakeSeed()
	for _, bits := range []int{14, 16, 18, 20, 22} {
		slots := make([]string, 1<<bits)
		hits, repeats, prev := 0, 0, ""
		for _, id := range ids {
			if id == prev {
				repeats++
				continue
			}
			prev = id
			h := maphash.String(seed, id) & uint64(len(slots)-1)
			if slots[h] == id {
				hits++
			} else {
				slots[h] = id
			}
		}
		fmt.Printf("%d rows, 2^%d slots: %.1f%% repeats of the previous row, %.1f%% cache hits\n",
			len(ids), bits, 100*float64(repeats)/float64(len(ids)), 100*float64(hits)/float64(len(ids)))
	}
}
