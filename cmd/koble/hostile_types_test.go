package main

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// typedColumn is a column of five rows, the last of which hides an ID, as
// JSON for array.FromJSON: %[1]s is the ID's digits, %[1]q quoted, %[2]s
// the ID as an integer (its leading zero lost), %[3]s the ID's bytes in
// base64 (binary columns); narrow columns hide an ID that fits an int32.
type typedColumn struct {
	name   string
	typ    arrow.DataType
	json   string
	narrow bool // the ID must fit 31 bits
}

// typedColumns are the Arrow types that can carry an ID, beyond the ones
// of hiddenColumns: every integer width that holds ten digits, every
// float, every decimal, every text and binary layout, and the leaves of
// every nested type.
func typedColumns() []typedColumn {
	str, i64 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64
	return []typedColumn{
		{name: "int32", typ: arrow.PrimitiveTypes.Int32, json: `[1, 2, null, 4, %[2]s]`, narrow: true},
		{name: "uint32", typ: arrow.PrimitiveTypes.Uint32, json: `[1, 2, null, 4, %[2]s]`, narrow: true},
		{name: "uint64", typ: arrow.PrimitiveTypes.Uint64, json: `[1, 2, null, 4, %[1]s]`},
		{name: "int64 negative", typ: i64, json: `[1, 2, null, 4, -%[1]s]`},
		{name: "float32", typ: arrow.PrimitiveTypes.Float32, json: `[1.5, 2, null, 4, %[1]s]`},
		{name: "float64 with decimals", typ: arrow.PrimitiveTypes.Float64, json: `[1.5, 2, null, 4, %[1]s.0]`},
		{name: "decimal128(20,3)", typ: &arrow.Decimal128Type{Precision: 20, Scale: 3}, json: `["1.5", "2", null, "4", "%[1]s.000"]`},
		{name: "decimal256(40,0)", typ: &arrow.Decimal256Type{Precision: 40, Scale: 0}, json: `["1", "2", null, "4", "%[1]s"]`},
		{name: "decimal64(18,0)", typ: &arrow.Decimal64Type{Precision: 18, Scale: 0}, json: `["1", "2", null, "4", "%[1]s"]`},
		{name: "large string", typ: arrow.BinaryTypes.LargeString, json: `["a", "b", null, "c", "note %[1]s"]`},
		{name: "string view", typ: arrow.BinaryTypes.StringView, json: `["a", "b", null, "c", "note %[1]s"]`},
		{name: "large binary", typ: arrow.BinaryTypes.LargeBinary, json: `["YQ==", "Yg==", null, "Yw==", "%[3]s"]`},
		{name: "binary view", typ: arrow.BinaryTypes.BinaryView, json: `["YQ==", "Yg==", null, "Yw==", "%[3]s"]`},
		{name: "fixed-size binary", typ: &arrow.FixedSizeBinaryType{ByteWidth: 11}, json: `["MDAwMDAwMDAwMDA=", "MDAwMDAwMDAwMDA=", null, "MDAwMDAwMDAwMDA=", "%[3]s"]`},
		{name: "large list", typ: arrow.LargeListOf(str), json: `[["a"], [], null, ["b"], ["c", %[1]q]]`},
		{name: "fixed-size list", typ: arrow.FixedSizeListOf(2, i64), json: `[[1, 2], [3, 4], null, [5, 6], [7, %[1]s]]`},
		{name: "map key", typ: arrow.MapOf(str, i64), json: `[[{"key": "a", "value": 1}], [], null, [], [{"key": %[1]q, "value": 2}]]`},
		{name: "map value", typ: arrow.MapOf(str, str), json: `[[{"key": "a", "value": "b"}], [], null, [], [{"key": "k", "value": %[1]q}]]`},
		{name: "struct of list", typ: arrow.StructOf(arrow.Field{Name: "codes", Type: arrow.ListOf(i64), Nullable: true}),
			json: `[{"codes": [1]}, {"codes": []}, null, {"codes": null}, {"codes": [2, %[1]s]}]`},
		{name: "list of struct", typ: arrow.ListOf(arrow.StructOf(arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Float64, Nullable: true})),
			json: `[[{"n": 1}], [], null, [{"n": null}], [{"n": %[1]s}]]`},
	}
}

// narrowID returns a valid number whose digits, read as an integer (its
// leading zero lost), fit an int32: born on the first of a month.
func narrowID(t *testing.T) string {
	t.Helper()
	for ind := 311; ind < 500; ind++ {
		if id, ok := synthFnr(1, 1, 90, ind); ok {
			return id
		}
	}
	t.Fatal("no narrow ID")
	return ""
}

// writeTyped writes a register of the five subjects and one typed column
// to path (Parquet or Arrow, by its extension); ok is false when the
// format cannot store the type.
func writeTyped(t *testing.T, path string, subjects []string, c typedColumn, hidden string) bool {
	t.Helper()
	mem := memory.NewGoAllocator()
	n, err := strconv.ParseInt(hidden, 10, 64)
	require.NoError(t, err)
	text := fmt.Sprintf(c.json, hidden, strconv.FormatInt(n, 10), base64.StdEncoding.EncodeToString([]byte(hidden)))
	col, _, err := array.FromJSON(mem, c.typ, strings.NewReader(text))
	require.NoError(t, err, text)
	defer col.Release()
	fnr, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["`+strings.Join(subjects, `","`)+`"]`))
	require.NoError(t, err)
	defer fnr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "fnr", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "x", Type: c.typ, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{fnr, col}, int64(len(subjects)))
	defer rec.Release()
	w, err := formats.Create(path, schema, formats.WriteOptions{})
	if err != nil {
		return false
	}
	if err := w.Write(rec); err != nil {
		_ = w.Abort()
		return false
	}
	require.NoError(t, w.Close())
	return true
}

// An ID in a column of any Arrow type that can carry one, read from
// Parquet or Arrow: prepare refuses to deliver (exit 1) and names the
// column; a format that cannot store the type is skipped.
func TestHostileTypedIDs(t *testing.T) {
	ids := plantIDs(t, 6)
	narrow := narrowID(t)
	planted := append([]string{narrow}, ids...)
	key, identity := suiteKey(t)
	for _, c := range typedColumns() {
		for _, ext := range []string{".parquet", ".arrow"} {
			t.Run(c.name+ext, func(t *testing.T) {
				hidden := ids[5]
				if c.narrow {
					hidden = narrow
				}
				in := filepath.Join(t.TempDir(), "reg"+ext)
				if !writeTyped(t, in, ids[:5], c, hidden) && ext == ".parquet" {
					t.Skipf("Parquet cannot store %s", c.typ)
				}
				out := t.TempDir()
				o := koble("prepare", "--key", key, "-i", identity, "--in", in, "--out", filepath.Join(out, "d"+ext),
					"--id-column", "fnr", "--report", filepath.Join(out, "d.json"))
				failClosed(t, o, expect{names: `leak guard: column "x" holds`}, planted, out)
			})
		}
	}
}

// Typed dates at the ends of the calendar (date32, date64 and timestamps
// on 9999-12-31 and 0001-01-01), shifted: the rows a shift would carry
// past year 9999 or before year 1 are quarantined as date-out-of-bounds,
// and no delivered value has a five-digit year or year 0.
func TestHostileTypedDatesOutOfRange(t *testing.T) {
	ids := plantIDs(t, 6)
	key, identity := suiteKey(t)
	mem := memory.NewGoAllocator()
	// Each person on 9999-12-31 and on 0001-01-01, so that whatever the
	// sign of a person's offset, one of the two leaves the calendar: as
	// dates, and as microseconds at noon.
	rows := append(append([]string{}, ids...), ids...)
	edges := func(timestamp bool) string {
		var e []string
		for i := range rows {
			d := time.Date(9999, 12, 31, 12, 0, 0, 0, time.UTC)
			if i >= len(ids) {
				d = time.Date(1, 1, 1, 12, 0, 0, 0, time.UTC)
			}
			if timestamp {
				e = append(e, strconv.FormatInt(d.UnixMicro(), 10))
			} else {
				e = append(e, `"`+d.Format(time.DateOnly)+`"`)
			}
		}
		return "[" + strings.Join(e, ",") + "]"
	}
	fnr, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["`+strings.Join(rows, `","`)+`"]`))
	require.NoError(t, err)
	defer fnr.Release()
	fields := []arrow.Field{{Name: "fnr", Type: arrow.BinaryTypes.String}}
	cols := []arrow.Array{fnr}
	for _, dt := range []arrow.DataType{arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}} {
		col, _, err := array.FromJSON(mem, dt, strings.NewReader(edges(dt.ID() == arrow.TIMESTAMP)))
		require.NoError(t, err, dt)
		defer col.Release()
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("d%d", len(fields)), Type: dt, Nullable: true})
		cols = append(cols, col)
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, int64(len(rows)))
	defer rec.Release()
	dir := namedDir(t, "dates")
	in := filepath.Join(dir, "reg.parquet")
	w, err := formats.Create(in, schema, formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	out := filepath.Join(dir, "out")
	for _, ext := range []string{".csv", ".parquet"} {
		o := koble("prepare", "--key", key, "-i", identity, "--in", in, "--out", filepath.Join(out, "d"+ext), "--id-column", "fnr",
			"--shift-dates", "d1,d2,d3", "--window", "3650", "--report", filepath.Join(out, "d"+ext+".json"), "--overwrite")
		failClosed(t, o, expect{codes: []int{exitOK}}, ids, out)
		text, ok := dataText(filepath.Join(out, "d"+ext))
		require.True(t, ok)
		assert.NotRegexp(t, `(^|[^0-9])(0000|[1-9][0-9]{4,})-[0-9]{2}-[0-9]{2}|(^|\s)-[0-9]{4}-`, text, ext)
		report, err := os.ReadFile(filepath.Join(out, "d"+ext+".json"))
		require.NoError(t, err)
		assert.Contains(t, string(report), `"date-out-of-bounds": 6`, ext)
	}
}

// IDs that are no row's value but travel in the file all the same: a
// dictionary value no row uses, the bytes under a null string and the
// number under a null integer (an Arrow writer delivers all three).
// prepare refuses to deliver, to every output format.
func TestHostileHiddenBehindNulls(t *testing.T) {
	ids := plantIDs(t, 6)
	key, identity := suiteKey(t)
	mem := memory.NewGoAllocator()
	hidden := ids[5]
	n, err := strconv.ParseInt(hidden, 10, 64)
	require.NoError(t, err)
	dict, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["C50", "`+hidden+`"]`))
	require.NoError(t, err)
	idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[0, 0, null, 0, 0]`))
	require.NoError(t, err)
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	valid := memory.NewBufferBytes([]byte{0b11101})
	under := "a" + hidden + "b"
	offs := arrow.Int32Traits.CastToBytes([]int32{0, 1, 1, 1 + int32(len(hidden)), int32(len(under)), int32(len(under))})
	columns := map[string]arrow.Array{
		"unused dictionary value": array.NewDictionaryArray(dt, idx, dict),
		"string under a null": array.MakeFromData(array.NewData(arrow.BinaryTypes.String, 5,
			[]*memory.Buffer{valid, memory.NewBufferBytes(offs), memory.NewBufferBytes([]byte(under))}, nil, 1, 0)),
		"int64 under a null": array.MakeFromData(array.NewData(arrow.PrimitiveTypes.Int64, 5,
			[]*memory.Buffer{valid, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes([]int64{1, 2, n, 4, 5}))}, nil, 1, 0)),
	}
	fnr, _, err := array.FromJSON(mem, arrow.BinaryTypes.String, strings.NewReader(`["`+strings.Join(ids[:5], `","`)+`"]`))
	require.NoError(t, err)
	for name, col := range columns {
		t.Run(name, func(t *testing.T) {
			schema := arrow.NewSchema([]arrow.Field{{Name: "fnr", Type: arrow.BinaryTypes.String}, {Name: "x", Type: col.DataType(), Nullable: true}}, nil)
			rec := array.NewRecordBatch(schema, []arrow.Array{fnr, col}, 5)
			defer rec.Release()
			in := filepath.Join(t.TempDir(), "reg.arrow")
			w, err := formats.Create(in, schema, formats.WriteOptions{})
			require.NoError(t, err)
			require.NoError(t, w.Write(rec))
			require.NoError(t, w.Close())
			for _, ext := range []string{".arrow", ".arrows", ".parquet", ".csv"} {
				out := t.TempDir()
				o := koble("prepare", "--key", key, "-i", identity, "--in", in, "--out", filepath.Join(out, "d"+ext), "--id-column", "fnr")
				failClosed(t, o, expect{names: `leak guard: column "x" holds`}, ids, out)
			}
		})
	}
}
