package linkage

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/risk"
)

// RiskCheck is the disclosure-risk gate of a delivery. After every
// transformation, before the delivery's transaction commits, the data
// files about to be delivered are read back from the transaction and
// measured per person (package risk): for a linkage plan's run, the
// person-level view a researcher forms by joining the deliveries on the
// serial, streaming. Above the threshold the delivery is refused and the
// transaction leaves nothing ([RiskRefusedError]), unless a reason to
// accept it is given. The verdict, the reason and the figures go into the
// manifest, and a researcher-facing report (counts from 1 to K-1 withheld,
// every figure explained) into the delivery.
type RiskCheck struct {
	// Config says what to measure. Person is set by the run to the
	// delivery's serial column; a joined view needs mode combination.
	Config risk.Config
	// Accept, if not empty, is the reason to deliver data that fail the
	// check (--accept-risk); it is recorded in the manifest.
	Accept string
	// Result is set by the run: the exact figures, for the register
	// manager (never delivered as they are).
	Result *risk.Result
	// Unheld is set by a run that delivers part of a plan (a pseudonymous
	// register's extract, or one source's run): the quasi-identifiers (and
	// sensitive column) that none of its files holds, which the runs that
	// deliver them measure instead. A run that holds none of them
	// measures nothing (Result stays nil).
	Unheld []string
}

// RiskRefusedError is a delivery refused by its risk check. Its message
// names the quasi-identifiers, the figures and the flag that overrides.
type RiskRefusedError struct {
	Result *risk.Result
	// What was measured: "the delivery", or the joined view of sources.
	What string
}

func (e *RiskRefusedError) Error() string {
	r := e.Result
	var b strings.Builder
	fmt.Fprintf(&b, "disclosure risk above the threshold in %s: %d of %d persons (%.2f%%) are in groups of fewer than %d that share their %s",
		e.What, r.AtRisk, r.Persons, r.AtRiskShare*100, r.K, strings.Join(r.QI, ", "))
	fmt.Fprintf(&b, " (smallest group: %d, persons alone: %d", r.SmallestClass, r.SampleUniques)
	if r.Overflow > 0 {
		fmt.Fprintf(&b, ", persons with too many different values to group: %d", r.Overflow)
	}
	b.WriteString("). The delivery is refused and nothing was written. ")
	for _, s := range r.Suggestions {
		if s.Pass {
			fmt.Fprintf(&b, "Coarser values that pass: %s (koble risk lists every option). ", changedLevels(r, s))
			break
		}
	}
	b.WriteString(`Coarsen or drop these variables, or give --accept-risk "REASON" to deliver anyway (the reason and the figures go into the manifest)`)
	return b.String()
}

// changedLevels says what a suggestion changes: "birth_year to 5 years,
// municipality to county".
func changedLevels(r *risk.Result, s risk.Suggestion) string {
	var out []string
	for q, l := range s.Levels {
		if l != r.Levels[q] {
			out = append(out, fmt.Sprintf("%s to %s", r.QI[q], l))
		}
	}
	return strings.Join(out, ", ")
}

// stagedData is a data file of a transaction, read back by the check.
type stagedData struct {
	source string // the plan's source name ("" for one delivery)
	target string // the file's name once delivered
	path   string // the temporary file
	ro     formats.ReadOptions
	cols   []string
}

// stage describes the data file target of tx for the check.
func stage(tx *delivery.Tx, source, target string, wo formats.WriteOptions) (stagedData, error) {
	format := wo.Format
	if format == formats.FormatUnknown {
		var err error
		if format, err = formats.FormatFromPath(target); err != nil {
			return stagedData{}, err
		}
	}
	path := tx.Temp(target)
	desc, err := delivery.DataFile(path, format, wo, 0)
	if err != nil {
		return stagedData{}, err
	}
	sd := stagedData{source: source, target: target, path: path, ro: desc.ReadOptions()}
	for _, c := range desc.Schema {
		sd.cols = append(sd.cols, c.Name)
	}
	return sd, nil
}

// check measures the staged files (joined on the serial column person
// when there are several) and returns the manifest's record, or a
// [RiskRefusedError].
//
// With partial (the run delivers part of a plan), the quasi-identifiers
// no file holds are left to the runs that deliver them (g.Unheld), and a
// run that holds none of them returns no record.
func (g *RiskCheck) check(ctx context.Context, person string, files []stagedData, partial bool) (*delivery.Risk, error) {
	cfg := g.Config
	cfg.Person = person
	if partial {
		cfg, g.Unheld = heldQI(cfg, files)
		if len(cfg.QI) == 0 {
			return nil, nil
		}
	}
	if err := presentQI(cfg, files); err != nil {
		return nil, err
	}
	c, err := risk.New(cfg)
	if err != nil {
		return nil, err
	}
	add := c.Add
	if len(files) > 1 {
		add = c.AddSource
	}
	for _, f := range files {
		ro := f.ro
		ro.Columns = []string{person}
		for _, col := range append(slices.Clone(cfg.QI), cfg.Sensitive) {
			if col != "" && slices.Contains(f.cols, col) {
				ro.Columns = append(ro.Columns, col)
			}
		}
		if err := readNamed(ctx, f.path, f.target, ro, add); err != nil {
			c.Close()
			return nil, fmt.Errorf("risk check: %w", err)
		}
	}
	res, err := c.Result()
	if err != nil {
		return nil, err
	}
	g.Result = res
	rec := &delivery.Risk{QI: res.QI, Mode: res.Mode, K: res.K, Pass: res.Pass}
	what := "the delivery"
	if len(files) > 1 {
		for _, f := range files {
			rec.Sources = append(rec.Sources, f.source)
		}
		what = "the joined view of the deliveries " + strings.Join(rec.Sources, ", ") + " (joined on " + person + ")"
	}
	for _, f := range res.Published() {
		rec.Figures = append(rec.Figures, delivery.RiskFigure{Name: f.Name, Value: f.Value, Suppressed: f.Suppressed, Meaning: f.Meaning})
	}
	if !res.Pass {
		if strings.TrimSpace(g.Accept) == "" {
			return nil, &RiskRefusedError{Result: res, What: what}
		}
		rec.AcceptedReason = pseudonym.Redact(g.Accept)
	}
	return rec, nil
}

// heldQI keeps the quasi-identifiers (and the sensitive column) that one
// of the files holds, and returns the others.
func heldQI(cfg risk.Config, files []stagedData) (risk.Config, []string) {
	held := func(col string) bool {
		return slices.ContainsFunc(files, func(f stagedData) bool { return slices.Contains(f.cols, col) })
	}
	var keep, unheld []string
	for _, q := range cfg.QI {
		if held(q) {
			keep = append(keep, q)
		} else {
			unheld = append(unheld, q)
		}
	}
	cfg.QI = keep
	if cfg.Sensitive != "" && !held(cfg.Sensitive) {
		unheld = append(unheld, cfg.Sensitive)
		cfg.Sensitive = ""
	}
	return cfg, unheld
}

// presentQI fails when the serial column or a quasi-identifier (or the
// sensitive column) is in none of the files: a name mistyped would
// otherwise measure nothing.
func presentQI(cfg risk.Config, files []stagedData) error {
	var all []string
	for _, f := range files {
		if !slices.Contains(f.cols, cfg.Person) {
			return fmt.Errorf("risk check: the delivery %s has no serial column %q", f.source, cfg.Person)
		}
		all = append(all, f.cols...)
	}
	for _, q := range append(slices.Clone(cfg.QI), cfg.Sensitive) {
		if q != "" && !slices.Contains(all, q) {
			return fmt.Errorf("risk check: %q is not a delivered column (delivered: %s): name delivered columns in --risk-qi, --risk-sensitive or the plan's [risk] section",
				pseudonym.Redact(q), pseudonym.Redact(strings.Join(slices.Compact(slices.Sorted(slices.Values(all))), ", ")))
		}
	}
	return nil
}

// writeRiskReport writes the researcher-facing risk report into the
// transaction.
func writeRiskReport(tx *delivery.Tx, path string, res *risk.Result) error {
	return writeReport(tx, path, delivery.RoleReport, res.Publish())
}

// checkJoined runs the risk check on the joined view of the sources the
// run delivered and writes the researcher-facing risk report
// (PROJECT.risk.json, or PROJECT.SOURCE.risk.json for one source's part).
func (p *Plan) checkJoined(ctx context.Context, tx *delivery.Tx, g *RiskCheck, rep *LinkReport) (*delivery.Risk, error) {
	var files []stagedData
	for _, sr := range rep.Sources {
		if sr.State != StateDelivered {
			continue
		}
		sd, err := stage(tx, sr.Name, sr.Delivery, formats.WriteOptions{Format: p.outFormat()})
		if err != nil {
			return nil, err
		}
		files = append(files, sd)
	}
	if len(files) == 0 {
		return nil, nil
	}
	serial := p.Output.SerialColumn
	if serial == "" {
		serial = DefaultSerialColumn
	}
	partial := len(files) < len(p.Sources)
	rec, err := g.check(ctx, serial, files, partial)
	if err != nil || rec == nil {
		return nil, err
	}
	name := strings.TrimSuffix(filepath.Base(tx.Manifest()), delivery.ManifestSuffix) + ".risk.json"
	return rec, writeRiskReport(tx, filepath.Join(filepath.Dir(tx.Manifest()), name), g.Result)
}
