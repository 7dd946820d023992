package formats

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// guardedWriter recovers a panic from a dependency in Write, Close or
// Abort into an error naming the file. After a panic the format writer's
// state is unknown: Close then aborts it and reports the panic, so that
// a Writer made by Create removes its temporary file.
type guardedWriter struct {
	name  string
	inner Writer
	err   error // the recovered panic
}

var _ Writer = (*guardedWriter)(nil)

func (g *guardedWriter) catch(err *error) {
	if p := recover(); p != nil {
		g.err = fmt.Errorf("formats: writing %s: %w", g.name, recovered(p))
		*err = g.err
	}
}

func (g *guardedWriter) Write(batch arrow.RecordBatch) (err error) {
	if g.err != nil {
		return g.err
	}
	defer g.catch(&err)
	return g.inner.Write(batch)
}

func (g *guardedWriter) Close() (err error) {
	if g.err != nil {
		g.Abort()
		return g.err
	}
	defer g.catch(&err)
	return g.inner.Close()
}

func (g *guardedWriter) Abort() (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("formats: aborting %s: %w", g.name, recovered(p))
		}
	}()
	return g.inner.Abort()
}
