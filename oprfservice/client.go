package oprfservice

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// ClientOptions configure a [Client]. URL, Project and PublicKey are
// required; the rest have defaults.
type ClientOptions struct {
	// URL is the service's base address, https://host:port.
	URL string
	// Project is the project whose serials are asked for.
	Project string
	// PublicKey is the project's OPRF public key as the administrator
	// published it: every answer is checked against it.
	PublicKey *oprf.PublicKey
	// TLS holds the trust roots (RootCAs) and, for mTLS, the client
	// certificate. TLS 1.3 is enforced whatever it says.
	TLS *tls.Config
	// Token, if set, is sent as Authorization: Bearer.
	Token string
	// BatchSize is the number of IDs a request carries (default 1000); it
	// must not exceed the service's max_batch.
	BatchSize int
	// InFlight is the number of requests in flight at once (default 4).
	InFlight int
	// Retries is how often a request is retried after a transient error
	// (network, 429, 502-504; default 5), waiting Backoff (default 200 ms),
	// doubled each time up to 10 s, or what Retry-After says.
	Retries int
	Backoff time.Duration
}

// Client asks a koble OPRF service for serials. It is safe for concurrent
// use.
type Client struct {
	opts ClientOptions
	oc   *oprf.Client
	http *http.Client
}

// ServerError is a refusal from the service.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized:
		hint = " (check the client certificate or token)"
	case http.StatusForbidden:
		hint = " (the administrator sets grants and quotas)"
	}
	return fmt.Sprintf("oprf service refused the request: %d %s: %s%s", e.Status, http.StatusText(e.Status), e.Message, hint)
}

func (e *ServerError) transient() bool {
	switch e.Status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// NewClient checks the options and makes a client.
func NewClient(opts ClientOptions) (*Client, error) {
	if !strings.HasPrefix(opts.URL, "https://") {
		return nil, fmt.Errorf("oprfservice: server URL %q must start with https://", opts.URL)
	}
	if opts.Project == "" || opts.PublicKey == nil {
		return nil, errors.New("oprfservice: a client needs the project and its published OPRF public key")
	}
	opts.URL = strings.TrimRight(opts.URL, "/")
	if opts.BatchSize <= 0 {
		opts.BatchSize = 1000
	}
	if opts.InFlight <= 0 {
		opts.InFlight = 4
	}
	if opts.Retries == 0 {
		opts.Retries = 5
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 200 * time.Millisecond
	}
	tc := &tls.Config{}
	if opts.TLS != nil {
		tc = opts.TLS.Clone()
	}
	tc.MinVersion = tls.VersionTLS13
	tr := &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: opts.InFlight,
		ResponseHeaderTimeout: 5 * time.Minute}
	return &Client{opts: opts, oc: oprf.NewClient(opts.PublicKey), http: &http.Client{Transport: tr}}, nil
}

// CheckKey asks the service for the project's public key and compares it
// with the pinned one, to fail early on a wrong server or project.
func (c *Client) CheckKey(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opts.URL+"/v1/projects/"+c.opts.Project+"/key", nil)
	if err != nil {
		return fmt.Errorf("oprfservice: %w", err)
	}
	var kr KeyResponse
	if err := c.do(req, &kr); err != nil {
		return err
	}
	if kr.Suite != oprf.SuiteID || kr.Mode != Mode {
		return fmt.Errorf("oprfservice: the service answers with %s in %s mode, want %s in %s mode", kr.Suite, kr.Mode, oprf.SuiteID, Mode)
	}
	if kr.PublicKey != c.opts.PublicKey.String() {
		// The pinned key is not repeated: it came from the user, who may
		// have pasted something else.
		return fmt.Errorf("oprfservice: the service's public key for project %q is %s, not the published one this source pinned: refusing it", c.opts.Project, kr.PublicKey)
	}
	return nil
}

// Describe says where the client's serials come from: the service's
// project and the public key every answer is checked against (for a
// report; never a credential).
func (c *Client) Describe() string {
	return "oprf service, project " + c.opts.Project + ", public key " + c.opts.PublicKey.String()
}

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Serials returns the serials of inputs (canonical IDs), in order. It
// splits them into batches and keeps up to InFlight requests in flight.
// On any failure it returns an error and no serial.
func (c *Client) Serials(ctx context.Context, inputs [][]byte) ([]pseudonym.Serial, error) {
	outs, err := c.Outputs(ctx, inputs)
	if err != nil {
		return nil, err
	}
	return oprf.Serials(outs), nil
}

// Outputs returns the RFC 9497 outputs of inputs (canonical IDs), in
// order, batched and pipelined as [Client.Serials]: for a caller that
// also needs each person's rank in a dense series (SPEC.md §9.8). On any
// failure it returns an error and no output.
func (c *Client) Outputs(ctx context.Context, inputs [][]byte) ([]oprf.Output, error) {
	out := make([]oprf.Output, len(inputs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
		sem      = make(chan struct{}, c.opts.InFlight)
	)
	for lo := 0; lo < len(inputs); lo += c.opts.BatchSize {
		hi := min(lo+c.opts.BatchSize, len(inputs))
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			s, err := c.batch(ctx, inputs[lo:hi])
			if err != nil {
				once.Do(func() { firstErr = err; cancel() })
				return
			}
			copy(out[lo:hi], s)
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// batch evaluates one batch, retrying transient failures with fresh blinds.
func (c *Client) batch(ctx context.Context, inputs [][]byte) ([]oprf.Output, error) {
	wait := c.opts.Backoff
	for attempt := 0; ; attempt++ {
		s, err := c.try(ctx, inputs)
		if err == nil || attempt >= c.opts.Retries || !transient(err) || ctx.Err() != nil {
			return s, err
		}
		d := wait
		var re *retryAfter
		if errors.As(err, &re) && re.after > d {
			d = re.after
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait = min(2*wait, 10*time.Second)
	}
}

func (c *Client) try(ctx context.Context, inputs [][]byte) ([]oprf.Output, error) {
	r, err := c.oc.Blind(inputs)
	if err != nil {
		return nil, err
	}
	body := EvaluateRequest{Project: c.opts.Project, BlindedElements: make([]string, len(r.Blinded))}
	for i, b := range r.Blinded {
		body.BlindedElements[i] = base64.StdEncoding.EncodeToString(b)
	}
	buf, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.opts.URL+"/v1/evaluate", bytes.NewReader(buf))
	if err != nil {
		return nil, fmt.Errorf("oprfservice: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	var er EvaluateResponse
	if err := c.do(req, &er); err != nil {
		return nil, err
	}
	if er.Suite != oprf.SuiteID || er.Mode != Mode {
		return nil, fmt.Errorf("oprfservice: the service answered with %s in %s mode", er.Suite, er.Mode)
	}
	return c.oc.Outputs(r, er.EvaluatedElements, er.Proof)
}

// retryAfter wraps a 429 with the wait the service asked for.
type retryAfter struct {
	*ServerError
	after time.Duration
}

func (e *retryAfter) Unwrap() error { return e.ServerError }

// netError is a failure to reach the service or read its answer.
type netError struct{ err error }

func (e *netError) Error() string {
	return "oprfservice: cannot reach the service: " + e.err.Error()
}
func (e *netError) Unwrap() error { return e.err }

func transient(err error) bool {
	var se *ServerError
	if errors.As(err, &se) {
		return se.transient()
	}
	var ne *netError
	return errors.As(err, &ne)
}

// do sends req with the credentials and decodes a 200 answer into v.
func (c *Client) do(req *http.Request, v any) error {
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return req.Context().Err()
		}
		return &netError{err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &netError{err}
	}
	if resp.StatusCode != http.StatusOK {
		var e ErrorResponse
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(body[:min(len(body), 200)]))
		}
		se := &ServerError{Status: resp.StatusCode, Message: e.Error}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && resp.StatusCode == http.StatusTooManyRequests {
			return &retryAfter{se, time.Duration(secs) * time.Second}
		}
		return se
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("oprfservice: the service's answer is not valid JSON: %w", err)
	}
	return nil
}
