package risk

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
)

// A tape is an append-only byte log that stays in memory up to a limit
// and moves to a temporary file past it, so that what the collector keeps
// per person costs disk, not memory, at register scale. Reads see what was
// written before them.
type tape struct {
	dir   string // where the temporary file goes ("" is os.TempDir)
	limit int    // bytes kept in memory before moving to a file
	mem   []byte
	f     *os.File
	w     *bufio.Writer
	r     *bufio.Reader // reused by reader
	size  int64
}

// tapePrefix names the temporary files, so that a manager can tell what
// an interrupted run left.
const tapePrefix = "koble-risk-"

func newTape(dir string, limit int) *tape { return &tape{dir: dir, limit: limit} }

func (t *tape) write(p []byte) error {
	t.size += int64(len(p))
	if need := len(t.mem) + len(p); t.f == nil && need <= t.limit {
		if need > cap(t.mem) { // double, so that growing copies little
			t.mem = slices.Grow(t.mem, min(max(2*cap(t.mem), need, 1<<16), t.limit)-len(t.mem))
		}
		t.mem = append(t.mem, p...)
		return nil
	}
	if t.f == nil {
		f, err := os.CreateTemp(t.dir, tapePrefix+"*.tmp")
		if err != nil {
			return fmt.Errorf("risk: temporary file for what is kept per person: %w (set the folder with --temp-dir)", err)
		}
		t.f, t.w = f, bufio.NewWriterSize(f, 1<<20)
		if _, err := t.w.Write(t.mem); err != nil {
			return t.writeErr(err)
		}
		t.mem = nil
	}
	if _, err := t.w.Write(p); err != nil {
		return t.writeErr(err)
	}
	return nil
}

func (t *tape) writeErr(err error) error {
	return fmt.Errorf("risk: writing the temporary file %s: %w", t.f.Name(), err)
}

// sync makes every write visible to reads.
func (t *tape) sync() error {
	if t.w == nil {
		return nil
	}
	if err := t.w.Flush(); err != nil {
		return t.writeErr(err)
	}
	return nil
}

// readAt reads len(p) bytes at off; sync must have been called since the
// last write.
func (t *tape) readAt(p []byte, off int64) error {
	if t.f == nil {
		copy(p, t.mem[off:])
		return nil
	}
	if _, err := t.f.ReadAt(p, off); err != nil {
		return fmt.Errorf("risk: reading the temporary file %s: %w", t.f.Name(), err)
	}
	return nil
}

// reader returns a reader of the whole tape from the start; sync must
// have been called since the last write.
func (t *tape) reader() io.Reader {
	if t.f == nil {
		return bytes.NewReader(t.mem)
	}
	sr := io.NewSectionReader(t.f, 0, t.size)
	if t.r == nil {
		t.r = bufio.NewReaderSize(sr, 1<<20)
	} else {
		t.r.Reset(sr)
	}
	return t.r
}

// onDisk tells whether the tape moved to a file.
func (t *tape) onDisk() bool { return t.f != nil }

// close removes the temporary file, if any, and frees the memory.
func (t *tape) close() error {
	t.mem = nil
	if t.f == nil {
		return nil
	}
	name := t.f.Name()
	err := t.f.Close()
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	t.f, t.w, t.r = nil, nil, nil
	return err
}
