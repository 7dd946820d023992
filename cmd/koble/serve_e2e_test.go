package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/oprfservice"
)

// The tokens of the in-process service's clients.
const (
	e2eToken      = "e2e-token-of-the-registry"
	e2eSmallToken = "e2e-token-with-a-small-quota"
)

// served is a 'koble serve' running in this process on loopback, with
// what a source needs to use it.
type served struct {
	dir, url, pub, ca, audit string
	keyFile, identity        string
	tokenFile, smallToken    string
}

// inProcess runs the command line in this process and returns its exit code,
// stdout and stderr.
func inProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb})
	return code, out.String(), errb.String()
}

func mustKoble(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errs := inProcess(t, args...)
	require.Equal(t, 0, code, "koble %s: %s", strings.Join(args, " "), errs)
	return out
}

// startServe makes a project key, a self-signed PKI and a configuration,
// runs 'koble serve' until the test ends, and waits until it listens.
// The client "registry" has a quota of cohort evaluations; "small" of 10.
func startServe(t *testing.T, cohort int) *served {
	t.Helper()
	dir := t.TempDir()
	s := &served{dir: dir, keyFile: filepath.Join(dir, "p1.key"), identity: filepath.Join(dir, "admin.identity"),
		ca: filepath.Join(dir, "pki", "ca.crt"), audit: filepath.Join(dir, "audit.jsonl"),
		tokenFile: filepath.Join(dir, "registry.token"), smallToken: filepath.Join(dir, "small.token")}
	id, err := age.GenerateX25519Identity()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(s.identity, []byte(id.String()+"\n"), 0o600))
	require.NoError(t, os.WriteFile(s.tokenFile, []byte(e2eToken+"\n"), 0o600))
	require.NoError(t, os.WriteFile(s.smallToken, []byte(e2eSmallToken+"\n"), 0o600))
	mustKoble(t, "keygen", "--project", "p1", "--out", s.keyFile, "--recipient", id.Recipient().String())
	info := mustKoble(t, "key", "info", s.keyFile, "--identity", s.identity)
	m := regexp.MustCompile(`oprf public key: ([0-9a-f]{64})`).FindStringSubmatch(info)
	require.NotNil(t, m, "key info prints the OPRF public key")
	s.pub = m[1]
	mustKoble(t, "serve", "testpki", "--out", filepath.Join(dir, "pki"), "--client", "registry")
	conf := fmt.Sprintf(`listen = "127.0.0.1:0"
tls_cert = "pki/server.crt"
tls_key = "pki/server.key"
client_ca = "pki/ca.crt"
audit_log = "audit.jsonl"
max_batch = 500

[[project]]
name = "p1"
key_file = "p1.key"

[[client]]
name = "registry"
token_sha256 = %q
  [[client.grant]]
  project = "p1"
  cohort = %d
  deliveries = 1
  rate = 1e9

[[client]]
name = "small"
token_sha256 = %q
  [[client.grant]]
  project = "p1"
  cohort = 10
  deliveries = 1
  rate = 1e9
`, oprfservice.HashToken(e2eToken), cohort, oprfservice.HashToken(e2eSmallToken))
	config := filepath.Join(dir, "serve.toml")
	require.NoError(t, os.WriteFile(config, []byte(conf), 0o644))
	ready := filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	var errb bytes.Buffer
	go func() {
		done <- runContext(ctx, []string{"serve", "--config", config, "--identity", s.identity, "--ready-file", ready},
			env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb})
	}()
	t.Cleanup(func() {
		cancel()
		assert.Equal(t, 0, <-done, "koble serve stops cleanly")
	})
	for s.url == "" {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("koble serve exited with %d", code)
		case <-time.After(20 * time.Millisecond):
		}
		if b, err := os.ReadFile(ready); err == nil {
			s.url = strings.TrimSpace(string(b))
		}
	}
	return s
}

// sourceFlags are the flags of a source that uses the service with the
// registry's token.
func (s *served) sourceFlags() []string {
	return []string{"--serials", "oprf", "--server", s.url, "--project", "p1", "--public-key", s.pub,
		"--server-ca", s.ca, "--token-file", s.tokenFile}
}

// auditRecords checks the audit log's chain and returns its records.
func (s *served) auditRecords(t *testing.T) int {
	out := mustKoble(t, "audit", "verify", s.audit)
	// The path may come back redacted (a temporary folder's digits can
	// read as an ID): read the count after the last ": ".
	m := regexp.MustCompile(`: (\d+) records, chain intact`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	var n int
	_, err := fmt.Sscanf(m[1], "%d", &n)
	require.NoError(t, err, out)
	return n
}
