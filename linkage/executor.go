package linkage

import (
	"context"
	"sync"
)

// runOrdered runs work over a stream of items on workers goroutines and
// hands the results to sink in the order the items came, so that the
// output of a parallel job is byte-identical to a sequential one.
//
// next yields items until it returns false (or an error); it and sink run
// on the calling goroutine's side of the pipeline, one call at a time. At
// most 2·workers items are in flight, which bounds memory by the batch size
// and the worker count, not by the input. On the first error (from next,
// work or sink) or when ctx is done, runOrdered stops taking items, waits
// for the workers, calls discard for every result not sunk, and returns
// the error.
func runOrdered[In, Out any](ctx context.Context, workers int,
	next func() (In, bool, error),
	work func(worker int, in In) (Out, error),
	sink func(Out) error,
	discard func(Out),
) error {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan job[In])
	results := make(chan result[Out], workers)
	window := make(chan struct{}, 2*workers)

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range jobs {
				out, err := work(w, j.in)
				results <- result[Out]{j.seq, out, err}
			}
		}(w)
	}

	// The producer runs on its own goroutine so that the caller's goroutine
	// can sink in order.
	prodErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		prodErr <- produce(ctx, next, jobs, window)
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	firstErr := sinkInOrder(results, window, sink, discard, cancel)
	if err := <-prodErr; err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		// A cancelled parent context stops the producer quietly; report it.
		firstErr = ctx.Err()
	}
	return firstErr
}

// job is one item of runOrdered with its place in the stream.
type job[In any] struct {
	seq int
	in  In
}

// result is one item's result.
type result[Out any] struct {
	seq int
	out Out
	err error
}

// produce hands the items next yields to the workers, numbered, holding a
// place in the window for each; it returns next's error, or nil at the
// end of the items or when ctx is done.
func produce[In any](ctx context.Context, next func() (In, bool, error), jobs chan<- job[In], window chan struct{}) error {
	for seq := 0; ; seq++ {
		select {
		case window <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		in, ok, err := next()
		if err != nil || !ok {
			<-window
			return err
		}
		select {
		case jobs <- job[In]{seq, in}:
		case <-ctx.Done():
			<-window
			return nil
		}
	}
}

// sinkInOrder hands the results to sink in the order of the items,
// freeing a place in the window for each. On the first error it cancels
// the run and discards every later result; it returns that error.
func sinkInOrder[Out any](results <-chan result[Out], window chan struct{}, sink func(Out) error, discard func(Out), cancel func()) error {
	pending := map[int]result[Out]{}
	want := 0
	var firstErr error
	for r := range results {
		if firstErr != nil {
			if r.err == nil {
				discard(r.out)
			}
			continue
		}
		if r.err != nil {
			firstErr = r.err
			cancel()
			continue
		}
		pending[r.seq] = r
		for {
			p, ok := pending[want]
			if !ok {
				break
			}
			delete(pending, want)
			want++
			<-window
			if err := sink(p.out); err != nil {
				firstErr = err
				cancel()
				break
			}
		}
	}
	for _, p := range pending {
		discard(p.out)
	}
	return firstErr
}
