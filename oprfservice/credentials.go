package oprfservice

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/koble/koble/pseudonym/oprf"
)

// ClientFiles are a source's settings for the service as a command line or
// a plan gives them: the address, the project and its published public
// key, and the credentials as file names. [ClientFiles.Options] reads
// them. The keys of a plan's [serials] table are the field tags; the
// command line's flags are the same names with dashes (--server-ca).
type ClientFiles struct {
	// Server is the service's base address, https://host:port.
	Server string `toml:"server"`
	// Project is the project whose serials are asked for.
	Project string `toml:"project"`
	// PublicKey is the project's OPRF public key (64 hex characters) as
	// the administrator published it ('koble key info' prints it).
	PublicKey string `toml:"public_key"`
	// ServerCA is a PEM file of the certificates the service's certificate
	// chains to; empty means the system's roots.
	ServerCA string `toml:"server_ca"`
	// ClientCert and ClientKey are the client certificate and its private
	// key (PEM) for mutual TLS.
	ClientCert string `toml:"client_cert"`
	ClientKey  string `toml:"client_key"`
	// TokenFile is a file whose first line is the client's bearer token.
	// A token is never given on a command line, where other users of the
	// machine can read it.
	TokenFile string `toml:"token_file"`
	// BatchSize and InFlight tune the requests (see [ClientOptions]).
	BatchSize int `toml:"batch_size"`
	InFlight  int `toml:"in_flight"`
}

// SettingError is a wrong or unreadable setting of [ClientFiles]. Key is
// the setting's plan key (server_ca, client_cert, ...), so that a caller
// can name its own flag or plan key; Path is the file, if any.
type SettingError struct {
	Key  string
	Path string
	Err  error
}

func (e *SettingError) Error() string {
	if e.Path == "" {
		return e.Key + ": " + e.Err.Error()
	}
	return e.Key + " " + e.Path + ": " + e.Err.Error()
}

func (e *SettingError) Unwrap() error { return e.Err }

// Options checks the settings, reads the files and returns the options of
// a [Client]. It needs the server, the project, the public key and one
// credential: a client certificate with its key, or a token file.
func (f ClientFiles) Options() (ClientOptions, error) {
	bad := func(key, path string, format string, args ...any) (ClientOptions, error) {
		return ClientOptions{}, &SettingError{Key: key, Path: path, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case f.Server == "":
		return bad("server", "", "missing: the service's address, https://host:port")
	case !strings.HasPrefix(f.Server, "https://"):
		return bad("server", "", "%q must start with https://", f.Server)
	case f.Project == "":
		return bad("project", "", "missing: the project whose serials are asked for")
	case f.PublicKey == "":
		return bad("public_key", "", "missing: the project's OPRF public key as the administrator published it (koble key info)")
	case (f.ClientCert == "") != (f.ClientKey == ""):
		return bad("client_cert", f.ClientCert, "give the client certificate and its key (client_key) together")
	case f.ClientCert == "" && f.TokenFile == "":
		return bad("client_cert", "", "no credentials: give a client certificate and key, or a token file (token_file)")
	case f.BatchSize < 0 || f.InFlight < 0:
		return bad("batch_size", "", "batch size and requests in flight must not be negative")
	}
	pub, err := oprf.ParsePublicKey(f.PublicKey)
	if err != nil {
		return bad("public_key", "", "not an OPRF public key: want the 64 hex characters 'koble key info' prints")
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS13}
	if f.ServerCA != "" {
		pem, err := os.ReadFile(f.ServerCA)
		if err != nil {
			return bad("server_ca", f.ServerCA, "%w", unwrapPath(err))
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return bad("server_ca", f.ServerCA, "no PEM certificate in it")
		}
	}
	if f.ClientCert != "" {
		certPEM, err := os.ReadFile(f.ClientCert)
		if err != nil {
			return bad("client_cert", f.ClientCert, "%w", unwrapPath(err))
		}
		keyPEM, err := os.ReadFile(f.ClientKey)
		if err != nil {
			return bad("client_key", f.ClientKey, "%w", unwrapPath(err))
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		clear(keyPEM)
		if err != nil {
			// crypto/tls's message never quotes the key.
			return bad("client_cert", f.ClientCert, "with key %s: %w", f.ClientKey, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	opts := ClientOptions{URL: f.Server, Project: f.Project, PublicKey: pub, TLS: tc,
		BatchSize: f.BatchSize, InFlight: f.InFlight}
	if f.TokenFile != "" {
		if opts.Token, err = readToken(f.TokenFile); err != nil {
			return bad("token_file", f.TokenFile, "%w", err)
		}
	}
	return opts, nil
}

// readToken returns the first line of path; the error never quotes it.
func readToken(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", unwrapPath(err)
	}
	defer fh.Close()
	line, err := bufio.NewReader(io.LimitReader(fh, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", err
	}
	token := strings.TrimSpace(line)
	switch {
	case token == "":
		return "", errors.New("the first line is empty: it must hold the token ('koble serve token' makes one)")
	case strings.ContainsAny(token, " \t\"'"):
		return "", errors.New("the first line is not a bearer token (no spaces or quotes)")
	}
	return token, nil
}

// unwrapPath drops the path from an *os.PathError: the setting error names
// the file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
