package delivery

import (
	"github.com/koble/koble/internal/jsonout"

	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// Tx is one delivery being written. Make it with [Begin], add each file
// with [Tx.Add] and write it at the path returned, describe it with
// [Tx.Describe], then call [Tx.Commit]; call [Tx.Abort] (deferred) in any
// case: after a commit it does nothing. A Tx is used from one goroutine.
type Tx struct {
	manifest  string
	id        string
	overwrite bool
	files     []*entry
	byTarget  map[string]*entry
	renamed   []string
	journal   string
	done      bool
	archive   *archiveSpec
	// Stale lists the files of interrupted runs that Begin removed, for the
	// caller to report.
	Stale []string
}

type entry struct {
	target, tmp string
	file        File
}

// Begin starts a delivery whose manifest will be manifestPath (it must end
// in [ManifestSuffix]). Stale temporary files in its folder are removed
// first and listed in Tx.Stale. Unless overwrite is set, an existing
// manifest is an error.
func Begin(manifestPath string, overwrite bool) (*Tx, error) {
	if !strings.HasSuffix(manifestPath, ManifestSuffix) {
		return nil, fmt.Errorf("delivery: internal error: manifest name %s does not end in %s", manifestPath, ManifestSuffix)
	}
	if err := checkName(manifestPath); err != nil {
		return nil, err
	}
	id, err := newTxID()
	if err != nil {
		return nil, err
	}
	t := &Tx{manifest: manifestPath, id: id, overwrite: overwrite, byTarget: map[string]*entry{}}
	if err := t.checkDir(filepath.Dir(manifestPath)); err != nil {
		return nil, err
	}
	if err := t.checkFree(manifestPath); err != nil {
		return nil, err
	}
	return t, nil
}

// Manifest returns the path of the manifest the commit writes.
func (t *Tx) Manifest() string { return t.manifest }

func (t *Tx) checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("delivery: output folder %s: %w", dir, unwrapPath(err))
	}
	if !st.IsDir() {
		return fmt.Errorf("delivery: output folder %s is not a folder", dir)
	}
	stale, err := CleanStale(dir)
	t.Stale = append(t.Stale, stale...)
	return err
}

func (t *Tx) checkFree(target string) error {
	if t.overwrite {
		return nil
	}
	if _, err := os.Lstat(target); err == nil {
		return fmt.Errorf("delivery: %s already exists (use --overwrite to replace it)", target)
	}
	return nil
}

// Add registers target as a file of the delivery with the given role, and
// returns the temporary path to write it at (in target's folder, so that
// the commit is a rename). The file must be complete and synced before
// Commit; formats' atomic writers and [Tx.Create] do both.
func (t *Tx) Add(target, role string) (string, error) {
	if t.done {
		return "", errors.New("delivery: internal error: transaction is over")
	}
	if _, dup := t.byTarget[target]; dup || target == t.manifest {
		return "", fmt.Errorf("delivery: %s is named twice in one delivery", target)
	}
	if err := checkName(target); err != nil {
		return "", err
	}
	dir := filepath.Dir(target)
	if dir != filepath.Dir(t.manifest) {
		if err := t.checkDir(dir); err != nil {
			return "", err
		}
	}
	if t.archive == nil { // an archive's files never land at their names
		if err := t.checkFree(target); err != nil {
			return "", err
		}
	}
	e := &entry{target: target, tmp: filepath.Join(dir, tempPrefix+t.id+"."+filepath.Base(target)), file: File{Role: role}}
	t.files = append(t.files, e)
	t.byTarget[target] = e
	return e.tmp, nil
}

// Describe sets what the manifest says of target beyond its name, size and
// hash (rows, schema, CSV dialect, what was done).
func (t *Tx) Describe(target string, f File) error {
	e, ok := t.byTarget[target]
	if !ok {
		return fmt.Errorf("delivery: internal error: %s is not part of the delivery", target)
	}
	role := e.file.Role
	e.file = f
	e.file.Role = role
	return nil
}

// Create adds target and opens its temporary file for writing. Close it
// before Commit; Commit syncs it.
func (t *Tx) Create(target, role string) (*os.File, error) {
	tmp, err := t.Add(target, role)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("delivery: creating %s: %w", target, unwrapPath(err))
	}
	return f, nil
}

// WriteJSON adds target and writes v into it as indented JSON, without
// HTML escaping.
func (t *Tx) WriteJSON(target, role string, v any) error {
	return t.WriteWith(target, role, func(w io.Writer) error {
		return jsonout.NewEncoder(w, true).Encode(v)
	})
}

// WriteWith adds target and writes it with write, buffered.
func (t *Tx) WriteWith(target, role string, write func(io.Writer) error) error {
	f, err := t.Create(target, role)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("delivery: writing %s: %w", target, err)
	}
	return nil
}

// testHook, when set by a test, may fail a commit at a named step; killed,
// when set, makes such a failure look like the process died there: nothing
// is cleaned up.
var (
	testHook func(step string) error
	killed   func(error) bool
)

func step(name string) error {
	if testHook != nil {
		return testHook(name)
	}
	return nil
}

// Commit makes the delivery appear: every file is synced and hashed, the
// journal written, the files renamed into place, and the manifest written
// last; or, with [Tx.Encrypt], the files and the manifest are written into
// one encrypted archive instead. On an error nothing of the delivery
// remains. It returns the manifest.
func (t *Tx) Commit(h Header) (*Manifest, error) {
	if t.done {
		return nil, errors.New("delivery: internal error: transaction is over")
	}
	m, err := t.describeAll(h)
	var raw []byte
	if err == nil {
		raw, err = m.Marshal()
	}
	if err == nil {
		if t.archive != nil {
			err = t.commitArchive(raw)
		} else {
			err = t.commitFiles(raw)
		}
	}
	if err != nil {
		if killed == nil || !killed(err) {
			t.Abort()
		}
		return nil, err
	}
	t.done = true
	return m, nil
}

// describeAll syncs and hashes every file and makes the manifest.
func (t *Tx) describeAll(h Header) (*Manifest, error) {
	m := &Manifest{Version: ManifestVersion, Transaction: t.id, Tool: h.Tool, Project: h.Project,
		KeyFingerprint: h.KeyFingerprint, PlanFingerprint: h.PlanFingerprint, ReferenceDate: h.ReferenceDate, Risk: h.Risk}
	base := filepath.Dir(t.manifest)
	for _, e := range t.files {
		if err := step("hash"); err != nil {
			return nil, err
		}
		f, err := os.Open(e.tmp)
		if err != nil {
			return nil, fmt.Errorf("delivery: %s was not written: %w", e.target, unwrapPath(err))
		}
		err = f.Sync()
		if err == nil {
			e.file.SHA256, e.file.Size, err = hashFile(f)
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("delivery: reading back %s: %w", e.target, err)
		}
		name, err := filepath.Rel(base, e.target)
		if err != nil {
			return nil, fmt.Errorf("delivery: %s: %w", e.target, err)
		}
		e.file.Name = filepath.ToSlash(name)
		m.Files = append(m.Files, e.file)
	}
	return m, nil
}

func hashFile(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, make([]byte, 1<<20))
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// commitFiles renames the files into place under a journal, then writes
// the manifest.
func (t *Tx) commitFiles(raw []byte) error {
	j := journal{Transaction: t.id, Manifest: t.manifest}
	for _, e := range t.files {
		j.Targets = append(j.Targets, e.target)
	}
	jb, _ := jsonout.Marshal(j)
	t.journal = filepath.Join(filepath.Dir(t.manifest), tempPrefix+t.id+journalSuffix)
	if err := step("journal"); err != nil {
		return err
	}
	if err := writeSynced(t.journal, jb); err != nil {
		return fmt.Errorf("delivery: writing the journal of %s: %w", t.manifest, err)
	}
	if t.overwrite {
		// The old manifest goes first: old files under it would otherwise
		// look complete while they are being replaced.
		if err := os.Remove(t.manifest); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("delivery: replacing %s: %w", t.manifest, unwrapPath(err))
		}
	}
	syncDir(filepath.Dir(t.manifest))
	for _, e := range t.files {
		if err := step("rename"); err != nil {
			return err
		}
		if err := t.place(e.tmp, e.target); err != nil {
			return err
		}
		t.renamed = append(t.renamed, e.target)
		syncDir(filepath.Dir(e.target))
	}
	if err := step("manifest"); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(t.manifest), tempPrefix+t.id+"."+filepath.Base(t.manifest))
	if err := writeSynced(tmp, raw); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("delivery: writing %s: %w", t.manifest, err)
	}
	if err := t.place(tmp, t.manifest); err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(t.manifest))
	os.Remove(t.journal)
	return nil
}

// place moves tmp to target: a rename with overwrite, otherwise a hard
// link (which fails if target appeared meanwhile) and a removal.
func (t *Tx) place(tmp, target string) error {
	if t.overwrite {
		if err := os.Rename(tmp, target); err != nil {
			return fmt.Errorf("delivery: moving %s into place: %w", target, unwrapPath(err))
		}
		return nil
	}
	if err := os.Link(tmp, target); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("delivery: %s appeared while writing; not replaced (use --overwrite to replace it)", target)
		}
		return fmt.Errorf("delivery: moving %s into place: %w", target, unwrapPath(err))
	}
	os.Remove(tmp)
	return nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return unwrapPath(err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort removes everything the transaction wrote: temporary files, files
// already renamed into place, the journal. After a successful Commit it
// does nothing. It is safe to call more than once.
func (t *Tx) Abort() {
	if t.done {
		return
	}
	t.done = true
	for _, e := range t.files {
		os.Remove(e.tmp)
	}
	for _, r := range t.renamed {
		os.Remove(r)
	}
	if t.archive != nil {
		t.archive.abort()
	}
	if t.journal != "" {
		os.Remove(t.journal)
	}
}

// Encrypt makes Commit write the delivery as one tar archive at path,
// encrypted with age to the recipients, instead of files. Every file of
// the delivery must then be in the manifest's folder. Call it before
// adding files.
func (t *Tx) Encrypt(path string, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return errors.New("delivery: no recipient to encrypt the delivery to")
	}
	if err := t.checkFree(path); err != nil {
		return err
	}
	t.archive = &archiveSpec{path: path, recipients: recipients}
	return nil
}

// Temp returns the temporary path of a file added to the transaction, or
// "" if target is not part of it.
func (t *Tx) Temp(target string) string {
	if e, ok := t.byTarget[target]; ok {
		return e.tmp
	}
	return ""
}
