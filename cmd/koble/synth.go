package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
)

func newSynthCmd(g *globals) *cobra.Command {
	cfg := synth.DefaultConfig()
	var out, format, layout, idType, encoding string
	cmd := &cobra.Command{
		Use:   "synth --out DIR",
		Short: "Write synthetic registers that share persons",
		Long: `Write a deterministic set of synthetic Norwegian registers over one
population: cancer (one row per diagnosis), patient (many rows per person,
--rows in all), death (at most one row per person) and prescription (a
register pseudonym instead of the national ID, with its key written beside
the data). Every ID is generated; a share (--bad-ids) is malformed on
purpose. The same flags give byte-identical files.

--layout scattered lists the patient registry in time order, each person's
rows scattered over the file, as registers sorted by time are (it holds
the rows in memory to sort them, about 24 bytes a row); the default,
adjacent, lists each person's rows together. --id-type int64 writes the
national IDs as integers, as numeric database exports do.`,
		Example: `  koble synth --persons 1000 --rows 10000 --out data --seed 1
  koble synth --persons 5000000 --rows 100000000 --format parquet --out big
  koble synth --persons 1000000 --rows 10000000 --layout scattered --format parquet --out bench`,
		Args: exactArgs(0, "no arguments (name the folder with --out)"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usagef("--out is required: the folder to write the registers into")
			}
			f, err := formats.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			cfg.Format = f
			if cfg.Layout, err = synth.ParseLayout(layout); err != nil {
				return usagef("--layout: %v", err)
			}
			if cfg.IDType, err = synth.ParseIDType(idType); err != nil {
				return usagef("--id-type: %v", err)
			}
			if cfg.Encoding, err = formats.ParseEncoding(encoding); err != nil {
				return usagef("--encoding: %v", err)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			bar := g.newProgress(cfg.PatientRows, "patient registry")
			cfg.Progress = func(n int64) { bar.Update(linkage.Progress{Rows: n}) }
			m, err := synth.Generate(out, cfg)
			bar.Finish()
			if err != nil {
				return err
			}
			for _, f := range m.Files {
				g.say("%-13s %10d rows %8d persons %6d malformed IDs  %s", f.Register, f.Rows, f.Persons, f.BadIDs, filepath.Join(out, f.Path))
			}
			g.say("synthetic data: %d persons, seed %d, in %s", m.Persons, m.Seed, out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "out", "o", "", "folder to write into (created if missing)")
	fl.IntVar(&cfg.Persons, "persons", cfg.Persons, fmt.Sprintf("number of persons (at most %d)", synth.MaxPersons))
	fl.Int64Var(&cfg.PatientRows, "rows", cfg.PatientRows, "rows of the patient registry")
	fl.Int64Var(&cfg.PrescriptionRows, "prescription-rows", 0, "rows of the prescription registry (default: about 1.8 a person)")
	fl.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed: the same seed gives the same files")
	fl.Float64Var(&cfg.BadIDs, "bad-ids", cfg.BadIDs, "share of rows with a malformed national ID")
	fl.StringVar(&format, "format", "csv", "output format: csv, parquet, arrow or arrows")
	fl.StringVar(&layout, "layout", "adjacent", "patient registry row order: adjacent (a person's rows together) or scattered (time order)")
	fl.StringVar(&idType, "id-type", "string", "national-ID column type: string or int64")
	fl.StringVar(&encoding, "encoding", "utf-8", "CSV text encoding: utf-8, latin-1 or windows-1252")
	fl.BoolVar(&cfg.CRLF, "crlf", false, "end CSV lines with CR LF")
	fl.BoolVar(&cfg.Overwrite, "overwrite", false, "replace existing files")
	return cmd
}
