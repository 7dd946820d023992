package delivery

import (
	"fmt"
	"os"
	"path/filepath"
)

// Named is a file a command reads or writes, with the flag or plan key
// that names it, for the error message.
type Named struct {
	Path string
	Flag string
}

// RefuseInputs returns an error if any output resolves to any input: the
// same path after symbolic links, or the same file (device and inode, or
// the platform's equivalent) under another name, such as a hard link. It
// holds with or without --overwrite: koble never writes over its input.
// Standard input and output ("-") and empty paths are skipped.
func RefuseInputs(inputs, outputs []Named) error {
	type resolved struct {
		Named
		real string
		info os.FileInfo
	}
	resolve := func(n Named) resolved {
		r := resolved{Named: n, real: realPath(n.Path)}
		r.info, _ = os.Stat(n.Path)
		return r
	}
	var ins []resolved
	for _, in := range inputs {
		if in.Path != "" && in.Path != "-" {
			ins = append(ins, resolve(in))
		}
	}
	for _, o := range outputs {
		if o.Path == "" || o.Path == "-" {
			continue
		}
		out := resolve(o)
		for _, in := range ins {
			same := out.real == in.real
			if !same && out.info != nil && in.info != nil {
				same = os.SameFile(out.info, in.info)
			}
			if same {
				return fmt.Errorf("delivery: %s %s is the input %s %s: koble never writes over its input, with or without --overwrite; choose another %s",
					o.Flag, o.Path, in.Flag, in.Path, o.Flag)
			}
		}
	}
	return nil
}

// realPath returns path made absolute with symbolic links resolved; for a
// file that does not exist yet, its folder's links are resolved.
func realPath(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		return r
	}
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		return filepath.Join(d, filepath.Base(abs))
	}
	return abs
}

// SameFolder reports whether two folders resolve to the same one.
func SameFolder(a, b string) bool {
	ra, rb := realPath(a), realPath(b)
	if ra == rb {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
