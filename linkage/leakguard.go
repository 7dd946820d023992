package linkage

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
	"golang.org/x/text/unicode/norm"

	"github.com/koble/koble/pseudonym"
)

// The leak guard: no delivered column may hold a national ID, carry the
// name of a direct identifier, be named by an ID, or carry an ID in its
// key-value metadata. It fails closed: one valid ID stops the delivery
// with a [LeakError] that names the column (redacted, should the name
// itself be an ID), never a value.
//
// # What it reads
//
// Every Arrow type that can carry an ID (guardcount.go): integers of 32
// and 64 bits, signed or not (smaller ones cannot hold nine digits);
// decimals of every width whose value is a whole number (DECIMAL(18,0),
// or 15076330007.000 at scale 3); floating-point values that are whole
// numbers (a float32 cannot hold a ten-digit number exactly: it is read
// as every whole number that rounds to it, so that a rounded ID, which
// still gives away its birth date, is found); strings, large strings, string views, binary of every
// kind; dictionaries (the dictionary values the indices use); and the
// leaves of lists, large lists, list views, fixed-size lists, maps,
// structs, unions, run-end encoded and extension arrays. It reads what a
// writer delivers, not only the values: the bytes and numbers under null
// slots and the data buffers of string and binary views, also where no
// view of a row points (an Arrow IPC writer writes them whole), and the
// dictionary values that no row uses (Arrow and Parquet writers write the
// whole dictionary). Dates, times,
// time stamps, durations, intervals and booleans are times and truth
// values, not numbers, and are not read.
//
// Text is read by [pseudonym.Finder] with [pseudonym.LayoutDate]: an ID
// anywhere in the text, glued to letters or other digits, with
// separators between the parts of its date, in any script's digits. A
// number is read whole, with a lost leading zero restored.
//
// # Which schemes
//
// An ID of another Nordic country is still an ID: the guard looks for the
// numbers of every supported scheme, whatever the run's scheme, each in
// its broadest form (Norwegian D-, H-, FH-, synthetic and 2032-rule
// numbers). One exception keeps the false findings down: a Danish number
// must pass its modulus-11 check unless the run's scheme is Denmark
// itself. Without the check, any ten digits that start with a day and a
// month are a CPR number (3.6% of random 10-digit numbers); with it, 0.33%.
//
// # False findings
//
// A guard that fires on everything is switched off, so its rate on
// ordinary data is measured (TestGuardFalsePositives, a generated corpus
// of 10^6 values per kind, -fp-samples=1000000): none at all among ICD-10
// and ATC codes, municipality and organisation numbers, amounts below
// 10^9 (with decimals, with thousands separators), phone numbers (eight
// digits, "+47 22 33 44 55", "+46 70 123 45 67"), ISO and Norwegian
// dates, time stamps, bank account numbers ("1503.12.34567") and
// free-text notes mixing all of these.
//
// What it cannot tell from an ID is a number of an ID's length that
// happens to pass an ID's checks. Per window of digits: 1.4% of random
// 11-digit numbers are valid Norwegian numbers (two modulus-11 checks,
// passed by 4 in 121 under the 2032 rule, times a valid date, D-, H- and
// synthetic months included, or an FH number's leading 8 or 9); 0.73% of
// random 10-digit numbers are Swedish (Luhn and a date) and 0.33%
// checked Danish; 0.02% of 12-digit ones Swedish. A value is read at
// every window, so the rates per value are higher: random 10 digits
// 1.0%, 11 digits 3.4% (one 11-digit and two 10-digit windows), 12
// digits 5.7%, an 11-digit amount with decimals 3.4%, "0047" and an
// 8-digit phone number 0.72% (its last ten digits may be a Swedish number
// of someone born in 1947); integers of 9, 10, 11 and 12 digits 1.8%,
// 2.1%, 1.4% and 0.03%. A float32 of ten or more digits stands for
// every number that rounds to it (64 to 16384 of them), so one whose
// leading digits read as a birth date is nearly always found. A column of
// such numbers (account numbers,
// record keys, 11-digit amounts) therefore stops a delivery; the user
// checks it and drops it or allows it by name. A single valid ID is a
// leak: there is no threshold.

// # Cost
//
// A value too short for an ID (under ten bytes) costs a length check on
// its offsets; a longer one with fewer than nine digits a pass over its
// bytes; only the rest is scanned. BenchmarkGuard measures it per kind of
// column; on the synthetic patient register (1M rows, `koble prepare
// --workers 1`, CPU seconds of 8 interleaved runs each, before and after
// this guard) it costs +1.0% on CSV -> CSV and -1.0% on Parquet ->
// Parquet, within the noise of the shared machine.

// guardFinders caches the guard's finder per run scheme.
var guardFinders sync.Map // pseudonym.Scheme -> *pseudonym.Finder

// guardFinder returns the finder the guard uses for a run whose IDs are
// in scheme: every supported scheme, Denmark's check required unless the
// run is Danish.
func guardFinder(scheme pseudonym.Scheme) *pseudonym.Finder {
	comparable := scheme != nil && reflect.TypeOf(scheme).Comparable()
	if comparable {
		if f, ok := guardFinders.Load(scheme); ok {
			return f.(*pseudonym.Finder)
		}
	}
	// No birth date is refused as lying in the future: the guard looks
	// for everything that has the form of an ID.
	far := pseudonym.FarFuture
	schemes := []pseudonym.Scheme{pseudonym.Norway{AllowSynthetic: true, Reference: far}, pseudonym.Sweden{Reference: far}, pseudonym.Finland{Reference: far}}
	switch s := scheme.(type) {
	case pseudonym.Denmark:
		schemes = append(schemes, pseudonym.WithReference(s, far))
	case pseudonym.Sweden:
		schemes = append(schemes, pseudonym.WithReference(s, far), pseudonym.Denmark{RequireChecksum: true, Reference: far})
	case pseudonym.Norway, pseudonym.Finland, nil:
		schemes = append(schemes, pseudonym.Denmark{RequireChecksum: true, Reference: far})
	default:
		schemes = append(schemes, s, pseudonym.Denmark{RequireChecksum: true})
	}
	f := pseudonym.NewFinder(pseudonym.LayoutDate, schemes...)
	if comparable {
		guardFinders.Store(scheme, f)
	}
	return f
}

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

// LeakError says that a column about to be delivered holds national IDs,
// has an identifying name, or carries an ID in its metadata. It names the
// column (redacted, should the name hold an ID) and counts; never a value.
type LeakError struct {
	File     string
	Column   string // the column; empty for the file's own metadata
	Count    int64  // values that are valid IDs; 0 for a name or metadata hit
	Name     bool   // the column's name is the problem
	Metadata bool   // the column's (or the file's) key-value metadata holds an ID
}

func (e *LeakError) Error() string {
	file, col := pseudonym.Redact(e.File), pseudonym.Redact(e.Column)
	switch {
	case e.Metadata && e.Column == "":
		return fmt.Sprintf("linkage: %s: leak guard: the file's key-value metadata holds a national ID; remove it from the metadata", file)
	case e.Metadata:
		return fmt.Sprintf("linkage: %s: leak guard: the key-value metadata of column %q holds a national ID; remove it from the metadata or drop the column", file, col)
	case e.Name && col != e.Column:
		return fmt.Sprintf("linkage: %s: leak guard: column %q is named by a national ID; drop it", file, col)
	case e.Name:
		return fmt.Sprintf("linkage: %s: leak guard: column %q has the name of a direct identifier; drop it (--drop, or drop in a plan), or let it through on purpose (--allow)", file, col)
	}
	return fmt.Sprintf("linkage: %s: leak guard: column %q holds %d value(s) that are valid national IDs "+
		"(counted in all the column would carry: its rows, dictionary entries no row uses, bytes under nulls); "+
		"drop it (--drop, or drop in a plan), or let it through on purpose (--allow)", file, col, e.Count)
}

// guardSchema checks what a delivered file says about itself: no column
// (or nested field) named by an ID, no ID in the file's or a column's
// key-value metadata. Names and metadata are read with the finder of
// messages ([pseudonym.LayoutAny]): anything [pseudonym.Redact] would
// hide must not be delivered either.
func guardSchema(file string, schema *arrow.Schema) error {
	find := func(s string) bool { return pseudonym.Redact(s) != s }
	if md := schema.Metadata(); metadataHolds(md, find) {
		return &LeakError{File: file, Metadata: true}
	}
	for _, f := range schema.Fields() {
		if err := guardField(file, f.Name, f, find); err != nil {
			return err
		}
	}
	return nil
}

// guardField checks a field's name and metadata and those of its nested
// fields; column is the top-level column it belongs to.
func guardField(file, column string, f arrow.Field, find func(string) bool) error {
	if find(f.Name) {
		return &LeakError{File: file, Column: column, Name: true}
	}
	if metadataHolds(f.Metadata, find) {
		return &LeakError{File: file, Column: column, Metadata: true}
	}
	var children []arrow.Field
	switch t := f.Type.(type) {
	case arrow.NestedType:
		children = t.Fields()
	case *arrow.DictionaryType:
		children = []arrow.Field{{Name: "", Type: t.ValueType}}
	case arrow.ExtensionType:
		children = []arrow.Field{{Name: "", Type: t.StorageType()}}
	}
	for _, c := range children {
		if err := guardField(file, column, c, find); err != nil {
			return err
		}
	}
	return nil
}

// metadataHolds reports whether a key or value of md holds an ID.
func metadataHolds(md arrow.Metadata, find func(string) bool) bool {
	for i, k := range md.Keys() {
		if find(k) || find(md.Values()[i]) {
			return true
		}
	}
	return false
}
