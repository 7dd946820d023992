package oprfservice

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientFilesRoundTrip makes a client from files, as prepare does, and
// gets serials with it.
func TestClientFilesRoundTrip(t *testing.T) {
	e := newEnv(t, nil)
	tokenFile := filepath.Join(e.dir, "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600))
	f := ClientFiles{Server: e.ts.URL, Project: "p1", PublicKey: e.svc.PublicKey("p1").String(),
		ServerCA: filepath.Join(e.dir, "ca.crt"), TokenFile: tokenFile}
	opts, err := f.Options()
	require.NoError(t, err)
	assert.Equal(t, testToken, opts.Token)
	c, err := NewClient(opts)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.CheckKey(context.Background()))
	got, err := c.Serials(context.Background(), canonicalIDs(t, 5))
	require.NoError(t, err)
	assert.Len(t, got, 5)
}

func TestClientFilesCertificate(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WriteTestPKI(dir, []string{"127.0.0.1"}, []string{"registry"}, time.Now()))
	f := ClientFiles{Server: "https://127.0.0.1:1", Project: "p1", PublicKey: testPublicKey(t),
		ServerCA: filepath.Join(dir, "ca.crt"), ClientCert: filepath.Join(dir, "registry.crt"), ClientKey: filepath.Join(dir, "registry.key")}
	opts, err := f.Options()
	require.NoError(t, err)
	assert.Len(t, opts.TLS.Certificates, 1)
	assert.NotNil(t, opts.TLS.RootCAs)
	assert.Empty(t, opts.Token)
}

// TestClientFilesErrors: every wrong setting is named by its key and file,
// and no error quotes a token or a private key.
func TestClientFilesErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WriteTestPKI(dir, []string{"127.0.0.1"}, []string{"registry"}, time.Now()))
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(text), 0o600))
		return p
	}
	emptyToken := write("empty.token", "\n")
	spaced := write("spaced.token", "Bearer abc def\n")
	notPEM := write("not.pem", "hello\n")
	good := ClientFiles{Server: "https://127.0.0.1:1", Project: "p1", PublicKey: testPublicKey(t), TokenFile: write("ok.token", "tok\n")}
	cases := []struct {
		name, key, msg string
		edit           func(*ClientFiles)
	}{
		{"no server", "server", "missing", func(f *ClientFiles) { f.Server = "" }},
		{"plain http", "server", "must start with https://", func(f *ClientFiles) { f.Server = "http://x" }},
		{"no project", "project", "missing", func(f *ClientFiles) { f.Project = "" }},
		{"no public key", "public_key", "koble key info", func(f *ClientFiles) { f.PublicKey = "" }},
		{"bad public key", "public_key", "64 hex", func(f *ClientFiles) { f.PublicKey = "abcd" }},
		{"no credentials", "client_cert", "no credentials", func(f *ClientFiles) { f.TokenFile = "" }},
		{"cert without key", "client_cert", "together", func(f *ClientFiles) { f.ClientCert = filepath.Join(dir, "registry.crt") }},
		{"missing token file", "token_file", "no such file", func(f *ClientFiles) { f.TokenFile = filepath.Join(dir, "nope") }},
		{"empty token", "token_file", "first line is empty", func(f *ClientFiles) { f.TokenFile = emptyToken }},
		{"token with spaces", "token_file", "not a bearer token", func(f *ClientFiles) { f.TokenFile = spaced }},
		{"CA not PEM", "server_ca", "no PEM certificate", func(f *ClientFiles) { f.ServerCA = notPEM }},
		{"CA missing", "server_ca", "no such file", func(f *ClientFiles) { f.ServerCA = filepath.Join(dir, "nope") }},
		{"key missing", "client_key", "no such file", func(f *ClientFiles) {
			f.ClientCert, f.ClientKey = filepath.Join(dir, "registry.crt"), filepath.Join(dir, "nope")
		}},
		{"key of another", "client_cert", "with key", func(f *ClientFiles) {
			f.ClientCert, f.ClientKey = filepath.Join(dir, "registry.crt"), filepath.Join(dir, "server.key")
		}},
	}
	for _, c := range cases {
		f := good
		c.edit(&f)
		_, err := f.Options()
		var se *SettingError
		require.True(t, errors.As(err, &se), "%s: %v", c.name, err)
		assert.Equal(t, c.key, se.Key, c.name)
		assert.Contains(t, err.Error(), c.msg, c.name)
		assert.NotContains(t, err.Error(), "abc def", c.name)
		assert.NotContains(t, err.Error(), "PRIVATE KEY", c.name)
		if se.Path != "" {
			assert.Contains(t, err.Error(), se.Path, c.name)
		}
	}
}

func testPublicKey(t *testing.T) string {
	e := newEnv(t, nil)
	return e.svc.PublicKey("p1").String()
}
