package linkage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// Centralised linkage and the pseudonymous-register flow with the
// oblivious-serial service as their key holder ([serials] source =
// "oprf", SPEC.md §9.8): the party that defines the sample (the
// centralised linker, the sample definer) holds no project key. It
// collects the sample's persons by canonical ID first, asks the service
// for the sample's persons only, once each, and takes from each OPRF
// output the serial and, for a dense series, the rank.

// Evaluator gets the RFC 9497 outputs of canonical IDs from the pseudonym
// administrator's service, in input order, or an error and none
// (*oprfservice.Client is one). It must be safe for concurrent use.
type Evaluator interface {
	Outputs(ctx context.Context, inputs [][]byte) ([]oprf.Output, error)
}

// obliviousPerson is a person of the sample, as the service evaluated them.
type obliviousPerson struct {
	id     pseudonym.ID
	serial pseudonym.Serial
	rank   uint64
}

// obliviousSample collects the plan's sample by canonical ID and has the
// service evaluate its persons, in canonical order (so that a rerun sends
// the same batches). The result is keyed by canonical ID.
func (p *Plan) obliviousSample(ctx context.Context, ev Evaluator) (map[string]obliviousPerson, error) {
	ids, err := samplePersons(ctx, p, func(rows *SampleRows, file string, batch arrow.RecordBatch, set map[string]pseudonym.ID) error {
		return rows.PersonIDs(file, batch, func(id pseudonym.ID) { set[string(id.AppendCanonical(nil))] = id })
	})
	if err != nil {
		return nil, err
	}
	canon := make([]string, 0, len(ids))
	for c := range ids {
		canon = append(canon, c)
	}
	sort.Strings(canon)
	inputs := make([][]byte, len(canon))
	for i, c := range canon {
		inputs[i] = []byte(c)
	}
	out := make(map[string]obliviousPerson, len(canon))
	if len(inputs) == 0 {
		return out, nil
	}
	outs, err := ev.Outputs(ctx, inputs)
	if err != nil {
		return nil, fmt.Errorf("linkage: the oblivious-serial service: %w", err)
	}
	if len(outs) != len(inputs) {
		return nil, fmt.Errorf("linkage: internal error: %d outputs for %d persons", len(outs), len(inputs))
	}
	for i, c := range canon {
		out[c] = obliviousPerson{id: ids[c], serial: outs[i].Serial(), rank: outs[i].Rank()}
		clear(outs[i])
	}
	return out, nil
}

// centralSeriesOPRF is centralSeries with the service (SPEC.md §9.8):
// the sample's persons are numbered by their OPRF rank; persons of the
// previous serial key file keep their numbers, matched to the sample by
// canonical ID, and those absent from the sample are not evaluated. It
// also returns the serial source that gives the sources' rows their
// serials: the sample's, by canonical ID, and every other row left out.
func (p *Plan) centralSeriesOPRF(ctx context.Context, opts LinkOptions, rep *LinkReport) (*Series, *sampleSource, error) {
	var prev []numbered
	if p.Output.PreviousSerialKey != "" {
		f, err := os.Open(p.PreviousSerialKeyPath())
		if err != nil {
			return nil, nil, fmt.Errorf("linkage: plan %s: output.previous_serial_key: %w", p.file, err)
		}
		prev, err = readSerialKeyEntries(f, p.Project, opts.Identities...)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p.PreviousSerialKeyPath(), err)
		}
	}
	sample, err := p.obliviousSample(ctx, opts.Evaluator)
	if err != nil {
		return nil, nil, err
	}
	series, src := numberOblivious(sample, prev)
	rep.SamplePersons = int64(len(sample))
	rep.NewPersons = int64(series.Len() - len(prev))
	return series, src, nil
}

// numberOblivious numbers the sample's persons (SPEC.md §9.8) after the
// persons of the previous serial key file, if any, who keep their
// numbers, and returns the series and the rows' serial source.
func numberOblivious(sample map[string]obliviousPerson, prev []numbered) (*Series, *sampleSource) {
	b := newSeriesBuilder()
	ranks := make(map[seriesKey]uint64, len(sample))
	src := &sampleSource{serials: make(map[string]pseudonym.Serial, len(sample))}
	for c, person := range sample {
		k := SeriesKeyOf(&person.serial)
		b.persons[k], ranks[k] = person.id, person.rank
		src.serials[c] = person.serial
	}
	var previous *Series
	if prev != nil {
		previous = &Series{numbers: map[seriesKey]int64{}, ids: map[seriesKey]pseudonym.ID{}, next: 1}
		for _, e := range prev {
			c := string(e.id.AppendCanonical(nil))
			k := absentKey(c)
			if person, in := sample[c]; in {
				k = SeriesKeyOf(&person.serial)
			}
			previous.put(k, e)
		}
	}
	return b.buildRanked(func(k seriesKey) uint64 { return ranks[k] }, previous), src
}

// absentKey stands for the serial of a person of the previous serial key
// file who is not in the new sample, and so is not evaluated: a key that
// is no person's serial prefix (short of a 128-bit collision) and that
// never leaves the run. Such a person keeps their number in the new serial
// key file and has no row delivered.
func absentKey(canonical string) seriesKey {
	sum := sha256.Sum256([]byte("koble/v1/absent-person\x00" + canonical))
	return seriesKey(sum[:16])
}

// sampleSource gives the rows of a centralised run with the service their
// serials: the sample's persons, looked up by canonical ID; a row of any
// other person is left out (not in the sample) and costs no evaluation.
// It is read-only and safe for concurrent use.
type sampleSource struct {
	scheme  pseudonym.Scheme
	serials map[string]pseudonym.Serial
	desc    string
}

var _ SerialSource = (*sampleSource)(nil)

// forScheme returns the source for a source whose IDs are parsed with
// scheme.
func (s *sampleSource) forScheme(scheme pseudonym.Scheme) *sampleSource {
	return &sampleSource{scheme: scheme, serials: s.serials, desc: s.desc}
}

func (s *sampleSource) Serials(_ context.Context, ids arrow.Array, out SerialBatch) error {
	parsed := make([]pseudonym.ID, ids.Len())
	if _, err := pseudonym.ParseArray(s.scheme, ids, parsed, out.Reasons); err != nil {
		return err
	}
	var buf []byte
	for i, id := range parsed {
		out.Serials[i] = pseudonym.Serial{}
		if out.Reasons[i] != pseudonym.ReasonNone {
			continue
		}
		buf = id.AppendCanonical(buf[:0])
		ser, ok := s.serials[string(buf)]
		if !ok {
			out.Skip[i] = true
			continue
		}
		out.Serials[i] = ser
	}
	clear(buf)
	return nil
}

// Fork returns s: the map is only read.
func (s *sampleSource) Fork() SerialSource { return s }

// Describe says where the serials come from, for the report.
func (s *sampleSource) Describe() string { return s.desc }

// describe is the evaluator's description, if it gives one.
func describe(ev Evaluator) string {
	if d, ok := ev.(describer); ok {
		return d.Describe()
	}
	return "oprf service"
}
