package main

import (
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

// inferTypesHelp documents --infer-types.
const inferTypesHelp = "CSV input: read a column as int64 or date if every value in its first 10000 rows is a whole number (no leading zero: codes like 0301 stay text) or a date (YYYY-MM-DD or DD.MM.YYYY); ID columns stay text; a later row that does not fit is an error naming it"

// addInferFlag adds --infer-types to cmd.
func addInferFlag(cmd *cobra.Command, infer *bool) {
	cmd.Flags().BoolVar(infer, "infer-types", false, inferTypesHelp)
}

// inferTypes adds to ro.Types the types of in's columns inferred from a
// sample (columns --types names keep theirs, and ID columns stay text)
// and says what it inferred.
func inferTypes(g *globals, in string, ro *formats.ReadOptions) error {
	inferred, err := linkage.InferTypes(in, *ro, nil)
	if err != nil {
		return err
	}
	if ro.Types == nil {
		ro.Types = map[string]arrow.DataType{}
	}
	names := make(map[string]string, len(inferred))
	for col, t := range inferred {
		ro.Types[col] = t
		names[col] = formats.TypeName(t)
	}
	g.say("koble: column types inferred from the first %d rows: %s", formats.DefaultInferRows, typeList(names))
	return nil
}

// typeList lists column types as "COL TYPE, ..." by column name, or
// "none".
func typeList(types map[string]string) string {
	if len(types) == 0 {
		return "none"
	}
	cols := make([]string, 0, len(types))
	for c := range types {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for i, c := range cols {
		cols[i] = c + " " + types[c]
	}
	return strings.Join(cols, ", ")
}
