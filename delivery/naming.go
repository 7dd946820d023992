package delivery

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/koble/koble/pseudonym"
)

// tempPrefix starts the name of every temporary file of a transaction:
// ".koble-tx.ID.NAME", where ID is "HOST-PID-RANDOM" (HOST: 8 hex digits of
// the host name's SHA-256). formats' own temporary file for such a name
// starts with "..koble-tx." and is recognised too.
const tempPrefix = ".koble-tx."

// journalSuffix ends a transaction's journal: ".koble-tx.ID.journal".
const journalSuffix = ".journal"

// staleAfter is how long a temporary file of another host must lie
// untouched before it counts as stale: its process cannot be asked.
const staleAfter = 24 * time.Hour

func hostTag() string {
	h, _ := os.Hostname()
	sum := sha256.Sum256([]byte(h))
	return hex.EncodeToString(sum[:4])
}

func newTxID() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s-%d-%s", hostTag(), os.Getpid(), hex.EncodeToString(b[:])), nil
}

// txOf returns the transaction ID in a temporary file's name, or "".
func txOf(name string) string {
	rest, ok := strings.CutPrefix(name, tempPrefix)
	if !ok {
		if rest, ok = strings.CutPrefix(name, "."+tempPrefix); !ok {
			return ""
		}
	}
	id, _, _ := strings.Cut(rest, ".")
	if strings.Count(id, "-") != 2 {
		return ""
	}
	return id
}

// txRunning says whether the transaction id may still be running: it is
// this process's, or a file of it was touched lately and its process is
// alive (on this host) or cannot be asked (on another host).
func txRunning(id string, modified time.Time) bool {
	host, rest, _ := strings.Cut(id, "-")
	pidText, _, _ := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return false
	}
	if pid == os.Getpid() && host == hostTag() {
		return true
	}
	if time.Since(modified) >= staleAfter {
		return false // a process id may have been reused meanwhile
	}
	return host != hostTag() || processAlive(pid)
}

// journal is what a transaction writes before it renames its files: the
// targets, so that a run killed before the manifest was written can be
// undone by the next.
type journal struct {
	Transaction string   `json:"transaction"`
	Manifest    string   `json:"manifest"`
	Targets     []string `json:"targets"`
}

// CleanStale removes what interrupted transactions left in dir: temporary
// files of koble's naming whose process is gone, and, for a journal whose
// manifest was never written, the files that were already renamed into
// place. It returns the paths removed, for the caller to report.
func CleanStale(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("delivery: output folder %s: %w", dir, unwrapPath(err))
	}
	var removed []string
	for _, e := range entries {
		id := txOf(e.Name())
		if id == "" || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil || txRunning(id, info.ModTime()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if strings.HasSuffix(e.Name(), journalSuffix) {
			removed = append(removed, undoJournal(path, id)...)
		}
		if err := os.Remove(path); err == nil {
			removed = append(removed, path)
		} else if !os.IsNotExist(err) {
			return removed, fmt.Errorf("delivery: removing stale temporary file %s: %w", path, unwrapPath(err))
		}
	}
	return removed, nil
}

// undoJournal removes the targets of an interrupted commit, unless its
// manifest was written (then the delivery is complete and only the journal
// goes).
func undoJournal(path, id string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var j journal
	if json.Unmarshal(b, &j) != nil || j.Transaction != id {
		return nil
	}
	if m, err := ReadManifest(j.Manifest); err == nil && m.Transaction == id {
		return nil
	}
	var removed []string
	for _, t := range j.Targets {
		if err := os.Remove(t); err == nil {
			removed = append(removed, t)
		}
	}
	return removed
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// syncDir makes renames in dir durable where the platform allows it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// ManifestFor returns the manifest's path for a delivery whose main file
// is path: path with ".manifest.json" added, so that files of one name in
// several formats (npr.csv, npr.parquet) each have their own.
func ManifestFor(path string) string {
	return path + ManifestSuffix
}

// ArchiveFor returns the encrypted archive's path for a delivery whose
// manifest is manifest.
func ArchiveFor(manifest string) string {
	return strings.TrimSuffix(manifest, ManifestSuffix) + ArchiveSuffix
}

// nameFinder finds IDs in the names of a delivery's files as the leak
// guard finds them in values.
var nameFinder = pseudonym.NewFinder(pseudonym.LayoutDate)

// checkName refuses a delivery file whose name holds a national ID: the
// name is listed in the manifest and the reports, and travels with the
// delivery. The error quotes no part of the name.
func checkName(path string) error {
	if nameFinder.ContainsString(filepath.Base(path)) {
		return fmt.Errorf("delivery: a file of the delivery in %s has a name that holds what reads as a national ID: name it otherwise", pseudonym.Redact(filepath.Dir(path)))
	}
	return nil
}
