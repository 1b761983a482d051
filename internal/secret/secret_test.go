package secret

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const pemKey = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgN4fD9bXk2Yq0Zp1r\nhRANCAAT7Yd3Qm2k8PqLx1vZsW0aT5uJ9nC4eR6fH2bK7gM3oX8iA1sD5wE0yU9t\n-----END PRIVATE KEY-----\n"

func TestReadPEM(t *testing.T) {
	for name, value := range map[string]string{
		"PEM":                  pemKey,
		"PEM after a newline":  "\n" + pemKey,
		"PEM written with \\n": strings.ReplaceAll(pemKey, "\n", `\n`),
	} {
		data, got, err := ReadPEM(value, "key")
		if err != nil || string(data) != pemKey || got != "given as PEM content" {
			t.Errorf("%s: %q, %q, %v", name, data, got, err)
		}
	}
	path := filepath.Join(t.TempDir(), "k.pem")
	os.WriteFile(path, []byte(pemKey), 0o600)
	if data, got, err := ReadPEM(path, "key"); err != nil || string(data) != pemKey || got != path {
		t.Errorf("file: %q, %q, %v", data, got, err)
	}
	if _, _, err := ReadPEM("/no/such/key.pem", "signing key (--signing-key)"); err == nil || !strings.Contains(err.Error(), "/no/such/key.pem") || !strings.Contains(err.Error(), "--signing-key") {
		t.Errorf("missing file: %v, want the path named", err)
	}
	material := "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgN4fD9bXk2Yq0Zp1r"
	if _, _, err := ReadPEM(material, "key"); err == nil || strings.Contains(err.Error(), material[:24]) || !strings.Contains(err.Error(), "not shown") {
		t.Errorf("key material without PEM lines: %v", err)
	}
}

func TestMayShowAndRedact(t *testing.T) {
	for value, want := range map[string]bool{
		"/run/secrets/signing_key":               true,
		"./keys/mockdomino-signing-key-2024.pem": true,
		"C:\\keys\\tls.key":                      true,
		pemKey:                                   false,
		"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH":   false,
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlc2lnbmF0dXJl": false,
		"line\nbreak": false,
	} {
		if got := MayShow(value); got != want {
			t.Errorf("MayShow(%q) = %v", value, got)
		}
	}
	text := "bad flag syntax: " + pemKey + " and MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH, --listen 127.0.0.1:8080 MOCKDOMINO_SIGNING_KEY_FILE"
	got := Redact(text)
	want := "bad flag syntax: <PEM content not shown>\n and <not shown>, --listen 127.0.0.1:8080 MOCKDOMINO_SIGNING_KEY_FILE"
	if got != want {
		t.Errorf("Redact = %q\nwant %q", got, want)
	}
	if got := Redact("cut: -----BEGIN RSA PRIVATE KEY-----\nMIIE"); got != "cut: <PEM content not shown>" {
		t.Errorf("Redact of a PEM cut short = %q", got)
	}
}
