package linkage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// This file holds the hooks that let another engine run a plan's steps
// (the module github.com/koble/koble/beam runs them on Apache Beam): the
// same code as [Link], exported in pieces that work on one batch or one
// person at a time.

// SourceConfig returns the prepare job of one source of the plan, as
// [Link] runs it: the input, the delivery path, the key, the ID column and
// scheme, the date steps and the columns delivered. The caller sets
// Series for centralised linkage, and the report and quarantine paths.
func (p *Plan) SourceConfig(source string, opts LinkOptions) (PrepareConfig, error) {
	for _, s := range p.Sources {
		if s.Name == source {
			return p.prepareConfig(s, p.DeliveryPath(s.Name), opts)
		}
	}
	return PrepareConfig{}, fmt.Errorf("linkage: source %q: %w", source, errNoSuchSource)
}

// SampleSources returns the sources that define a centralised linkage's
// sample, in the plan's order (none for distributed linkage).
func (p *Plan) SampleSources() []string { return p.sampleSources() }

// SampleRows picks the rows of a sample source that define the sample:
// those that pass the source's filter (column prefixes, a date range) and
// hold a valid ID. It is read-only once made and safe for concurrent use.
type SampleRows struct {
	// Read reads the columns the choice needs, the ID column first.
	Read   formats.ReadOptions
	scheme pseudonym.Scheme
	idCol  string
	filter *FilterPlan
	from   int32
	to     int32
}

// SampleRows returns the sample rule of one sample source.
func (p *Plan) SampleRows(source string) (*SampleRows, error) {
	var s *SourcePlan
	for i := range p.Sources {
		if p.Sources[i].Name == source {
			s = &p.Sources[i]
		}
	}
	if s == nil {
		return nil, fmt.Errorf("linkage: source %q: %w", source, errNoSuchSource)
	}
	r := &SampleRows{scheme: p.scheme(*s), idCol: s.IDColumn, filter: s.Filter, from: -1 << 30, to: 1 << 30}
	r.Read.Columns = []string{s.IDColumn}
	if f := s.Filter; f != nil {
		if f.Column != "" {
			r.Read.Columns = append(r.Read.Columns, f.Column)
		}
		if f.DateColumn != "" {
			r.Read.Columns = append(r.Read.Columns, f.DateColumn)
			if f.From != "" {
				r.from, _, _, _ = refdate.ParseDate([]byte(f.From))
			}
			if f.To != "" {
				r.to, _, _, _ = refdate.ParseDate([]byte(f.To))
			}
		}
	}
	if s.Format != "" {
		r.Read.Format, _ = formats.ParseFormat(s.Format)
	}
	return r, nil
}

// Persons calls add with the keyed serial and the ID of every row of
// batch (read with r.Read) that defines the sample. file names the input
// in errors. add must not keep ser past the call.
func (r *SampleRows) Persons(file string, batch arrow.RecordBatch, serials *pseudonym.Serials, add func(ser *pseudonym.Serial, id pseudonym.ID)) error {
	return r.PersonIDs(file, batch, func(id pseudonym.ID) {
		s := serials.Compute(id)
		add(&s, id)
	})
}

// PersonIDs calls add with the ID of every row of batch (read with
// r.Read) that defines the sample, as [SampleRows.Persons] does, without
// a serial: a run without the project key collects the sample first and
// asks the oblivious-serial service for the sample's persons only.
func (r *SampleRows) PersonIDs(file string, batch arrow.RecordBatch, add func(id pseudonym.ID)) error {
	n := int(batch.NumRows())
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	next := 1
	if f := r.filter; f != nil && f.Column != "" {
		c := batch.Column(next)
		next++
		for i := 0; i < n; i++ {
			v := ""
			if !c.IsNull(i) {
				v = c.ValueStr(i)
			}
			match := false
			for _, pre := range f.Prefixes {
				match = match || strings.HasPrefix(v, pre)
			}
			keep[i] = keep[i] && match
		}
	}
	if f := r.filter; f != nil && f.DateColumn != "" {
		days, valid, _, err := refdate.Days(batch.Column(next))
		if err != nil {
			return fmt.Errorf("linkage: %s: filter column %q: %w", file, f.DateColumn, err)
		}
		for i := 0; i < n; i++ {
			keep[i] = keep[i] && valid[i] && days[i] >= r.from && days[i] <= r.to
		}
	}
	ids := make([]pseudonym.ID, n)
	reasons := make([]pseudonym.Reason, n)
	if _, err := pseudonym.ParseArray(r.scheme, batch.Column(0), ids, reasons); err != nil {
		return fmt.Errorf("linkage: %s: column %q: %w", file, r.idCol, err)
	}
	for i := 0; i < n; i++ {
		if keep[i] && reasons[i] == pseudonym.ReasonNone {
			add(ids[i])
		}
	}
	return nil
}

// SeriesKeyOf returns the part of a keyed serial that identifies a person
// in a [Series] (its first 16 bytes).
func SeriesKeyOf(ser *pseudonym.Serial) [16]byte {
	var k [16]byte
	copy(k[:], ser[:16])
	return k
}

// NewSeries numbers the persons of a sample as [Link] does: keys[i]
// (see [SeriesKeyOf]) is the person whose ID is ids[i]; persons in
// previous keep their numbers, the others are numbered in the order the
// order key gives. A person listed twice counts once.
func NewSeries(keys [][16]byte, ids []pseudonym.ID, orderKey []byte, previous *Series) *Series {
	b := newSeriesBuilder()
	for i, k := range keys {
		b.persons[seriesKey(k)] = ids[i]
	}
	return b.build(orderKey, previous)
}

// seriesRecord is the size of one person in MarshalBinary's encoding:
// the key, the number, and 1 if the person is absent from the sample.
const seriesRecord = 16 + 8 + 1

// MarshalBinary encodes the numbering of the series, in key order, for
// the workers that deliver rows with it. The national IDs are left out:
// the decoded series numbers rows but cannot write a serial key file.
func (s *Series) MarshalBinary() ([]byte, error) {
	keys := make([]seriesKey, 0, len(s.numbers))
	for k := range s.numbers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return string(keys[i][:]) < string(keys[j][:]) })
	out := make([]byte, 8, 8+len(keys)*seriesRecord)
	binary.BigEndian.PutUint64(out, uint64(s.next))
	for _, k := range keys {
		out = append(out, k[:]...)
		out = binary.BigEndian.AppendUint64(out, uint64(s.numbers[k]))
		_, absent := s.absent[k]
		if absent {
			out = append(out, 1)
		} else {
			out = append(out, 0)
		}
	}
	return out, nil
}

// UnmarshalBinary decodes what MarshalBinary encoded.
func (s *Series) UnmarshalBinary(b []byte) error {
	if len(b) < 8 || (len(b)-8)%seriesRecord != 0 {
		return errors.New("linkage: a series encoding of the wrong length")
	}
	n := (len(b) - 8) / seriesRecord
	*s = Series{numbers: make(map[seriesKey]int64, n), absent: map[seriesKey]struct{}{}, next: int64(binary.BigEndian.Uint64(b))}
	for rec := b[8:]; len(rec) > 0; rec = rec[seriesRecord:] {
		var k seriesKey
		copy(k[:], rec)
		s.numbers[k] = int64(binary.BigEndian.Uint64(rec[16:]))
		if rec[24] == 1 {
			s.absent[k] = struct{}{}
		}
	}
	return nil
}
