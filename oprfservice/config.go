package oprfservice

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the service's configuration file (TOML; unknown keys are
// errors). Relative paths are relative to the file's folder.
//
//	listen    = "127.0.0.1:8443"
//	tls_cert  = "server.crt"
//	tls_key   = "server.key"
//	client_ca = "ca.crt"        # client certificates (mTLS); optional with tokens
//	audit_log = "audit.jsonl"
//	max_batch = 10000
//
//	[[project]]
//	name     = "cancer-2026"
//	key_file = "cancer-2026.key"
//
//	[[client]]
//	name         = "cancer-registry"   # = the client certificate's common name
//	token_sha256 = "…"                 # optional: SHA-256 of a bearer token, hex
//	expires      = 2027-06-30T00:00:00Z
//	  [[client.grant]]
//	  project    = "cancer-2026"
//	  cohort     = 100000   # approved persons per delivery
//	  deliveries = 3
//	  margin     = 1.2      # optional, default 1.0
//	  rate       = 50000    # evaluations per second
type Config struct {
	Listen   string          `toml:"listen"`
	TLSCert  string          `toml:"tls_cert"`
	TLSKey   string          `toml:"tls_key"`
	ClientCA string          `toml:"client_ca"`
	AuditLog string          `toml:"audit_log"`
	MaxBatch int             `toml:"max_batch"`
	Projects []ProjectConfig `toml:"project"`
	Clients  []ClientConfig  `toml:"client"`

	file string
}

// ProjectConfig names a project and its key file.
type ProjectConfig struct {
	Name    string `toml:"name"`
	KeyFile string `toml:"key_file"`
}

// ClientConfig is one client (a source) and its grants.
type ClientConfig struct {
	Name        string        `toml:"name"`
	TokenSHA256 string        `toml:"token_sha256"`
	Expires     time.Time     `toml:"expires"`
	Grants      []GrantConfig `toml:"grant"`
}

// GrantConfig allows a client to evaluate for a project, up to a quota.
type GrantConfig struct {
	Project    string  `toml:"project"`
	Cohort     int64   `toml:"cohort"`
	Deliveries int64   `toml:"deliveries"`
	Margin     float64 `toml:"margin"`
	Rate       float64 `toml:"rate"`
}

// Quota is the number of evaluations the grant allows over its lifetime:
// ceil(cohort × margin) × deliveries.
func (g GrantConfig) Quota() int64 {
	m := g.Margin
	if m == 0 {
		m = 1
	}
	return int64(math.Ceil(float64(g.Cohort)*m)) * g.Deliveries
}

// LoadConfig reads and checks a configuration file, reporting every
// problem at once.
func LoadConfig(path string) (*Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("oprfservice: config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return nil, fmt.Errorf("oprfservice: config %s: unknown key(s) %s", path, strings.Join(keys, ", "))
	}
	c.file = path
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.TLSCert, &c.TLSKey, &c.ClientCA, &c.AuditLog} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i := range c.Projects {
		if p := &c.Projects[i].KeyFile; *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("oprfservice: config %s: %w", path, err)
	}
	return &c, nil
}

// Check validates the configuration.
func (c *Config) Check() error {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if c.Listen == "" {
		bad("listen is missing (for example listen = \"127.0.0.1:8443\")")
	}
	if c.TLSCert == "" || c.TLSKey == "" {
		bad("tls_cert and tls_key are required: the service speaks HTTPS only")
	}
	if c.AuditLog == "" {
		bad("audit_log is missing: every evaluation is logged")
	}
	if c.MaxBatch < 1 {
		bad("max_batch must be at least 1")
	}
	projects := map[string]bool{}
	for i, p := range c.Projects {
		if p.Name == "" || p.KeyFile == "" {
			bad("project %d needs name and key_file", i+1)
		}
		if projects[p.Name] {
			bad("project %q is listed twice", p.Name)
		}
		projects[p.Name] = true
	}
	if len(c.Projects) == 0 {
		bad("no [[project]]")
	}
	clients := map[string]bool{}
	for _, cl := range c.Clients {
		c.checkClient(cl, projects, clients, bad)
	}
	if len(probs) > 0 {
		return errors.New(strings.Join(probs, "; "))
	}
	return nil
}

func (c *Config) checkClient(cl ClientConfig, projects, clients map[string]bool, bad func(string, ...any)) {
	if cl.Name == "" || cl.Name == anonymous {
		bad("a client needs a name (not %q)", anonymous)
	}
	if clients[cl.Name] {
		bad("client %q is listed twice", cl.Name)
	}
	clients[cl.Name] = true
	if cl.TokenSHA256 != "" {
		if b, err := hex.DecodeString(cl.TokenSHA256); err != nil || len(b) != 32 {
			bad("client %q: token_sha256 is not 64 hex digits ('koble serve token' makes one)", cl.Name)
		}
	} else if c.ClientCA == "" {
		bad("client %q has no token_sha256 and there is no client_ca: it could never authenticate", cl.Name)
	}
	granted := map[string]bool{}
	for _, g := range cl.Grants {
		if !projects[g.Project] {
			bad("client %q: grant for unknown project %q", cl.Name, g.Project)
		}
		if granted[g.Project] {
			bad("client %q: two grants for project %q", cl.Name, g.Project)
		}
		granted[g.Project] = true
		if g.Cohort < 1 || g.Deliveries < 1 {
			bad("client %q, project %q: cohort and deliveries must be at least 1", cl.Name, g.Project)
		}
		if g.Margin != 0 && (g.Margin < 1 || g.Margin > 10) {
			bad("client %q, project %q: margin %g is not between 1 and 10", cl.Name, g.Project, g.Margin)
		}
		if g.Rate <= 0 {
			bad("client %q, project %q: rate (evaluations per second) must be positive", cl.Name, g.Project)
		}
	}
}
