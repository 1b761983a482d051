// Package tlsgen makes the certificates --tls serves with: a certificate
// authority of the mock's own, which clients are told to trust, and a
// server certificate it signs for the names clients reach the mock by.
// ECDSA P-256 and the standard library only. The certificates carry the
// extensions strict verifiers require (Python 3.13's VERIFY_X509_STRICT,
// macOS): key usages, a critical basic constraint, key identifiers.
package tlsgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"
)

// Lifetimes. A server certificate that lives longer than 825 days is
// refused by macOS even from a private CA; 397 days is what browsers take.
const (
	CALifetime     = 10 * 365 * 24 * time.Hour
	ServerLifetime = 397 * 24 * time.Hour
	// RenewBefore: a server certificate kept in a state directory is
	// issued anew once it has less than this left.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks a little behind the mock's.
	backdate = time.Hour
)

// Pair is a certificate and its private key, both PEM.
type Pair struct {
	CertPEM, KeyPEM []byte
}

// NewCA makes a certificate authority valid from now.
func NewCA(now time.Time) (Pair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"mockdomino"}, CommonName: "mockdomino local CA"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CALifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true, // it signs server certificates only
	}
	// The subject key id is derived from the key (x509 does it for CAs).
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Pair{}, err
	}
	return encode(der, key)
}

// Issue makes a server certificate for hosts (names and IP addresses),
// signed by ca.
func Issue(ca Pair, hosts []string, now time.Time) (Pair, error) {
	caCert, caKey, err := ca.parse()
	if err != nil {
		return Pair{}, fmt.Errorf("the CA: %w", err)
	}
	if !caCert.IsCA {
		return Pair{}, errors.New("the CA's certificate is not a CA's")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Pair{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{Organization: []string{"mockdomino"}, CommonName: "mockdomino"},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ServerLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if caCert.NotAfter.Before(tmpl.NotAfter) {
		tmpl.NotAfter = caCert.NotAfter
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	// The authority key id is taken from the CA's subject key id.
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return Pair{}, err
	}
	return encode(der, key)
}

// Serves says whether p is a server certificate that ca signed, whose key
// matches, that is valid for every host, and that has at least RenewBefore
// to live: one a state directory may keep using.
func Serves(p, ca Pair, hosts []string, now time.Time) bool {
	if _, err := tls.X509KeyPair(p.CertPEM, p.KeyPEM); err != nil {
		return false
	}
	cert, err := parseCert(p.CertPEM)
	if err != nil {
		return false
	}
	caCert, err := parseCert(ca.CertPEM)
	if err != nil {
		return false
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	for _, h := range hosts {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
			return false
		}
	}
	return cert.NotAfter.Sub(now) >= RenewBefore
}

// CheckCA says what is wrong with a CA pair, if anything.
func CheckCA(ca Pair) error {
	cert, key, err := ca.parse()
	if err != nil {
		return err
	}
	if !cert.IsCA {
		return errors.New("the certificate is not a CA's")
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return errors.New("the key is not the certificate's")
	}
	return nil
}

// Hosts is the list a server certificate is issued for: the given names
// and addresses, and always localhost, 127.0.0.1 and ::1; sorted, each
// once, in lower case, without brackets or zones.
func Hosts(names ...string) []string {
	out := []string{"localhost", "127.0.0.1", "::1"}
	for _, n := range names {
		n = strings.ToLower(strings.Trim(n, "[]"))
		if i := strings.IndexByte(n, '%'); i >= 0 {
			n = n[:i] // an IPv6 zone names an interface, not the host
		}
		if ip := net.ParseIP(n); ip != nil {
			n = ip.String()
		}
		if n != "" {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p Pair) parse() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	cert, err := parseCert(p.CertPEM)
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(p.KeyPEM)
	if block == nil {
		return nil, nil, errors.New("no PEM block in the key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
			return nil, nil, errors.New("the key is not an ECDSA private key in PKCS#8 or SEC 1 form")
		}
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("the key is %T, want ECDSA", k)
	}
	return cert, key, nil
}

func parseCert(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no CERTIFICATE PEM block")
	}
	return x509.ParseCertificate(block.Bytes)
}

func encode(der []byte, key *ecdsa.PrivateKey) (Pair, error) {
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// serial is a random 128-bit serial number, as RFC 5280 asks (positive,
// at most 20 octets).
func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}
