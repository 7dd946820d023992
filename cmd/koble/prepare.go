package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/spf13/cobra"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newPrepareCmd(g *globals) *cobra.Command {
	var (
		kf                                    keyFlags
		of                                    oprfFlags
		ef                                    encryptFlags
		sf                                    schemeFlags
		cf                                    csvFlags
		cfg                                   linkage.PrepareConfig
		shift, unshifted, relative, coarsen   string
		keep, drop                            string
		allow, encoding, compression, yearPol string
		quarantineRows                        []string
		overwrite                             bool
		rf                                    riskFlags
		accept                                string
		rowGroupRows                          int64
	)
	cmd := &cobra.Command{
		Use:   "prepare --key KEYFILE --in FILE --out FILE --id-column NAME [flags]",
		Short: "Prepare an extract: serials for IDs, dates shifted, columns chosen, leaks guarded",
		Long: `Prepare one extract for delivery, in one streaming pass:

  1. parse every national ID of --id-column and replace the column with the
     project serial (--serial-column, default "lnr"); rows whose ID is
     invalid go to the quarantine with their row number and reason;
  2. shift (--shift-dates), relativise (--relative-dates) or coarsen
     (--coarsen) date columns, per person, with the same key;
  3. keep (--keep) or drop (--drop) columns;
  4. stop if any remaining column holds a valid national ID of any Nordic
     scheme (in any type: text, also inside longer text, numbers, decimals,
     lists, structs), is named like one (fnr, personnummer, navn, adresse,
     ...) unless --allow names it, or is named by an ID or carries one in
     its metadata. Numbers that merely pass an ID's checks stop it too
     (about 1 in 30 random 11-digit numbers): check such a column, then
     drop it or --allow it;
  5. with --risk-qi, measure the disclosure risk of what is about to be
     delivered, per person (see 'koble risk'): above the threshold
     (--risk-k, presets 3, 5, 10) the delivery is refused, exit 1, nothing
     written, unless --accept-risk "REASON" is given; the verdict, the
     reason and the figures go into the manifest and OUT.risk.json (small
     counts withheld);
  6. write the output, the quarantine and the JSON report (--report) as one
     transaction: they appear together, with the manifest written last
     (OUT.manifest.json: every file's size, SHA-256, rows, schema and what
     was done; 'koble verify' checks it), or not at all. No output may be
     the input. With --encrypt-to or --encrypt-passphrase, all of it is one
     age-encrypted tar archive instead (OUT.tar.age).

The same input and key give byte-identical output for any --workers.

A source without the project key gets its serials from the pseudonym
administrator's service ('koble serve') with --serials oprf: --server,
--project, --public-key (as the administrator published it; every answer
is checked against it), --server-ca, and --client-cert/--client-key or
--token-file. The IDs are blinded: the service sees neither IDs nor
serials. Each distinct person costs one evaluation of the source's quota;
requests go in batches, several in flight, and are retried on transient
errors. A refusal (credentials, grant, quota) stops the run with nothing
written. --date-key (from 'koble key export --purpose dates') shifts dates
as every other source of the project does.

Parquet output is compressed with zstd unless --compression says
otherwise: small and fast, and read by DuckDB, polars, pandas/pyarrow,
Spark 3 and the R arrow package as CRAN builds it. Some readers lack zstd:
R arrow builds without it (older source builds on Linux;
arrow::codec_is_available("zstd") says FALSE there) and JavaScript readers
such as hyparquet without hyparquet-compressors, or parquetjs. For them use
--compression snappy (every Parquet reader has it), gzip (smaller, slower
to write) or none. Arrow output is uncompressed unless --compression zstd
or lz4 (read by pyarrow, polars, DuckDB; not by every JavaScript reader).`,
		Example: `  koble prepare --key project.key --in npr.parquet --out delivery/npr.parquet \
      --id-column fnr --shift-dates admit_date,discharge_date,control_date --window 182 \
      --coarsen birth_date:year --drop hospital --report delivery/npr.report.json \
      --quarantine delivery/npr.quarantine.csv
  koble prepare --serials oprf --server https://pseudonym-admin:8443 --project cancer-2026 \
      --public-key 5c1e...64 hex --server-ca ca.crt --client-cert npr.crt --client-key npr.key \
      --date-key npr.datekey --identity npr.identity \
      --in npr.parquet --out delivery/npr.parquet --id-column fnr --shift-dates admit_date --window 182`,
		Args: exactArgs(0, "no arguments (use --in and --out)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.In == "" || cfg.Out == "" || cfg.IDColumn == "" {
				return usagef("--in, --out and --id-column are required")
			}
			useOPRF, err := of.check(cmd)
			if err != nil {
				return err
			}
			keyPath, _ := cmd.Flags().GetString("key")
			if keyPath == "" && !useOPRF {
				return usagef("--key is required: the project key file (or --serials oprf with --server)")
			}
			if cfg.Scheme, err = sf.build(); err != nil {
				return err
			}
			if cfg.Read, err = cf.readOptions(); err != nil {
				return err
			}
			if cfg.Write, err = cf.writeOptions(); err != nil {
				return err
			}
			if cfg.Write.Compression, err = formats.ParseCompression(compression); err != nil {
				return usageError{err}
			}
			cfg.Write.RowGroupRows = rowGroupRows
			cfg.Write.Overwrite = overwrite
			if cfg.SerialEncoding, err = pseudonym.ParseEncoding(encoding); err != nil {
				return usageError{err}
			}
			cfg.Shift, cfg.Unshifted = splitList(shift), splitList(unshifted)
			outF := outFormat(cfg.Out)
			if err := checkOrphans(cmd.Flags(), append(append(csvReadOrphans(cfg.In, maybeCSV(outF)), riskOrphans("risk-", &rf)...),
				orphan{"window", "--shift-dates COLUMNS", len(cfg.Shift) > 0},
				orphan{"keep-weekday", "--shift-dates COLUMNS", len(cfg.Shift) > 0},
				orphan{"keep-year", "--shift-dates COLUMNS", len(cfg.Shift) > 0},
				orphan{"unshifted-dates", "--shift-dates COLUMNS", len(cfg.Shift) > 0},
				orphan{"out-delimiter", "a CSV output (--out FILE.csv)", outF == formats.FormatCSV || outF == formats.FormatUnknown},
				orphan{"out-encoding", "a CSV output (--out FILE.csv)", outF == formats.FormatCSV || outF == formats.FormatUnknown},
				orphan{"row-group-rows", "a Parquet output (--out FILE.parquet)", outF == formats.FormatParquet || outF == formats.FormatUnknown},
				orphan{"compression", "a Parquet or Arrow output (--out FILE.parquet)", outF != formats.FormatCSV},
				orphan{"infer-types", "a Parquet or Arrow output (--out FILE.parquet): a CSV output keeps the text", outF != formats.FormatCSV},
			)...); err != nil {
				return err
			}
			if len(cfg.Shift) > 0 && cfg.Window == 0 {
				return usagef("--shift-dates needs --window DAYS")
			}
			if cfg.Window < 0 || cfg.Window > refdate.MaxWindow {
				return usagef("--window %d: want 1 to %d days", cfg.Window, refdate.MaxWindow)
			}
			switch yearPol {
			case "", "free":
			case "clamp":
				cfg.ShiftOptions.Year = refdate.YearClamp
			case "reflect":
				cfg.ShiftOptions.Year = refdate.YearReflect
			case "refuse":
				cfg.ShiftOptions.Year = refdate.YearRefuse
			default:
				return usagef("--keep-year %q: want free, clamp, reflect or refuse", yearPol)
			}
			for _, spec := range strings.Fields(strings.ReplaceAll(relative, ";", " ")) {
				ref, cols, ok := strings.Cut(spec, ":")
				if !ok || ref == "" || cols == "" {
					return usagef("--relative-dates %q: want REFERENCE:COLUMN[,COLUMN...]", spec)
				}
				rel := linkage.Relative{Reference: ref, Columns: splitList(cols)}
				if strings.HasPrefix(ref, "first(") && strings.HasSuffix(ref, ")") {
					rel.Reference, rel.PersonFirst = "", splitList(ref[len("first("):len(ref)-1])
				}
				cfg.Relative = append(cfg.Relative, rel)
			}
			for _, spec := range splitList(coarsen) {
				col, prec, ok := strings.Cut(spec, ":")
				if !ok {
					return usagef("--coarsen %q: want COLUMN:year|year-month|iso-week", spec)
				}
				p, err := refdate.ParsePrecision(prec)
				if err != nil {
					return usageError{err}
				}
				cfg.Coarsen = append(cfg.Coarsen, linkage.Coarsen{Column: col, Precision: p})
			}
			cfg.Keep, cfg.Drop, cfg.AllowColumns = splitList(keep), splitList(drop), splitList(allow)
			if len(cfg.Keep) > 0 && len(cfg.Drop) > 0 {
				return usagef("give --keep or --drop, not both")
			}
			for _, r := range quarantineRows {
				rs, err := age.ParseRecipients(strings.NewReader(r))
				if err != nil {
					return usageError{notRecipient("--quarantine-rows", r)}
				}
				cfg.QuarantineRecipients = append(cfg.QuarantineRecipients, rs...)
			}
			if cfg.QuarantineRecipients != nil && cfg.QuarantinePath == "" {
				return usagef("--quarantine-rows needs --quarantine FILE")
			}
			encrypt, err := ef.recipients(g)
			if err != nil {
				return err
			}
			if encrypt != nil && cfg.Out == "-" {
				return usagef("an encrypted delivery (--encrypt-to, --encrypt-passphrase) needs --out FILE, not standard output")
			}
			check, err := rf.check(cmd, cfg.Read, accept)
			if err != nil {
				return err
			}
			if check != nil && cfg.Out == "-" {
				return usagef("the risk check (--risk-qi) needs --out FILE, not standard output")
			}
			if useOPRF {
				src, err := of.source(cmd.Context(), g, &kf, &cfg)
				if err != nil {
					return err
				}
				defer src.Close()
			} else {
				key, err := kf.open(g, keyPath)
				if err != nil {
					return err
				}
				defer key.Close()
				cfg.Key = key
			}
			// Delivery folders are created as needed.
			for _, p := range []string{cfg.Out, cfg.ReportPath, cfg.QuarantinePath} {
				if p != "" && p != "-" {
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						return err
					}
				}
			}
			cfg.Tool = toolVersion()
			// A Parquet input knows its rows from its footer, a CSV file its
			// size: the line shows the fraction done and the time left.
			bar := g.newProgress(-1, "prepare")
			cfg.Progress = bar.Update
			var rep *linkage.Report
			var done *linkage.Delivered
			if cfg.Out == "-" {
				if err := delivery.RefuseInputs([]delivery.Named{{Path: cfg.In, Flag: "--in"}},
					[]delivery.Named{{Path: cfg.ReportPath, Flag: "--report"}, {Path: cfg.QuarantinePath, Flag: "--quarantine"}}); err != nil {
					return err
				}
				rep, err = linkage.Prepare(cmd.Context(), cfg)
			} else {
				rep, done, err = linkage.PrepareDelivery(cmd.Context(), cfg, linkage.Delivery{Encrypt: encrypt, Risk: check})
			}
			bar.Finish()
			if err != nil {
				return err
			}
			if done != nil {
				sayStale(g, done.Stale)
			}
			printPrepareSummary(g, rep)
			sayRisk(g, check)
			if done != nil {
				sayDelivered(g, done.Manifest, done.Archive)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.String("key", "", "project key file")
	kf.add(cmd)
	of.add(cmd)
	ef.add(cmd)
	sf.add(cmd)
	cf.add(cmd, true)
	addInferFlag(cmd, &cfg.InferTypes)
	fl.StringVar(&cfg.In, "in", "", "input file (CSV, Parquet or Arrow)")
	fl.StringVar(&cfg.Out, "out", "", "output file (CSV, Parquet or Arrow)")
	fl.StringVar(&cfg.IDColumn, "id-column", "", "column holding the national IDs")
	fl.StringVar(&cfg.SerialColumn, "serial-column", linkage.DefaultSerialColumn, "name of the serial column that replaces it")
	fl.StringVar(&encoding, "serial-encoding", "base32", "serial encoding: base32 (16 characters), int64 or hex")
	fl.StringVar(&shift, "shift-dates", "", "date columns to shift per person, comma-separated")
	fl.StringVar(&unshifted, "unshifted-dates", "", "with --shift-dates: other date columns to deliver as they are, on purpose (without it, such a column is refused: its difference to a shifted date gives the person's offset away)")
	fl.IntVar(&cfg.Window, "window", 0, "shift window in days: offsets in [-W,-1] and [1,W]")
	fl.BoolVar(&cfg.KeepWeekday, "keep-weekday", false, "shift by whole weeks, keeping every weekday")
	fl.StringVar(&yearPol, "keep-year", "free", "when a shift leaves the year: free, clamp, reflect or refuse (quarantine)")
	fl.StringVar(&relative, "relative-dates", "", "REF:COL[,COL...]: deliver COLs as days since the row's REF date, or, with REF = first(A[,B...]), since the person's earliest A or B date in the file (repeat specs with ';')")
	fl.StringVar(&coarsen, "coarsen", "", "COL:year|year-month|iso-week[,...]: deliver dates coarser")
	fl.StringVar(&keep, "keep", "", "deliver only these columns (and the serial)")
	fl.StringVar(&drop, "drop", "", "columns not to deliver")
	fl.StringVar(&allow, "allow", "", "columns the leak guard may let through")
	fl.StringVar(&cfg.ReportPath, "report", "", "write the JSON report here")
	fl.StringVar(&cfg.QuarantinePath, "quarantine", "", "write quarantined rows' numbers and reasons here (CSV)")
	fl.StringArrayVar(&quarantineRows, "quarantine-rows", nil, "write whole quarantined rows instead, age-encrypted to this recipient (repeatable)")
	fl.IntVar(&cfg.Workers, "workers", 0, workersHelp)
	fl.StringVar(&compression, "compression", "", "Parquet: zstd (default), snappy, gzip or none (snappy for readers without zstd: see above); Arrow: none (default), zstd or lz4")
	fl.Int64Var(&rowGroupRows, "row-group-rows", formats.DefaultRowGroupRows, "rows per Parquet row group")
	fl.BoolVar(&overwrite, "overwrite", false, "replace existing output, report and quarantine files")
	rf.add(cmd, "risk-")
	fl.StringVar(&accept, "accept-risk", "", "deliver although the risk check (--risk-qi) fails, for this reason (recorded in the manifest)")
	return cmd
}

func printPrepareSummary(g *globals, rep *linkage.Report) {
	g.say("koble: prepared %s -> %s", rep.Input, rep.Output)
	g.say("  rows read %d, written %d, quarantined %d", rep.RowsRead, rep.RowsWritten, rep.RowsQuarantine)
	reasons := make([]string, 0, len(rep.Quarantine))
	for r := range rep.Quarantine {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		g.say("    %-28s %d", r, rep.Quarantine[r])
	}
	g.say("  persons %d, rows per person min %d, median %g, max %d", rep.Persons, rep.RowsPerPerson.Min, rep.RowsPerPerson.Median, rep.RowsPerPerson.Max)
	g.say("  columns in  %s", strings.Join(rep.ColumnsIn, ", "))
	g.say("  columns out %s", strings.Join(rep.ColumnsOut, ", "))
	if len(rep.ColumnNulls) > 0 {
		nulls := make([]string, 0, len(rep.ColumnsOut))
		for _, c := range rep.ColumnsOut {
			nulls = append(nulls, c+" "+thousands(rep.ColumnNulls[c]))
		}
		g.say("  empty values (for you, not in the delivery): %s", strings.Join(nulls, ", "))
	}
	if len(rep.TypesInferred) > 0 {
		g.say("  column types inferred from the first %d rows: %s", formats.DefaultInferRows, typeList(rep.TypesInferred))
	}
	if len(rep.Dates.Shifted) > 0 {
		g.say("  dates shifted %s (window %d days, weekday kept: %v)", strings.Join(rep.Dates.Shifted, ", "), rep.Dates.Window, rep.Dates.KeepWeekday)
	}
	g.say("  project %s, key fingerprint %s, serials %s in %q", rep.Project, verbatim(rep.KeyFingerprint), rep.SerialEncoding, rep.SerialColumn)
	if rep.SerialSource != "" {
		g.say("  serials from the %s", verbatimKey(rep.SerialSource))
	}
	if rep.ReferenceDate != "" {
		g.say("  IDs (%s) checked against the reference date %s", rep.Scheme, rep.ReferenceDate)
	}
	g.say("  %s, %.0f rows/s, %d workers", time.Duration(rep.Seconds*float64(time.Second)).Round(time.Millisecond), rep.RowsPerSecond, rep.Workers)
}
