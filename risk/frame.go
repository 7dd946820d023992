package risk

import (
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// A Frame is a population frame: how many persons of the population show
// each combination of quasi-identifier values (for example birth year x
// sex x municipality, from the population register). It is read from Arrow
// batches with one column per quasi-identifier, named as in the delivery,
// and a count column; rows that repeat a combination add up.
type Frame struct {
	qi     []string
	count  string
	vals   [][]string // by QI, by row
	counts []int64
	rows   int64
}

// NewFrame returns an empty frame over the named quasi-identifier columns
// and count column.
func NewFrame(qi []string, count string) *Frame {
	return &Frame{qi: qi, count: count, vals: make([][]string, len(qi))}
}

// Add adds a batch of the frame. Counts must be whole numbers of zero or
// more; errors name the batch row (counting from 1 over all batches).
func (f *Frame) Add(batch arrow.RecordBatch) error {
	sc := batch.Schema()
	ci := sc.FieldIndices(f.count)
	if len(ci) == 0 {
		return fmt.Errorf("risk: population frame has no count column %q (columns: %s)", f.count, columnList(sc))
	}
	cols := make([]arrow.Array, len(f.qi))
	for j, q := range f.qi {
		fi := sc.FieldIndices(q)
		if len(fi) == 0 {
			return fmt.Errorf("risk: population frame has no column %q (columns: %s)", q, columnList(sc))
		}
		cols[j] = batch.Column(fi[0])
	}
	cnt := batch.Column(ci[0])
	d := newDict() // formats numbers and dates as the delivery's values are
	ids := make([]uint32, batch.NumRows())
	texts := make([][]string, len(cols))
	for j, a := range cols {
		d.fill(a, ids)
		texts[j] = make([]string, len(ids))
		for i, id := range ids {
			texts[j][i] = d.vals[id]
		}
	}
	for i := range int(batch.NumRows()) {
		f.rows++
		n, err := frameCount(cnt, i)
		if err != nil {
			return fmt.Errorf("risk: population frame row %d, column %q: %w", f.rows, f.count, err)
		}
		for j := range cols {
			f.vals[j] = append(f.vals[j], texts[j][i])
		}
		f.counts = append(f.counts, n)
	}
	return nil
}

func frameCount(a arrow.Array, i int) (int64, error) {
	if a.IsNull(i) {
		return 0, fmt.Errorf("count is missing")
	}
	var n int64
	switch c := a.(type) {
	case *array.Int64:
		n = c.Value(i)
	case *array.Int32:
		n = int64(c.Value(i))
	default:
		v, err := strconv.ParseInt(a.ValueStr(i), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("count is not a whole number")
		}
		n = v
	}
	if n < 0 {
		return 0, fmt.Errorf("count %d is negative", n)
	}
	return n, nil
}

// Rows returns the number of frame rows read.
func (f *Frame) Rows() int64 { return f.rows }
