package oprfservice

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/koble/koble/internal/testids"
	"github.com/koble/koble/pseudonym"
)

// testNow is the fixed clock of the tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// testToken is the bearer token of client "tok".
const testToken = "s3cret-token-of-the-tests"

// env is a running service over loopback TLS with its PKI and keys.
type env struct {
	t      *testing.T
	dir    string
	cfg    *Config
	svc    *Service
	ts     *httptest.Server
	pki    *PKI
	keys   map[string]*pseudonym.Key
	certs  map[string]tls.Certificate
	rootCA *x509.CertPool
}

func testConfig(dir string) *Config {
	grant := func(p string) GrantConfig {
		return GrantConfig{Project: p, Cohort: 100_000, Deliveries: 1, Rate: 1e9}
	}
	return &Config{
		Listen: "127.0.0.1:0", TLSCert: filepath.Join(dir, "server.crt"), TLSKey: filepath.Join(dir, "server.key"),
		ClientCA: filepath.Join(dir, "ca.crt"), AuditLog: filepath.Join(dir, "audit.jsonl"), MaxBatch: 1000,
		Projects: []ProjectConfig{{Name: "p1", KeyFile: "p1.key"}, {Name: "p2", KeyFile: "p2.key"}},
		Clients: []ClientConfig{
			{Name: "registry", Grants: []GrantConfig{grant("p1"), grant("p2")}},
			{Name: "tok", TokenSHA256: HashToken(testToken), Grants: []GrantConfig{grant("p1")}},
			{Name: "old", TokenSHA256: HashToken("old-token"), Expires: testNow.Add(-time.Hour), Grants: []GrantConfig{grant("p1")}},
			{Name: "small", TokenSHA256: HashToken("small-token"), Grants: []GrantConfig{{Project: "p1", Cohort: 50, Deliveries: 2, Rate: 1e9}}},
			{Name: "slow", TokenSHA256: HashToken("slow-token"), Grants: []GrantConfig{{Project: "p1", Cohort: 10_000, Deliveries: 1, Rate: 10}}},
			{Name: "expired", Grants: []GrantConfig{grant("p1")}},
			{Name: "nogrant", TokenSHA256: HashToken("nogrant-token")},
		},
	}
}

// newEnv starts a service; edit may change the configuration first.
func newEnv(t *testing.T, edit func(*Config)) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, keys: map[string]*pseudonym.Key{}, certs: map[string]tls.Certificate{}}
	var err error
	e.pki, err = NewPKI(testNow)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.crt"), e.pki.CertPEM, 0o644))
	c, k, err := e.pki.Issue("server", []string{"127.0.0.1", "localhost"}, testNow.Add(-time.Hour), testNow.AddDate(1, 0, 0))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "server.crt"), c, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "server.key"), k, 0o600))
	e.rootCA = x509.NewCertPool()
	e.rootCA.AppendCertsFromPEM(e.pki.CertPEM)
	e.issue("registry", e.pki, testNow.AddDate(1, 0, 0))
	e.issue("expired", e.pki, testNow.Add(-time.Minute))
	foreign, err := NewPKI(testNow)
	require.NoError(t, err)
	e.issue("foreign", foreign, testNow.AddDate(1, 0, 0))
	for _, p := range []string{"p1", "p2"} {
		e.keys[p], err = pseudonym.GenerateKey(rand.Reader, p, testNow)
		require.NoError(t, err)
	}
	e.cfg = testConfig(dir)
	if edit != nil {
		edit(e.cfg)
	}
	require.NoError(t, e.cfg.Check())
	e.start()
	return e
}

func (e *env) issue(name string, p *PKI, notAfter time.Time) {
	c, k, err := p.Issue(name, nil, testNow.Add(-48*time.Hour), notAfter)
	require.NoError(e.t, err)
	e.certs[name], err = tls.X509KeyPair(c, k)
	require.NoError(e.t, err)
}

// start (re)starts the service on the same configuration and audit log.
func (e *env) start() {
	var err error
	e.svc, err = New(e.cfg, e.keys, Options{Now: func() time.Time { return testNow }})
	require.NoError(e.t, err)
	tc, err := e.svc.TLSConfig()
	require.NoError(e.t, err)
	e.ts = httptest.NewUnstartedServer(e.svc.Handler())
	e.ts.TLS = tc
	e.ts.StartTLS()
	e.t.Cleanup(e.stop)
}

func (e *env) stop() {
	if e.ts != nil {
		e.ts.Close()
		e.svc.Close()
		e.ts = nil
	}
}

// clientTLS trusts the test CA and presents the named client certificate
// ("" for none).
func (e *env) clientTLS(cert string) *tls.Config {
	tc := &tls.Config{RootCAs: e.rootCA, MinVersion: tls.VersionTLS13}
	if cert != "" {
		tc.Certificates = []tls.Certificate{e.certs[cert]}
	}
	return tc
}

// client makes an OPRF client for project with the named certificate.
func (e *env) client(project, cert, token string, edit func(*ClientOptions)) *Client {
	srv := e.svc.projects[project]
	opts := ClientOptions{URL: e.ts.URL, Project: project, PublicKey: srv.PublicKey(), TLS: e.clientTLS(cert),
		Token: token, BatchSize: 250, InFlight: 4, Backoff: time.Millisecond}
	if edit != nil {
		edit(&opts)
	}
	c, err := NewClient(opts)
	require.NoError(e.t, err)
	e.t.Cleanup(c.Close)
	return c
}

func canonicalIDs(t testing.TB, n int) [][]byte {
	out := make([][]byte, n)
	for i, s := range testids.Norwegian(n) {
		id, err := pseudonym.Parse(pseudonym.Norway{}, s)
		require.NoError(t, err)
		out[i] = id.AppendCanonical(nil)
	}
	return out
}

func readLog(t *testing.T, path string) []Record {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var recs []Record
	require.NoError(t, verifyChain(f, func(r *Record, _ string) { recs = append(recs, *r) }))
	return recs
}
