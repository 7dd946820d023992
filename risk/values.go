package risk

import (
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Value ids of a column. Missing (null) is 0 in every column; absent marks
// a quasi-identifier that a batch does not have (a source of a joined view
// that does not deliver it), which the combination mode leaves out.
const (
	missingID = 0
	absentID  = ^uint32(0)
)

// missingText is how a missing value reads in reports and frames.
const missingText = ""

// dict interns one column's values as their text: strings as they are,
// integers in decimal, dates as YYYY-MM-DD, anything else as arrow's
// ValueStr. Integer and date columns are interned by number first, so a
// value is formatted once.
type dict struct {
	ids  map[string]uint32
	nums map[int64]uint32
	vals []string // by id; vals[0] is the missing value
}

func newDict() *dict {
	return &dict{ids: map[string]uint32{}, nums: map[int64]uint32{}, vals: []string{missingText}}
}

func (d *dict) idOf(s string) uint32 {
	if id, ok := d.ids[s]; ok {
		return id
	}
	id := uint32(len(d.vals))
	s = strings.Clone(s)
	d.ids[s] = id
	d.vals = append(d.vals, s)
	return id
}

func (d *dict) numID(v int64, text func(int64) string) uint32 {
	if id, ok := d.nums[v]; ok {
		return id
	}
	id := d.idOf(text(v))
	d.nums[v] = id
	return id
}

func decimal(v int64) string { return strconv.FormatInt(v, 10) }

func isoDate(v int64) string {
	return time.Unix(v*86400, 0).UTC().Format(time.DateOnly)
}

// fill writes the ids of arr's values into out (len(out) == arr.Len()).
func (d *dict) fill(arr arrow.Array, out []uint32) {
	switch a := arr.(type) {
	case *array.String:
		fillWith(a, out, func(i int) uint32 { return d.idOf(a.Value(i)) })
	case *array.LargeString:
		fillWith(a, out, func(i int) uint32 { return d.idOf(a.Value(i)) })
	case *array.Int64:
		fillWith(a, out, func(i int) uint32 { return d.numID(a.Value(i), decimal) })
	case *array.Int32:
		fillWith(a, out, func(i int) uint32 { return d.numID(int64(a.Value(i)), decimal) })
	case *array.Int16:
		fillWith(a, out, func(i int) uint32 { return d.numID(int64(a.Value(i)), decimal) })
	case *array.Date32:
		fillWith(a, out, func(i int) uint32 { return d.numID(int64(a.Value(i)), isoDate) })
	default:
		fillWith(a, out, func(i int) uint32 { return d.idOf(a.ValueStr(i)) })
	}
}

func fillWith(a arrow.Array, out []uint32, id func(i int) uint32) {
	for i := range out {
		if a.IsNull(i) {
			out[i] = missingID
			continue
		}
		out[i] = id(i)
	}
}

// personKeys writes a 64-bit key of each row's person into out; ok[i] is
// false where the person is missing. Keys hash the value's text, so that
// the same serial gives the same key whether a source stores it as text or
// as a number.
func personKeys(arr arrow.Array, out []uint64, ok []bool) {
	var buf []byte
	for i := range out {
		ok[i] = !arr.IsNull(i)
		if !ok[i] {
			continue
		}
		switch a := arr.(type) {
		case *array.String:
			buf = append(buf[:0], a.Value(i)...)
		case *array.LargeString:
			buf = append(buf[:0], a.Value(i)...)
		case *array.Int64:
			buf = strconv.AppendInt(buf[:0], a.Value(i), 10)
		case *array.Int32:
			buf = strconv.AppendInt(buf[:0], int64(a.Value(i)), 10)
		default:
			buf = append(buf[:0], a.ValueStr(i)...)
		}
		out[i] = hashBytes(buf)
	}
}
