package jobs

import (
	"bytes"
	"encoding/gob"
	"hash/fnv"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
)

// tally is what preparing one shard counted, and, merged by [mergeTallies]
// across the cluster, what preparing a whole source counted. It holds
// counts, names and hashes of delivered serials, never an ID.
type tally struct {
	Source         string
	Shards         int
	RowsRead       int64
	RowsWritten    int64
	RowsQuarantine int64
	RowsNotSample  int64
	Quarantine     map[string]int64
	// Persons counts the delivered rows of each person, by the FNV-64a
	// hash of the delivered serial's text (as koble link counts persons
	// and the overlap between sources).
	Persons map[uint64]uint32
	// Report is one shard's prepare report (JSON), for the names it holds.
	Report []byte
	// Staged lists the files to move into place when the run succeeds.
	Staged []staged
}

// staged is a file written to the staging folder and where it goes.
type staged struct{ From, To string }

func newTally(source string) tally {
	return tally{Source: source, Quarantine: map[string]int64{}, Persons: map[uint64]uint32{}}
}

// merge adds o's counts to t.
func (t *tally) merge(o tally) {
	if t.Source == "" {
		t.Source = o.Source
	}
	if t.Quarantine == nil {
		t.Quarantine = map[string]int64{}
	}
	if t.Persons == nil {
		t.Persons = map[uint64]uint32{}
	}
	t.Shards += o.Shards
	t.RowsRead += o.RowsRead
	t.RowsWritten += o.RowsWritten
	t.RowsQuarantine += o.RowsQuarantine
	t.RowsNotSample += o.RowsNotSample
	for k, v := range o.Quarantine {
		t.Quarantine[k] += v
	}
	for k, v := range o.Persons {
		t.Persons[k] += v
	}
	if t.Report == nil {
		t.Report = o.Report
	}
	t.Staged = append(t.Staged, o.Staged...)
	sort.Slice(t.Staged, func(i, j int) bool { return t.Staged[i].To < t.Staged[j].To })
}

// addSerials counts the persons of a delivered serial column.
func (t *tally) addSerials(col arrow.Array) {
	h := fnv.New64a()
	for i := 0; i < col.Len(); i++ {
		h.Reset()
		h.Write([]byte(col.ValueStr(i)))
		t.Persons[h.Sum64()]++
	}
}

// perPerson returns the least, median and most rows of a person.
func (t *tally) perPerson() (lo int64, median float64, hi int64) {
	if len(t.Persons) == 0 {
		return 0, 0, 0
	}
	counts := make([]uint32, 0, len(t.Persons))
	for _, c := range t.Persons {
		counts = append(counts, c)
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i] < counts[j] })
	n := len(counts)
	median = float64(counts[n/2])
	if n%2 == 0 {
		median = (float64(counts[n/2-1]) + float64(counts[n/2])) / 2
	}
	return int64(counts[0]), median, int64(counts[n-1])
}

// encodeTally and decodeTally are the tally's Beam coder.
func encodeTally(t tally) ([]byte, error) {
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(t)
	return b.Bytes(), err
}

func decodeTally(b []byte) (tally, error) {
	var t tally
	err := gob.NewDecoder(bytes.NewReader(b)).Decode(&t)
	return t, err
}

// mergeTallies is the CombineFn that adds up the tallies of a source's
// shards, wherever the runner computes them.
type mergeTallies struct{}

func (mergeTallies) CreateAccumulator() tally { return newTally("") }

func (mergeTallies) AddInput(a, t tally) tally { a.merge(t); return a }

func (mergeTallies) MergeAccumulators(a, b tally) tally { a.merge(b); return a }

func (mergeTallies) ExtractOutput(a tally) tally { return a }
