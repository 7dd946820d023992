package linkage

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
)

// guardID is a valid Norwegian number (of no real person) planted in the
// guard's tests; guardIDInt is the same as a number.
const (
	guardID    = "15076330007"
	guardIDInt = 15076330007
)

// buildColumn builds a one-column array of type dt from values, with a
// null in front so that null handling is read too.
func buildColumn(t *testing.T, mem memory.Allocator, dt arrow.DataType, values ...any) arrow.Array {
	t.Helper()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.AppendNull()
	for _, v := range values {
		require.NoError(t, b.AppendValueFromString(fmt.Sprint(v)), "%s %v", dt, v)
	}
	return b.NewArray()
}

// TestCountIDsTypes plants one ID in a column of every type that can
// carry one, next to values that are not IDs, and counts it.
func TestCountIDsTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	str := arrow.BinaryTypes.String
	tests := []struct {
		name   string
		dt     arrow.DataType
		values []any
	}{
		{"string", str, []any{"Oslo", guardID, "C50.9"}},
		{"string in text", str, []any{"X" + guardID + "Y"}},
		{"string leading zeros", str, []any{"00" + guardID}},
		{"string dotted date", str, []any{"15.07.63 30007"}},
		{"string full-width", str, []any{"１５０７６３３０００７"}},
		{"large string", arrow.BinaryTypes.LargeString, []any{"x", guardID}},
		{"string view", arrow.BinaryTypes.StringView, []any{"x", "note " + guardID}},
		{"binary", arrow.BinaryTypes.Binary, []any{"eA==", "MTUwNzYzMzAwMDc="}},
		{"large binary", arrow.BinaryTypes.LargeBinary, []any{"MTUwNzYzMzAwMDc="}},
		{"binary view", arrow.BinaryTypes.BinaryView, []any{"MTUwNzYzMzAwMDc="}},
		{"fixed-size binary", &arrow.FixedSizeBinaryType{ByteWidth: 11}, []any{"MTUwNzYzMzAwMDc="}},
		{"int64", arrow.PrimitiveTypes.Int64, []any{42, guardIDInt}},
		{"int64 negative", arrow.PrimitiveTypes.Int64, []any{-guardIDInt}},
		{"uint64", arrow.PrimitiveTypes.Uint64, []any{guardIDInt}},
		{"int32 lost zero", arrow.PrimitiveTypes.Int32, []any{1, 1058012331}},
		{"uint32 lost zero", arrow.PrimitiveTypes.Uint32, []any{3, 2058012370}},
		{"float64", arrow.PrimitiveTypes.Float64, []any{1.5, "15076330007.0"}},
		// A float32 keeps 24 bits: the ID comes back as 15076330496, its
		// birth date and the first digits of its individual number intact.
		{"float32 rounded", arrow.PrimitiveTypes.Float32, []any{1.5, float32(guardIDInt)}},
		{"float32 lost zero", arrow.PrimitiveTypes.Float32, []any{float32(1058012331)}},
		{"decimal(18,0)", &arrow.Decimal128Type{Precision: 18, Scale: 0}, []any{"12", guardID}},
		{"decimal(20,3)", &arrow.Decimal128Type{Precision: 20, Scale: 3}, []any{"1.5", "15076330007.000"}},
		{"decimal256(40,2)", &arrow.Decimal256Type{Precision: 40, Scale: 2}, []any{"15076330007.00"}},
		{"decimal64(18,1)", &arrow.Decimal64Type{Precision: 18, Scale: 1}, []any{"15076330007.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col := buildColumn(t, mem, tc.dt, tc.values...)
			defer col.Release()
			got := countIDs(col, pseudonym.Norway{})
			if got != 1 {
				t.Errorf("countIDs(%s) = %d, want 1", tc.name, got)
			}
		})
	}
}

// TestCountIDsNoFinding: values near an ID that are not one.
func TestCountIDsNoFinding(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tests := []struct {
		name   string
		dt     arrow.DataType
		values []any
	}{
		{"float64 fraction", arrow.PrimitiveTypes.Float64, []any{"15076330007.5"}},
		{"float32 far from an ID", arrow.PrimitiveTypes.Float32, []any{float32(4e11), float32(1.5e7)}},
		{"decimal fraction", &arrow.Decimal128Type{Precision: 20, Scale: 3}, []any{"15076330007.001"}},
		{"int64 too long", arrow.PrimitiveTypes.Int64, []any{guardIDInt * 1000}},
		{"int16", arrow.PrimitiveTypes.Int16, []any{30007}},
		{"timestamp text", arrow.BinaryTypes.String, []any{"2001-10-12 12:30:00"}},
		{"timestamp", arrow.FixedWidthTypes.Timestamp_s, []any{"2001-10-12T12:30:00Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col := buildColumn(t, mem, tc.dt, tc.values...)
			defer col.Release()
			assert.Zero(t, countIDs(col, pseudonym.Norway{}))
		})
	}
}

// TestCountIDsNested plants IDs in the leaves of nested columns and in
// dictionaries, and checks that values outside a slice do not count.
func TestCountIDsNested(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	str := arrow.BinaryTypes.String
	tests := []struct {
		name string
		dt   arrow.DataType
		json string
		want int64
	}{
		{"list", arrow.ListOf(str), `[["a"], null, ["b", "` + guardID + `"]]`, 1},
		{"large list", arrow.LargeListOf(arrow.PrimitiveTypes.Int64), `[[1, ` + guardID + `]]`, 1},
		{"fixed-size list", arrow.FixedSizeListOf(2, str), `[["a", "` + guardID + `"]]`, 1},
		{"list view", arrow.ListViewOf(str), `[["` + guardID + `"]]`, 1},
		{"map value", arrow.MapOf(str, arrow.PrimitiveTypes.Int64), `[[{"key": "a", "value": ` + guardID + `}]]`, 1},
		{"map key", arrow.MapOf(str, str), `[[{"key": "` + guardID + `", "value": "x"}]]`, 1},
		{"struct", arrow.StructOf(arrow.Field{Name: "a", Type: str, Nullable: true},
			arrow.Field{Name: "b", Type: arrow.PrimitiveTypes.Float64, Nullable: true}),
			`[{"a": "x", "b": 1}, {"a": "y", "b": ` + guardID + `}]`, 1},
		{"list of structs", arrow.ListOf(arrow.StructOf(arrow.Field{Name: "n", Type: str, Nullable: true})),
			`[[{"n": "` + guardID + `"}, {"n": "` + guardID + `"}]]`, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			col, _, err := array.FromJSON(mem, tc.dt, strings.NewReader(tc.json))
			require.NoError(t, err)
			defer col.Release()
			if got := countIDs(col, pseudonym.Norway{}); got != tc.want {
				t.Errorf("countIDs(%s) = %d, want %d", tc.name, got, tc.want)
			}
		})
	}

	t.Run("dictionary", func(t *testing.T) {
		dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: str}
		b := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
		defer b.Release()
		for _, v := range []string{"Oslo", guardID, "Oslo", guardID} {
			require.NoError(t, b.AppendString(v))
		}
		col := b.NewArray()
		defer col.Release()
		assert.EqualValues(t, 2, countIDs(col, pseudonym.Norway{}))
		// A slice that uses only the harmless dictionary value still
		// carries the whole dictionary, which a writer delivers.
		s := array.NewSlice(col, 0, 1)
		defer s.Release()
		assert.EqualValues(t, 1, countIDs(s, pseudonym.Norway{}))
	})

	// What an Arrow writer delivers beside the values: the bytes and
	// numbers under null slots, and dictionary values no row uses.
	t.Run("under nulls and unused", func(t *testing.T) {
		idBytes := []byte("a" + guardID + "b")
		offs := arrow.Int32Traits.CastToBytes([]int32{0, 1, 12, 13})
		text := array.MakeFromData(array.NewData(str, 3, []*memory.Buffer{memory.NewBufferBytes([]byte{0b101}),
			memory.NewBufferBytes(offs), memory.NewBufferBytes(idBytes)}, nil, 1, 0))
		defer text.Release()
		assert.EqualValues(t, 1, countIDs(text, pseudonym.Norway{}), "string under a null")
		nums := arrow.Int64Traits.CastToBytes([]int64{1, guardIDInt, 3})
		ints := array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Int64, 3, []*memory.Buffer{memory.NewBufferBytes([]byte{0b101}),
			memory.NewBufferBytes(nums)}, nil, 1, 0))
		defer ints.Release()
		assert.EqualValues(t, 1, countIDs(ints, pseudonym.Norway{}), "int64 under a null")
		dict, _, err := array.FromJSON(mem, str, strings.NewReader(`["Oslo", "`+guardID+`"]`))
		require.NoError(t, err)
		defer dict.Release()
		idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[0, null, 0]`))
		require.NoError(t, err)
		defer idx.Release()
		unused := array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}, idx, dict)
		defer unused.Release()
		assert.EqualValues(t, 1, countIDs(unused, pseudonym.Norway{}), "unused dictionary value")
		views, _, err := array.FromJSON(mem, arrow.BinaryTypes.StringView, strings.NewReader(`["a note of no number", "a note on `+guardID+`"]`))
		require.NoError(t, err)
		defer views.Release()
		first := array.NewSlice(views, 0, 1)
		defer first.Release()
		assert.EqualValues(t, 1, countIDs(first, pseudonym.Norway{}), "a view slice's buffer")
	})

	t.Run("sliced list", func(t *testing.T) {
		col, _, err := array.FromJSON(mem, arrow.ListOf(str), strings.NewReader(`[["`+guardID+`"], ["a"], ["b"]]`))
		require.NoError(t, err)
		defer col.Release()
		s := array.NewSlice(col, 1, 3)
		defer s.Release()
		assert.Zero(t, countIDs(s, pseudonym.Norway{}))
		assert.EqualValues(t, 1, countIDs(col, pseudonym.Norway{}))
	})

	t.Run("run-end encoded", func(t *testing.T) {
		values, _, err := array.FromJSON(mem, str, strings.NewReader(`["`+guardID+`"]`))
		require.NoError(t, err)
		defer values.Release()
		ends, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[2]`))
		require.NoError(t, err)
		defer ends.Release()
		col := array.NewRunEndEncodedArray(ends, values, 2, 0)
		defer col.Release()
		assert.EqualValues(t, 1, countIDs(col, pseudonym.Norway{}))
	})
}

// TestCountIDsEveryScheme: an ID of another Nordic country is an ID,
// whatever the run's scheme; a Danish number must pass its check unless
// the run is Danish.
func TestCountIDsEveryScheme(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	col := buildColumn(t, mem, arrow.BinaryTypes.String, "8803200016", "198803200016", "211062-5629", "131052-308T", "45014054018")
	defer col.Release()
	for _, s := range []pseudonym.Scheme{pseudonym.Norway{}, pseudonym.Sweden{}, pseudonym.Denmark{}, pseudonym.Finland{}} {
		assert.EqualValues(t, 5, countIDs(col, s), s.Code())
	}
	unchecked := buildColumn(t, mem, arrow.BinaryTypes.String, "1507633002") // a date, no valid check
	defer unchecked.Release()
	assert.Zero(t, countIDs(unchecked, pseudonym.Norway{}))
	assert.EqualValues(t, 1, countIDs(unchecked, pseudonym.Denmark{}))
}

func TestGuardSchema(t *testing.T) {
	str := arrow.BinaryTypes.String
	md := func(k, v string) arrow.Metadata { return arrow.NewMetadata([]string{k}, []string{v}) }
	tests := []struct {
		name   string
		schema *arrow.Schema
		want   *LeakError
	}{
		{"clean", arrow.NewSchema([]arrow.Field{{Name: "kommune", Type: str}}, nil), nil},
		{"named by an ID", arrow.NewSchema([]arrow.Field{{Name: guardID, Type: str}}, nil),
			&LeakError{File: "out", Column: guardID, Name: true}},
		{"nested name", arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "x" + guardID, Type: str})}}, nil),
			&LeakError{File: "out", Column: "s", Name: true}},
		{"field metadata", arrow.NewSchema([]arrow.Field{{Name: "a", Type: str, Metadata: md("source", "row of 150763 30007")}}, nil),
			&LeakError{File: "out", Column: "a", Metadata: true}},
		{"file metadata", arrow.NewSchema([]arrow.Field{{Name: "a", Type: str}}, ptr(md(guardID, "x"))),
			&LeakError{File: "out", Metadata: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := guardSchema("out", tc.schema)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			var leak *LeakError
			require.ErrorAs(t, err, &leak)
			assert.Equal(t, tc.want, leak)
			assert.NotContains(t, err.Error(), guardID)
			assert.NotContains(t, err.Error(), "30007")
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestLeakErrorRedactsName: a column named by an ID is named, redacted.
func TestLeakErrorRedactsName(t *testing.T) {
	err := &LeakError{File: "ut.csv", Column: "x" + guardID, Count: 3}
	assert.Equal(t, `linkage: ut.csv: leak guard: column "x[id]" holds 3 value(s) that are valid national IDs (counted in all the column would carry: its rows, dictionary entries no row uses, bytes under nulls); drop it (--drop, or drop in a plan), or let it through on purpose (--allow)`, err.Error())
}

// FuzzGuardWithinRedact: whatever the leak guard finds, the redaction of
// messages finds too (the guard's schemes and layouts are a subset of
// Redact's), so a column name the guard would refuse is never printed.
func FuzzGuardWithinRedact(f *testing.F) {
	for _, s := range []string{guardID, "X" + guardID + "Y", "15.07.63 30007", "131052-308T", "1988-03-20-0016", "2110625629", "１５０７６３３０００７"} {
		f.Add(s)
	}
	finders := []*pseudonym.Finder{guardFinder(pseudonym.Norway{}), guardFinder(pseudonym.Denmark{}), guardFinder(pseudonym.Sweden{})}
	f.Fuzz(func(t *testing.T, s string) {
		for _, g := range finders {
			if g.ContainsString(s) && pseudonym.Redact(s) == s {
				t.Fatalf("the guard finds an ID in %q that Redact leaves", s)
			}
		}
	})
}
