package formats

import (
	"io"
	"sync/atomic"
)

// Positioner is implemented by readers that can say how far into their
// input they are: the CSV reader, whose row count is unknown until the
// end (Parquet and Arrow files know theirs; [Inspect] reads it). A
// progress display turns it into a percentage and a time left.
//
//	if p, ok := r.(formats.Positioner); ok {
//		read, size := p.Position()
//	}
type Positioner interface {
	// Position returns the bytes read from the input so far (the reader
	// reads ahead, by up to a buffer of 1 MiB) and the input's size, or
	// -1 where it is unknown (standard input). It is safe to call from
	// any goroutine.
	Position() (read, size int64)
}

var _ Positioner = (*csvReader)(nil)

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Position implements [Positioner].
func (r *csvReader) Position() (read, size int64) {
	return r.counted.n.Load(), r.size
}

// RowCounter is implemented by readers that know how many rows their
// input holds before reading them: the Parquet reader, from the file's
// footer (all rows, whatever the selection of columns).
type RowCounter interface {
	TotalRows() int64
}

var _ RowCounter = (*parquetReader)(nil)

// TotalRows implements [RowCounter].
func (r *parquetReader) TotalRows() int64 { return r.pf.NumRows() }
