package risk

import (
	"fmt"
	"strconv"
	"strings"
)

// A Ladder is a quasi-identifier's generalisation ladder: level 0 keeps
// values as they are, each level above loses more information, and the top
// level drops the column (every person has the same value). Suggestions
// climb ladders cheapest first: the cost of a generalisation is the number
// of levels climbed, summed over quasi-identifiers.
type Ladder struct {
	// Kind names the ladder: none, date, year, municipality or icd10.
	Kind string
	// Levels, from level 0 (as delivered) to the top (dropped).
	Levels []Level
}

// A Level is one rung of a ladder.
type Level struct {
	// Name says what the level keeps ("month", "county", ...).
	Name string
	// Map generalises one value's text; nil at level 0 and at the dropped
	// level. A value it does not recognise is kept as it is. Missing values
	// stay missing on every level below the top.
	Map func(string) string
	// Drop marks the top level: the column is not delivered.
	Drop bool
}

var dropped = Level{Name: "dropped", Drop: true}

// LadderKinds are the kinds [NewLadder] knows.
var LadderKinds = []string{"none", "date", "year", "municipality", "icd10"}

// NewLadder returns the ladder of a kind:
//
//   - none: as delivered, dropped;
//   - date (YYYY-MM-DD): day, month, quarter, year, dropped;
//   - year (a birth year, an age, any whole number): 1, 5 and 10 years,
//     dropped;
//   - municipality (Norwegian four-digit codes): municipality, county (the
//     code's first two digits), dropped;
//   - icd10: the full code, its first three characters, its chapter (I to
//     XXII), dropped.
func NewLadder(kind string) (Ladder, error) {
	id := Level{Name: "as delivered"}
	switch kind {
	case "none":
		return Ladder{kind, []Level{id, dropped}}, nil
	case "date":
		return Ladder{kind, []Level{{Name: "day"}, {Name: "month", Map: month}, {Name: "quarter", Map: quarter}, {Name: "year", Map: year}, dropped}}, nil
	case "year":
		return Ladder{kind, []Level{{Name: "1 year"}, {Name: "5 years", Map: band(5)}, {Name: "10 years", Map: band(10)}, dropped}}, nil
	case "municipality":
		return Ladder{kind, []Level{{Name: "municipality"}, {Name: "county", Map: county}, dropped}}, nil
	case "icd10":
		return Ladder{kind, []Level{{Name: "full code"}, {Name: "three characters", Map: icdThree}, {Name: "chapter", Map: icdChapter}, dropped}}, nil
	}
	return Ladder{}, fmt.Errorf("%w: ladder %q: want one of %s", ErrConfig, kind, strings.Join(LadderKinds, ", "))
}

// GuessLadder picks a ladder for a quasi-identifier from its name and
// values: dates if every value is YYYY-MM-DD; years if every value is a
// whole number and the name speaks of a year or an age; municipality or
// ICD-10 by name (kommune, municipality; icd, diag, cause); none otherwise.
func GuessLadder(name string, values []string) Ladder {
	n := strings.ToLower(name)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	kind := "none"
	switch {
	case all(values, isDate):
		kind = "date"
	case all(values, isInt) && has("year", "aar", "år", "age", "alder"):
		kind = "year"
	case has("municip", "kommune", "komnr"):
		kind = "municipality"
	case has("icd", "diag", "cause", "arsak", "årsak"):
		kind = "icd10"
	}
	l, _ := NewLadder(kind)
	return l
}

func all(values []string, f func(string) bool) bool {
	some := false
	for _, v := range values {
		if v == missingText {
			continue
		}
		if !f(v) {
			return false
		}
		some = true
	}
	return some
}

func isDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func isInt(s string) bool { _, err := strconv.Atoi(s); return err == nil }

func month(s string) string {
	if !isDate(s) {
		return s
	}
	return s[:7]
}

func quarter(s string) string {
	if !isDate(s) {
		return s
	}
	m, _ := strconv.Atoi(s[5:7])
	return fmt.Sprintf("%s-Q%d", s[:4], (m+2)/3)
}

func year(s string) string {
	if !isDate(s) {
		return s
	}
	return s[:4]
}

func band(w int) func(string) string {
	return func(s string) string {
		v, err := strconv.Atoi(s)
		if err != nil {
			return s
		}
		lo := v - ((v%w)+w)%w
		return fmt.Sprintf("%d-%d", lo, lo+w-1)
	}
}

func county(s string) string {
	if len(s) == 3 && isInt(s) {
		s = "0" + s // a code stored as a number lost its leading zero
	}
	if len(s) != 4 || !isInt(s) {
		return s
	}
	return s[:2]
}

func icdThree(s string) string {
	c := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), ".", ""))
	if len(c) < 3 {
		return s
	}
	return c[:3]
}

// icdChapters are the ICD-10 (WHO 2019) chapters by their last
// three-character code.
var icdChapters = []struct{ last, name string }{
	{"B99", "I"}, {"D48", "II"}, {"D89", "III"}, {"E90", "IV"}, {"F99", "V"},
	{"G99", "VI"}, {"H59", "VII"}, {"H95", "VIII"}, {"I99", "IX"}, {"J99", "X"},
	{"K93", "XI"}, {"L99", "XII"}, {"M99", "XIII"}, {"N99", "XIV"}, {"O99", "XV"},
	{"P96", "XVI"}, {"Q99", "XVII"}, {"R99", "XVIII"}, {"T98", "XIX"}, {"U99", "XXII"}, {"Y98", "XX"}, {"Z99", "XXI"},
}

func icdChapter(s string) string {
	c := icdThree(s)
	if len(c) != 3 || c[0] < 'A' || c[0] > 'Z' || !isInt(c[1:]) {
		return s
	}
	for _, ch := range icdChapters {
		if c <= ch.last {
			return "chapter " + ch.name
		}
	}
	return s
}
