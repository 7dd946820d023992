package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad keys and passphrases, through every command that opens a key: exit
// 1, the key file named, nothing of any secret in the output (the key's
// hex digits, the passphrase, an identity).
func TestHostileKeys(t *testing.T) {
	ids := plantIDs(t, 2)
	const hexSecret = "8f2a64c01d9e7b35a6c4f0e2d81b7396a5c4e3f201d8b6a79e5c3f1a0b2d4c6e"
	const passphrase = "stable horse battery 4711 correct"
	planted := []string{ids[0], ids[1], hexSecret, passphrase, suiteIdentity}
	good, identity := suiteKey(t)
	// A named folder: the messages are read past the temporary path's
	// random digits, which may be redacted as an ID.
	dir := namedDir(t, "keys")
	pw := filepath.Join(dir, "pw.txt")
	require.NoError(t, os.WriteFile(pw, []byte(passphrase+"\n"), 0o600))
	wrongPw := filepath.Join(dir, "wrong.txt")
	require.NoError(t, os.WriteFile(wrongPw, []byte("not "+passphrase+"\n"), 0o600))
	emptyPw := filepath.Join(dir, "empty.txt")
	require.NoError(t, os.WriteFile(emptyPw, nil, 0o600))
	secret := filepath.Join(dir, "secret.hex")
	require.NoError(t, os.WriteFile(secret, []byte(hexSecret+"\n"), 0o600))
	withPw := filepath.Join(dir, "pw.key")
	o := koble("keygen", "--project", "hostile", "--out", withPw, "--passphrase-file", pw, "--secret-file", secret)
	require.Equal(t, exitOK, o.code, o)
	// Two projects from one secret: warned each time.
	assert.Contains(t, o.stderr, "koble: warning: the key is made from the existing secret in ")
	assert.Contains(t, o.stderr, "keys/secret.hex: every key made from it has fingerprint ")
	failClosed(t, o, expect{codes: []int{exitOK}}, planted)

	keyData, err := os.ReadFile(good)
	require.NoError(t, err)
	bad := map[string][]byte{
		"truncated.key": keyData[:len(keyData)/2],
		"flipped.key":   flip(keyData, len(keyData)/2),
		"appended.key":  append(append([]byte{}, keyData...), "\x00tail"...),
		"raw-hex.key":   []byte(hexSecret + "\n"),
		"identity.key":  []byte(suiteIdentity + "\n"),
		"empty.key":     nil,
		"ids.key":       []byte(ids[0] + "\n" + ids[1] + "\n"),
	}
	type opened struct {
		key  string
		with []string
	}
	var keys []opened
	for name, data := range bad {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, data, 0o600))
		keys = append(keys, opened{p, []string{"-i", identity}})
	}
	keys = append(keys,
		opened{withPw, []string{"--passphrase-file", wrongPw}},
		opened{withPw, []string{"--passphrase-file", emptyPw}},
		opened{withPw, []string{"--passphrase-file", filepath.Join(dir, "absent-pass.txt")}},
		opened{withPw, nil}, // no terminal to ask on
		opened{good, []string{"-i", secret}},
		opened{good, []string{"-i", pw}},
	)
	in := filepath.Join(dir, "reg.csv")
	require.NoError(t, os.WriteFile(in, []byte("fnr,d\n"+ids[0]+",2024-01-01\n"), 0o600))
	for _, k := range keys {
		commands := map[string][]string{
			"key info":   {"key", "info", k.key},
			"key export": {"key", "export", k.key, "--purpose", "dates", "--out", "OUT/d.key", "--recipient", suiteRecipient},
			"prepare":    {"prepare", "--key", k.key, "--in", in, "--out", "OUT/d.csv", "--id-column", "fnr"},
		}
		for name, args := range commands {
			t.Run(filepath.Base(k.key)+" "+strings.Join(k.with, " ")+" "+name, func(t *testing.T) {
				out := t.TempDir()
				full := append([]string{}, args...)
				for i, a := range full {
					full[i] = strings.Replace(a, "OUT/", out+"/", 1)
				}
				o := koble(append(full, k.with...)...)
				// The file at fault: the key, or the identity or
				// passphrase file given with it when that is unusable.
				named := filepath.Base(k.key)
				if n := len(k.with); n > 0 && k.with[n-1] != identity && k.with[n-1] != wrongPw {
					named = filepath.Base(k.with[n-1])
				}
				failClosed(t, o, expect{names: named}, planted, out)
				left, _ := os.ReadDir(out)
				assert.Empty(t, left)
			})
		}
	}
}

// A bare hex secret given as a key file with no identity or passphrase
// (as 'koble synth' writes a register's pseudonym key): no passphrase
// would open it, so none is asked for; the error says what the file is
// and the command that wraps it, for every command that opens a key.
func TestHostileBareSecretWithoutCredentials(t *testing.T) {
	const hexSecret = "8f2a64c01d9e7b35a6c4f0e2d81b7396a5c4e3f201d8b6a79e5c3f1a0b2d4c6e"
	dir := namedDir(t, "bare")
	key := filepath.Join(dir, "register.pseudonym-key")
	require.NoError(t, os.WriteFile(key, []byte(hexSecret+"\n"), 0o600))
	in := writeTemp(t, "reg.csv", "fnr,d\n")
	for _, args := range [][]string{
		{"key", "info", key},
		{"prepare", "--key", key, "--in", in, "--out", filepath.Join(t.TempDir(), "d.csv"), "--id-column", "fnr"},
	} {
		o := koble(args...)
		failClosed(t, o, expect{names: "bare/register.pseudonym-key"}, []string{hexSecret})
		assert.Contains(t, o.stderr, "the file holds a bare secret in hex", o)
		assert.Contains(t, o.stderr, "koble keygen --project NAME --secret-file ", o)
		assert.NotContains(t, o.stderr, "passphrase is needed", o)
	}
}
