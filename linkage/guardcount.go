package linkage

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal"

	"github.com/koble/koble/pseudonym"
)

// countIDs returns how many values of a column about to be delivered hold
// a valid national ID of any supported scheme (see the leak guard's
// documentation in leakguard.go for the types read and the schemes). For
// nested columns it counts the leaves that do.
func countIDs(col arrow.Array, scheme pseudonym.Scheme) int64 {
	return countFound(guardFinder(scheme), col)
}

// countFound counts the values of col in which f finds an ID.
func countFound(f *pseudonym.Finder, col arrow.Array) int64 {
	// Text first, without a call per value: most values are too short to
	// hold an ID, and their offsets say so.
	switch c := col.(type) {
	case *array.String:
		return countText(f, c, c.ValueBytes(), c.ValueOffsets())
	case *array.LargeString:
		return countText(f, c, c.ValueBytes(), c.ValueOffsets())
	case *array.Binary:
		return countText(f, c, c.ValueBytes(), c.ValueOffsets())
	case *array.LargeBinary:
		return countText(f, c, c.ValueBytes(), c.ValueOffsets())
	}
	if test := valueTest(f, col); test != nil {
		var n int64
		for i := 0; i < col.Len(); i++ {
			if test(i) {
				n++
			}
		}
		if n == 0 && viewBuffersHold(f, col) {
			n = 1
		}
		return n
	}
	switch c := col.(type) {
	case *array.Dictionary:
		return countDictionary(f, c)
	case array.ListLike:
		return countList(f, c)
	case *array.Struct:
		var n int64
		for k := 0; k < c.NumField(); k++ {
			n += countFound(f, c.Field(k))
		}
		return n
	case array.Union:
		var n int64
		for k := 0; k < c.NumFields(); k++ {
			n += countFound(f, c.Field(k))
		}
		return n
	case *array.RunEndEncoded:
		return countFound(f, c.Values())
	case array.ExtensionArray:
		return countFound(f, c.Storage())
	}
	return 0
}

// viewBuffersHold reports whether the data buffers of a string or binary
// view column hold an ID anywhere, under a view of a row or under none
// (a slice's other rows, bytes no view points to): an Arrow IPC writer
// writes them whole. It is false for other columns.
func viewBuffersHold(f *pseudonym.Finder, col arrow.Array) bool {
	if id := col.DataType().ID(); id != arrow.STRING_VIEW && id != arrow.BINARY_VIEW {
		return false
	}
	for _, b := range col.Data().Buffers()[2:] {
		if b != nil && f.Contains(b.Bytes()) {
			return true
		}
	}
	return false
}

// countText counts the values of a text column (its value bytes and
// offsets, as Arrow gives them for the array's slice) that hold an ID,
// the bytes under null slots included: an Arrow writer delivers them.
func countText[O int32 | int64](f *pseudonym.Finder, col arrow.Array, data []byte, offs []O) int64 {
	rows := col.Len()
	if rows == 0 {
		return 0
	}
	var n int64
	base := offs[0]
	for i := 0; i < rows; i++ {
		if offs[i+1]-offs[i] >= minIDText && f.Contains(data[offs[i]-base:offs[i+1]-base]) {
			n++
		}
	}
	return n
}

// minIDText is the length of the shortest ID text (ten digits).
const minIDText = 10

// viewInline is the longest value a string or binary view holds in the
// view itself (Arrow's columnar format), which is read under a null slot.
const viewInline = 12

// countDictionary counts the rows whose dictionary value holds an ID,
// reading each dictionary value once, and the dictionary values that
// hold one and that no row uses: a writer delivers the whole dictionary.
func countDictionary(f *pseudonym.Finder, c *array.Dictionary) int64 {
	dict := c.Dictionary()
	test := valueTest(f, dict)
	if test == nil {
		// A dictionary of nested values: read them all.
		return countFound(f, dict)
	}
	holds := make([]bool, dict.Len())
	for j := range holds {
		holds[j] = test(j)
	}
	used := make([]bool, dict.Len())
	var n int64
	for i := 0; i < c.Len(); i++ {
		if c.IsNull(i) {
			continue
		}
		j := c.GetValueIndex(i)
		used[j] = true
		if holds[j] {
			n++
		}
	}
	for j, h := range holds {
		if h && !used[j] {
			n++
		}
	}
	return n
}

// countList counts the IDs among the list values that the column's rows
// use.
func countList(f *pseudonym.Finder, c array.ListLike) int64 {
	lo, hi := int64(math.MaxInt64), int64(0)
	for i := 0; i < c.Len(); i++ {
		if c.IsNull(i) {
			continue
		}
		if s, e := c.ValueOffsets(i); s < e {
			lo, hi = min(lo, s), max(hi, e)
		}
	}
	if lo >= hi {
		return 0
	}
	values := array.NewSlice(c.ListValues(), lo, hi)
	defer values.Release()
	return countFound(f, values)
}

// valueTest returns a test of one value of a column of a scalar type that
// can carry an ID, or nil for other types. The test reads null slots too:
// an Arrow writer delivers the values under them (a view only when its
// bytes are inline: a null view's reference is not read).
func valueTest(f *pseudonym.Finder, col arrow.Array) func(i int) bool {
	switch c := col.(type) {
	case *array.String:
		data, offs := c.ValueBytes(), c.ValueOffsets()
		return func(i int) bool { return f.Contains(data[offs[i]-offs[0] : offs[i+1]-offs[0]]) }
	case *array.LargeString:
		data, offs := c.ValueBytes(), c.ValueOffsets()
		return func(i int) bool { return f.Contains(data[offs[i]-offs[0] : offs[i+1]-offs[0]]) }
	case *array.Binary:
		data, offs := c.ValueBytes(), c.ValueOffsets()
		return func(i int) bool { return f.Contains(data[offs[i]-offs[0] : offs[i+1]-offs[0]]) }
	case *array.LargeBinary:
		data, offs := c.ValueBytes(), c.ValueOffsets()
		return func(i int) bool { return f.Contains(data[offs[i]-offs[0] : offs[i+1]-offs[0]]) }
	case *array.StringView:
		return func(i int) bool {
			n := c.ValueLen(i)
			return n >= minIDText && (c.IsValid(i) || n <= viewInline) && f.ContainsString(c.Value(i))
		}
	case *array.BinaryView:
		return func(i int) bool {
			n := c.ValueLen(i)
			return n >= minIDText && (c.IsValid(i) || n <= viewInline) && f.Contains(c.Value(i))
		}
	case *array.FixedSizeBinary:
		return func(i int) bool { return f.Contains(c.Value(i)) }
	case *array.Int32:
		return func(i int) bool { return integerHolds(f, int64(c.Value(i))) }
	case *array.Int64:
		return func(i int) bool { return integerHolds(f, c.Value(i)) }
	case *array.Uint32:
		return func(i int) bool { return f.Integer(uint64(c.Value(i))) }
	case *array.Uint64:
		return func(i int) bool { return f.Integer(c.Value(i)) }
	case *array.Float64:
		return func(i int) bool { return floatHolds(f, c.Value(i)) }
	case *array.Float32:
		return func(i int) bool { return float32Holds(f, c.Value(i)) }
	case *array.Decimal32:
		return decimalTest(f, c, c.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal64:
		return decimalTest(f, c, c.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal128:
		return decimalTest(f, c, c.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal256:
		return decimalTest(f, c, c.DataType().(arrow.DecimalType).GetScale())
	case *array.Int8, *array.Int16, *array.Uint8, *array.Uint16, *array.Float16:
		// Too narrow for nine digits.
		return func(int) bool { return false }
	}
	return nil
}

// integerHolds reads an integer by its magnitude: a sign in front of an
// ID does not hide it.
func integerHolds(f *pseudonym.Finder, v int64) bool {
	if v < 0 {
		v = -v // math.MinInt64 stays negative and is no ID
	}
	return v >= 0 && f.Integer(uint64(v))
}

// floatHolds reads a floating-point value that is a whole number.
func floatHolds(f *pseudonym.Finder, v float64) bool {
	v = math.Abs(v)
	return v >= 1e8 && v < 1e13 && v == math.Trunc(v) && f.Integer(uint64(v))
}

// float32Holds reads a float32 value as every whole number that rounds
// to it. A float32 keeps 24 bits: an ID stored in one comes back rounded
// to a multiple of 2^k (15076330007 as 15076330496), which is seldom an
// ID itself but still gives away the birth date and most of the number.
// Every float32 from 2^24 up is a whole number, and the numbers that
// round to it lie within half its spacing on either side: at most 64 for
// a ten-digit ID, 8192 for an eleven-digit one and 16384 for a
// twelve-digit one, each read until one is an ID. Above 2^40 (13 digits)
// no scheme has an ID.
func float32Holds(f *pseudonym.Finder, v float32) bool {
	x := math.Abs(float64(v))
	if x < 1e8 || x >= 1<<40 {
		return false
	}
	down := float64(math.Nextafter32(float32(x), 0))
	up := float64(math.Nextafter32(float32(x), math.MaxFloat32))
	for n := uint64(math.Ceil((x + down) / 2)); n <= uint64((x+up)/2); n++ {
		if f.Integer(n) {
			return true
		}
	}
	return false
}

// decimalValues is an Arrow decimal array of any width.
type decimalValues[T decimal.DecimalTypes] interface {
	Value(i int) T
}

// decimalTest reads a decimal value that is a whole number at its scale.
func decimalTest[T interface {
	decimal.DecimalTypes
	decimal.Num[T]
}](f *pseudonym.Finder, c decimalValues[T], scale int32) func(i int) bool {
	return func(i int) bool {
		v := c.Value(i).Abs()
		if x := v.ToFloat64(scale); x < 1e8 || x >= 1e13 {
			return false
		}
		whole := v
		if scale > 0 {
			whole = v.ReduceScaleBy(scale, false)
			if whole.IncreaseScaleBy(scale).Cmp(v) != 0 {
				return false
			}
		} else if scale < 0 {
			whole = v.IncreaseScaleBy(-scale)
		}
		return f.Integer(uint64(whole.ToFloat64(0)))
	}
}
