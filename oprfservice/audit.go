package oprfservice

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// anonymous is the client name logged for a request without valid
// credentials.
const anonymous = "-"

// auditTime is the layout of an audit record's time: RFC 3339, UTC, ms.
const auditTime = "2006-01-02T15:04:05.000Z07:00"

// genesis is the prev hash of the first record.
var genesis = strings.Repeat("0", 64)

// Record is one line of the audit log (SPEC.md §9.4): who asked, for which
// project, how many elements, when, and what the answer was. It never
// holds an ID, an element or a credential.
type Record struct {
	Seq     int64  `json:"seq"`
	Time    string `json:"time"`
	Client  string `json:"client"`
	Project string `json:"project"`
	Count   int    `json:"count"`
	Status  int    `json:"status"`
	Outcome string `json:"outcome"`
	Prev    string `json:"prev"`
}

// AuditLog is the service's hash-chained, append-only log. Opening an
// existing log verifies its whole chain and continues it. It is safe for
// concurrent use.
type AuditLog struct {
	mu    sync.Mutex
	f     *os.File
	seq   int64
	last  string
	usage map[grantKey]int64
}

type grantKey struct{ client, project string }

// OpenAuditLog opens (or creates, mode 0600) the log at path for
// appending, after checking every existing line; a broken chain is an
// error naming the line, and the service does not start on it.
func OpenAuditLog(path string) (*AuditLog, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("oprfservice: audit log: %w", err)
	}
	l := &AuditLog{f: f, last: genesis, usage: map[grantKey]int64{}}
	err = verifyChain(f, func(r *Record, hash string) {
		l.seq, l.last = r.Seq, hash
		if r.Status == 200 {
			l.usage[grantKey{r.Client, r.Project}] += int64(r.Count)
		}
	})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("oprfservice: audit log %s: %w", path, err)
	}
	return l, nil
}

// Usage returns the evaluations granted so far to client for project, as
// the log records them.
func (l *AuditLog) Usage(client, project string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.usage[grantKey{client, project}]
}

// Append adds r to the chain (setting Seq and Prev) and syncs the file
// before returning, so a granted answer is never sent unlogged.
func (l *AuditLog) Append(r Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("oprfservice: audit log is closed")
	}
	r.Seq, r.Prev = l.seq+1, l.last
	line, hash, err := sealRecord(r)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(line); err != nil {
		return fmt.Errorf("oprfservice: audit log: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("oprfservice: audit log: %w", err)
	}
	l.seq, l.last = r.Seq, hash
	if r.Status == 200 {
		l.usage[grantKey{r.Client, r.Project}] += int64(r.Count)
	}
	return nil
}

// Close closes the file; later appends fail.
func (l *AuditLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// sealRecord returns the record's line (with its newline) and hash.
func sealRecord(r Record) (line []byte, hash string, err error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", fmt.Errorf("oprfservice: internal error: audit record: %w", err)
	}
	sum := sha256.Sum256(body)
	hash = hex.EncodeToString(sum[:])
	line = append(body[:len(body)-1], `,"hash":"`...)
	line = append(line, hash...)
	line = append(line, "\"}\n"...)
	return line, hash, nil
}

// ChainError is a break in an audit log's chain.
type ChainError struct {
	Line   int
	Reason string
}

func (e *ChainError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// VerifyAuditLog checks every line of a log: its hash, its link to the
// previous line and its sequence number. It returns the number of records
// and, at the first break, a [*ChainError] naming the line.
func VerifyAuditLog(r io.Reader) (records int, err error) {
	err = verifyChain(r, func(*Record, string) { records++ })
	return records, err
}

// hashSuffixLen is the length of `,"hash":"<64 hex>"}`.
const hashSuffixLen = len(`,"hash":""}`) + 64

func verifyChain(r io.Reader, each func(r *Record, hash string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	prev, seq := genesis, int64(0)
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(line) < hashSuffixLen || !bytes.HasPrefix(line[len(line)-hashSuffixLen:], []byte(`,"hash":"`)) || !bytes.HasSuffix(line, []byte(`"}`)) {
			return &ChainError{n, "not an audit record (no hash at the end)"}
		}
		body := append(bytes.Clone(line[:len(line)-hashSuffixLen]), '}')
		stated := string(line[len(line)-hashSuffixLen+len(`,"hash":"`) : len(line)-2])
		sum := sha256.Sum256(body)
		if hash := hex.EncodeToString(sum[:]); hash != stated {
			return &ChainError{n, "the record was altered (its hash does not match)"}
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return &ChainError{n, "not an audit record: " + err.Error()}
		}
		if rec.Prev != prev {
			return &ChainError{n, "the chain is broken: prev is not the hash of the line before (a line was removed, inserted or reordered)"}
		}
		if rec.Seq != seq+1 {
			return &ChainError{n, fmt.Sprintf("sequence number %d, want %d", rec.Seq, seq+1)}
		}
		if _, err := time.Parse(auditTime, rec.Time); err != nil {
			return &ChainError{n, fmt.Sprintf("bad time %q", rec.Time)}
		}
		prev, seq = stated, rec.Seq
		each(&rec, stated)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	return nil
}
