package refdate

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// YearPolicy says what happens when a shift would move a date out of its
// calendar year.
type YearPolicy uint8

const (
	// YearFree lets dates cross year boundaries (the default): every
	// interval stays exact.
	YearFree YearPolicy = iota
	// YearClamp moves such a date to 1 January or 31 December of its own
	// year. Intervals between that date and the person's other dates change
	// by up to the window.
	YearClamp
	// YearReflect applies the opposite offset to such a date, and clamps if
	// that leaves the year too. The same intervals change as with clamping,
	// but the date keeps its distance from the year's edge.
	YearReflect
	// YearRefuse quarantines such a row.
	YearRefuse
)

// BoundsPolicy says what happens to a shifted date before Floor or after
// Ceiling.
type BoundsPolicy uint8

const (
	// BoundsRefuse quarantines the row (the default): intervals stay exact.
	BoundsRefuse BoundsPolicy = iota
	// BoundsClamp moves the date to the bound; its intervals change.
	BoundsClamp
)

// TimestampMode says how a timestamp moves.
type TimestampMode uint8

const (
	// Instant moves a timestamp by offset × 24 hours (the default): every
	// interval between instants stays exact, but across a daylight-saving
	// change a zoned timestamp's wall-clock time moves by an hour.
	Instant TimestampMode = iota
	// CalendarDay moves a zoned timestamp's date by offset days and keeps its
	// wall-clock time in its zone; intervals that span a daylight-saving
	// change may then differ by an hour. Timestamps without a zone behave the
	// same in both modes.
	CalendarDay
)

// PartialPolicy says what happens to a partial date string ("2024",
// "2024-03"), which cannot keep exact intervals.
type PartialPolicy uint8

const (
	// PartialQuarantine quarantines the row (the default).
	PartialQuarantine PartialPolicy = iota
	// PartialCoarsen writes the year only, unshifted: coarse enough that
	// shifting does not matter, and never a shifted-looking partial date.
	PartialCoarsen
)

// Reason says why a date could not be handled; such a row goes to
// quarantine with the reason and its column.
type Reason uint8

// The reasons.
const (
	ReasonNone        Reason = iota
	ReasonUnparsable         // not a date in a known layout
	ReasonPartial            // a partial date (year or year-month)
	ReasonLeavesYear         // the shift leaves the year, with YearRefuse
	ReasonOutOfBounds        // before Floor or after Ceiling, with BoundsRefuse
	ReasonNoPerson           // no offset: the row's person is unknown
)

// String returns the reason's stable code.
func (r Reason) String() string {
	return [...]string{"", "date-unparsable", "date-partial", "date-leaves-year", "date-out-of-bounds", "date-no-person"}[r]
}

// Problem is a row whose date could not be handled.
type Problem struct {
	Row    int
	Reason Reason
}

// Options configure a [Shifter]. The zero value shifts freely: across
// year boundaries, without bounds, timestamps as instants, partial dates
// quarantined.
type Options struct {
	Year       YearPolicy
	Floor      time.Time // if not zero, no shifted date before it
	Ceiling    time.Time // if not zero, no shifted date after it
	Bounds     BoundsPolicy
	Timestamps TimestampMode
	Partial    PartialPolicy
}

// Shifter applies offsets to date columns under the Options. It holds no
// key: offsets come from [Offsets]. It is safe for concurrent use.
type Shifter struct {
	opts              Options
	floor, ceil       int32
	hasFloor, hasCeil bool
}

// NewShifter returns a Shifter for opts.
func NewShifter(opts Options) (*Shifter, error) {
	s := &Shifter{opts: opts}
	if !opts.Floor.IsZero() {
		s.floor, s.hasFloor = dayOf(opts.Floor), true
	}
	if !opts.Ceiling.IsZero() {
		s.ceil, s.hasCeil = dayOf(opts.Ceiling), true
	}
	if s.hasFloor && s.hasCeil && s.floor > s.ceil {
		return nil, fmt.Errorf("refdate: floor %s is after ceiling %s", opts.Floor.Format("2006-01-02"), opts.Ceiling.Format("2006-01-02"))
	}
	if opts.Year > YearRefuse || opts.Bounds > BoundsClamp || opts.Timestamps > CalendarDay || opts.Partial > PartialCoarsen {
		return nil, fmt.Errorf("refdate: unknown option value")
	}
	return s, nil
}

func dayOf(t time.Time) int32 {
	y, m, d := t.Date()
	return daysFromCivil(y, int(m), d)
}

// ShiftDay moves a day number by offset days under the policies.
func (s *Shifter) ShiftDay(day, offset int32) (int32, Reason) {
	if offset == 0 {
		return 0, ReasonNoPerson
	}
	// Every output format and the readers downstream hold the years
	// 1-9999 (a text date has four digits): a date outside them, read or
	// shifted, is out of bounds, and no sum wraps around.
	if !textYear(day) {
		return 0, ReasonOutOfBounds
	}
	if sum := int64(day) + int64(offset); sum < math.MinInt32 || sum > math.MaxInt32 {
		return 0, ReasonOutOfBounds
	}
	out := day + offset
	if s.opts.Year != YearFree {
		y, _, _ := civilFromDays(day)
		if oy, _, _ := civilFromDays(out); oy != y {
			first, last := daysFromCivil(y, 1, 1), daysFromCivil(y, 12, 31)
			switch s.opts.Year {
			case YearRefuse:
				return 0, ReasonLeavesYear
			case YearReflect:
				out = day - offset
				out = min(max(out, first), last)
			case YearClamp:
				out = min(max(out, first), last)
			}
		}
	}
	if s.hasFloor && out < s.floor {
		if s.opts.Bounds == BoundsRefuse {
			return 0, ReasonOutOfBounds
		}
		out = s.floor
	}
	if s.hasCeil && out > s.ceil {
		if s.opts.Bounds == BoundsRefuse {
			return 0, ReasonOutOfBounds
		}
		out = s.ceil
	}
	if !textYear(out) {
		return 0, ReasonOutOfBounds
	}
	return out, ReasonNone
}

// shiftWide moves a 64-bit value of per units a day (a date64, a
// timestamp in instant mode) by offset days under the policies: a day
// outside what ShiftDay reads, or a result the value cannot hold, is out
// of bounds.
func (s *Shifter) shiftWide(v, per int64, offset int32) (int64, Reason) {
	day := floorDiv(v, per)
	if day < math.MinInt32 || day > math.MaxInt32 {
		day = int64(lastTextDay) + 1 // ShiftDay refuses it, or names the missing person
	}
	d, r := s.ShiftDay(int32(day), offset)
	if r != ReasonNone {
		return 0, r
	}
	days := int64(d) - day
	if days > math.MaxInt64/per || days < math.MinInt64/per {
		return 0, ReasonOutOfBounds
	}
	out := v + days*per
	if (days > 0) != (out > v) && days != 0 {
		return 0, ReasonOutOfBounds
	}
	return out, ReasonNone
}

// Unshift undoes a shift for the key holder: it is ShiftDay with the
// opposite offset and no policies. A date that a policy clamped or
// reflected cannot be restored exactly, which is why those policies are not
// the default.
func Unshift(day, offset int32) int32 { return day - offset }

const (
	msPerDay = 86_400_000
)

// unitsPerDay returns a timestamp unit's count per day.
func unitsPerDay(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Second:
		return 86_400
	case arrow.Millisecond:
		return msPerDay
	case arrow.Microsecond:
		return msPerDay * 1000
	}
	return msPerDay * 1_000_000
}

// floorDiv divides rounding toward minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// ShiftArray returns a copy of a date column with row i moved by
// offsets[i] days. The column may be date32, date64, timestamp (any unit,
// with or without zone) or a string of dates in the layouts of
// [ParseDate], written back as read. Nulls stay null. A row whose value
// cannot be shifted (see [Reason]; offsets[i] == 0 means the row has no
// person) is null in the result and listed in the problems: the caller
// must quarantine it, never deliver it. The caller releases the result.
func (s *Shifter) ShiftArray(mem memory.Allocator, col arrow.Array, offsets []int32) (arrow.Array, []Problem, error) {
	n := col.Len()
	if len(offsets) < n {
		return nil, nil, fmt.Errorf("refdate: %d offsets for %d rows", len(offsets), n)
	}
	var problems []Problem
	fail := func(i int, r Reason) { problems = append(problems, Problem{Row: i, Reason: r}) }
	switch c := col.(type) {
	case *array.Date32:
		b := array.NewDate32Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.AppendNull()
				continue
			}
			d, r := s.ShiftDay(int32(c.Value(i)), offsets[i])
			if r != ReasonNone {
				fail(i, r)
				b.AppendNull()
				continue
			}
			b.Append(arrow.Date32(d))
		}
		return b.NewArray(), problems, nil
	case *array.Date64:
		b := array.NewDate64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				b.AppendNull()
				continue
			}
			v, r := s.shiftWide(int64(c.Value(i)), msPerDay, offsets[i])
			if r != ReasonNone {
				fail(i, r)
				b.AppendNull()
				continue
			}
			b.Append(arrow.Date64(v))
		}
		return b.NewArray(), problems, nil
	case *array.Timestamp:
		return s.shiftTimestamps(mem, c, offsets)
	case *array.String:
		return s.shiftStrings(mem, c, offsets)
	case *array.LargeString:
		return nil, nil, fmt.Errorf("refdate: large strings are not supported for dates; cast to string")
	}
	return nil, nil, fmt.Errorf("refdate: a %s column is not a date (want date32, date64, timestamp or date strings)", col.DataType())
}

func (s *Shifter) shiftTimestamps(mem memory.Allocator, c *array.Timestamp, offsets []int32) (arrow.Array, []Problem, error) {
	tt := c.DataType().(*arrow.TimestampType)
	loc, err := tt.GetZone()
	if err != nil {
		return nil, nil, fmt.Errorf("refdate: timestamp zone %q: %w", tt.TimeZone, err)
	}
	if loc == nil {
		loc = time.UTC
	}
	per := unitsPerDay(tt.Unit)
	calendar := s.opts.Timestamps == CalendarDay && tt.TimeZone != "" && loc != time.UTC
	b := array.NewTimestampBuilder(mem, tt)
	defer b.Release()
	n := c.Len()
	b.Reserve(n)
	var problems []Problem
	for i := 0; i < n; i++ {
		if c.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := int64(c.Value(i))
		if !calendar {
			// The date in UTC (the zone's wall-clock date for calendar
			// mode below) decides the year and the bounds.
			moved, r := s.shiftWide(v, per, offsets[i])
			if r != ReasonNone {
				problems = append(problems, Problem{Row: i, Reason: r})
				b.AppendNull()
				continue
			}
			b.Append(arrow.Timestamp(moved))
			continue
		}
		t := c.Value(i).ToTime(tt.Unit).In(loc)
		day := lastTextDay + 1 // out of bounds, unless the person is missing
		if y := t.Year(); y >= 1 && y <= 9999 {
			day = daysFromCivil(y, int(t.Month()), t.Day())
		}
		d, r := s.ShiftDay(day, offsets[i])
		if r != ReasonNone {
			problems = append(problems, Problem{Row: i, Reason: r})
			b.AppendNull()
			continue
		}
		y, m, dd := civilFromDays(d)
		moved := time.Date(y, time.Month(m), dd, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
		ts, err := arrow.TimestampFromTime(moved, tt.Unit)
		if err != nil || !ts.ToTime(tt.Unit).Equal(moved) {
			// The unit cannot hold it (nanoseconds end in 2262).
			problems = append(problems, Problem{Row: i, Reason: ReasonOutOfBounds})
			b.AppendNull()
			continue
		}
		b.Append(ts)
	}
	return b.NewArray(), problems, nil
}

func (s *Shifter) shiftStrings(mem memory.Allocator, c *array.String, offsets []int32) (arrow.Array, []Problem, error) {
	out := newStringOut(mem, c.Len(), len(c.ValueBytes()))
	defer out.release()
	raw, vo := c.ValueBytes(), c.ValueOffsets()
	var problems []Problem
	for i := range c.Len() {
		if c.IsNull(i) {
			out.appendNull()
			continue
		}
		v := raw[vo[i]-vo[0] : vo[i+1]-vo[0]]
		if len(v) == 0 {
			out.append(nil)
			continue
		}
		day, layout, rest, ok := ParseDate(v)
		if !ok {
			problems = append(problems, Problem{Row: i, Reason: ReasonUnparsable})
			out.appendNull()
			continue
		}
		if layout.Partial() {
			if s.opts.Partial == PartialCoarsen {
				out.data = AppendDate(out.data, day, LayoutYear, nil)
				out.append(nil)
				continue
			}
			problems = append(problems, Problem{Row: i, Reason: ReasonPartial})
			out.appendNull()
			continue
		}
		d, r := s.ShiftDay(day, offsets[i])
		if r == ReasonNone && !textYear(d) {
			r = ReasonOutOfBounds // a text date has a four-digit year
		}
		if r != ReasonNone {
			problems = append(problems, Problem{Row: i, Reason: r})
			out.appendNull()
			continue
		}
		out.data = AppendDate(out.data, d, layout, rest)
		out.append(nil)
	}
	return out.array(), problems, nil
}

// stringOut builds a string column value by value, like a StringBuilder
// but with the text appended straight to data (AppendDate writes there),
// and with no copy or clearing when it grows: shifting text dates was a
// fifth of a CSV prepare's time with the builder.
type stringOut struct {
	mem      memory.Allocator
	validity *memory.Buffer
	offsets  []int32
	data     []byte
	n, nulls int
}

func newStringOut(mem memory.Allocator, n, dataHint int) *stringOut {
	o := &stringOut{mem: mem, validity: memory.NewResizableBuffer(mem)}
	o.validity.Resize(int(bitutil.BytesForBits(int64(n))))
	clear(o.validity.Bytes()) // not every allocator clears
	o.offsets = make([]int32, 1, n+1)
	o.data = make([]byte, 0, dataHint)
	return o
}

// append ends a valid value: tail, after whatever was appended to data.
func (o *stringOut) append(tail []byte) {
	o.data = append(o.data, tail...)
	bitutil.SetBit(o.validity.Bytes(), o.n)
	o.offsets = append(o.offsets, int32(len(o.data)))
	o.n++
}

func (o *stringOut) appendNull() {
	o.offsets = append(o.offsets, int32(len(o.data)))
	o.n++
	o.nulls++
}

// array returns the column; the stringOut is spent.
func (o *stringOut) array() arrow.Array {
	offsets := memory.NewResizableBuffer(o.mem)
	offsets.Resize(len(o.offsets) * arrow.Int32SizeBytes)
	copy(arrow.Int32Traits.CastFromBytes(offsets.Bytes()), o.offsets)
	data := memory.NewResizableBuffer(o.mem)
	data.Resize(len(o.data))
	copy(data.Bytes(), o.data)
	validity := o.validity
	if o.nulls == 0 {
		validity = nil
	}
	d := array.NewData(arrow.BinaryTypes.String, o.n, []*memory.Buffer{validity, offsets, data}, nil, o.nulls, 0)
	defer d.Release()
	offsets.Release()
	data.Release()
	return array.MakeFromData(d)
}

func (o *stringOut) release() { o.validity.Release() }

// Days converts a date column to day numbers (days since 1970-01-01; a
// timestamp's date in UTC, or in its zone for a zoned one), for relative
// dates and for finding a person's earliest date. valid[i] is false for
// nulls, empty strings and rows listed in problems.
func Days(col arrow.Array) (days []int32, valid []bool, problems []Problem, err error) {
	n := col.Len()
	days = make([]int32, n)
	valid = make([]bool, n)
	switch c := col.(type) {
	case *array.Date32:
		for i := 0; i < n; i++ {
			if !c.IsNull(i) {
				days[i], valid[i] = int32(c.Value(i)), true
			}
		}
	case *array.Date64:
		for i := 0; i < n; i++ {
			if !c.IsNull(i) {
				days[i], valid[i] = int32(floorDiv(int64(c.Value(i)), msPerDay)), true
			}
		}
	case *array.Timestamp:
		tt := c.DataType().(*arrow.TimestampType)
		loc, err := tt.GetZone()
		if err != nil {
			return nil, nil, nil, fmt.Errorf("refdate: timestamp zone %q: %w", tt.TimeZone, err)
		}
		for i := 0; i < n; i++ {
			if c.IsNull(i) {
				continue
			}
			if loc == nil {
				days[i] = int32(floorDiv(int64(c.Value(i)), unitsPerDay(tt.Unit)))
			} else {
				days[i] = dayOf(c.Value(i).ToTime(tt.Unit).In(loc))
			}
			valid[i] = true
		}
	case *array.String:
		for i := 0; i < n; i++ {
			if c.IsNull(i) || c.Value(i) == "" {
				continue
			}
			d, layout, _, ok := ParseDate([]byte(c.Value(i)))
			switch {
			case !ok:
				problems = append(problems, Problem{Row: i, Reason: ReasonUnparsable})
			case layout.Partial():
				problems = append(problems, Problem{Row: i, Reason: ReasonPartial})
			default:
				days[i], valid[i] = d, true
			}
		}
	default:
		return nil, nil, nil, fmt.Errorf("refdate: a %s column is not a date (want date32, date64, timestamp or date strings)", col.DataType())
	}
	return days, valid, problems, nil
}

// RelativeArray returns, for each row, the whole days from the row's
// reference day to its date (negative before it), as int32. A row whose
// date or reference is missing is null; a row whose date does not parse is
// null and listed in the problems.
func RelativeArray(mem memory.Allocator, col arrow.Array, ref []int32, refValid []bool) (arrow.Array, []Problem, error) {
	days, valid, problems, err := Days(col)
	if err != nil {
		return nil, nil, err
	}
	b := array.NewInt32Builder(mem)
	defer b.Release()
	b.Reserve(len(days))
	for i := range days {
		if !valid[i] || !refValid[i] {
			b.AppendNull()
			continue
		}
		b.Append(days[i] - ref[i])
	}
	return b.NewArray(), problems, nil
}
