package linkage

import (
	"errors"
	"fmt"

	"github.com/koble/koble/pseudonym"
)

// Serial sources a plan names in [serials] source.
const (
	SerialsKey  = "key"  // the project key file (the default)
	SerialsOPRF = "oprf" // the pseudonym administrator's oblivious-serial service
)

// SerialsPlan says where a plan's serials come from. With source =
// "oprf", every source gets its serials from the pseudonym
// administrator's service ('koble serve') and holds no project key; each
// source names its own credentials in [source.credentials].
//
//	[serials]
//	source     = "oprf"
//	server     = "https://pseudonym-admin.example:8443"
//	public_key = "…"          # the project's OPRF public key, as published
//	server_ca  = "pki/ca.crt" # optional: the CA of the service's certificate
type SerialsPlan struct {
	Source    string `toml:"source"`
	Server    string `toml:"server"`
	PublicKey string `toml:"public_key"`
	ServerCA  string `toml:"server_ca"`
	BatchSize int    `toml:"batch_size"`
	InFlight  int    `toml:"in_flight"`
}

// CredentialsPlan is one source's credentials for the service, files on
// the source's own machine: a client certificate and key, or a token
// file; and the date key that shifts its dates.
type CredentialsPlan struct {
	ClientCert string `toml:"client_cert"`
	ClientKey  string `toml:"client_key"`
	TokenFile  string `toml:"token_file"`
	DateKey    string `toml:"date_key"`
}

// UsesOPRF says whether the plan's serials come from the service.
func (p *Plan) UsesOPRF() bool { return p.Serials != nil && p.Serials.Source == SerialsOPRF }

// ServiceCredentials returns a source's credentials with their paths
// resolved against the plan's folder (the zero value if it names none).
func (p *Plan) ServiceCredentials(source string) CredentialsPlan {
	for _, s := range p.Sources {
		if s.Name != source || s.Credentials == nil {
			continue
		}
		c := *s.Credentials
		for _, f := range []*string{&c.ClientCert, &c.ClientKey, &c.TokenFile, &c.DateKey} {
			if *f != "" {
				*f = p.path(*f)
			}
		}
		return c
	}
	return CredentialsPlan{}
}

// ServerCAPath is [serials] server_ca resolved against the plan's folder.
func (p *Plan) ServerCAPath() string {
	if p.Serials == nil || p.Serials.ServerCA == "" {
		return ""
	}
	return p.path(p.Serials.ServerCA)
}

// checkSerials adds the problems of [serials] and the sources'
// credentials.
func (p *Plan) checkSerials(bad func(string, ...any)) {
	if p.Serials == nil {
		p.checkNoCredentials(bad)
		return
	}
	s := p.Serials
	switch s.Source {
	case "", SerialsKey:
		if s.Server != "" || s.PublicKey != "" || s.ServerCA != "" {
			bad("serials: server, public_key and server_ca need source = %q", SerialsOPRF)
		}
		p.checkNoCredentials(bad)
		return
	case SerialsOPRF:
	default:
		bad("serials: source %q: want %q (the project key file) or %q (the pseudonym administrator's service)", s.Source, SerialsKey, SerialsOPRF)
		return
	}
	if s.Server == "" || s.PublicKey == "" {
		bad("serials: source = %q needs server (https://host:port) and public_key (the project's OPRF public key, as the administrator published it)", SerialsOPRF)
	}
	if p.Mode != Distributed {
		bad("serials: source = %q is for distributed linkage, where each source runs its own part; centralised linkage holds the project key", SerialsOPRF)
	}
	for _, src := range p.Sources {
		c := src.Credentials
		if reg, ok := p.regs[src.Name]; ok && reg.Kind == Pseudonymous {
			continue
		}
		switch {
		case c == nil || (c.ClientCert == "" && c.TokenFile == ""):
			bad("source %q: [source.credentials] needs client_cert and client_key, or token_file, for the service", src.Name)
		case (c.ClientCert == "") != (c.ClientKey == ""):
			bad("source %q: credentials: client_cert and client_key go together", src.Name)
		}
		if c != nil && c.DateKey == "" && len(src.Dates.Shift) > 0 {
			bad("source %q: dates.shift needs credentials.date_key (koble key export KEYFILE --purpose dates)", src.Name)
		}
	}
}

func (p *Plan) checkNoCredentials(bad func(string, ...any)) {
	for _, src := range p.Sources {
		if src.Credentials != nil {
			bad("source %q: credentials are for [serials] source = %q", src.Name, SerialsOPRF)
		}
	}
}

// checkSerialsRun checks that a run has what the plan's serials need: the
// project key, or (oprf) a serial source for the one source it runs.
func (p *Plan) checkSerialsRun(opts LinkOptions) error {
	switch {
	case !p.UsesOPRF() && opts.Key == nil:
		return errors.New("linkage: no project key")
	case !p.UsesOPRF() && opts.Serials != nil:
		return fmt.Errorf("linkage: plan %s: serials come from the project key; a serial source needs [serials] source = %q", p.file, SerialsOPRF)
	case p.UsesOPRF() && opts.Key != nil:
		return fmt.Errorf("linkage: plan %s: [serials] source = %q: the sources hold no project key", p.file, SerialsOPRF)
	case p.UsesOPRF() && opts.Source == "":
		return fmt.Errorf("linkage: plan %s: [serials] source = %q: each source runs its own part with its own credentials (koble link %s --source NAME)", p.file, SerialsOPRF, p.file)
	case p.UsesOPRF() && opts.Serials == nil:
		return errors.New("linkage: no serial source for the service")
	}
	return nil
}

// fingerprint is the project key's fingerprint, or the date key's.
func (o LinkOptions) fingerprint() string {
	switch {
	case o.Key != nil:
		return o.Key.Fingerprint()
	case o.DateKey != nil:
		return o.DateKey.Fingerprint
	}
	return ""
}

// SourceScheme returns the ID scheme a source's IDs are parsed with, with
// the plan's reference date: a serial source parses them the same way.
func (p *Plan) SourceScheme(source string) (pseudonym.Scheme, error) {
	for _, s := range p.Sources {
		if s.Name == source {
			return p.scheme(s), nil
		}
	}
	return nil, fmt.Errorf("linkage: source %q: %w", source, errNoSuchSource)
}
