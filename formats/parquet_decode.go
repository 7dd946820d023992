package formats

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// decodeFields reads the next batch of every selected field of the
// current row group, the fields on up to GOMAXPROCS goroutines, and
// validates each column where it was decoded. It returns nil columns at
// the end of the row group. On an error, r.err is set (naming the first
// failing field in schema order, so the error does not depend on timing)
// and returned.
func (r *parquetReader) decodeFields() ([]arrow.Array, int64, error) {
	n := len(r.readers)
	if n == 0 {
		return nil, 0, nil // no columns: no rows to hand on
	}
	cols := make([]arrow.Array, n)
	errs := make([]error, n)
	decode := func(i int) {
		defer func() {
			if p := recover(); p != nil {
				errs[i] = recovered(p)
			}
		}()
		rr := r.readers[i]
		if !rr.Next() {
			errs[i] = rr.Err() // nil at the end of the row group
			return
		}
		col := rr.RecordBatch().Column(0)
		if err := validateArray(col); err != nil {
			errs[i] = err
			return
		}
		col.Retain()
		cols[i] = col
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			decode(i)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		wg.Add(workers)
		for range workers {
			go func() {
				defer wg.Done()
				for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
					decode(i)
				}
			}()
		}
		wg.Wait()
	}
	release := func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}
	for i, err := range errs {
		if err != nil {
			release()
			r.fail(r.schema.Field(i).Name, err)
			return nil, 0, r.err
		}
	}
	// Every field ends together and has as many rows as the first.
	for i, c := range cols {
		if (c == nil) != (cols[0] == nil) || (c != nil && c.Len() != cols[0].Len()) {
			release()
			r.fail(r.schema.Field(i).Name, fmt.Errorf("%w: the column has %s values where %q has %s", errCorruptArray,
				lenText(c), r.schema.Field(0).Name, lenText(cols[0])))
			return nil, 0, r.err
		}
	}
	if cols[0] == nil {
		return nil, 0, nil
	}
	return cols, int64(cols[0].Len()), nil
}

func lenText(a arrow.Array) string {
	if a == nil {
		return "no more"
	}
	return fmt.Sprint(a.Len())
}
