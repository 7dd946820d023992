package oprfservice

import (
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

var million = flag.Bool("million", false, "check one million IDs through the service (slow)")

func TestSerialsMatchDirect(t *testing.T) {
	n := 10_000
	if *million {
		n = 1_000_000
	}
	e := newEnv(t, func(c *Config) { c.Clients[0].Grants[0].Cohort = int64(n) })
	inputs := canonicalIDs(t, n)
	got, err := e.client("p1", "registry", "", nil).Serials(context.Background(), inputs)
	require.NoError(t, err)
	require.Len(t, got, n)
	direct, err := oprf.NewServer(e.keys["p1"])
	require.NoError(t, err)
	for i, in := range inputs {
		want, err := direct.Serial(in)
		require.NoError(t, err)
		if want != got[i] {
			t.Fatalf("input %d: the service's serial differs from the key holder's", i)
		}
	}
	recs := readLog(t, e.cfg.AuditLog)
	total := 0
	for _, r := range recs {
		assert.Equal(t, "registry", r.Client)
		assert.Equal(t, 200, r.Status)
		total += r.Count
	}
	assert.Equal(t, n, total, "the audit log counts every evaluation")
}

func TestProjectsUnlinkable(t *testing.T) {
	e := newEnv(t, nil)
	inputs := canonicalIDs(t, 300)
	a, err := e.client("p1", "registry", "", nil).Serials(context.Background(), inputs)
	require.NoError(t, err)
	b, err := e.client("p2", "registry", "", nil).Serials(context.Background(), inputs)
	require.NoError(t, err)
	inA := map[pseudonym.Serial]bool{}
	for _, s := range a {
		inA[s] = true
	}
	for i, s := range b {
		assert.False(t, inA[s], "ID %d has a p1 serial in p2", i)
	}
}

func TestWrongPublicKeyRefused(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("p1", "registry", "", func(o *ClientOptions) { o.PublicKey = e.svc.PublicKey("p2") })
	_, err := c.Serials(context.Background(), canonicalIDs(t, 20))
	assert.ErrorIs(t, err, oprf.ErrProof)
	err = c.CheckKey(context.Background())
	assert.ErrorContains(t, err, "not the published")
	assert.NoError(t, e.client("p1", "registry", "", nil).CheckKey(context.Background()))
}

func TestTokenAuth(t *testing.T) {
	e := newEnv(t, nil)
	inputs := canonicalIDs(t, 10)
	got, err := e.client("p1", "", testToken, nil).Serials(context.Background(), inputs)
	require.NoError(t, err)
	assert.Len(t, got, 10)
	recs := readLog(t, e.cfg.AuditLog)
	require.Len(t, recs, 1)
	assert.Equal(t, "tok", recs[0].Client)
}

func TestQuotaRefusedNotRetried(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("p1", "", "small-token", func(o *ClientOptions) { o.BatchSize = 60; o.InFlight = 1 })
	_, err := c.Serials(context.Background(), canonicalIDs(t, 60))
	require.NoError(t, err)
	_, err = c.Serials(context.Background(), canonicalIDs(t, 60))
	var se *ServerError
	require.True(t, errors.As(err, &se), "got %v", err)
	assert.Equal(t, http.StatusForbidden, se.Status)
	assert.Contains(t, se.Error(), "quota exceeded: 60 of 100")
	// 40 more still fit.
	_, err = c.Serials(context.Background(), canonicalIDs(t, 40))
	require.NoError(t, err)
	recs := readLog(t, e.cfg.AuditLog)
	require.Len(t, recs, 3, "the refusal was not retried")
	assert.Equal(t, "quota exceeded", recs[1].Outcome)
}

// TestRestartContinues stops the service and starts it on the same audit
// log: the chain continues and so does the quota.
func TestRestartContinues(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client("p1", "", "small-token", func(o *ClientOptions) { o.BatchSize = 30 })
	_, err := c.Serials(context.Background(), canonicalIDs(t, 90))
	require.NoError(t, err)
	e.stop()
	e.start()
	c = e.client("p1", "", "small-token", nil)
	_, err = c.Serials(context.Background(), canonicalIDs(t, 20))
	assert.ErrorContains(t, err, "quota exceeded: 90 of 100")
	_, err = c.Serials(context.Background(), canonicalIDs(t, 10))
	require.NoError(t, err)
	recs := readLog(t, e.cfg.AuditLog)
	require.Len(t, recs, 5)
	for i, r := range recs {
		assert.Equal(t, int64(i+1), r.Seq)
	}
}

func TestRetriesTransientErrors(t *testing.T) {
	e := newEnv(t, nil)
	failures := 2
	inner := e.ts.Config.Handler
	e.ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/evaluate" && failures > 0 {
			failures--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		inner.ServeHTTP(w, r)
	})
	c := e.client("p1", "registry", "", func(o *ClientOptions) { o.InFlight = 1 })
	got, err := c.Serials(context.Background(), canonicalIDs(t, 10))
	require.NoError(t, err)
	assert.Len(t, got, 10)
	assert.Equal(t, 0, failures)

	failures = 100
	c = e.client("p1", "registry", "", func(o *ClientOptions) { o.InFlight = 1; o.Retries = 2 })
	_, err = c.Serials(context.Background(), canonicalIDs(t, 10))
	assert.ErrorContains(t, err, "503")
	assert.Equal(t, 97, failures, "one try and two retries")
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.client("p1", "registry", "", nil).Serials(context.Background(), canonicalIDs(t, 300))
	require.NoError(t, err)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.clientTLS("")}}
	get := func(path string) string {
		resp, err := hc.Get(e.ts.URL + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	assert.Equal(t, "ok\n", get("/healthz"))
	m := get("/metrics")
	assert.Contains(t, m, `koble_oprf_requests_total{status="200"} 2`)
	assert.Contains(t, m, `koble_oprf_evaluations_total{client="registry",project="p1"} 300`)
	assert.Contains(t, m, `koble_oprf_quota_remaining{client="registry",project="p1"} 99700`)
	assert.Contains(t, m, `koble_oprf_batch_seconds_count 2`)
	assert.Contains(t, m, "# TYPE koble_oprf_batch_seconds histogram")
}

// TestNothingSecretLogged checks that the audit log holds no ID, no
// element and no token.
func TestNothingSecretLogged(t *testing.T) {
	e := newEnv(t, nil)
	inputs := canonicalIDs(t, 50)
	_, err := e.client("p1", "", testToken, nil).Serials(context.Background(), inputs)
	require.NoError(t, err)
	b, err := os.ReadFile(e.cfg.AuditLog)
	require.NoError(t, err)
	log := string(b)
	for _, in := range inputs {
		digits := strings.TrimPrefix(string(in), "no:")
		assert.NotContains(t, log, digits)
	}
	assert.NotContains(t, log, testToken)
	assert.NotContains(t, log, HashToken(testToken))
}

func TestServeGracefulShutdown(t *testing.T) {
	e := newEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Serve(ctx, ln) }()
	c := e.client("p1", "registry", "", func(o *ClientOptions) { o.URL = "https://" + ln.Addr().String() })
	_, err = c.Serials(context.Background(), canonicalIDs(t, 10))
	require.NoError(t, err)
	cancel()
	require.NoError(t, <-done)
}

// TestOutputsMatchDirect: the outputs the client obtains give the same
// serial and rank (SPEC.md §9.8) as the key holder's direct evaluation.
func TestOutputsMatchDirect(t *testing.T) {
	e := newEnv(t, nil)
	inputs := canonicalIDs(t, 50)
	got, err := e.client("p1", "registry", "", nil).Outputs(context.Background(), inputs)
	require.NoError(t, err)
	require.Len(t, got, len(inputs))
	direct, err := oprf.NewServer(e.keys["p1"])
	require.NoError(t, err)
	ranks := map[uint64]bool{}
	for i, in := range inputs {
		want, err := direct.Output(in)
		require.NoError(t, err)
		assert.Equal(t, want.Serial(), got[i].Serial(), "input %d", i)
		assert.Equal(t, want.Rank(), got[i].Rank(), "input %d", i)
		ranks[got[i].Rank()] = true
	}
	assert.Len(t, ranks, len(inputs), "distinct persons have distinct ranks")
}
