package linkage

import "io"

// QuarantineWriter writes a pipeline's quarantine file to a stream: the
// bytes Prepare writes to QuarantinePath for the same batches (row
// numbers, reasons and columns in CSV, no value of a row; or, with
// cfg.QuarantineRecipients, the whole rows age-encrypted to them). It
// is used from one goroutine.
type QuarantineWriter struct{ s *quarantineStream }

// NewQuarantineWriter returns a quarantine writer over w; name is used in
// errors. Write the batches in input order, then Close, which does not
// close w.
func (pl *Pipeline) NewQuarantineWriter(w io.Writer, name string) (*QuarantineWriter, error) {
	s, err := newQuarantineStream(w, name, pl.p.in, pl.p.cfg.QuarantineRecipients)
	if err != nil {
		return nil, err
	}
	return &QuarantineWriter{s: s}, nil
}

// Write writes a transformed batch's quarantined rows. It does not keep
// or release b.
func (q *QuarantineWriter) Write(b *PipelineBatch) error {
	rows := make([]quarantined, len(b.Quarantine))
	for i, r := range b.Quarantine {
		rows[i] = quarantined{row: r.Row, reason: r.Reason, column: r.Column}
	}
	return q.s.write(rows, b.QuarantineRows)
}

// Close finishes the file (and its encryption).
func (q *QuarantineWriter) Close() error { return q.s.close() }
