package formats_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/koble/koble/formats"
)

// readAll reads a file into a table-like list of batches' rows as strings
// (null as "<null>"), checking for leaks.
func readAll(t *testing.T, path string, opts formats.ReadOptions) (*arrow.Schema, [][]string, map[string]string) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	opts.Allocator = mem
	r, err := formats.Open(path, opts)
	require.NoError(t, err)
	defer r.Close()
	var rows [][]string
	for r.Next() {
		b := r.RecordBatch()
		require.True(t, b.Schema().Equal(r.Schema()))
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]string, b.NumCols())
			for j, c := range b.Columns() {
				if c.IsNull(i) {
					row[j] = "<null>"
				} else {
					row[j] = c.ValueStr(i)
				}
			}
			rows = append(rows, row)
		}
	}
	require.NoError(t, r.Err())
	return r.Schema(), rows, r.Metadata()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestCSVRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		opts    formats.ReadOptions
		header  []string
		rows    [][]string
	}{
		{"comma", "a,b\n1,2\n", formats.ReadOptions{}, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"semicolon detected", "a;b\n01,5;x\n", formats.ReadOptions{}, []string{"a", "b"}, [][]string{{"01,5", "x"}}},
		{"tab detected", "a\tb\n1\t2\n", formats.ReadOptions{}, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"pipe detected", "a|b|c\n1|2|3\n", formats.ReadOptions{}, []string{"a", "b", "c"}, [][]string{{"1", "2", "3"}}},
		{"delimiter given", "a;b,c\n1;2,3\n", formats.ReadOptions{Delimiter: ','}, []string{"a;b", "c"}, [][]string{{"1;2", "3"}}},
		{"BOM and CRLF", "\xEF\xBB\xBFid,name\r\n01017012345,Åse\r\n", formats.ReadOptions{}, []string{"id", "name"}, [][]string{{"01017012345", "Åse"}}},
		{"leading zeros kept", "fnr\n01017012345\n00000000001\n", formats.ReadOptions{}, []string{"fnr"}, [][]string{{"01017012345"}, {"00000000001"}}},
		{"null and empty", "a,b,c\n,\"\",x\n", formats.ReadOptions{}, []string{"a", "b", "c"}, [][]string{{"<null>", "", "x"}}},
		{"quoted newline and quote", "a,b\n\"line1\nline2\",\"say \"\"hi\"\"\"\n", formats.ReadOptions{}, []string{"a", "b"}, [][]string{{"line1\nline2", `say "hi"`}}},
		{"quoted CRLF kept", "a\r\n\"x\r\ny\"\r\n", formats.ReadOptions{}, []string{"a"}, [][]string{{"x\r\ny"}}},
		{"blank lines skipped", "a\n\n1\n\n2\n", formats.ReadOptions{}, []string{"a"}, [][]string{{"1"}, {"2"}}},
		{"no final newline", "a,b\n1,2", formats.ReadOptions{}, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"latin-1", "navn\n\xe6\xf8\xe5\xc6\xd8\xc5\n", formats.ReadOptions{Encoding: formats.EncodingLatin1}, []string{"navn"}, [][]string{{"æøåÆØÅ"}}},
		{"windows-1252 euro", "x\n\x80\n", formats.ReadOptions{Encoding: formats.EncodingWindows1252}, []string{"x"}, [][]string{{"€"}}},
		{"typed", "n,d,f,b\n7,2024-02-29,1.5,true\n,,,\n", formats.ReadOptions{Types: map[string]arrow.DataType{
			"n": arrow.PrimitiveTypes.Int64, "d": arrow.FixedWidthTypes.Date32, "f": arrow.PrimitiveTypes.Float64, "b": arrow.FixedWidthTypes.Boolean}},
			[]string{"n", "d", "f", "b"}, [][]string{{"7", "2024-02-29", "1.5", "true"}, {"<null>", "<null>", "<null>", "<null>"}}},
		{"columns selected and reordered", "a,b,c\n1,2,3\n", formats.ReadOptions{Columns: []string{"c", "a"}}, []string{"c", "a"}, [][]string{{"3", "1"}}},
		{"header only", "a,b\n", formats.ReadOptions{}, []string{"a", "b"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "in.csv", tc.content)
			schema, rows, _ := readAll(t, p, tc.opts)
			var names []string
			for _, f := range schema.Fields() {
				names = append(names, f.Name)
			}
			assert.Equal(t, tc.header, names)
			assert.Equal(t, tc.rows, rows, "got %v, want %v", rows, tc.rows)
		})
	}
}

func TestCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		opts    formats.ReadOptions
		want    string
	}{
		{"ragged short", "a,b\n1,2\n3\n", formats.ReadOptions{}, "in.csv, line 3: row has 1 fields, the header has 2"},
		{"ragged long", "a,b\n1,2,3\n", formats.ReadOptions{}, "in.csv, line 2: row has 3 fields, the header has 2"},
		{"bare quote", "a\nx\"y\n", formats.ReadOptions{}, "in.csv, line 2: a quote inside unquoted field 1"},
		{"text after quote", "a,b\n\"x\"y,1\n", formats.ReadOptions{}, "in.csv, line 2: text after the closing quote of field 1"},
		{"unclosed quote", "a\n\"abc\n", formats.ReadOptions{}, "in.csv, line 2: quoted field is not closed before the end of the file"},
		{"empty file", "", formats.ReadOptions{}, "file is empty: no header line"},
		{"duplicate header", "a,a\n1,2\n", formats.ReadOptions{}, `header names column "a" twice`},
		{"empty header name", "a,,c\n1,2,3\n", formats.ReadOptions{}, "header column 2 has no name"},
		{"invalid utf-8", "a\n\xe6\n", formats.ReadOptions{}, "line 2: not valid UTF-8"},
		{"missing column", "a,b\n1,2\n", formats.ReadOptions{Columns: []string{"fnr"}}, `column "fnr": no such column (it has "a", "b")`},
		{"bad int", "n\n12\nx\n", formats.ReadOptions{Types: map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64}}, `in.csv, line 3, column "n": not a whole number`},
		{"bad date", "d\n2023-02-29\n", formats.ReadOptions{Types: map[string]arrow.DataType{"d": arrow.FixedWidthTypes.Date32}}, `line 2, column "d": not a date`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "in.csv", tc.content)
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.opts.Allocator = mem
			r, err := formats.Open(p, tc.opts)
			if err == nil {
				for r.Next() {
				}
				err = r.Err()
				r.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), "in.csv")
		})
	}
}

// The error for a bad field names the line and column but never quotes
// the value, which could be an ID.
func TestErrorsQuoteNoValues(t *testing.T) {
	p := writeFile(t, "in.csv", "n\n01017012345x\n")
	r, err := formats.Open(p, formats.ReadOptions{Types: map[string]arrow.DataType{"n": arrow.PrimitiveTypes.Int64}})
	require.NoError(t, err)
	defer r.Close()
	for r.Next() {
	}
	require.Error(t, r.Err())
	assert.NotContains(t, r.Err().Error(), "01017012345")

	// The errors of the bounds and the line ends quote no value either.
	for name, c := range map[string]struct {
		text string
		opts formats.ReadOptions
	}{
		"field too long":          {"n,m\n1,01017012345\n", formats.ReadOptions{MaxFieldSize: 4}},
		"quoted field too long":   {"n,m\n1,\"01017\n012345\"\n", formats.ReadOptions{MaxFieldSize: 4}},
		"header field too long":   {"01017012345,m\n1,2\n", formats.ReadOptions{MaxFieldSize: 4}},
		"too many columns":        {"01017012345,01017012346,01017012347\n", formats.ReadOptions{MaxColumns: 2}},
		"row too wide":            {"a\n01017012345,01017012346,01017012347\n", formats.ReadOptions{MaxColumns: 2}},
		"headerless CR-only file": {"5503;01017012345\r5503;01017012345\r", formats.ReadOptions{}},
		"CR-only ragged row":      {"a;b\r5503;01017012345;x\r", formats.ReadOptions{}},
	} {
		for _, parallel := range []int{0, 2} {
			c.opts.Parallel = parallel
			_, errText := csvBatches(t, []byte(c.text), c.opts)
			if name != "headerless CR-only file" {
				assert.NotEmpty(t, errText, name)
			}
			assert.NotContains(t, errText, "01017012345", name)
			assert.NotContains(t, errText, "012345", name)
		}
	}
}

// The round trip CSV (Latin-1) -> Parquet -> Arrow -> Arrow stream -> CSV
// (Latin-1) gives back the input byte for byte: leading zeros, null versus
// empty string, æøå and dates all survive.
func TestRoundTrip(t *testing.T) {
	input := "fnr,name,note,date\n" +
		"01017012345,\xc5se \xd8stb\xf8,\"\",2024-02-29\n" +
		"00000000001,,\"a,b \"\"c\"\"\",\n" +
		"31129999999,\xe6\xf8\xe5,\"two\nlines\",1899-12-31\n"
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, []byte(input), 0o600))
	steps := []struct {
		path string
		ro   formats.ReadOptions
		wo   formats.WriteOptions
	}{
		{filepath.Join(dir, "a.parquet"), formats.ReadOptions{Encoding: formats.EncodingLatin1}, formats.WriteOptions{}},
		{filepath.Join(dir, "b.arrow"), formats.ReadOptions{}, formats.WriteOptions{Compression: formats.CompressionZstd}},
		{filepath.Join(dir, "c.arrows"), formats.ReadOptions{}, formats.WriteOptions{Compression: formats.CompressionLZ4}},
		{filepath.Join(dir, "d.csv"), formats.ReadOptions{}, formats.WriteOptions{Encoding: formats.EncodingLatin1}},
	}
	src := in
	for _, s := range steps {
		convert(t, src, s.path, s.ro, s.wo)
		src = s.path
	}
	out, err := os.ReadFile(src)
	require.NoError(t, err)
	assert.Equal(t, input, string(out))
}

func convert(t *testing.T, in, out string, ro formats.ReadOptions, wo formats.WriteOptions) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ro.Allocator = mem
	r, err := formats.Open(in, ro)
	require.NoError(t, err)
	defer r.Close()
	wo.Metadata = r.Metadata()
	w, err := formats.Create(out, r.Schema(), wo)
	require.NoError(t, err)
	defer w.Abort()
	for r.Next() {
		require.NoError(t, w.Write(r.RecordBatch()))
	}
	require.NoError(t, r.Err())
	require.NoError(t, w.Close())
}

// typedBatch builds a batch with the types Parquet and Arrow must carry
// through untouched.
func typedBatch(mem memory.Allocator) arrow.RecordBatch {
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Oslo"}
	naive := &arrow.TimestampType{Unit: arrow.Millisecond}
	dec := &arrow.Decimal128Type{Precision: 12, Scale: 3}
	list := arrow.ListOf(arrow.PrimitiveTypes.Int32)
	st := arrow.StructOf(arrow.Field{Name: "code", Type: arrow.BinaryTypes.String, Nullable: true}, arrow.Field{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	md := arrow.NewMetadata([]string{"source"}, []string{"test"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: ts, Nullable: true},
		{Name: "naive", Type: naive, Nullable: true},
		{Name: "dec", Type: dec, Nullable: true},
		{Name: "list", Type: list, Nullable: true},
		{Name: "st", Type: st, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, &md)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	t0 := time.Date(2024, 3, 31, 1, 30, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		b.Field(0).(*array.Date32Builder).Append(arrow.Date32FromTime(t0.AddDate(0, 0, i)))
		b.Field(1).(*array.TimestampBuilder).Append(arrow.Timestamp(t0.Add(time.Duration(i) * time.Hour).UnixMicro()))
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(t0.UnixMilli()))
		b.Field(3).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(12345 * (i + 1))))
		lb := b.Field(4).(*array.ListBuilder)
		lb.Append(true)
		for k := 0; k <= i; k++ {
			lb.ValueBuilder().(*array.Int32Builder).Append(int32(k))
		}
		sb := b.Field(5).(*array.StructBuilder)
		sb.Append(true)
		sb.FieldBuilder(0).(*array.StringBuilder).Append("C50")
		sb.FieldBuilder(1).(*array.Int64Builder).Append(int64(i))
		if i == 1 {
			b.Field(6).AppendNull()
			b.Field(7).(*array.StringBuilder).Append("")
		} else {
			b.Field(6).(*array.Int64Builder).Append(int64(i))
			b.Field(7).AppendNull()
		}
	}
	return b.NewRecordBatch()
}

func TestTypesPreserved(t *testing.T) {
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		t.Run(ext, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			want := typedBatch(mem)
			defer want.Release()
			p := filepath.Join(t.TempDir(), "typed"+ext)
			w, err := formats.Create(p, want.Schema(), formats.WriteOptions{Allocator: mem, Metadata: map[string]string{"koble.project": "p1"}})
			require.NoError(t, err)
			require.NoError(t, w.Write(want))
			require.NoError(t, w.Close())

			r, err := formats.Open(p, formats.ReadOptions{Allocator: mem})
			require.NoError(t, err)
			defer r.Close()
			require.True(t, r.Next())
			got := r.RecordBatch()
			for i, f := range want.Schema().Fields() {
				gf := got.Schema().Field(i)
				assert.Equal(t, f.Name, gf.Name)
				assert.True(t, arrow.TypeEqual(f.Type, gf.Type), "column %s: got type %s, want %s", f.Name, gf.Type, f.Type)
				assert.True(t, array.Equal(want.Column(i), got.Column(i)), "column %s differs", f.Name)
			}
			assert.Equal(t, "p1", r.Metadata()["koble.project"])
			assert.False(t, r.Next())
			require.NoError(t, r.Err())
		})
	}
}

// Batches never exceed the batch size, and row order is kept across
// batches and Parquet row groups, at the edges: one less, equal, one more.
func TestBatchEdges(t *testing.T) {
	const batch = 8
	for _, n := range []int{0, 1, batch - 1, batch, batch + 1, 3*batch + 5} {
		for _, ext := range []string{".csv", ".parquet", ".arrow", ".arrows"} {
			t.Run(ext+"/"+itoa(n), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
				p := filepath.Join(t.TempDir(), "f"+ext)
				w, err := formats.Create(p, schema, formats.WriteOptions{Allocator: mem, RowGroupRows: 5})
				require.NoError(t, err)
				// Write in uneven chunks of 3.
				for start := 0; start < n; start += 3 {
					b := array.NewStringBuilder(mem)
					for i := start; i < min(n, start+3); i++ {
						b.Append(itoa(i))
					}
					col := b.NewArray()
					rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
					require.NoError(t, w.Write(rec))
					rec.Release()
					col.Release()
					b.Release()
				}
				require.NoError(t, w.Close())
				r, err := formats.Open(p, formats.ReadOptions{Allocator: mem, BatchSize: batch})
				require.NoError(t, err)
				defer r.Close()
				next := 0
				for r.Next() {
					b := r.RecordBatch()
					require.LessOrEqual(t, int(b.NumRows()), batch)
					col := b.Column(0).(*array.String)
					for i := 0; i < col.Len(); i++ {
						require.Equal(t, itoa(next), col.Value(i))
						next++
					}
				}
				require.NoError(t, r.Err())
				assert.Equal(t, n, next)
			})
		}
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + formatInt(i)) }

func formatInt(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func TestProjection(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	want := typedBatch(mem)
	defer want.Release()
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		t.Run(ext, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "typed"+ext)
			w, err := formats.Create(p, want.Schema(), formats.WriteOptions{})
			require.NoError(t, err)
			require.NoError(t, w.Write(want))
			require.NoError(t, w.Close())
			schema, rows, _ := readAll(t, p, formats.ReadOptions{Columns: []string{"s", "st", "d"}})
			require.Equal(t, 3, schema.NumFields())
			assert.Equal(t, "s", schema.Field(0).Name)
			assert.Equal(t, "st", schema.Field(1).Name)
			assert.Equal(t, "d", schema.Field(2).Name)
			assert.Equal(t, []string{"<null>", `{"code":"C50","n":0}`, "2024-03-31"}, rows[0])
			_, err = formats.Open(p, formats.ReadOptions{Columns: []string{"fnr"}})
			require.ErrorIs(t, err, formats.ErrMissingColumn)
			assert.Contains(t, err.Error(), "typed"+ext)
		})
	}
}

func TestAtomicOutput(t *testing.T) {
	dir := t.TempDir()
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}}, nil)
	target := filepath.Join(dir, "out.parquet")

	w, err := formats.Create(target, schema, formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Abort())
	assertEmptyDir(t, dir)

	w, err = formats.Create(target, schema, formats.WriteOptions{})
	require.NoError(t, err)
	entries, _ := os.ReadDir(dir)
	require.Len(t, entries, 1)
	assert.True(t, strings.HasPrefix(entries[0].Name(), ".out.parquet."), "temporary file %s", entries[0].Name())
	_, err = os.Stat(target)
	assert.True(t, os.IsNotExist(err), "target exists before Close")
	require.NoError(t, w.Close())
	require.NoError(t, w.Abort()) // after Close: nothing
	st, err := os.Stat(target)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	entries, _ = os.ReadDir(dir)
	assert.Len(t, entries, 1)

	_, err = formats.Create(target, schema, formats.WriteOptions{})
	assert.ErrorContains(t, err, "already exists")
	w, err = formats.Create(target, schema, formats.WriteOptions{Overwrite: true})
	require.NoError(t, err)
	require.NoError(t, w.Close())

	// A target that appears while writing is not replaced.
	other := filepath.Join(dir, "race.csv")
	w, err = formats.Create(other, schema, formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(other, []byte("theirs"), 0o600))
	assert.ErrorContains(t, w.Close(), "appeared while writing")
	b, _ := os.ReadFile(other)
	assert.Equal(t, "theirs", string(b))

	_, err = formats.Create(filepath.Join(dir, "no", "such", "x.csv"), schema, formats.WriteOptions{})
	assert.ErrorContains(t, err, "output folder")
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	mem := memory.NewGoAllocator()
	rec := typedBatch(mem)
	defer rec.Release()
	w, err := formats.Create(good, rec.Schema(), formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	data, _ := os.ReadFile(good)

	ga := filepath.Join(dir, "good.arrow")
	w, err = formats.Create(ga, rec.Schema(), formats.WriteOptions{})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	adata, _ := os.ReadFile(ga)

	for _, tc := range []struct {
		name    string
		file    string
		content []byte
		want    string
	}{
		{"unknown extension", "x.xlsx", []byte("PK"), `unknown extension ".xlsx"`},
		{"no extension", "data", []byte("a,b"), "no file extension"},
		{"csv named parquet", "x.parquet", []byte("a,b\n1,2\n"), "not a parquet file"},
		{"parquet named arrow", "x.arrow", data, "the extension says arrow but the content is parquet"},
		{"empty parquet", "x.parquet", nil, "file is empty"},
		{"truncated parquet", "t.parquet", data[:len(data)/2], "t.parquet"},
		{"truncated arrow", "t.arrow", adata[:len(adata)-20], "t.arrow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.file)
			require.NoError(t, os.WriteFile(p, tc.content, 0o600))
			r, err := formats.Open(p, formats.ReadOptions{})
			if err == nil {
				for r.Next() {
				}
				err = r.Err()
				r.Close()
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), tc.file)
		})
	}
	_, err = formats.Open(filepath.Join(dir, "missing.csv"), formats.ReadOptions{})
	assert.ErrorContains(t, err, "missing.csv")
	_, err = formats.Open(dir+"/", formats.ReadOptions{Format: formats.FormatCSV})
	assert.ErrorContains(t, err, "is a directory")
}

func TestLatin1WriteUnencodable(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.Append("€ is not Latin-1")
	col := b.NewArray()
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 1)
	var buf bytes.Buffer
	w, err := formats.NewWriter(&buf, "out.csv", schema, formats.WriteOptions{Encoding: formats.EncodingLatin1})
	require.NoError(t, err)
	err = w.Write(rec)
	if err == nil {
		err = w.Close()
	}
	require.Error(t, err, "an unencodable character must not be replaced silently")
	assert.Contains(t, err.Error(), "out.csv")
	// Windows-1252 has the euro sign.
	buf.Reset()
	w, err = formats.NewWriter(&buf, "out.csv", schema, formats.WriteOptions{Encoding: formats.EncodingWindows1252})
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())
	dec, _ := charmap.Windows1252.NewDecoder().String(buf.String())
	assert.Equal(t, "a\n€ is not Latin-1\n", dec)
}

// A CSV file without a header row makes its first record the column
// names; errors that list the columns must not echo that record, which may
// hold an identity number, and should say what is likely wrong.
func TestHeaderlessCSVErrorsQuoteNoValues(t *testing.T) {
	p := writeFile(t, "noheader.csv", "15108695088,2024-01-01,C50\n45014054018,2024-02-01,C18\n")
	_, err := formats.Open(p, formats.ReadOptions{Columns: []string{"fnr"}})
	require.ErrorIs(t, err, formats.ErrMissingColumn)
	assert.NotContains(t, err.Error(), "15108695088")
	assert.NotContains(t, err.Error(), "2024-01-01")
	assert.Contains(t, err.Error(), `column 1, column 2, "C50"; the first line looks like data: does the file have a header row?`)

	dup := writeFile(t, "dup.csv", "15108695088,15108695088\n1,2\n")
	_, err = formats.Open(dup, formats.ReadOptions{})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "15108695088")
	assert.Contains(t, err.Error(), "does the file have a header row?")
}
