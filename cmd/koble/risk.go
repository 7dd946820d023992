package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/internal/jsonout"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/risk"
)

// riskFlags are the flags that configure a risk measurement, on koble risk
// and (with the prefix risk-) on prepare.
type riskFlags struct {
	qi, mode, sensitive, ladders string
	frame, frameCount, tempDir   string
	k, bound, search             int
	populationSize               int64
}

func (f *riskFlags) add(cmd *cobra.Command, prefix string) {
	fl := cmd.Flags()
	fl.StringVar(&f.qi, prefix+"qi", "", "quasi-identifier columns, comma-separated (e.g. birth_year,sex,municipality)")
	fl.StringVar(&f.mode, prefix+"mode", "combination", "how a person's rows combine: combination (the set of values per column), first (the first row) or every (each row's combination)")
	fl.IntVar(&f.k, prefix+"k", risk.DefaultK, "threshold: every person must share their values with at least k-1 others (presets 3, 5, 10)")
	fl.StringVar(&f.sensitive, prefix+"sensitive", "", "a sensitive column whose l-diversity is measured")
	fl.StringVar(&f.ladders, prefix+"ladder", "", "COL:KIND[,...]: generalisation ladders (none, date, year, municipality, icd10; guessed from names and values if not given)")
	fl.StringVar(&f.frame, prefix+"population", "", "population frame file: the quasi-identifier columns and a count column")
	fl.StringVar(&f.frameCount, prefix+"population-count", "count", "the population frame's count column")
	fl.Int64Var(&f.populationSize, prefix+"population-size", 0, "persons in the population the file is drawn from (without a frame; default: the file is the whole population)")
	fl.IntVar(&f.bound, prefix+"bound", risk.DefaultBound, "most different combinations kept per person (1-128); persons past it count as at risk")
	fl.IntVar(&f.search, prefix+"search", 200, "most generalisations tried for suggestions when the data fail (0: none)")
	fl.StringVar(&f.tempDir, prefix+"temp-dir", "", "folder for the temporary files of a large measurement (default: the system's temporary folder)")
}

// config turns the flags into a risk.Config; prefix names the flags in
// errors.
func (f *riskFlags) config(cmd *cobra.Command, person, prefix string, ro formats.ReadOptions) (risk.Config, error) {
	cfg := risk.Config{Person: person, QI: splitList(f.qi), K: f.k, Sensitive: f.sensitive, Bound: f.bound, PopulationSize: f.populationSize, TempDir: f.tempDir, MaxSearch: f.search}
	if len(cfg.QI) == 0 {
		return cfg, usagef("--%sqi is required: the quasi-identifier columns", prefix)
	}
	var err error
	if cfg.Mode, err = risk.ParseMode(f.mode); err != nil {
		return cfg, usagef("--%smode %q: want combination, first or every", prefix, f.mode)
	}
	if f.k < 2 {
		return cfg, usagef("--%sk %d: want 2 or more (presets 3, 5, 10)", prefix, f.k)
	}
	if f.bound < 1 || f.bound > 128 {
		return cfg, usagef("--%sbound %d: want 1 to 128", prefix, f.bound)
	}
	if f.search < 0 {
		return cfg, usagef("--%ssearch %d: want 0 (no suggestions) or more", prefix, f.search)
	}
	if f.search == 0 {
		cfg.MaxSearch = -1
	}
	if f.populationSize < 0 {
		return cfg, usagef("--%spopulation-size must not be negative", prefix)
	}
	for _, spec := range splitList(f.ladders) {
		col, kind, ok := strings.Cut(spec, ":")
		l, lerr := risk.NewLadder(kind)
		if !ok || lerr != nil {
			return cfg, usagef("--%sladder %q: want COLUMN:KIND with KIND one of %s", prefix, spec, strings.Join(risk.LadderKinds, ", "))
		}
		if cfg.Ladders == nil {
			cfg.Ladders = map[string]risk.Ladder{}
		}
		cfg.Ladders[col] = l
	}
	if f.frame != "" {
		ro.Columns = nil
		if cfg.Frame, err = linkage.LoadFrame(cmd.Context(), f.frame, ro, cfg.QI, f.frameCount); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}

// check returns the risk check of a delivery the prepare flags ask for
// (nil without --risk-qi); accept is --accept-risk.
func (f *riskFlags) check(cmd *cobra.Command, ro formats.ReadOptions, accept string) (*linkage.RiskCheck, error) {
	if f.qi == "" {
		if accept != "" {
			return nil, usagef("--accept-risk needs the risk check it accepts (--risk-qi)")
		}
		return nil, nil
	}
	cfg, err := f.config(cmd, "-", "risk-", ro)
	if err != nil {
		return nil, err
	}
	return &linkage.RiskCheck{Config: cfg, Accept: accept}, nil
}

// sayRisk prints the verdict of a delivery's risk check.
func sayRisk(g *globals, c *linkage.RiskCheck) {
	if c == nil {
		return
	}
	if len(c.Unheld) > 0 {
		g.say("  disclosure risk: not in this delivery, measured by the runs that deliver them: %s", strings.Join(c.Unheld, ", "))
	}
	if c.Result == nil {
		return
	}
	r := c.Result
	switch {
	case r.Pass:
		g.say("  disclosure risk: passes: every person shares %s with at least %d others (%d persons, smallest group %d)", strings.Join(r.QI, ", "), r.K-1, r.Persons, r.SmallestClass)
	default:
		g.say("  disclosure risk: FAILS, delivered by --accept-risk: %d of %d persons in groups of fewer than %d on %s; the reason is in the manifest", r.AtRisk, r.Persons, r.K, strings.Join(r.QI, ", "))
	}
}

func newRiskCmd(g *globals) *cobra.Command {
	var (
		rf        riskFlags
		cf        csvFlags
		in        string
		person    string
		asJSON    bool
		jsonOut   string
		overwrite bool
	)
	cmd := &cobra.Command{
		Use:   "risk --in FILE --person COL --qi COL[,COL...] [flags]",
		Short: "Measure disclosure risk per person: k-anonymity, uniqueness, l-diversity, with coarsening suggestions",
		Long: `Measure how easily persons in a file could be singled out by someone who
knows some of their values (quasi-identifiers: birth year, sex,
municipality, dates, diagnoses), per person and not per row, streaming.

The report on stdout is for the register manager: exact counts, each
explained. --json prints instead the researcher-facing report, in which
every count from 1 to k-1 is withheld ("suppressed": true); --report FILE
writes it to a file. koble risk only reports (exit 0 whatever the verdict);
prepare and link refuse a delivery that fails (see prepare --risk-qi).`,
		Example: `  koble risk --in delivery/npr.parquet --person lnr --qi birth_year,sex,municipality
  koble risk --in npr.csv --person lnr --qi birth_year,sex,municipality --k 10 \
      --population frame.csv --sensitive icd10 --json`,
		Args: exactArgs(0, "no arguments (use --in)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return usagef("--in is required")
			}
			if err := checkOrphans(cmd.Flags(), append(append(csvReadOrphans(in, false), riskOrphans("", &rf)...),
				orphan{"overwrite", "--report FILE", jsonOut != ""})...); err != nil {
				return err
			}
			ro, err := cf.readOptions()
			if err != nil {
				return err
			}
			cfg, err := rf.config(cmd, person, "", ro)
			if err != nil {
				return err
			}
			res, err := linkage.MeasureRisk(cmd.Context(), in, ro, cfg)
			if err != nil {
				return err
			}
			if jsonOut != "" {
				if err := writeRiskJSON(jsonOut, res, overwrite); err != nil {
					return err
				}
			}
			if asJSON {
				return jsonout.NewEncoder(g.env.stdout, false).Encode(res.Publish())
			}
			return res.WriteText(g.env.stdout)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&in, "in", "", "input file (CSV, Parquet or Arrow)")
	fl.StringVar(&person, "person", linkage.DefaultSerialColumn, "the column naming the person (the serial)")
	fl.BoolVar(&asJSON, "json", false, "print the researcher-facing JSON report (small counts withheld) instead of the text")
	fl.StringVar(&jsonOut, "report", "", "also write the researcher-facing JSON report to this file")
	fl.BoolVar(&overwrite, "overwrite", false, "replace the --report file if it exists")
	rf.add(cmd, "")
	cf.add(cmd, false)
	return cmd
}

func writeRiskJSON(path string, r *risk.Result, overwrite bool) error {
	af, err := formats.CreateAtomic(path, overwrite)
	if err != nil {
		return err
	}
	enc := jsonout.NewEncoder(af, true)
	if err := enc.Encode(r.Publish()); err != nil {
		af.Abort()
		return err
	}
	return af.Commit()
}
