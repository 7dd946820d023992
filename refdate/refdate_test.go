package refdate

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var updateVectors = flag.Bool("update-vectors", false, "rewrite testdata/vectors/offsets.json (then review the diff!)")

func testKey(seed byte) []byte {
	k := sha256.Sum256([]byte{seed})
	return k[:]
}

func serialOf(i uint64) []byte {
	s := sha256.Sum256(binary.BigEndian.AppendUint64(nil, i))
	return s[:SerialBytes]
}

func TestCivil(t *testing.T) {
	for d := int32(-3_000_000); d < 3_000_000; d += 29 {
		y, m, dd := civilFromDays(d)
		want := time.Unix(int64(d)*86400, 0).UTC()
		require.Equal(t, want.Year(), y)
		require.Equal(t, int(want.Month()), m)
		require.Equal(t, want.Day(), dd)
		require.Equal(t, d, daysFromCivil(y, m, dd))
		require.Equal(t, (int(want.Weekday())+6)%7, weekday(d))
		wy, ww := want.ISOWeek()
		gy, gw := isoWeek(d)
		require.Equal(t, [2]int{wy, ww}, [2]int{gy, gw}, "day %d", d)
	}
}

func TestOffsetProperties(t *testing.T) {
	for _, tc := range []struct {
		window int
		weeks  bool
	}{{1, false}, {30, false}, {182, false}, {365, false}, {3650, false}, {7, true}, {30, true}, {182, true}} {
		o, err := NewOffsets(testKey(1), tc.window, tc.weeks)
		require.NoError(t, err)
		seen := map[int32]bool{}
		for i := uint64(0); i < 20_000; i++ {
			off, err := o.Offset(serialOf(i))
			require.NoError(t, err)
			require.NotZero(t, off)
			require.LessOrEqual(t, off, int32(tc.window))
			require.GreaterOrEqual(t, off, -int32(tc.window))
			if tc.weeks {
				require.Zero(t, off%7)
			}
			seen[off] = true
			again, _ := o.Offset(serialOf(i))
			require.Equal(t, off, again, "deterministic")
		}
		if o.Count()*10 < 20_000 {
			assert.Equal(t, o.Count(), len(seen), "window %d weeks %v: every offset occurs", tc.window, tc.weeks)
		}
	}
	_, err := NewOffsets(testKey(1), 0, false)
	assert.Error(t, err)
	_, err = NewOffsets(testKey(1), 6, true)
	assert.ErrorContains(t, err, "at least 7 days")
	_, err = NewOffsets(testKey(1), MaxWindow+1, false)
	assert.Error(t, err)
	o, _ := NewOffsets(testKey(1), 10, false)
	_, err = o.Offset([]byte{1, 2, 3})
	assert.Error(t, err)
}

// chiSquareCritical returns the 0.999 quantile of the chi-square
// distribution with df degrees of freedom (Wilson-Hilferty).
func chiSquareCritical(df int) float64 {
	const z = 3.0902 // standard normal 0.999 quantile
	k := float64(df)
	c := 1 - 2/(9*k) + z*math.Sqrt(2/(9*k))
	return k * c * c * c
}

func chiSquare(counts []int, total int) float64 {
	e := float64(total) / float64(len(counts))
	var x float64
	for _, c := range counts {
		d := float64(c) - e
		x += d * d / e
	}
	return x
}

// Offsets are uniform over the window: a chi-square test over a million
// serials passes at the 0.1% level, while the same test rejects a biased
// derivation (a 12-bit hash reduced modulo a window that does not divide
// 4096), so the test has the power to see modulo bias.
func TestOffsetsUniform(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 200_000
	}
	const window = 182
	o, err := NewOffsets(testKey(2), window, false)
	require.NoError(t, err)
	counts := make([]int, 2*window)
	biased := make([]int, 2*window)
	r := rand.New(rand.NewPCG(7, 7))
	serial := make([]byte, SerialBytes)
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint64(serial, r.Uint64())
		binary.BigEndian.PutUint16(serial[8:], uint16(r.Uint32()))
		off, _ := o.Offset(serial)
		idx := int(off) + window
		if off > 0 {
			idx--
		}
		counts[idx]++
		h := sha256.Sum256(serial)
		biased[int(binary.BigEndian.Uint16(h[:])>>4)%(2*window)]++
	}
	crit := chiSquareCritical(2*window - 1)
	x := chiSquare(counts, n)
	assert.Less(t, x, crit, "offsets not uniform: chi-square %.1f, critical %.1f", x, crit)
	xb := chiSquare(biased, n)
	assert.Greater(t, xb, crit, "the test cannot see modulo bias: chi-square %.1f", xb)
	t.Logf("chi-square %.1f (biased derivation %.1f), critical value %.1f at 0.1%%", x, xb, crit)
}

// Offsets of the same serials under two project keys are uncorrelated.
func TestOffsetsUncorrelatedAcrossKeys(t *testing.T) {
	n := 200_000
	a, _ := NewOffsets(testKey(3), 365, false)
	b, _ := NewOffsets(testKey(4), 365, false)
	var sx, sy, sxx, syy, sxy float64
	for i := 0; i < n; i++ {
		x, _ := a.Offset(serialOf(uint64(i)))
		y, _ := b.Offset(serialOf(uint64(i)))
		fx, fy := float64(x), float64(y)
		sx += fx
		sy += fy
		sxx += fx * fx
		syy += fy * fy
		sxy += fx * fy
	}
	fn := float64(n)
	r := (fn*sxy - sx*sy) / math.Sqrt((fn*sxx-sx*sx)*(fn*syy-sy*sy))
	// Under independence r is about normal with sd 1/sqrt(n); 4.5 sd.
	assert.Less(t, math.Abs(r), 4.5/math.Sqrt(fn), "correlation %.5f", r)
}

// Every interval between two dates of one person is unchanged, also when
// the dates come from two files processed separately with the same key;
// the inverse restores every date; weeks keep weekdays.
func TestIntervalsPreserved(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := rand.New(rand.NewPCG(1, 1))
	for _, weeks := range []bool{false, true} {
		window := 30 + r.IntN(300)
		// Two "sources" hold dates of the same persons.
		const persons, perPerson = 500, 4
		var sources [2]struct {
			days    []int32
			offsets []int32
			person  []int
		}
		for src := range sources {
			o, err := NewOffsets(testKey(9), window, weeks) // each source derives on its own
			require.NoError(t, err)
			for p := 0; p < persons; p++ {
				off, _ := o.Offset(serialOf(uint64(p)))
				for k := 0; k < perPerson; k++ {
					sources[src].days = append(sources[src].days, int32(-20000+r.IntN(40000)))
					sources[src].offsets = append(sources[src].offsets, off)
					sources[src].person = append(sources[src].person, p)
				}
			}
		}
		s, _ := NewShifter(Options{})
		var shifted [2][]int32
		for src := range sources {
			b := array.NewDate32Builder(mem)
			for _, d := range sources[src].days {
				b.Append(arrow.Date32(d))
			}
			col := b.NewArray()
			out, problems, err := s.ShiftArray(mem, col, sources[src].offsets)
			require.NoError(t, err)
			require.Empty(t, problems)
			for i := 0; i < out.Len(); i++ {
				shifted[src] = append(shifted[src], int32(out.(*array.Date32).Value(i)))
			}
			out.Release()
			col.Release()
			b.Release()
		}
		for i := range sources[0].days {
			for j := range sources[1].days {
				if sources[0].person[i] != sources[1].person[j] {
					continue
				}
				require.Equal(t, sources[1].days[j]-sources[0].days[i], shifted[1][j]-shifted[0][i])
			}
			require.Equal(t, sources[0].days[i], Unshift(shifted[0][i], sources[0].offsets[i]))
			require.NotEqual(t, sources[0].days[i], shifted[0][i])
			if weeks {
				require.Equal(t, weekday(sources[0].days[i]), weekday(shifted[0][i]))
			}
		}
	}
}

func date32(mem memory.Allocator, days ...int32) arrow.Array {
	b := array.NewDate32Builder(mem)
	defer b.Release()
	for _, d := range days {
		if d == math.MinInt32 {
			b.AppendNull()
		} else {
			b.Append(arrow.Date32(d))
		}
	}
	return b.NewArray()
}

func strs(mem memory.Allocator, vals ...string) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	for _, v := range vals {
		if v == "<null>" {
			b.AppendNull()
		} else {
			b.Append(v)
		}
	}
	return b.NewArray()
}

func values(a arrow.Array) []string {
	var out []string
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			out = append(out, "<null>")
		} else {
			out = append(out, a.ValueStr(i))
		}
	}
	return out
}

func TestShiftStrings(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := strs(mem, "2024-02-28", "28.02.2024", "20240228", "2024-02-28T13:45:00", "2024-02-28 07:00", "20240228T0700",
		"<null>", "", "2024-03", "2024", "not a date", "2024-02-30", "2024-02-28T25:00")
	defer in.Release()
	offsets := make([]int32, in.Len())
	for i := range offsets {
		offsets[i] = 2
	}
	s, _ := NewShifter(Options{})
	out, problems, err := s.ShiftArray(mem, in, offsets)
	require.NoError(t, err)
	defer out.Release()
	assert.Equal(t, []string{"2024-03-01", "01.03.2024", "20240301", "2024-03-01T13:45:00", "2024-03-01 07:00", "<null>",
		"<null>", "", "<null>", "<null>", "<null>", "<null>", "<null>"}, values(out))
	assert.Equal(t, []Problem{{5, ReasonUnparsable}, {8, ReasonPartial}, {9, ReasonPartial}, {10, ReasonUnparsable}, {11, ReasonUnparsable}, {12, ReasonUnparsable}}, problems)

	s2, _ := NewShifter(Options{Partial: PartialCoarsen})
	out2, problems2, err := s2.ShiftArray(mem, in, offsets)
	require.NoError(t, err)
	defer out2.Release()
	assert.Equal(t, "2024", values(out2)[8])
	assert.Equal(t, "2024", values(out2)[9])
	assert.Len(t, problems2, 4)
}

func TestShiftTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s, _ := NewShifter(Options{})
	oslo, _ := time.LoadLocation("Europe/Oslo")
	// 2024-03-30 12:00 in Oslo is CET (+01:00); a day later is CEST (+02:00).
	noon := time.Date(2024, 3, 30, 12, 0, 0, 0, oslo)
	for _, unit := range []arrow.TimeUnit{arrow.Second, arrow.Millisecond, arrow.Microsecond, arrow.Nanosecond} {
		tt := &arrow.TimestampType{Unit: unit, TimeZone: "Europe/Oslo"}
		b := array.NewTimestampBuilder(mem, tt)
		ts, _ := arrow.TimestampFromTime(noon, unit)
		b.Append(ts)
		b.AppendNull()
		col := b.NewArray()
		b.Release()

		out, problems, err := s.ShiftArray(mem, col, []int32{1, 1})
		require.NoError(t, err)
		require.Empty(t, problems)
		got := out.(*array.Timestamp).Value(0).ToTime(unit)
		assert.Equal(t, 24*time.Hour, got.Sub(noon), "instant mode moves by 24 hours")
		assert.Equal(t, 13, got.In(oslo).Hour(), "and the wall clock moves across DST")
		assert.True(t, out.IsNull(1))
		out.Release()

		cal, _ := NewShifter(Options{Timestamps: CalendarDay})
		out, _, err = cal.ShiftArray(mem, col, []int32{1, 1})
		require.NoError(t, err)
		got = out.(*array.Timestamp).Value(0).ToTime(unit)
		assert.Equal(t, 12, got.In(oslo).Hour(), "calendar mode keeps the wall clock")
		assert.Equal(t, 23*time.Hour, got.Sub(noon))
		out.Release()
		col.Release()
	}
	// date64
	b := array.NewDate64Builder(mem)
	b.Append(arrow.Date64FromTime(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)))
	col := b.NewArray()
	b.Release()
	out, _, err := s.ShiftArray(mem, col, []int32{-1})
	require.NoError(t, err)
	assert.Equal(t, "1999-12-31", out.(*array.Date64).Value(0).ToTime().Format("2006-01-02"))
	out.Release()
	col.Release()
	// Not a date.
	ib := array.NewInt64Builder(mem)
	ib.Append(1)
	ic := ib.NewArray()
	ib.Release()
	_, _, err = s.ShiftArray(mem, ic, []int32{1})
	assert.ErrorContains(t, err, "int64 column is not a date")
	ic.Release()
}

func TestPolicies(t *testing.T) {
	dec30 := daysFromCivil(2023, 12, 30)
	jan2 := daysFromCivil(2024, 1, 2)
	for _, tc := range []struct {
		name   string
		opts   Options
		day    int32
		offset int32
		want   int32
		reason Reason
	}{
		{"free", Options{}, dec30, 5, daysFromCivil(2024, 1, 4), ReasonNone},
		{"clamp", Options{Year: YearClamp}, dec30, 5, daysFromCivil(2023, 12, 31), ReasonNone},
		{"reflect", Options{Year: YearReflect}, dec30, 5, daysFromCivil(2023, 12, 25), ReasonNone},
		{"reflect then clamp", Options{Year: YearReflect}, jan2, -400, daysFromCivil(2024, 12, 31), ReasonNone},
		{"refuse", Options{Year: YearRefuse}, jan2, -3, 0, ReasonLeavesYear},
		{"inside year", Options{Year: YearRefuse}, jan2, 3, daysFromCivil(2024, 1, 5), ReasonNone},
		{"ceiling refuses", Options{Ceiling: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, dec30, 5, 0, ReasonOutOfBounds},
		{"ceiling clamps", Options{Ceiling: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Bounds: BoundsClamp}, dec30, 5, daysFromCivil(2024, 1, 1), ReasonNone},
		{"floor refuses", Options{Floor: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}, jan2, -3, 0, ReasonOutOfBounds},
		{"no person", Options{}, jan2, 0, 0, ReasonNoPerson},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewShifter(tc.opts)
			require.NoError(t, err)
			got, r := s.ShiftDay(tc.day, tc.offset)
			assert.Equal(t, tc.reason, r)
			if r == ReasonNone {
				assert.Equal(t, tc.want, got, "got %v, want %v", got, tc.want)
			}
		})
	}
	_, err := NewShifter(Options{Floor: time.Now(), Ceiling: time.Now().AddDate(-1, 0, 0)})
	assert.ErrorContains(t, err, "after ceiling")
}

func TestCoarsen(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col := strs(mem, "2020-12-31", "2021-01-03", "2024-12-30", "<null>", "2024-03", "2024", "junk")
	defer col.Release()
	for _, tc := range []struct {
		p        Precision
		want     []string
		problems int
	}{
		{Year, []string{"2020", "2021", "2024", "<null>", "2024", "2024", "<null>"}, 1},
		{YearMonth, []string{"2020-12", "2021-01", "2024-12", "<null>", "2024-03", "<null>", "<null>"}, 2},
		{ISOWeek, []string{"2020-W53", "2020-W53", "2025-W01", "<null>", "<null>", "<null>", "<null>"}, 3},
	} {
		out, problems, err := CoarsenArray(mem, col, tc.p)
		require.NoError(t, err)
		assert.Equal(t, tc.want, values(out), "%s", tc.p)
		assert.Len(t, problems, tc.problems, "%s", tc.p)
		assert.True(t, arrow.TypeEqual(CoarsenType(tc.p), out.DataType()))
		out.Release()
	}
}

func TestRelative(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	col := date32(mem, 100, 90, math.MinInt32, 130)
	defer col.Release()
	out, problems, err := RelativeArray(mem, col, []int32{100, 100, 100, 0}, []bool{true, true, true, false})
	require.NoError(t, err)
	defer out.Release()
	assert.Empty(t, problems)
	assert.Equal(t, []string{"0", "-10", "<null>", "<null>"}, values(out))
}

type offsetVector struct {
	Key    string `json:"dateshift_key_hex"`
	Serial string `json:"serial_hex"`
	Window int    `json:"window"`
	Weeks  bool   `json:"weeks"`
	Offset int32  `json:"offset"`
}

const offsetVectorsPath = "../testdata/vectors/offsets.json"

// TestOffsetVectors checks SPEC.md §6's known answers.
func TestOffsetVectors(t *testing.T) {
	if *updateVectors {
		var out []offsetVector
		key := "fc72db65940945a0f0ace005c4fc37228061551fab47f2baef6244670a33df5b" // serials.json's first vector
		for i, w := range []struct {
			window int
			weeks  bool
		}{{1, false}, {30, false}, {182, false}, {365, false}, {3650, false}, {7, true}, {182, true}, {365, true}} {
			for j := 0; j < 3; j++ {
				k, _ := hex.DecodeString(key)
				o, _ := NewOffsets(k, w.window, w.weeks)
				s := serialOf(uint64(100*i + j))
				off, _ := o.Offset(s)
				out = append(out, offsetVector{key, hex.EncodeToString(s), w.window, w.weeks, off})
			}
		}
		b, _ := json.MarshalIndent(out, "", "  ")
		require.NoError(t, os.WriteFile(offsetVectorsPath, append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile(offsetVectorsPath)
	require.NoError(t, err)
	var vectors []offsetVector
	require.NoError(t, json.Unmarshal(b, &vectors))
	require.NotEmpty(t, vectors)
	for _, v := range vectors {
		k, _ := hex.DecodeString(v.Key)
		s, _ := hex.DecodeString(v.Serial)
		o, err := NewOffsets(k, v.Window, v.Weeks)
		require.NoError(t, err)
		got, err := o.Offset(s)
		require.NoError(t, err)
		assert.Equal(t, v.Offset, got, "window %d weeks %v serial %s", v.Window, v.Weeks, v.Serial)
	}
}

func FuzzParseDate(f *testing.F) {
	seeds := []string{"2024-02-29", "29.02.2024", "20240229", "2024-02-29T12:00:00Z", "2024-02-29 12:00:00.123+01:00", "2024-03", "2024", "", "2023-02-29", "9999-12-31", "0001-01-01T00:00"}
	require.NotEmpty(f, seeds)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		day, layout, rest, ok := ParseDate(s)
		if !ok {
			return
		}
		// Whatever parses is written back exactly as it was.
		require.Equal(t, string(s), string(AppendDate(nil, day, layout, rest)))
		// And a shift and its inverse restore it.
		y, m, d := civilFromDays(day)
		require.True(t, validDate(y, m, d))
	})
}

func TestFill(t *testing.T) {
	o, _ := NewOffsets(testKey(5), 100, false)
	ref, _ := NewOffsets(testKey(5), 100, false)
	serials := [][]byte{serialOf(1), serialOf(1), nil, serialOf(2), serialOf(1), {1, 2}, serialOf(2)}
	dst := make([]int32, len(serials))
	for round := 0; round < 2; round++ {
		o.Fill(dst, serials)
		for i, s := range serials {
			if len(s) < SerialBytes {
				assert.Zero(t, dst[i])
				continue
			}
			want, _ := ref.Offset(s)
			assert.Equal(t, want, dst[i], "row %d", i)
		}
	}
}

// TestAppendDateEveryLayout checks AppendDate, from the table of ISO texts
// and outside it, against the time package, in every layout.
func TestAppendDateEveryLayout(t *testing.T) {
	layouts := map[Layout]string{LayoutISO: "2006-01-02", LayoutDotted: "02.01.2006", LayoutCompact: "20060102", LayoutYearMonth: "2006-01", LayoutYear: "2006"}
	for d := daysFromCivil(1, 1, 1); d <= daysFromCivil(9999, 12, 31); d += 11 {
		tm := time.Unix(int64(d)*86400, 0).UTC()
		for layout, goLayout := range layouts {
			require.Equal(t, tm.Format(goLayout)+"T10:00", string(AppendDate(nil, d, layout, []byte("T10:00"))), "day %d", d)
		}
	}
	for _, y := range []int{1899, 1900, 2099, 2100} {
		for _, md := range [][2]int{{1, 1}, {12, 31}} {
			d := daysFromCivil(y, md[0], md[1])
			require.Equal(t, time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC).Format("2006-01-02"), string(AppendDate(nil, d, LayoutISO, nil)))
		}
	}
}

// TestShiftTypesOutOfRange: a typed date (date32, date64, a timestamp of
// any unit, either mode) shifted outside the years 1-9999, or read from
// outside them, is quarantined as out of bounds, as a text date is; none
// wraps around or is written with a five-digit year.
func TestShiftTypesOutOfRange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	last, first := daysFromCivil(9999, 12, 31), daysFromCivil(1, 1, 1)
	const msPerDay = 86_400_000
	build := func(dt arrow.DataType, values ...string) arrow.Array {
		b := array.NewBuilder(mem, dt)
		defer b.Release()
		for _, v := range values {
			require.NoError(t, b.AppendValueFromString(v), "%s %s", dt, v)
		}
		return b.NewArray()
	}
	tests := []struct {
		name    string
		col     func() arrow.Array
		offsets []int32
		bad     []int // rows out of bounds
	}{
		{"date32 past 9999", func() arrow.Array { return build(arrow.FixedWidthTypes.Date32, "9999-12-31", "9999-12-31") }, []int32{143, -143}, []int{0}},
		{"date32 before year 1", func() arrow.Array { return build(arrow.FixedWidthTypes.Date32, "0001-01-01", "0001-01-01") }, []int32{-1, 1}, []int{0}},
		{"date32 wraps int32", func() arrow.Array {
			b := array.NewDate32Builder(mem)
			defer b.Release()
			b.Append(arrow.Date32(math.MaxInt32 - 1))
			b.Append(arrow.Date32(last))
			return b.NewArray()
		}, []int32{5, -5}, []int{0}},
		{"date64 past 9999", func() arrow.Array {
			b := array.NewDate64Builder(mem)
			defer b.Release()
			b.Append(arrow.Date64(int64(last) * msPerDay))
			b.Append(arrow.Date64(int64(first) * msPerDay))
			b.Append(arrow.Date64(math.MaxInt64 / msPerDay * msPerDay))
			return b.NewArray()
		}, []int32{1, -1, -1}, []int{0, 1, 2}},
		{"timestamp ms past 9999", func() arrow.Array {
			return build(&arrow.TimestampType{Unit: arrow.Millisecond}, "9999-12-31T12:00:00", "2000-01-01T00:00:00")
		}, []int32{1, 1}, []int{0}},
		{"zoned timestamp s past 9999", func() arrow.Array {
			b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Second, TimeZone: "Europe/Oslo"})
			defer b.Release()
			b.Append(arrow.Timestamp(int64(last) * 86_400))
			b.Append(arrow.Timestamp(math.MaxInt64 / 2))
			b.Append(arrow.Timestamp(int64(first) * 86_400))
			return b.NewArray()
		}, []int32{1, -1, 1}, []int{0, 1}},
		{"timestamp ns past 2262", func() arrow.Array {
			b := array.NewTimestampBuilder(mem, &arrow.TimestampType{Unit: arrow.Nanosecond})
			defer b.Release()
			b.Append(arrow.Timestamp(math.MaxInt64 - 1))
			b.Append(arrow.Timestamp(math.MinInt64 + 1))
			return b.NewArray()
		}, []int32{1, -1}, []int{0, 1}},
	}
	for _, mode := range []TimestampMode{Instant, CalendarDay} {
		s, err := NewShifter(Options{Timestamps: mode})
		require.NoError(t, err)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				col := tc.col()
				defer col.Release()
				out, problems, err := s.ShiftArray(mem, col, tc.offsets)
				require.NoError(t, err)
				defer out.Release()
				var rows []int
				for _, p := range problems {
					assert.Equal(t, ReasonOutOfBounds, p.Reason, "row %d", p.Row)
					rows = append(rows, p.Row)
				}
				assert.Equal(t, tc.bad, rows)
				for i := 0; i < out.Len(); i++ {
					if out.IsValid(i) {
						assert.NotContains(t, out.ValueStr(i), "10000-", "row %d", i)
					}
				}
			})
		}
	}
}
