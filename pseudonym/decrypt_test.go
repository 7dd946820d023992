package pseudonym

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretHex looks like a secret; no error may quote any part of it.
const secretHex = "3d6cd008e9e884082f87562a1c5be0f4d1a3b7c9e2f40618a9cb3d5e7f102468"

// assertNoSecret fails if msg holds 8 or more consecutive characters of
// secret.
func assertNoSecret(t *testing.T, msg, secret string) {
	t.Helper()
	for i := 0; i+8 <= len(secret); i++ {
		if strings.Contains(msg, secret[i:i+8]) {
			t.Fatalf("%q quotes the secret (%q)", msg, secret[i:i+8])
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	other, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var enc bytes.Buffer
	w, err := age.Encrypt(&enc, other.Recipient())
	require.NoError(t, err)
	w.Write([]byte("payload"))
	require.NoError(t, w.Close())

	tests := []struct {
		name string
		file string
		want error
	}{
		{"raw hex secret", secretHex + "\n", ErrRawSecret},
		{"raw hex, upper case, no line end", strings.ToUpper(secretHex), ErrRawSecret},
		{"age header quoting its intro", secretHex[:22] + "\n-> X25519 " + secretHex + "\n", ErrNotEncrypted},
		{"age stanza with the secret", "age-encryption.org/v1\n-> " + secretHex + " x\n" + secretHex + "\n--- x\n", ErrNotEncrypted},
		{"armored garbage", armor.Header + "\n" + secretHex + "!\n" + "-----END AGE ENCRYPTED FILE-----\n", ErrNotEncrypted},
		{"key file payload in clear", "koble-key-file: v1\nsecret: " + secretHex + "\n", ErrNotEncrypted},
		{"another identity", enc.String(), ErrWrongIdentity},
		{"empty", "", ErrNotEncrypted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decrypt(strings.NewReader(tc.file), "key file", id)
			require.Error(t, err)
			assert.True(t, errors.Is(err, tc.want), "got %v, want %v", err, tc.want)
			var de *DecryptError
			require.ErrorAs(t, err, &de)
			assert.Contains(t, err.Error(), "key file")
			assertNoSecret(t, err.Error(), secretHex)
			_, err = ReadKeyFile(strings.NewReader(tc.file), id)
			require.Error(t, err)
			assertNoSecret(t, err.Error(), secretHex)
		})
	}
}
