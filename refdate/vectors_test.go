package refdate

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dateVectors are SPEC.md §6's known answers for shifting, coarsening and
// relative dates, in testdata/vectors/dates.json. A result is null (and
// Reason says why) when the row is quarantined.
type dateVectors struct {
	Shift      []shiftVector     `json:"shift"`
	Timestamps []timestampVector `json:"timestamps"`
	Coarsen    []coarsenVector   `json:"coarsen"`
	Relative   []relativeVector  `json:"relative"`
}

type shiftVector struct {
	Name     string  `json:"name"`
	Input    string  `json:"input"`
	Offset   int32   `json:"offset"`
	KeepYear string  `json:"keep_year"` // free, clamp, reflect, refuse
	Floor    string  `json:"floor,omitempty"`
	Ceiling  string  `json:"ceiling,omitempty"`
	Bounds   string  `json:"bounds,omitempty"`  // refuse (default) or clamp
	Partial  string  `json:"partial,omitempty"` // quarantine (default) or coarsen
	Result   *string `json:"result"`
	Reason   string  `json:"reason,omitempty"`
}

type timestampVector struct {
	Name   string  `json:"name"`
	Zone   string  `json:"zone"` // the Arrow timestamp's zone ("" for none)
	Mode   string  `json:"mode"` // instant or calendar-day
	Input  string  `json:"input"`
	Offset int32   `json:"offset"`
	Result *string `json:"result"` // RFC 3339 in the zone (UTC if none)
	Reason string  `json:"reason,omitempty"`
}

type coarsenVector struct {
	Input     string `json:"input"`
	Precision string `json:"precision"`
	Type      string `json:"type"`   // int32 or string
	Result    any    `json:"result"` // a number for int32, else a string; null if quarantined
	Reason    string `json:"reason,omitempty"`
}

type relativeVector struct {
	Date      string `json:"date"`
	Reference string `json:"reference"`
	Days      *int32 `json:"days"`
	Reason    string `json:"reason,omitempty"`
}

const dateVectorsPath = "../testdata/vectors/dates.json"

func shiftCases() []shiftVector {
	c := func(name, in string, off int32, keepYear string, mod ...func(*shiftVector)) shiftVector {
		v := shiftVector{Name: name, Input: in, Offset: off, KeepYear: keepYear}
		for _, m := range mod {
			m(&v)
		}
		return v
	}
	floor := func(d string) func(*shiftVector) { return func(v *shiftVector) { v.Floor = d } }
	ceiling := func(d string) func(*shiftVector) { return func(v *shiftVector) { v.Ceiling = d } }
	clampBounds := func(v *shiftVector) { v.Bounds = "clamp" }
	coarsenPartial := func(v *shiftVector) { v.Partial = "coarsen" }
	return []shiftVector{
		c("ISO", "2024-02-27", 3, "free"),
		c("ISO, leap day crossed", "2024-02-28", 2, "free"),
		c("dotted", "30.12.2024", 5, "free"),
		c("compact", "20241230", -400, "free"),
		c("time part kept", "2024-12-30T13:45:00+01:00", 5, "free"),
		c("time part after a space kept", "30.12.2024 13:45", 5, "free"),
		c("clamp to 31 December", "2024-12-30", 5, "clamp"),
		c("clamp to 1 January", "2024-01-02", -3, "clamp"),
		c("reflect", "2024-12-30", 5, "reflect"),
		c("reflect, then clamp", "2024-01-02", -400, "reflect"),
		c("refuse", "2024-12-30", 5, "refuse"),
		c("inside the year", "2024-12-30", -5, "refuse"),
		c("ceiling refuses", "2024-12-30", 5, "free", ceiling("2025-01-01")),
		c("ceiling clamps", "2024-12-30", 5, "free", ceiling("2025-01-01"), clampBounds),
		c("floor refuses", "2024-01-02", -3, "free", floor("2024-01-01")),
		c("year policy before bounds", "2024-12-30", 5, "clamp", ceiling("2024-12-31")),
		c("partial quarantined", "2024-03", 5, "free"),
		c("partial coarsened to the year, unshifted", "2024-03", 5, "free", coarsenPartial),
		c("year only coarsened", "2024", -5, "free", coarsenPartial),
		c("empty string stays empty", "", 5, "free"),
		c("not a date", "2024-02-30", 5, "free"),
		c("bad time part", "2024-02-01T25:00", 5, "free"),
		c("before year 1", "0001-01-05", -30, "free"),
		c("after year 9999", "9999-12-30", 30, "free"),
	}
}

func (v shiftVector) run(t *testing.T) shiftVector {
	opts := Options{}
	switch v.KeepYear {
	case "clamp":
		opts.Year = YearClamp
	case "reflect":
		opts.Year = YearReflect
	case "refuse":
		opts.Year = YearRefuse
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return d
	}
	if v.Floor != "" {
		opts.Floor = day(v.Floor)
	}
	if v.Ceiling != "" {
		opts.Ceiling = day(v.Ceiling)
	}
	if v.Bounds == "clamp" {
		opts.Bounds = BoundsClamp
	}
	if v.Partial == "coarsen" {
		opts.Partial = PartialCoarsen
	}
	s, err := NewShifter(opts)
	require.NoError(t, err)
	col := strs(memory.DefaultAllocator, v.Input)
	out, problems, err := s.ShiftArray(memory.DefaultAllocator, col, []int32{v.Offset})
	require.NoError(t, err)
	v.Result, v.Reason = nil, ""
	if out.IsValid(0) {
		r := out.(*array.String).Value(0)
		v.Result = &r
	}
	if len(problems) > 0 {
		v.Reason = problems[0].Reason.String()
	}
	return v
}

func timestampCases() []timestampVector {
	c := func(name, zone, mode, in string, off int32) timestampVector {
		return timestampVector{Name: name, Zone: zone, Mode: mode, Input: in, Offset: off}
	}
	return []timestampVector{
		c("no zone", "", "instant", "2024-03-30T02:30:00Z", 1),
		c("instant across the spring change", "Europe/Oslo", "instant", "2024-03-30T12:00:00+01:00", 1),
		c("calendar day across the spring change", "Europe/Oslo", "calendar-day", "2024-03-30T12:00:00+01:00", 1),
		c("calendar day across the autumn change", "Europe/Oslo", "calendar-day", "2024-10-26T12:00:00+02:00", 1),
		c("calendar day into the spring gap", "Europe/Oslo", "calendar-day", "2024-03-30T02:30:00+01:00", 1),
		c("calendar day into the autumn repeat", "Europe/Oslo", "calendar-day", "2024-10-26T02:30:00+02:00", 1),
		c("calendar day, the zone's date decides", "Europe/Oslo", "calendar-day", "2024-12-31T23:30:00+01:00", 1),
		c("calendar day west of UTC, autumn repeat", "America/New_York", "calendar-day", "2024-11-02T01:30:00-04:00", 1),
		c("calendar day in UTC is instant", "UTC", "calendar-day", "2024-03-30T02:30:00Z", 1),
	}
}

func (v timestampVector) run(t *testing.T) timestampVector {
	in, err := time.Parse(time.RFC3339, v.Input)
	require.NoError(t, err)
	tt := &arrow.TimestampType{Unit: arrow.Second, TimeZone: v.Zone}
	loc, err := tt.GetZone()
	require.NoError(t, err)
	if loc == nil {
		loc = time.UTC
	}
	b := array.NewTimestampBuilder(memory.DefaultAllocator, tt)
	b.Append(arrow.Timestamp(in.Unix()))
	col := b.NewArray()
	opts := Options{}
	if v.Mode == "calendar-day" {
		opts.Timestamps = CalendarDay
	}
	s, err := NewShifter(opts)
	require.NoError(t, err)
	out, problems, err := s.ShiftArray(memory.DefaultAllocator, col, []int32{v.Offset})
	require.NoError(t, err)
	v.Result, v.Reason = nil, ""
	if out.IsValid(0) {
		r := time.Unix(int64(out.(*array.Timestamp).Value(0)), 0).In(loc).Format(time.RFC3339)
		v.Result = &r
	}
	if len(problems) > 0 {
		v.Reason = problems[0].Reason.String()
	}
	return v
}

func coarsenCases() []coarsenVector {
	var out []coarsenVector
	for _, in := range []string{"2024-03-15", "15.03.2024 10:00", "2020-12-31", "2021-01-03", "2024-12-30", "2024-03", "2024", "0001-01-01", "junk"} {
		for _, p := range []string{"year", "year-month", "iso-week"} {
			out = append(out, coarsenVector{Input: in, Precision: p})
		}
	}
	return out
}

func (v coarsenVector) run(t *testing.T) coarsenVector {
	p, err := ParsePrecision(v.Precision)
	require.NoError(t, err)
	col := strs(memory.DefaultAllocator, v.Input)
	out, problems, err := CoarsenArray(memory.DefaultAllocator, col, p)
	require.NoError(t, err)
	v.Type, v.Result, v.Reason = CoarsenType(p).String(), nil, ""
	if v.Type == "utf8" {
		v.Type = "string"
	}
	if out.IsValid(0) {
		switch a := out.(type) {
		case *array.Int32:
			v.Result = float64(a.Value(0))
		case *array.String:
			v.Result = a.Value(0)
		}
	}
	if len(problems) > 0 {
		v.Reason = problems[0].Reason.String()
	}
	return v
}

func relativeCases() []relativeVector {
	return []relativeVector{
		{Date: "2024-03-01", Reference: "2024-02-01"},
		{Date: "2024-01-01", Reference: "2024-02-01"},
		{Date: "2024-02-01T23:59:00", Reference: "2024-02-01T00:01:00"},
		{Date: "01.03.2025", Reference: "20240301"},
		{Date: "2024-03", Reference: "2024-02-01"},
		{Date: "", Reference: "2024-02-01"},
	}
}

func (v relativeVector) run(t *testing.T) relativeVector {
	ref := strs(memory.DefaultAllocator, v.Reference)
	days, valid, _, err := Days(ref)
	require.NoError(t, err)
	col := strs(memory.DefaultAllocator, v.Date)
	out, problems, err := RelativeArray(memory.DefaultAllocator, col, days, valid)
	require.NoError(t, err)
	v.Days, v.Reason = nil, ""
	if out.IsValid(0) {
		d := out.(*array.Int32).Value(0)
		v.Days = &d
	}
	if len(problems) > 0 {
		v.Reason = problems[0].Reason.String()
	}
	return v
}

// TestDateVectors checks the code against testdata/vectors/dates.json.
func TestDateVectors(t *testing.T) {
	var got dateVectors
	for _, v := range shiftCases() {
		got.Shift = append(got.Shift, v.run(t))
	}
	for _, v := range timestampCases() {
		got.Timestamps = append(got.Timestamps, v.run(t))
	}
	for _, v := range coarsenCases() {
		got.Coarsen = append(got.Coarsen, v.run(t))
	}
	for _, v := range relativeCases() {
		got.Relative = append(got.Relative, v.run(t))
	}
	if *updateVectors {
		b, err := json.MarshalIndent(got, "", "  ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dateVectorsPath, append(b, '\n'), 0o644))
	}
	b, err := os.ReadFile(dateVectorsPath)
	require.NoError(t, err)
	var want dateVectors
	require.NoError(t, json.Unmarshal(b, &want))
	// Round-trip got through JSON too, so that numbers compare alike.
	gb, err := json.Marshal(got)
	require.NoError(t, err)
	var gotJSON dateVectors
	require.NoError(t, json.Unmarshal(gb, &gotJSON))
	assert.Equal(t, want, gotJSON)
}
