package jobs

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
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

// upload copies the local file to dst through Beam's file systems.
func upload(ctx context.Context, local, dst string) error {
	if !remote(dst) {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
	}
	fs, err := filesystem.New(ctx, dst)
	if err != nil {
		return fmt.Errorf("koble-beam: %s: %w", dst, err)
	}
	defer fs.Close()
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := fs.OpenWrite(ctx, dst)
	if err != nil {
		return fmt.Errorf("koble-beam: writing %s: %w", dst, err)
	}
	_, err = io.Copy(w, f)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("koble-beam: writing %s: %w", dst, err)
	}
	return nil
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
