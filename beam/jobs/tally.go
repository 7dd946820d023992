package jobs

import (
	"bytes"
	"encoding/gob"
	"sort"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/linkage"
)

// tally is what preparing one shard counted, and, merged by [mergeTallies]
// across the cluster, what preparing a whole source counted: the
// pipeline's [linkage.Tally] (counts, and delivered rows per person keyed
// by 64 bits of the keyed serial), the input's schema and the staged
// files. It holds no ID.
type tally struct {
	Source string
	Shards int
	Counts linkage.Tally
	// Schema is one shard's input schema (an Arrow IPC stream with no
	// batch), from which the final step rebuilds the pipeline that makes
	// the source's report.
	Schema []byte
	// Staged lists the files to move into place when the run succeeds.
	Staged []staged
}

// staged is a file written to the staging folder, where it goes, and
// its entry in the delivery's manifest (role, size, SHA-256, and for a
// data file its rows, schema and what was done).
type staged struct {
	From, To string
	File     delivery.File
}

func newTally(source string) tally {
	return tally{Source: source, Counts: linkage.Tally{Quarantine: map[string]int64{}, Persons: map[uint64]uint32{}}}
}

// merge adds o's counts to t.
func (t *tally) merge(o tally) {
	if t.Source == "" {
		t.Source = o.Source
	}
	t.Shards += o.Shards
	t.Counts.Merge(&o.Counts)
	if t.Schema == nil {
		t.Schema = o.Schema
	}
	t.Staged = append(t.Staged, o.Staged...)
	sort.Slice(t.Staged, func(i, j int) bool { return t.Staged[i].To < t.Staged[j].To })
}

// The Beam coders of the types that hold maps and pointers.
func encodeTally(t tally) ([]byte, error)     { return encodeGob(t) }
func decodeTally(b []byte) (tally, error)     { return decodeGob[tally](b) }
func encodeInfo(i seriesInfo) ([]byte, error) { return encodeGob(i) }
func decodeInfo(b []byte) (seriesInfo, error) { return decodeGob[seriesInfo](b) }

func encodeGob[T any](v T) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(v)
	return b.Bytes(), err
}

func decodeGob[T any](b []byte) (T, error) {
	var v T
	err := gob.NewDecoder(bytes.NewReader(b)).Decode(&v)
	return v, err
}

// mergeTallies is the CombineFn that adds up the tallies of a source's
// shards, wherever the runner computes them.
type mergeTallies struct{}

func (mergeTallies) CreateAccumulator() tally { return newTally("") }

func (mergeTallies) AddInput(a, t tally) tally { a.merge(t); return a }

func (mergeTallies) MergeAccumulators(a, b tally) tally { a.merge(b); return a }

func (mergeTallies) ExtractOutput(a tally) tally { return a }
