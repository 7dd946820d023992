package pseudonym

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// SecretSize is the size of a project secret in bytes.
const SecretSize = 32

// Domain-separation labels of the purpose keys, HKDF-SHA256 info strings.
// SPEC.md fixes them; a new construction gets a new label, never a reused one.
const (
	labelSerial      = "koble/v1/serial"
	labelDateShift   = "koble/v1/dateshift"
	labelOrder       = "koble/v1/order"
	labelFingerprint = "koble/v1/fingerprint"
	labelOPRF        = "koble/v1/oprf"
	labelSealedID    = "koble/v1/sealed-id"
)

// keyFileVersion is the format version written in a key file's payload.
const keyFileVersion = "1"

// Errors returned when opening a key.
var (
	ErrDegenerateSecret = errors.New("pseudonym: project secret is degenerate (all zero bytes)")
	ErrKeyClosed        = errors.New("pseudonym: key is closed")
	ErrKeyFileFormat    = errors.New("pseudonym: not a koble key file")
)

// Key is a project's secret with its name and creation time. All purpose
// keys (serials, date shifts, serial ordering, the fingerprint) derive from
// it. A Key is safe for concurrent use until Close, which zeroes the secret.
type Key struct {
	project string
	created time.Time
	secret  [SecretSize]byte
	closed  bool
}

// GenerateKey makes a new project key with a secret read from rand (use
// crypto/rand.Reader).
func GenerateKey(rand io.Reader, project string, created time.Time) (*Key, error) {
	var secret [SecretSize]byte
	if _, err := io.ReadFull(rand, secret[:]); err != nil {
		return nil, fmt.Errorf("pseudonym: reading randomness: %w", err)
	}
	defer clear(secret[:])
	return NewKey(project, secret[:], created)
}

// NewKey makes a Key from an existing secret, which is copied. It refuses a
// secret of the wrong length or of all zero bytes: a zero secret is what an
// uninitialised buffer looks like, never the output of a random generator.
func NewKey(project string, secret []byte, created time.Time) (*Key, error) {
	if err := checkProjectName(project); err != nil {
		return nil, err
	}
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("pseudonym: project secret has %d bytes, want %d", len(secret), SecretSize)
	}
	if subtle.ConstantTimeCompare(secret, make([]byte, SecretSize)) == 1 {
		return nil, ErrDegenerateSecret
	}
	k := &Key{project: project, created: created.UTC().Truncate(time.Second)}
	copy(k.secret[:], secret)
	return k, nil
}

func checkProjectName(project string) error {
	if project == "" {
		return errors.New("pseudonym: project name is empty")
	}
	if Redact(project) != project {
		// The name goes into reports, metadata and file names: it may
		// not be, or hold, an identity number.
		return errors.New("pseudonym: project name holds a national identity number: choose another name")
	}
	if len(project) > 200 || !utf8.ValidString(project) || strings.ContainsAny(project, "\r\n\x00") {
		return fmt.Errorf("pseudonym: project name %q is not one line of at most 200 bytes of UTF-8", project)
	}
	return nil
}

// Project returns the project name stored with the key.
func (k *Key) Project() string { return k.project }

// Created returns the key's creation time, in UTC to the second.
func (k *Key) Created() time.Time { return k.created }

// Close zeroes the secret. Later derivations panic with ErrKeyClosed's text.
func (k *Key) Close() {
	clear(k.secret[:])
	k.closed = true
}

// derive returns the 32-byte purpose key for label.
func (k *Key) derive(label string) []byte {
	if k.closed {
		panic(ErrKeyClosed.Error())
	}
	out, err := hkdf.Key(sha256.New, k.secret[:], nil, label, 32)
	if err != nil {
		panic("pseudonym: internal error: hkdf: " + err.Error())
	}
	return out
}

// SerialKey returns the key of the serial HMAC. Prefer [Key.Serials].
func (k *Key) SerialKey() []byte { return k.derive(labelSerial) }

// DateShiftKey returns the key from which per-person date offsets are
// derived (package refdate). The caller should clear it when done.
func (k *Key) DateShiftKey() []byte { return k.derive(labelDateShift) }

// OrderKey returns the key that orders persons before a dense serial series
// is assigned, so that numbering reveals nothing about the input order.
func (k *Key) OrderKey() []byte { return k.derive(labelOrder) }

// SealKey returns the AES-256-GCM key that seals a sample person's
// canonical ID while it crosses a cluster's workers (SPEC.md §7.1: the
// Beam module's centralised linkage). The caller should clear it when
// done.
func (k *Key) SealKey() []byte { return k.derive(labelSealedID) }

// OPRFSeed returns the seed from which the project's OPRF key pair derives
// (package pseudonym/oprf, RFC 9497 DeriveKeyPair). The caller should clear
// it when done.
func (k *Key) OPRFSeed() []byte { return k.derive(labelOPRF) }

// Fingerprint returns a short check value of the key, safe to share:
// every party of a project compares it to confirm they hold the same key
// without revealing it. It is 80 bits of an HKDF output in Crockford
// base32, grouped by four ("7K2M-9QXA-..."); SPEC.md defines it.
func (k *Key) Fingerprint() string {
	d := k.derive(labelFingerprint)
	defer clear(d)
	enc := crockford(d[:10])
	return enc[0:4] + "-" + enc[4:8] + "-" + enc[8:12] + "-" + enc[12:16]
}

// MarshalText returns the key file payload (before encryption): a header of
// "name: value" lines. It holds the secret: encrypt it, never write it out
// in clear. Use [WriteKeyFile].
func (k *Key) marshalPayload() []byte {
	if k.closed {
		panic(ErrKeyClosed.Error())
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "koble-key-file: %s\n", keyFileVersion)
	fmt.Fprintf(&b, "project: %s\n", k.project)
	fmt.Fprintf(&b, "created: %s\n", k.created.Format(time.RFC3339))
	fmt.Fprintf(&b, "secret: %s\n", base64.StdEncoding.EncodeToString(k.secret[:]))
	return b.Bytes()
}

// WriteKeyFile writes k to w as an armored age file encrypted to the
// recipients (an [age.ScryptRecipient] for a passphrase, or X25519 or hybrid
// post-quantum recipients). It does not close w. Create the file with
// O_EXCL and mode 0600.
func WriteKeyFile(w io.Writer, k *Key, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return errors.New("pseudonym: a key file needs at least one recipient or a passphrase")
	}
	aw := armor.NewWriter(w)
	ew, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return fmt.Errorf("pseudonym: encrypting key file: %w", err)
	}
	payload := k.marshalPayload()
	defer clear(payload)
	if _, err := ew.Write(payload); err != nil {
		return fmt.Errorf("pseudonym: writing key file: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("pseudonym: writing key file: %w", err)
	}
	if err := aw.Close(); err != nil {
		return fmt.Errorf("pseudonym: writing key file: %w", err)
	}
	return nil
}

// ReadKeyFile decrypts a key file with the identities (an
// [age.ScryptIdentity] for a passphrase) and parses it. A wrong passphrase
// or identity, a tampered file and a file that is not a koble key file each
// give a distinct error; none of them echoes key material.
func ReadKeyFile(r io.Reader, identities ...age.Identity) (*Key, error) {
	payload, err := decryptSmall(r, "key file", identities)
	defer clear(payload)
	if err != nil {
		return nil, err
	}
	return parsePayload(payload)
}

// decryptSmall decrypts an armored or binary age file of at most 64 KiB
// (a key file of some kind, named by what in errors). The caller clears
// the payload.
func decryptSmall(r io.Reader, what string, identities []age.Identity) ([]byte, error) {
	dr, err := Decrypt(r, what, identities...)
	if err != nil {
		return nil, err
	}
	payload, err := io.ReadAll(io.LimitReader(dr, 64<<10))
	if err != nil {
		clear(payload)
		return nil, fmt.Errorf("pseudonym: %s is damaged or tampered with: %w", what, err)
	}
	return payload, nil
}

func parsePayload(payload []byte) (*Key, error) {
	fields := map[string]string{}
	var order []string
	for _, line := range strings.Split(strings.TrimSuffix(string(payload), "\n"), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			return nil, ErrKeyFileFormat
		}
		if _, dup := fields[name]; dup {
			return nil, fmt.Errorf("%w: field %q appears twice", ErrKeyFileFormat, name)
		}
		fields[name] = value
		order = append(order, name)
	}
	if len(order) == 0 || order[0] != "koble-key-file" {
		return nil, ErrKeyFileFormat
	}
	if v := fields["koble-key-file"]; v != keyFileVersion {
		return nil, fmt.Errorf("%w: format version %q is not supported (want %s)", ErrKeyFileFormat, v, keyFileVersion)
	}
	for name := range fields {
		switch name {
		case "koble-key-file", "project", "created", "secret":
		default:
			return nil, fmt.Errorf("%w: unknown field %q", ErrKeyFileFormat, name)
		}
	}
	created, err := time.Parse(time.RFC3339, fields["created"])
	if err != nil {
		return nil, fmt.Errorf("%w: bad creation time", ErrKeyFileFormat)
	}
	secret, err := base64.StdEncoding.Strict().DecodeString(fields["secret"])
	defer clear(secret)
	if err != nil {
		// The value is secret: do not quote it.
		return nil, fmt.Errorf("%w: secret is not valid base64", ErrKeyFileFormat)
	}
	return NewKey(fields["project"], secret, created)
}
