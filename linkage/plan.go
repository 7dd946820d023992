package linkage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// Plan is a linkage project as a TOML file describes it: one file a
// register manager can read aloud. Paths in it are relative to the plan
// file's folder. See testdata/plans for worked examples.
type Plan struct {
	Project string `toml:"project"`
	Mode    string `toml:"mode"` // "distributed" or "centralised"
	Key     string `toml:"key"`
	// ReferenceDate (YYYY-MM-DD) is the date birth dates in national IDs
	// may not lie after, and that Swedish 10-digit centuries are resolved
	// against: one date for every party of the project. Empty means the
	// date of each run.
	ReferenceDate string       `toml:"reference_date"`
	Sample        *SamplePlan  `toml:"sample"`
	Sources       []SourcePlan `toml:"source"`
	Output        OutputPlan   `toml:"output"`
	// Pseudoreg names the parties of the pseudonymous-register flow, so
	// that each can run its step from the plan ('koble link --party').
	Pseudoreg *PseudoregPlan `toml:"pseudoreg"`
	// Serials, if source = "oprf", has the sources get their serials from
	// the pseudonym administrator's service (see [SerialsPlan]).
	Serials *SerialsPlan `toml:"serials"`
	// Risk, if present, checks the disclosure risk of the run's joined
	// deliveries before they are written (see [RiskCheck]).
	Risk *RiskPlan `toml:"risk"`
	// Registers declares registers beyond the built-in catalogue (see
	// [RegisterPlan]).
	Registers []RegisterPlan `toml:"register"`
	ref       pseudonym.Date // ReferenceDate, or the date the plan was loaded
	dir       string         // the plan file's folder
	file      string         // the plan file
	regs      map[string]Register
	// catalogue is the registers the plan declares.
	catalogue []Register
}

// SamplePlan says who is in a centralised linkage: the persons of the
// listed sources by the rule "union" or "intersection", or of one source
// (rule = its name).
type SamplePlan struct {
	Rule    string   `toml:"rule"`
	Sources []string `toml:"sources"`
}

// SourcePlan is one source of a project.
type SourcePlan struct {
	Name     string      `toml:"name"`
	Register string      `toml:"register"`
	Path     string      `toml:"path"`
	Format   string      `toml:"format"`
	IDColumn string      `toml:"id_column"`
	IDScheme string      `toml:"id_scheme"`
	Keep     []string    `toml:"keep"`
	Drop     []string    `toml:"drop"`
	Dates    DatesPlan   `toml:"dates"`
	Filter   *FilterPlan `toml:"filter"`
	// Credentials are the source's for the service ([serials] source =
	// "oprf").
	Credentials *CredentialsPlan `toml:"credentials"`
	// Types reads a CSV source's columns with a type other than text, as
	// --types does: column = "string", "int64", "float64", "bool" or
	// "date" (YYYY-MM-DD or DD.MM.YYYY).
	Types map[string]string `toml:"types"`
	// InferTypes infers a CSV source's whole-number and date columns
	// from its first rows for a Parquet or Arrow delivery, as
	// --infer-types does; the ID column, the date columns, codes with a
	// leading zero and the columns Types names keep theirs.
	InferTypes bool `toml:"infer_types"`
}

// DatesPlan is a source's date handling.
type DatesPlan struct {
	Shift []string `toml:"shift"`
	// Unshifted lists date columns delivered as they are beside shifted
	// ones ([PrepareConfig.Unshifted]).
	Unshifted   []string          `toml:"unshifted"`
	Window      int               `toml:"window"`
	KeepWeekday bool              `toml:"keep_weekday"`
	Coarsen     map[string]string `toml:"coarsen"`
}

// FilterPlan restricts the rows of a sample source that define the sample:
// a column's values by prefix (an ICD-10 chapter, say), and a date column
// by range.
type FilterPlan struct {
	Column     string   `toml:"column"`
	Prefixes   []string `toml:"prefixes"`
	DateColumn string   `toml:"date_column"`
	From       string   `toml:"from"`
	To         string   `toml:"to"`
}

// OutputPlan says where deliveries go.
type OutputPlan struct {
	Dir    string `toml:"dir"`
	Format string `toml:"format"`
	// Compression is the Parquet codec: "zstd" (the default), "snappy",
	// "gzip" or "none" (see 'koble prepare --help' for the readers that
	// need one); for Arrow, "none" (the default), "zstd" or "lz4".
	Compression string `toml:"compression"`
	// SerialColumn names the serial column ("lnr" by default).
	SerialColumn string `toml:"serial_column"`
	// SerialKeyRecipients (centralised) are the age recipients of the serial
	// key file (national ID <-> serial): the pseudonym administrator.
	SerialKeyRecipients []string `toml:"serial_key_recipients"`
	// PreviousSerialKey (centralised) is the serial key file of the previous
	// delivery: persons in it keep their serials.
	PreviousSerialKey string `toml:"previous_serial_key"`
	// SuppressBelow is k for the link report in the delivery: counts
	// 1..k-1 are withheld (3, 5 or 10; 5 if unset).
	SuppressBelow int `toml:"suppress_below"`
}

// PseudoregPlan names the parties' age recipients and the files they
// exchange. Paths are relative to the plan; the exchanged files default
// to the output folder.
type PseudoregPlan struct {
	Source        string `toml:"source"`        // the pseudonymous source (default: the only one)
	Administrator string `toml:"administrator"` // recipient of the request
	Register      string `toml:"register"`      // recipient of the answer
	Definer       string `toml:"definer"`       // recipient of the untranslated count
	RegisterKey   string `toml:"register_key"`  // the administrator's key file of the register
	Request       string `toml:"request"`
	Answer        string `toml:"answer"`
	Unmatched     string `toml:"unmatched"`
	// MaxAge is how old a request may be when its answer is used ("30d"
	// by default; "2w", "36h" and so on).
	MaxAge string `toml:"max_age"`
}

// Modes.
const (
	Distributed = "distributed"
	Centralised = "centralised"
)

// LoadPlan reads and checks a plan file. Unknown keys are errors, as are
// every problem Check finds.
func LoadPlan(path string) (*Plan, error) {
	var p Plan
	md, err := toml.DecodeFile(path, &p)
	if err != nil {
		return nil, fmt.Errorf("linkage: plan %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, unknownKeys(path, und)
	}
	p.file = path
	p.dir = filepath.Dir(path)
	if err := p.Check(); err != nil {
		return nil, err
	}
	return &p, nil
}

// PolicyError is a plan that the linkage rules refuse.
type PolicyError struct {
	File     string
	Problems []string
}

func (e *PolicyError) Error() string {
	return fmt.Sprintf("linkage: plan %s is refused:\n  - %s", e.File, strings.Join(e.Problems, "\n  - "))
}

// path resolves a path of the plan against its folder.
func (p *Plan) path(rel string) string {
	if rel == "" || filepath.IsAbs(rel) || rel == "-" {
		return rel
	}
	return filepath.Join(p.dir, rel)
}

// KeyPath returns the project key file's path.
func (p *Plan) KeyPath() string { return p.path(p.Key) }

// PreviousSerialKeyPath returns the previous serial key file's path, if any.
func (p *Plan) PreviousSerialKeyPath() string { return p.path(p.Output.PreviousSerialKey) }

// sampleSources returns the sources that define the sample.
func (p *Plan) sampleSources() []string {
	if p.Sample == nil {
		return nil
	}
	if p.Sample.Rule == "union" || p.Sample.Rule == "intersection" {
		return p.Sample.Sources
	}
	return []string{p.Sample.Rule}
}

func (p *Plan) outFormat() formats.Format {
	if p.Output.Format == "" {
		return formats.FormatParquet
	}
	f, _ := formats.ParseFormat(p.Output.Format)
	return f
}

var formatExt = map[formats.Format]string{formats.FormatCSV: ".csv", formats.FormatParquet: ".parquet", formats.FormatArrowFile: ".arrow", formats.FormatArrowStream: ".arrows"}

// DeliveryPath returns where a source's delivery goes.
func (p *Plan) DeliveryPath(source string) string {
	return filepath.Join(p.path(p.Output.Dir), source+formatExt[p.outFormat()])
}

// SerialKeyPath returns where a centralised run writes its serial key file.
func (p *Plan) SerialKeyPath() string {
	return filepath.Join(p.path(p.Output.Dir), p.Project+".serial-key.age")
}

// Describe says in words what running the plan would do.
func (p *Plan) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "project %q: %s linkage of %d source(s), key %s\n", p.Project, p.Mode, len(p.Sources), p.KeyPath())
	if p.Mode == Centralised {
		switch p.Sample.Rule {
		case "union", "intersection":
			fmt.Fprintf(&b, "sample: the %s of the persons in %s\n", p.Sample.Rule, strings.Join(p.Sample.Sources, ", "))
		default:
			fmt.Fprintf(&b, "sample: the persons in %s\n", p.Sample.Rule)
		}
		fmt.Fprintf(&b, "serials: a new dense series 1..N across all sources, in an order derived from the key\n")
		if p.Output.PreviousSerialKey != "" {
			fmt.Fprintf(&b, "          persons of the previous delivery (%s) keep their serials\n", p.PreviousSerialKeyPath())
		}
		fmt.Fprintf(&b, "serial key file: %s, age-encrypted to %d recipient(s)\n", p.SerialKeyPath(), len(p.Output.SerialKeyRecipients))
	} else {
		fmt.Fprintf(&b, "serials: the project serial (keyed HMAC): each source delivers on its own, with no exchange\n")
	}
	for _, s := range p.Sources {
		reg := p.regs[s.Name]
		who := reg.Name + ", " + reg.Holder
		if reg.Holder == reg.Name {
			who = reg.Name
		}
		fmt.Fprintf(&b, "source %s (%s): %s, ID column %q", s.Name, who, p.path(s.Path), s.IDColumn)
		if f := s.Filter; f != nil && contains(p.sampleSources(), s.Name) {
			if f.Column != "" {
				fmt.Fprintf(&b, ", sample rows with %s starting %s", f.Column, strings.Join(f.Prefixes, "/"))
			}
			if f.DateColumn != "" {
				fmt.Fprintf(&b, ", %s in [%s, %s]", f.DateColumn, orDash(f.From), orDash(f.To))
			}
		}
		fmt.Fprintf(&b, "\n  delivers %s", p.DeliveryPath(s.Name))
		switch {
		case len(s.Keep) > 0:
			fmt.Fprintf(&b, " with %s", strings.Join(s.Keep, ", "))
		case len(s.Drop) > 0:
			fmt.Fprintf(&b, " without %s", strings.Join(s.Drop, ", "))
		}
		if len(s.Dates.Shift) > 0 {
			fmt.Fprintf(&b, "; shifts %s by up to %d days", strings.Join(s.Dates.Shift, ", "), s.Dates.Window)
		}
		if len(s.Dates.Coarsen) > 0 {
			keys := make([]string, 0, len(s.Dates.Coarsen))
			for k := range s.Dates.Coarsen {
				keys = append(keys, k+" to "+s.Dates.Coarsen[k])
			}
			sort.Strings(keys)
			fmt.Fprintf(&b, "; coarsens %s", strings.Join(keys, ", "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// CheckInputs confirms that every source's data file exists, naming each
// one missing with its plan key. 'koble plan check' calls it; every run
// does before anything is written.
func (p *Plan) CheckInputs() error { return p.checkInputs("") }

// checkInputs is CheckInputs for one source, or all if only is empty.
func (p *Plan) checkInputs(only string) error {
	var missing []string
	for i, s := range p.Sources {
		if only != "" && s.Name != only {
			continue
		}
		st, err := os.Stat(p.path(s.Path))
		switch {
		case err != nil:
			missing = append(missing, fmt.Sprintf("source %d (%q): path %s does not exist", i+1, s.Name, p.path(s.Path)))
		case st.IsDir():
			missing = append(missing, fmt.Sprintf("source %d (%q): path %s is a folder, not a data file", i+1, s.Name, p.path(s.Path)))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("linkage: plan %s: missing input(s) (fix [[source]] path): %s", p.file, strings.Join(missing, "; "))
	}
	return nil
}

var errNoSuchSource = errors.New("no such source in the plan")

// PseudoregSource returns the plan's pseudonymous source for the flow.
func (p *Plan) PseudoregSource() string {
	if p.Pseudoreg != nil && p.Pseudoreg.Source != "" {
		return p.Pseudoreg.Source
	}
	for _, s := range p.Sources {
		if p.regs[s.Name].Kind == Pseudonymous {
			return s.Name
		}
	}
	return ""
}

// PseudoregFile returns the path of an exchanged file: "request", "answer"
// or "unmatched".
func (p *Plan) PseudoregFile(kind string) string {
	var set string
	if pr := p.Pseudoreg; pr != nil {
		set = map[string]string{"request": pr.Request, "answer": pr.Answer, "unmatched": pr.Unmatched}[kind]
	}
	if set != "" {
		return p.path(set)
	}
	return filepath.Join(p.path(p.Output.Dir), p.Project+"."+kind+".age")
}

// RegisterKeyPath returns the register's key file, for the administrator.
func (p *Plan) RegisterKeyPath() string {
	if p.Pseudoreg == nil {
		return ""
	}
	return p.path(p.Pseudoreg.RegisterKey)
}

// File returns the plan file's path.
func (p *Plan) File() string { return p.file }

// SetReferenceDate replaces the plan's reference date (reference_date), as
// the command line's --reference-date does.
func (p *Plan) SetReferenceDate(d pseudonym.Date) {
	p.ReferenceDate, p.ref = d.String(), d
}

// scheme returns the identity scheme of a source (Norway by default) with
// the plan's reference date.
func (p *Plan) scheme(s SourcePlan) pseudonym.Scheme {
	scheme := pseudonym.Scheme(pseudonym.Norway{})
	code := s.IDScheme
	if code == "" {
		code = p.regs[s.Name].Scheme
	}
	if code != "" {
		scheme, _ = pseudonym.SchemeByCode(code)
	}
	return pseudonym.WithReference(scheme, p.ref)
}
