package formats_test

import (
	"bytes"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"

	"github.com/koble/koble/formats"
)

// allocated returns the bytes f allocates, from the runtime's count.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A 20 MiB field is refused, naming the file, the line and the column,
// never the value, by the serial and the parallel reader alike, without
// reading the field whole.
func TestCSVFieldTooLong(t *testing.T) {
	value := strings.Repeat("15076330007", 20<<20/11)
	cases := map[string]string{
		"unquoted":      "id,note,n\n1,short,2\n3," + value + ",4\n5,x,6\n",
		"quoted":        "id,note,n\n1,short,2\n3,\"" + value + "\",4\n5,x,6\n",
		"quoted lines":  "id,note,n\n1,short,2\n3,\"" + strings.Repeat(value[:1000]+"\n", 20<<10) + "\",4\n",
		"cr line ends":  "id,note,n\r1,short,2\r3," + value + ",4\r5,x,6\r",
		"after a 9 MiB": "id,note,n\n1,short,2\n3," + value[:9<<20] + "," + value + "\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			var serial string
			data := []byte(text)
			for _, parallel := range []int{0, 2} {
				var errText string
				alloc := allocated(func() {
					_, errText = csvBatches(t, data, formats.ReadOptions{Parallel: parallel, BatchSize: 2})
				})
				assert.Contains(t, errText, `in.csv, line 3, column "note": field is longer than 8 MiB`)
				assert.Contains(t, errText, "--max-field-size")
				assert.NotContains(t, errText, "15076330007")
				if parallel == 0 {
					serial = errText
					// Loosely: a few times the limit, not the field.
					assert.Less(t, alloc, uint64(160<<20), "bytes allocated")
				} else {
					assert.Equal(t, serial, errText, "the parallel reader's error")
				}
			}
		})
	}
	// What is allocated follows the limit, not the field: with a limit of
	// 256 KiB, a 20 MiB field costs a few MiB.
	data := []byte(cases["quoted"])
	var errText string
	alloc := allocated(func() {
		_, errText = csvBatches(t, data, formats.ReadOptions{MaxFieldSize: 256 << 10})
	})
	assert.Contains(t, errText, `column "note": field is longer than 256 KiB`)
	assert.Less(t, alloc, uint64(8<<20), "bytes allocated with a 256 KiB limit")
	// The limit can be raised.
	rows, errText := csvBatches(t, data, formats.ReadOptions{MaxFieldSize: 32 << 20})
	assert.Empty(t, errText)
	assert.Len(t, rows, 1)
}

// A 10,000-column header is refused before any column is made; the limit
// can be raised.
func TestCSVTooManyColumns(t *testing.T) {
	var b bytes.Buffer
	for i := range 10000 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("c")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(strings.TrimLeft(strings.Repeat("0", 5), "0"))
		b.WriteString(itoa5(i))
	}
	b.WriteString("\n")
	for r := range 3 {
		b.WriteString(strings.Repeat("1508633000"+string(rune('0'+r))+",", 9999))
		b.WriteString("x\n")
	}
	data := b.Bytes()
	for _, parallel := range []int{0, 2} {
		var errText string
		alloc := allocated(func() {
			_, errText = csvBatches(t, data, formats.ReadOptions{Parallel: parallel})
		})
		assert.Contains(t, errText, "in.csv, line 1: the header has more than 4096 columns (raise the limit with --max-columns")
		assert.Less(t, alloc, uint64(16<<20), "bytes allocated")
	}
	rows, errText := csvBatches(t, data, formats.ReadOptions{MaxColumns: 10000})
	assert.Empty(t, errText)
	assert.Len(t, rows[0], 3)
	// A row with more fields than the limit stops there too.
	_, errText = csvBatches(t, []byte("a,b\n"+strings.Repeat("1,", 5000)+"\n"), formats.ReadOptions{})
	assert.Contains(t, errText, "line 2: a row has more than 4096 columns")
}

func itoa5(i int) string {
	d := []byte("00000")
	for k := 4; k >= 0; k-- {
		d[k] = byte('0' + i%10)
		i /= 10
	}
	return string(d)
}

// CSV with CR LF, LF or CR alone as line ends reads the same, in UTF-8
// and Latin-1, serially and in parallel, with line ends inside quoted
// fields kept as they are.
func TestCSVLineEnds(t *testing.T) {
	lines := []string{"fnr;navn;merknad", "01017012345;Åse;\"to\nlinjer\"", "", "02017012345;Øystein;\"a;b\"", "03017012345;;\"\""}
	var want [][][]string
	for _, eol := range []string{"\n", "\r\n", "\r"} {
		for _, enc := range []formats.Encoding{formats.EncodingUTF8, formats.EncodingLatin1} {
			text := strings.Join(lines, eol) + eol
			if enc == formats.EncodingLatin1 {
				var err error
				text, err = charmap.ISO8859_1.NewEncoder().String(text)
				require.NoError(t, err)
			}
			for _, parallel := range []int{0, 2} {
				for _, batch := range []int{1, 2, 100} {
					got, errText := csvBatches(t, []byte(text), formats.ReadOptions{Encoding: enc, Parallel: parallel, BatchSize: batch})
					require.Empty(t, errText, "line end %q, %s", eol, enc)
					var rows [][]string
					for _, b := range got {
						rows = append(rows, b...)
					}
					require.Len(t, rows, 3, "line end %q, %s, parallel %d, batches of %d", eol, enc, parallel, batch)
					assert.Equal(t, "to\nlinjer", rows[0][2])
					assert.Equal(t, "Øystein", rows[1][1])
					assert.Equal(t, "\x00null", rows[2][1])
					if want == nil {
						want = [][][]string{rows}
					}
					assert.Equal(t, want[0], rows)
				}
			}
		}
	}
	// A headerless CR-only file: the error names no value.
	_, errText := csvBatches(t, []byte("15076330007;1\r15076330007;2\r"), formats.ReadOptions{})
	assert.Empty(t, errText, "two columns named by their first values, then one row")
	_, errText = csvBatches(t, []byte("5503;30058128836\r5503;30058128836\r"), formats.ReadOptions{Types: nil})
	assert.NotContains(t, errText, "30058128836")
}
