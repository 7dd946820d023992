package pseudonym

import (
	"bufio"
	"errors"
	"io"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// Errors of [Decrypt]. None of them quotes the file: an age parser's own
// message may quote the bytes it could not read, and in a key file those
// bytes are the secret.
var (
	// ErrNotEncrypted: the file is not an age-encrypted file (binary or
	// armored), or its header is damaged.
	ErrNotEncrypted = errors.New("not an age-encrypted file, or its header is damaged")
	// ErrRawSecret: the file holds a bare secret (hex digits), not an
	// encrypted key file.
	ErrRawSecret = errors.New("the file holds a bare secret in hex, not an encrypted key file")
	// ErrWrongIdentity: no given passphrase or identity opens the file.
	ErrWrongIdentity = errors.New("wrong passphrase or identity: the file is not encrypted to this identity")
)

// DecryptError says which file could not be opened and why. Err is one of
// [ErrNotEncrypted], [ErrRawSecret] or [ErrWrongIdentity]; the message
// never holds the file's contents.
type DecryptError struct {
	Kind string // what the file should be, such as "key file"
	Err  error
}

func (e *DecryptError) Error() string {
	return "pseudonym: cannot open " + e.Kind + ": " + e.Err.Error()
}

func (e *DecryptError) Unwrap() error { return e.Err }

// Decrypt opens an age-encrypted file, binary or armored, with the
// identities, and returns its plaintext reader. kind names what the file
// should be ("key file", "request") in the errors, which are
// [*DecryptError] and never quote the file. Errors while reading the
// plaintext (a tampered payload) are age's own and quote nothing.
func Decrypt(r io.Reader, kind string, identities ...age.Identity) (io.Reader, error) {
	br := bufio.NewReader(r)
	var src io.Reader = br
	start, _ := br.Peek(len(armor.Header))
	switch {
	case string(start) == armor.Header:
		src = armor.NewReader(br)
	case isHexSecret(br):
		return nil, &DecryptError{Kind: kind, Err: ErrRawSecret}
	}
	dr, err := age.Decrypt(src, identities...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return nil, &DecryptError{Kind: kind, Err: ErrWrongIdentity}
		}
		return nil, &DecryptError{Kind: kind, Err: ErrNotEncrypted}
	}
	return dr, nil
}

// isHexSecret reports whether the file is a bare secret: 32 or more hex
// digits and nothing but white space after them (as 'koble synth' writes
// a synthetic register's pseudonym key).
func isHexSecret(br *bufio.Reader) bool {
	b, _ := br.Peek(256)
	n := 0
	for n < len(b) && (b[n] >= '0' && b[n] <= '9' || b[n] >= 'a' && b[n] <= 'f' || b[n] >= 'A' && b[n] <= 'F') {
		n++
	}
	if n < 32 {
		return false
	}
	for _, c := range b[n:] {
		if c != '\n' && c != '\r' && c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}
