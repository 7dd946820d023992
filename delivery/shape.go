package delivery

import (
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
)

// DataFile returns the manifest entry of a data file at target, with its
// format, CSV dialect, schema (read from the file's header or footer) and
// rows as the writer counted them. path is where the file is now (the
// temporary path before a commit).
func DataFile(path string, format formats.Format, wo formats.WriteOptions, rows int64) (File, error) {
	f := File{Format: format.String(), Rows: &rows}
	if format == formats.FormatCSV {
		d := wo.Delimiter
		if d == 0 {
			d = ','
		}
		f.CSV = &CSVDialect{Delimiter: string(d), Encoding: wo.Encoding.String(), Header: true, Null: ""}
	}
	r, err := formats.Open(path, f.ReadOptions())
	if err != nil {
		return File{}, err
	}
	defer r.Close()
	f.Schema = Columns(r.Schema())
	return f, nil
}

// Columns lists a schema's fields as the manifest records them.
func Columns(s *arrow.Schema) []Column {
	cols := make([]Column, s.NumFields())
	for i, fd := range s.Fields() {
		cols[i] = Column{Name: fd.Name, Type: fd.Type.String(), Nullable: fd.Nullable}
	}
	return cols
}

// ReadOptions returns how formats reads the file back.
func (f File) ReadOptions() formats.ReadOptions {
	var ro formats.ReadOptions
	ro.Format, _ = formats.ParseFormat(f.Format)
	if f.CSV != nil {
		ro.Delimiter, _ = utf8.DecodeRuneInString(f.CSV.Delimiter)
		ro.Encoding, _ = formats.ParseEncoding(f.CSV.Encoding)
	}
	return ro
}

// sameColumns compares two column lists and describes the first
// difference.
func sameColumns(want, got []Column) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d columns, the manifest says %d", len(got), len(want))
	}
	for i := range want {
		if want[i] != got[i] {
			return fmt.Errorf("column %d is %q %s, the manifest says %q %s", i+1, got[i].Name, got[i].Type, want[i].Name, want[i].Type)
		}
	}
	return nil
}
