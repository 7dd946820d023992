package pseudonym

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ComputeArray parses every ID of a column with scheme and computes its
// serial: one call per batch, for the executor. serials and reasons must
// have at least ids.Len() elements; for row i either reasons[i] is
// ReasonNone and serials[i] holds the serial, or reasons[i] says why the ID
// is invalid (a null is ReasonEmpty) and serials[i] is zero.
//
// The column may hold strings (string, large string, string view, binary)
// or integers (int32, int64, uint32, uint64), the latter only with an
// [IntegerScheme], which restores lost leading zeros. It returns the number
// of invalid rows, or an error for any other column type.
func (s *Serials) ComputeArray(scheme Scheme, ids arrow.Array, serials []Serial, reasons []Reason) (invalid int, err error) {
	n := ids.Len()
	if len(serials) < n || len(reasons) < n {
		return 0, fmt.Errorf("pseudonym: ComputeArray needs room for %d results", n)
	}
	last := -1 // the last row whose serial was computed
	err = forEachID(scheme, ids, func(i int, id ID, r Reason, same bool) {
		reasons[i] = r
		switch {
		case r != ReasonNone:
			serials[i] = Serial{}
			invalid++
		case same && last >= 0:
			// Event registers list a person's rows together: a value equal
			// to the previous row's reuses its serial.
			serials[i] = serials[last]
		default:
			serials[i] = s.Compute(id)
			last = i
		}
	})
	return invalid, err
}

// ParseArray parses every ID of a column, as ComputeArray does, into ids
// and reasons (at least ids.Len() long each), and returns the number of
// invalid rows. It holds the IDs themselves: keep the result in memory only.
func ParseArray(scheme Scheme, col arrow.Array, ids []ID, reasons []Reason) (invalid int, err error) {
	n := col.Len()
	if len(ids) < n || len(reasons) < n {
		return 0, fmt.Errorf("pseudonym: ParseArray needs room for %d results", n)
	}
	err = forEachID(scheme, col, func(i int, id ID, r Reason, _ bool) {
		ids[i], reasons[i] = id, r
		if r != ReasonNone {
			invalid++
		}
	})
	return invalid, err
}

// forEachID parses each row of a column and calls fn with the result. same
// is true when a string value equals the previous parsed row's: that row's
// result is passed again without a new parse. A null is ReasonEmpty.
func forEachID(scheme Scheme, col arrow.Array, fn func(i int, id ID, r Reason, same bool)) error {
	n := col.Len()
	type stringValues interface {
		arrow.Array
		Value(int) string
	}
	switch a := col.(type) {
	case *array.String, *array.LargeString, *array.StringView:
		sv := a.(stringValues)
		prev, prevSet := "", false
		var prevID ID
		var prevR Reason
		for i := 0; i < n; i++ {
			if sv.IsNull(i) {
				fn(i, ID{}, ReasonEmpty, false)
				continue
			}
			v := sv.Value(i)
			if prevSet && v == prev {
				fn(i, prevID, prevR, true)
				continue
			}
			prevID, prevR = scheme.Parse(stringBytes(v))
			prev, prevSet = v, true
			fn(i, prevID, prevR, false)
		}
	case *array.Binary:
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				fn(i, ID{}, ReasonEmpty, false)
				continue
			}
			id, r := scheme.Parse(a.Value(i))
			fn(i, id, r, false)
		}
	case *array.Int64, *array.Int32, *array.Uint64, *array.Uint32:
		is, ok := scheme.(IntegerScheme)
		if !ok {
			return fmt.Errorf("pseudonym: scheme %q cannot read identity numbers from an integer column (%s)", scheme.Code(), col.DataType())
		}
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				fn(i, ID{}, ReasonEmpty, false)
				continue
			}
			var v int64
			switch a := a.(type) {
			case *array.Int64:
				v = a.Value(i)
			case *array.Int32:
				v = int64(a.Value(i))
			case *array.Uint32:
				v = int64(a.Value(i))
			case *array.Uint64:
				u := a.Value(i)
				if u > 1<<62 {
					fn(i, ID{}, ReasonNotInteger, false)
					continue
				}
				v = int64(u)
			}
			id, r := is.ParseInt(v)
			fn(i, id, r, false)
		}
	default:
		return fmt.Errorf("pseudonym: an identity column must hold strings or integers, not %s", col.DataType())
	}
	return nil
}

// stringBytes returns the bytes of s without copying. Parsers only read
// their input, so the string's immutability is kept.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
