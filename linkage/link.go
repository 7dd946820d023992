package linkage

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// LinkOptions configure [Link].
type LinkOptions struct {
	// Key is the project key (the plan names its file; the caller opens it).
	Key *pseudonym.Key
	// Serials, with a plan whose [serials] source is "oprf", gives the
	// source's serials from the service instead of Key, which is then
	// nil; DateKey shifts its dates.
	Serials SerialSource
	DateKey *pseudonym.DateKey
	// Evaluator, in a centralised run of a plan whose [serials] source is
	// "oprf", gets the sample's persons' OPRF outputs from the service
	// (SPEC.md §9.8) instead of Key, which is then nil; DateKey shifts
	// the dates.
	Evaluator Evaluator
	// Source, if set, runs only that source's part (distributed linkage:
	// each register runs its own part on its own machine).
	Source string
	// Identities open the previous serial key file (centralised).
	Identities []age.Identity
	// Workers per prepare (all cores if zero).
	Workers int
	// Overwrite allows replacing earlier deliveries.
	Overwrite bool
	// SuppressBelow is k: the link report in the delivery withholds
	// counts from 1 to k-1, and those that would reveal them (see
	// [Count]); 0 takes the plan's output.suppress_below, else
	// [DefaultSuppressBelow]. One of [SuppressionPresets].
	SuppressBelow int
	// Tool is recorded in the outputs' metadata.
	Tool string
	// Encrypt, if not empty, writes the run's whole delivery as one tar
	// archive encrypted with age to these recipients (see package
	// delivery), instead of files.
	Encrypt []age.Recipient
	// Risk, if not nil, checks the disclosure risk of the person-level
	// view of the run's deliveries joined on the serial, before the run
	// commits (see [RiskCheck]; [Plan.RiskCheck] makes it from the plan's
	// [risk] section).
	Risk *RiskCheck
	// Progress, if not nil, is called after each batch a source's
	// delivery writes, with the source's name as the step.
	Progress func(Progress)
}

// SourceReport is one source's part of a [LinkReport]. State says whether
// the run delivered it ("delivered") or why not, and what delivers it.
type SourceReport struct {
	Name           string `json:"name"`
	Register       string `json:"register"`
	State          string `json:"state"`
	Delivery       string `json:"delivery,omitempty"`
	RowsRead       int64  `json:"rows_read"`
	RowsWritten    int64  `json:"rows_written"`
	RowsQuarantine int64  `json:"rows_quarantined"`
	RowsNotSample  int64  `json:"rows_not_in_sample,omitempty"`
	Persons        int64  `json:"persons"`
	SamplePersons  int64  `json:"persons_in_sample,omitempty"`
	Report         string `json:"report,omitempty"`
}

// States of a source in a [LinkReport].
const (
	StateDelivered = "delivered"
	// StateOwnRun: distributed linkage, the source runs its own part
	// ('koble link PLAN --source NAME').
	StateOwnRun = "not run here: delivered by its own run (koble link PLAN --source NAME)"
	// StatePseudoreg: a pseudonymous register delivers through the
	// pseudonym administrator.
	StatePseudoreg = "not run here: delivered by the pseudonymous-register flow (koble link PLAN --party definer, then administrator, then register)"
)

// LinkReport says what a plan's run did, with exact counts, for the one
// who runs it. Written as JSON (into the delivery, for the researcher) it
// withholds small counts: see [LinkReport.MarshalJSON].
type LinkReport struct {
	Project        string           `json:"project"`
	Mode           string           `json:"mode"`
	KeyFingerprint string           `json:"key_fingerprint"`
	ReferenceDate  string           `json:"reference_date"`
	SampleRule     string           `json:"sample_rule,omitempty"`
	SamplePersons  int64            `json:"sample_persons,omitempty"`
	NewPersons     int64            `json:"new_persons,omitempty"`
	SerialKeyFile  string           `json:"serial_key_file,omitempty"`
	Sources        []SourceReport   `json:"sources"`
	Overlap        map[string]int64 `json:"overlap_persons"`
	Seconds        float64          `json:"elapsed_seconds"`
	// Manifest is the manifest of the run's delivery, written last; Archive
	// the encrypted delivery, if asked for.
	Manifest string `json:"manifest"`
	Archive  string `json:"archive,omitempty"`
	// Stale lists files of interrupted runs removed before this one.
	Stale []string `json:"-"`
	// SuppressBelow is the k the JSON form withholds counts below.
	SuppressBelow int `json:"-"`
	pkg           *dataPackage
}

// Link runs a plan: in distributed mode each source's part is a
// [Prepare] with the project key; in centralised mode the sample is
// determined, a dense serial series assigned, every source delivered with
// it, and the serial key file written, age-encrypted. All files of a run
// (deliveries, quarantine files, reports, the serial key file, the link
// report) are one transaction, committed by the manifest written last
// (package delivery): a run that fails leaves none of them. Every source
// of the plan is delivered, or accounted for in the link report when a
// --source run delivers one, or the run fails naming it.
func Link(ctx context.Context, p *Plan, opts LinkOptions) (rep *LinkReport, err error) {
	start := time.Now()
	if err := p.checkLink(opts); err != nil {
		return nil, err
	}
	if opts.SuppressBelow == 0 {
		opts.SuppressBelow = p.Output.SuppressBelow
	}
	if opts.SuppressBelow == 0 {
		opts.SuppressBelow = DefaultSuppressBelow
	}
	if err := CheckSuppressBelow(opts.SuppressBelow); err != nil {
		return nil, err
	}
	outDir := p.path(p.Output.Dir)
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("linkage: plan %s: output.dir: %w", p.file, err)
	}
	fp, err := PlanFingerprint(p.file)
	if err != nil {
		return nil, fmt.Errorf("linkage: plan %s: %w", p.file, err)
	}
	tx, err := delivery.Begin(p.manifestPath(opts.Source), opts.Overwrite)
	if err != nil {
		return nil, err
	}
	defer tx.Abort()
	if p.ref.IsZero() {
		p.ref = pseudonym.DateOf(time.Now()) // a plan that was not loaded
	}
	rep = &LinkReport{Project: p.Project, Mode: p.Mode, KeyFingerprint: opts.fingerprint(), ReferenceDate: p.ref.String(),
		Overlap: map[string]int64{}, Manifest: tx.Manifest(), Stale: tx.Stale, SuppressBelow: opts.SuppressBelow}
	if len(opts.Encrypt) > 0 {
		rep.Archive = delivery.ArchiveFor(tx.Manifest())
		if err := tx.Encrypt(rep.Archive, opts.Encrypt...); err != nil {
			return nil, err
		}
	}
	var series *Series
	switch {
	case p.Mode == Centralised && opts.Evaluator != nil:
		var src *sampleSource
		if series, src, err = p.centralSeriesOPRF(ctx, opts, rep); err != nil {
			return nil, err
		}
		src.desc = describe(opts.Evaluator)
		opts.Serials = src
	case p.Mode == Centralised:
		if series, err = p.centralSeries(ctx, opts, rep); err != nil {
			return nil, err
		}
	}
	personSets, err := p.deliverSources(ctx, tx, opts, series, rep)
	if err != nil {
		return nil, err
	}
	rep.overlaps(personSets)
	if series != nil {
		if err := p.writeSerialKey(tx, series, rep); err != nil {
			return nil, err
		}
	}
	rep.Seconds = float64(time.Since(start).Milliseconds()) / 1000
	reportPath := filepath.Join(outDir, p.Project+".link-report.json")
	if opts.Source != "" {
		reportPath = filepath.Join(outDir, p.Project+"."+opts.Source+".link-report.json")
	}
	if err := writeReport(tx, reportPath, delivery.RoleLinkReport, rep); err != nil {
		return nil, err
	}
	if err := writePackage(tx, rep.pkg); err != nil {
		return nil, err
	}
	h := delivery.Header{Tool: tool(opts.Tool), Project: p.Project, KeyFingerprint: rep.KeyFingerprint, PlanFingerprint: fp, ReferenceDate: rep.ReferenceDate}
	if opts.Risk != nil {
		if h.Risk, err = p.checkJoined(ctx, tx, opts.Risk, rep); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Commit(h); err != nil {
		return nil, err
	}
	return rep, nil
}

// manifestPath is the manifest of a run: PROJECT.manifest.json, or
// PROJECT.SOURCE.manifest.json for one source's part.
func (p *Plan) manifestPath(source string) string {
	name := p.Project
	if source != "" {
		name += "." + source
	}
	return filepath.Join(p.path(p.Output.Dir), name+delivery.ManifestSuffix)
}

// checkLink checks what a run needs before anything is written: the key,
// the source asked for, every source accounted for, the inputs present,
// and no output over an input.
func (p *Plan) checkLink(opts LinkOptions) error {
	if err := p.checkSerialsRun(opts); err != nil {
		return err
	}
	if opts.Key != nil && opts.Key.Project() != p.Project {
		return fmt.Errorf("linkage: the key belongs to project %q, the plan to %q", opts.Key.Project(), p.Project)
	}
	if opts.Source != "" {
		found := false
		for _, s := range p.Sources {
			found = found || s.Name == opts.Source
		}
		if !found {
			return fmt.Errorf("linkage: source %q: %w", opts.Source, errNoSuchSource)
		}
		if p.Mode == Centralised {
			return errors.New("linkage: centralised linkage runs all sources together at one party; --source is for distributed linkage")
		}
		if p.regs[opts.Source].Kind == Pseudonymous {
			return fmt.Errorf("linkage: source %q is a pseudonymous register: it delivers through the pseudonym administrator (koble link %s --party register, or koble pseudoreg extract)", opts.Source, p.file)
		}
	} else if err := p.refuseLeftOut(); err != nil {
		return err
	}
	if err := p.checkInputs(opts.Source); err != nil {
		return err
	}
	return p.refuseOverInputs()
}

// refuseLeftOut fails a whole-plan run that would leave a source out: a
// pseudonymous register is delivered only by its own flow.
func (p *Plan) refuseLeftOut() error {
	var identified []string
	for _, s := range p.Sources {
		if p.regs[s.Name].Kind != Pseudonymous {
			identified = append(identified, s.Name)
		}
	}
	for _, s := range p.Sources {
		if p.regs[s.Name].Kind != Pseudonymous {
			continue
		}
		var runs []string
		for _, n := range identified {
			runs = append(runs, "--source "+n)
		}
		return fmt.Errorf("linkage: plan %s: source %q (%s) is a pseudonymous register, which 'koble link' cannot deliver by itself; "+
			"nothing was delivered, so that no source is left out silently: run 'koble link %s' with %s for each identified source, "+
			"and the register's part with the party steps --party definer, then --party administrator, then --party register "+
			"(or koble pseudoreg request, translate, extract)",
			p.file, s.Name, p.regs[s.Name].Name, p.file, strings.Join(runs, ", "))
	}
	return nil
}

// deliverSources prepares every source the run delivers into the
// transaction, lists every source in the report with its state, and
// returns the delivered sources' persons.
func (p *Plan) deliverSources(ctx context.Context, tx *delivery.Tx, opts LinkOptions, series *Series, rep *LinkReport) (map[string]map[uint64]struct{}, error) {
	dp := &dataPackage{Profile: "tabular-data-package", Name: resourceName(strings.ToLower(p.Project))}
	rep.pkg = dp
	outDir := p.path(p.Output.Dir)
	personSets := map[string]map[uint64]struct{}{}
	for _, s := range p.Sources {
		sr := SourceReport{Name: s.Name, Register: p.regs[s.Name].Name}
		switch {
		case p.regs[s.Name].Kind == Pseudonymous:
			sr.State = StatePseudoreg
		case opts.Source != "" && s.Name != opts.Source:
			sr.State = StateOwnRun
		}
		if sr.State != "" {
			rep.Sources = append(rep.Sources, sr)
			continue
		}
		out := p.DeliveryPath(s.Name)
		cfg, err := p.prepareConfig(s, out, opts)
		if err != nil {
			return nil, err
		}
		cfg.Series = series
		if src, ok := opts.Serials.(*sampleSource); ok {
			cfg.Source = src.forScheme(cfg.Scheme)
		}
		cfg.ReportPath, cfg.QuarantinePath = filepath.Join(outDir, s.Name+".report.json"), filepath.Join(outDir, s.Name+".quarantine.csv")
		r, err := stagePrepare(ctx, tx, dp, cfg, s.Name, p.regs[s.Name].Name)
		if err != nil {
			return nil, err
		}
		set, err := personSet(tx.Temp(out), cfg.SerialColumn, cfg.Write.Format)
		if err != nil {
			return nil, err
		}
		personSets[s.Name] = set
		sr.State, sr.Delivery, sr.Report = StateDelivered, out, cfg.ReportPath
		sr.RowsRead, sr.RowsWritten, sr.RowsQuarantine, sr.RowsNotSample, sr.Persons = r.RowsRead, r.RowsWritten, r.RowsQuarantine, r.RowsNotSample, int64(len(set))
		if series != nil {
			sr.SamplePersons = int64(len(set))
		}
		rep.Sources = append(rep.Sources, sr)
	}
	return personSets, nil
}

// prepareConfig turns a source of the plan into a prepare job.
func (p *Plan) prepareConfig(s SourcePlan, out string, opts LinkOptions) (PrepareConfig, error) {
	scheme := p.scheme(s)
	cfg := PrepareConfig{
		In: p.path(s.Path), Out: out, Key: opts.Key, Source: opts.Serials, Project: p.Project, DateKey: opts.DateKey,
		IDColumn: s.IDColumn, Scheme: scheme,
		SerialColumn: p.Output.SerialColumn, Shift: s.Dates.Shift, Unshifted: s.Dates.Unshifted, Window: s.Dates.Window, KeepWeekday: s.Dates.KeepWeekday,
		Keep: s.Keep, Drop: s.Drop, Workers: opts.Workers, Tool: opts.Tool, Progress: inStep(opts.Progress, s.Name),
		Write: formats.WriteOptions{Format: p.outFormat(), Overwrite: opts.Overwrite,
			Metadata: map[string]string{"koble.plan.project": p.Project, "koble.plan.mode": p.Mode, "koble.plan.source": s.Name, "koble.plan.register": p.regs[s.Name].Name}},
	}
	if cfg.SerialColumn == "" {
		cfg.SerialColumn = DefaultSerialColumn
	}
	if s.Format != "" {
		cfg.Read.Format, _ = formats.ParseFormat(s.Format)
	}
	cfg.Write.Compression, _ = formats.ParseCompression(p.Output.Compression)
	cfg.Read.Types, cfg.InferTypes = sourceTypes(s), s.InferTypes
	cols := make([]string, 0, len(s.Dates.Coarsen))
	for c := range s.Dates.Coarsen {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		prec, _ := refdate.ParsePrecision(s.Dates.Coarsen[c])
		cfg.Coarsen = append(cfg.Coarsen, Coarsen{Column: c, Precision: prec})
	}
	return cfg, nil
}

// buildSample reads the sample sources and combines their persons by the
// rule, each identified by their keyed serial.
func (p *Plan) buildSample(ctx context.Context, key *pseudonym.Key) (*seriesBuilder, error) {
	serials := key.Serials(pseudonym.SerialOptions{CacheSize: 1 << 16})
	persons, err := samplePersons(ctx, p, func(rows *SampleRows, file string, batch arrow.RecordBatch, set map[seriesKey]pseudonym.ID) error {
		return rows.Persons(file, batch, serials, func(ser *pseudonym.Serial, id pseudonym.ID) {
			set[SeriesKeyOf(ser)] = id
		})
	})
	if err != nil {
		return nil, err
	}
	return &seriesBuilder{persons: persons}, nil
}

// samplePersons reads the sample sources, collecting each one's persons
// (those of its rows that pass its filter) with add, under a key that
// identifies a person, and combines them by the plan's rule.
func samplePersons[K comparable](ctx context.Context, p *Plan, add func(rows *SampleRows, file string, batch arrow.RecordBatch, set map[K]pseudonym.ID) error) (map[K]pseudonym.ID, error) {
	var sets []map[K]pseudonym.ID
	for _, name := range p.sampleSources() {
		set, err := sourcePersons(ctx, p, name, add)
		if err != nil {
			return nil, err
		}
		sets = append(sets, set)
	}
	if p.Sample.Rule != "intersection" {
		out := map[K]pseudonym.ID{}
		for _, set := range sets {
			maps.Copy(out, set)
		}
		return out, nil
	}
	out := map[K]pseudonym.ID{}
	for k, id := range sets[0] {
		inAll := true
		for _, set := range sets[1:] {
			if _, ok := set[k]; !ok {
				inAll = false
				break
			}
		}
		if inAll {
			out[k] = id
		}
	}
	return out, nil
}

// sourcePersons collects the persons of a sample source whose rows pass
// the source's filter.
func sourcePersons[K comparable](ctx context.Context, p *Plan, name string, add func(rows *SampleRows, file string, batch arrow.RecordBatch, set map[K]pseudonym.ID) error) (map[K]pseudonym.ID, error) {
	var src SourcePlan
	for _, s := range p.Sources {
		if s.Name == name {
			src = s
		}
	}
	rows, err := p.SampleRows(src.Name)
	if err != nil {
		return nil, err
	}
	r, err := formats.Open(p.path(src.Path), rows.Read)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	set := map[K]pseudonym.ID{}
	for r.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := add(rows, p.path(src.Path), r.RecordBatch(), set); err != nil {
			return nil, err
		}
	}
	return set, r.Err()
}
