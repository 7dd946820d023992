package oprfservice

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// PKI is a self-signed certificate authority for tests and trials: it
// issues the service's certificate and clients' certificates. A
// production service uses certificates from the organisation's own CA.
type PKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// CertPEM is the CA certificate, for the service's client_ca and the
	// clients' trust roots.
	CertPEM []byte
}

// NewPKI makes a CA valid from now for ten years.
func NewPKI(now time.Time) (*PKI, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "koble test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("oprfservice: making the CA: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &PKI{cert: cert, key: key, CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Issue makes a certificate and its private key (PEM) for name, valid
// between notBefore and notAfter: a server certificate for hosts (DNS
// names or IP addresses) when hosts is not empty, else a client
// certificate whose common name is the client's name.
func (p *PKI) Issue(name string, hosts []string, notBefore, notAfter time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if len(hosts) > 0 {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		for _, h := range hosts {
			if ip := net.ParseIP(h); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, h)
			}
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		return nil, nil, fmt.Errorf("oprfservice: issuing %q: %w", name, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// WriteTestPKI writes a self-signed setup into dir: ca.crt, server.crt and
// server.key (for hosts), and NAME.crt and NAME.key for each client, valid
// for a year. It refuses to replace an existing file; private keys get
// mode 0600. The CA's own key is not kept: issue new certificates with a
// new setup.
func WriteTestPKI(dir string, hosts, clients []string, now time.Time) error {
	if len(hosts) == 0 {
		return errors.New("oprfservice: the server certificate needs at least one host name or address")
	}
	p, err := NewPKI(now)
	if err != nil {
		return err
	}
	type file struct {
		name string
		data []byte
		mode os.FileMode
	}
	files := []file{{"ca.crt", p.CertPEM, 0o644}}
	issue := func(name string, hosts []string) error {
		c, k, err := p.Issue(name, hosts, now.Add(-time.Hour), now.AddDate(1, 0, 0))
		files = append(files, file{name + ".crt", c, 0o644}, file{name + ".key", k, 0o600})
		return err
	}
	if err := issue("server", hosts); err != nil {
		return err
	}
	for _, c := range clients {
		if c == "" || c == "server" || c == "ca" || filepath.Base(c) != c {
			return fmt.Errorf("oprfservice: client name %q cannot be a file name here", c)
		}
		if err := issue(c, nil); err != nil {
			return err
		}
	}
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if err := writeNew(path, f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("oprfservice: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("oprfservice: writing %s: %w", path, err)
	}
	return nil
}
