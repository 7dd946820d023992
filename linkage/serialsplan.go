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
//
// A centralised linkage, and the sample definer of a pseudonymous-register
// linkage, ask the service for the sample's persons with the credentials
// in [serials.credentials] (SPEC.md §9.8, §9.9).
type SerialsPlan struct {
	Source    string `toml:"source"`
	Server    string `toml:"server"`
	PublicKey string `toml:"public_key"`
	ServerCA  string `toml:"server_ca"`
	BatchSize int    `toml:"batch_size"`
	InFlight  int    `toml:"in_flight"`
	// Credentials are those of the party that asks the service for a
	// sample's persons: the centralised linker, or the sample definer of
	// a pseudonymous-register linkage (files on that party's machine).
	Credentials *CredentialsPlan `toml:"credentials"`
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
		return p.resolveCredentials(*s.Credentials)
	}
	return CredentialsPlan{}
}

// OwnCredentials returns [serials.credentials] with their paths resolved
// against the plan's folder (the zero value if the plan names none).
func (p *Plan) OwnCredentials() CredentialsPlan {
	if p.Serials == nil || p.Serials.Credentials == nil {
		return CredentialsPlan{}
	}
	return p.resolveCredentials(*p.Serials.Credentials)
}

func (p *Plan) resolveCredentials(c CredentialsPlan) CredentialsPlan {
	for _, f := range []*string{&c.ClientCert, &c.ClientKey, &c.TokenFile, &c.DateKey} {
		if *f != "" {
			*f = p.path(*f)
		}
	}
	return c
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
	for _, src := range p.Sources {
		p.checkSourceCredentials(src, bad)
	}
	p.checkOwnCredentials(bad)
}

// checkSourceCredentials checks one source's [source.credentials] with
// the service: a source of a distributed linkage asks the service and
// names its credentials; a pseudonymous register asks for nothing and
// needs only the date key; a centralised run's sources hold none.
func (p *Plan) checkSourceCredentials(src SourcePlan, bad func(string, ...any)) {
	c := src.Credentials
	shifts := len(src.Dates.Shift) > 0
	switch {
	case p.Mode == Centralised:
		if c != nil {
			bad("source %q: a centralised linkage runs every source at one party, with its credentials in [serials.credentials], not [source.credentials]", src.Name)
		}
		return
	case p.regs[src.Name].Kind == Pseudonymous:
		if c != nil && (c.ClientCert != "" || c.ClientKey != "" || c.TokenFile != "") {
			bad("source %q is a pseudonymous register: it asks the service for nothing (the administrator's answer carries its serials); its credentials take date_key only", src.Name)
		}
		if shifts && (c == nil || c.DateKey == "") {
			bad("source %q: dates.shift needs credentials.date_key (koble key export KEYFILE --purpose dates)", src.Name)
		}
		return
	}
	switch {
	case c == nil || (c.ClientCert == "" && c.TokenFile == ""):
		bad("source %q: [source.credentials] needs client_cert and client_key, or token_file, for the service", src.Name)
	case (c.ClientCert == "") != (c.ClientKey == ""):
		bad("source %q: credentials: client_cert and client_key go together", src.Name)
	}
	if c != nil && c.DateKey == "" && shifts {
		bad("source %q: dates.shift needs credentials.date_key (koble key export KEYFILE --purpose dates)", src.Name)
	}
}

// checkOwnCredentials checks [serials.credentials]: those of the party
// that defines a sample and asks the service for its persons, the
// centralised linker or the sample definer of a pseudonymous-register
// linkage (SPEC.md §9.8, §9.9).
func (p *Plan) checkOwnCredentials(bad func(string, ...any)) {
	c := p.Serials.Credentials
	definer := p.Mode == Centralised || (p.Sample != nil && p.PseudoregSource() != "")
	if !definer {
		if c != nil {
			bad("serials: credentials are the centralised linker's or the sample definer's; in a distributed linkage each source names its own in [source.credentials]")
		}
		return
	}
	switch {
	case c == nil || (c.ClientCert == "" && c.TokenFile == ""):
		bad("serials: [serials.credentials] needs client_cert and client_key, or token_file: the %s asks the service for the sample's serials", p.definerRole())
	case (c.ClientCert == "") != (c.ClientKey == ""):
		bad("serials: credentials: client_cert and client_key go together")
	}
	if p.Mode != Centralised {
		return
	}
	for _, src := range p.Sources {
		if len(src.Dates.Shift) > 0 && (c == nil || c.DateKey == "") {
			bad("source %q: dates.shift needs serials.credentials.date_key (koble key export KEYFILE --purpose dates)", src.Name)
			return
		}
	}
}

// definerRole names the party that asks the service for the sample.
func (p *Plan) definerRole() string {
	if p.Mode == Centralised {
		return "centralised linker"
	}
	return "sample definer"
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
	case !p.UsesOPRF() && opts.Evaluator != nil:
		return fmt.Errorf("linkage: plan %s: serials come from the project key; the service needs [serials] source = %q", p.file, SerialsOPRF)
	case p.UsesOPRF() && p.Mode == Centralised && opts.Evaluator == nil:
		return errors.New("linkage: no oblivious-serial service for the centralised run")
	case p.UsesOPRF() && p.Mode == Centralised:
		return nil
	case p.UsesOPRF() && opts.Source == "":
		return fmt.Errorf("linkage: plan %s: [serials] source = %q: each source runs its own part with its own credentials (koble link %s --source NAME)", p.file, SerialsOPRF, p.file)
	case p.UsesOPRF() && opts.Serials == nil:
		return errors.New("linkage: no serial source for the service")
	}
	return nil
}

// checkKeyHolder checks that a party of the pseudonymous-register flow
// holds the project key if and only if the plan's serials come from it.
func (p *Plan) checkKeyHolder(hasKey bool) error {
	switch {
	case p.UsesOPRF() && hasKey:
		return fmt.Errorf("linkage: plan %s: [serials] source = %q: the parties hold no project key (the service is the key holder)", p.file, SerialsOPRF)
	case !p.UsesOPRF() && !hasKey:
		return errors.New("linkage: no project key")
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
