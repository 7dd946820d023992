package oprfservice

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodConfig = `
listen = "127.0.0.1:8443"
tls_cert = "server.crt"
tls_key = "server.key"
client_ca = "ca.crt"
audit_log = "audit.jsonl"
max_batch = 5000

[[project]]
name = "cancer-2026"
key_file = "cancer-2026.key"

[[client]]
name = "cancer-registry"
expires = 2027-06-30T00:00:00Z
  [[client.grant]]
  project = "cancer-2026"
  cohort = 100000
  deliveries = 3
  margin = 1.2
  rate = 50000
`

func writeConfig(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "serve.toml")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func TestLoadConfig(t *testing.T) {
	path := writeConfig(t, goodConfig)
	c, err := LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "audit.jsonl"), c.AuditLog)
	assert.Equal(t, filepath.Join(filepath.Dir(path), "cancer-2026.key"), c.Projects[0].KeyFile)
	assert.Equal(t, int64(360_000), c.Clients[0].Grants[0].Quota())
	assert.Equal(t, 2027, c.Clients[0].Expires.Year())
}

func TestLoadConfigErrors(t *testing.T) {
	cases := []struct{ name, edit, want string }{
		{"unknown key", "listen_port = 1\n" + goodConfig, "unknown key(s) listen_port"},
		{"no TLS", strings.Replace(goodConfig, `tls_cert = "server.crt"`, "", 1), "tls_cert and tls_key are required"},
		{"no audit log", strings.Replace(goodConfig, `audit_log = "audit.jsonl"`, "", 1), "audit_log is missing"},
		{"zero batch", strings.Replace(goodConfig, "max_batch = 5000", "max_batch = 0", 1), "max_batch must be at least 1"},
		{"grant of unknown project", strings.Replace(goodConfig, `project = "cancer-2026"`, `project = "other"`, 1), `grant for unknown project "other"`},
		{"no rate", strings.Replace(goodConfig, "rate = 50000", "", 1), "rate (evaluations per second) must be positive"},
		{"margin below one", strings.Replace(goodConfig, "margin = 1.2", "margin = 0.5", 1), "margin 0.5 is not between 1 and 10"},
		{"no way to authenticate", strings.Replace(goodConfig, `client_ca = "ca.crt"`, "", 1), "could never authenticate"},
		{"bad token hash", strings.Replace(goodConfig, `name = "cancer-registry"`, "name = \"cancer-registry\"\ntoken_sha256 = \"abc\"", 1), "token_sha256 is not 64 hex digits"},
		{"not TOML", "listen = ", "serve.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.edit)
			_, err := LoadConfig(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), path, "the error names the file")
		})
	}
}
