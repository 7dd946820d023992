package oprfservice

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/pseudonym"
)

// Source gives prepare the serials of a column of IDs through the
// service, for a source that holds no project key. It parses each batch's
// IDs, asks the service only for persons not seen before in this run (a
// per-run cache; a person who appears in many rows, or in batches that
// several workers handle at once, is evaluated once) and fills the batch.
// It is safe for concurrent use: several workers' requests are in flight
// together, beside each batch's own pipelining ([ClientOptions].InFlight).
//
// The cache holds every distinct person of the run (about 100 bytes each)
// in memory only; it is dropped with the Source.
type Source struct {
	client    *Client
	scheme    pseudonym.Scheme
	crosswalk pseudonym.Crosswalk

	mu        sync.Mutex
	cache     map[uint64]*pending
	evaluated atomic.Int64
}

// pending is a person's serial, ready once done is closed.
type pending struct {
	serial pseudonym.Serial
	done   chan struct{}
	err    error
}

// NewSource returns a per-run source over c. scheme parses the IDs;
// crosswalk, if not nil, replaces a former ID by the current one first.
func NewSource(c *Client, scheme pseudonym.Scheme, crosswalk pseudonym.Crosswalk) *Source {
	return &Source{client: c, scheme: scheme, crosswalk: crosswalk, cache: map[uint64]*pending{}}
}

// Describe says where the serials come from: the service of the project
// and the public key that every answer was checked against.
func (s *Source) Describe() string { return s.client.Describe() }

// Evaluated returns how many persons the service has evaluated for this
// run: the quota the run used.
func (s *Source) Evaluated() int64 { return s.evaluated.Load() }

// Fill sets, for each row of col, either serials[i] or reasons[i] (an
// invalid ID; serials[i] is then zero), as [pseudonym.Serials.ComputeArray]
// does with a key. serials and reasons need col.Len() elements. An error
// (the service refused, or could not be reached after retries) means no
// row was filled and the run must stop.
func (s *Source) Fill(ctx context.Context, col arrow.Array, serials []pseudonym.Serial, reasons []pseudonym.Reason) error {
	n := col.Len()
	ids := make([]pseudonym.ID, n)
	if _, err := pseudonym.ParseArray(s.scheme, col, ids, reasons); err != nil {
		return err
	}
	rows := make([]*pending, n)
	var mine []*pending
	var inputs [][]byte
	s.mu.Lock()
	for i := range n {
		if reasons[i] != pseudonym.ReasonNone {
			continue
		}
		id := ids[i]
		if s.crosswalk != nil {
			id = pseudonym.Resolve(s.crosswalk, id)
		}
		key := id.Compact()
		p := s.cache[key]
		if p == nil {
			p = &pending{done: make(chan struct{})}
			s.cache[key] = p
			mine = append(mine, p)
			inputs = append(inputs, id.AppendCanonical(nil))
		}
		rows[i] = p
	}
	s.mu.Unlock()
	if len(inputs) > 0 {
		if err := s.fetch(ctx, mine, inputs); err != nil {
			return err
		}
	}
	for i, p := range rows {
		serials[i] = pseudonym.Serial{}
		if p == nil {
			continue
		}
		select {
		case <-p.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if p.err != nil {
			return p.err
		}
		serials[i] = p.serial
	}
	return nil
}

// fetch asks the service for the persons this call added to the cache and
// publishes their serials, or the error to every caller waiting on them
// (the run stops at the first error).
func (s *Source) fetch(ctx context.Context, mine []*pending, inputs [][]byte) error {
	got, err := s.client.Serials(ctx, inputs)
	for i := range inputs {
		clear(inputs[i])
	}
	for i, p := range mine {
		if err != nil {
			p.err = err
		} else {
			p.serial = got[i]
		}
		close(p.done)
	}
	if err != nil {
		return err
	}
	s.evaluated.Add(int64(len(mine)))
	return nil
}
