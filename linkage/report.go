package linkage

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/internal/jsonout"
	"github.com/koble/koble/pseudonym"
)

// SerialEncodingSeries is a report's serial encoding when a centralised
// run delivers the dense series 1..N (see [Series]).
const SerialEncodingSeries = "series 1..N"

// Report says what Prepare did. It holds counts and names, never an ID.
type Report struct {
	Input          string           `json:"input"`
	Output         string           `json:"output"`
	Project        string           `json:"project"`
	KeyFingerprint string           `json:"key_fingerprint"`
	SerialSource   string           `json:"serial_source,omitempty"`
	Scheme         string           `json:"id_scheme"`
	ReferenceDate  string           `json:"reference_date,omitempty"`
	IDColumn       string           `json:"id_column"`
	SerialColumn   string           `json:"serial_column"`
	SerialEncoding string           `json:"serial_encoding"` // a pseudonym.Encoding, or SerialEncodingSeries
	RowsRead       int64            `json:"rows_read"`
	RowsWritten    int64            `json:"rows_written"`
	RowsQuarantine int64            `json:"rows_quarantined"`
	RowsNotSample  int64            `json:"rows_not_in_sample,omitempty"`
	Quarantine     map[string]int64 `json:"quarantined_by_reason"`
	Persons        int64            `json:"distinct_persons"`
	// PersonsEstimated is true above about a million persons: the count is
	// then a HyperLogLog estimate (standard error 0.8%) and rows per person
	// come from a uniform 1/64 sample of persons, so that memory does not
	// grow with the input.
	PersonsEstimated bool `json:"distinct_persons_estimated"`
	RowsPerPerson    struct {
		Min    int64   `json:"min"`
		Median float64 `json:"median"`
		Max    int64   `json:"max"`
	} `json:"rows_per_person"`
	ColumnsIn  []string `json:"columns_in"`
	ColumnsOut []string `json:"columns_out"`
	// ColumnNulls counts the empty (null) values of each delivered
	// column. It is for the register manager's printed summary only and
	// never written into a delivery (a small count could single a person
	// out).
	ColumnNulls map[string]int64 `json:"-"`
	Dates       struct {
		Shifted     []string          `json:"shifted,omitempty"`
		Unshifted   []string          `json:"unshifted,omitempty"`
		Window      int               `json:"window,omitempty"`
		KeepWeekday bool              `json:"keep_weekday,omitempty"`
		Relative    map[string]string `json:"relative,omitempty"`
		Coarsened   map[string]string `json:"coarsened,omitempty"`
	} `json:"dates"`
	// TypesInferred lists the CSV columns read typed by InferTypes:
	// column -> "int64" or "date".
	TypesInferred map[string]string `json:"types_inferred,omitempty"`
	Workers       int               `json:"workers"`
	// csvTypes are the typed columns of a CSV output (column -> Arrow
	// type name), which koble writes in their types' canonical text
	// (dates YYYY-MM-DD), for the delivery's description.
	csvTypes      map[string]string
	Seconds       float64 `json:"elapsed_seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
}

// isText says whether t is a string type.
func isText(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

// newReport starts the report of a run of p on workers goroutines: what
// is to be done, before any row is read.
func (p *plan) newReport(workers int) *Report {
	cfg := p.cfg
	rep := &Report{Input: cfg.In, Output: cfg.Out, SerialSource: cfg.sourceDescription(),
		Scheme: cfg.Scheme.Code(), ReferenceDate: pseudonym.ReferenceOf(cfg.Scheme).String(), IDColumn: cfg.IDColumn,
		SerialEncoding: cfg.SerialEncoding.String(), Quarantine: map[string]int64{}, Workers: workers}
	if cfg.Series != nil {
		// A centralised run delivers the dense series, not the project
		// serial in the configured encoding.
		rep.SerialEncoding = SerialEncodingSeries
	}
	rep.Project, rep.KeyFingerprint = cfg.identity()
	for _, oc := range p.cols {
		if oc.role == roleSerial {
			rep.SerialColumn = oc.field.Name
		}
		if t := oc.field.Type; cfg.outFormat() == formats.FormatCSV && !isText(t) {
			if rep.csvTypes == nil {
				rep.csvTypes = map[string]string{}
			}
			rep.csvTypes[oc.field.Name] = t.String()
		}
	}
	for _, f := range p.in.Fields() {
		rep.ColumnsIn = append(rep.ColumnsIn, f.Name)
	}
	for _, f := range p.out.Fields() {
		rep.ColumnsOut = append(rep.ColumnsOut, f.Name)
	}
	if len(cfg.Shift) > 0 {
		rep.Dates.Shifted, rep.Dates.Window, rep.Dates.KeepWeekday = cfg.Shift, cfg.Window, cfg.KeepWeekday
		rep.Dates.Unshifted = cfg.Unshifted
	}
	for _, rel := range cfg.Relative {
		if rep.Dates.Relative == nil {
			rep.Dates.Relative = map[string]string{}
		}
		ref := rel.Reference
		if ref == "" {
			ref = "first(" + strings.Join(rel.PersonFirst, ",") + ")"
		}
		for _, c := range rel.Columns {
			rep.Dates.Relative[c] = ref
		}
	}
	for _, c := range cfg.Coarsen {
		if rep.Dates.Coarsened == nil {
			rep.Dates.Coarsened = map[string]string{}
		}
		rep.Dates.Coarsened[c.Column] = c.Precision.String()
	}
	return rep
}

// finish completes the report with the person statistics and the time
// taken, and checks that every row read is accounted for.
func (rep *Report) finish(persons *personStats, start time.Time) error {
	rep.Persons = persons.persons()
	rep.RowsPerPerson.Min, rep.RowsPerPerson.Median, rep.RowsPerPerson.Max = persons.perPerson()
	rep.PersonsEstimated = persons.estimated()
	if rep.RowsRead != rep.RowsWritten+rep.RowsQuarantine+rep.RowsNotSample {
		return fmt.Errorf("linkage: internal error: %d rows read, %d written, %d quarantined, %d not in the sample", rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine, rep.RowsNotSample)
	}
	el := time.Since(start)
	rep.Seconds = math.Round(el.Seconds()*1000) / 1000
	if el > 0 {
		rep.RowsPerSecond = math.Round(float64(rep.RowsRead) / el.Seconds())
	}
	return nil
}

// metadata records what was done, for the output's key-value metadata.
// It holds no time stamp, so the same inputs give byte-identical outputs.
func (p *plan) metadata(rep *Report) map[string]string {
	md := map[string]string{}
	for k, v := range p.cfg.Write.Metadata {
		md[k] = v
	}
	tool := p.cfg.Tool
	if tool == "" {
		tool = "koble devel"
	}
	md["koble.version"] = tool
	md["koble.project"] = rep.Project
	md["koble.key_fingerprint"] = rep.KeyFingerprint
	md["koble.id_scheme"] = rep.Scheme
	md["koble.serial_column"] = rep.SerialColumn
	md["koble.serial_encoding"] = rep.SerialEncoding
	if rep.SerialSource != "" {
		md["koble.serial_source"] = rep.SerialSource
	}
	if p.cfg.Series != nil {
		md["koble.serial_encoding"] = "dense-series"
	}
	md["koble.serial_source_column"] = p.cfg.IDColumn
	if rep.ReferenceDate != "" {
		md["koble.reference_date"] = rep.ReferenceDate
	}
	if len(p.cfg.Shift) > 0 {
		md["koble.dates.shifted"] = strings.Join(p.cfg.Shift, ",")
		md["koble.dates.window"] = strconv.Itoa(p.cfg.Window)
		md["koble.dates.keep_weekday"] = strconv.FormatBool(p.cfg.KeepWeekday)
	}
	if len(rep.Dates.Relative) > 0 {
		b, _ := jsonout.Marshal(rep.Dates.Relative)
		md["koble.dates.relative"] = string(b)
	}
	if len(rep.Dates.Coarsened) > 0 {
		b, _ := jsonout.Marshal(rep.Dates.Coarsened)
		md["koble.dates.coarsened"] = string(b)
	}
	var transformed []string
	for _, oc := range p.cols {
		if oc.role != rolePass {
			transformed = append(transformed, oc.field.Name)
		}
	}
	sort.Strings(transformed)
	md["koble.transformed_columns"] = strings.Join(transformed, ",")
	return md
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any, overwrite bool) error {
	f, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return err
	}
	if err := jsonout.NewEncoder(f, true).Encode(v); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}
