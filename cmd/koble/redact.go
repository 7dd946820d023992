package main

import (
	"bytes"
	"crypto/rand"
	"io"
	"strings"
	"sync"

	"github.com/koble/koble/pseudonym"
)

// Every message koble prints passes through one redaction step: run wraps
// the command's stdout and stderr in a redactWriter before any command
// sees them, so errors, hints, summaries, progress bars, `inspect` and
// `id check` output and plan graphs all have every national ID replaced
// by [pseudonym.Redacted], and every age identity by "[secret]", whoever
// prints them.
//
// Data is not a message: a delivery written to standard output
// (`--out -`) goes through the formats package straight to the process's
// standard output, not through these writers, byte for byte; what it may
// hold is the leak guard's business. Values koble generates itself and
// the user must copy exactly (a client token and its hash, an age
// recipient, an OPRF public key) are printed through globals.generated,
// which is not redacted: random text can hold ten digits that read as a
// CPR number, and a redacted token is useless. Inside a message, such a
// value (a SHA-256 koble computed, a key's fingerprint) is marked with
// verbatim: the marks hold a random nonce drawn when the process starts,
// so no input, file name or manifest field can forge them, and the text
// around the value is redacted as usual.

// redactWriter redacts whole lines: it keeps what follows the last line
// end ("\n" or "\r", so that a progress bar's redraws pass) until the
// next one, so that an ID printed in pieces is still seen whole. Flush
// writes what is left. It is safe for concurrent use.
type redactWriter struct {
	mu      sync.Mutex
	w       io.Writer
	pending []byte
}

// maxPending is the longest text kept back waiting for a line end.
const maxPending = 64 << 10

func newRedactWriter(w io.Writer) *redactWriter { return &redactWriter{w: w} }

// Write redacts and writes p's complete lines. It reports len(p) written
// unless the destination fails.
func (r *redactWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, p...)
	end := bytes.LastIndexAny(r.pending, "\n\r") + 1
	if end == 0 && len(r.pending) < maxPending {
		return len(p), nil
	}
	if end == 0 {
		end = len(r.pending)
	}
	if err := r.emit(end); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush redacts and writes what is pending.
func (r *redactWriter) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.emit(len(r.pending))
}

func (r *redactWriter) emit(end int) error {
	if end == 0 {
		return nil
	}
	out := redactMarked(string(r.pending[:end]))
	r.pending = append(r.pending[:0], r.pending[end:]...)
	_, err := io.WriteString(r.w, out)
	return err
}

// unwrap returns the writer under a redactWriter, for terminal checks.
func unwrap(w io.Writer) io.Writer {
	if r, ok := w.(*redactWriter); ok {
		return r.w
	}
	return w
}

// rawWriter writes to a redactWriter's destination unredacted, after what
// is pending there.
type rawWriter struct{ r *redactWriter }

func (w rawWriter) Write(p []byte) (int, error) {
	if err := w.r.Flush(); err != nil {
		return 0, err
	}
	return w.r.w.Write(p)
}

// verbatimOpen and verbatimClose enclose a value that passes the
// redaction unchanged. Both hold a nonce no input can know.
var verbatimOpen, verbatimClose = func() (string, string) {
	nonce := rand.Text()
	return "\x00<" + nonce + "\x00", "\x00" + nonce + ">\x00"
}()

// verbatim marks s, a value koble computed itself and not from the input
// (a file's SHA-256, a key's fingerprint), to be printed unredacted. Never
// mark text that comes from the input or the user.
func verbatim(s string) string { return verbatimOpen + s + verbatimClose }

// redactMarked redacts s outside its verbatim values and removes the
// marks. A mark left open (a line cut at maxPending) redacts the rest.
func redactMarked(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, verbatimOpen)
		if i < 0 {
			b.WriteString(redactMessage(strings.ReplaceAll(s, verbatimClose, "")))
			return b.String()
		}
		b.WriteString(redactMessage(strings.ReplaceAll(s[:i], verbatimClose, "")))
		s = s[i+len(verbatimOpen):]
		j := strings.Index(s, verbatimClose)
		if j < 0 {
			continue
		}
		b.WriteString(s[:j])
		s = s[j+len(verbatimClose):]
	}
}

// redactMessage replaces every national ID and every age secret in s.
func redactMessage(s string) string { return secretsRedacted(pseudonym.Redact(s)) }

// verbatimKey marks, in a serial source's description, the public key
// after "public key " (hex koble parsed and wrote again: no input's text)
// as verbatim, so that the manager can compare it with the published one.
func verbatimKey(desc string) string {
	const label = "public key "
	i := strings.LastIndex(desc, label)
	if i < 0 {
		return desc
	}
	key := desc[i+len(label):]
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		return desc
	}
	return desc[:i+len(label)] + verbatim(key)
}
