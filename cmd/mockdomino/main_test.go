package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// buildBinary compiles mockdomino once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mockdomino")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startBinary runs the binary and returns the URLs it printed.
func startBinary(t *testing.T, bin string, env []string, args ...string) (cmd *exec.Cmd, apiURL, proxyURL string, stderr *bytes.Buffer) {
	t.Helper()
	cmd = exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stderr = &bytes.Buffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "api listening on "):
			apiURL = strings.TrimPrefix(line, "api listening on ")
		case strings.HasPrefix(line, "proxy listening on "):
			proxyURL = strings.TrimPrefix(line, "proxy listening on ")
		default:
			t.Fatalf("unexpected stdout line %q", line)
		}
		noProxy := slices.Contains(args, "--proxy-listen=") || slices.Contains(env, "MOCKDOMINO_PROXY_LISTEN=")
		if apiURL != "" && (proxyURL != "" || noProxy) {
			break
		}
	}
	go io.Copy(io.Discard, stdout)
	if apiURL == "" {
		t.Fatalf("no api line; stderr:\n%s", stderr)
	}
	return cmd, apiURL, proxyURL, stderr
}

func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	t.Run("serves both listeners, then exits 0 on SIGTERM", func(t *testing.T) {
		cmd, api, proxy, stderr := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
		if !strings.HasPrefix(api, "http://127.0.0.1:") || !strings.HasPrefix(proxy, "http://127.0.0.1:") || api == proxy {
			t.Fatalf("urls %q %q", api, proxy)
		}
		resp, err := http.Get(api + "/__mock/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("health: %v %v", resp, err)
		}
		req, _ := http.NewRequest("GET", api+"/v4/users/self", nil)
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		resp, err = http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("self with the README's admin key: %v %v", resp, err)
		}
		var me struct{ UserName string }
		json.NewDecoder(resp.Body).Decode(&me)
		if me.UserName != "admin" {
			t.Fatalf("self = %q", me.UserName)
		}
		resp, err = http.Get(proxy + "/v4/serviceAccounts")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("proxy list: %v %v", resp, err)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("did not exit after SIGTERM")
		}
	})

	t.Run("warns once when a listener is reachable beyond this machine without TLS", func(t *testing.T) {
		stderrOf := func(args ...string) string {
			cmd, _, _, stderr := startBinary(t, bin, nil, append(args, "--log-level", "error")...)
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
			return stderr.String()
		}
		warning := stderrOf("--listen", "127.0.0.1:0", "--proxy-listen", "0.0.0.0:0")
		if strings.Count(warning, "warning") != 1 || !regexp.MustCompile(`proxy (0\.0\.0\.0|\[::\]):\d+`).MatchString(warning) || strings.Contains(warning, "api ") {
			t.Errorf("stderr %q: want one warning naming the proxy's address and not the loopback API host", warning)
		}
		if stderr := stderrOf("--listen", "127.0.0.1:0", "--proxy-listen", "[::1]:0"); stderr != "" {
			t.Errorf("loopback listeners: stderr %q", stderr)
		}
	})

	t.Run("SIGTERM waits the grace period for a delayed request, then closes it and exits 0", func(t *testing.T) {
		cmd, _, proxy, stderr := startBinary(t, bin, []string{"MOCKDOMINO_SHUTDOWN_GRACE=1s"}, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
		resp, err := http.Post(proxy+"/__mock/faults", "application/json", strings.NewReader(`{"match":{"route":"/version"},"effect":{"delay":"1m"}}`))
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("%v %v", resp, err)
		}
		answered := make(chan error, 1)
		go func() {
			resp, err := http.Get(proxy + "/version")
			if err == nil {
				resp.Body.Close()
				err = fmt.Errorf("answered %s", resp.Status)
			}
			answered <- err
		}()
		time.Sleep(200 * time.Millisecond) // let the request reach the mock
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil || strings.Contains(stderr.String(), "deadline") {
				t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
			}
		case <-time.After(20 * time.Second): // a guard against a hang, not a measure
			t.Fatalf("did not exit after SIGTERM\n%s", stderr)
		}
		if err := <-answered; err == nil || strings.HasPrefix(err.Error(), "answered") {
			t.Errorf("the delayed request: %v, want its connection closed", err)
		}
	})

	t.Run("flags come from MOCKDOMINO_ env vars; empty proxy-listen disables the proxy", func(t *testing.T) {
		_, api, proxy, _ := startBinary(t, bin,
			[]string{"MOCKDOMINO_LISTEN=127.0.0.1:0", "MOCKDOMINO_PROFILE=strict", "MOCKDOMINO_PROXY_LISTEN="})
		if proxy != "" {
			t.Fatalf("proxy started at %s", proxy)
		}
		resp, err := http.Get(api + "/__mock/health")
		if err != nil {
			t.Fatal(err)
		}
		var h struct{ Profile string }
		json.NewDecoder(resp.Body).Decode(&h)
		if h.Profile != "strict" {
			t.Fatalf("profile from env = %q", h.Profile)
		}
	})

	t.Run("MOCKDOMINO_MAX_FAULT_RULES caps the fault rules", func(t *testing.T) {
		_, _, proxy, _ := startBinary(t, bin, []string{"MOCKDOMINO_MAX_FAULT_RULES=1"}, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
		for i, want := range []int{201, 400} {
			resp, err := http.Post(proxy+"/__mock/faults", "application/json", strings.NewReader(`{"match":{"route":"/version"},"effect":{"status":503}}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("rule %d: %s, want %d", i+1, resp.Status, want)
			}
		}
	})

	t.Run("the proxy acts as the fixtures' first administrator by default", func(t *testing.T) {
		fx := fixtures.Default()
		for i := range fx.Users {
			if fx.Users[i].UserName == "admin" {
				fx.Users[i].UserName = "root"
			}
		}
		for i := range fx.Projects {
			if fx.Projects[i].Owner == "admin" {
				fx.Projects[i].Owner = "root"
			}
		}
		_, _, proxy, stderr := startBinary(t, bin, nil, "--fixtures", writeFixtures(t, fx), "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
		resp, err := http.Get(proxy + "/v4/users/self")
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		defer resp.Body.Close()
		var self struct{ UserName string }
		json.NewDecoder(resp.Body).Decode(&self)
		if resp.StatusCode != 200 || self.UserName != "root" {
			t.Fatalf("proxy acts as %q (%s), want root", self.UserName, resp.Status)
		}
	})

	t.Run("health-check mode", func(t *testing.T) {
		_, api, _, _ := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen=")
		if out, err := exec.Command(bin, "--health-check", api).CombinedOutput(); err != nil {
			t.Fatalf("health check of a running mock failed: %v %s", err, out)
		}
		if err := exec.Command(bin, "--health-check", "http://127.0.0.1:1").Run(); err == nil {
			t.Fatal("health check of nothing succeeded")
		}
	})

	t.Run("health-check fails, with the reason, while the mock refuses every change", func(t *testing.T) {
		dir := t.TempDir()
		_, api, proxy, _ := startBinary(t, bin, nil, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--state", dir)
		// A directory where the snapshot's temporary file goes: the reset
		// cannot be written, and the mock refuses changes from then on.
		if err := os.Mkdir(filepath.Join(dir, "snapshot.json.tmp"), 0o700); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Post(proxy+"/__mock/reset", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 503 {
			t.Fatalf("reset: %s, want 503", resp.Status)
		}
		out, err := exec.Command(bin, "--health-check", api).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "cannot write its state directory") {
			t.Fatalf("health check of a mock refusing every change: %v %s, want a failure with the reason", err, out)
		}
	})
}

// noAdminFixtures is the embedded fixtures with nobody an administrator.
func noAdminFixtures(t *testing.T) string {
	fx := fixtures.Default()
	for i := range fx.Users {
		fx.Users[i].Roles = slices.DeleteFunc(fx.Users[i].Roles, func(r string) bool { return r == "SysAdmin" })
	}
	return writeFixtures(t, fx)
}

// writeFixtures writes a fixtures file and returns its path.
func writeFixtures(t *testing.T, fx *fixtures.Set) string {
	t.Helper()
	data, err := json.Marshal(fx)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fixtures.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunRejectsBadConfiguration(t *testing.T) {
	env := func(kv map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := kv[k]; return v, ok }
	}
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown profile", []string{"--profile", "nonsense", "--listen", "127.0.0.1:0"}, nil, "profile"},
		{"bad env duration", nil, map[string]string{"MOCKDOMINO_TOKEN_TTL": "forever"}, "MOCKDOMINO_TOKEN_TTL"},
		{"empty env duration", nil, map[string]string{"MOCKDOMINO_TOKEN_TTL": ""}, "MOCKDOMINO_TOKEN_TTL"},
		{"empty env number", nil, map[string]string{"MOCKDOMINO_JOURNAL_SIZE": ""}, "MOCKDOMINO_JOURNAL_SIZE"},
		{"zero limit", []string{"--max-tokens", "0"}, nil, "--max-tokens"},
		{"zero job limit", []string{"--max-jobs", "0"}, nil, "--max-jobs"},
		{"bad env limit", nil, map[string]string{"MOCKDOMINO_MAX_GIT_CREDENTIALS": "many"}, "MOCKDOMINO_MAX_GIT_CREDENTIALS"},
		{"fixtures without an administrator for the proxy", []string{"--fixtures", noAdminFixtures(t), "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"}, nil, "no administrator"},
		{"bad log level", []string{"--log-level", "loud"}, nil, "--log-level"},
		{"no connections", []string{"--max-connections", "0"}, nil, "--max-connections"},
		{"no read timeout", []string{"--read-timeout", "0s"}, nil, "--read-timeout"},
		{"negative grace", nil, map[string]string{"MOCKDOMINO_SHUTDOWN_GRACE": "-1s"}, "--shutdown-grace"},
		{"missing fixtures", []string{"--fixtures", "/nonexistent.json", "--listen", "127.0.0.1:0"}, nil, "fixtures"},
		{"missing key", []string{"--signing-key", "/nonexistent.pem", "--listen", "127.0.0.1:0"}, nil, "signing key"},
		{"stray argument", []string{"serve"}, nil, "unexpected arguments"},
		{"start time not RFC 3339", []string{"--start-time", "2026-01-01"}, nil, "--start-time"},
		{"start time before the epoch", nil, map[string]string{"MOCKDOMINO_START_TIME": "1969-07-20T20:17:40Z"}, "before 1970-01-01T00:00:00Z"},
		{"proxy user not in fixtures", []string{"--proxy-user", "nobody", "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"}, nil, "nobody"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(tc.args, &out, &errOut, env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want mention of %q", err, tc.want)
			}
		})
	}
}
