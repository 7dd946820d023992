package linkage

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/refdate"
)

// A step is one piece of a prepare run's work on each batch. The plan
// lists its steps in the order they run (see the package documentation):
// the serial source first, then one step per delivered column in the
// output's column order, then, over the rows delivered, the person
// statistics and the leak guard.
//
// A step reads input columns, fills what it produces (an output column,
// or state later steps read, such as the serials or the date offsets),
// and marks rows for quarantine with [batch.problem], giving the reason
// and the column. A row keeps the first reason it is given, so the order
// of the steps decides which reason a row with several problems reports.
// Steps hold no state of their own: what one goroutine keeps between
// batches (caches, scratch space) is in its [worker].
type step interface {
	// reads names the input columns the step reads.
	reads() []string
	// produces names what the step fills: an output column, or
	// "serials", "offsets", "persons" or "leak guard".
	produces() string
	// apply does the step's work on one batch.
	apply(ws *worker, b *batch) error
}

// batch is one input batch on its way through the steps.
type batch struct {
	ctx      context.Context
	mem      memory.Allocator
	in       arrow.RecordBatch
	firstRow int64 // the 1-based input row of the batch's first row
	n        int

	// Filled by the serial step: each row's serial and, with a dense
	// series, its number.
	sers    []pseudonym.Serial
	numbers []int64
	// Filled by the offsets step: each row's date offset.
	offs []int32
	// bad marks quarantined rows, skip rows of persons outside the
	// sample (left out, not quarantined).
	bad, skip []bool
	// cols are the output columns, filled by the column steps.
	cols []arrow.Array
	out  *batchOut
}

// problem quarantines row i (within the batch) for reason, found in
// column, unless the row is already quarantined or left out.
func (b *batch) problem(i int, reason, column string) {
	if !b.bad[i] && !b.skip[i] {
		b.bad[i] = true
		b.out.quarantine = append(b.out.quarantine, quarantined{row: b.firstRow + int64(i), index: i, reason: reason, column: column})
	}
}

// kept says whether row i is delivered.
func (b *batch) kept(i int) bool { return !b.bad[i] && !b.skip[i] }

func (b *batch) releaseCols() {
	for _, c := range b.cols {
		if c != nil {
			c.Release()
		}
	}
}

// worker holds one goroutine's state: its fork of the serial source, its
// date offsets (with their cache) and scratch space reused across batches.
type worker struct {
	serials SerialSource
	offsets *refdate.Offsets
	shifter *refdate.Shifter
	sers    []pseudonym.Serial
	reasons []pseudonym.Reason
	offs    []int32
	sbytes  [][]byte
}

// begin starts a batch on this worker, growing its scratch space.
func (ws *worker) begin(ctx context.Context, mem memory.Allocator, p *plan, in batchIn) *batch {
	n := int(in.batch.NumRows())
	if cap(ws.sers) < n {
		ws.sers = make([]pseudonym.Serial, n)
		ws.reasons = make([]pseudonym.Reason, n)
		ws.offs = make([]int32, n)
		ws.sbytes = make([][]byte, n)
	}
	return &batch{ctx: ctx, mem: mem, in: in.batch, firstRow: in.firstRow, n: n,
		sers: ws.sers[:n], bad: make([]bool, n), skip: make([]bool, n),
		cols: make([]arrow.Array, len(p.cols)), out: &batchOut{rows: int64(n)}}
}

// transform turns one input batch into delivered rows and quarantine: the
// plan's steps in order, the shared delivery of the rows kept (see
// [plan.deliver]), then the checks over the rows delivered.
func (p *plan) transform(ctx context.Context, mem memory.Allocator, ws *worker, in batchIn) (*batchOut, error) {
	b := ws.begin(ctx, mem, p, in)
	defer b.releaseCols()
	for _, s := range p.steps {
		if err := s.apply(ws, b); err != nil {
			return nil, err
		}
	}
	if err := p.deliver(b); err != nil {
		b.out.release()
		return nil, err
	}
	for _, s := range p.checks {
		if err := s.apply(ws, b); err != nil {
			b.out.release()
			return nil, err
		}
	}
	return b.out, nil
}
