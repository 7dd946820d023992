package formats

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// Parallel CSV reading: one goroutine cuts the text into pieces of whole
// records, exactly BatchSize records each (so the batches are those of the
// serial reader), and up to ReadOptions.Parallel goroutines parse pieces
// into batches, which Next hands out in order. A record ends at a line end
// outside quotes; the quote parity of a line tells whether it is, since in
// valid CSV every quote opens, closes or doubles. Where the file is not
// valid, the piece holding the first fault is still cut at a true record
// start, and its parser reports the fault, at the same line, as the serial
// reader does; pieces after it are never reported.

// maxQuotedRecord bounds the text one record may span across lines. A
// record still inside quotes past it is cut off, so that a stray quote
// cannot make the splitter hold the rest of the file; its parser then
// reports the runaway quote.
const maxQuotedRecord = 64 << 20

// csvSplitter cuts CSV text into pieces of whole records.
type csvSplitter struct {
	src     io.Reader
	eol     byte   // the line end byte
	delim   byte   // the delimiter
	maxRun  int    // see maxRun: a longer run without a delimiter is cut off
	records int    // records per piece
	lines   int    // physical lines before the next piece
	carry   []byte // text read past the last cut
	last    int    // the last piece's length
	eof     bool
	err     error
}

// next returns the next piece (appended to buf[:0]), the number of
// physical lines before it, and whether it was cut inside a quoted record
// longer than maxQuotedRecord. An empty piece and no error: the end.
func (s *csvSplitter) next(buf []byte) (piece []byte, firstLine int, truncated bool, err error) {
	if want := s.last + s.last/8; cap(buf) < want {
		buf = make([]byte, 0, want) // one allocation for a piece like the last
	}
	piece = append(buf[:0], s.carry...)
	firstLine = s.lines
	pos, recStart, records, lines := 0, 0, 0, 0
	inQuotes, inRecord := false, false
	cut := func() {
		s.carry = append(s.carry[:0], piece[pos:]...)
		s.lines += lines
		piece = piece[:pos]
		s.last = len(piece)
	}
	for {
		i := bytes.IndexByte(piece[pos:], s.eol)
		if i < 0 {
			if s.eof {
				s.carry = s.carry[:0]
				return piece, firstLine, false, s.err
			}
			if inQuotes && len(piece)-recStart > maxQuotedRecord {
				cut()
				return piece, firstLine, true, nil
			}
			if delimRun(0, piece[pos:], s.delim) > s.maxRun {
				// The line holds a field that is too long: its parser
				// reports it; the rest of the file is never read.
				pos = len(piece)
				cut()
				return piece, firstLine, true, nil
			}
			piece = slices.Grow(piece, max(1<<20, len(piece))) // doubling: a piece is copied O(1) times
			n, err := s.src.Read(piece[len(piece):cap(piece)])
			piece = piece[:len(piece)+n]
			if err != nil {
				s.eof = true
				if err != io.EOF {
					s.err = err
				}
			}
			continue
		}
		end := pos + i + 1
		line := piece[pos:end]
		lines++
		if !inQuotes {
			// A record starts here, unless the line is blank (skipped).
			inRecord, recStart = len(trimEOL(line, s.eol)) > 0, pos
		}
		if bytes.IndexByte(line, '"') >= 0 && bytes.Count(line, []byte{'"'})%2 == 1 {
			inQuotes = !inQuotes
		}
		pos = end
		if !inQuotes && inRecord {
			inRecord = false
			if records++; records == s.records {
				cut()
				return piece, firstLine, false, nil
			}
		}
	}
}

// csvPiece is one piece being parsed: its batch (nil if it held no
// record) or error once done is closed.
type csvPiece struct {
	done  chan struct{}
	batch arrow.RecordBatch
	err   error
}

// startParallel starts cutting and parsing the rest of the file on
// parallel goroutines.
func (r *csvReader) startParallel(parallel int) {
	r.pieces = make(chan *csvPiece, parallel)
	r.stop = make(chan struct{})
	parsers := make(chan *csvReader, parallel)
	for range parallel {
		parsers <- r.pieceParser()
	}
	r.parsers = parsers
	go r.split(parsers)
}

// split runs the splitter and starts a parser on every piece.
func (r *csvReader) split(parsers chan *csvReader) {
	defer close(r.pieces)
	defer func() {
		if p := recover(); p != nil {
			bad := &csvPiece{done: make(chan struct{}), err: fmt.Errorf("formats: reading %s: %w", r.name, recovered(p))}
			close(bad.done)
			select {
			case r.pieces <- bad:
			case <-r.stop:
			}
		}
	}()
	sp := &csvSplitter{src: r.br, eol: r.eol, delim: r.delim, maxRun: maxRun(r.maxField), records: r.batchSize, lines: r.line}
	bufs := make(chan []byte, 2*cap(parsers)+2)
	for {
		var buf []byte
		select {
		case buf = <-bufs:
		default:
		}
		text, firstLine, truncated, err := sp.next(buf)
		if err != nil {
			p := &csvPiece{done: make(chan struct{}), err: fmt.Errorf("formats: reading %s: %w", r.name, err)}
			close(p.done)
			r.pieces <- p
			return
		}
		if len(text) == 0 {
			return
		}
		var parser *csvReader
		select {
		case parser = <-parsers:
		case <-r.stop:
			return
		}
		p := &csvPiece{done: make(chan struct{})}
		r.parsing.Add(1)
		go func() {
			defer r.parsing.Done()
			defer close(p.done)
			p.batch, p.err = parser.parsePiece(text, firstLine, truncated)
			parsers <- parser
			select {
			case bufs <- text:
			default:
			}
		}()
		select {
		case r.pieces <- p:
		case <-r.stop:
			<-p.done
			if p.batch != nil {
				p.batch.Release()
			}
			return
		}
	}
}

// pieceParser returns a parser of pieces with r's settings and builders of
// its own.
func (r *csvReader) pieceParser() *csvReader {
	p := &csvReader{name: r.name, delim: r.delim, eol: r.eol, maxField: r.maxField, maxCols: r.maxCols, header: r.header, mem: r.mem, batchSize: math.MaxInt,
		schema: r.schema, order: r.order, fileCols: r.fileCols, columns: make([]csvColumn, len(r.columns))}
	for i, c := range r.columns {
		if c.read() {
			p.columns[i], _ = newCSVColumn(r.mem, c.name, c.typ) // r made it without error
		}
	}
	return p
}

// parsePiece parses every record of text, which starts after firstLine
// physical lines of the file, into one batch.
func (r *csvReader) parsePiece(text []byte, firstLine int, truncated bool) (arrow.RecordBatch, error) {
	r.piece, r.piecePos, r.pieceCut, r.line, r.err, r.finished = text, 0, truncated, firstLine, nil, false
	defer func() { r.piece = nil }()
	if !r.Next() {
		return nil, r.err
	}
	b := r.cur
	r.cur = nil
	return b, nil
}

// nextParallel hands out the parsed pieces in order.
func (r *csvReader) nextParallel() bool {
	for {
		p, ok := <-r.pieces
		if !ok {
			r.finished = true
			return false
		}
		<-p.done
		if p.err != nil {
			r.err = p.err
			return false
		}
		if p.batch != nil {
			r.cur = p.batch
			return true
		}
	}
}

// stopParallel stops the splitter and parsers and releases what they
// made.
func (r *csvReader) stopParallel() {
	close(r.stop)
	for p := range r.pieces {
		<-p.done
		if p.batch != nil {
			p.batch.Release()
		}
	}
	r.parsing.Wait()
	close(r.parsers)
	for parser := range r.parsers {
		parser.Close()
	}
}
