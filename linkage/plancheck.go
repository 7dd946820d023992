package linkage

import (
	"fmt"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// planCheck gathers a plan's problems, in the order they are found.
type planCheck struct {
	p     *Plan
	probs []string
	// names are the sources' names; deidentified and pseudonymous the
	// sources of those kinds, as "Register (name)".
	names                      map[string]bool
	deidentified, pseudonymous []string
}

func (c *planCheck) bad(format string, args ...any) {
	c.probs = append(c.probs, fmt.Sprintf(format, args...))
}

// Check validates the plan and the linkage policy, and reports every
// problem at once.
func (p *Plan) Check() error {
	c := &planCheck{p: p, names: map[string]bool{}}
	c.header()
	c.registers()
	p.regs = map[string]Register{}
	for i, s := range p.Sources {
		c.source(i, s)
	}
	c.policy()
	c.mode()
	if p.Output.Dir == "" {
		c.bad("output: no dir")
	}
	p.checkSerials(c.bad)
	c.pseudoreg()
	if p.Output.Format != "" {
		if _, err := formats.ParseFormat(p.Output.Format); err != nil {
			c.bad("output: %v", err)
		}
	}
	if comp, err := formats.ParseCompression(p.Output.Compression); err != nil {
		c.bad("output: compression: %v", err)
	} else if f := p.outFormat(); (f == formats.FormatArrowFile || f == formats.FormatArrowStream) && (comp == formats.CompressionSnappy || comp == formats.CompressionGzip) {
		c.bad("output: compression %q: Arrow files compress with zstd or lz4 only", p.Output.Compression)
	}
	if k := p.Output.SuppressBelow; k != 0 && CheckSuppressBelow(k) != nil {
		c.bad("output.suppress_below = %d: use one of %v", k, SuppressionPresets)
	}
	if p.Risk != nil {
		if _, err := p.Risk.config(); err != nil {
			c.bad("risk: %v", err)
		}
	}
	if len(c.probs) > 0 {
		return &PolicyError{File: p.file, Problems: c.probs}
	}
	return nil
}

// header checks the project, mode, key and reference date, and that there
// are sources.
func (c *planCheck) header() {
	p := c.p
	if p.Mode == "centralized" {
		p.Mode = Centralised
	}
	if strings.TrimSpace(p.Project) == "" {
		c.bad("project: no project name")
	} else if pseudonym.Redact(p.Project) != p.Project {
		c.bad("project: the name holds a national ID: choose another name")
	}
	switch p.Mode {
	case Distributed, Centralised:
	default:
		c.bad("mode %q: want %q or %q", p.Mode, Distributed, Centralised)
	}
	if p.Key == "" && !p.UsesOPRF() {
		c.bad("key: no project key file")
	}
	p.ref = pseudonym.DateOf(time.Now())
	if p.ReferenceDate != "" {
		d, err := pseudonym.ParseDate(p.ReferenceDate)
		if err != nil {
			c.bad("reference_date %q: want a date written YYYY-MM-DD", p.ReferenceDate)
		}
		p.ref = d
	}
	if len(p.Sources) == 0 {
		c.bad("no [[source]]")
	}
}

// source checks the i-th source and looks its register up.
func (c *planCheck) source(i int, s SourcePlan) {
	where := fmt.Sprintf("source %d", i+1)
	if s.Name != "" {
		where = fmt.Sprintf("source %q", s.Name)
	}
	switch {
	case s.Name == "":
		c.bad("%s: no name", where)
	case pseudonym.Redact(s.Name) != s.Name:
		// Names go into file names, reports and metadata.
		c.bad("%s: the name holds a national ID: choose another name", where)
	case c.names[s.Name]:
		c.bad("%s: the name is used twice", where)
	}
	c.names[s.Name] = true
	c.register(where, s)
	if s.Path == "" {
		c.bad("%s: no path", where)
	}
	if s.Format != "" {
		if _, err := formats.ParseFormat(s.Format); err != nil {
			c.bad("%s: %v", where, err)
		}
	}
	if s.IDColumn == "" {
		c.bad("%s: no id_column", where)
	}
	if s.IDScheme != "" {
		if _, err := pseudonym.SchemeByCode(s.IDScheme); err != nil {
			c.bad("%s: %v", where, err)
		}
	}
	if len(s.Keep) > 0 && len(s.Drop) > 0 {
		c.bad("%s: give keep or drop, not both", where)
	}
	for _, k := range s.Keep {
		if k == s.IDColumn {
			c.bad("%s: keep names the national ID column %q: a delivery never carries national IDs", where, k)
		}
	}
	c.dates(where, s)
	checkSourceTypes(s, where, c.bad)
	c.filter(where, s.Filter)
}

// register looks the source's register up in the catalogue.
func (c *planCheck) register(where string, s SourcePlan) {
	reg, ok := c.p.lookupRegister(s.Register)
	if !ok {
		c.bad("%s: register %q is not in the catalogue (%s): fix register, or declare it in a [[register]] table", where, s.Register, c.p.catalogueNames())
		return
	}
	c.p.regs[s.Name] = reg
	switch reg.Kind {
	case Deidentified:
		c.deidentified = append(c.deidentified, fmt.Sprintf("%s (%s)", reg.Name, s.Name))
	case Pseudonymous:
		c.pseudonymous = append(c.pseudonymous, fmt.Sprintf("%s (%s)", reg.Name, s.Name))
	}
}

func (c *planCheck) dates(where string, s SourcePlan) {
	if len(s.Dates.Shift) > 0 && (s.Dates.Window < 1 || s.Dates.Window > refdate.MaxWindow) {
		c.bad("%s: dates.shift needs a window between 1 and %d days", where, refdate.MaxWindow)
	}
	for col, prec := range s.Dates.Coarsen {
		if _, err := refdate.ParsePrecision(prec); err != nil {
			c.bad("%s: dates.coarsen %q: %v", where, col, err)
		}
	}
}

func (c *planCheck) filter(where string, f *FilterPlan) {
	if f == nil {
		return
	}
	if (f.Column == "") != (len(f.Prefixes) == 0) {
		c.bad("%s: filter: column and prefixes go together", where)
	}
	if (f.From != "" || f.To != "") && f.DateColumn == "" {
		c.bad("%s: filter: from/to need date_column", where)
	}
	for _, d := range []string{f.From, f.To} {
		if d != "" {
			if _, err := time.Parse("2006-01-02", d); err != nil {
				c.bad("%s: filter: %q is not a date YYYY-MM-DD", where, d)
			}
		}
	}
}

// policy applies the rules on de-identified and pseudonymous registers.
func (c *planCheck) policy() {
	p := c.p
	if len(c.deidentified) > 0 && len(p.Sources) > 1 {
		c.bad("policy: the de-identified register(s) %s may not be linked with any other source", strings.Join(c.deidentified, ", "))
	}
	if len(c.pseudonymous) == 0 {
		return
	}
	if p.Sample == nil {
		c.bad("policy: %s store(s) a register pseudonym, not national IDs: it links only through the pseudonym administrator, for a sample the plan defines in [sample]", strings.Join(c.pseudonymous, ", "))
	}
	if p.Mode == Centralised {
		c.bad("policy: a pseudonymous register (%s) links in distributed mode: the project serial travels through the administrator", strings.Join(c.pseudonymous, ", "))
	}
	for _, n := range p.sampleSources() {
		if reg, ok := p.regs[n]; ok && reg.Kind == Pseudonymous {
			c.bad("sample: %q is a pseudonymous register and cannot define the sample", n)
		}
	}
}

// mode checks what each mode needs: a sample and a serial key file for
// centralised linkage, neither for distributed.
func (c *planCheck) mode() {
	p := c.p
	switch p.Mode {
	case Centralised:
		if p.Sample == nil {
			c.bad("centralised linkage needs a [sample]")
			break
		}
		c.sample()
		if len(p.Output.SerialKeyRecipients) == 0 {
			c.bad("output: centralised linkage writes a serial key file (ID <-> serial); name its age recipients in serial_key_recipients")
		}
	case Distributed:
		if p.Sample != nil && len(c.pseudonymous) == 0 {
			c.bad("distributed linkage has no common sample: every source delivers its own persons (remove [sample], or use mode = %q)", Centralised)
		}
		if p.Output.PreviousSerialKey != "" || len(p.Output.SerialKeyRecipients) > 0 {
			c.bad("output: serial key files belong to centralised linkage")
		}
	}
}

// sample checks a centralised plan's sample rule.
func (c *planCheck) sample() {
	s := c.p.Sample
	switch s.Rule {
	case "union", "intersection":
		if len(s.Sources) == 0 {
			c.bad("sample: rule %q needs sources", s.Rule)
		}
		if s.Rule == "intersection" && len(s.Sources) < 2 {
			c.bad("sample: an intersection needs at least two sources")
		}
		for _, n := range s.Sources {
			if !c.names[n] {
				c.bad("sample: source %q is not a [[source]] of the plan", n)
			}
		}
	case "":
		c.bad("sample: no rule (union, intersection, or the name of one source)")
	default:
		if !c.names[s.Rule] {
			c.bad("sample: rule %q is neither union, intersection nor a source of the plan", s.Rule)
		}
		if len(s.Sources) > 0 && (len(s.Sources) != 1 || s.Sources[0] != s.Rule) {
			c.bad("sample: rule %q names one source; sources must be empty or just it", s.Rule)
		}
	}
}

// pseudoreg checks the [pseudoreg] table.
func (c *planCheck) pseudoreg() {
	pr := c.p.Pseudoreg
	if pr == nil {
		return
	}
	if len(c.pseudonymous) == 0 {
		c.bad("pseudoreg: the plan has no pseudonymous register")
	}
	if pr.Source != "" {
		if reg, ok := c.p.regs[pr.Source]; !ok || reg.Kind != Pseudonymous {
			c.bad("pseudoreg: source %q is not a pseudonymous register of the plan", pr.Source)
		}
	} else if len(c.pseudonymous) > 1 {
		c.bad("pseudoreg: the plan has several pseudonymous registers; name one in source")
	}
	if pr.MaxAge != "" {
		if _, err := parseMaxAge(pr.MaxAge); err != nil {
			c.bad("pseudoreg: %v", err)
		}
	}
	for _, r := range []struct{ what, value string }{{"administrator", pr.Administrator}, {"register", pr.Register}, {"definer", pr.Definer}} {
		if r.value == "" {
			continue
		}
		if _, err := age.ParseRecipients(strings.NewReader(r.value)); err != nil {
			c.bad("pseudoreg: %s is not an age recipient (age1... or age1pq1...)", r.what)
		}
	}
}
