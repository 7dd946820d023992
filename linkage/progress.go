package linkage

import "github.com/koble/koble/formats"

// Progress is how far a job has come, as [PrepareConfig], [LinkOptions]
// and [ExtractConfig] report it after each batch written.
type Progress struct {
	// Step names the part of the job running: the plan's source being
	// delivered (empty for a lone prepare).
	Step string
	// Rows is the rows of the step's input read so far.
	Rows int64
	// Bytes and Size are the bytes of the step's input read so far and
	// its size, for an input that says so (CSV, see
	// [formats.Positioner]); both 0 otherwise, and Size -1 where the
	// size is unknown (standard input).
	Bytes, Size int64
	// Total is the rows of the step's input in all, where the input
	// knows them before it is read (Parquet, see [formats.RowCounter]),
	// else 0.
	Total int64
}

// ProgressOf is the progress of reading r, rows rows in, in step.
func ProgressOf(step string, r formats.Reader, rows int64) Progress {
	p := Progress{Step: step, Rows: rows}
	if pos, ok := r.(formats.Positioner); ok {
		p.Bytes, p.Size = pos.Position()
	}
	if c, ok := r.(formats.RowCounter); ok {
		p.Total = c.TotalRows()
	}
	return p
}

// inStep returns f, with step set in every report (nil if f is).
func inStep(f func(Progress), step string) func(Progress) {
	if f == nil {
		return nil
	}
	return func(p Progress) {
		p.Step = step
		f(p)
	}
}
