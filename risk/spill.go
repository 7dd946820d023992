package risk

import (
	"encoding/binary"
	"io"
	"slices"
)

// spill keeps what the collector learns of each person (entries: ids of
// value combinations, or column and value ids) in bounded memory. While
// reading, each (person, entry) pair goes into a buffer of the person's
// partition (persons are numbered densely in order of first sight, and a
// partition is a range of 2^partBits of them); a full buffer is sorted,
// rid of repeats and appended to a tape. At the end ([spill.finish]) each
// partition is read back, sorted, and written to a second tape as one
// record per person, in person order: the distinct entries, or an
// overflow mark past the bound. Every measurement then reads that tape
// once from the start ([spill.each]).
//
// Memory is one buffer per partition (4096 pairs, 32 KiB) while reading
// and one partition's pairs while finishing; the rest is on the tapes,
// which stay in memory while small and move to temporary files past
// tapeMemory bytes.
type spill struct {
	bound   int // most distinct entries kept per person (<= 254)
	part    int // persons per partition, a power of two
	chunk   int // pairs a partition buffers
	n       int // persons
	bufs    [][]uint64
	chunks  [][]chunk // by partition: sorted runs on the pairs tape
	pairs   *tape
	persons *tape
	// overflowed counts persons with more than bound distinct entries.
	overflowed int
	pairBuf    []byte
}

type chunk struct {
	off int64
	n   int
}

const (
	partBits     = 16
	chunkPairs   = 4096
	overflowMark = 255
	// tapeMemory is how many bytes a tape keeps in memory before it moves
	// to a temporary file.
	tapeMemory = 32 << 20
)

func newSpill(bound int, dir string, limit int) *spill {
	return &spill{bound: bound, part: 1 << partBits, chunk: chunkPairs, pairs: newTape(dir, limit), persons: newTape(dir, limit)}
}

// addPerson numbers a new person.
func (s *spill) addPerson() uint32 {
	s.n++
	if (s.n-1)/s.part >= len(s.bufs) {
		s.bufs = append(s.bufs, nil)
		s.chunks = append(s.chunks, nil)
	}
	return uint32(s.n - 1)
}

// add records that person p shows entry e.
func (s *spill) add(p, e uint32) error {
	part := int(p) / s.part
	b := append(s.bufs[part], uint64(p)<<32|uint64(e))
	s.bufs[part] = b
	if len(b) < s.chunk {
		return nil
	}
	return s.flush(part)
}

// flush writes a partition's buffer to the pairs tape as a sorted run.
func (s *spill) flush(part int) error {
	b := s.bufs[part]
	slices.Sort(b)
	b = slices.Compact(b)
	s.pairBuf = s.pairBuf[:0]
	for _, x := range b {
		s.pairBuf = binary.LittleEndian.AppendUint64(s.pairBuf, x)
	}
	s.chunks[part] = append(s.chunks[part], chunk{off: s.pairs.size, n: len(b)})
	s.bufs[part] = b[:0]
	return s.pairs.write(s.pairBuf)
}

// finish turns the pairs into one record per person on the persons tape.
func (s *spill) finish() error {
	if err := s.pairs.sync(); err != nil {
		return err
	}
	var all []uint64
	var raw, rec []byte
	for part := range s.bufs {
		all = append(all[:0], s.bufs[part]...)
		s.bufs[part] = nil
		for _, ch := range s.chunks[part] {
			raw = slices.Grow(raw[:0], 8*ch.n)[:8*ch.n]
			if err := s.pairs.readAt(raw, ch.off); err != nil {
				return err
			}
			for i := range ch.n {
				all = append(all, binary.LittleEndian.Uint64(raw[8*i:]))
			}
		}
		s.chunks[part] = nil
		slices.Sort(all)
		all = slices.Compact(all)
		lo := part * s.part
		hi := min(s.n, lo+s.part)
		i := 0
		for p := lo; p < hi; p++ {
			j := i
			for j < len(all) && int(all[j]>>32) == p {
				j++
			}
			rec = s.record(rec[:0], all[i:j])
			i = j
			if err := s.persons.write(rec); err != nil {
				return err
			}
		}
	}
	s.bufs, s.chunks = nil, nil
	if err := s.pairs.close(); err != nil {
		return err
	}
	return s.persons.sync()
}

// record encodes one person's sorted distinct pairs: their count, then
// the entries, or the overflow mark alone.
func (s *spill) record(rec []byte, pairs []uint64) []byte {
	if len(pairs) > s.bound {
		s.overflowed++
		return append(rec, overflowMark)
	}
	rec = append(rec, uint8(len(pairs)))
	for _, x := range pairs {
		rec = binary.LittleEndian.AppendUint32(rec, uint32(x))
	}
	return rec
}

// each calls fn for every person in order with the person's distinct
// entries, sorted (nil and over true past the bound). block is reused
// between calls.
func (s *spill) each(fn func(p uint32, block []uint32, over bool)) error {
	r := s.persons.reader()
	var hdr [1]byte
	var raw []byte
	var block []uint32
	for p := range s.n {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return s.readErr(err)
		}
		if hdr[0] == overflowMark {
			fn(uint32(p), nil, true)
			continue
		}
		n := int(hdr[0])
		raw = slices.Grow(raw[:0], 4*n)[:4*n]
		if _, err := io.ReadFull(r, raw); err != nil {
			return s.readErr(err)
		}
		block = block[:0]
		for i := range n {
			block = append(block, binary.LittleEndian.Uint32(raw[4*i:]))
		}
		fn(uint32(p), block, false)
	}
	return nil
}

func (s *spill) readErr(err error) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		err = io.ErrUnexpectedEOF
	}
	return &tapeError{err}
}

// tapeError is a failure to read back what was spilled (a temporary file
// cut short or removed by someone else).
type tapeError struct{ err error }

func (e *tapeError) Error() string {
	return "risk: reading back what was kept per person: " + e.err.Error()
}
func (e *tapeError) Unwrap() error { return e.err }

// close removes the temporary files.
func (s *spill) close() error {
	err := s.pairs.close()
	if perr := s.persons.close(); err == nil {
		err = perr
	}
	return err
}
