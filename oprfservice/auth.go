package oprfservice

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// authError is a refused authentication, with the message for the client.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

// authenticator finds the client of a request: by bearer token (the
// config holds the token's SHA-256 only) or by a client certificate issued
// by the client CA, whose common name is the client's name. Certificates
// are verified here, not in the TLS handshake, so that an expired or
// foreign certificate gets an HTTP answer and an audit record.
type authenticator struct {
	byName  map[string]*ClientConfig
	byToken map[string]*ClientConfig
	roots   *x509.CertPool
}

func newAuthenticator(clients []ClientConfig, roots *x509.CertPool) *authenticator {
	a := &authenticator{byName: map[string]*ClientConfig{}, byToken: map[string]*ClientConfig{}, roots: roots}
	for i := range clients {
		c := &clients[i]
		a.byName[c.Name] = c
		if c.TokenSHA256 != "" {
			a.byToken[strings.ToLower(c.TokenSHA256)] = c
		}
	}
	return a
}

// HashToken returns the hex SHA-256 of a bearer token, as the config's
// token_sha256 holds it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func (a *authenticator) authenticate(r *http.Request, now time.Time) (*ClientConfig, error) {
	c, err := a.identify(r, now)
	if err != nil {
		return nil, err
	}
	if !c.Expires.IsZero() && now.After(c.Expires) {
		return nil, &authError{fmt.Sprintf("the credentials of client %q expired on %s", c.Name, c.Expires.UTC().Format(time.RFC3339))}
	}
	return c, nil
}

func (a *authenticator) identify(r *http.Request, now time.Time) (*ClientConfig, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || token == "" {
			return nil, &authError{"the Authorization header is not \"Bearer <token>\""}
		}
		// The lookup key is a hash of the token, so its timing says
		// nothing useful about the token.
		if c := a.byToken[HashToken(token)]; c != nil {
			return c, nil
		}
		return nil, &authError{"unknown token"}
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, &authError{"no credentials: present a client certificate or an Authorization: Bearer token"}
	}
	if a.roots == nil {
		return nil, &authError{"this service takes no client certificates (no client_ca): use a token"}
	}
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: a.roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return nil, &authError{fmt.Sprintf("client certificate %q has expired or is not yet valid", leaf.Subject.CommonName)}
		}
		return nil, &authError{fmt.Sprintf("client certificate %q is not issued by this service's client CA", leaf.Subject.CommonName)}
	}
	c := a.byName[leaf.Subject.CommonName]
	if c == nil {
		return nil, &authError{fmt.Sprintf("client certificate %q names no configured client", leaf.Subject.CommonName)}
	}
	return c, nil
}
