package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/conformance"
)

// The test binary doubles as the command: with CONFORMANCE_RUN_MAIN=1 it
// runs main with its arguments, so the tests see real exit statuses.
func TestMain(m *testing.M) {
	if os.Getenv("CONFORMANCE_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func runMain(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CONFORMANCE_RUN_MAIN=1", "DOMINO_API_HOST=", "DOMINO_API_PROXY=")
	out, err := cmd.Output()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return string(out), 0
}

func TestMockRunPassesAndEndsWithTheSummary(t *testing.T) {
	out, code := runMain(t, "--mock", "--tags", "@jwt")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if last := lines[len(lines)-1]; !regexp.MustCompile(`^\d+ passed, 0 failed$`).MatchString(last) {
		t.Errorf("last line %q is not the summary", last)
	}
}

func TestBadFlagsExitTwo(t *testing.T) {
	if _, code := runMain(t, "--mock", "--format", "pdf"); code != 2 {
		t.Errorf("exit %d for an unknown format, want 2", code)
	}
	if _, code := runMain(t, "--mock", "--external-url", "http://domino.example.com"); code != 2 {
		t.Errorf("exit %d for --mock with --external-url, want 2", code)
	}
	if _, code := runMain(t); code != 2 {
		t.Errorf("exit %d with no target, want 2", code)
	}
}

// holdingTarget stands in front of a mock as a real Domino would (no
// /__mock/ routes, so the runner restores nothing and only its cleanups
// undo what it made), and holds the requests hold picks until their
// client gives up or the test ends, saying on arrived that one came.
func holdingTarget(t *testing.T, mockAPI string, hold func(r *http.Request) bool) (url string, arrived <-chan string) {
	t.Helper()
	u, err := neturl.Parse(mockAPI)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	ch := make(chan string, 16)
	released := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/__mock/"):
			http.NotFound(w, r)
		case hold(r):
			// The server notices a client that leaves only once the
			// body is read.
			io.Copy(io.Discard, r.Body)
			select {
			case ch <- r.Method + " " + r.URL.Path:
			default: // no one is waiting for so many
			}
			select {
			case <-r.Context().Done():
			case <-released:
			}
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	// Close waits for the handlers: release the held ones first.
	t.Cleanup(func() { close(released); srv.Close() })
	return srv.URL, ch
}

// accountsMade reads, from the mock's state, whether each service account
// whose name starts with prefix is active.
func accountsMade(t *testing.T, m *conformance.Mock, prefix string) map[string]bool {
	t.Helper()
	resp, err := http.Get(m.Target().APIProxy + "/__mock/state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		Users []struct {
			UserName string `json:"userName"`
			Active   bool   `json:"active"`
		} `json:"users"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	made := map[string]bool{}
	for _, u := range state.Users {
		if strings.HasPrefix(u.UserName, prefix) {
			made[u.UserName] = u.Active
		}
	}
	return made
}

// await waits for what a held request or the command says, until the
// deadline, which only keeps a broken run from hanging the test.
func await[T any](t *testing.T, ch <-chan T, deadline time.Time, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Until(deadline)):
		t.Fatalf("%s never happened", what)
	}
	var zero T
	return zero
}

// TestInterrupt: the first SIGINT stops the run at once, runs the cleanups
// of what it made (the service account is deactivated) and exits 130; a
// second one, while a cleanup is under way, exits 130 without finishing it.
func TestInterrupt(t *testing.T) {
	t.Parallel()
	tokenRE := regexp.MustCompile(`^/v4/serviceAccounts/[^/]+/tokens$`)
	deactivateRE := regexp.MustCompile(`^/v4/serviceAccounts/[^/]+/deactivate$`)
	for _, twice := range []bool{false, true} {
		t.Run(map[bool]string{false: "once", true: "twice"}[twice], func(t *testing.T) {
			t.Parallel()
			m, err := conformance.StartMock("observed")
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			var held atomic.Int32
			host, arrived := holdingTarget(t, m.Target().APIHost, func(r *http.Request) bool {
				// The first token the run asks for, and (twice) every
				// deactivation, which the cleanups ask for.
				if r.Method == http.MethodPost && tokenRE.MatchString(r.URL.Path) {
					return held.Add(1) == 1
				}
				return twice && r.Method == http.MethodPost && deactivateRE.MatchString(r.URL.Path)
			})
			prefix := fmt.Sprintf("sigint%v", twice)
			cmd := exec.Command(os.Args[0], "--api-host", host, "--admin-api-key", m.Target().AdminAPIKey,
				"--tags", "@tokens", "--prefix", prefix, "--format", "progress")
			cmd.Env = append(os.Environ(), "CONFORMANCE_RUN_MAIN=1", "DOMINO_API_HOST=", "DOMINO_API_PROXY=")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer cmd.Process.Kill() // if the test gives up on it
			// One bound for the whole subtest, well inside go test's
			// default 10 minutes.
			deadline := time.Now().Add(3 * time.Minute)

			await(t, arrived, deadline, "the first token request")
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			if twice {
				await(t, arrived, deadline, "the cleanup's deactivation")
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
			err = await(t, exited, deadline, "the exit")
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 130 {
				t.Fatalf("%v, want exit status 130\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
			}
			made := accountsMade(t, m, prefix+"-")
			if len(made) != 1 {
				t.Errorf("the run made the accounts %v; want the one of the first scenario only", made)
			}
			for name, active := range made {
				if active != twice {
					t.Errorf("after %s, account %s is active: %v\nstderr:\n%s", map[bool]string{false: "one SIGINT", true: "two"}[twice], name, active, stderr.String())
				}
			}
		})
	}
}
