package synth_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

var patientDates = []string{"admit_date", "discharge_date", "control_date", "birth_date"}

// rowKey is a row's ID and dates as one comparable string.
func rowKey(r row) string { return r.id + "|" + fmtInts(r.dates) }

func fmtInts(xs []int32) string {
	var b strings.Builder
	for _, x := range xs {
		b.WriteString(strconv.Itoa(int(x)) + " ")
	}
	return b.String()
}

// sameRun is the share of rows whose ID equals the previous row's.
func sameRun(rows []row) float64 {
	n := 0
	for i := 1; i < len(rows); i++ {
		if rows[i].id == rows[i-1].id {
			n++
		}
	}
	return float64(n) / float64(len(rows))
}

func TestScatteredLayout(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Persons, cfg.PatientRows = 2000, 30_000
	adjDir, adjM := generate(t, cfg)
	cfg.Layout = synth.LayoutScattered
	scDir, scM := generate(t, cfg)
	adj := readRows(t, filepath.Join(adjDir, "patient.csv"), "fnr", patientDates...)
	sc := readRows(t, filepath.Join(scDir, "patient.csv"), "fnr", patientDates...)
	require.Len(t, sc, int(cfg.PatientRows))

	// The same rows, in another order: by admission date.
	keys := func(rows []row) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = rowKey(r)
		}
		slices.Sort(out)
		return out
	}
	assert.Equal(t, keys(adj), keys(sc))
	assert.True(t, slices.IsSortedFunc(sc, func(a, b row) int { return int(a.dates[0] - b.dates[0]) }), "scattered rows are not in time order")
	assert.Equal(t, adjM.Files[1].BadIDs, scM.Files[1].BadIDs)

	// A person's rows follow each other in the adjacent layout, seldom in
	// the scattered one.
	assert.Greater(t, sameRun(adj), 0.5)
	assert.Less(t, sameRun(sc), 0.01)

	// The dates are in order: birth, admission, discharge, control.
	for _, r := range sc {
		if r.valid {
			require.Len(t, r.dates, 4)
			assert.LessOrEqual(t, r.dates[3], r.dates[0])
			assert.LessOrEqual(t, r.dates[0], r.dates[1])
			assert.LessOrEqual(t, r.dates[1], r.dates[2])
		}
	}
}

func TestInt64IDs(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Format = formats.FormatParquet
	cfg.BadIDs = 0.02
	strDir, strM := generate(t, cfg)
	cfg.IDType = synth.IDInt64
	intDir, intM := generate(t, cfg)
	for i := range 3 {
		assert.Equal(t, strM.Files[i].BadIDs, intM.Files[i].BadIDs, strM.Files[i].Register)
	}

	ids := func(path string) []arrow.Array {
		r, err := formats.Open(path, formats.ReadOptions{Columns: []string{"fnr"}})
		require.NoError(t, err)
		defer r.Close()
		var out []arrow.Array
		for r.Next() {
			c := r.RecordBatch().Column(0)
			c.Retain()
			out = append(out, c)
		}
		require.NoError(t, r.Err())
		return out
	}
	strs, ints := ids(filepath.Join(strDir, "patient.parquet")), ids(filepath.Join(intDir, "patient.parquet"))
	require.Len(t, ints, len(strs))
	var valid, bad int
	for b := range strs {
		s, n := strs[b].(*array.String), ints[b].(*array.Int64)
		for i := range s.Len() {
			sid, sr := pseudonym.Norway{}.Parse([]byte(s.Value(i)))
			if s.IsNull(i) {
				sr = pseudonym.ReasonEmpty
			}
			var nr pseudonym.Reason = pseudonym.ReasonEmpty
			var nid pseudonym.ID
			if !n.IsNull(i) {
				nid, nr = pseudonym.Norway{}.ParseInt(n.Value(i))
			}
			// A valid text ID is the same valid integer ID; a malformed one
			// is malformed as an integer too.
			require.Equal(t, sr == pseudonym.ReasonNone, nr == pseudonym.ReasonNone, "row %d", i)
			if sr == pseudonym.ReasonNone {
				require.Equal(t, sid.Compact(), nid.Compact())
				valid++
			} else {
				bad++
			}
		}
	}
	assert.Greater(t, valid, 9000)
	assert.EqualValues(t, intM.Files[1].BadIDs, bad)
}

func TestLatin1CRLF(t *testing.T) {
	cfg := synth.DefaultConfig()
	cfg.Encoding, cfg.CRLF = formats.EncodingLatin1, true
	dir, _ := generate(t, cfg)
	b, err := os.ReadFile(filepath.Join(dir, "patient.csv"))
	require.NoError(t, err)
	assert.Equal(t, bytes.Count(b, []byte("\n")), bytes.Count(b, []byte("\r\n")))
	assert.Contains(t, string(b), "S\xf8rlandet", "ø is one Latin-1 byte")
}

func TestParseLayoutAndIDType(t *testing.T) {
	l, err := synth.ParseLayout("scattered")
	require.NoError(t, err)
	assert.Equal(t, "scattered", l.String())
	_, err = synth.ParseLayout("random")
	assert.ErrorContains(t, err, "adjacent or scattered")
	it, err := synth.ParseIDType("int64")
	require.NoError(t, err)
	assert.Equal(t, "int64", it.String())
	_, err = synth.ParseIDType("decimal")
	assert.ErrorContains(t, err, "string or int64")
}
