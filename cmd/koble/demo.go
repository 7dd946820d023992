package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
)

func newDemoCmd(g *globals) *cobra.Command {
	var dir string
	var persons int
	cmd := &cobra.Command{
		Use:   "demo [--dir DIR]",
		Short: "Run koble end to end on generated data",
		Long: `Generate a small synthetic project and run koble on it, printing what
was done and where to look. Nothing real is touched: every ID is generated.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				d, err := newDemoDir()
				if err != nil {
					return err
				}
				dir = d
			}
			data := filepath.Join(dir, "data")
			if err := os.MkdirAll(data, 0o755); err != nil {
				return err
			}
			cfg := synth.DefaultConfig()
			cfg.Persons = persons
			cfg.PatientRows = int64(persons) * 10
			cfg.Format = formats.FormatParquet
			cfg.Overwrite = true
			m, err := synth.Generate(data, cfg)
			if err != nil {
				return err
			}
			w := g.env.stdout
			fmt.Fprintf(w, "koble demo in %s\n\n", dir)
			fmt.Fprintf(w, "1. synthetic registers (%d persons, seed %d):\n", m.Persons, m.Seed)
			for _, f := range m.Files {
				fmt.Fprintf(w, "   %-13s %8s rows  %6s persons  %4s malformed IDs  %s\n", f.Register, thousands(f.Rows), thousands(f.Persons), thousands(f.BadIDs), filepath.Join(data, f.Path))
			}
			return runDemoSteps(cmd.Context(), g, dir, data, m)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "", "folder for the demo's files (default: a new temporary folder)")
	cmd.Flags().IntVar(&persons, "persons", 2000, "persons in the synthetic population")
	return cmd
}

// newDemoDir makes a new temporary folder for the demo whose name holds
// no digits: the demo prints its paths for the user to copy, and koble
// redacts from what it prints every run of digits that reads as an ID,
// which os.MkdirTemp's random digits sometimes do.
func newDemoDir() (string, error) {
	var name [10]byte
	for range 100 {
		rand.Read(name[:])
		for i := range name {
			name[i] = 'a' + name[i]%26
		}
		dir := filepath.Join(os.TempDir(), "koble-demo-"+string(name[:]))
		if err := os.Mkdir(dir, 0o700); !errors.Is(err, fs.ErrExist) {
			return dir, err
		}
	}
	return "", fmt.Errorf("demo: no new folder could be made in %s: give --dir", os.TempDir())
}
