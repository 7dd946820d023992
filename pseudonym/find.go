package pseudonym

import (
	"cmp"
	"slices"
)

// Finding identity numbers inside text and numbers.
//
// A [Finder] looks for numbers that parse as valid identity numbers inside
// any text: a log line, an error message, a column name, a free-text cell.
// It reads the text once, left to right, in time linear in its length:
//
//   - digits are any Unicode decimal digits (full-width "１５０７…",
//     Arabic-Indic, mathematical bold, ...) and the compatibility digits
//     that NFKC folds to one ASCII digit (superscripts, circled digits),
//     all read as 0-9; zero-width, format and combining characters
//     (U+200B, soft hyphens, direction marks, combining overlines) are
//     read through as if absent;
//   - a run of digits may be interrupted by up to [maxSeparators]
//     separator characters (spaces of every kind, line ends, "-", "+",
//     ".", "/", "_", Unicode dashes and their full-width forms): the
//     digits on both sides join into one sequence;
//   - every window of 10, 11 and 12 consecutive digits of a sequence is
//     parsed by the schemes that have numbers of that length (10: Denmark,
//     Sweden; 11: Norway; 12: Sweden's long form), wherever it starts, so
//     letters or other digits around a number ("X15076330007Y",
//     "0015076330007") do not hide it;
//   - a Finnish HETU is six digits, a century sign, three digits and a
//     check character, as written.
//
// The [Layout] says where separators may stand inside a window: anywhere
// ([LayoutAny], for messages, where redacting too much costs nothing), or
// only between the parts of a date and before the individual number
// ([LayoutDate]: "15.10.86 10260", "150763-30007", "1981-12-18-9876"), so
// that time stamps, phone numbers and amounts in free text are not read
// as IDs (the leak guard's choice, where a false finding stops a delivery).

// Layout says where a [Finder] accepts separators inside an ID.
type Layout uint8

const (
	// LayoutDate accepts separators only between the date and the
	// individual number ("150763-30007"), or between every two-digit part
	// of the date and before the individual number ("15.10.86 10260",
	// "1988-03-20-0016"); a Norwegian number may also have one between its
	// individual number and its check digits ("150763 300 07").
	LayoutDate Layout = iota
	// LayoutAny accepts separators between any two digits.
	LayoutAny
)

// maxSeparators is how many separator characters may stand between two
// digits of one sequence (" - " between date and individual number).
const maxSeparators = 3

// Redacted replaces every identity number that [Redact] finds.
const Redacted = "[id]"

// A Finder finds valid identity numbers of a set of schemes inside text
// and numbers. Make one with [NewFinder]; it is safe for concurrent use.
type Finder struct {
	byLen  [13][]Scheme // schemes to try on a window of n digits
	lens   []int        // the window lengths with schemes, ascending
	finn   []Scheme     // schemes tried on the HETU pattern
	layout Layout
}

// NewFinder returns a Finder for the schemes (by default [AllSchemes]).
// Norway's numbers have 11 digits, Denmark's 10, Sweden's 10 or 12 and
// Finland's the HETU pattern; a scheme of another type is tried on every
// window length and on the HETU pattern.
func NewFinder(layout Layout, schemes ...Scheme) *Finder {
	if len(schemes) == 0 {
		schemes = AllSchemes()
	}
	f := &Finder{layout: layout}
	for _, s := range schemes {
		var lens []int
		switch s.(type) {
		case Norway:
			lens = []int{11}
		case Denmark:
			lens = []int{10}
		case Sweden:
			lens = []int{10, 12}
		case Finland:
			f.finn = append(f.finn, s)
		default:
			lens = []int{10, 11, 12}
			f.finn = append(f.finn, s)
		}
		for _, n := range lens {
			f.byLen[n] = append(f.byLen[n], s)
		}
	}
	for n := 10; n <= 12; n++ {
		if len(f.byLen[n]) > 0 {
			f.lens = append(f.lens, n)
		}
	}
	return f
}

// AllSchemes returns every supported scheme in its broadest form:
// Norwegian synthetic test numbers and 2032-rule numbers accepted, Danish
// numbers without the modulus-11 check, no birth date refused as lying in
// the future ([FarFuture]). It is the set that [Redact] uses.
func AllSchemes() []Scheme {
	return []Scheme{Norway{AllowSynthetic: true, Reference: FarFuture}, Sweden{Reference: FarFuture},
		Denmark{Reference: FarFuture}, Finland{Reference: FarFuture}}
}

// messageFinder is the finder of [Redact].
var messageFinder = NewFinder(LayoutAny)

// Redact returns s with every identity number that parses under any
// supported scheme ([AllSchemes], [LayoutAny]) replaced by [Redacted].
// Every message that leaves koble passes through it. Its result holds no
// substring that any scheme parses as a valid number, and no sequence that
// a Finder of any layout would find; it runs in time linear in len(s).
func Redact(s string) string { return messageFinder.Redact(s) }

// Redact returns s with every identity number f finds replaced by
// [Redacted]. Overlapping findings are replaced together.
func (f *Finder) Redact(s string) string {
	var spans [][2]int
	f.scan([]byte(s), func(start, end int) bool {
		spans = append(spans, [2]int{start, end})
		return true
	})
	if len(spans) == 0 {
		return s
	}
	// Findings come in order of their last digit, a HETU when its sign is
	// read: sort by start and merge the overlapping ones.
	slices.SortFunc(spans, func(a, b [2]int) int { return cmp.Compare(a[0], b[0]) })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		if k := len(merged) - 1; sp[0] <= merged[k][1] {
			merged[k][1] = max(merged[k][1], sp[1])
		} else {
			merged = append(merged, sp)
		}
	}
	spans = merged
	out := make([]byte, 0, len(s))
	last := 0
	for _, sp := range spans {
		out = append(out, s[last:sp[0]]...)
		out = append(out, Redacted...)
		last = sp[1]
	}
	return string(append(out, s[last:]...))
}

// Contains reports whether b holds an identity number. A value shorter
// than 10 bytes, or with fewer than 9 digits, returns at once.
func (f *Finder) Contains(b []byte) bool {
	if len(b) < 10 || !enoughDigits(b) {
		return false
	}
	found := false
	f.scan(b, func(int, int) bool {
		found = true
		return false
	})
	return found
}

// ContainsString is [Finder.Contains] for a string.
func (f *Finder) ContainsString(s string) bool {
	if len(s) < 10 {
		return false
	}
	return f.Contains([]byte(s))
}

// enoughDigits reports whether b may hold 9 digits: it counts ASCII digits
// and the first bytes of multi-byte characters (which may be digits).
func enoughDigits(b []byte) bool {
	n := 0
	for _, c := range b {
		if c-'0' <= 9 || c >= 0xC0 {
			n++
			if n >= 9 {
				return true
			}
		}
	}
	return false
}

// Integer reports whether v, read as a number whose leading zero was lost
// (an integer, decimal or floating-point column), is an identity number:
// its digits, with one leading zero restored where that makes a number
// of the scheme's length, are parsed whole. Numbers of fewer than nine
// digits return at once.
func (f *Finder) Integer(v uint64) bool {
	if v < 100_000_000 {
		return false
	}
	var buf [20]byte
	i := len(buf)
	for u := v; u > 0; u /= 10 {
		i--
		buf[i] = byte('0' + u%10)
	}
	digits := buf[i:]
	for _, n := range f.lens {
		if len(digits) != n && len(digits) != n-1 {
			continue
		}
		w := buf[len(buf)-n:]
		if len(digits) == n-1 {
			w[0] = '0'
		}
		for _, s := range f.byLen[n] {
			if parses(s, w) {
				return true
			}
		}
	}
	return false
}
