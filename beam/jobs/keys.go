package jobs

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"strings"

	"filippo.io/age"

	"github.com/koble/koble/linkage"
	"github.com/koble/koble/pseudonym"
)

// Keys says where the workers find the project key: an age-encrypted key
// file (as 'koble keygen' writes it) and an age identity file that opens
// it, both read through Beam's file systems when a worker starts. Only
// these names travel in the pipeline's graph, never the secret; keep both
// files where only the pipeline's workers may read them (a bucket of the
// worker service account, say).
type Keys struct {
	KeyFile      string
	IdentityFile string
}

// identities reads the age identity file.
func (k Keys) identities(ctx context.Context) ([]age.Identity, error) {
	if k.KeyFile == "" || k.IdentityFile == "" {
		return nil, errors.New("koble-beam: the workers need the key file (--key) and an age identity file that opens it (--identity)")
	}
	raw, err := readFile(ctx, k.IdentityFile)
	if err != nil {
		return nil, err
	}
	ids, err := age.ParseIdentities(bytes.NewReader(raw))
	clear(raw)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: identity file %s: not an age identity file (an encrypted one must be decrypted into the workers' secret store first)", k.IdentityFile)
	}
	return ids, nil
}

// open reads and decrypts the project key. Errors name the files, never
// their contents.
func (k Keys) open(ctx context.Context) (*pseudonym.Key, error) {
	ids, err := k.identities(ctx)
	if err != nil {
		return nil, err
	}
	kf, err := readFile(ctx, k.KeyFile)
	if err != nil {
		return nil, err
	}
	key, err := pseudonym.ReadKeyFile(bytes.NewReader(kf), ids...)
	if err != nil {
		return nil, fmt.Errorf("koble-beam: key file %s: %w", k.KeyFile, err)
	}
	return key, nil
}

// serialKeyRecipients parses the plan's output.serial_key_recipients.
func serialKeyRecipients(p *linkage.Plan) ([]age.Recipient, error) {
	var rcpts []age.Recipient
	for _, r := range p.Output.SerialKeyRecipients {
		parsed, err := age.ParseRecipients(strings.NewReader(r))
		if err != nil {
			return nil, fmt.Errorf("koble-beam: plan %s: output.serial_key_recipients: a value is not an age recipient (age1... or age1pq1...)", p.File())
		}
		rcpts = append(rcpts, parsed...)
	}
	return rcpts, nil
}

// sealer encrypts and decrypts canonical IDs as SPEC.md §7.1 says: with
// AES-256-GCM under the project's seal key ([pseudonym.Key.SealKey],
// label "koble/v1/sealed-id"), the nonce the first 12 bytes of the
// person's series key (a keyed hash of the ID, see
// [linkage.SeriesKeyOf]) and the whole series key as additional data, so
// that the same person always gives the same sealed bytes and a sealed ID
// opens only beside its own series key. It is safe for concurrent use.
type sealer struct{ aead cipher.AEAD }

func newSealer(key *pseudonym.Key) (*sealer, error) {
	k := key.SealKey()
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(key [16]byte, id pseudonym.ID) []byte {
	return s.aead.Seal(nil, key[:12], id.AppendCanonical(nil), key[:])
}

func (s *sealer) open(key [16]byte, sealed []byte) (pseudonym.ID, error) {
	canon, err := s.aead.Open(nil, key[:12], sealed, key[:])
	if err != nil {
		return pseudonym.ID{}, errors.New("koble-beam: a sealed sample person does not open with the project key (damaged, or sealed with another key)")
	}
	defer clear(canon)
	id, err := linkage.ParseStoredID(canon)
	if err != nil {
		return pseudonym.ID{}, fmt.Errorf("koble-beam: a sealed sample person: %w", err)
	}
	return id, nil
}
