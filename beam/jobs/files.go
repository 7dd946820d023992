package jobs

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/koble/koble/delivery"
	"github.com/koble/koble/formats"
	// Local files; a program adds the file systems it wants beside them
	// (cmd/koble-beam: gs:// and s3://).
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)

// remote reports whether p names a file system other than the local one.
func remote(p string) bool { return strings.Contains(p, "://") }

// join joins a folder and a name, for local paths and URLs alike.
func join(dir, name string) string {
	if remote(dir) {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}

// base returns the last element of a path or URL.
func base(p string) string {
	if remote(p) {
		return path.Base(p)
	}
	return filepath.Base(p)
}

// expand lists the files a glob names, sorted, through Beam's file
// systems. A glob that names nothing is an error naming it and the flag
// that sets it.
func expand(ctx context.Context, glob, flag string) ([]string, error) {
	fs, err := filesystem.New(ctx, glob)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: %s: %w", glob, err)
	}
	defer fs.Close()
	files, err := fs.List(ctx, glob)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: listing %s: %w", glob, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("koble-beam: %s names no file (set it with %s)", glob, flag)
	}
	sort.Strings(files)
	return files, nil
}

// readFile reads a whole (small) file through Beam's file systems.
func readFile(ctx context.Context, p string) ([]byte, error) {
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: %s: %w", p, err)
	}
	defer fs.Close()
	b, err := filesystem.Read(ctx, fs, p)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: reading %s: %w", p, err)
	}
	return b, nil
}

// localCopy returns a local path holding the file p: p itself if it is
// local, else a copy in the worker's temporary folder (Parquet and the
// Arrow file format need to seek). done removes the copy.
func localCopy(ctx context.Context, p string) (local string, done func(), err error) {
	if !remote(p) {
		return p, func() {}, nil
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return "", nil, fmt.Errorf("koble-beam: %s: %w", p, err)
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, p)
	if err != nil {
		return "", nil, fmt.Errorf("koble-beam: reading %s: %w", p, err)
	}
	defer r.Close()
	dir, err := os.MkdirTemp("", "koble-beam-")
	if err != nil {
		return "", nil, err
	}
	done = func() { os.RemoveAll(dir) }
	local = filepath.Join(dir, base(p))
	f, err := os.Create(local)
	if err == nil {
		_, err = io.Copy(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		done()
		return "", nil, fmt.Errorf("koble-beam: copying %s: %w", p, err)
	}
	return local, done, nil
}

// openShard opens a shard for reading through Beam's file systems. CSV
// and Arrow streams are read as the bytes arrive; Parquet and the Arrow
// file format need to seek, which a local file can: a file system whose
// reader cannot (gs://, s3://) has the shard copied to the worker's
// temporary folder first. done closes everything.
func openShard(ctx context.Context, p string, ro formats.ReadOptions) (r formats.Reader, done func(), err error) {
	seeks := ro.Format == formats.FormatParquet || ro.Format == formats.FormatArrowFile
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return nil, nil, fmt.Errorf("koble-beam: %s: %w", p, err)
	}
	rc, err := fs.OpenRead(ctx, p)
	if err != nil {
		fs.Close()
		return nil, nil, fmt.Errorf("koble-beam: reading %s: %w", p, err)
	}
	_, seekable := rc.(interface {
		io.ReaderAt
		io.Seeker
	})
	if seeks && !seekable {
		rc.Close()
		fs.Close()
		local, rm, err := localCopy(ctx, p)
		if err != nil {
			return nil, nil, err
		}
		if r, err = formats.Open(local, ro); err != nil {
			rm()
			return nil, nil, fmt.Errorf("koble-beam: shard %s: %w", p, err)
		}
		return r, func() { r.Close(); rm() }, nil
	}
	if r, err = formats.NewReader(rc, p, ro); err != nil {
		rc.Close()
		fs.Close()
		return nil, nil, fmt.Errorf("koble-beam: shard %s: %w", p, err)
	}
	return r, func() { r.Close(); rc.Close(); fs.Close() }, nil
}

// stagedWriter writes a file through Beam's file systems, counting and
// hashing its bytes for the delivery's manifest. It is used from one
// goroutine.
type stagedWriter struct {
	path string
	fs   filesystem.Interface
	w    io.WriteCloser
	buf  *bufio.Writer
	h    hash.Hash
	n    int64
	done bool
}

// createStaged creates the file p (its folder too, if local).
func createStaged(ctx context.Context, p string) (*stagedWriter, error) {
	if !remote(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: %s: %w", p, err)
	}
	w, err := fs.OpenWrite(ctx, p)
	if err != nil {
		fs.Close()
		return nil, fmt.Errorf("koble-beam: writing %s: %w", p, err)
	}
	return &stagedWriter{path: p, fs: fs, w: w, buf: bufio.NewWriterSize(w, 1<<20), h: sha256.New()}, nil
}

func (s *stagedWriter) Write(b []byte) (int, error) {
	s.h.Write(b)
	s.n += int64(len(b))
	return s.buf.Write(b)
}

// close flushes and closes the file, and returns its name (the path
// written), size and SHA-256. A second call does nothing but fail.
func (s *stagedWriter) close() (delivery.File, error) {
	if s.done {
		return delivery.File{}, errors.New("koble-beam: internal error: a staged file closed twice")
	}
	s.done = true
	err := s.buf.Flush()
	if cerr := s.w.Close(); err == nil {
		err = cerr
	}
	s.fs.Close()
	if err != nil {
		return delivery.File{}, fmt.Errorf("koble-beam: writing %s: %w", s.path, err)
	}
	return delivery.File{Name: s.path, Size: s.n, SHA256: hex.EncodeToString(s.h.Sum(nil))}, nil
}

// writeFile writes data to p through Beam's file systems.
func writeFile(ctx context.Context, p string, data []byte) error {
	if !remote(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	fs, err := filesystem.New(ctx, p)
	if err != nil {
		return fmt.Errorf("koble-beam: %s: %w", p, err)
	}
	defer fs.Close()
	if err := filesystem.Write(ctx, fs, p, data); err != nil {
		return fmt.Errorf("koble-beam: writing %s: %w", p, err)
	}
	return nil
}

// rename moves a staged file into place through Beam's file systems.
func rename(ctx context.Context, from, to string) error {
	fs, err := filesystem.New(ctx, from)
	if err != nil {
		return fmt.Errorf("koble-beam: %s: %w", from, err)
	}
	defer fs.Close()
	if err := filesystem.Rename(ctx, fs, from, to); err != nil {
		return fmt.Errorf("koble-beam: moving %s into place: %w", to, err)
	}
	return nil
}
