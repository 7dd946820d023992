package jobs

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
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

// labelSealID derives the key that seals a sample person's national ID
// on the worker that read it, so that the ID crosses the cluster's shuffle
// only encrypted, to the one step that writes the serial key file.
const labelSealID = "koble/v1/beam/sealed-id"

// sealer encrypts and decrypts canonical IDs with AES-256-GCM. The nonce
// is the person's series key (a keyed hash of the ID, see
// [linkage.SeriesKeyOf]): the same person always gives the same sealed
// bytes, and two persons never share a nonce. It is safe for concurrent
// use.
type sealer struct{ aead cipher.AEAD }

func newSealer(key *pseudonym.Key) (*sealer, error) {
	order := key.OrderKey()
	defer clear(order)
	k, err := hkdf.Key(sha256.New, order, nil, labelSealID, 32)
	if err != nil {
		return nil, err
	}
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
