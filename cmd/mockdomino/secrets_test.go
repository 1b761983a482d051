package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/tlsgen"
)

// A key given where a path was expected, or in the wrong place, must never
// be echoed: not in the error, not in the usage text, not on stdout
// (issue 12, item 11).
func TestSecretsAreNeverEchoed(t *testing.T) {
	k, err := signing.Generate()
	if err != nil {
		t.Fatal(err)
	}
	good := string(k.PEM())
	// A key whose body is damaged: it is PEM, but no key.
	lines := strings.Split(good, "\n")
	lines[3] = strings.Repeat("A", len(lines[3]))
	damaged := strings.Join(lines, "\n")
	body := lines[5] // a line of key material every leak would show
	ca, err := tlsgen.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certPath := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(certPath, ca.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	oneLine := strings.Join(lines[1:len(lines)-2], "")
	env := func(kv ...string) func(string) (string, bool) {
		return func(k string) (string, bool) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1], true
				}
			}
			return "", false
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		env  func(string) (string, bool)
		want string // in the error
	}{
		{"damaged PEM in --signing-key", []string{"--signing-key", damaged, "--listen", "127.0.0.1:0"}, env(), "given as PEM"},
		{"damaged PEM in MOCKDOMINO_SIGNING_KEY", []string{"--listen", "127.0.0.1:0"}, env("MOCKDOMINO_SIGNING_KEY", damaged), "given as PEM"},
		{"damaged PEM with its newlines written \\n", []string{"--listen", "127.0.0.1:0"}, env("MOCKDOMINO_SIGNING_KEY", strings.ReplaceAll(damaged, "\n", `\n`)), "given as PEM"},
		{"key material without its PEM lines", []string{"--signing-key", oneLine, "--listen", "127.0.0.1:0"}, env(), "not shown"},
		{"a key as a stray argument", []string{"--listen", "127.0.0.1:0", good}, env(), "bad flag syntax"},
		{"a key after --signing-key=", []string{"--signing-key=", good}, env(), "bad flag syntax"},
		{"a key as a stray argument after the flags", []string{"--listen", "127.0.0.1:0", "--", good}, env(), "unexpected arguments"},
		{"help with the key in the environment", []string{"-h"}, env("MOCKDOMINO_SIGNING_KEY", good), "help requested"},
		{"a bad flag with the key in the environment", []string{"--no-such-flag"}, env("MOCKDOMINO_SIGNING_KEY", good), "no-such-flag"},
		{"damaged PEM in --tls-key", []string{"--tls-cert", certPath, "--tls-key", damaged, "--listen", "127.0.0.1:0"}, env(), "--tls-key"},
		{"damaged PEM in MOCKDOMINO_TLS_KEY", []string{"--listen", "127.0.0.1:0"}, env("MOCKDOMINO_TLS_CERT", certPath, "MOCKDOMINO_TLS_KEY", damaged), "--tls-key"},
		{"key material without its PEM lines in --tls-key", []string{"--tls-cert", certPath, "--tls-key", oneLine, "--listen", "127.0.0.1:0"}, env(), "not shown"},
		{"help with the TLS key in the environment", []string{"-h"}, env("MOCKDOMINO_TLS_KEY", good), "help requested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tc.args, &stdout, &stderr, tc.env)
			if err == nil {
				t.Fatal("run succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			for what, text := range map[string]string{"error": err.Error(), "stdout": stdout.String(), "stderr": stderr.String()} {
				if strings.Contains(text, body[:20]) || strings.Contains(text, oneLine[40:60]) {
					t.Errorf("the key is in the %s:\n%s", what, text)
				}
			}
		})
	}

	// A path is no secret: a missing file is named, so the user can fix it.
	err = run([]string{"--signing-key", "/nonexistent/dir/key.pem", "--listen", "127.0.0.1:0"}, &bytes.Buffer{}, &bytes.Buffer{}, env())
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir/key.pem") {
		t.Errorf("missing key file: %v, want it named", err)
	}
}
