package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// IDType is the type of a generated register's national-ID column.
type IDType uint8

// The ID column types.
const (
	// IDString holds the 11 digits as text, leading zero kept (the default).
	IDString IDType = iota
	// IDInt64 holds the number as a 64-bit integer, as registers exported
	// from numeric database columns do: a leading zero is lost.
	IDInt64
)

// String names the type: "string" or "int64".
func (t IDType) String() string {
	if t == IDInt64 {
		return "int64"
	}
	return "string"
}

// ParseIDType returns the ID column type named s ("string", "int64").
func ParseIDType(s string) (IDType, error) {
	switch strings.ToLower(s) {
	case "", "string":
		return IDString, nil
	case "int64":
		return IDInt64, nil
	}
	return 0, fmt.Errorf("synth: unknown ID type %q (want string or int64)", s)
}

// idVariant says how one row's ID is written: valid, malformed in one of
// four ways, or valid with surrounding spaces. Drawing it apart from
// writing it lets a register draw its rows first and write them in another
// order.
type idVariant struct{ kind, param uint8 }

const (
	idValid uint8 = iota
	idWrongCheck
	idTenDigits
	idLetter
	idEmpty
	idSpaced
)

// drawID draws a row's ID variant: malformed with probability BadIDs, a
// further BadIDs/4 spaced.
func (g *generator) drawID(r *rand.Rand) idVariant {
	u := r.Float64()
	switch {
	case u < g.cfg.BadIDs:
		v := idVariant{kind: idWrongCheck + uint8(r.IntN(4))}
		switch v.kind {
		case idWrongCheck:
			v.param = uint8(r.IntN(9))
		case idLetter:
			v.param = uint8(r.IntN(11))
		}
		return v
	case u < g.cfg.BadIDs*1.25:
		return idVariant{kind: idSpaced}
	}
	return idVariant{}
}

// appendID draws a variant and writes a person's ID into column 0.
func (g *generator) appendID(t *tableWriter, r *rand.Rand, id uint64) {
	g.putID(t, id, g.drawID(r))
}

// putID writes a person's ID into column 0 as the variant says, as text or
// as an integer (where "ten digits" becomes nine and "a letter" a
// twelve-digit number).
func (g *generator) putID(t *tableWriter, id uint64, v idVariant) {
	if v.kind != idValid && v.kind != idSpaced {
		t.bad++
	}
	if v.kind == idEmpty {
		t.null(0)
		return
	}
	if g.cfg.IDType == IDInt64 {
		n := id
		switch v.kind {
		case idWrongCheck:
			n = id - id%10 + (id%10+1+uint64(v.param))%10
		case idTenDigits:
			// Nine digits: too short even with a lost leading zero back.
			n = id % 1e9
		case idLetter:
			n = id*10 + uint64(v.param%10)
		}
		t.builders[0].(*array.Int64Builder).Append(int64(n))
		return
	}
	s := idString(id)
	switch v.kind {
	case idWrongCheck:
		last := s[10] - '0'
		s = s[:10] + string(rune('0'+(last+1+v.param)%10))
	case idTenDigits:
		s = s[1:]
	case idLetter:
		s = s[:v.param] + "O" + s[v.param+1:]
	case idSpaced:
		s = " " + s + " "
	}
	t.str(0, s)
}
