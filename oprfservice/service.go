package oprfservice

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/koble/koble/pseudonym"
	"github.com/koble/koble/pseudonym/oprf"
)

// Options are the service's settings beside its configuration file.
type Options struct {
	// Now returns the current time (default time.Now); tests fix it.
	Now func() time.Time
	// ShutdownTimeout bounds how long Serve waits for requests in flight
	// after its context ends (default 30 seconds).
	ShutdownTimeout time.Duration
}

// Service is the pseudonym administrator's OPRF service. Make it with
// [New], serve it with [Service.Serve] (or mount [Service.Handler] behind
// a TLS 1.3 listener) and Close it when done.
type Service struct {
	cfg      *Config
	projects map[string]*oprf.Server
	grants   map[grantKey]GrantConfig
	auth     *authenticator
	log      *AuditLog
	limits   *limits
	metrics  *metrics
	opts     Options
}

// New makes the service from its configuration and the opened project
// keys (by project name; each key's project must match). It derives each
// project's OPRF key, so the caller may close the keys afterwards. It opens
// (and verifies) the audit log.
func New(cfg *Config, keys map[string]*pseudonym.Key, opts Options) (*Service, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	s := &Service{cfg: cfg, projects: map[string]*oprf.Server{}, grants: map[grantKey]GrantConfig{},
		limits: newLimits(), metrics: newMetrics(), opts: opts}
	for _, p := range cfg.Projects {
		k := keys[p.Name]
		if k == nil {
			return nil, fmt.Errorf("oprfservice: no key for project %q", p.Name)
		}
		if k.Project() != p.Name {
			return nil, fmt.Errorf("oprfservice: %s is the key of project %q, not %q", p.KeyFile, k.Project(), p.Name)
		}
		srv, err := oprf.NewServer(k)
		if err != nil {
			return nil, err
		}
		s.projects[p.Name] = srv
	}
	for _, c := range cfg.Clients {
		for _, g := range c.Grants {
			s.grants[grantKey{c.Name, g.Project}] = g
		}
	}
	var roots *x509.CertPool
	if cfg.ClientCA != "" {
		pem, err := os.ReadFile(cfg.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("oprfservice: client_ca: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oprfservice: client_ca %s holds no PEM certificate", cfg.ClientCA)
		}
	}
	s.auth = newAuthenticator(cfg.Clients, roots)
	log, err := OpenAuditLog(cfg.AuditLog)
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

// PublicKey returns a project's OPRF public key, or nil for an unknown
// project.
func (s *Service) PublicKey(project string) *oprf.PublicKey {
	if p := s.projects[project]; p != nil {
		return p.PublicKey()
	}
	return nil
}

// Handler returns the service's HTTP handler. It must be served over TLS
// 1.3 ([Service.TLSConfig]); client certificates are read from the
// connection. It is safe for concurrent use.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/evaluate", s.evaluate)
	mux.HandleFunc("GET /v1/projects/{project}/key", s.publicKey)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /metrics", s.writeMetrics)
	return mux
}

// TLSConfig returns the server's TLS configuration: TLS 1.3 only, the
// configured certificate, and client certificates requested (verified by
// the handler against client_ca) when client_ca is set.
func (s *Service) TLSConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("oprfservice: TLS certificate: %w", err)
	}
	c := &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	if s.auth.roots != nil {
		c.ClientAuth = tls.RequestClientCert
	}
	return c, nil
}

// Serve answers on ln over TLS 1.3 until ctx ends, then shuts down
// gracefully: it stops accepting, lets requests in flight finish (up to
// the shutdown timeout) and returns. It does not close the audit log; call
// Close after.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	tc, err := s.TLSConfig()
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: s.Handler(), TLSConfig: tc, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), s.opts.ShutdownTimeout)
		defer cancel()
		done <- hs.Shutdown(sctx)
	}()
	if err := hs.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("oprfservice: %w", err)
	}
	return <-done
}

// Close closes the audit log.
func (s *Service) Close() error { return s.log.Close() }
