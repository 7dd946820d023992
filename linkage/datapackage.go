package linkage

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/koble/koble/delivery"
)

// A delivery describes itself in a Frictionless Data Package
// (https://specs.frictionlessdata.io/data-package/), which R's and
// Python's frictionless packages read: one resource per data file, with a
// Table Schema of its columns, and for CSV its encoding, dialect and null
// representation. It is NAME.datapackage.json beside the manifest (NAME as
// the manifest's), written in the same transaction.
//
// A CSV delivery's text columns are declared strings (codes keep their
// leading zeros) and its typed columns their types; an int64-encoded
// serial is declared a string there, as JavaScript and R lose integers
// above 2^53. Parquet and Arrow columns keep their types. The serial is the primary key only
// where each person has one row: elsewhere a primary key would be false.

type dataPackage struct {
	Profile   string         `json:"profile"`
	Name      string         `json:"name"`
	Resources []dataResource `json:"resources"`
}

type dataResource struct {
	Name      string       `json:"name"`
	Path      string       `json:"path"`
	Profile   string       `json:"profile"`
	Format    string       `json:"format"`
	MediaType string       `json:"mediatype"`
	Encoding  string       `json:"encoding,omitempty"`
	Dialect   *csvDialect  `json:"dialect,omitempty"`
	Schema    tableSchema  `json:"schema"`
	Sources   []dataSource `json:"sources,omitempty"`
}

type dataSource struct {
	Title string `json:"title"`
}

type csvDialect struct {
	Delimiter      string `json:"delimiter"`
	Header         bool   `json:"header"`
	DoubleQuote    bool   `json:"doubleQuote"`
	QuoteChar      string `json:"quoteChar"`
	LineTerminator string `json:"lineTerminator"`
}

type tableSchema struct {
	Fields        []tableField `json:"fields"`
	MissingValues []string     `json:"missingValues"`
	PrimaryKey    []string     `json:"primaryKey,omitempty"`
}

type tableField struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Format      string `json:"format,omitempty"`
	Description string `json:"description,omitempty"`
	// arrowType is the column's Arrow type, for the loading snippets.
	arrowType string
}

// ianaEncoding names formats' encodings as the Data Package wants them.
var ianaEncoding = map[string]string{"utf-8": "utf-8", "latin-1": "iso-8859-1", "windows-1252": "windows-1252"}

var mediaTypes = map[string]string{"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "arrow": "application/vnd.apache.arrow.file", "arrows": "application/vnd.apache.arrow.stream"}

// addResource describes one delivered data file; base is the folder the
// package's paths are relative to.
func (dp *dataPackage) addResource(base, target string, f delivery.File, rep *Report) {
	rel, err := filepath.Rel(base, target)
	if err != nil {
		rel = filepath.Base(target)
	}
	name := strings.ToLower(strings.TrimSuffix(filepath.Base(target), filepath.Ext(target)))
	r := dataResource{Name: resourceName(name), Path: filepath.ToSlash(rel), Profile: "tabular-data-resource", Format: f.Format, MediaType: mediaTypes[f.Format]}
	if f.CSV != nil {
		r.Encoding = ianaEncoding[f.CSV.Encoding]
		r.Dialect = &csvDialect{Delimiter: f.CSV.Delimiter, Header: true, DoubleQuote: true, QuoteChar: `"`, LineTerminator: "\n"}
	}
	if d := f.Done; d != nil && d.Source != "" {
		r.Sources = []dataSource{{Title: fmt.Sprintf("%s (%s)", d.Source, d.Register)}}
	}
	r.Schema.MissingValues = []string{""}
	dates := map[string]string{}
	if f.Done != nil {
		for _, c := range f.Done.Shifted {
			dates[c] = "shifted per person by up to " + fmt.Sprint(f.Done.Window) + " days"
		}
		for c, ref := range f.Done.Relative {
			dates[c] = "days since " + ref
		}
		for c, p := range f.Done.Coarsened {
			dates[c] = "coarsened to " + p
		}
	}
	for _, col := range f.Schema {
		fd := tableField{Name: col.Name, Type: tableType(col.Type, f.CSV != nil), Description: dates[col.Name], arrowType: col.Type}
		if t, ok := rep.csvTypes[col.Name]; ok && f.CSV != nil {
			// Written by koble in the type's canonical text (dates
			// YYYY-MM-DD, the Table Schema default).
			fd.Type, fd.arrowType = tableType(t, true), t
		}
		if col.Name == rep.SerialColumn {
			fd.Description = "project-specific serial number (" + rep.SerialEncoding + ") in place of the national ID"
			if rep.SerialEncoding == "int64" {
				fd.Description += "; up to 2^63: JavaScript and R lose precision above 2^53, read it as text"
				if f.CSV != nil {
					fd.Type = "string"
				}
			}
		}
		r.Schema.Fields = append(r.Schema.Fields, fd)
	}
	if rep.RowsPerPerson.Max <= 1 && rep.SerialColumn != "" && rep.RowsWritten > 0 {
		r.Schema.PrimaryKey = []string{rep.SerialColumn}
	}
	dp.Resources = append(dp.Resources, r)
}

// resourceName makes a Data Package resource name: lower case letters,
// digits, "-", "_" and ".".
func resourceName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// tableType maps an Arrow type name to a Table Schema type. In a CSV
// file a text column is declared a string, so that no code loses a zero
// (read back, a CSV file's columns are all text); a typed
// column (--types, --infer-types, relative days, coarsened years) keeps
// its type, written in the form the type's default format reads
// (integers without leading zeros, dates YYYY-MM-DD), but for times,
// which a CSV declares as text.
func tableType(arrowType string, csv bool) string {
	if csv && (strings.HasPrefix(arrowType, "timestamp") || strings.HasPrefix(arrowType, "time")) {
		return "string"
	}
	switch {
	case arrowType == "utf8" || arrowType == "large_utf8" || arrowType == "utf8_view":
		return "string"
	case strings.HasPrefix(arrowType, "int") || strings.HasPrefix(arrowType, "uint"):
		return "integer"
	case strings.HasPrefix(arrowType, "float") || strings.HasPrefix(arrowType, "decimal"):
		return "number"
	case arrowType == "bool":
		return "boolean"
	case strings.HasPrefix(arrowType, "date"):
		return "date"
	case strings.HasPrefix(arrowType, "timestamp"):
		return "datetime"
	}
	return "any"
}

// packagePath is the data package's path for a manifest.
func packagePath(manifest string) string {
	return strings.TrimSuffix(manifest, delivery.ManifestSuffix) + ".datapackage.json"
}

// writePackage writes the data package into the transaction, and the
// loading snippets of its CSV files (see loaders.go).
func writePackage(tx *delivery.Tx, dp *dataPackage) error {
	files, err := dp.files(filepath.Base(tx.Manifest()))
	if err != nil {
		return err
	}
	base := filepath.Dir(tx.Manifest())
	for _, f := range files {
		if err := tx.WriteWith(filepath.Join(base, filepath.FromSlash(f.Name)), f.Role, func(w io.Writer) error {
			_, err := w.Write(f.Data)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// files returns the loading snippets of dp's CSV files and the data
// package itself, named relative to the manifest's folder (manifest is
// the manifest's name).
func (dp *dataPackage) files(manifest string) ([]PackageFile, error) {
	if len(dp.Resources) == 0 {
		return nil, nil
	}
	files := dp.loaders()
	var b bytes.Buffer
	if err := encodeReportJSON(&b, dp); err != nil {
		return nil, err
	}
	return append(files, PackageFile{Name: packagePath(manifest), Role: delivery.RoleDescription, Data: b.Bytes()}), nil
}

// PackageFile is a file that describes a delivery: its data package or a
// loading snippet, named relative to the manifest's folder.
type PackageFile struct {
	Name, Role string
	Data       []byte
}

// DataPackage describes a delivery's data files, for an engine that
// writes a delivery's files itself: the data package and the loading
// snippets Link and PrepareDelivery write.
type DataPackage struct{ dp *dataPackage }

// NewDataPackage starts the description of a delivery of that name (the
// project's, for a linkage).
func NewDataPackage(name string) *DataPackage {
	return &DataPackage{dp: &dataPackage{Profile: "tabular-data-package", Name: resourceName(strings.ToLower(name))}}
}

// Add describes a delivered data file, named relative to the manifest's
// folder, by its manifest entry and its source's report.
func (d *DataPackage) Add(name string, f delivery.File, rep *Report) {
	d.dp.addResource(".", name, f, rep)
}

// Files returns the data package and the loading snippets of its CSV
// files, for the manifest of that name.
func (d *DataPackage) Files(manifest string) ([]PackageFile, error) { return d.dp.files(manifest) }
