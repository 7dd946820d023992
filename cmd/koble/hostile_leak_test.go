package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// The test identity that opens the suite's project key; it is not planted:
// it stands for the register manager's own.
const (
	suiteIdentity  = "AGE-SECRET-KEY-1UV4H88TXNSASU2FXYURD93FCJSNQV7KJ2MQM4E3SY6KZ74C2H8XS0WK89H"
	suiteRecipient = "age1v6myrw0lp4jy0lyhc4r5z5z3uhelef44mh0m4ncfxgycsxx7nutq6npxx6"
)

// suiteKey makes a project key for the suite: its path and the identity
// file that opens it.
func suiteKey(t *testing.T) (key, identity string) {
	t.Helper()
	dir := t.TempDir()
	key, identity = filepath.Join(dir, "p.key"), filepath.Join(dir, "p.identity")
	require.NoError(t, os.WriteFile(identity, []byte(suiteIdentity+"\n"), 0o600))
	o := koble("keygen", "--project", "hostile", "--out", key, "--recipient", suiteRecipient, "--quiet")
	require.Equal(t, exitOK, o.code, o)
	return key, identity
}

// hiddenColumn makes a column of n rows that hides id in one row (the
// others null or harmless), of one of the types an ID travels in.
type hiddenColumn struct {
	name string
	typ  arrow.DataType
	make func(b array.Builder, id string, hide bool)
}

func hiddenColumns() []hiddenColumn {
	str := func(form func(string) string) func(array.Builder, string, bool) {
		return func(b array.Builder, id string, hide bool) {
			if hide {
				b.(*array.StringBuilder).Append(form(id))
			} else {
				b.(*array.StringBuilder).Append("C50.9")
			}
		}
	}
	num := func(id string) int64 {
		var v int64
		for _, c := range id {
			v = v*10 + int64(c-'0')
		}
		return v
	}
	return []hiddenColumn{
		{"plain", arrow.BinaryTypes.String, str(func(id string) string { return id })},
		{"inside", arrow.BinaryTypes.String, str(func(id string) string { return "X" + id + "Y" })},
		{"zeros", arrow.BinaryTypes.String, str(func(id string) string { return "00" + id })},
		{"dotted", arrow.BinaryTypes.String, str(func(id string) string { return id[:2] + "." + id[2:4] + "." + id[4:6] + " " + id[6:] })},
		{"fullwidth", arrow.BinaryTypes.String, str(func(id string) string {
			return strings.Map(func(r rune) rune { return '０' + r - '0' }, id)
		})},
		{"int64", arrow.PrimitiveTypes.Int64, func(b array.Builder, id string, hide bool) {
			if hide {
				b.(*array.Int64Builder).Append(num(id))
			} else {
				b.(*array.Int64Builder).Append(42)
			}
		}},
		{"decimal", &arrow.Decimal128Type{Precision: 18, Scale: 0}, func(b array.Builder, id string, hide bool) {
			v := int64(7)
			if hide {
				v = num(id)
			}
			b.(*array.Decimal128Builder).Append(decimal128.FromI64(v))
		}},
		{"double", arrow.PrimitiveTypes.Float64, func(b array.Builder, id string, hide bool) {
			v := 3.5
			if hide {
				v = float64(num(id))
			}
			b.(*array.Float64Builder).Append(v)
		}},
		{"dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, func(b array.Builder, id string, hide bool) {
			v := "N18"
			if hide {
				v = id
			}
			if err := b.(*array.BinaryDictionaryBuilder).AppendString(v); err != nil {
				panic(err)
			}
		}},
		{"list", arrow.ListOf(arrow.BinaryTypes.String), func(b array.Builder, id string, hide bool) {
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder().(*array.StringBuilder)
			vb.Append("I21")
			if hide {
				vb.Append(id)
			}
		}},
		{"struct", arrow.StructOf(arrow.Field{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true}), func(b array.Builder, id string, hide bool) {
			sb := b.(*array.StructBuilder)
			sb.Append(true)
			v := "E11"
			if hide {
				v = id
			}
			sb.FieldBuilder(0).(*array.StringBuilder).Append(v)
		}},
		{"binary", arrow.BinaryTypes.Binary, func(b array.Builder, id string, hide bool) {
			v := []byte("J45")
			if hide {
				v = []byte(id)
			}
			b.(*array.BinaryBuilder).Append(v)
		}},
	}
}

// writeRegister writes a register as Parquet (or what path's extension
// says): an fnr column of the ids, a date, and the extra columns given,
// hiding hidden in the last row, with the file metadata given.
func writeRegister(t *testing.T, path string, ids []string, hidden string, extra []hiddenColumn, meta map[string]string) {
	t.Helper()
	mem := memory.NewGoAllocator()
	fields := []arrow.Field{{Name: "fnr", Type: arrow.BinaryTypes.String, Nullable: true}, {Name: "d", Type: arrow.BinaryTypes.String, Nullable: true}}
	for _, c := range extra {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i, id := range ids {
		b.Field(0).(*array.StringBuilder).Append(id)
		b.Field(1).(*array.StringBuilder).Append("2024-01-1" + string(rune('0'+i%10)))
		for j, c := range extra {
			c.make(b.Field(2+j), hidden, i == len(ids)-1)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	w, err := formats.Create(path, schema, formats.WriteOptions{Metadata: meta})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
}

// IDs hidden in every Arrow type, in a column's name and in the file's
// metadata: prepare refuses to deliver (exit 1), names the column or the
// place, quotes nothing, and leaves nothing in the output folder.
func TestHostileHiddenIDs(t *testing.T) {
	ids := plantIDs(t, 6)
	subjects, hidden := ids[:5], ids[5]
	planted := append([]string{}, ids...)
	key, identity := suiteKey(t)
	prepare := func(t *testing.T, in string, extra ...string) (outcome, string) {
		out := t.TempDir()
		args := append([]string{"prepare", "--key", key, "-i", identity, "--in", in, "--out", filepath.Join(out, "d.parquet"),
			"--id-column", "fnr", "--report", filepath.Join(out, "d.json"), "--quarantine", filepath.Join(out, "d.q.csv")}, extra...)
		return koble(args...), out
	}
	for _, c := range hiddenColumns() {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "reg.parquet")
			writeRegister(t, in, subjects, hidden, []hiddenColumn{c}, nil)
			o, out := prepare(t, in)
			failClosed(t, o, expect{names: `"` + c.name + `"`}, planted, out)
		})
	}
	t.Run("column name", func(t *testing.T) {
		c := hiddenColumns()[0]
		c.name = "kopi " + hidden
		in := filepath.Join(t.TempDir(), "reg.parquet")
		writeRegister(t, in, subjects, "x", []hiddenColumn{c}, nil)
		o, out := prepare(t, in)
		failClosed(t, o, expect{names: "reg.parquet"}, planted, out)
	})
	t.Run("metadata", func(t *testing.T) {
		in := filepath.Join(t.TempDir(), "reg.parquet")
		writeRegister(t, in, subjects, "x", nil, map[string]string{"exported.by": "query where fnr = " + hidden})
		o, out := prepare(t, in)
		// The input's file metadata is not delivered: it may pass.
		failClosed(t, o, expect{codes: []int{exitOK, exitFailure}, names: "reg.parquet"}, planted, out)
	})
	t.Run("csv", func(t *testing.T) {
		in := filepath.Join(t.TempDir(), "reg.csv")
		writeRegister(t, in, subjects, hidden, hiddenColumns()[:5], nil)
		o, out := prepare(t, in)
		failClosed(t, o, expect{names: `"plain"`}, planted, out)
	})
}
