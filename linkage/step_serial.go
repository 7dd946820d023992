package linkage

import (
	"encoding/binary"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/pseudonym"
)

// serialStep asks the worker's [SerialSource] for the serials of the ID
// column. It quarantines rows whose ID has no serial (reason "id-" and
// the pseudonym reason, such as "id-check-digit") and leaves out rows of
// persons outside the sample: those the source skips and, with a dense
// series, those the series does not number.
type serialStep struct{ p *plan }

func (s serialStep) reads() []string  { return []string{s.p.cfg.IDColumn} }
func (s serialStep) produces() string { return "serials" }

func (s serialStep) apply(ws *worker, b *batch) error {
	cfg := s.p.cfg
	reasons := ws.reasons[:b.n]
	out := SerialBatch{Serials: b.sers, Reasons: reasons, Skip: b.skip}
	if err := ws.serials.Serials(b.ctx, b.in.Column(s.p.idCol), out); err != nil {
		return fmt.Errorf("linkage: %s: column %q: %w", cfg.In, cfg.IDColumn, err)
	}
	for i := range b.skip {
		if b.skip[i] {
			b.out.excluded++
		}
	}
	for i, r := range reasons {
		if r != pseudonym.ReasonNone {
			b.bad[i] = true
			b.out.quarantine = append(b.out.quarantine, quarantined{row: b.firstRow + int64(i), index: i, reason: "id-" + r.String(), column: cfg.IDColumn})
		}
	}
	if cfg.Series == nil {
		return nil
	}
	b.numbers = make([]int64, b.n)
	for i := range b.sers {
		if b.bad[i] || b.skip[i] {
			continue
		}
		num, ok := cfg.Series.Number(&b.sers[i])
		if !ok {
			b.skip[i] = true
			b.out.excluded++
			continue
		}
		b.numbers[i] = num
	}
	return nil
}

// serialColumn delivers the serials in place of the ID column: text in
// the plan's encoding, int64, or each person's number in the dense
// series. Rows not delivered get a placeholder that the filter removes.
type serialColumn struct {
	p *plan
	k int // output column
}

func (s serialColumn) reads() []string  { return []string{s.p.cfg.IDColumn} }
func (s serialColumn) produces() string { return s.p.out.Field(s.k).Name }

func (s serialColumn) apply(_ *worker, b *batch) error {
	b.cols[s.k] = s.p.serialArray(b.mem, b.sers, b.numbers, b.bad, b.skip)
	return nil
}

// serialPrefix is the first 64 bits of a serial, which identify a person
// within one run (collisions among 20 million persons: p < 1.1e-5, and a
// collision only merges two persons' counts in the report or their
// PersonFirst reference).
func serialPrefix(s *pseudonym.Serial) uint64 {
	return binary.BigEndian.Uint64(s[:8])
}

// serialArray encodes the serials of a batch; quarantined rows get a
// placeholder that the filter removes.
func (p *plan) serialArray(mem memory.Allocator, sers []pseudonym.Serial, numbers []int64, bad, skip []bool) arrow.Array {
	if numbers != nil || p.cfg.SerialEncoding == pseudonym.EncodingInt64 {
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(len(sers))
		for i, s := range sers {
			switch {
			case bad[i] || skip[i]:
				b.Append(0)
			case numbers != nil:
				b.Append(numbers[i])
			default:
				b.Append(s.Int64())
			}
		}
		return b.NewArray()
	}
	return textSerials(mem, p.cfg.SerialEncoding, sers, bad)
}

// textSerials encodes serials as text. Text serials have one width; they
// are written straight into the column's buffers, and a person's adjacent
// rows copy the text of the first.
func textSerials(mem memory.Allocator, enc pseudonym.Encoding, sers []pseudonym.Serial, bad []bool) arrow.Array {
	width := len(enc.Append(nil, pseudonym.Serial{}))
	n := len(sers)
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	data := memory.NewResizableBuffer(mem)
	data.Resize(n * width)
	o, d := arrow.Int32Traits.CastFromBytes(offsets.Bytes()), data.Bytes()
	pos := 0
	for i := range sers {
		o[i] = int32(pos)
		if bad[i] {
			continue // an empty value, filtered out before writing
		}
		if i > 0 && !bad[i-1] && sers[i] == sers[i-1] {
			copy(d[pos:pos+width], d[pos-width:pos])
		} else {
			enc.Append(d[pos:pos], sers[i])
		}
		pos += width
	}
	o[n] = int32(pos)
	data.Resize(pos)
	col := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{nil, offsets, data}, nil, 0, 0)
	offsets.Release()
	data.Release()
	defer col.Release()
	return array.MakeFromData(col)
}
