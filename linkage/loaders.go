package linkage

import (
	"fmt"
	"path"
	"strings"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/pseudonym"
)

// Next to each CSV file it delivers, koble writes ready-to-run loading
// code that keeps the delivered types: NAME.csv.load.R (R, readr),
// NAME.csv.load.do (Stata), NAME.csv.load.py (pandas) and
// NAME.csv.load.sql (DuckDB). Each is made from the file's resource in the
// data package (see datapackage.go), so the two never disagree: text
// columns stay text (codes keep their leading zeros, an int64 serial keeps
// every digit), the encoding, delimiter and null representation are
// stated rather than guessed, and typed columns are read as their type.
// They are written in the delivery's transaction and listed in its
// manifest with the role "loader". Each expects to run in the delivery's
// folder (the folder of the manifest).

// loader is one loading snippet: its suffix and a function writing it.
type loader struct {
	suffix string
	make   func(r dataResource, varName string) string
}

var loaders = []loader{
	{".load.R", loaderR}, {".load.do", loaderStata}, {".load.py", loaderPandas}, {".load.sql", loaderDuckDB},
}

// loaders returns the loading snippets of every CSV resource of dp, named
// as the CSV file with the snippet's suffix.
func (dp *dataPackage) loaders() []PackageFile {
	var files []PackageFile
	for _, r := range dp.Resources {
		if r.Format != "csv" {
			continue
		}
		for _, l := range loaders {
			// Column names passed the leak guard; the text passes the
			// redaction step like every report.
			text := pseudonym.Redact(l.make(r, varName(r.Name)))
			files = append(files, PackageFile{Name: r.Path + l.suffix, Role: delivery.RoleLoader, Data: []byte(text)})
		}
	}
	return files
}

// varName makes an identifier for the loaded table: letters, digits and
// "_", starting with a letter.
func varName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	v := b.String()
	if v == "" || v[0] < 'A' || v[0] >= '0' && v[0] <= '9' || v[0] == '_' {
		v = "d_" + v
	}
	return v
}

// loaderHeader is the comment every snippet starts with (after the
// comment marker), one line each.
func loaderHeader(r dataResource, tool string) []string {
	h := []string{
		fmt.Sprintf("Load %s with %s, keeping the types koble delivered.", path.Base(r.Path), tool),
		"Made by koble from the file's description in the delivery's datapackage.json;",
		"run it in the delivery's folder (the folder of the manifest).",
		fmt.Sprintf("Encoding %s, delimiter %s, empty field = missing.", r.Encoding, delimName(r.Dialect.Delimiter)),
	}
	for _, f := range r.Schema.Fields {
		if f.Description != "" {
			h = append(h, f.Name+": "+f.Description)
		}
	}
	return h
}

func delimName(d string) string {
	switch d {
	case "\t":
		return "tab"
	case ",":
		return "comma"
	case ";":
		return "semicolon"
	case "|":
		return "pipe"
	}
	return fmt.Sprintf("%q", d)
}

func comment(marker string, lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(marker+" "+strings.ReplaceAll(l, "\n", " "), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// dateFormat is the strptime pattern of a date or datetime field: its
// Table Schema format if that is a pattern, else ISO 8601.
func dateFormat(f tableField) string {
	if strings.Contains(f.Format, "%") {
		return f.Format
	}
	if f.Type == "datetime" {
		return "%Y-%m-%dT%H:%M:%S"
	}
	return "%Y-%m-%d"
}

// wideInteger says whether an integer field may exceed what R's integer
// (32 bits) or a double (53 bits) holds exactly.
func wideInteger(f tableField) bool {
	switch f.arrowType {
	case "int8", "int16", "int32", "uint8", "uint16":
		return false
	}
	return true
}
