package server

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/tlsgen"
)

// Tests of --tls (issue 12, item 14): both listeners serve HTTPS with a
// certificate the printed CA verifies, the URLs the mock hands out say
// https, net/http's own refusals are still answered in the routes' error
// shape, and --state keeps the CA across restarts.

// trusting is an HTTP client that trusts only the CA certificate at path.
func trusting(t *testing.T, caPath string) *http.Client {
	t.Helper()
	pool := caPool(t, caPath)
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func caPool(t *testing.T, caPath string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatalf("the CA certificate: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caPath)
	}
	return pool
}

func getJSON(t *testing.T, c *http.Client, url, apiKey string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if apiKey != "" {
		req.Header.Set("X-Domino-Api-Key", apiKey)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

func TestTLSServesBothListeners(t *testing.T) {
	srv := start(t, Config{TLS: true})
	if !strings.HasPrefix(srv.APIURL(), "https://127.0.0.1:") || !strings.HasPrefix(srv.ProxyURL(), "https://127.0.0.1:") {
		t.Fatalf("urls %s %s, want https", srv.APIURL(), srv.ProxyURL())
	}
	c := trusting(t, srv.TLSCAPath())
	var self struct{ UserName string }
	getJSON(t, c, srv.APIURL()+"/v4/users/self", fixtures.DefaultUserAPIKey, &self)
	if self.UserName != "alice" {
		t.Errorf("api: self is %q", self.UserName)
	}
	getJSON(t, c, srv.ProxyURL()+"/v4/users/self", "", &self)
	if self.UserName != "admin" {
		t.Errorf("proxy: self is %q", self.UserName)
	}
	// The names the certificate was made for: localhost and ::1 too.
	for _, base := range []string{strings.Replace(srv.APIURL(), "127.0.0.1", "localhost", 1)} {
		var h map[string]any
		getJSON(t, c, base+"/__mock/health", "", &h)
	}
	// The URLs clients are told to use say https.
	var disc map[string]any
	getJSON(t, c, srv.APIURL()+"/auth/realms/DominoRealm/.well-known/openid-configuration", "", &disc)
	for _, k := range []string{"issuer", "jwks_uri", "token_endpoint"} {
		if u, _ := disc[k].(string); !strings.HasPrefix(u, srv.APIURL()+"/auth/realms/DominoRealm") {
			t.Errorf("discovery %s = %q, want it under %s", k, u, srv.APIURL())
		}
	}
	var jwks struct{ Keys []map[string]any }
	getJSON(t, c, disc["jwks_uri"].(string), "", &jwks)
	if len(jwks.Keys) != 1 {
		t.Errorf("jwks_uri answered %d keys", len(jwks.Keys))
	}
	// A client that does not trust the CA is refused.
	if _, err := http.Get(srv.APIURL() + "/__mock/health"); err == nil {
		t.Error("a client without the CA connected")
	}
}

// net/http answers some requests itself, and the shaping connection
// (internal/api/conn.go) rewrites those answers. Under TLS it must sit
// above the encryption, where the answer is still HTTP.
func TestTLSRefusalsAreAnsweredInTheRoutesShape(t *testing.T) {
	srv := start(t, Config{TLS: true})
	pool := caPool(t, srv.TLSCAPath())
	for _, c := range netHTTPRefusals {
		t.Run(c.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", strings.TrimPrefix(srv.APIURL(), "https://"), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, newRawConn(t, conn))
		})
	}
}

// A client speaking plain HTTP to the TLS port is told so, as net/http
// tells it, rather than having its connection dropped.
func TestTLSPlainHTTPIsToldToUseHTTPS(t *testing.T) {
	srv := start(t, Config{TLS: true})
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.APIURL(), "https://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, "GET /__mock/health HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 400 || !strings.Contains(string(body), "HTTPS") {
		t.Errorf("%s %q, want 400 saying to use HTTPS", resp.Status, body)
	}
}

func TestTLSStateDirKeepsTheCA(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	startIn := func(cfg Config) *Server {
		t.Helper()
		cfg.StateDir, cfg.TLS = dir, true
		s := start(t, cfg)
		return s
	}
	s := startIn(Config{})
	caPath := s.TLSCAPath()
	if caPath != filepath.Join(dir, "tls-ca.pem") {
		t.Errorf("CA certificate at %s, want it in the state directory", caPath)
	}
	files := map[string][]byte{}
	for _, f := range []string{"tls-ca.pem", "tls-ca-key.pem", "tls-cert.pem", "tls-key.pem"} {
		fi, err := os.Lstat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
		files[f], _ = os.ReadFile(filepath.Join(dir, f))
	}
	s.Close()

	// Restarted: the same CA, so clients that trust it still do, and the
	// same server certificate, which still serves these names.
	s = startIn(Config{})
	var h map[string]any
	getJSON(t, trusting(t, caPath), s.APIURL()+"/__mock/health", "", &h)
	for f, before := range files {
		if now, _ := os.ReadFile(filepath.Join(dir, f)); !bytes.Equal(now, before) {
			t.Errorf("%s changed across a restart", f)
		}
	}
	s.Close()

	// Reached by another name: the same CA signs a new server certificate.
	s = startIn(Config{ExternalURL: "https://mock.internal:8443"})
	if now, _ := os.ReadFile(filepath.Join(dir, "tls-ca.pem")); !bytes.Equal(now, files["tls-ca.pem"]) {
		t.Error("the CA changed when the names did")
	}
	leaf, _ := os.ReadFile(filepath.Join(dir, "tls-cert.pem"))
	if bytes.Equal(leaf, files["tls-cert.pem"]) {
		t.Error("the server certificate was kept though it does not name mock.internal")
	}
	conn, err := tls.Dial("tcp", strings.TrimPrefix(s.APIURL(), "https://"), &tls.Config{RootCAs: caPool(t, caPath), ServerName: "mock.internal"})
	if err != nil {
		t.Fatalf("as mock.internal: %v", err)
	}
	conn.Close()
	s.Close()

	// A CA whose key is damaged is not replaced behind the user's back:
	// clients trust it.
	if err := os.WriteFile(filepath.Join(dir, "tls-ca-key.pem"), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Start(Config{Listen: "127.0.0.1:0", StateDir: dir, TLS: true, Seed: 7})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "tls-ca-key.pem")) {
		t.Errorf("a damaged CA key: %v, want start-up refused naming it", err)
	}
}

func TestTLSCAOut(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ca.pem")
	s := start(t, Config{TLS: true, TLSCAOut: out})
	if s.TLSCAPath() != out {
		t.Errorf("CA at %s, want %s", s.TLSCAPath(), out)
	}
	if fi, err := os.Lstat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v", out, fi, err)
	}
	var h map[string]any
	getJSON(t, trusting(t, out), s.APIURL()+"/__mock/health", "", &h)

	// Without --state or --tls-ca-out, a temporary directory holds it
	// while the mock runs.
	s = start(t, Config{TLS: true})
	tmp := s.TLSCAPath()
	if _, err := os.Stat(tmp); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(filepath.Dir(tmp)); !os.IsNotExist(err) {
		t.Errorf("the temporary CA directory is left after shutdown: %v", err)
	}
}

func TestTLSOwnCertificate(t *testing.T) {
	ca, err := tlsgen.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tlsgen.Issue(ca, tlsgen.Hosts(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caPath, certPath := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "cert.pem")
	os.WriteFile(caPath, ca.CertPEM, 0o600)
	os.WriteFile(certPath, pair.CertPEM, 0o600)
	// The certificate as a file, the key as PEM content (a variable's).
	s := start(t, Config{TLSCert: certPath, TLSKey: string(pair.KeyPEM)})
	if s.TLSCAPath() != "" || !strings.HasPrefix(s.APIURL(), "https://") {
		t.Errorf("own certificate: CA path %q, url %s", s.TLSCAPath(), s.APIURL())
	}
	var h map[string]any
	getJSON(t, trusting(t, caPath), s.APIURL()+"/__mock/health", "", &h)

	for name, cfg := range map[string]Config{
		"a certificate without its key":       {TLSCert: certPath},
		"a key without its certificate":       {TLSKey: string(pair.KeyPEM)},
		"--tls-ca-out with one's own CA":      {TLSCert: certPath, TLSKey: string(pair.KeyPEM), TLSCAOut: filepath.Join(dir, "out.pem")},
		"a key that is not the certificate's": {TLSCert: certPath, TLSKey: string(ca.KeyPEM)},
	} {
		cfg.Listen = "127.0.0.1:0"
		s, err := Start(cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: started", name)
			continue
		}
		if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), string(pair.KeyPEM[40:60])) {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
}

// The connection limit counts plain connections, below TLS; an idle
// keep-alive TLS connection is still closed to make room for a new client.
func TestTLSIdleConnectionMakesRoom(t *testing.T) {
	srv := start(t, Config{TLS: true, MaxConnections: 1})
	a, b := trusting(t, srv.TLSCAPath()), trusting(t, srv.TLSCAPath())
	var h map[string]any
	getJSON(t, a, srv.APIURL()+"/__mock/health", "", &h) // a's connection stays open, idle
	getJSON(t, b, srv.APIURL()+"/__mock/health", "", &h)
	getJSON(t, a, srv.APIURL()+"/__mock/health", "", &h) // on a new connection
}
