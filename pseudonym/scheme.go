package pseudonym

import (
	"fmt"
	"strings"
	"time"
)

// A Scheme parses and validates the national identity numbers of one
// country. Implementations are plain values whose exported fields are fixed
// before the first call; after that a Scheme is safe for concurrent use.
type Scheme interface {
	// Code is the scheme's short name ("no", "se", "dk", "fi"). It is part of
	// the canonical form, so that two schemes never produce the same serial.
	Code() string
	// Parse parses s, tolerating surrounding spaces and the separators the
	// scheme's users write. It allocates nothing. On failure the ID is the
	// zero ID and the Reason says why; the input is never retained.
	Parse(s []byte) (ID, Reason)
}

// schemeCode numbers the schemes inside [ID.Compact]. The values are part of
// the compact form and must never change.
type schemeCode uint8

const (
	codeNone schemeCode = iota
	codeNorway
	codeSweden
	codeDenmark
	codeFinland
)

var schemeNames = [...]string{codeNone: "", codeNorway: "no", codeSweden: "se", codeDenmark: "dk", codeFinland: "fi"}

// ID is a parsed, valid national identity number. It is a small value
// (no pointers) that can be copied freely and used as a map key. The zero
// ID is not valid.
//
// An ID holds the identity number itself: never log or print it. Its
// String method is deliberately redacted; use [ID.AppendCanonical] where the
// canonical form is needed for hashing.
type ID struct {
	value  uint64    // the digits, as a number (Finland: see fi.go)
	birth  birthDate // zero if unknown
	kind   Kind
	scheme schemeCode
	warn   Warning
}

// birthDate is a calendar date packed as year<<9 | month<<5 | day; the
// zero value means unknown. It keeps ID at 16 bytes.
type birthDate uint32

func packDate(year, month, day int) birthDate {
	return birthDate(year<<9 | month<<5 | day)
}

// Valid reports whether id is the result of a successful parse.
func (id ID) Valid() bool { return id.scheme != codeNone }

// Scheme returns the code of the scheme that parsed id ("no", "se", ...).
func (id ID) Scheme() string { return schemeNames[id.scheme] }

// Kind returns what kind of number id is (for example [KindDNumber]).
func (id ID) Kind() Kind { return id.kind }

// Warnings returns the non-fatal findings of the parse, such as a failed
// Danish modulus-11 check.
func (id ID) Warnings() Warning { return id.warn }

// BirthDate returns the birth date encoded in the number, if the scheme and
// kind allow knowing it (not for Norwegian FH-numbers, D-, H- and NAV
// synthetic numbers, whose century is unknown, or numbers issued under the
// 2032 rule).
func (id ID) BirthDate() (time.Time, bool) {
	if id.birth == 0 {
		return time.Time{}, false
	}
	b := int(id.birth)
	return time.Date(b>>9, time.Month(b>>5&15), b&31, 0, 0, 0, 0, time.UTC), true
}

// Compact returns id as one uint64: the scheme code in the top byte and the
// number below it. Distinct IDs have distinct compact forms, so it serves as
// a cache key. Like the ID, it identifies a person: keep it in memory only.
func (id ID) Compact() uint64 { return uint64(id.scheme)<<56 | id.value }

// String returns a redacted description ("no:fnr"), never the number.
func (id ID) String() string {
	if !id.Valid() {
		return "invalid"
	}
	return id.Scheme() + ":" + id.kind.String()
}

// AppendCanonical appends the canonical form of id ("no:01017012345") to
// dst and returns the extended slice. SPEC.md defines the form per scheme;
// it is the message that serials are computed over.
func (id ID) AppendCanonical(dst []byte) []byte {
	switch id.scheme {
	case codeNorway:
		dst = append(dst, "no:"...)
		return appendDigits(dst, id.value, 11)
	case codeSweden:
		dst = append(dst, "se:"...)
		return appendDigits(dst, id.value, 12)
	case codeDenmark:
		dst = append(dst, "dk:"...)
		return appendDigits(dst, id.value, 10)
	case codeFinland:
		dst = append(dst, "fi:"...)
		return appendFinnish(dst, id.value)
	}
	panic("pseudonym: internal error: canonical form of an invalid ID")
}

// digitPairs holds "00" to "99": appendDigits writes two digits per
// division (serials write an ID's digits once per distinct person).
const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879" +
	"8081828384858687888990919293949596979899"

// appendDigits appends v as exactly n (at most 20) decimal digits, with
// leading zeros.
func appendDigits(dst []byte, v uint64, n int) []byte {
	var buf [20]byte
	i := n
	for ; i >= 2; i -= 2 {
		q := v / 100
		r := 2 * (v - q*100)
		buf[i-1], buf[i-2] = digitPairs[r+1], digitPairs[r]
		v = q
	}
	if i == 1 {
		buf[0] = byte('0' + v%10)
	}
	return append(dst, buf[:n]...)
}

// Kind is a set of properties of an identity number. Kinds combine: a
// Norwegian D-number issued by a health institution is KindDNumber|KindHNumber.
type Kind uint16

// The kinds of numbers. A plain birth number (Norwegian fødselsnummer,
// Swedish personnummer, ...) has no bit set except KindBirthNumber.
const (
	KindBirthNumber    Kind = 1 << iota // fødselsnummer, personnummer, CPR, HETU
	KindDNumber                         // Norwegian D-number (day + 40)
	KindHNumber                         // Norwegian H-number (month + 40)
	KindFHNumber                        // Norwegian FH-number (first digit 8 or 9)
	KindSyntheticTenor                  // Norwegian synthetic test number from Tenor (month + 80)
	KindSyntheticNAV                    // Norwegian synthetic test number from NAV (month + 40)
	KindRule2032                        // Norwegian number valid only under the rule for numbers issued from 2032
	KindCoordination                    // Swedish samordningsnummer (day + 60)
)

var kindNames = []struct {
	k    Kind
	name string
}{
	{KindDNumber, "dnr"},
	{KindHNumber, "hnr"},
	{KindFHNumber, "fh"},
	{KindSyntheticTenor, "synthetic-tenor"},
	{KindSyntheticNAV, "synthetic-nav"},
	{KindCoordination, "samordningsnummer"},
	{KindRule2032, "rule-2032"},
}

// String names the kind as `koble id check` prints it: "fnr" for a plain
// Norwegian birth number, otherwise the set bits joined by "+", as in
// "dnr+hnr".
func (k Kind) String() string {
	var parts []string
	for _, kn := range kindNames {
		if k&kn.k != 0 {
			parts = append(parts, kn.name)
		}
	}
	if len(parts) == 0 {
		if k&KindBirthNumber != 0 {
			return "fnr"
		}
		return "none"
	}
	return strings.Join(parts, "+")
}

// Reason says why an identity number is invalid. Reasons are stable codes
// that appear in reports and quarantine files in place of the number.
type Reason uint8

// The reasons an identity number can be invalid.
const (
	ReasonNone                Reason = iota // valid
	ReasonEmpty                             // empty or only spaces
	ReasonLength                            // wrong number of characters
	ReasonCharacters                        // a character the scheme does not allow
	ReasonDate                              // the encoded date does not exist
	ReasonChecksum                          // a check digit or character is wrong
	ReasonSyntheticNotAllowed               // a synthetic test number, and the caller does not allow them
	ReasonIndividualNumber                  // an individual number not allocated for the encoded century
	ReasonCentury                           // a century sign or separator the scheme does not define
	ReasonNotInteger                        // an integer column value that cannot be an ID (negative, too large)
	ReasonDateInFuture                      // the encoded birth date lies after the scheme's reference date
	numReasons
)

var reasonNames = [numReasons]string{
	ReasonNone:                "valid",
	ReasonEmpty:               "empty",
	ReasonLength:              "length",
	ReasonCharacters:          "characters",
	ReasonDate:                "date",
	ReasonChecksum:            "checksum",
	ReasonSyntheticNotAllowed: "synthetic-not-allowed",
	ReasonIndividualNumber:    "individual-number",
	ReasonCentury:             "century",
	ReasonNotInteger:          "not-integer",
	ReasonDateInFuture:        "date-in-future",
}

// String returns the reason's stable code, such as "checksum".
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}

// Reasons lists every reason code in a stable order, for reports that count
// rows by reason.
func Reasons() []Reason {
	out := make([]Reason, 0, numReasons-1)
	for r := ReasonEmpty; r < numReasons; r++ {
		out = append(out, r)
	}
	return out
}

// Warning is a set of non-fatal findings about a valid number.
type Warning uint8

// The warnings a parse can raise.
const (
	// WarnChecksum: the Danish modulus-11 check failed. CPR numbers issued
	// since 2007 need not satisfy it, so this is not an error by default.
	WarnChecksum Warning = 1 << iota
)

// InvalidError is returned by [Parse] for an invalid number. It holds the
// scheme and the reason only, never the number.
type InvalidError struct {
	Scheme string
	Reason Reason
}

func (e *InvalidError) Error() string {
	return "pseudonym: invalid " + e.Scheme + " identity number: " + e.Reason.String()
}

// Parse parses s with scheme and returns an *InvalidError on failure. It is
// the convenient scalar form of [Scheme.Parse] for importing services.
func Parse(scheme Scheme, s string) (ID, error) {
	id, reason := scheme.Parse([]byte(s))
	if reason != ReasonNone {
		return ID{}, &InvalidError{Scheme: scheme.Code(), Reason: reason}
	}
	return id, nil
}

// SchemeByCode returns the scheme with default options for a code: "no",
// "se", "dk" or "fi".
func SchemeByCode(code string) (Scheme, error) {
	switch code {
	case "no":
		return Norway{}, nil
	case "se":
		return Sweden{}, nil
	case "dk":
		return Denmark{}, nil
	case "fi":
		return Finland{}, nil
	}
	return nil, fmt.Errorf("pseudonym: unknown identity scheme %q (want no, se, dk or fi)", code)
}

// trimSpace returns s without leading and trailing ASCII spaces and tabs.
func trimSpace(s []byte) []byte {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// daysIn returns the number of days in month m of year y (1 <= m <= 12).
func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validDayMonth reports whether day d of month m exists in some year with
// the two-digit year yy, for numbers whose century is unknown: 29 February
// exists when yy is divisible by 4 (00 counts, as 2000 was a leap year).
func validDayMonth(d, m, yy int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	if m == 2 && d == 29 {
		return yy%4 == 0
	}
	return d <= daysIn(2001, m)
}

// IntegerScheme is implemented by schemes whose numbers are all digits and
// can therefore arrive in an integer column, where leading zeros are lost.
type IntegerScheme interface {
	Scheme
	// ParseInt parses v as the number with its leading zeros restored.
	ParseInt(v int64) (ID, Reason)
}
