package linkage

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/koble/koble/pseudonym"
)

// SerialSource gives the project serials of a batch's identifier column,
// so that the rest of a prepare run does not know where serials come
// from: the project key's HMAC computed here (the default), the
// pseudonymous register's answer ([PrepareConfig.Pseudonyms]), or a
// service that computes them obliviously.
//
// A source is used from one goroutine; [SerialSource.Fork] gives another
// goroutine its own.
type SerialSource interface {
	// Serials fills out for the len(out.Serials) values of ids, one call
	// for the whole column. A row without a serial gets a reason other
	// than [pseudonym.ReasonNone] (it is quarantined) or, for a person
	// outside the sample, Skip set (it is left out). The error is for the
	// whole batch (a column of the wrong type, a source that failed); it
	// must not quote an identifier.
	Serials(ctx context.Context, ids arrow.Array, out SerialBatch) error
	// Fork returns a source for another goroutine, sharing what may be
	// shared (keys, maps) and not what may not (caches, connections).
	Fork() SerialSource
}

// SerialBatch receives one batch's serials. Its slices have one element
// per row. Serials and Reasons hold the previous batch's values: the
// source sets every row's; Skip comes cleared.
type SerialBatch struct {
	Serials []pseudonym.Serial
	Reasons []pseudonym.Reason
	Skip    []bool
}

// serialCacheSize is the slots of each goroutine's serial cache (40 bytes
// each: 10 MiB). A register in time order scatters each person's rows over
// the whole file: on 10 million such rows of 1 million persons, a
// direct-mapped cache of 2^16 slots answered 25% of the rows, 2^18 55%,
// 2^20 79% (bench/cachehits); but a 2^20 table (40 MiB) misses the CPU's
// caches on every lookup and costs its zeroing on every run: on 1 million
// rows the serials cost three times their CPU time with 2^16 slots.
const serialCacheSize = 1 << 18

// keyedSource computes serials with the project key (pseudonym.Serials),
// parsing each ID under the scheme. Its cache is per goroutine.
type keyedSource struct {
	key     *pseudonym.Key
	opts    pseudonym.SerialOptions
	scheme  pseudonym.Scheme
	serials *pseudonym.Serials
}

var (
	_ SerialSource = (*keyedSource)(nil)
	_ SerialSource = (*pseudonymSource)(nil)
)

func newKeyedSource(key *pseudonym.Key, crosswalk pseudonym.Crosswalk, scheme pseudonym.Scheme) *keyedSource {
	opts := pseudonym.SerialOptions{Crosswalk: crosswalk, CacheSize: serialCacheSize}
	return &keyedSource{key: key, opts: opts, scheme: scheme, serials: key.Serials(opts)}
}

func (s *keyedSource) Serials(_ context.Context, ids arrow.Array, out SerialBatch) error {
	_, err := s.serials.ComputeArray(s.scheme, ids, out.Serials, out.Reasons)
	return err
}

func (s *keyedSource) Fork() SerialSource {
	return &keyedSource{key: s.key, opts: s.opts, scheme: s.scheme, serials: s.key.Serials(s.opts)}
}

// pseudonymSource looks register pseudonyms up in the pseudonymous
// register's answer: persons not in it are outside the sample.
type pseudonymSource struct{ m *PseudonymMap }

func (s *pseudonymSource) Serials(_ context.Context, ids arrow.Array, out SerialBatch) error {
	return s.m.lookup(ids, out.Serials, out.Reasons, out.Skip)
}

// Fork returns s: the map is only read.
func (s *pseudonymSource) Fork() SerialSource { return s }
