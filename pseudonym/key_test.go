package pseudonym

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var created = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

func TestNewKeyRejectsDegenerateSecrets(t *testing.T) {
	_, err := NewKey("p", make([]byte, 32), created)
	assert.ErrorIs(t, err, ErrDegenerateSecret)
	_, err = NewKey("p", make([]byte, 31), created)
	assert.ErrorContains(t, err, "31 bytes, want 32")
	_, err = NewKey("", bytes.Repeat([]byte{1}, 32), created)
	assert.ErrorContains(t, err, "project name is empty")
	_, err = NewKey("a\nb", bytes.Repeat([]byte{1}, 32), created)
	assert.ErrorContains(t, err, "not one line")
}

func TestKeyFileRoundTrip(t *testing.T) {
	key, err := GenerateKey(rand.Reader, "cancer-and-medication-2026", created)
	require.NoError(t, err)
	x, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	pq, err := age.GenerateHybridIdentity()
	require.NoError(t, err)
	pass, err := age.NewScryptRecipient("correct horse battery staple")
	require.NoError(t, err)
	pass.SetWorkFactor(10) // fast for tests; the CLI keeps age's default
	passID, err := age.NewScryptIdentity("correct horse battery staple")
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		rcpt age.Recipient
		id   age.Identity
	}{
		{"x25519", x.Recipient(), x},
		{"hybrid post-quantum", pq.Recipient(), pq},
		{"passphrase", pass, passID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteKeyFile(&buf, key, tc.rcpt))
			assert.True(t, strings.HasPrefix(buf.String(), "-----BEGIN AGE ENCRYPTED FILE-----"))
			secretB64 := base64.StdEncoding.EncodeToString(key.secret[:])
			assert.NotContains(t, buf.String(), secretB64)
			assert.NotContains(t, buf.String(), "cancer-and-medication", "the project name is inside the encryption")

			got, err := ReadKeyFile(bytes.NewReader(buf.Bytes()), tc.id)
			require.NoError(t, err)
			assert.Equal(t, key.Project(), got.Project())
			assert.Equal(t, key.Created(), got.Created())
			assert.Equal(t, key.Fingerprint(), got.Fingerprint())
			assert.Equal(t, key.SerialKey(), got.SerialKey())
		})
	}

	var buf bytes.Buffer
	require.NoError(t, WriteKeyFile(&buf, key, x.Recipient()))
	t.Run("wrong identity", func(t *testing.T) {
		other, _ := age.GenerateX25519Identity()
		_, err := ReadKeyFile(bytes.NewReader(buf.Bytes()), other)
		assert.ErrorContains(t, err, "wrong passphrase or identity")
	})
	t.Run("tampered", func(t *testing.T) {
		raw := buf.Bytes()
		// Flip one base64 character in the armored body, past the header.
		i := bytes.LastIndex(raw, []byte("\n-----END")) - 10
		tampered := append([]byte(nil), raw...)
		if tampered[i] == 'A' {
			tampered[i] = 'B'
		} else {
			tampered[i] = 'A'
		}
		_, err := ReadKeyFile(bytes.NewReader(tampered), x)
		require.Error(t, err)
	})
	t.Run("not a key file", func(t *testing.T) {
		var b bytes.Buffer
		w, _ := age.Encrypt(&b, x.Recipient())
		w.Write([]byte("hello: world\n"))
		w.Close()
		_, err := ReadKeyFile(&b, x)
		assert.ErrorIs(t, err, ErrKeyFileFormat)
	})
	t.Run("not age at all", func(t *testing.T) {
		_, err := ReadKeyFile(strings.NewReader("koble-key-file: 1\n"), x)
		assert.ErrorContains(t, err, "cannot open key file")
	})
	t.Run("no recipients", func(t *testing.T) {
		assert.Error(t, WriteKeyFile(&bytes.Buffer{}, key))
	})
}

func TestParsePayloadErrorsHideSecret(t *testing.T) {
	secret := "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U="
	for _, payload := range []string{
		"koble-key-file: 2\nproject: p\ncreated: 2026-01-01T00:00:00Z\nsecret: " + secret + "\n",
		"koble-key-file: 1\nproject: p\ncreated: 2026-01-01T00:00:00Z\nsecret: " + secret + "!\n",
		"koble-key-file: 1\nproject: p\ncreated: yesterday\nsecret: " + secret + "\n",
		"koble-key-file: 1\nproject: p\nextra: x\ncreated: 2026-01-01T00:00:00Z\nsecret: " + secret + "\n",
	} {
		_, err := parsePayload([]byte(payload))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), secret[:20])
	}
}

func TestPurposeKeysDiffer(t *testing.T) {
	key, err := GenerateKey(rand.Reader, "p", created)
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, k := range [][]byte{key.SerialKey(), key.DateShiftKey(), key.OrderKey(), key.derive(labelFingerprint)} {
		keys[string(k)] = true
	}
	assert.Len(t, keys, 4)
}

func TestKeyClose(t *testing.T) {
	key, err := GenerateKey(rand.Reader, "p", created)
	require.NoError(t, err)
	key.Close()
	assert.Equal(t, [SecretSize]byte{}, key.secret)
	assert.PanicsWithValue(t, ErrKeyClosed.Error(), func() { key.SerialKey() })
}
