package formats_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/formats"
)

// corruptVariants returns data truncated every step bytes and with one
// byte flipped at every step-th offset (three ways), by name.
func corruptVariants(data []byte, step int) map[string][]byte {
	out := map[string][]byte{}
	for n := 0; n < len(data); n += step {
		out["truncated at "+strconv.Itoa(n)] = data[:n]
	}
	for off := 0; off < len(data); off += step {
		for k, flip := range []func(byte) byte{
			func(b byte) byte { return ^b },
			func(b byte) byte { return b ^ 0x01 },
			func(b byte) byte { return b + 0x40 },
		} {
			c := append([]byte(nil), data...)
			c[off] = flip(c[off])
			out["flip "+strconv.Itoa(k)+" at "+strconv.Itoa(off)] = c
		}
	}
	return out
}

// Truncated and byte-flipped Parquet, Arrow file and Arrow stream files
// never panic a reader or a conversion: each read either succeeds or
// fails with an error naming the file, and a failed conversion leaves no
// temporary file behind.
func TestCorruptInputsFailClosed(t *testing.T) {
	mem := memory.NewGoAllocator()
	rec := typedBatch(mem)
	defer rec.Release()
	step := 7
	if testing.Short() {
		step = 17
	}
	for _, ext := range []string{".parquet", ".arrow", ".arrows"} {
		t.Run(ext, func(t *testing.T) {
			format, err := formats.FormatFromPath("x" + ext)
			require.NoError(t, err)
			valid := writeBatches(t, []arrow.RecordBatch{rec}, format, formats.WriteOptions{})
			dir := t.TempDir()
			out := t.TempDir()
			failed := 0
			variants := corruptVariants(valid, step)
			for name, data := range variants {
				in := filepath.Join(dir, "in"+ext)
				require.NoError(t, os.WriteFile(in, data, 0o600))
				if err := readEverything(in); err != nil {
					failed++
					assert.Contains(t, err.Error(), in, "%s: the error names the file", name)
				}
				target := filepath.Join(out, "out.parquet")
				if _, err := formats.Convert(context.Background(), in, target, formats.ReadOptions{}, formats.WriteOptions{Overwrite: true, Parallel: 2}); err != nil {
					// A corrupt input that reads (a flipped type id) may
					// still not be writable as Parquet: that error names
					// the output.
					if !strings.Contains(err.Error(), target) {
						assert.Contains(t, err.Error(), in, "%s: the error names the input", name)
					}
				}
				left, err := filepath.Glob(filepath.Join(out, ".*.tmp"))
				require.NoError(t, err)
				require.Empty(t, left, "%s: temporary files left", name)
			}
			t.Logf("%s: %d of %d corrupt variants failed to read (the rest read as other valid data)", ext, failed, len(variants))
			assert.Greater(t, failed, len(variants)/2)
		})
	}
}

// readEverything opens path and reads every batch, touching every value.
func readEverything(path string) error {
	r, err := formats.Open(path, formats.ReadOptions{BatchSize: 2})
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		for _, c := range r.RecordBatch().Columns() {
			for i := range c.Len() {
				_ = c.ValueStr(i)
			}
		}
	}
	return r.Err()
}

// A batch that makes a format writer panic (string offsets that go
// backwards, which arrow-go does not check when it makes the array) gives
// an error naming the output, and the output never appears.
func TestWriterPanicRecovered(t *testing.T) {
	bad := array.NewData(arrow.BinaryTypes.String, 2, []*memory.Buffer{nil,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes([]int32{0, 5, 2})), memory.NewBufferBytes([]byte("abcdef"))}, nil, 0, 0)
	col := array.MakeFromData(bad)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, 2)
	failed := 0
	for _, name := range []string{"out.csv", "out.parquet", "out.arrow"} {
		for _, parallel := range []int{0, 2} {
			dir := t.TempDir()
			target := filepath.Join(dir, name)
			w, err := formats.Create(target, schema, formats.WriteOptions{Parallel: parallel})
			require.NoError(t, err)
			err = w.Write(rec)
			if err == nil {
				err = w.Close()
			}
			w.Abort()
			if err == nil {
				// arrow IPC copies the buffers without reading values
				continue
			}
			failed++
			assert.Contains(t, err.Error(), target)
			left, _ := os.ReadDir(dir)
			assert.Empty(t, left, "%s, parallel %d: files left", name, parallel)
		}
	}
	assert.GreaterOrEqual(t, failed, 4, "CSV and Parquet, serial and parallel, fail")
}

// Key-value metadata that is not valid UTF-8 is the input's fault: the
// error names the input file and the key, never the value, and no output
// appears.
func TestBadMetadataReportedAgainstInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.arrow")
	f, err := os.Create(in)
	require.NoError(t, err)
	md := arrow.NewMetadata([]string{"source"}, []string{"15076330007\xff"})
	schema := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, &md)
	w, err := ipc.NewFileWriter(f, ipc.WithSchema(schema))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	out := filepath.Join(dir, "out.parquet")
	_, err = formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), in+`: key-value metadata "source": the value is not valid UTF-8`)
	assert.NotContains(t, err.Error(), out)
	assert.NotContains(t, err.Error(), "15076330007")
	assert.NoFileExists(t, out)
}

// A column name or a nested field's name or metadata that is not valid
// UTF-8, at any depth, is the input's fault too: the read fails naming
// the input and the field, and no output appears in any format.
func TestBadNamesReportedAgainstInput(t *testing.T) {
	bad := arrow.NewMetadata([]string{"k"}, []string{"15076330007\xff"})
	i64 := arrow.PrimitiveTypes.Int64
	tests := []struct {
		name   string
		field  arrow.Field
		wanted string
	}{
		{"column name", arrow.Field{Name: "n\xff", Type: i64}, `column "n\xff": the name is not valid UTF-8`},
		{"struct field name", arrow.Field{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "c\xff", Type: i64})},
			`column "s", nested field "c\xff": the name is not valid UTF-8`},
		{"struct field metadata", arrow.Field{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "c", Type: i64, Metadata: bad})},
			`column "s", nested field "c" key-value metadata "k": the value is not valid UTF-8`},
		{"list element metadata", arrow.Field{Name: "l", Type: arrow.ListOfField(arrow.Field{Name: "item", Type: i64, Nullable: true, Metadata: bad})},
			`column "l", nested field "item" key-value metadata "k"`},
		{"map value metadata", arrow.Field{Name: "m", Type: arrow.MapOfWithMetadata(i64, arrow.Metadata{}, i64, bad)},
			`nested field "value" key-value metadata "k"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in.arrow")
			f, err := os.Create(in)
			require.NoError(t, err)
			w, err := ipc.NewFileWriter(f, ipc.WithSchema(arrow.NewSchema([]arrow.Field{tc.field}, nil)))
			require.NoError(t, err)
			require.NoError(t, w.Close())
			require.NoError(t, f.Close())
			for _, ext := range []string{".parquet", ".arrow", ".csv"} {
				out := filepath.Join(dir, "out"+ext)
				_, err = formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{})
				require.Error(t, err, ext)
				assert.Contains(t, err.Error(), in+": ", ext)
				assert.Contains(t, err.Error(), tc.wanted, ext)
				assert.NotContains(t, err.Error(), "15076330007", ext)
				assert.NoFileExists(t, out, ext)
			}
		})
	}
}
