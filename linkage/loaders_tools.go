package linkage

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// The loading snippets, one function per tool (see loaders.go). Each maps
// the Table Schema types koble declares (string, integer, number, boolean,
// date, datetime, year; anything else is read as text) to the tool's.

// rEncoding, stataEncoding, pandasEncoding and duckdbEncoding name the
// data package's IANA encodings as each tool wants them.
var (
	rEncoding      = map[string]string{"utf-8": "UTF-8", "iso-8859-1": "ISO-8859-1", "windows-1252": "windows-1252"}
	pandasEncoding = map[string]string{"utf-8": "utf-8", "iso-8859-1": "latin-1", "windows-1252": "cp1252"}
	duckdbEncoding = map[string]string{"utf-8": "utf-8", "iso-8859-1": "latin-1", "windows-1252": "windows-1252"}
)

// quoteC quotes s as a double-quoted string literal of R or Python.
func quoteC(s string) string {
	return strconv.Quote(s)
}

// quoteSQL quotes s as an SQL string literal.
func quoteSQL(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// loaderR reads the file with readr's read_delim and explicit col_types.
func loaderR(r dataResource, v string) string {
	var b strings.Builder
	b.WriteString(comment("#", loaderHeader(r, "R (readr)")))
	b.WriteString("library(readr)\n")
	fmt.Fprintf(&b, "%s <- read_delim(\n  %s,\n", v, quoteC(path.Base(r.Path)))
	fmt.Fprintf(&b, "  delim = %s, quote = \"\\\"\", escape_double = TRUE, na = \"\", trim_ws = FALSE,\n", quoteC(r.Dialect.Delimiter))
	fmt.Fprintf(&b, "  locale = locale(encoding = %s),\n", quoteC(rEncoding[r.Encoding]))
	b.WriteString("  col_types = cols(\n    .default = col_character()")
	for _, f := range r.Schema.Fields {
		typ, note := "col_character()", ""
		switch f.Type {
		case "integer", "year":
			if wideInteger(f) {
				note = "    # a 64-bit integer, read as text: R's numbers lose digits above 2^53; bit64::as.integer64() keeps them\n"
			} else {
				typ = "col_integer()"
			}
		case "number":
			typ = "col_double()"
		case "boolean":
			typ = "col_logical()"
		case "date":
			typ = "col_date(" + quoteC(dateFormat(f)) + ")"
		case "datetime":
			typ = "col_datetime(" + quoteC(dateFormat(f)) + ")"
		}
		fmt.Fprintf(&b, ",\n%s    `%s` = %s", note, strings.ReplaceAll(f.Name, "`", "\\`"), typ)
	}
	b.WriteString("\n  )\n)\nproblems(" + v + ")\n")
	return b.String()
}

// toolTypes names the Table Schema's scalar types in one tool's
// vocabulary; dates and times each loader writes in its own way.
type toolTypes struct{ text, integer, unsigned, number, boolean string }

var (
	pandasTypes = toolTypes{"string", "Int64", "UInt64", "Float64", "boolean"}
	duckdbTypes = toolTypes{"VARCHAR", "BIGINT", "UBIGINT", "DOUBLE", "BOOLEAN"}
)

// of returns f's type in t's vocabulary, "" for a date or a datetime.
func (t toolTypes) of(f tableField) string {
	switch f.Type {
	case "integer", "year":
		if f.arrowType == "uint64" {
			return t.unsigned
		}
		return t.integer
	case "number":
		return t.number
	case "boolean":
		return t.boolean
	case "date", "datetime":
		return ""
	}
	return t.text
}

// loaderPandas reads the file with pandas.read_csv and nullable dtypes;
// dates are parsed afterwards with their exact format.
func loaderPandas(r dataResource, v string) string {
	var b strings.Builder
	b.WriteString(comment("#", loaderHeader(r, "Python (pandas)")))
	b.WriteString("import pandas as pd\n\n")
	fmt.Fprintf(&b, "%s = pd.read_csv(\n    %s,\n", v, quoteC(path.Base(r.Path)))
	fmt.Fprintf(&b, "    sep=%s, quotechar='\"', doublequote=True, encoding=%s,\n", quoteC(r.Dialect.Delimiter), quoteC(pandasEncoding[r.Encoding]))
	b.WriteString("    keep_default_na=False, na_values=[\"\"],\n    dtype={\n")
	var dates []tableField
	for _, f := range r.Schema.Fields {
		typ := pandasTypes.of(f)
		if typ == "" { // read as text, parsed with its format below
			typ = pandasTypes.text
			dates = append(dates, f)
		}
		fmt.Fprintf(&b, "        %s: %s,\n", quoteC(f.Name), quoteC(typ))
	}
	b.WriteString("    },\n)\n")
	for _, f := range dates {
		fmt.Fprintf(&b, "%s[%s] = pd.to_datetime(%s[%s], format=%s)\n", v, quoteC(f.Name), v, quoteC(f.Name), quoteC(dateFormat(f)))
	}
	return b.String()
}

// loaderDuckDB reads the file with read_csv and an explicit column list,
// nothing detected.
func loaderDuckDB(r dataResource, v string) string {
	var b strings.Builder
	b.WriteString(comment("--", loaderHeader(r, "DuckDB")))
	if r.Encoding == "windows-1252" {
		b.WriteString("-- windows-1252 needs DuckDB's encodings extension (INSTALL encodings; LOAD encodings;)\n")
	}
	dateFmt, tsFmt := "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%n"
	var cols []string
	for _, f := range r.Schema.Fields {
		typ := duckdbTypes.of(f)
		switch f.Type {
		case "date":
			typ, dateFmt = "DATE", dateFormat(f)
		case "datetime":
			typ = "TIMESTAMP"
			if strings.Contains(f.Format, "%") {
				tsFmt = f.Format
			}
		}
		cols = append(cols, fmt.Sprintf("    %s: %s", quoteSQL(f.Name), quoteSQL(typ)))
	}
	fmt.Fprintf(&b, "CREATE TABLE %s AS SELECT * FROM read_csv(\n  %s,\n", v, quoteSQL(path.Base(r.Path)))
	fmt.Fprintf(&b, "  header = true, delim = %s, quote = '\"', escape = '\"', encoding = %s,\n", quoteSQL(r.Dialect.Delimiter), quoteSQL(duckdbEncoding[r.Encoding]))
	fmt.Fprintf(&b, "  nullstr = '', auto_detect = false, dateformat = %s, timestampformat = %s,\n", quoteSQL(dateFmt), quoteSQL(tsFmt))
	fmt.Fprintf(&b, "  columns = {\n%s\n  }\n);\n", strings.Join(cols, ",\n"))
	return b.String()
}

// loaderStata imports every column as text, then converts the typed ones
// by name; 64-bit integers stay text (Stata's long has 32 bits, a double
// 53).
func loaderStata(r dataResource, _ string) string {
	var b strings.Builder
	b.WriteString(comment("*", loaderHeader(r, "Stata (16 or later)")))
	delim := quoteC(r.Dialect.Delimiter)
	if r.Dialect.Delimiter == "\t" {
		delim = "tab"
	}
	fmt.Fprintf(&b, "import delimited using %s, delimiters(%s) varnames(1) case(preserve) ///\n", quoteC(path.Base(r.Path)), delim)
	fmt.Fprintf(&b, "    encoding(%s) stringcols(_all) bindquotes(strict) clear\n", quoteC(r.Encoding))
	for _, f := range r.Schema.Fields {
		if f.Type == "string" || f.Type == "any" || (f.Type == "integer" || f.Type == "year") && wideInteger(f) {
			continue
		}
		if !stataName(f.Name) {
			fmt.Fprintf(&b, "* %s (%s): not a Stata name, Stata renamed it on import; convert it by hand\n", f.Name, f.Type)
			continue
		}
		n := f.Name
		switch f.Type {
		case "integer", "year", "number":
			fmt.Fprintf(&b, "destring %s, replace\n", n)
		case "boolean":
			fmt.Fprintf(&b, "generate byte koble_tmp = cond(%s == \"\", ., %s == \"true\")\n", n, n)
			fmt.Fprintf(&b, "drop %s\nrename koble_tmp %s\n", n, n)
		case "date":
			fmt.Fprintf(&b, "generate double koble_tmp = date(%s, \"YMD\")\nformat koble_tmp %%td\n", n)
			fmt.Fprintf(&b, "drop %s\nrename koble_tmp %s\n", n, n)
		case "datetime":
			fmt.Fprintf(&b, "generate double koble_tmp = clock(subinstr(%s, \"T\", \" \", 1), \"YMDhms\")\nformat koble_tmp %%tc\n", n)
			fmt.Fprintf(&b, "drop %s\nrename koble_tmp %s\n", n, n)
		}
	}
	return b.String()
}

// stataName says whether s is a name Stata keeps on import: letters,
// digits and "_", not starting with a digit, at most 32 characters.
func stataName(s string) bool {
	if s == "" || len(s) > 32 || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
