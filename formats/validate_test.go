package formats

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validArrays returns one small valid array of every type validateArray
// knows, by name.
func validArrays(t *testing.T, mem memory.Allocator) map[string]arrow.Array {
	fromJSON := func(dt arrow.DataType, js string) arrow.Array {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
		require.NoError(t, err, "%s", dt)
		return a
	}
	ints := `[1, null, 3]`
	out := map[string]arrow.Array{
		"null":             array.NewNull(3),
		"bool":             fromJSON(arrow.FixedWidthTypes.Boolean, `[true, null, false]`),
		"int8":             fromJSON(arrow.PrimitiveTypes.Int8, ints),
		"int16":            fromJSON(arrow.PrimitiveTypes.Int16, ints),
		"int32":            fromJSON(arrow.PrimitiveTypes.Int32, ints),
		"int64":            fromJSON(arrow.PrimitiveTypes.Int64, ints),
		"uint8":            fromJSON(arrow.PrimitiveTypes.Uint8, ints),
		"uint16":           fromJSON(arrow.PrimitiveTypes.Uint16, ints),
		"uint32":           fromJSON(arrow.PrimitiveTypes.Uint32, ints),
		"uint64":           fromJSON(arrow.PrimitiveTypes.Uint64, ints),
		"float16":          fromJSON(arrow.FixedWidthTypes.Float16, `[1.5, null, 2]`),
		"float32":          fromJSON(arrow.PrimitiveTypes.Float32, `[1.5, null, 2]`),
		"float64":          fromJSON(arrow.PrimitiveTypes.Float64, `[1.5, null, 2]`),
		"decimal32":        fromJSON(&arrow.Decimal32Type{Precision: 5, Scale: 2}, `["1.25", null, "3.50"]`),
		"decimal64":        fromJSON(&arrow.Decimal64Type{Precision: 12, Scale: 2}, `["1.25", null, "3.50"]`),
		"decimal128":       fromJSON(&arrow.Decimal128Type{Precision: 18, Scale: 0}, `["15076330007", null, "1"]`),
		"decimal256":       fromJSON(&arrow.Decimal256Type{Precision: 40, Scale: 2}, `["1.25", null, "3.50"]`),
		"date32":           fromJSON(arrow.FixedWidthTypes.Date32, `["2024-02-29", null, "1899-12-31"]`),
		"date64":           fromJSON(arrow.FixedWidthTypes.Date64, `["2024-02-29", null, "1899-12-31"]`),
		"time32":           fromJSON(arrow.FixedWidthTypes.Time32s, `[1, null, 3]`),
		"time64":           fromJSON(arrow.FixedWidthTypes.Time64ns, `[1, null, 3]`),
		"timestamp":        fromJSON(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Oslo"}, `[1711848600000000, null, 0]`),
		"duration":         fromJSON(arrow.FixedWidthTypes.Duration_ms, ints),
		"interval_months":  fromJSON(arrow.FixedWidthTypes.MonthInterval, `[{"months": 1}, null, {"months": 3}]`),
		"interval_daytime": fromJSON(arrow.FixedWidthTypes.DayTimeInterval, `[{"days": 1, "milliseconds": 2}, null, {"days": 3, "milliseconds": 4}]`),
		"interval_mdn":     fromJSON(arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months": 1, "days": 2, "nanoseconds": 3}, null, {"months": 0, "days": 0, "nanoseconds": 0}]`),
		"string":           fromJSON(arrow.BinaryTypes.String, `["C50", null, "a longer value than twelve bytes"]`),
		"large_string":     fromJSON(arrow.BinaryTypes.LargeString, `["C50", null, ""]`),
		"binary":           fromJSON(arrow.BinaryTypes.Binary, `["QzUw", null, ""]`),
		"large_binary":     fromJSON(arrow.BinaryTypes.LargeBinary, `["QzUw", null, ""]`),
		"string_view":      fromJSON(arrow.BinaryTypes.StringView, `["C50", null, "a longer value than twelve bytes"]`),
		"binary_view":      fromJSON(arrow.BinaryTypes.BinaryView, `["QzUw", null, "YSBsb25nZXIgdmFsdWUgdGhhbiB0d2VsdmUgYnl0ZXM="]`),
		"fixed_binary":     fromJSON(&arrow.FixedSizeBinaryType{ByteWidth: 2}, `["QzU=", null, "AAA="]`),
		"list":             fromJSON(arrow.ListOf(arrow.PrimitiveTypes.Int32), `[[1, 2], null, []]`),
		"large_list":       fromJSON(arrow.LargeListOf(arrow.PrimitiveTypes.Int32), `[[1, 2], null, []]`),
		"fixed_list":       fromJSON(arrow.FixedSizeListOf(2, arrow.PrimitiveTypes.Int32), `[[1, 2], null, [3, null]]`),
		"list_view":        fromJSON(arrow.ListViewOf(arrow.PrimitiveTypes.Int32), `[[1, 2], null, []]`),
		"large_list_view":  fromJSON(arrow.LargeListViewOf(arrow.PrimitiveTypes.Int32), `[[1, 2], null, []]`),
		"map":              fromJSON(arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), `[[{"key": "a", "value": 1}], null, []]`),
		"struct": fromJSON(arrow.StructOf(arrow.Field{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}), `[{"code": "C50", "n": 1}, null, {"code": null, "n": 3}]`),
		"sparse_union": fromJSON(arrow.SparseUnionOf([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
			{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[[0, 1], [1, "a"], [0, null]]`),
		"dense_union": fromJSON(arrow.DenseUnionOf([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
			{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[[0, 1], [1, "a"], [0, null]]`),
	}
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	idx := fromJSON(arrow.PrimitiveTypes.Int16, `[1, null, 0]`)
	dict := fromJSON(arrow.BinaryTypes.String, `["a", "b"]`)
	out["dictionary"] = array.NewDictionaryArray(dictType, idx, dict)
	idx.Release()
	dict.Release()
	ends := fromJSON(arrow.PrimitiveTypes.Int32, `[2, 3]`)
	vals := fromJSON(arrow.BinaryTypes.String, `["x", null]`)
	out["run_end_encoded"] = array.NewRunEndEncodedArray(ends, vals, 3, 0)
	ends.Release()
	vals.Release()
	out["extension"] = fromJSON(extensions.NewUUIDType(), `["a8f3c5b2-1d4e-4f6a-9b7c-0e1f2a3b4c5d", null, "00000000-0000-0000-0000-000000000000"]`)
	return out
}

// Every type validateArray knows has a valid array here, and it passes;
// and emptying any of its buffers, or claiming a wrong null count, fails
// (or panics when arrow-go makes the array, which validateData turns
// into an error too).
//
// No allocator check here: arrow-go keeps a reference to the data of an
// array it panicked while making (garbage collected with the Go
// allocator).
func TestValidateEveryType(t *testing.T) {
	arrays := validArrays(t, memory.NewGoAllocator())
	defer func() {
		for _, a := range arrays {
			a.Release()
		}
	}()
	for name, a := range arrays {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, validateArray(a))
			require.NoError(t, validateData(a.Data()), "sliced")
			s := array.NewSlice(a, 1, 3)
			require.NoError(t, validateArray(s))
			s.Release()
			d := a.Data()
			for i, b := range d.Buffers() {
				if b == nil || b.Len() == 0 {
					continue
				}
				bufs := append([]*memory.Buffer(nil), d.Buffers()...)
				bufs[i] = memory.NewBufferBytes(nil)
				bad := array.NewData(d.DataType(), d.Len(), bufs, d.Children(), d.NullN(), d.Offset())
				assert.Error(t, validateData(bad), "buffer %d emptied", i)
				bad.Release()
			}
			if a.DataType().ID() != arrow.NULL && d.Buffers()[0] != nil {
				bad := array.NewData(d.DataType(), d.Len(), d.Buffers(), d.Children(), d.NullN()+1, d.Offset())
				assert.Error(t, validateData(bad), "wrong null count")
				bad.Release()
			}
			if a.DataType().ID() != arrow.NULL { // has no buffers to run past
				longer := array.NewData(d.DataType(), d.Len()+1000, d.Buffers(), d.Children(), 0, d.Offset())
				assert.Error(t, validateData(longer), "length past the buffers")
				longer.Release()
			}
		})
	}
}

// Every type validateArray accepts is tested above, and others are refused.
func TestValidateKnowsEveryType(t *testing.T) {
	arrays := validArrays(t, memory.NewGoAllocator())
	seen := map[arrow.Type]bool{}
	for _, a := range arrays {
		seen[a.DataType().ID()] = true
	}
	for id := range validatedTypes {
		assert.True(t, seen[id], "type %s is accepted but has no test array", id)
	}
	unknown := array.MakeArrayOfNull(memory.NewGoAllocator(), &arrow.Decimal128Type{Precision: 10}, 1)
	defer unknown.Release()
	delete(validatedTypes, arrow.DECIMAL128)
	defer func() { validatedTypes[arrow.DECIMAL128] = true }()
	assert.ErrorIs(t, validateArray(unknown), errCorruptArray)
}

func int32Buf(v ...int32) *memory.Buffer {
	return memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(v))
}

// Corruptions that keep every buffer long enough, one per kind of check.
func TestValidateCorrupt(t *testing.T) {
	mem := memory.NewGoAllocator()
	str := arrow.BinaryTypes.String
	strData := func(offsets ...int32) arrow.ArrayData { // values "abcdef"[offsets[i]:offsets[i+1]]
		return array.NewData(str, len(offsets)-1, []*memory.Buffer{nil, int32Buf(offsets...), memory.NewBufferBytes([]byte("abcdef"))}, nil, 0, 0)
	}
	i32 := func(v ...int32) arrow.ArrayData {
		return array.NewData(arrow.PrimitiveTypes.Int32, len(v), []*memory.Buffer{nil, int32Buf(v...)}, nil, 0, 0)
	}
	keys, _, err := array.FromJSON(mem, str, strings.NewReader(`["a", null]`))
	require.NoError(t, err)
	items, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[1, 2]`))
	require.NoError(t, err)
	mapType := arrow.MapOf(str, arrow.PrimitiveTypes.Int32)
	entries := array.NewData(mapType.Elem(), 2, []*memory.Buffer{nil}, []arrow.ArrayData{keys.Data(), items.Data()}, 0, 0)
	union := arrow.SparseUnionOf([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int32}}, []arrow.UnionTypeCode{0})
	cases := []struct {
		name string
		data arrow.ArrayData
	}{
		{"string offsets decrease", strData(0, 4, 2, 6)},
		{"string offset negative", strData(-1, 2)},
		{"string offset past data", strData(0, 2, 7)},
		{"list offset past values", array.NewData(arrow.ListOf(arrow.PrimitiveTypes.Int32), 1,
			[]*memory.Buffer{nil, int32Buf(0, 3)}, []arrow.ArrayData{i32(1, 2)}, 0, 0)},
		{"list offsets decrease", array.NewData(arrow.ListOf(arrow.PrimitiveTypes.Int32), 2,
			[]*memory.Buffer{nil, int32Buf(0, 2, 1)}, []arrow.ArrayData{i32(1, 2)}, 0, 0)},
		{"dictionary index out of range", array.NewDataWithDictionary(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: str}, 2,
			[]*memory.Buffer{nil, int32Buf(0, 5)}, 0, 0, strData(0, 1, 2).(*array.Data))},
		{"dictionary index negative", array.NewDataWithDictionary(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: str}, 1,
			[]*memory.Buffer{nil, int32Buf(-1)}, 0, 0, strData(0, 1, 2).(*array.Data))},
		{"struct child too short", array.NewData(arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int32}), 3,
			[]*memory.Buffer{nil}, []arrow.ArrayData{i32(1, 2)}, 0, 0)},
		{"union type code unknown", array.NewData(union, 2,
			[]*memory.Buffer{nil, memory.NewBufferBytes([]byte{0, 7})}, []arrow.ArrayData{i32(1, 2)}, 0, 0)},
		{"run ends not increasing", array.NewData(arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, str), 3,
			[]*memory.Buffer{nil}, []arrow.ArrayData{i32(2, 2, 3), strData(0, 1, 2, 3)}, 0, 0)},
		{"run ends short of the length", array.NewData(arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, str), 5,
			[]*memory.Buffer{nil}, []arrow.ArrayData{i32(1, 3), strData(0, 1, 2)}, 0, 0)},
		{"map key null", array.NewData(mapType, 1, []*memory.Buffer{nil, int32Buf(0, 2)}, []arrow.ArrayData{entries}, 0, 0)},
		{"null count without a bitmap", array.NewData(arrow.PrimitiveTypes.Int32, 2, []*memory.Buffer{nil, int32Buf(1, 2)}, nil, 1, 0)},
		{"time unit out of range", array.NewData(&arrow.Time32Type{Unit: 9}, 1, []*memory.Buffer{nil, int32Buf(1)}, nil, 0, 0)},
		{"decimal scale out of range", array.NewData(&arrow.Decimal128Type{Precision: 10, Scale: 16387}, 1,
			[]*memory.Buffer{nil, memory.NewBufferBytes(make([]byte, 16))}, nil, 0, 0)},
		{"dictionary index not an integer", array.NewDataWithDictionary(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Float32, ValueType: str}, 1,
			[]*memory.Buffer{nil, int32Buf(0)}, 0, 0, strData(0, 1, 2).(*array.Data))},
		{"offset past the values", array.NewData(arrow.PrimitiveTypes.Int32, 2, []*memory.Buffer{nil, int32Buf(1, 2)}, nil, 0, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := validateData(c.data)
			require.Error(t, err)
			assert.ErrorIs(t, err, errCorruptArray)
		})
	}
}

// Strings must be valid UTF-8, each value on its own; the error never
// quotes the value, also where arrow-go's own check (nested strings)
// would.
func TestValidateUTF8(t *testing.T) {
	str := func(data string, offsets ...int32) *array.Data {
		return array.NewData(arrow.BinaryTypes.String, len(offsets)-1, []*memory.Buffer{nil, int32Buf(offsets...), memory.NewBufferBytes([]byte(data))}, nil, 0, 0)
	}
	cases := map[string]arrow.ArrayData{
		"invalid byte":            str("15076330007\xff", 0, 12),
		"a character cut in two":  str("15076330007\xc3\xa9", 0, 12, 13),
		"a value starting inside": str("\xc3\xa915076330007", 1, 13),
		"nested in a list": array.NewData(arrow.ListOf(arrow.BinaryTypes.String), 1, []*memory.Buffer{nil, int32Buf(0, 1)},
			[]arrow.ArrayData{str("15076330007\xff", 0, 12)}, 0, 0),
	}
	for name, d := range cases {
		err := validateData(d)
		require.Error(t, err, name)
		assert.NotContains(t, err.Error(), "15076330007", name)
		assert.Contains(t, strings.ToLower(err.Error()), "utf", name)
	}
	// Binary is bytes: no UTF-8 check; an empty string array may have no
	// offsets.
	bin := array.NewData(arrow.BinaryTypes.Binary, 1, []*memory.Buffer{nil, int32Buf(0, 1), memory.NewBufferBytes([]byte{0xff})}, nil, 0, 0)
	assert.NoError(t, validateData(bin))
	empty := array.NewData(arrow.BinaryTypes.String, 0, []*memory.Buffer{nil, nil, nil}, nil, 0, 0)
	assert.NoError(t, validateData(empty))
}
