package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// tlsMock is a mockdomino binary started with --tls, and what it printed.
type tlsMock struct {
	cmd                *exec.Cmd
	api, proxy, caPath string
	stderr             *bytes.Buffer
}

// startTLSBinary runs the binary with --tls on free ports and reads the
// three lines it prints: the CA certificate's path, then the listeners.
func startTLSBinary(t *testing.T, bin string, env []string, args ...string) *tlsMock {
	t.Helper()
	m := &tlsMock{stderr: &bytes.Buffer{}}
	m.cmd = exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"}, args...)...)
	m.cmd.Env = append(os.Environ(), env...)
	m.cmd.Stderr = m.stderr
	stdout, err := m.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM, so that the mock removes the temporary directory it made.
	t.Cleanup(func() {
		m.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.AfterFunc(20*time.Second, func() { m.cmd.Process.Kill() })
		m.cmd.Wait()
		timer.Stop()
	})
	sc := bufio.NewScanner(stdout)
	for m.api == "" || m.proxy == "" {
		if !sc.Scan() {
			t.Fatalf("the mock stopped; stderr:\n%s", m.stderr)
		}
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "tls ca certificate at "):
			m.caPath = strings.TrimPrefix(line, "tls ca certificate at ")
		case strings.HasPrefix(line, "api listening on "):
			m.api = strings.TrimPrefix(line, "api listening on ")
		case strings.HasPrefix(line, "proxy listening on "):
			m.proxy = strings.TrimPrefix(line, "proxy listening on ")
		default:
			t.Fatalf("unexpected stdout line %q", line)
		}
	}
	go io.Copy(io.Discard, stdout)
	if m.caPath == "" {
		t.Fatalf("no CA line before the listeners'")
	}
	return m
}

// self asks base for /v4/users/self with a client trusting only caPath.
func self(t *testing.T, caPath, base, apiKey string) string {
	t.Helper()
	pem, err := os.ReadFile(caPath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caPath)
	}
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	req, _ := http.NewRequest("GET", base+"/v4/users/self", nil)
	if apiKey != "" {
		req.Header.Set("X-Domino-Api-Key", apiKey)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", base, err)
	}
	defer resp.Body.Close()
	var me struct{ UserName string }
	json.NewDecoder(resp.Body).Decode(&me)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", base, resp.Status)
	}
	return me.UserName
}

// TestBinaryTLS: --tls (or MOCKDOMINO_TLS) serves both listeners over
// HTTPS with a certificate the CA it prints verifies (issue 12, item 14).
// Go only: it runs everywhere.
func TestBinaryTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	t.Run("flag: a Go client trusting the printed CA, through both listeners", func(t *testing.T) {
		m := startTLSBinary(t, bin, nil, "--tls")
		if !strings.HasPrefix(m.api, "https://") || !strings.HasPrefix(m.proxy, "https://") {
			t.Fatalf("urls %s %s", m.api, m.proxy)
		}
		if got := self(t, m.caPath, m.api, fixtures.DefaultUserAPIKey); got != "alice" {
			t.Errorf("api: self %q", got)
		}
		if got := self(t, m.caPath, m.proxy, ""); got != "admin" {
			t.Errorf("proxy: self %q", got)
		}
		// The container health check asks over HTTPS when --tls is on,
		// whatever the URL's scheme (the Dockerfile's says http).
		for _, url := range []string{m.api, strings.Replace(m.api, "https://", "http://", 1)} {
			hc := exec.Command(bin, "--health-check", url)
			hc.Env = append(os.Environ(), "MOCKDOMINO_TLS=true")
			if out, err := hc.CombinedOutput(); err != nil {
				t.Errorf("health check of %s: %v %s", url, err, out)
			}
		}
		// Shut down, the temporary directory holding the CA goes.
		m.cmd.Process.Signal(syscall.SIGTERM)
		if err := m.cmd.Wait(); err != nil {
			t.Fatalf("exit: %v\n%s", err, m.stderr)
		}
		if _, err := os.Stat(m.caPath); !os.IsNotExist(err) {
			t.Errorf("%s is left after shutdown: %v", m.caPath, err)
		}
	})

	t.Run("environment: MOCKDOMINO_TLS and MOCKDOMINO_TLS_CA_OUT", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "mock-ca.pem")
		m := startTLSBinary(t, bin, []string{"MOCKDOMINO_TLS=true", "MOCKDOMINO_TLS_CA_OUT=" + out})
		if m.caPath != out {
			t.Errorf("CA at %s, want %s", m.caPath, out)
		}
		if got := self(t, out, m.proxy, ""); got != "admin" {
			t.Errorf("proxy: self %q", got)
		}
	})

	t.Run("the API host on every interface is no risk with TLS; the proxy still is", func(t *testing.T) {
		stderrOf := func(args ...string) string {
			m := startTLSBinary(t, bin, nil, append(args, "--tls", "--log-level", "error")...)
			m.cmd.Process.Signal(syscall.SIGTERM)
			m.cmd.Wait()
			return m.stderr.String()
		}
		if stderr := stderrOf("--listen", "0.0.0.0:0"); stderr != "" {
			t.Errorf("API host on 0.0.0.0 with TLS: stderr %q", stderr)
		}
		if stderr := stderrOf("--proxy-listen", "0.0.0.0:0"); strings.Count(stderr, "warning") != 1 || !strings.Contains(stderr, "proxy needs no credentials") || strings.Contains(stderr, "without TLS") {
			t.Errorf("proxy on 0.0.0.0 with TLS: stderr %q", stderr)
		}
	})

	t.Run("--state keeps the CA: a client trusting it still connects after a restart", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "state")
		m := startTLSBinary(t, bin, nil, "--tls", "--state", dir)
		ca, _ := os.ReadFile(m.caPath)
		m.cmd.Process.Signal(syscall.SIGTERM)
		m.cmd.Wait()
		m = startTLSBinary(t, bin, nil, "--tls", "--state", dir)
		if now, _ := os.ReadFile(m.caPath); !bytes.Equal(now, ca) || m.caPath != filepath.Join(dir, "tls-ca.pem") {
			t.Errorf("CA at %s changed across a restart", m.caPath)
		}
		if got := self(t, m.caPath, m.api, fixtures.DefaultAdminAPIKey); got != "admin" {
			t.Errorf("api: self %q", got)
		}
	})
}

// pythonDeps is where this machine keeps python's requests library; CI
// has neither it nor python, and the test skips there.
const pythonDeps = "/work/scratch/pydeps/usr/lib/python3/dist-packages"

// TestPythonRequestsTrustsThePrintedCA: python's requests, given the
// printed CA as verify=, reaches both listeners, and without it refuses
// the certificate.
func TestPythonRequestsTrustsThePrintedCA(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	if _, err := os.Stat(filepath.Join(pythonDeps, "requests")); err != nil {
		t.Skip("no requests library at " + pythonDeps)
	}
	m := startTLSBinary(t, buildBinary(t), nil, "--tls")
	script := `
import sys, requests
api, proxy, ca, key = sys.argv[1:5]
print(requests.get(api + "/v4/users/self", headers={"X-Domino-Api-Key": key}, verify=ca, timeout=20).json()["userName"])
print(requests.get(proxy + "/v4/users/self", verify=ca, timeout=20).json()["userName"])
try:
    requests.get(api + "/__mock/health", timeout=20)
    print("trusted without the CA")
except requests.exceptions.SSLError:
    print("refused without the CA")
`
	cmd := exec.Command("/usr/bin/python3", "-W", "ignore", "-c", script, m.api, m.proxy, m.caPath, fixtures.DefaultUserAPIKey)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+pythonDeps)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got, want := string(out), "alice\nadmin\nrefused without the CA\n"; got != want {
		t.Errorf("python printed %q, want %q", got, want)
	}
}
