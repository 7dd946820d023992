package linkage

import (
	"context"
	"io"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// Delivery says how [PrepareDelivery] commits a delivery.
type Delivery struct {
	// Manifest is the manifest's path (the output's path with
	// ".manifest.json" if empty).
	Manifest string
	// Encrypt, if not empty, writes the whole delivery as one tar archive
	// encrypted with age to these recipients (the manifest's path with
	// ".tar.age" for ".manifest.json"), instead of files.
	Encrypt []age.Recipient
	// PlanFingerprint, Source and Register are recorded in the manifest.
	PlanFingerprint  string
	Source, Register string
	// Risk, if not nil, checks the disclosure risk of the delivery before
	// it commits (see [RiskCheck]); its report goes to RiskReport (the
	// output's path with ".risk.json" if empty).
	Risk       *RiskCheck
	RiskReport string
	// PartialRisk says the delivery is one part of a plan whose other
	// parts are delivered by other runs (a pseudonymous register's
	// extract): the risk check measures the quasi-identifiers it holds
	// (see [RiskCheck.Unheld]).
	PartialRisk bool
}

// Delivered is what a committed delivery left: the manifest's path, or the
// encrypted archive's, and the stale files of interrupted runs removed
// before.
type Delivered struct {
	Manifest string
	Archive  string
	Stale    []string
}

// PrepareDelivery runs [Prepare] as one transaction: the delivery, its
// quarantine file and its report are written under temporary names and
// appear together, with the manifest written last (see package delivery);
// on any error none of them remains. An output that resolves to the input
// is refused, with or without overwrite. The output cannot be standard
// output (call Prepare for that).
func PrepareDelivery(ctx context.Context, cfg PrepareConfig, d Delivery) (*Report, *Delivered, error) {
	if err := refuseOverInput(cfg, d.Manifest); err != nil {
		return nil, nil, err
	}
	if d.Manifest == "" {
		d.Manifest = delivery.ManifestFor(cfg.Out)
	}
	tx, err := delivery.Begin(d.Manifest, cfg.Write.Overwrite)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Abort()
	done := &Delivered{Manifest: d.Manifest, Stale: tx.Stale}
	if len(d.Encrypt) > 0 {
		done.Archive = delivery.ArchiveFor(d.Manifest)
		if err := tx.Encrypt(done.Archive, d.Encrypt...); err != nil {
			return nil, nil, err
		}
	}
	dp := &dataPackage{Profile: "tabular-data-package", Name: resourceName(strings.ToLower(filepath.Base(cfg.Out)))}
	rep, err := stagePrepare(ctx, tx, dp, cfg, d.Source, d.Register)
	if err != nil {
		return nil, nil, err
	}
	if err := writePackage(tx, dp); err != nil {
		return nil, nil, err
	}
	h := delivery.Header{Tool: tool(cfg.Tool), Project: rep.Project, KeyFingerprint: rep.KeyFingerprint, PlanFingerprint: d.PlanFingerprint}
	if d.Risk != nil {
		if h.Risk, err = checkDelivery(ctx, tx, cfg, rep.SerialColumn, d); err != nil {
			return nil, nil, err
		}
	}
	if _, err := tx.Commit(h); err != nil {
		return nil, nil, err
	}
	return rep, done, nil
}

// checkDelivery runs the delivery's risk check on the staged output and
// writes the researcher-facing risk report into the transaction.
func checkDelivery(ctx context.Context, tx *delivery.Tx, cfg PrepareConfig, serial string, d Delivery) (*delivery.Risk, error) {
	sd, err := stage(tx, "", cfg.Out, cfg.Write)
	if err != nil {
		return nil, err
	}
	rec, err := d.Risk.check(ctx, serial, []stagedData{sd}, d.PartialRisk)
	if err != nil || rec == nil {
		return nil, err
	}
	if d.RiskReport == "" {
		d.RiskReport = cfg.Out + ".risk.json"
	}
	return rec, writeRiskReport(tx, d.RiskReport, d.Risk.Result)
}

func tool(t string) string {
	if t == "" {
		return "koble devel"
	}
	return t
}

// refuseOverInput refuses a prepare whose outputs resolve to its input.
func refuseOverInput(cfg PrepareConfig, manifest string) error {
	return delivery.RefuseInputs([]delivery.Named{{Path: cfg.In, Flag: "--in"}}, []delivery.Named{
		{Path: cfg.Out, Flag: "--out"}, {Path: cfg.ReportPath, Flag: "--report"},
		{Path: cfg.QuarantinePath, Flag: "--quarantine"}, {Path: manifest, Flag: "the manifest"}})
}

// stagePrepare runs Prepare into the transaction's temporary files: the
// delivery, the quarantine and the report (which Prepare is not given:
// it is written here, naming the final paths), and describes them, in
// the manifest and in the data package dp.
func stagePrepare(ctx context.Context, tx *delivery.Tx, dp *dataPackage, cfg PrepareConfig, source, register string) (*Report, error) {
	out, reportPath, qPath := cfg.Out, cfg.ReportPath, cfg.QuarantinePath
	var err error
	if cfg.Out, err = tx.Add(out, delivery.RoleData); err != nil {
		return nil, err
	}
	if qPath != "" {
		if cfg.QuarantinePath, err = tx.Add(qPath, delivery.RoleQuarantine); err != nil {
			return nil, err
		}
	}
	format := cfg.Write.Format
	if format == formats.FormatUnknown {
		if format, err = formats.FormatFromPath(out); err != nil {
			return nil, err
		}
		cfg.Write.Format = format
	}
	cfg.ReportPath = ""
	rep, err := Prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep.Output = out
	desc, err := delivery.DataFile(cfg.Out, format, cfg.Write, rep.RowsWritten)
	if err != nil {
		return nil, err
	}
	desc.Done = Processing(rep, source, register)
	desc.Done.Allowed = cfg.AllowColumns
	if err := tx.Describe(out, desc); err != nil {
		return nil, err
	}
	dp.addResource(filepath.Dir(tx.Manifest()), out, desc, rep)
	if reportPath != "" {
		if err := writeReport(tx, reportPath, delivery.RoleReport, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Processing says in the manifest what a prepare run did, as its data
// file's Done.
func Processing(rep *Report, source, register string) *delivery.Processing {
	// The input's column names that are not delivered (the leak guard
	// checks those that are) pass the redaction step.
	d := &delivery.Processing{Source: source, Register: register, IDColumn: pseudonym.Redact(rep.IDColumn), IDScheme: rep.Scheme,
		SerialColumn: rep.SerialColumn, SerialEncoding: rep.SerialEncoding,
		Shifted: rep.Dates.Shifted, Unshifted: rep.Dates.Unshifted, Window: rep.Dates.Window, KeepWeekday: rep.Dates.KeepWeekday,
		Relative: rep.Dates.Relative, Coarsened: rep.Dates.Coarsened, Delivered: rep.ColumnsOut,
		RowsRead: rep.RowsRead, RowsQuarantine: rep.RowsQuarantine, RowsNotSample: rep.RowsNotSample}
	out := map[string]bool{}
	for _, c := range rep.ColumnsOut {
		out[c] = true
	}
	for _, c := range rep.ColumnsIn {
		if !out[c] && c != rep.IDColumn {
			d.Dropped = append(d.Dropped, pseudonym.Redact(c))
		}
	}
	return d
}

// writeReport writes a report into the transaction, through the same
// redaction step as every report.
func writeReport(tx *delivery.Tx, target, role string, v any) error {
	return tx.WriteWith(target, role, func(w io.Writer) error { return encodeReportJSON(w, v) })
}
