package pseudonym

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// dateKeyFileVersion is the format version of a date-key file.
const dateKeyFileVersion = "1"

// ErrDateKeyFileFormat is returned for a file that is not a date-key file.
var ErrDateKeyFileFormat = errors.New("pseudonym: not a koble date-key file")

// DateKey is a project's date-shift purpose key alone, exported by the key
// holder for a source that gets its serials from the oblivious-serial
// service and so holds no project key. It shifts dates (package refdate)
// but computes no serial: HKDF is one-way, so it reveals neither the
// project secret nor the serial or OPRF keys. Close zeroes it.
type DateKey struct {
	// Project is the project's name.
	Project string
	// Fingerprint is the project key's fingerprint ([Key.Fingerprint]),
	// for reports.
	Fingerprint string
	key         []byte
}

// DateKey returns k's date-shift key as a DateKey.
func (k *Key) DateKey() *DateKey {
	return &DateKey{Project: k.project, Fingerprint: k.Fingerprint(), key: k.DateShiftKey()}
}

// Bytes returns the date-shift key itself. The caller must not keep or
// change it past Close.
func (d *DateKey) Bytes() []byte { return d.key }

// Close zeroes the key.
func (d *DateKey) Close() { clear(d.key) }

// WriteDateKeyFile writes d to w as an armored age file encrypted to the
// recipients, as [WriteKeyFile] does for a project key. It does not close
// w; create the file with O_EXCL and mode 0600.
func WriteDateKeyFile(w io.Writer, d *DateKey, recipients ...age.Recipient) error {
	if len(recipients) == 0 {
		return errors.New("pseudonym: a date-key file needs at least one recipient or a passphrase")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "koble-date-key-file: %s\nproject: %s\nfingerprint: %s\nkey: %s\n",
		dateKeyFileVersion, d.Project, d.Fingerprint, base64.StdEncoding.EncodeToString(d.key))
	defer clear(b.Bytes())
	aw := armor.NewWriter(w)
	ew, err := age.Encrypt(aw, recipients...)
	if err != nil {
		return fmt.Errorf("pseudonym: encrypting date-key file: %w", err)
	}
	if _, err := ew.Write(b.Bytes()); err != nil {
		return fmt.Errorf("pseudonym: writing date-key file: %w", err)
	}
	if err := ew.Close(); err != nil {
		return fmt.Errorf("pseudonym: writing date-key file: %w", err)
	}
	return aw.Close()
}

// ReadDateKeyFile decrypts and parses a date-key file. Errors never echo
// key material.
func ReadDateKeyFile(r io.Reader, identities ...age.Identity) (*DateKey, error) {
	payload, err := decryptSmall(r, "date-key file", identities)
	defer clear(payload)
	if err != nil {
		return nil, err
	}
	fields := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(payload), "\n"), "\n")
	for _, line := range lines {
		name, value, ok := strings.Cut(line, ": ")
		if _, dup := fields[name]; !ok || dup {
			return nil, ErrDateKeyFileFormat
		}
		fields[name] = value
	}
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "koble-date-key-file: ") {
		return nil, ErrDateKeyFileFormat
	}
	if v := fields["koble-date-key-file"]; v != dateKeyFileVersion {
		return nil, fmt.Errorf("%w: format version %q is not supported (want %s)", ErrDateKeyFileFormat, v, dateKeyFileVersion)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(fields["key"])
	if err != nil || len(key) != 32 {
		clear(key)
		return nil, fmt.Errorf("%w: the key is not 32 bytes of base64", ErrDateKeyFileFormat)
	}
	if err := checkProjectName(fields["project"]); err != nil {
		return nil, err
	}
	return &DateKey{Project: fields["project"], Fingerprint: fields["fingerprint"], key: key}, nil
}
