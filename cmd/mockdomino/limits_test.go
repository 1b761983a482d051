package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestLimitFlags: the limits given by flag or environment reach the store.
func TestLimitFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	_, _, proxy, stderr := startBinary(t, bin, []string{"MOCKDOMINO_MAX_GIT_CREDENTIALS=1"},
		"--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--max-git-secret-bytes", "8", "--max-jobs", "1")
	add := func(token string) (int, string) {
		t.Helper()
		resp, err := http.Post(proxy+"/v4/accounts/64b7f0a1c2d3e4f5a6b7c802/gitcredentials", "application/json",
			strings.NewReader(`{"name":"c","gitServiceProvider":"github","accessType":"token","token":"`+token+`"}`))
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := add("123456789"); code != 400 || !strings.Contains(body, "8 bytes") {
		t.Fatalf("a 9-byte secret with --max-git-secret-bytes 8: %d %s", code, body)
	}
	if code, body := add("12345678"); code != 200 {
		t.Fatalf("an 8-byte secret: %d %s", code, body)
	}
	if code, body := add("x"); code != 400 || !strings.Contains(body, "1 git credentials") {
		t.Fatalf("a second credential with MOCKDOMINO_MAX_GIT_CREDENTIALS=1: %d %s", code, body)
	}
	start := func() (int, string) {
		t.Helper()
		resp, err := http.Post(proxy+"/v4/jobs/start", "application/json",
			strings.NewReader(`{"projectId":"64b7f0a1c2d3e4f5a6b7c901","commandToRun":"ls"}`))
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := start(); code != 200 {
		t.Fatalf("a first job: %d %s", code, body)
	}
	if code, body := start(); code != 400 || !strings.Contains(body, "--max-jobs") {
		t.Fatalf("a second job with --max-jobs 1: %d %s", code, body)
	}
}
