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
	set := func(i int, id ID, r Reason) {
		reasons[i] = r
		if r != ReasonNone {
			serials[i] = Serial{}
			invalid++
			return
		}
		serials[i] = s.Compute(id)
	}
	switch a := ids.(type) {
	case *array.String:
		// Event registers list a person's rows together: a value equal to
		// the previous row's reuses its result without parsing.
		prev := -1
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				set(i, ID{}, ReasonEmpty)
				continue
			}
			v := a.Value(i)
			if prev >= 0 && v == a.Value(prev) {
				serials[i], reasons[i] = serials[prev], reasons[prev]
				if reasons[i] != ReasonNone {
					invalid++
				}
				continue
			}
			id, r := scheme.Parse(stringBytes(v))
			set(i, id, r)
			prev = i
		}
	case *array.LargeString:
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				set(i, ID{}, ReasonEmpty)
				continue
			}
			id, r := scheme.Parse(stringBytes(a.Value(i)))
			set(i, id, r)
		}
	case *array.StringView:
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				set(i, ID{}, ReasonEmpty)
				continue
			}
			id, r := scheme.Parse(stringBytes(a.Value(i)))
			set(i, id, r)
		}
	case *array.Binary:
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				set(i, ID{}, ReasonEmpty)
				continue
			}
			id, r := scheme.Parse(a.Value(i))
			set(i, id, r)
		}
	case *array.Int64, *array.Int32, *array.Uint64, *array.Uint32:
		is, ok := scheme.(IntegerScheme)
		if !ok {
			return 0, fmt.Errorf("pseudonym: scheme %q cannot read identity numbers from an integer column (%s)", scheme.Code(), ids.DataType())
		}
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				set(i, ID{}, ReasonEmpty)
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
					set(i, ID{}, ReasonNotInteger)
					continue
				}
				v = int64(u)
			}
			id, r := is.ParseInt(v)
			set(i, id, r)
		}
	default:
		return 0, fmt.Errorf("pseudonym: an identity column must hold strings or integers, not %s", ids.DataType())
	}
	return invalid, nil
}

// stringBytes returns the bytes of s without copying. Parsers only read
// their input, so the string's immutability is kept.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
