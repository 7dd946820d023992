package formats

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// The types a CSV column can be read as (see ReadOptions.Types), by the
// names the command line and plans use for them.
var csvTypeNames = []struct {
	name    string
	aliases []string
	typ     arrow.DataType
}{
	{"string", []string{"text", "str", "utf8"}, arrow.BinaryTypes.String},
	{"int64", []string{"integer", "int"}, arrow.PrimitiveTypes.Int64},
	{"float64", []string{"number", "float", "double"}, arrow.PrimitiveTypes.Float64},
	{"bool", []string{"boolean"}, arrow.FixedWidthTypes.Boolean},
	{"date", []string{"date32"}, arrow.FixedWidthTypes.Date32},
}

// TypeNames lists the names [ParseType] knows, for help and errors.
const TypeNames = "string, int64, float64, bool or date"

// ParseType returns the Arrow type a CSV column is read as, by its name:
// "string" (also "text"; a column is read so when no type is given),
// "int64" (also "integer"), "float64" (also "number"), "bool" (also
// "boolean") or "date" (written YYYY-MM-DD or DD.MM.YYYY).
func ParseType(name string) (arrow.DataType, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, t := range csvTypeNames {
		if n == t.name {
			return t.typ, nil
		}
		for _, a := range t.aliases {
			if n == a {
				return t.typ, nil
			}
		}
	}
	return nil, fmt.Errorf("formats: unknown column type %q (want %s)", name, TypeNames)
}

// TypeName returns the name [ParseType] reads back as t, or, for a type
// a CSV column cannot be read as, t's Arrow name.
func TypeName(t arrow.DataType) string {
	for _, c := range csvTypeNames {
		if arrow.TypeEqual(c.typ, t) {
			return c.name
		}
	}
	return t.String()
}
