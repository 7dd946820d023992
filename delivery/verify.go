package delivery

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/koble/koble/formats"
)

// Check is the outcome of checking one delivery against its manifest.
type Check struct {
	// Path is the manifest's path; SHA256 its own hash, to compare with
	// one sent by another channel.
	Path     string
	SHA256   string
	Manifest *Manifest
	// Problems lists every mismatch found; none means the delivery is as
	// the manifest says.
	Problems []string
}

// OK reports whether no problem was found.
func (c *Check) OK() bool { return len(c.Problems) == 0 }

func (c *Check) fail(format string, args ...any) {
	c.Problems = append(c.Problems, fmt.Sprintf(format, args...))
}

// VerifyManifest checks the delivery of the manifest at path: every file
// present with its size and SHA-256, and every data file with the rows and
// schema recorded (read back with formats). The error is for a manifest
// that cannot be read at all; everything else is a problem in the Check.
func VerifyManifest(path string) (*Check, error) {
	c := &Check{Path: path}
	sum, err := FileSHA256(path)
	if err != nil {
		return nil, fmt.Errorf("delivery: manifest %s: %w", path, unwrapPath(err))
	}
	c.SHA256 = sum
	m, err := ReadManifest(path)
	if err != nil {
		c.fail("%v", err)
		return c, nil
	}
	c.Manifest = m
	base := filepath.Dir(path)
	for _, f := range m.Files {
		c.checkFile(filepath.Join(base, filepath.FromSlash(f.Name)), f)
	}
	return c, nil
}

func (c *Check) checkFile(path string, f File) {
	fh, err := os.Open(path)
	if err != nil {
		c.fail("%s: missing (%v)", f.Name, unwrapPath(err))
		return
	}
	sum, n, err := hashFile(fh)
	fh.Close()
	switch {
	case err != nil:
		c.fail("%s: cannot be read: %v", f.Name, err)
		return
	case n != f.Size:
		c.fail("%s: %d bytes, the manifest says %d", f.Name, n, f.Size)
		return
	case sum != f.SHA256:
		c.fail("%s: its SHA-256 differs from the manifest's: changed after delivery", f.Name)
		return
	}
	if f.Role != RoleData {
		return
	}
	info, err := formats.Inspect(path, f.ReadOptions())
	if err != nil {
		c.fail("%s: cannot be read as %s: %v", f.Name, f.Format, err)
		return
	}
	if f.Rows != nil && info.Rows != *f.Rows {
		c.fail("%s: %d rows, the manifest says %d", f.Name, info.Rows, *f.Rows)
	}
	if err := sameColumns(f.Schema, Columns(info.Schema)); f.Schema != nil && err != nil {
		c.fail("%s: %v", f.Name, err)
	}
}

// Manifests returns the manifests in dir, sorted, and the files in dir
// that no manifest lists (stale temporary files among them).
func Manifests(dir string) (manifests, unlisted []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("delivery: %s: %w", dir, unwrapPath(err))
	}
	listed := map[string]bool{}
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ManifestSuffix) {
			p := filepath.Join(dir, e.Name())
			manifests = append(manifests, p)
			listed[e.Name()] = true
			if m, err := ReadManifest(p); err == nil {
				for _, f := range m.Files {
					listed[filepath.FromSlash(f.Name)] = true
				}
			}
		}
	}
	for _, e := range ents {
		if !e.IsDir() && !listed[e.Name()] {
			unlisted = append(unlisted, e.Name())
		}
	}
	sort.Strings(manifests)
	return manifests, unlisted, nil
}
