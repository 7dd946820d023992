package refdate

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Precision is how much of a date coarsening keeps.
type Precision uint8

// The precisions.
const (
	// Year keeps the year, as an int32 column.
	Year Precision = iota + 1
	// YearMonth keeps year and month, as "YYYY-MM" strings.
	YearMonth
	// ISOWeek keeps the ISO 8601 week, as "YYYY-Www" strings.
	ISOWeek
)

// ParsePrecision returns the precision named "year", "year-month" (or
// "month") or "iso-week" (or "week").
func ParsePrecision(s string) (Precision, error) {
	switch s {
	case "year":
		return Year, nil
	case "year-month", "month":
		return YearMonth, nil
	case "iso-week", "week":
		return ISOWeek, nil
	}
	return 0, fmt.Errorf("refdate: unknown precision %q (want year, year-month or iso-week)", s)
}

// String names the precision.
func (p Precision) String() string {
	return [...]string{"", "year", "year-month", "iso-week"}[p]
}

// CoarsenArray returns a date column reduced to the precision. Nulls stay
// null; a value that does not parse is null and listed in the problems. A
// partial date string is coarsened if it holds the precision asked for
// ("2024-03" to year or year-month), and a problem otherwise.
func CoarsenArray(mem memory.Allocator, col arrow.Array, p Precision) (arrow.Array, []Problem, error) {
	days, valid, problems, err := Days(col)
	if err != nil {
		return nil, nil, err
	}
	// Partial strings that hold enough precision are not problems here.
	if sc, ok := col.(*array.String); ok && len(problems) > 0 {
		kept := problems[:0]
		for _, pr := range problems {
			d, layout, _, ok := ParseDate([]byte(sc.Value(pr.Row)))
			if ok && (layout == LayoutYearMonth && p != ISOWeek || layout == LayoutYear && p == Year) {
				days[pr.Row], valid[pr.Row] = d, true
				continue
			}
			kept = append(kept, pr)
		}
		problems = kept
	}
	var b array.Builder
	if p == Year {
		b = array.NewInt32Builder(mem)
	} else {
		b = array.NewStringBuilder(mem)
	}
	defer b.Release()
	var buf []byte
	for i := range days {
		if !valid[i] {
			b.AppendNull()
			continue
		}
		if p != Year && !textYear(days[i]) {
			// "YYYY-MM" and "YYYY-Www" have four-digit years.
			problems = append(problems, Problem{Row: i, Reason: ReasonOutOfBounds})
			b.AppendNull()
			continue
		}
		y, m, _ := civilFromDays(days[i])
		switch p {
		case Year:
			b.(*array.Int32Builder).Append(int32(y))
		case YearMonth:
			buf = AppendDate(buf[:0], daysFromCivil(y, m, 1), LayoutYearMonth, nil)
			b.(*array.StringBuilder).BinaryBuilder.Append(buf)
		case ISOWeek:
			wy, w := isoWeek(days[i])
			buf = append(buf[:0], "0000-W00"...)
			put4(buf[0:4], wy)
			put2(buf[6:8], w)
			b.(*array.StringBuilder).BinaryBuilder.Append(buf)
		default:
			return nil, nil, fmt.Errorf("refdate: unknown precision")
		}
	}
	return b.NewArray(), problems, nil
}

// CoarsenType returns the Arrow type CoarsenArray produces.
func CoarsenType(p Precision) arrow.DataType {
	if p == Year {
		return arrow.PrimitiveTypes.Int32
	}
	return arrow.BinaryTypes.String
}
