package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
)

// versusConfig is what -vs-duckdb runs.
type versusConfig struct {
	rows     int64
	persons  int
	dir      string
	cache    string
	keep     bool
	layout   string
	idType   string
	jobs     string
	threads  string
	repeat   int
	onlyData bool
}

// driveVersus generates the register (or reuses it), installs and checks
// DuckDB, and runs the side-by-side jobs.
func driveVersus(cfg versusConfig) error {
	layout, err := synth.ParseLayout(cfg.layout)
	if err != nil {
		return err
	}
	idType, err := synth.ParseIDType(cfg.idType)
	if err != nil {
		return err
	}
	jobs, err := pickVersusJobs(cfg.jobs)
	if err != nil {
		return err
	}
	var threads []int
	for _, t := range strings.Split(cfg.threads, ",") {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			return fmt.Errorf("-threads: %q is not a thread count", t)
		}
		threads = append(threads, n)
	}
	if cfg.dir == "" {
		d, err := os.MkdirTemp("", "koble-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		cfg.dir = d
	}
	if cfg.persons == 0 {
		cfg.persons = int(min(max(cfg.rows/10, 1), synth.MaxPersons))
	}
	data := filepath.Join(cfg.dir, fmt.Sprintf("data-%s-%s", layout, idType))
	if err := versusData(data, cfg.rows, cfg.persons, layout, idType, cfg.keep); err != nil {
		return err
	}
	key, err := benchKey("bench")
	if err != nil {
		return err
	}
	p, err := setupPeer(cfg.cache, key)
	if err != nil {
		return err
	}
	for _, f := range []struct{ path, format, idType string }{
		{filepath.Join(data, "patient.parquet"), "parquet", idType.String()},
		{filepath.Join(data, "patient.csv"), "csv", "string"},
	} {
		n, err := p.check(key, f.path, f.format, f.idType, versusWindow)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "DuckDB's SQL serials and date offsets equal koble's on the first %d valid rows of %s\n", n, filepath.Base(f.path))
	}
	if cfg.onlyData {
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%d rows, %d persons, %s layout, ID column %s (Parquet), zstd, row groups of 1048576 rows\n\n", cfg.rows, cfg.persons, layout, idType)
	return versus(self, data, cfg.dir, p, jobs, threads, max(cfg.repeat, 1), idType.String())
}

func pickVersusJobs(list string) ([]versusJob, error) {
	if list == "" || list == "all" {
		return versusJobs, nil
	}
	var out []versusJob
	for _, name := range strings.Split(list, ",") {
		i := slices.IndexFunc(versusJobs, func(v versusJob) bool { return v.name == name })
		if i < 0 {
			return nil, fmt.Errorf("-vs-duckdb: unknown job %q (want pq-full, pq-hex, pq-copy, csv-hex, csv-copy or all)", name)
		}
		out = append(out, versusJobs[i])
	}
	return out, nil
}

// versusData writes the registers as Parquet (ID column of idType) and CSV
// (IDs as text), unless keep and data holds them already.
func versusData(data string, rows int64, persons int, layout synth.Layout, idType synth.IDType, keep bool) error {
	if keep {
		if made, _ := sameData(data, rows, persons); made {
			fmt.Fprintf(os.Stderr, "reusing the registers in %s\n", data)
			return nil
		}
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "generating %d rows over %d persons, %s...\n", rows, persons, layout)
	for _, f := range []formats.Format{formats.FormatParquet, formats.FormatCSV} {
		cfg := synth.DefaultConfig()
		cfg.Persons, cfg.PatientRows, cfg.Format, cfg.Overwrite, cfg.Layout = persons, rows, f, true, layout
		if f == formats.FormatParquet {
			cfg.IDType = idType
		}
		if _, err := synth.Generate(data, cfg); err != nil {
			return err
		}
	}
	return nil
}
