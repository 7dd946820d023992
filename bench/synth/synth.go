package synth

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// Config says what to generate. The zero value is not useful; start from
// [DefaultConfig].
type Config struct {
	// Persons is the size of the population.
	Persons int
	// PatientRows is the number of rows of the patient registry (about ten
	// per person is typical of an event register).
	PatientRows int64
	// PrescriptionRows, if positive, sets the prescription registry's size
	// exactly; otherwise it follows the population (about 1.8 rows a
	// person).
	PrescriptionRows int64
	// Seed makes the output deterministic: the same Config gives
	// byte-identical files.
	Seed uint64
	// BadIDs is the share of register rows whose national ID is malformed
	// (wrong check digit, ten digits, a letter, empty), so that quarantine
	// paths get exercised. A further BadIDs/4 of rows carry a valid ID with
	// surrounding spaces, which parsers must accept.
	BadIDs float64
	// Format is the output format.
	Format formats.Format
	// Layout orders the patient registry's rows: LayoutAdjacent (the zero
	// value) lists each person's rows together, LayoutScattered lists
	// rows by admission date, as registers sorted by time are, with each
	// person's rows scattered (it holds the registry's rows in memory,
	// about 24 bytes a row, to sort them).
	Layout Layout
	// IDType is the type of the national-ID columns (IDString by default).
	IDType IDType
	// Encoding is the CSV text encoding (UTF-8 if zero), CRLF its line ends.
	Encoding formats.Encoding
	CRLF     bool
	// BatchRows is the number of rows generated per batch (bounded memory).
	BatchRows int
	// Overwrite allows replacing existing files.
	Overwrite bool
	// Allocator for the batches (memory.DefaultAllocator if nil).
	Allocator memory.Allocator
	// Progress, if not nil, is called with the number of patient-registry
	// rows written so far.
	Progress func(rows int64)
}

// DefaultConfig returns 1000 persons, 10 000 patient rows, seed 1, 0.1%
// bad IDs, CSV.
func DefaultConfig() Config {
	return Config{Persons: 1000, PatientRows: 10_000, Seed: 1, BadIDs: 0.001, Format: formats.FormatCSV, BatchRows: 64 * 1024}
}

// File describes one generated register file.
type File struct {
	Register string `json:"register"`
	Path     string `json:"path"`
	IDColumn string `json:"id_column"`
	Rows     int64  `json:"rows"`
	BadIDs   int64  `json:"bad_ids"`
	Persons  int64  `json:"persons"`
}

// Manifest describes a generated set of registers; it is written as
// synth.json beside them.
type Manifest struct {
	Seed         uint64 `json:"seed"`
	Persons      int    `json:"persons"`
	Format       string `json:"format"`
	Layout       string `json:"layout"`
	IDType       string `json:"id_type"`
	PseudonymKey string `json:"pseudonym_key_file"`
	Files        []File `json:"files"`
}

// Register names, which are also the files' base names.
const (
	Cancer       = "cancer"
	Patient      = "patient"
	Death        = "death"
	Prescription = "prescription"
)

// PseudonymKeyFile is the file beside the data that holds the synthetic
// prescription registry's pseudonym key secret (hex, 32 bytes): synthetic
// data, so it is not encrypted. See RegisterKey.
const PseudonymKeyFile = "prescription.pseudonym-key"

// Generate writes the synthetic registers into dir (which must exist) and
// returns their manifest. Every file appears atomically.
func Generate(dir string, cfg Config) (*Manifest, error) {
	if cfg.BadIDs < 0 || cfg.BadIDs > 0.5 {
		return nil, fmt.Errorf("synth: bad-ID share must be between 0 and 0.5, not %g", cfg.BadIDs)
	}
	if cfg.PatientRows < 0 {
		return nil, fmt.Errorf("synth: rows must not be negative")
	}
	if cfg.BatchRows <= 0 {
		cfg.BatchRows = 64 * 1024
	}
	if cfg.Allocator == nil {
		cfg.Allocator = memory.DefaultAllocator
	}
	if cfg.Format == formats.FormatUnknown {
		cfg.Format = formats.FormatCSV
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("synth: output folder %s does not exist", dir)
	}
	pop, err := newPopulation(cfg.Persons, cfg.Seed)
	if err != nil {
		return nil, err
	}
	g := &generator{cfg: cfg, pop: pop, dir: dir}
	ext := map[formats.Format]string{formats.FormatCSV: ".csv", formats.FormatParquet: ".parquet", formats.FormatArrowFile: ".arrow", formats.FormatArrowStream: ".arrows"}[cfg.Format]
	m := &Manifest{Seed: cfg.Seed, Persons: cfg.Persons, Format: cfg.Format.String(), Layout: cfg.Layout.String(), IDType: cfg.IDType.String(), PseudonymKey: PseudonymKeyFile}

	keyPath := filepath.Join(dir, PseudonymKeyFile)
	key := g.pseudonymKey()
	af, err := formats.CreateAtomic(keyPath, cfg.Overwrite)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(af, "%s\n", hex.EncodeToString(key))
	if err := af.Commit(); err != nil {
		return nil, err
	}

	for _, reg := range []struct {
		name string
		gen  func(w *tableWriter) error
		id   string
	}{
		{Cancer, g.cancer, "fnr"},
		{Patient, g.patient, "fnr"},
		{Death, g.death, "fnr"},
		{Prescription, func(w *tableWriter) error { return g.prescription(w, key) }, "pseudonym"},
	} {
		path := filepath.Join(dir, reg.name+ext)
		f, err := g.write(path, reg.name, reg.gen)
		if err != nil {
			return nil, err
		}
		f.IDColumn = reg.id
		f.Path = reg.name + ext
		m.Files = append(m.Files, f)
	}
	js, _ := json.MarshalIndent(m, "", "  ")
	mf, err := formats.CreateAtomic(filepath.Join(dir, "synth.json"), cfg.Overwrite)
	if err != nil {
		return nil, err
	}
	mf.Write(append(js, '\n'))
	if err := mf.Commit(); err != nil {
		return nil, err
	}
	return m, nil
}

type generator struct {
	cfg Config
	pop *population
	dir string
}

// rng returns a generator for one purpose, independent of the others, so
// that adding rows to one register does not change another.
func (g *generator) rng(purpose uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed, purpose))
}

func (g *generator) pseudonymKey() []byte {
	r := g.rng(0x6b6579)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(r.Uint32())
	}
	return key
}

// column kinds of a generated table.
type colKind uint8

const (
	colString colKind = iota
	colID             // the national ID: string or int64, as Config.IDType says
	colDate
	colFloat
)

type column struct {
	name string
	kind colKind
}

// tableWriter builds batches of a table and writes them.
type tableWriter struct {
	w        formats.Writer
	schema   *arrow.Schema
	builders []array.Builder
	rows     int
	batch    int
	total    int64
	bad      int64
	persons  int64
}

func (t *tableWriter) str(i int, s string) { t.builders[i].(*array.StringBuilder).Append(s) }
func (t *tableWriter) null(i int)          { t.builders[i].AppendNull() }
func (t *tableWriter) date(i int, d int32) {
	t.builders[i].(*array.Date32Builder).Append(arrow.Date32(d))
}
func (t *tableWriter) float(i int, f float64) {
	t.builders[i].(*array.Float64Builder).Append(f)
}

// endRow counts a finished row and flushes a full batch.
func (t *tableWriter) endRow() error {
	t.rows++
	t.total++
	if t.rows >= t.batch {
		return t.flush()
	}
	return nil
}

func (t *tableWriter) flush() error {
	if t.rows == 0 {
		return nil
	}
	cols := make([]arrow.Array, len(t.builders))
	for i, b := range t.builders {
		cols[i] = b.NewArray()
	}
	rec := array.NewRecordBatch(t.schema, cols, int64(t.rows))
	for _, c := range cols {
		c.Release()
	}
	defer rec.Release()
	t.rows = 0
	return t.w.Write(rec)
}

func tableSchema(cols []column, idType IDType) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		var typ arrow.DataType = arrow.BinaryTypes.String
		switch c.kind {
		case colDate:
			typ = arrow.FixedWidthTypes.Date32
		case colID:
			if idType == IDInt64 {
				typ = arrow.PrimitiveTypes.Int64
			}
		case colFloat:
			typ = arrow.PrimitiveTypes.Float64
		}
		fields[i] = arrow.Field{Name: c.name, Type: typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

var registerColumns = map[string][]column{
	Cancer:       {{"fnr", colID}, {"diagnosis_date", colDate}, {"icd10", colString}, {"morphology", colString}},
	Patient:      {{"fnr", colID}, {"admit_date", colDate}, {"discharge_date", colDate}, {"control_date", colDate}, {"birth_date", colDate}, {"icd10", colString}, {"hospital", colString}, {"municipality", colString}},
	Death:        {{"fnr", colID}, {"death_date", colDate}, {"underlying_cause", colString}, {"municipality", colString}},
	Prescription: {{"pseudonym", colString}, {"dispense_date", colDate}, {"atc", colString}, {"ddd", colFloat}},
}

// write generates one register into path.
func (g *generator) write(path, name string, gen func(*tableWriter) error) (File, error) {
	schema := tableSchema(registerColumns[name], g.cfg.IDType)
	w, err := formats.Create(path, schema, formats.WriteOptions{
		Overwrite: g.cfg.Overwrite, Allocator: g.cfg.Allocator, Encoding: g.cfg.Encoding, CRLF: g.cfg.CRLF,
		Metadata: map[string]string{"koble.synthetic": "true", "koble.synth.seed": strconv.FormatUint(g.cfg.Seed, 10)},
	})
	if err != nil {
		return File{}, err
	}
	defer w.Abort()
	t := &tableWriter{w: w, schema: schema, batch: g.cfg.BatchRows}
	for _, f := range schema.Fields() {
		t.builders = append(t.builders, array.NewBuilder(g.cfg.Allocator, f.Type))
	}
	defer func() {
		for _, b := range t.builders {
			b.Release()
		}
	}()
	if err := gen(t); err != nil {
		return File{}, err
	}
	if err := t.flush(); err != nil {
		return File{}, err
	}
	if err := w.Close(); err != nil {
		return File{}, err
	}
	return File{Register: name, Rows: t.total, BadIDs: t.bad, Persons: t.persons}, nil
}

func (g *generator) cancer(t *tableWriter) error {
	r := g.rng(1)
	for i := range g.pop.persons {
		pr := &g.pop.persons[i]
		if r.Float64() >= 0.06 {
			continue
		}
		from, to, ok := g.pop.eventWindow(pr)
		if !ok {
			continue
		}
		t.persons++
		n := 1 + int(math.Floor(-math.Log(1-r.Float64())*0.4))
		for k := 0; k < min(n, 4); k++ {
			g.appendID(t, r, pr.id)
			t.date(1, from+int32(r.IntN(int(to-from+1))))
			t.str(2, fmt.Sprintf("C%02d.%d", r.IntN(98), r.IntN(10)))
			t.str(3, morphologies[r.IntN(len(morphologies))])
			if err := t.endRow(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *generator) death(t *tableWriter) error {
	r := g.rng(3)
	for i := range g.pop.persons {
		pr := &g.pop.persons[i]
		if pr.death == noDeath {
			continue
		}
		t.persons++
		g.appendID(t, r, pr.id)
		t.date(1, pr.death)
		t.str(2, fmt.Sprintf("%c%02d.%d", icdChapters[r.IntN(len(icdChapters))], r.IntN(100), r.IntN(10)))
		t.str(3, municipalities[pr.muni].code)
		if err := t.endRow(); err != nil {
			return err
		}
	}
	return nil
}

// RegisterProject is the project name of the synthetic prescription
// registry's pseudonym key: to koble, a pseudonymous register is a
// permanent project whose serials are the register's pseudonyms.
const RegisterProject = "Reseptregisteret"

// RegisterKey returns the synthetic prescription registry's pseudonym key
// from the secret in PseudonymKeyFile (hex; synthetic data, so it is not
// encrypted).
func RegisterKey(dir string) (*pseudonym.Key, error) {
	b, err := os.ReadFile(filepath.Join(dir, PseudonymKeyFile))
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("synth: %s is not hex", PseudonymKeyFile)
	}
	return pseudonym.NewKey(RegisterProject, secret, time.Unix(0, 0).UTC())
}

// registerPseudonyms derives the prescription registry's pseudonyms the
// way the pseudonym administrator does: the koble serial (base32) of the
// ID under the register's key.
type registerPseudonyms struct{ serials *pseudonym.Serials }

func newRegisterPseudonyms(secret []byte) (*registerPseudonyms, error) {
	key, err := pseudonym.NewKey(RegisterProject, secret, time.Unix(0, 0).UTC())
	if err != nil {
		return nil, err
	}
	return &registerPseudonyms{key.Serials(pseudonym.SerialOptions{})}, nil
}

func (r *registerPseudonyms) of(id uint64) string {
	parsed, reason := pseudonym.Norway{}.Parse([]byte(idString(id)))
	if reason != pseudonym.ReasonNone {
		panic("synth: internal error: generated an invalid ID")
	}
	return r.serials.Compute(parsed).String()
}

func (g *generator) prescription(t *tableWriter, key []byte) error {
	r := g.rng(4)
	pseudonyms, err := newRegisterPseudonyms(key)
	if err != nil {
		return err
	}
	// By default six in ten persons fill about three prescriptions each;
	// PrescriptionRows scales the registry to an exact row count instead
	// (persons are visited again, with new prescriptions, as needed).
	target := g.cfg.PrescriptionRows
	scale := 3.0 // rows a person: 1 + floor(Exp * scale), about scale + 0.5
	if target > 0 {
		scale = math.Max(0.5, float64(target)/(0.6*float64(len(g.pop.persons)))-0.5)
	}
	var written int64
	seen := make([]bool, len(g.pop.persons))
	for pass := 0; pass == 0 || (target > 0 && written < target); pass++ {
		for i := range g.pop.persons {
			if target > 0 && written >= target {
				break
			}
			pr := &g.pop.persons[i]
			if r.Float64() >= 0.6 {
				continue
			}
			from, to, ok := g.pop.eventWindow(pr)
			if !ok {
				continue
			}
			from = max(from, days(dataStart.AddDate(4, 0, 0))) // the registry starts in 2004
			if to < from {
				continue
			}
			if !seen[i] {
				seen[i] = true
				t.persons++
			}
			ps := pseudonyms.of(pr.id)
			n := int64(1 + int(-math.Log(1-r.Float64())*scale))
			if target > 0 {
				n = min(n, target-written)
			}
			for k := int64(0); k < n; k++ {
				t.str(0, ps)
				t.date(1, from+int32(r.IntN(int(to-from+1))))
				t.str(2, atcCodes[r.IntN(len(atcCodes))])
				t.float(3, float64(r.IntN(400)+1)/4)
				if err := t.endRow(); err != nil {
					return err
				}
			}
			written += n
		}
		if target == 0 {
			break
		}
	}
	return nil
}

// ErrNoManifest is returned by ReadManifest for a folder without synth.json.
var ErrNoManifest = errors.New("synth: no synth.json in folder")

// ReadManifest reads the synth.json of a generated folder.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, "synth.json"))
	if err != nil {
		return nil, ErrNoManifest
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("synth: %s: %w", filepath.Join(dir, "synth.json"), err)
	}
	return &m, nil
}
