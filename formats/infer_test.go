package formats_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// stringColumn builds a text column; "\x00" is a null.
func stringColumn(mem memory.Allocator, values []string) *array.String {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, v := range values {
		if v == "\x00" {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewStringArray()
}

func TestInferType(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values []string
		want   arrow.DataType
	}{
		{"whole numbers", []string{"7", "-12", "0", "\x00", "", "9223372036854775807"}, arrow.PrimitiveTypes.Int64},
		{"ISO dates", []string{"2024-02-29", "\x00", "1899-12-31"}, arrow.FixedWidthTypes.Date32},
		{"Norwegian dates", []string{"29.02.2024", "01.01.1970"}, arrow.FixedWidthTypes.Date32},
		{"both date spellings", []string{"29.02.2024", "2024-03-01"}, arrow.FixedWidthTypes.Date32},
		{"municipality with a leading zero", []string{"1103", "0301", "5001"}, nil},
		{"postcode", []string{"0150", "5003"}, nil},
		{"national IDs", []string{"01017012345", "15108695088"}, nil},
		{"ICD-10 codes", []string{"C50", "I21.4"}, nil},
		{"ATC codes", []string{"N02BE01"}, nil},
		{"plus sign", []string{"+47"}, nil},
		{"negative zero", []string{"-0"}, nil},
		{"spaces", []string{" 7"}, nil},
		{"beyond int64", []string{"9223372036854775808"}, nil},
		{"numbers and dates mixed", []string{"7", "2024-01-01"}, nil},
		{"date and time", []string{"2024-01-01T10:00"}, nil},
		{"not a calendar date", []string{"2023-02-29"}, nil},
		{"partial date", []string{"2024-03"}, nil},
		{"decimals", []string{"1.5"}, nil},
		{"no value", []string{"\x00", ""}, nil},
		{"empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			col := stringColumn(mem, tc.values)
			defer col.Release()
			got := formats.InferType(col)
			assert.Equal(t, tc.want, got, "got %v, want %v", got, tc.want)
		})
	}
}

// InferTypes samples the first records only; a later record that does not
// fit is an error naming its line and column when the file is read with
// the inferred types, never a silent change.
func TestInferTypes(t *testing.T) {
	p := writeFile(t, "in.csv", "fnr,kommune,postnr,n,d,nd,tekst,tom\n"+
		"15108695088,0301,5003,7,2024-02-29,29.02.2024,a,\n"+
		"01017012345,1103,5004,-3,2024-03-01,01.03.2024,b,\n"+
		"45014054018,5001,0150,8,2024-03-02,02.03.2024,c,\n")
	var asked []string
	textOnly := func(col string, sample *array.String) bool {
		asked = append(asked, col)
		assert.Equal(t, 2, sample.Len(), "the sample of %q", col)
		return col == "nd"
	}
	got, err := formats.InferTypes(p, formats.ReadOptions{Types: map[string]arrow.DataType{"n": arrow.BinaryTypes.String}}, 2, textOnly)
	require.NoError(t, err)
	want := map[string]arrow.DataType{"postnr": arrow.PrimitiveTypes.Int64, "d": arrow.FixedWidthTypes.Date32}
	assert.Equal(t, []string{"postnr", "d", "nd"}, asked, "textOnly is asked about the columns that fit a type")
	assert.Equal(t, want, got, "got %v, want %v", got, want)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r, err := formats.Open(p, formats.ReadOptions{Types: got, Allocator: mem})
	require.NoError(t, err)
	defer r.Close()
	for r.Next() {
	}
	require.Error(t, r.Err())
	assert.Contains(t, r.Err().Error(), `in.csv, line 4, column "postnr": a whole number written with a leading zero`)
	assert.NotContains(t, r.Err().Error(), "0150")
}

func TestInferTypesBinaryAndStdin(t *testing.T) {
	p := writeFile(t, "in.csv", "n\n1\n")
	pq := strings.TrimSuffix(p, ".csv") + ".parquet"
	_, err := formats.Convert(t.Context(), p, pq, formats.ReadOptions{}, formats.WriteOptions{})
	require.NoError(t, err)
	got, err := formats.InferTypes(pq, formats.ReadOptions{}, 0, nil)
	require.NoError(t, err)
	assert.Empty(t, got, "a Parquet file's types are in the file")
	_, err = formats.InferTypes("-", formats.ReadOptions{}, 0, nil)
	assert.ErrorContains(t, err, "standard input")
	_, err = formats.InferTypes(writeFile(t, "empty.csv", ""), formats.ReadOptions{}, 0, nil)
	assert.ErrorContains(t, err, "empty.csv")
}

func TestCSVTypedSpellings(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		typ           arrow.DataType
		want          []string
		err           string
	}{
		{"Norwegian date", "d\n29.02.2024\n31.12.1899\n", arrow.FixedWidthTypes.Date32, []string{"2024-02-29", "1899-12-31"}, ""},
		{"Norwegian non-date", "d\n30.02.2024\n", arrow.FixedWidthTypes.Date32, nil, "not a date in the form YYYY-MM-DD or DD.MM.YYYY"},
		{"leading zero", "n\n0301\n", arrow.PrimitiveTypes.Int64, nil, "leading zero"},
		{"plus sign", "n\n+4\n", arrow.PrimitiveTypes.Int64, nil, "plus sign"},
		{"zero and negatives", "n\n0\n-7\n 8 \n", arrow.PrimitiveTypes.Int64, []string{"0", "-7", "8"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "in.csv", tc.content)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			col := strings.SplitN(tc.content, "\n", 2)[0]
			r, err := formats.Open(p, formats.ReadOptions{Allocator: mem, Types: map[string]arrow.DataType{col: tc.typ}})
			require.NoError(t, err)
			defer r.Close()
			var got []string
			for r.Next() {
				c := r.RecordBatch().Column(0)
				for i := 0; i < c.Len(); i++ {
					got = append(got, c.ValueStr(i))
				}
			}
			if tc.err != "" {
				assert.ErrorContains(t, r.Err(), tc.err)
				return
			}
			require.NoError(t, r.Err())
			assert.Equal(t, tc.want, got, "got %v, want %v", got, tc.want)
		})
	}
}

func TestParseType(t *testing.T) {
	for _, name := range []string{"string", "int64", "float64", "bool", "date"} {
		typ, err := formats.ParseType(name)
		require.NoError(t, err, name)
		assert.Equal(t, name, formats.TypeName(typ))
	}
	for alias, want := range map[string]string{"Text": "string", "integer": "int64", "number": "float64", "boolean": "bool", " date ": "date"} {
		typ, err := formats.ParseType(alias)
		require.NoError(t, err, alias)
		assert.Equal(t, want, formats.TypeName(typ), alias)
	}
	_, err := formats.ParseType("datetime")
	assert.ErrorContains(t, err, `unknown column type "datetime" (want string, int64, float64, bool or date)`)
	assert.Equal(t, "int32", formats.TypeName(arrow.PrimitiveTypes.Int32))
}

// FuzzInferType: whatever type a sample is inferred to have, reading the
// same text with that type succeeds, and an inferred whole number or ISO
// date is written back as the very text it was read from.
func FuzzInferType(f *testing.F) {
	for _, s := range []string{"7\n-12\n0", "0301\n5003", "2024-02-29\n29.02.2024", "01017012345", "+1", "-0", "2024-13-01", "1.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		values := strings.Split(s, "\n")
		col := stringColumn(mem, values)
		defer col.Release()
		typ := formats.InferType(col)
		if typ == nil {
			return
		}
		b := array.NewBuilder(mem, typ)
		defer b.Release()
		for _, v := range values {
			if v == "" || v == "\x00" {
				continue
			}
			var err error
			switch typ.ID() {
			case arrow.INT64:
				err = b.AppendValueFromString(v)
			case arrow.DATE32:
				if strings.Contains(v, ".") {
					v = v[6:10] + "-" + v[3:5] + "-" + v[0:2]
				}
				err = b.AppendValueFromString(v)
			}
			require.NoError(t, err, "%q inferred %s", v, typ)
			a := b.NewArray()
			assert.Equal(t, v, a.ValueStr(0), "%q inferred %s", v, typ)
			a.Release()
		}
	})
}
