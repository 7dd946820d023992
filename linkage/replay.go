package linkage

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koble/koble/delivery"
)

// Replays. A request carries a fresh random id and the time it was made;
// an answer (and the unmatched count) names the request it answers by id,
// by the SHA-256 of the request's encrypted file, and by its time. The
// register's extract and the sample definer are given the request and
// refuse a file that answers another one (an older sample, say), or whose
// request is older than the plan's [pseudoreg] max_age.

// DefaultMaxAge is how old a request may be when its answer is used,
// unless the plan's [pseudoreg] max_age says otherwise.
const DefaultMaxAge = 30 * 24 * time.Hour

// clock is the time replays are judged by; tests set it.
var clock = time.Now

// RequestRef names a request.
type RequestRef struct {
	ID      string
	SHA256  string
	Created time.Time
}

func (r RequestRef) headerLines() string {
	if r.ID == "" {
		return ""
	}
	return fmt.Sprintf("request: %s\nrequest-sha256: %s\nrequest-created: %s\n", r.ID, r.SHA256, r.Created.UTC().Format(time.RFC3339))
}

func parseRequestRef(fields map[string]string) RequestRef {
	r := RequestRef{ID: fields["request"], SHA256: fields["request-sha256"]}
	r.Created, _ = time.Parse(time.RFC3339, fields["request-created"])
	return r
}

func newMessageID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// damaged is the error of a pseudoreg file that fails to decrypt part way:
// bytes changed, cut off, or appended after the encrypted message.
func damaged(path string, err error) error {
	if err == nil {
		return fmt.Errorf("linkage: %s is empty inside its encryption: damaged or not made by koble", path)
	}
	if strings.Contains(err.Error(), "trailing data") {
		return fmt.Errorf("linkage: %s has trailing data after the encrypted message: bytes were appended to it; refused (use the file as it was sent)", path)
	}
	return fmt.Errorf("linkage: %s does not decrypt to its end: bytes were changed, cut off, or appended after the encrypted message (damaged or tampered with): refused", path)
}

// requestHash returns the SHA-256 of the request file at path: the
// register and the definer hash the encrypted file without reading it.
func requestHash(path string) (string, error) {
	sum, err := delivery.FileSHA256(path)
	if err != nil {
		return "", fmt.Errorf("linkage: request %s: %w", path, err)
	}
	return sum, nil
}

// checkAnswers refuses a file (an answer or an unmatched count) that does
// not answer the request whose file hashes to requestSHA256, or whose
// request is older than maxAge.
func checkAnswers(path, request string, h MessageHeader, maxAge time.Duration) error {
	want, err := requestHash(request)
	if err != nil {
		return err
	}
	switch {
	case h.Request.SHA256 == "":
		return fmt.Errorf("linkage: %s names no request it answers (made by an older koble?): refused; ask the administrator to translate %s again", path, request)
	case h.Request.SHA256 != want:
		return fmt.Errorf("linkage: %s answers another request (made %s), not %s: refused, as a replayed or stale answer would deliver the wrong sample; ask the administrator to translate %s",
			path, h.Request.Created.UTC().Format(time.RFC3339), request, request)
	}
	return checkAge(path, "its request was made", h.Request.Created, maxAge)
}

// checkAge refuses a file made more than maxAge ago.
func checkAge(path, what string, made time.Time, maxAge time.Duration) error {
	if made.IsZero() {
		return fmt.Errorf("linkage: %s: %s at an unknown time: refused", path, what)
	}
	if age := clock().Sub(made); age > maxAge {
		return fmt.Errorf("linkage: %s: %s on %s, %s ago, more than the plan's [pseudoreg] max_age of %s: refused; make a new request, or raise max_age in the plan",
			path, what, made.UTC().Format("2006-01-02"), formatDays(age), formatDays(maxAge))
	}
	return nil
}

func formatDays(d time.Duration) string {
	if d >= 24*time.Hour {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.Round(time.Minute).String()
}

// parseMaxAge reads a duration such as "30d", "2w" or "36h".
func parseMaxAge(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}
	if n := len(s); n > 1 {
		if u, ok := unit[s[n-1]]; ok {
			v, err := strconv.Atoi(s[:n-1])
			if err == nil && v > 0 {
				return time.Duration(v) * u, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("max_age %q: want a positive duration such as \"30d\", \"2w\" or \"36h\"", s)
	}
	return d, nil
}

// MaxAge returns how old a request may be when its answer is used: the
// plan's [pseudoreg] max_age, or [DefaultMaxAge].
func (p *Plan) MaxAge() time.Duration {
	if p.Pseudoreg != nil && p.Pseudoreg.MaxAge != "" {
		if d, err := parseMaxAge(p.Pseudoreg.MaxAge); err == nil {
			return d
		}
	}
	return DefaultMaxAge
}
