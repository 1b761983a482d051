package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHealthSaysWhenChangesAreRefused: once the state directory cannot be
// written, every change is refused with 503, and /__mock/health says so
// (503, with the reason) instead of answering ok (issue 12, item 9).
func TestHealthSaysWhenChangesAreRefused(t *testing.T) {
	dir := t.TempDir()
	s := start(t, Config{StateDir: dir})
	if code, body := do(t, "GET", s.APIURL()+"/__mock/health", ""); code != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("health of a writable mock: %d %s", code, body)
	}
	// A directory where the snapshot's temporary file goes: the reset's
	// snapshot cannot be written (for root too), as on a full disk.
	if err := os.Mkdir(filepath.Join(dir, "snapshot.json.tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	if code, body := do(t, "POST", s.ProxyURL()+"/__mock/reset", ""); code != 503 {
		t.Fatalf("reset with an unwritable state directory: %d %s, want 503", code, body)
	}
	if code, body := do(t, "POST", s.ProxyURL()+"/v4/serviceAccounts", `{"username":"late","email":"late@example.com"}`); code != 503 {
		t.Fatalf("a change after the failure: %d %s, want 503", code, body)
	}
	for _, url := range []string{s.APIURL(), s.ProxyURL()} {
		code, body := do(t, "GET", url+"/__mock/health", "")
		if code != 503 || !strings.Contains(body, `"status":"unavailable"`) || !strings.Contains(body, "cannot write its state directory") {
			t.Errorf("health of a mock refusing every change: %d %s, want 503 with the reason", code, body)
		}
	}
}
