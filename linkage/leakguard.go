package linkage

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"golang.org/x/text/unicode/norm"

	"github.com/koble/koble/pseudonym"
)

// sensitiveNames are column names (lower case, without separators and
// diacritics) that suggest a direct identifier.
var sensitiveNames = []string{
	"fnr", "fodselsnummer", "fodselsnr", "personnummer", "personnr", "pnr", "dnr", "dnummer",
	"hnr", "ssn", "cpr", "cprnr", "hetu", "henkilotunnus", "nationalid", "personid",
	"navn", "name", "fornavn", "etternavn", "firstname", "lastname", "surname",
	"adresse", "address", "gateadresse", "postadresse", "telefon", "phone", "epost", "email",
}

// normaliseName folds a column name for comparison: lower case, letters
// and digits only, diacritics removed (ø→o, å→a, æ→ae).
func normaliseName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch r {
		case 'ø':
			b.WriteByte('o')
		case 'æ':
			b.WriteString("ae")
		case 'ß':
			b.WriteString("ss")
		default:
			if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// sensitiveName reports whether a column name suggests a direct identifier.
func sensitiveName(name string) bool {
	n := normaliseName(name)
	for _, s := range sensitiveNames {
		if n == s {
			return true
		}
	}
	return false
}

// LeakError says that a column about to be delivered holds national IDs or
// has an identifying name. It names the column and counts; never a value.
type LeakError struct {
	File   string
	Column string
	Count  int64 // values that are valid IDs; 0 for a name hit
	Name   bool  // the column's name is the problem
}

func (e *LeakError) Error() string {
	if e.Name {
		return fmt.Sprintf("linkage: %s: leak guard: column %q has the name of a direct identifier; drop it, or allow it explicitly", e.File, e.Column)
	}
	return fmt.Sprintf("linkage: %s: leak guard: column %q holds %d value(s) that are valid national IDs; drop it, or allow it explicitly", e.File, e.Column, e.Count)
}

// countIDs returns how many values of a string or integer column are valid
// IDs under the scheme. Other column types hold no IDs.
func countIDs(col arrow.Array, scheme pseudonym.Scheme) int64 {
	var n int64
	switch c := col.(type) {
	case *array.String:
		// Values shorter than any ID are skipped on their offsets alone:
		// register codes and names are most of what the guard sees.
		offs := c.ValueOffsets()
		for i := 0; i < c.Len(); i++ {
			if offs[i+1]-offs[i] >= minIDText && !c.IsNull(i) && holdsID(c.Value(i), scheme) {
				n++
			}
		}
	case *array.LargeString:
		offs := c.ValueOffsets()
		for i := 0; i < c.Len(); i++ {
			if offs[i+1]-offs[i] >= minIDText && !c.IsNull(i) && holdsID(c.Value(i), scheme) {
				n++
			}
		}
	case *array.Int64:
		is, ok := scheme.(pseudonym.IntegerScheme)
		if !ok {
			return 0
		}
		for i := 0; i < c.Len(); i++ {
			if c.IsNull(i) {
				continue
			}
			if v := c.Value(i); v >= 100_000_000 {
				if _, r := is.ParseInt(v); r == pseudonym.ReasonNone {
					n++
				}
			}
		}
	}
	return n
}

// minIDText is the shortest text holdsID looks into: no scheme's ID has
// fewer than 10 characters.
const minIDText = 10

// holdsID reports whether a text value is, or contains as a word, a valid
// ID: free text ("ring 15108695088 i morgen") is split into tokens of
// letters, digits, "-" and "+", and every token of 10 to 13 characters that
// starts with a digit is parsed. A value of 10 to 13 characters is parsed
// whole as well, so that separators inside an ID ("151086 95088") count.
func holdsID(v string, scheme pseudonym.Scheme) bool {
	t := strings.TrimSpace(v)
	if len(t) < minIDText {
		return false
	}
	// Names, codes and dates end here: no scheme's ID has fewer than
	// nine digits (a Finnish one has exactly nine).
	digits := 0
	for i := 0; i < len(t); i++ {
		if t[i]-'0' <= 9 {
			digits++
		}
	}
	if digits < 9 {
		return false
	}
	if len(t) <= 13 && t[0] >= '0' && t[0] <= '9' {
		if _, r := scheme.Parse([]byte(t)); r == pseudonym.ReasonNone {
			return true
		}
	}
	start := -1
	for i := 0; i <= len(t); i++ {
		inToken := i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] >= 'A' && t[i] <= 'Z' || t[i] >= 'a' && t[i] <= 'z' || t[i] == '-' || t[i] == '+')
		if inToken {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			tok := t[start:i]
			if len(tok) >= 10 && len(tok) <= 13 && tok[0] >= '0' && tok[0] <= '9' {
				if _, r := scheme.Parse([]byte(tok)); r == pseudonym.ReasonNone {
					return true
				}
			}
			start = -1
		}
	}
	return false
}
