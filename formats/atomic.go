package formats

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// AtomicFile is an output file that appears only when it is complete. It
// writes to a temporary file in the target's folder (so the final rename
// stays on one file system); Commit syncs it and moves it into place, Abort
// removes it. The temporary file's name starts with "." and ends in ".tmp",
// so a half-written file never looks like a delivery.
//
// New files have mode 0600: the data koble writes are sensitive by default.
type AtomicFile struct {
	*os.File
	target    string
	overwrite bool
	done      bool
}

// CreateAtomic starts an atomic output for target. Unless overwrite is set,
// an existing target is an error now, and again at Commit if one appeared
// meanwhile (the commit then fails rather than replace it).
func CreateAtomic(target string, overwrite bool) (*AtomicFile, error) {
	if !overwrite {
		if _, err := os.Lstat(target); err == nil {
			return nil, fmt.Errorf("formats: %s already exists (allow overwriting to replace it)", target)
		}
	}
	dir := filepath.Dir(target)
	if st, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("formats: output folder %s: %w", dir, unwrapPathError(err))
	} else if !st.IsDir() {
		return nil, fmt.Errorf("formats: output folder %s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("formats: creating %s: %w", target, unwrapPathError(err))
	}
	return &AtomicFile{File: f, target: target, overwrite: overwrite}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Target returns the path the file will have after Commit.
func (a *AtomicFile) Target() string { return a.target }

// Commit syncs the file, closes it and moves it to its target.
func (a *AtomicFile) Commit() error {
	if a.done {
		return fmt.Errorf("formats: %s: already committed or aborted", a.target)
	}
	a.done = true
	tmp := a.File.Name()
	if err := a.File.Sync(); err != nil {
		a.File.Close()
		os.Remove(tmp)
		return fmt.Errorf("formats: writing %s: %w", a.target, err)
	}
	if err := a.File.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("formats: writing %s: %w", a.target, err)
	}
	if a.overwrite {
		if err := os.Rename(tmp, a.target); err != nil {
			os.Remove(tmp)
			return fmt.Errorf("formats: moving output into place at %s: %w", a.target, unwrapPathError(err))
		}
	} else {
		// A hard link fails if the target exists, so a file that appeared
		// meanwhile is never replaced.
		if err := os.Link(tmp, a.target); err != nil {
			os.Remove(tmp)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("formats: %s appeared while writing; not replaced", a.target)
			}
			return fmt.Errorf("formats: moving output into place at %s: %w", a.target, unwrapPathError(err))
		}
		os.Remove(tmp)
	}
	syncDir(filepath.Dir(a.target))
	return nil
}

// Abort closes and removes the temporary file. It is safe to call after
// Commit, where it does nothing.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.File.Close()
	if err := os.Remove(a.File.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("formats: removing temporary file for %s: %w", a.target, err)
	}
	return nil
}

// syncDir makes a rename durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
