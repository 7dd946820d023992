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
	type job struct {
		seq int
		in  In
	}
	type res struct {
		seq int
		out Out
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan job)
	results := make(chan res, workers)
	window := make(chan struct{}, 2*workers)

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range jobs {
				out, err := work(w, j.in)
				results <- res{j.seq, out, err}
			}
		}(w)
	}

	// The producer runs on its own goroutine so that the caller's goroutine
	// can sink in order.
	prodErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		for seq := 0; ; seq++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				prodErr <- nil
				return
			}
			in, ok, err := next()
			if err != nil || !ok {
				<-window
				prodErr <- err
				return
			}
			select {
			case jobs <- job{seq, in}:
			case <-ctx.Done():
				<-window
				prodErr <- nil
				return
			}
		}
	}()
	go func() {
		wg.Wait()
		close(results)
	}()

	pending := map[int]res{}
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
	if err := <-prodErr; err != nil && firstErr == nil {
		firstErr = err
	}
	if firstErr == nil {
		// A cancelled parent context stops the producer quietly; report it.
		firstErr = ctx.Err()
	}
	return firstErr
}
