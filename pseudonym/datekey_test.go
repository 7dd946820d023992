package pseudonym

import (
	"bytes"
	"crypto/rand"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDateKeyFile(t *testing.T) {
	// A hyphen is not in base64's alphabet, so the project name cannot turn
	// up in the armored ciphertext by chance ("p1" did, about one run in ten).
	key, err := GenerateKey(rand.Reader, "date-key-project", time.Now())
	require.NoError(t, err)
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, WriteDateKeyFile(&buf, key.DateKey(), id.Recipient()))
	assert.NotContains(t, buf.String(), "date-key-project")

	d, err := ReadDateKeyFile(bytes.NewReader(buf.Bytes()), id)
	require.NoError(t, err)
	assert.Equal(t, "date-key-project", d.Project)
	assert.Equal(t, key.Fingerprint(), d.Fingerprint)
	assert.Equal(t, key.DateShiftKey(), d.Bytes())
	assert.NotEqual(t, key.SerialKey(), d.Bytes(), "the date key is not the serial key")
	d.Close()
	assert.Equal(t, make([]byte, 32), d.Bytes())

	other, _ := age.GenerateX25519Identity()
	_, err = ReadDateKeyFile(bytes.NewReader(buf.Bytes()), other)
	assert.ErrorContains(t, err, "wrong passphrase or identity")

	// A project key file is not a date-key file.
	buf.Reset()
	require.NoError(t, WriteKeyFile(&buf, key, id.Recipient()))
	_, err = ReadDateKeyFile(&buf, id)
	assert.ErrorIs(t, err, ErrDateKeyFileFormat)

	assert.Error(t, WriteDateKeyFile(&buf, key.DateKey()))
}
