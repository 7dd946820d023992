package pseudonym

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The scanner behind [Finder]: one pass over the bytes, keeping the last
// twelve digits of the current sequence in a ring.

// digitRing holds the last digits of the current sequence: the digit, its
// byte span in the input, and whether separators stood before it.
type digitRing struct {
	digit [16]byte
	sep   [16]bool
	start [16]int
	end   [16]int
}

// dateLayouts are, per window length, the separator layouts LayoutDate
// accepts: a bit i means "separators before digit i" (0-based). A number
// is written whole, with one separator between date and individual number,
// or with every part of its date separated ("15.10.86 10260",
// "1988-03-20-0016"); a Norwegian one may also split its individual
// number from its check digits ("150763 300 07"). A bank account number
// ("1503.12.34567") or a phone number ("22 33 44 55 66") does not fit.
var dateLayouts = [13][]uint16{
	10: {0, 1 << 6, 1<<2 | 1<<4 | 1<<6},
	11: {0, 1 << 6, 1<<2 | 1<<4 | 1<<6, 1<<6 | 1<<9, 1<<2 | 1<<4 | 1<<6 | 1<<9},
	12: {0, 1 << 8, 1<<4 | 1<<6 | 1<<8, 1<<2 | 1<<4 | 1<<6 | 1<<8},
}

// scan calls found with the byte span of every identity number in b, in
// order of their end, until found returns false.
func (f *Finder) scan(b []byte, found func(start, end int) bool) {
	var ring digitRing
	n, seps := 0, 0 // digits in the sequence; separators since its last digit
	for i := 0; i < len(b); {
		r, size := rune(b[i]), 1
		if r < utf8.RuneSelf {
			// ASCII, most of what is read: one table lookup.
			switch asciiClass[r] {
			case classDigit:
				f.push(&ring, &n, &seps, byte(r-'0'), i, i+1)
				if n >= 10 {
					if start, end, ok := f.window(&ring, n); ok && !found(start, end) {
						return
					}
				}
				i++
				continue
			case classOther:
				n, seps = 0, 0
				i++
				continue
			}
		} else {
			r, size = utf8.DecodeRune(b[i:])
			if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII
				r -= 0xFEE0
			}
		}
		if r >= utf8.RuneSelf && isInvisible(r) {
			i += size // zero-width and combining characters hide nothing
			continue
		}
		if len(f.finn) > 0 && n >= 6 && seps == 0 && isFinnishSign(r) {
			if start, end, ok := f.finnish(&ring, n, b, i+size, r); ok && !found(start, end) {
				return
			}
		}
		switch d, isDigit := digitValue(r); {
		case isDigit:
			f.push(&ring, &n, &seps, d, i, i+size)
			if start, end, ok := f.window(&ring, n); ok && !found(start, end) {
				return
			}
		case n > 0 && isSeparator(r):
			if seps++; seps > maxSeparators {
				n, seps = 0, 0
			}
		default:
			n, seps = 0, 0
		}
		i += size
	}
}

// push adds a digit at b[start:end] to the sequence.
func (f *Finder) push(ring *digitRing, n, seps *int, d byte, start, end int) {
	k := *n & 15
	ring.digit[k], ring.sep[k] = '0'+d, *n > 0 && *seps > 0
	ring.start[k], ring.end[k] = start, end
	*n++
	*seps = 0
}

// The classes of ASCII characters for the scanner's fast path; the rest
// (separators, HETU signs) take the general path.
const (
	classOther = iota
	classDigit
	classSlow
)

var asciiClass = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		switch {
		case c >= '0' && c <= '9':
			t[c] = classDigit
		case isSeparator(rune(c)) || isFinnishSign(rune(c)):
			t[c] = classSlow
		}
	}
	return t
}()

// window tries the windows that end at the n-th digit of the sequence.
func (f *Finder) window(ring *digitRing, n int) (start, end int, ok bool) {
	var buf [12]byte
	for _, l := range f.lens {
		if n < l {
			break
		}
		first := n - l
		var mask uint16
		for j := 0; j < l; j++ {
			k := (first + j) & 15
			buf[j] = ring.digit[k]
			if j > 0 && ring.sep[k] {
				mask |= 1 << j
			}
		}
		if f.layout == LayoutDate && !slices.Contains(dateLayouts[l], mask) {
			continue
		}
		for _, s := range f.byLen[l] {
			if parses(s, buf[:l]) {
				return ring.start[first&15], ring.end[(n-1)&15], true
			}
		}
	}
	return 0, 0, false
}

// finnish tries the HETU pattern: the last six digits of the sequence
// (written without separators), the sign, and the three digits and check
// character that follow from b[at:].
func (f *Finder) finnish(ring *digitRing, n int, b []byte, at int, sign rune) (start, end int, ok bool) {
	var buf [11]byte
	for j := 0; j < 6; j++ {
		k := (n - 6 + j) & 15
		if j > 0 && ring.sep[k] {
			return 0, 0, false
		}
		buf[j] = ring.digit[k]
	}
	buf[6] = byte(sign)
	for j := 7; j < 11; j++ {
		if at >= len(b) {
			return 0, 0, false
		}
		r, size := utf8.DecodeRune(b[at:])
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if d, isDigit := digitValue(r); isDigit {
			buf[j] = '0' + d
		} else if j == 10 && r < utf8.RuneSelf && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
			buf[j] = byte(r)
		} else {
			return 0, 0, false
		}
		at += size
	}
	for _, s := range f.finn {
		if parses(s, buf[:]) {
			return ring.start[(n-6)&15], at, true
		}
	}
	return 0, 0, false
}

// parses reports whether s parses b as a valid number. The supported
// schemes are called directly, so that b stays on the caller's stack.
func parses(s Scheme, b []byte) bool {
	var r Reason
	switch s := s.(type) {
	case Norway:
		_, r = s.Parse(b)
	case Sweden:
		_, r = s.Parse(b)
	case Denmark:
		_, r = s.Parse(b)
	case Finland:
		_, r = s.Parse(b)
	default:
		_, r = s.Parse(append([]byte(nil), b...))
	}
	return r == ReasonNone
}

// isFinnishSign reports whether r is a HETU century sign, in either case.
func isFinnishSign(r rune) bool {
	switch r {
	case '+', '-', 'Y', 'X', 'W', 'V', 'U', 'A', 'B', 'C', 'D', 'E', 'F',
		'y', 'x', 'w', 'v', 'u', 'a', 'b', 'c', 'd', 'e', 'f':
		return true
	}
	return false
}

// digitValue returns the value of a decimal digit of any script.
func digitValue(r rune) (byte, bool) {
	if r < utf8.RuneSelf {
		if r >= '0' && r <= '9' {
			return byte(r - '0'), true
		}
		return 0, false
	}
	if r < 0x660 && r != '²' && r != '³' && r != '¹' {
		return 0, false // Latin, Greek, Cyrillic, ...: no digits before Arabic-Indic
	}
	if unicode.Is(unicode.Nd, r) {
		// Unicode allocates decimal digits in contiguous runs of ten, from
		// zero to nine; the Nd table's ranges are unions of such runs
		// (TestDigitRanges checks it).
		for _, rg := range unicode.Nd.R16 {
			if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
				return byte((r - rune(rg.Lo)) % 10), true
			}
		}
		for _, rg := range unicode.Nd.R32 {
			if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
				return byte((r - rune(rg.Lo)) % 10), true
			}
		}
	}
	if unicode.Is(unicode.No, r) {
		// Superscript, subscript and circled digits: NFKC folds them.
		var buf [utf8.UTFMax]byte
		s := norm.NFKC.Bytes(buf[:utf8.EncodeRune(buf[:], r)])
		if len(s) == 1 && s[0] >= '0' && s[0] <= '9' {
			return s[0] - '0', true
		}
	}
	return 0, false
}

// isInvisible reports whether r is a format character (zero-width space
// and joiners, soft hyphen, byte order and direction marks) or a
// combining mark: the scanner reads through them as if they were absent.
func isInvisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me)
}

// isSeparator reports whether r may stand between two digits of one
// number: spaces and line ends of every kind, "-", "+", ".", "/", "_" and
// Unicode dashes (full-width forms were folded to ASCII before).
func isSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', '-', '+', '.', '/', '_':
		return true
	}
	return r >= utf8.RuneSelf && (unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212' || r == '\u00b7' || r == '\u2024')
}
