package oprfservice

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/koble/koble/pseudonym/oprf"
)

// blindedB64 returns n valid blinded elements in base64.
func blindedB64(t *testing.T, e *env, n int) []string {
	c := oprf.NewClient(e.svc.PublicKey("p1"))
	req, err := c.Blind(canonicalIDs(t, n))
	require.NoError(t, err)
	out := make([]string, n)
	for i, b := range req.Blinded {
		out[i] = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

func body(project string, elems []string) string {
	b, _ := json.Marshal(EvaluateRequest{Project: project, BlindedElements: elems})
	return string(b)
}

type call struct {
	name, cert, token, method, ctype, body string
	status                                 int
	msg, outcome                           string
}

func (e *env) do(t *testing.T, c call) (int, string, http.Header) {
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.clientTLS(c.cert)}}
	defer hc.CloseIdleConnections()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequest(method, e.ts.URL+"/v1/evaluate", strings.NewReader(c.body))
	require.NoError(t, err)
	ctype := c.ctype
	if ctype == "" {
		ctype = "application/json"
	}
	req.Header.Set("Content-Type", ctype)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := hc.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var er ErrorResponse
	if json.Unmarshal(b, &er) == nil && er.Error != "" {
		return resp.StatusCode, er.Error, resp.Header
	}
	return resp.StatusCode, string(b), resp.Header
}

// TestRefusals sends every kind of bad request and checks its status, its
// message and its audit record.
func TestRefusals(t *testing.T) {
	e := newEnv(t, nil)
	good := blindedB64(t, e, 3)
	withBad := func(bad []byte) []string {
		return []string{good[0], base64.StdEncoding.EncodeToString(bad), good[2]}
	}
	maxBatch := blindedB64(t, e, e.cfg.MaxBatch+1)
	cases := []call{
		{name: "no credentials", body: body("p1", good), status: 401, msg: "no credentials", outcome: "unauthenticated"},
		{name: "unknown token", token: "guess", body: body("p1", good), status: 401, msg: "unknown token", outcome: "unauthenticated"},
		{name: "expired token", token: "old-token", body: body("p1", good), status: 401, msg: `client "old" expired`, outcome: "unauthenticated"},
		{name: "expired certificate", cert: "expired", body: body("p1", good), status: 401, msg: "has expired", outcome: "unauthenticated"},
		{name: "foreign certificate", cert: "foreign", body: body("p1", good), status: 401, msg: "not issued by this service", outcome: "unauthenticated"},
		{name: "wrong method", cert: "registry", method: "GET", status: 405, msg: "use POST", outcome: "wrong method"},
		{name: "wrong content type", cert: "registry", ctype: "text/plain", body: body("p1", good), status: 415, msg: "application/json", outcome: "wrong content type"},
		{name: "not JSON", cert: "registry", body: "{", status: 400, msg: "not an evaluate request", outcome: "malformed body"},
		{name: "unknown field", cert: "registry", body: `{"project":"p1","blinded_elements":[],"x":1}`, status: 400, msg: "unknown field", outcome: "malformed body"},
		{name: "unknown project", cert: "registry", body: body("p9", good), status: 404, msg: `unknown project "p9"`, outcome: "unknown project"},
		{name: "no grant", token: "nogrant-token", body: body("p1", good), status: 403, msg: "no grant", outcome: "no grant"},
		{name: "empty batch", cert: "registry", body: body("p1", nil), status: 400, msg: "empty", outcome: "empty batch"},
		{name: "batch max plus one", cert: "registry", body: body("p1", maxBatch), status: 413, msg: "maximum is 1000", outcome: "batch too large"},
		{name: "body too large", cert: "registry", body: body("p1", append(maxBatch, maxBatch...)), status: 413, msg: "exceeds", outcome: "body too large"},
		{name: "not base64", cert: "registry", body: body("p1", []string{good[0], "!!"}), status: 400, msg: "element 1 is not standard base64", outcome: "malformed element"},
		{name: "short element", cert: "registry", body: body("p1", withBad(make([]byte, 31))), status: 400, msg: "element 1 is not 32 bytes", outcome: "malformed element"},
		{name: "identity element", cert: "registry", body: body("p1", withBad(make([]byte, 32))), status: 400, msg: "element 1 is the identity", outcome: "malformed element"},
		{name: "non-canonical element", cert: "registry", body: body("p1", withBad(bytes.Repeat([]byte{0xff}, 32))), status: 400, msg: "element 1 is not a canonical", outcome: "malformed element"},
		{name: "batch max", cert: "registry", body: body("p1", maxBatch[:e.cfg.MaxBatch]), status: 200, outcome: "ok"},
		{name: "batch max minus one", cert: "registry", body: body("p1", maxBatch[:e.cfg.MaxBatch-1]), status: 200, outcome: "ok"},
	}
	for _, c := range cases {
		status, msg, _ := e.do(t, c)
		assert.Equal(t, c.status, status, "%s: %s", c.name, msg)
		assert.Contains(t, msg, c.msg, c.name)
	}
	recs := readLog(t, e.cfg.AuditLog)
	require.Len(t, recs, len(cases), "one audit record a request")
	for i, c := range cases {
		assert.Equal(t, c.status, recs[i].Status, c.name)
		assert.Equal(t, c.outcome, recs[i].Outcome, c.name)
	}
	assert.Equal(t, "-", recs[0].Client)
	assert.Equal(t, "registry", recs[len(recs)-1].Client)
	assert.Equal(t, e.cfg.MaxBatch-1, recs[len(recs)-1].Count)
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, nil)
	// Rate 10 a second, burst max(10, max_batch) = 1000.
	first := body("p1", blindedB64(t, e, 1000))
	status, msg, _ := e.do(t, call{token: "slow-token", body: first})
	require.Equal(t, 200, status, msg)
	status, msg, h := e.do(t, call{token: "slow-token", body: body("p1", blindedB64(t, e, 20))})
	assert.Equal(t, 429, status)
	assert.Contains(t, msg, "rate limit of 10 evaluations a second")
	assert.Equal(t, "2", h.Get("Retry-After"))
	recs := readLog(t, e.cfg.AuditLog)
	require.Len(t, recs, 2)
	assert.Equal(t, "rate limited", recs[1].Outcome)
}

func TestPublicKeyEndpoint(t *testing.T) {
	e := newEnv(t, nil)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: e.clientTLS("registry")}}
	for project, want := range map[string]int{"p1": 200, "p9": 404} {
		resp, err := hc.Get(e.ts.URL + "/v1/projects/" + project + "/key")
		require.NoError(t, err)
		var kr KeyResponse
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&kr))
		resp.Body.Close()
		assert.Equal(t, want, resp.StatusCode, project)
		if want == 200 {
			assert.Equal(t, e.svc.PublicKey("p1").String(), kr.PublicKey)
			assert.Equal(t, fmt.Sprint(oprf.SuiteID), kr.Suite)
		}
	}
	resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: e.clientTLS("")}}).Get(e.ts.URL + "/v1/projects/p1/key")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
}
