// Command bench measures koble-beam on the Prism runner beside 'koble
// link' on the same machine and the same plan: a distributed linkage of
// synthetic cancer, patient and death registries, the patient registry
// split into shards. Each run is a fresh child process, so that its wall
// time, CPU time and peak RSS are its own; it prints a Markdown table for
// bench/RESULTS.md. Run it from beam/:
//
//	go run ./bench -rows 10000000 -shards 8 -dir /tmp/kbeam
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"filippo.io/age"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

func main() {
	rows := flag.Int64("rows", 1_000_000, "rows of the patient registry")
	shards := flag.Int("shards", 8, "shards the patient registry is split into")
	procs := flag.Int("procs", 2, "cores (GOMAXPROCS) of both runs; koble link --workers too")
	dir := flag.String("dir", "", "working folder (required; data is kept for the next run)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "bench: -dir is required")
		os.Exit(2)
	}
	if err := run(*dir, *rows, *shards, *procs); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(dir string, rows int64, shards, procs int) error {
	if err := setup(dir, rows, shards); err != nil {
		return err
	}
	koble, beam := filepath.Join(dir, "koble"), filepath.Join(dir, "koble-beam")
	if err := sh("..", "go", "build", "-o", koble, "./cmd/koble"); err != nil { // in the core module, whose go.sum has the CLI's modules
		return err
	}
	if err := sh("", "go", "build", "-o", beam, "./cmd/koble-beam"); err != nil {
		return err
	}
	plan := filepath.Join(dir, "distributed.toml")
	id := filepath.Join(dir, "worker.identity")
	os.RemoveAll(filepath.Join(dir, "delivery-distributed"))
	os.RemoveAll(filepath.Join(dir, "beam-out"))
	link, err := measure(procs, koble, "link", plan, "--identity", id, "--workers", fmt.Sprint(procs), "--overwrite")
	if err != nil {
		return err
	}
	b, err := measure(procs, beam, "--plan", plan, "--identity", id, "--runner", "prism",
		"--input", "patient="+filepath.Join(dir, "shards", "patient-*.parquet"), "--output", filepath.Join(dir, "beam-out"))
	if err != nil {
		return err
	}
	fmt.Printf("| run | wall s | CPU s (user+sys) | peak RSS MiB | wall vs koble link |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range []struct {
		name string
		m    result
	}{{"koble link", link}, {"koble-beam, Prism", b}} {
		fmt.Printf("| %s | %.1f | %.1f | %.0f | %.2fx |\n", r.name, r.m.wall.Seconds(), r.m.cpu.Seconds(), float64(r.m.rss)/1024, r.m.wall.Seconds()/link.wall.Seconds())
	}
	return nil
}

// setup generates the registers, the key and the plan once.
func setup(dir string, rows int64, shards int) error {
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(dir, "worker.identity")); err == nil {
		return nil
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	cfg := synth.DefaultConfig()
	cfg.PatientRows, cfg.Persons, cfg.Format = rows, int(rows/10), formats.FormatParquet
	// Registers are sorted by time: a person's rows are scattered.
	cfg.Layout = synth.LayoutScattered
	if _, err := synth.Generate(data, cfg); err != nil {
		return err
	}
	if err := split(filepath.Join(data, "patient.parquet"), filepath.Join(dir, "shards", "patient"), rows, shards); err != nil {
		return err
	}
	text, err := os.ReadFile("../testdata/plans/distributed.toml")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "distributed.toml"), text, 0o644); err != nil {
		return err
	}
	ident, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	key, err := pseudonym.GenerateKey(rand.Reader, "heart-and-cancer-2026", time.Now())
	if err != nil {
		return err
	}
	defer key.Close()
	f, err := os.Create(filepath.Join(dir, "project.key"))
	if err != nil {
		return err
	}
	if err := pseudonym.WriteKeyFile(f, key, ident.Recipient()); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "worker.identity"), []byte(ident.String()+"\n"), 0o600)
}

// split writes the rows of in as n Parquet shards.
func split(in, prefix string, rows int64, n int) error {
	r, err := formats.Open(in, formats.ReadOptions{BatchSize: 64 * 1024})
	if err != nil {
		return err
	}
	defer r.Close()
	if err := os.MkdirAll(filepath.Dir(prefix), 0o755); err != nil {
		return err
	}
	per := rows/int64(n) + 1
	var w formats.Writer
	var written int64
	for i := 0; r.Next(); {
		if w == nil {
			if w, err = formats.Create(fmt.Sprintf("%s-%02d.parquet", prefix, i), r.Schema(), formats.WriteOptions{}); err != nil {
				return err
			}
			i++
		}
		if err := w.Write(r.RecordBatch()); err != nil {
			return err
		}
		if written += r.RecordBatch().NumRows(); written >= per*int64(i) {
			if err := w.Close(); err != nil {
				return err
			}
			w = nil
		}
	}
	if w != nil {
		if err := w.Close(); err != nil {
			return err
		}
	}
	return r.Err()
}

type result struct {
	wall, cpu time.Duration
	rss       int64 // KiB
}

// measure runs one command with GOMAXPROCS=procs.
func measure(procs int, name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), fmt.Sprintf("GOMAXPROCS=%d", procs))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return result{wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), rss: ru.Maxrss}, nil
}

func sh(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	return cmd.Run()
}
