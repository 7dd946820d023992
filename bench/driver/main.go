// Command driver runs koble's register-scale benchmarks: it generates a
// synthetic patient registry of the size asked for, then times each job in
// a fresh child process (so that every peak RSS figure is that job's own)
// beside a reference measured in the same run, and prints a Markdown table
// for bench/RESULTS.md.
//
//	go run ./bench/driver -rows 10000000 -jobs copy,passthrough,csv2csv,csv2parquet
//
// Jobs:
//
//	copy         plain byte copy of the Parquet file (the reference)
//	passthrough  Parquet -> Parquet through formats, no change
//	csvcopy      plain byte copy of the CSV file (the CSV reference)
//	csv2csv      CSV -> CSV through formats
//	csv2parquet  CSV -> Parquet through formats
//	parquet2csv  Parquet -> CSV through formats
//	prepare-pq-w1, prepare-pq-w2     koble prepare Parquet -> Parquet, 1 or 2 workers
//	prepare-csv-w1, prepare-csv-w2   koble prepare CSV -> CSV
//	prepare-csv2pq-w1, -w2           koble prepare CSV -> Parquet
//
// A job named -w1 runs on one core (GOMAXPROCS=1, as `koble prepare
// --workers 1` does); passthrough-w1, csv2csv-w1 and csv2parquet-w1 are the
// pass-throughs on one core, the references of the -w1 prepare jobs. Every
// other job uses all cores (two here), and a -w2 job is also compared with
// its -w1 twin (rows/s), when both ran.
//
//	prepare-all      koble prepare of the cancer, patient and death registries
//	link-central     centralised linkage of the same three registers (sample:
//	                 everyone with a cancer diagnosis or a death), the reference
//	                 being prepare-all
//	rx-passthrough   Parquet pass-through of the prescription registry (the
//	                 reference for rx-pseudoreg)
//	rx-pseudoreg     the pseudonymous-register flow: request (sample: cancer or
//	                 death), translate, extract from the prescription registry;
//	                 the phases' times go to stderr
//	risk, risk-w1    koble risk on the patient registry (Parquet): four
//	                 quasi-identifiers (birth_date, municipality, icd10,
//	                 hospital), mode combination, 20 generalisations tried;
//	                 the reference is prepare-pq-w2 (risk-w1: prepare-pq-w1)
//
// With -vs-duckdb, it runs issue 19's jobs side by side with DuckDB (the
// register manager's SQL peer, bench/duckdb/job.mjs, installed by npm into
// -cache) on a register in time order (-layout scattered): the full job,
// the hex-serial job and plain copy on Parquet, the hex job and copy on
// CSV, at 1 and 2 threads, koble and DuckDB interleaved, medians of
// -repeat rounds with CPU time and peak RSS from each process's rusage.
// It first checks that DuckDB's SQL serials and date offsets equal koble's.
// Run it from the repository root:
//
//	go run ./bench/driver -vs-duckdb all -rows 10000000 -repeat 3 -dir /tmp/kb -keep-data
package main

import (
	"bufio"
	"cmp"
	"slices"

	"context"
	"filippo.io/age"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/koble/koble/bench/synth"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/risk"
)

func main() {
	rows := flag.Int64("rows", 1_000_000, "rows of the patient registry")
	persons := flag.Int("persons", 0, "persons (default rows/10)")
	rxRows := flag.Int64("prescription-rows", 0, "rows of the prescription registry (default: by population)")
	jobs := flag.String("jobs", "copy,passthrough,csvcopy,csv2csv,csv2parquet,parquet2csv", "jobs to run, comma-separated")
	dir := flag.String("dir", "", "working folder (default: a temporary one, removed after)")
	one := flag.String("one", "", "internal: run one job in this process")
	in := flag.String("in", "", "internal: input")
	out := flag.String("out", "", "internal: output")
	profile := flag.String("cpuprofile", "", "write a CPU profile of each job to this prefix")
	keepData := flag.Bool("keep-data", false, "reuse the registers already generated in -dir (same -rows and -persons)")
	vs := flag.String("vs-duckdb", "", "run issue 19's jobs side by side with DuckDB: all, or some of pq-full,pq-hex,pq-copy,csv-hex,csv-copy")
	threads := flag.String("threads", "1,2", "with -vs-duckdb: thread counts (koble workers, DuckDB threads)")
	layout := flag.String("layout", "scattered", "with -vs-duckdb: row layout of the register, scattered or adjacent")
	idType := flag.String("id-type", "string", "with -vs-duckdb: ID column type of the Parquet register, string or int64")
	cache := flag.String("cache", filepath.Join(os.Getenv("HOME"), ".cache", "koble-bench"), "with -vs-duckdb: where npm installs DuckDB")
	checkOnly := flag.Bool("check-only", false, "with -vs-duckdb: make the data, install DuckDB and check its serials, then stop")
	repeat := flag.Int("repeat", 1, "run each job this many times, in rounds, and report the median time (and the highest peak RSS)")
	flag.Parse()

	if *one != "" {
		if err := runOne(*one, *in, *out, *profile); err != nil {
			fmt.Fprintln(os.Stderr, "driver:", err)
			os.Exit(1)
		}
		return
	}
	if *vs != "" {
		if err := driveVersus(versusConfig{rows: *rows, persons: *persons, dir: *dir, cache: *cache, keep: *keepData, layout: *layout,
			idType: *idType, jobs: *vs, threads: *threads, repeat: *repeat, onlyData: *checkOnly}); err != nil {
			fmt.Fprintln(os.Stderr, "driver:", err)
			os.Exit(1)
		}
		return
	}
	if err := drive(*rows, *persons, *rxRows, strings.Split(*jobs, ","), *dir, *profile, max(*repeat, 1), *keepData); err != nil {
		fmt.Fprintln(os.Stderr, "driver:", err)
		os.Exit(1)
	}
}

// result is what a child reports on its last line of output.
type result struct {
	seconds float64
	rows    int64
	bytesIn int64
	peakRSS int64 // bytes
}

func drive(rows int64, persons int, rxRows int64, jobs []string, dir, profile string, repeat int, keepData bool) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "koble-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if persons == 0 {
		persons = int(min(max(rows/10, 1), synth.MaxPersons))
	}
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o755)
	formatsToMake := []formats.Format{formats.FormatParquet, formats.FormatCSV}
	if keepData {
		if made, err := sameData(data, rows, persons); err != nil {
			return err
		} else if made {
			formatsToMake = nil
			fmt.Fprintf(os.Stderr, "reusing the registers in %s\n", data)
		}
	}
	if formatsToMake != nil {
		fmt.Fprintf(os.Stderr, "generating %d rows over %d persons...\n", rows, persons)
	}
	for _, f := range formatsToMake {
		cfg := synth.DefaultConfig()
		cfg.Persons, cfg.PatientRows, cfg.PrescriptionRows, cfg.Format, cfg.Overwrite = persons, rows, rxRows, f, true
		if f == formats.FormatCSV && rxRows > 0 {
			cfg.PrescriptionRows = 1 // the CSV copy of the registers is not needed for the prescription jobs
		}
		if _, err := synth.Generate(data, cfg); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	pq := filepath.Join(data, "patient.parquet")
	csv := filepath.Join(data, "patient.csv")
	inputs := map[string][2]string{
		"copy":              {pq, filepath.Join(dir, "copy.parquet")},
		"passthrough":       {pq, filepath.Join(dir, "pass.parquet")},
		"passthrough-w1":    {pq, filepath.Join(dir, "pass1.parquet")},
		"csv2csv-w1":        {csv, filepath.Join(dir, "out1.csv")},
		"csv2parquet-w1":    {csv, filepath.Join(dir, "out1.parquet")},
		"prepare-csv2pq-w1": {csv, filepath.Join(dir, "prep4.parquet")},
		"csvcopy":           {csv, filepath.Join(dir, "copy.csv")},
		"csv2csv":           {csv, filepath.Join(dir, "out.csv")},
		"csv2parquet":       {csv, filepath.Join(dir, "out.parquet")},
		"parquet2csv":       {pq, filepath.Join(dir, "out2.csv")},
		"prepare-pq-w1":     {pq, filepath.Join(dir, "prep1.parquet")},
		"prepare-pq-w2":     {pq, filepath.Join(dir, "prep2.parquet")},
		"prepare-csv-w1":    {csv, filepath.Join(dir, "prep1.csv")},
		"prepare-csv-w2":    {csv, filepath.Join(dir, "prep2.csv")},
		"prepare-csv2pq-w2": {csv, filepath.Join(dir, "prep3.parquet")},
		"prepare-all":       {data, filepath.Join(dir, "all")},
		"link-central":      {data, filepath.Join(dir, "central")},
		"rx-passthrough":    {filepath.Join(data, "prescription.parquet"), filepath.Join(dir, "rx.parquet")},
		"rx-pseudoreg":      {data, filepath.Join(dir, "rx")},
		"risk":              {pq, filepath.Join(dir, "risk.tmp")},
		"risk-w1":           {pq, filepath.Join(dir, "risk1.tmp")},
	}
	fmt.Printf("| job | rows | seconds | rows/s | MB/s in | peak RSS MiB | ratio to reference |\n|---|---|---|---|---|---|---|\n")
	refs := map[string]float64{}
	// Rounds run every job once, in order, so that a slow spell of the
	// machine falls on all jobs alike rather than on one job's runs.
	all := map[string][]result{}
	for range repeat {
		for _, job := range jobs {
			io2, ok := inputs[job]
			if !ok {
				return fmt.Errorf("unknown job %q", job)
			}
			r, err := runChild(self, job, io2, profile)
			if err != nil {
				return err
			}
			all[job] = append(all[job], r)
		}
	}
	for _, job := range jobs {
		runs := all[job]
		slices.SortFunc(runs, func(a, b result) int { return cmp.Compare(a.seconds, b.seconds) })
		r := runs[len(runs)/2]
		for _, o := range runs {
			r.peakRSS = max(r.peakRSS, o.peakRSS)
		}
		ref := referenceOf(job)
		refs[job] = r.seconds
		ratio := "-"
		if rs, ok := refs[ref]; ok && job != ref {
			ratio = fmt.Sprintf("%.2fx %s", r.seconds/rs, ref)
		}
		if twin, ok := strings.CutSuffix(job, "-w2"); ok {
			if ts, ok := refs[twin+"-w1"]; ok {
				ratio += fmt.Sprintf("; %.2fx the rows/s of %s-w1", ts/r.seconds, twin)
			}
		}
		fmt.Printf("| %s | %d | %.2f | %.0f | %.0f | %.0f | %s |\n", job, r.rows, r.seconds,
			float64(r.rows)/r.seconds, float64(r.bytesIn)/r.seconds/1e6, float64(r.peakRSS)/(1<<20), ratio)
	}
	fmt.Printf("\n%d rows, %s/%s, %d CPUs, %s\n", rows, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	return nil
}

// sameData reports whether data holds registers generated with these
// rows and persons, in both formats: the patient registry's row count and
// synth's manifest say so.
func sameData(data string, rows int64, persons int) (bool, error) {
	for _, ext := range []string{".parquet", ".csv"} {
		if _, err := os.Stat(filepath.Join(data, "patient"+ext)); err != nil {
			return false, nil
		}
	}
	info, err := formats.Inspect(filepath.Join(data, "patient.parquet"), formats.ReadOptions{})
	if err != nil || info.Rows != rows {
		return false, nil
	}
	manifest, err := os.ReadFile(filepath.Join(data, "synth.json"))
	if err != nil {
		return false, nil
	}
	return strings.Contains(string(manifest), fmt.Sprintf(`"persons": %d,`, persons)), nil
}

// runChild runs one job in a child process and returns what it reports.
func runChild(self, job string, io2 [2]string, profile string) (result, error) {
	os.Remove(io2[1])
	defer os.Remove(io2[1])
	args := []string{"-one", job, "-in", io2[0], "-out", io2[1]}
	if profile != "" {
		args = append(args, "-cpuprofile", profile)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", job, err)
	}
	r, err := parseResult(string(outb))
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", job, err)
	}
	return r, nil
}

func parseResult(out string) (result, error) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 5 || f[0] != "RESULT" {
		return result{}, fmt.Errorf("bad child output %q", out)
	}
	var r result
	r.seconds, _ = strconv.ParseFloat(f[1], 64)
	r.rows, _ = strconv.ParseInt(f[2], 10, 64)
	r.bytesIn, _ = strconv.ParseInt(f[3], 10, 64)
	r.peakRSS, _ = strconv.ParseInt(f[4], 10, 64)
	return r, nil
}

// peakRSS reads the process's peak resident set size (Linux).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			kb, _ := strconv.ParseInt(strings.Fields(sc.Text())[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func runOne(job, in, out, profile string) error {
	var size int64
	if st, err := os.Stat(in); err != nil {
		return err
	} else if !st.IsDir() {
		size = st.Size()
	}
	if profile != "" {
		pf, err := os.Create(profile + "." + job + ".prof")
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	if strings.HasSuffix(job, "-w1") {
		runtime.GOMAXPROCS(1)
	}
	start := time.Now()
	var rows int64
	var err error
	switch {
	case job == "copy" || job == "csvcopy":
		err = byteCopy(in, out)
	case strings.HasPrefix(job, "vs-"):
		rows, err = runVersusOne(job, in, out)
	case job == "prepare-all":
		rows, err = prepareAll(in, out)
	case job == "link-central":
		rows, err = linkCentral(in, out)
	case job == "rx-pseudoreg":
		rows, err = rxPseudoreg(in, out)
	case job == "risk" || job == "risk-w1":
		rows, err = riskJob(in, out)
	case strings.HasPrefix(job, "prepare-"):
		rows, err = prepare(in, out, job)
	default:
		rows, err = formats.Convert(context.Background(), in, out, formats.ReadOptions{}, formats.WriteOptions{Parallel: runtime.GOMAXPROCS(0)})
	}
	if err != nil {
		return err
	}
	el := time.Since(start).Seconds()
	if profile != "" {
		pprof.StopCPUProfile()
	}
	if rows == 0 {
		// A byte copy knows no rows: count them outside the timing.
		info, err := formats.Inspect(in, formats.ReadOptions{})
		if err != nil {
			return err
		}
		rows = info.Rows
	}
	fmt.Printf("RESULT %.4f %d %d %d\n", el, rows, size, peakRSS())
	return nil
}

// byteCopy copies in to out through the same atomic output as formats
// (temporary file, sync, rename), so that the reference pays the same
// fsync as the jobs.
func byteCopy(in, out string) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := formats.CreateAtomic(out, true)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Abort()
		return err
	}
	return dst.Commit()
}

// referenceOf names the job each job is compared with: a byte copy for the
// pass-throughs, the pass-through of the same formats for prepare.
func referenceOf(job string) string {
	switch {
	case job == "link-central":
		return "prepare-all"
	case job == "rx-pseudoreg":
		return "rx-passthrough"
	case job == "risk":
		return "prepare-pq-w2"
	case job == "risk-w1":
		return "prepare-pq-w1"
	case job == "prepare-all", job == "rx-passthrough":
		return "-"
	case strings.HasPrefix(job, "prepare-"):
		ref := map[string]string{"pq": "passthrough", "csv2pq": "csv2parquet", "csv": "csv2csv"}
		kind, cores, _ := strings.Cut(strings.TrimPrefix(job, "prepare-"), "-")
		if cores == "w1" {
			return ref[kind] + "-w1"
		}
		return ref[kind]
	case strings.HasPrefix(job, "csv"):
		return "csvcopy"
	}
	return "copy"
}

// prepare runs koble prepare as a register manager would: serials for the
// IDs, both dates shifted, everything else kept, the leak guard on.
func prepare(in, out, job string) (int64, error) {
	secret := make([]byte, pseudonym.SecretSize)
	for i := range secret {
		secret[i] = byte(i + 1)
	}
	key, err := pseudonym.NewKey("bench", secret, time.Unix(0, 0))
	if err != nil {
		return 0, err
	}
	workers := 2
	if strings.HasSuffix(job, "-w1") {
		workers = 1
	}
	rep, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{
		In: in, Out: out, Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{},
		Shift: []string{"admit_date", "discharge_date"}, Window: 182, Workers: workers,
		// The job measured since the first rounds: the other two dates go
		// through as they are (now said on purpose).
		Unshifted: []string{"control_date", "birth_date"},
		Write:     formats.WriteOptions{Overwrite: true},
	})
	if err != nil {
		return 0, err
	}
	return rep.RowsRead, nil
}

// riskJob measures the disclosure risk of the patient registry as
// koble risk does, its temporary files in the folder tmp (removed after).
func riskJob(in, tmp string) (int64, error) {
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	res, err := linkage.MeasureRisk(context.Background(), in, formats.ReadOptions{}, risk.Config{
		Person: "fnr", QI: []string{"birth_date", "municipality", "icd10", "hospital"}, MaxSearch: 20, TempDir: tmp,
	})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(os.Stderr, "risk: %d persons, %d classes, %d at risk, %d generalisations tried\n", res.Persons, res.Classes, res.AtRisk, res.Searched)
	return res.Rows, nil
}

func benchKey(project string) (*pseudonym.Key, error) {
	secret := make([]byte, pseudonym.SecretSize)
	for i := range secret {
		secret[i] = byte(i + 1)
	}
	return pseudonym.NewKey(project, secret, time.Unix(0, 0))
}

var linkSources = []struct {
	name, register   string
	shift, unshifted []string
}{
	{"cancer", "Kreftregisteret", []string{"diagnosis_date"}, nil},
	{"patient", "Norsk pasientregister", []string{"admit_date", "discharge_date"}, []string{"control_date", "birth_date"}},
	{"death", "Dødsårsaksregisteret", []string{"death_date"}, nil},
}

// prepareAll prepares the three identified registers one after the other.
func prepareAll(data, out string) (int64, error) {
	key, err := benchKey("bench")
	if err != nil {
		return 0, err
	}
	os.MkdirAll(out, 0o755)
	var rows int64
	for _, s := range linkSources {
		rep, err := linkage.Prepare(context.Background(), linkage.PrepareConfig{
			In: filepath.Join(data, s.name+".parquet"), Out: filepath.Join(out, s.name+".parquet"),
			Key: key, IDColumn: "fnr", Scheme: pseudonym.Norway{}, Shift: s.shift, Unshifted: s.unshifted, Window: 182,
			Write: formats.WriteOptions{Overwrite: true},
		})
		if err != nil {
			return 0, err
		}
		rows += rep.RowsRead
	}
	return rows, nil
}

// linkCentral runs a centralised plan over the same registers.
func linkCentral(data, out string) (int64, error) {
	key, err := benchKey("bench")
	if err != nil {
		return 0, err
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "project = \"bench\"\nmode = \"centralised\"\nkey = \"unused.key\"\n[sample]\nrule = \"union\"\nsources = [\"cancer\", \"death\"]\n")
	for _, s := range linkSources {
		fmt.Fprintf(&b, "[[source]]\nname = %q\nregister = %q\npath = %q\nid_column = \"fnr\"\ndates = { shift = [%s], unshifted = [%s], window = 182 }\n",
			s.name, s.register, filepath.Join(data, s.name+".parquet"), tomlList(s.shift), tomlList(s.unshifted))
	}
	fmt.Fprintf(&b, "[output]\ndir = %q\nserial_key_recipients = [%q]\n", out, id.Recipient().String())
	os.MkdirAll(out, 0o755)
	planPath := filepath.Join(out, "plan.toml")
	if err := os.WriteFile(planPath, []byte(b.String()), 0o600); err != nil {
		return 0, err
	}
	p, err := linkage.LoadPlan(planPath)
	if err != nil {
		return 0, err
	}
	rep, err := linkage.Link(context.Background(), p, linkage.LinkOptions{Key: key, Overwrite: true})
	if err != nil {
		return 0, err
	}
	var rows int64
	for _, s := range rep.Sources {
		rows += s.RowsRead
	}
	return rows, nil
}

// rxPseudoreg runs request, translate and extract over the synthetic
// prescription registry and returns the register's rows read.
func rxPseudoreg(data, out string) (int64, error) {
	key, err := benchKey("bench")
	if err != nil {
		return 0, err
	}
	os.MkdirAll(out, 0o755)
	plan := fmt.Sprintf(`project = "bench"
mode = "distributed"
key = "unused.key"
[sample]
rule = "union"
sources = ["cancer", "death"]
[[source]]
name = "cancer"
register = "Kreftregisteret"
path = %q
id_column = "fnr"
[[source]]
name = "death"
register = "Dødsårsaksregisteret"
path = %q
id_column = "fnr"
[[source]]
name = "prescription"
register = "Reseptregisteret"
path = %q
id_column = "pseudonym"
dates = { shift = ["dispense_date"], window = 182 }
[output]
dir = %q
`, filepath.Join(data, "cancer.parquet"), filepath.Join(data, "death.parquet"), filepath.Join(data, "prescription.parquet"), out)
	planPath := filepath.Join(out, "plan.toml")
	if err := os.WriteFile(planPath, []byte(plan), 0o600); err != nil {
		return 0, err
	}
	p, err := linkage.LoadPlan(planPath)
	if err != nil {
		return 0, err
	}
	fp, _ := linkage.PlanFingerprint(planPath)
	admin, _ := age.GenerateX25519Identity()
	register, _ := age.GenerateX25519Identity()
	regKey, err := synth.RegisterKey(data)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	n, err := linkage.Request(context.Background(), linkage.RequestConfig{Plan: p, PlanFile: planPath, Key: key, Administrator: []age.Recipient{admin.Recipient()}, Out: filepath.Join(out, "req.age"), Overwrite: true})
	if err != nil {
		return 0, err
	}
	t1 := time.Now()
	if _, err := linkage.Translate(linkage.TranslateConfig{Request: filepath.Join(out, "req.age"), Project: "bench", Plan: fp, Identities: []age.Identity{admin},
		RegisterKey: regKey, Register: []age.Recipient{register.Recipient()}, Out: filepath.Join(out, "ans.age"), Overwrite: true}); err != nil {
		return 0, err
	}
	t2 := time.Now()
	rep, _, err := linkage.Extract(context.Background(), linkage.ExtractConfig{Plan: p, PlanFile: planPath, Source: "prescription", Answer: filepath.Join(out, "ans.age"), Request: filepath.Join(out, "req.age"),
		Identities: []age.Identity{register}, Key: key, Overwrite: true})
	if err != nil {
		return 0, err
	}
	t3 := time.Now()
	fmt.Fprintf(os.Stderr, "rx-pseudoreg: request %d persons %.2fs, translate %.2fs, extract %d of %d rows %.2fs\n",
		n, t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), rep.RowsWritten, rep.RowsRead, t3.Sub(t2).Seconds())
	return rep.RowsRead, nil
}

// tomlList writes names as the items of a TOML array.
func tomlList(names []string) string {
	quoted := make([]string, len(names))
	for i, c := range names {
		quoted[i] = strconv.Quote(c)
	}
	return strings.Join(quoted, ", ")
}
