package linkage

import (
	"context"
	"fmt"
	"hash/fnv"
	"os"
	"sort"
	"strings"

	"filippo.io/age"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	"github.com/koble/koble/pseudonym"
)

// The centralised run's serial series and serial key file, and the
// overlap counts of a link report.

// centralSeries determines the sample and assigns the dense serial series.
func (p *Plan) centralSeries(ctx context.Context, opts LinkOptions, rep *LinkReport) (*Series, error) {
	rep.SampleRule = p.Sample.Rule
	var prev *Series
	if p.Output.PreviousSerialKey != "" {
		f, err := os.Open(p.PreviousSerialKeyPath())
		if err != nil {
			return nil, fmt.Errorf("linkage: plan %s: output.previous_serial_key: %w", p.file, err)
		}
		prev, err = ReadSerialKey(f, p.Project, opts.Key.Serials(pseudonym.SerialOptions{}), opts.Identities...)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.PreviousSerialKeyPath(), err)
		}
	}
	b, err := p.buildSample(ctx, opts.Key)
	if err != nil {
		return nil, err
	}
	orderKey := opts.Key.OrderKey()
	series := b.build(orderKey, prev)
	clear(orderKey)
	rep.SamplePersons = int64(len(b.persons))
	rep.NewPersons = int64(series.Len())
	if prev != nil {
		rep.NewPersons -= int64(prev.Len())
	}
	return series, nil
}

// writeSerialKey writes the serial key file (ID <-> serial), encrypted to
// the plan's recipients, into the transaction.
func (p *Plan) writeSerialKey(tx *delivery.Tx, series *Series, rep *LinkReport) error {
	keyPath := p.SerialKeyPath()
	var rcpts []age.Recipient
	for _, r := range p.Output.SerialKeyRecipients {
		parsed, err := age.ParseRecipients(strings.NewReader(r))
		if err != nil {
			return fmt.Errorf("linkage: plan %s: output.serial_key_recipients: a value is not an age recipient (age1... or age1pq1...)", p.file)
		}
		rcpts = append(rcpts, parsed...)
	}
	f, err := tx.Create(keyPath, delivery.RoleSerialKey)
	if err != nil {
		return err
	}
	err = series.WriteSerialKey(f, p.Project, rcpts...)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("linkage: writing %s: %w", keyPath, err)
	}
	rep.SerialKeyFile = keyPath
	return nil
}

// overlaps counts the persons every two delivered sources share.
func (rep *LinkReport) overlaps(personSets map[string]map[uint64]struct{}) {
	names := make([]string, 0, len(personSets))
	for n := range personSets {
		names = append(names, n)
	}
	sort.Strings(names)
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			a, b := personSets[names[i]], personSets[names[j]]
			var common int64
			for k := range a {
				if _, ok := b[k]; ok {
					common++
				}
			}
			rep.Overlap[names[i]+" & "+names[j]] = common
		}
	}
}

// personSet reads a delivery's serial column as a set of hashes.
func personSet(path, column string, format formats.Format) (map[uint64]struct{}, error) {
	r, err := formats.Open(path, formats.ReadOptions{Columns: []string{column}, Format: format})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	set := map[uint64]struct{}{}
	h := fnv.New64a()
	for r.Next() {
		c := r.RecordBatch().Column(0)
		for i := 0; i < c.Len(); i++ {
			h.Reset()
			h.Write([]byte(c.ValueStr(i)))
			set[h.Sum64()] = struct{}{}
		}
	}
	return set, r.Err()
}
