package tlsgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"slices"
	"testing"
	"time"
)

func TestIssuedCertificateVerifies(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckCA(ca); err != nil {
		t.Fatal(err)
	}
	hosts := Hosts("mock.internal", "10.1.2.3", "[fe80::1%eth0]", "LOCALHOST")
	if want := []string{"10.1.2.3", "127.0.0.1", "::1", "fe80::1", "localhost", "mock.internal"}; !slices.Equal(hosts, want) {
		t.Fatalf("Hosts = %q, want %q", hosts, want)
	}
	srv, err := Issue(ca, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := parseCert(ca.CertPEM)
	leaf, _ := parseCert(srv.CertPEM)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	for _, h := range hosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: pool}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example", Roots: pool}); err == nil {
		t.Error("verifies for a host it was not issued for")
	}
	// What strict verifiers check, and the algorithm asked for.
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	switch {
	case !ok || pub.Curve != elliptic.P256():
		t.Errorf("server key %T, want ECDSA P-256", leaf.PublicKey)
	case !caCert.IsCA || caCert.KeyUsage&x509.KeyUsageCertSign == 0 || len(caCert.SubjectKeyId) == 0:
		t.Errorf("CA: IsCA %v, key usage %b, subject key id %x", caCert.IsCA, caCert.KeyUsage, caCert.SubjectKeyId)
	case leaf.IsCA || leaf.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}):
		t.Errorf("server: IsCA %v, key usage %b, extended %v", leaf.IsCA, leaf.KeyUsage, leaf.ExtKeyUsage)
	case !bytes.Equal(leaf.AuthorityKeyId, caCert.SubjectKeyId):
		t.Errorf("authority key id %x, want the CA's %x", leaf.AuthorityKeyId, caCert.SubjectKeyId)
	case leaf.NotAfter.Sub(leaf.NotBefore) > 825*24*time.Hour:
		t.Errorf("server certificate lives %s: macOS refuses over 825 days", leaf.NotAfter.Sub(leaf.NotBefore))
	}
}

func TestServes(t *testing.T) {
	now := time.Now()
	ca, _ := NewCA(now)
	other, _ := NewCA(now)
	hosts := Hosts("mock.internal")
	srv, err := Issue(ca, hosts, now)
	if err != nil {
		t.Fatal(err)
	}
	if !Serves(srv, ca, hosts, now) {
		t.Fatal("a fresh certificate does not serve its own hosts")
	}
	for name, ok := range map[string]bool{
		"another host":      Serves(srv, ca, Hosts("elsewhere.internal"), now),
		"another CA":        Serves(srv, other, hosts, now),
		"close to its end":  Serves(srv, ca, hosts, now.Add(ServerLifetime-RenewBefore+time.Hour)),
		"another key":       Serves(Pair{srv.CertPEM, ca.KeyPEM}, ca, hosts, now),
		"not a certificate": Serves(Pair{[]byte("junk"), srv.KeyPEM}, ca, hosts, now),
	} {
		if ok {
			t.Errorf("%s: kept", name)
		}
	}
	if err := CheckCA(Pair{ca.CertPEM, other.KeyPEM}); err == nil {
		t.Error("CheckCA took a CA with another CA's key")
	}
	if err := CheckCA(srv); err == nil {
		t.Error("CheckCA took a server certificate")
	}
}
