package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// A versus job is one of issue 19's jobs, run by koble and by DuckDB on
// the same file.
type versusJob struct {
	name   string
	kind   string // full, hex or copy
	format string // parquet or csv
}

var versusJobs = []versusJob{
	{"pq-full", "full", "parquet"},
	{"pq-hex", "hex", "parquet"},
	{"pq-copy", "copy", "parquet"},
	{"csv-hex", "hex", "csv"},
	{"csv-copy", "copy", "csv"},
}

// The full job's columns: three date shifts and a coarsened birth date.
var (
	versusShift   = []string{"admit_date", "discharge_date", "control_date"}
	versusCoarsen = []string{"birth_date"}
)

const versusWindow = 182

// sample is one timed run: the job's own wall time (inside the process,
// without start-up), the process's CPU time (user + system, from its
// rusage, start-up included) and peak RSS.
type sample struct {
	wall, cpu float64
	rows      int64
	rss       int64
}

// measure runs cmd and reads the RESULT line it prints and its rusage.
func measure(cmd *exec.Cmd) (sample, error) {
	out, err := cmd.Output()
	if err != nil {
		return sample{}, err
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 3 || f[0] != "RESULT" {
		return sample{}, fmt.Errorf("bad child output %q", out)
	}
	var s sample
	s.wall, _ = strconv.ParseFloat(f[1], 64)
	s.rows, _ = strconv.ParseInt(f[2], 10, 64)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	s.cpu = tv(ru.Utime) + tv(ru.Stime)
	s.rss = ru.Maxrss * 1024
	return s, nil
}

func median(xs []sample) sample {
	m := sample{}
	pick := func(get func(sample) float64) float64 {
		v := make([]float64, len(xs))
		for i, x := range xs {
			v[i] = get(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	m.wall = pick(func(s sample) float64 { return s.wall })
	m.cpu = pick(func(s sample) float64 { return s.cpu })
	for _, x := range xs {
		m.rss = max(m.rss, x.rss)
		m.rows = max(m.rows, x.rows)
	}
	return m
}

// versus runs the jobs at each thread count, koble and DuckDB interleaved
// (koble, DuckDB, koble, DuckDB, ...), and prints the medians.
func versus(self, data, dir string, p *peer, jobs []versusJob, threads []int, repeat int, idType string) error {
	type cell struct{ koble, duck []sample }
	cells := map[string]*cell{}
	key := func(j versusJob, t int) string { return fmt.Sprintf("%s/%d", j.name, t) }
	for round := range repeat {
		for _, j := range jobs {
			for _, t := range threads {
				c := cells[key(j, t)]
				if c == nil {
					c = &cell{}
					cells[key(j, t)] = c
				}
				in, out := versusPaths(data, dir, j)
				ks, err := runKoble(self, j, t, in, out)
				if err != nil {
					return fmt.Errorf("koble %s, %d threads: %w", j.name, t, err)
				}
				ds, err := runDuck(p, j, t, in, out, idType)
				if err != nil {
					return fmt.Errorf("duckdb %s, %d threads: %w", j.name, t, err)
				}
				c.koble, c.duck = append(c.koble, ks), append(c.duck, ds)
				fmt.Fprintf(os.Stderr, "round %d %s %d thread(s): koble %.2fs (cpu %.2fs), duckdb %.2fs (cpu %.2fs)\n",
					round+1, j.name, t, ks.wall, ks.cpu, ds.wall, ds.cpu)
			}
		}
	}
	fmt.Printf("| job | threads | rows | koble s | DuckDB s | rows/s koble / DuckDB | koble CPU s | DuckDB CPU s | rows per CPU-s koble / DuckDB | peak RSS MiB koble / DuckDB |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|---|---|\n")
	med := map[string][2]sample{}
	for _, j := range jobs {
		for _, t := range threads {
			c := cells[key(j, t)]
			k, d := median(c.koble), median(c.duck)
			med[key(j, t)] = [2]sample{k, d}
			fmt.Printf("| %s | %d | %d | %.2f | %.2f | **%.2fx** | %.2f | %.2f | %.2fx | %.0f / %.0f |\n", j.name, t, k.rows,
				k.wall, d.wall, (float64(k.rows)/k.wall)/(float64(d.rows)/d.wall), k.cpu, d.cpu,
				(float64(k.rows)/k.cpu)/(float64(d.rows)/d.cpu), float64(k.rss)/(1<<20), float64(d.rss)/(1<<20))
		}
	}
	versusSummary(med, threads)
	fmt.Printf("\nmedian of %d interleaved rounds; %s; %d CPUs, %s/%s, %s\n", repeat, cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	return nil
}

// versusSummary prints koble's own ratios: the full job against convert,
// and two workers against one (wall and CPU per row).
func versusSummary(med map[string][2]sample, threads []int) {
	for _, t := range threads {
		full, okF := med[fmt.Sprintf("pq-full/%d", t)]
		cp, okC := med[fmt.Sprintf("pq-copy/%d", t)]
		if okF && okC {
			fmt.Printf("\nkoble, %d thread(s): full job %.2fx the wall time of convert, %.2fx its CPU time\n", t, full[0].wall/cp[0].wall, full[0].cpu/cp[0].cpu)
		}
	}
	if !slices.Contains(threads, 1) || !slices.Contains(threads, 2) {
		return
	}
	for _, j := range versusJobs {
		one, ok1 := med[j.name+"/1"]
		two, ok2 := med[j.name+"/2"]
		if ok1 && ok2 {
			fmt.Printf("%s: 2 workers %.2fx the rows/s of 1 (CPU per row %.2fx); DuckDB 2 threads %.2fx (CPU per row %.2fx)\n", j.name,
				one[0].wall/two[0].wall, two[0].cpu/one[0].cpu, one[1].wall/two[1].wall, two[1].cpu/one[1].cpu)
		}
	}
}

func versusPaths(data, dir string, j versusJob) (in, out string) {
	ext := map[string]string{"parquet": ".parquet", "csv": ".csv"}[j.format]
	return filepath.Join(data, "patient"+ext), filepath.Join(dir, "vs-out"+ext)
}

func runKoble(self string, j versusJob, threads int, in, out string) (sample, error) {
	os.Remove(out)
	defer os.Remove(out)
	cmd := exec.Command(self, "-one", fmt.Sprintf("vs-%s-w%d", j.name, threads), "-in", in, "-out", out)
	cmd.Stderr = os.Stderr
	return measure(cmd)
}

func runDuck(p *peer, j versusJob, threads int, in, out, idType string) (sample, error) {
	os.Remove(out)
	defer os.Remove(out)
	cmd, err := p.command(peerJob{Job: j.kind, In: in, Out: out, Threads: threads, Format: j.format, IDType: idType,
		Window: versusWindow, Shift: versusShift, CoarsenYear: versusCoarsen})
	if err != nil {
		return sample{}, err
	}
	return measure(cmd)
}

// runVersusOne runs koble's side of a versus job in this process (the
// child): "vs-NAME-wT".
func runVersusOne(job, in, out string) (int64, error) {
	name, w, _ := strings.Cut(strings.TrimPrefix(job, "vs-"), "-w")
	workers, _ := strconv.Atoi(w)
	i := slices.IndexFunc(versusJobs, func(v versusJob) bool { return v.name == name })
	if i < 0 || workers < 1 {
		return 0, fmt.Errorf("unknown job %q", job)
	}
	runtime.GOMAXPROCS(workers)
	j := versusJobs[i]
	if j.kind == "copy" {
		return formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{Parallel: workers, Overwrite: true})
	}
	key, err := benchKey("bench")
	if err != nil {
		return 0, err
	}
	cfg := linkage.PrepareConfig{In: in, Out: out, Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{},
		Workers: workers, SerialEncoding: pseudonym.EncodingHex, Write: formats.WriteOptions{Overwrite: true}}
	if j.kind == "full" {
		cfg.SerialEncoding = pseudonym.EncodingBase32
		cfg.Shift, cfg.Window = versusShift, versusWindow
		for _, c := range versusCoarsen {
			cfg.Coarsen = append(cfg.Coarsen, linkage.Coarsen{Column: c, Precision: refdate.Year})
		}
	}
	rep, err := linkage.Prepare(context.Background(), cfg)
	if err != nil {
		return 0, err
	}
	return rep.RowsRead, nil
}

// cpuModel returns /proc/cpuinfo's model name.
func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
