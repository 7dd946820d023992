package jobs

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// member is a sample person as it crosses the cluster: the sample
// sources it was found in (a bit per source) and its national ID sealed
// on the worker that read it (see sealer). Its key is the hex of the
// person's series key, a keyed hash of the ID.
type member struct {
	Sources uint64
	Sealed  []byte
}

// person is a member of the sample, with its series key.
type person struct {
	Key    []byte
	Sealed []byte
}

// seriesInfo is what the series step tells the final step.
type seriesInfo struct {
	SamplePersons int64
	NewPersons    int64
	SerialKey     staged
}

// Sample numbers the sample of a centralised plan: the distinct persons of
// each sample source are found on the workers that read its shards (the
// serial is computed there, and the ID sealed), combined across the
// cluster by series key, the sample rule applied, and the dense serial
// series assigned in the order the project key gives, in one step that
// also writes the serial key file (age-encrypted) to the staging folder.
// It returns the encoded series (a singleton) and a singleton seriesInfo.
func Sample(s beam.Scope, job Job, p *linkage.Plan) (series, info beam.PCollection, err error) {
	s = s.Scope("sample")
	names := p.SampleSources()
	var found []beam.PCollection
	for bit, name := range names {
		files, err := expand(context.Background(), job.input(source(p, name)), "--input "+name+"=GLOB")
		if err != nil {
			return series, info, err
		}
		shards := make([]shard, len(files))
		for i, f := range files {
			shards[i] = shard{Source: name, Path: f, Index: i, Count: len(files)}
		}
		col := beam.Reshuffle(s, beam.CreateList(s, shards))
		found = append(found, crossing(s, beam.ParDo(s, &sampleFn{Job: job, Bit: bit}, col)))
	}
	members := beam.CombinePerKey(s, orMembers, beam.Flatten(s, found...))
	all := uint64(1)<<len(names) - 1
	in := crossing(s, beam.ParDo(s, &ruleFn{Rule: p.Sample.Rule, All: all}, members))
	series, info = beam.ParDo2(s, &seriesFn{Job: job}, beam.Impulse(s), beam.SideInput{Input: in})
	return crossing(s, series), crossing(s, info), nil
}

// sampleFn finds the distinct sample persons of one shard of a sample
// source. Bit is the source's bit in member.Sources.
type sampleFn struct {
	Job Job
	Bit int

	w    *worker
	seal *sealer
}

func (f *sampleFn) Setup(ctx context.Context) error {
	w, err := f.Job.open(ctx)
	if err != nil {
		return err
	}
	f.w = w
	f.seal, err = newSealer(w.key)
	return err
}

func (f *sampleFn) Teardown() {
	if f.w != nil {
		f.w.key.Close()
	}
}

func (f *sampleFn) ProcessElement(ctx context.Context, sh shard, emit func(string, member)) error {
	rows, err := f.w.plan.SampleRows(sh.Source)
	if err != nil {
		return err
	}
	ro := rows.Read
	if ro.Format, err = readFormat(source(f.w.plan, sh.Source), sh.Path); err != nil {
		return err
	}
	r, done, err := openShard(ctx, sh.Path, ro)
	if err != nil {
		return err
	}
	defer done()
	serials := f.w.key.Serials(pseudonym.SerialOptions{CacheSize: 1 << 16})
	seen := map[[16]byte][]byte{}
	add := func(ser *pseudonym.Serial, id pseudonym.ID) {
		k := linkage.SeriesKeyOf(ser)
		if _, ok := seen[k]; !ok {
			seen[k] = f.seal.seal(k, id)
		}
	}
	for r.Next() {
		if err := rows.Persons(sh.Path, r.RecordBatch(), serials, add); err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	bit := uint64(1) << f.Bit
	for k, sealed := range seen {
		emit(hex.EncodeToString(k[:]), member{Sources: bit, Sealed: sealed})
	}
	samplePersonsFound.Inc(ctx, int64(len(seen)))
	return nil
}

// orMembers combines a person's sightings: the union of the sources.
func orMembers(a, b member) member {
	a.Sources |= b.Sources
	if a.Sealed == nil {
		a.Sealed = b.Sealed
	}
	return a
}

// ruleFn keeps the persons the sample rule takes: every person for
// "union" or a single source, those seen in all sources for
// "intersection".
type ruleFn struct {
	Rule string
	All  uint64
}

func (f *ruleFn) ProcessElement(key string, m member, emit func(person)) error {
	if f.Rule == "intersection" && m.Sources != f.All {
		return nil
	}
	k, err := hex.DecodeString(key)
	if err != nil || len(k) != 16 {
		return fmt.Errorf("koble-beam: internal error: a series key of %d bytes", len(k))
	}
	emit(person{Key: k, Sealed: m.Sealed})
	return nil
}

// seriesFn is the one global step: it numbers the sample, writes the
// serial key file, and emits the series for the workers that deliver.
type seriesFn struct {
	Job Job
}

func (f *seriesFn) ProcessElement(ctx context.Context, _ []byte, persons func(*person) bool, emitSeries func([]byte), emitInfo func(seriesInfo)) error {
	w, err := f.Job.open(ctx)
	if err != nil {
		return err
	}
	defer w.key.Close()
	seal, err := newSealer(w.key)
	if err != nil {
		return err
	}
	var keys [][16]byte
	var ids []pseudonym.ID
	var p person
	for persons(&p) {
		var k [16]byte
		copy(k[:], p.Key)
		id, err := seal.open(k, p.Sealed)
		if err != nil {
			return err
		}
		keys, ids = append(keys, k), append(ids, id)
	}
	prev, err := f.previous(ctx, w)
	if err != nil {
		return err
	}
	order := w.key.OrderKey()
	series := linkage.NewSeries(keys, ids, order, prev)
	clear(order)
	info := seriesInfo{SamplePersons: int64(len(keys)), NewPersons: int64(series.Len())}
	if prev != nil {
		info.NewPersons -= int64(prev.Len())
	}
	if info.SerialKey, err = f.writeSerialKey(ctx, w, series); err != nil {
		return err
	}
	enc, err := series.MarshalBinary()
	if err != nil {
		return err
	}
	emitSeries(enc)
	emitInfo(info)
	return nil
}

// previous reads the previous delivery's serial key file, if any.
func (f *seriesFn) previous(ctx context.Context, w *worker) (*linkage.Series, error) {
	path := f.Job.PreviousSerialKey
	if path == "" && w.plan.Output.PreviousSerialKey != "" {
		path = join(f.Job.planDir(), w.plan.Output.PreviousSerialKey)
	}
	if path == "" {
		return nil, nil
	}
	raw, err := readFile(ctx, path)
	if err != nil {
		return nil, err
	}
	ids, err := f.Job.Keys.identities(ctx)
	if err != nil {
		return nil, err
	}
	prev, err := linkage.ReadSerialKey(bytes.NewReader(raw), w.plan.Project, w.key.Serials(pseudonym.SerialOptions{}), ids...)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: %s: %w", path, err)
	}
	return prev, nil
}

// writeSerialKey writes the serial key file, encrypted to the plan's
// recipients, to the staging folder.
func (f *seriesFn) writeSerialKey(ctx context.Context, w *worker, series *linkage.Series) (staged, error) {
	rcpts, err := serialKeyRecipients(w.plan)
	if err != nil {
		return staged{}, err
	}
	name := base(w.plan.SerialKeyPath())
	st := staged{From: join(f.Job.staging(w.plan), name), To: join(f.Job.output(w.plan), name)}
	out, err := createStaged(ctx, st.From)
	if err != nil {
		return staged{}, err
	}
	err = series.WriteSerialKey(out, w.plan.Project, rcpts...)
	file, cerr := out.close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return staged{}, fmt.Errorf("koble-beam: writing the serial key file: %w", err)
	}
	st.File = file
	st.File.Role = delivery.RoleSerialKey
	return st, nil
}

var samplePersonsFound = beam.NewCounter("koble", "sample_persons_found")
