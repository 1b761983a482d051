package conformance

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// startMock starts an in-process mock for one test.
func startMock(t *testing.T, profile string) *Mock {
	t.Helper()
	m, err := StartMock(profile)
	if err != nil {
		t.Fatalf("starting the mock (%s): %v", profile, err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing the mock: %v", err)
		}
	})
	return m
}

// TestConformance runs every scenario against the in-process mock under
// both built-in profiles.
func TestConformance(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"observed", "strict"} {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			m := startMock(t, profile)
			var out bytes.Buffer
			res, err := Run(context.Background(), Options{
				Target: m.Target(), Profile: profile, Format: "progress", Output: &out, Log: &out,
				JobTimeout: 10 * time.Second, NoColors: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %s in %s", profile, res.Summary(), res.Duration.Round(time.Millisecond))
			if !res.OK() {
				t.Fatalf("%s\n%s", res.Summary(), out.String())
			}
			if res.Passed < 60 {
				t.Errorf("only %d scenarios passed, want at least 60", res.Passed)
			}
			// The state the suite leaves is one a state import accepts,
			// with its secrets and without (issue 14).
			st := m.srv.Store()
			t.Logf("end state: %s", st.Export(false))
			for _, secrets := range []bool{true, false} {
				if err := st.Import(st.Export(secrets)); err != nil {
					t.Errorf("the suite's end state (secrets=%v) does not import: %v", secrets, err)
				}
			}
			// Only the other profile's variant (once per surface) may be
			// skipped against the mock.
			if len(res.Skips) != 1 || res.Skips[0].Tag == "@"+profile || res.Skipped != 2 {
				t.Errorf("skips: %+v, want just the other profile's scenario", res.Skips)
			}
		})
	}
}

var summaryRE = regexp.MustCompile(`^\d+ passed, \d+ failed(, \d+ skipped)?$`)

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// TestMainWithMock runs the command line with --mock in every format and
// checks the exit status and that the last line is the summary (of stdout,
// or of stderr when stdout holds a JUnit or Cucumber report).
func TestMainWithMock(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"pretty", "progress", "junit", "cucumber"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"--mock", "--tags", "@jwt", "--format", format}, &stdout, &stderr, noEnv)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
			}
			// A machine format's stdout is the report alone; the summary is
			// then the last line of stderr.
			human := stdout.String()
			if machineFormat(format) {
				human = stderr.String()
			}
			if last := lastLine(human); !summaryRE.MatchString(last) {
				t.Errorf("last line %q is not the summary", last)
			}
		})
	}
}

func noEnv(string) string { return "" }

// TestMainAgainstRunningMock points the command line at a mock by URL only,
// with no keys: the runner must recognise a mockdomino and use the
// fixtures' keys. The API proxy comes from the environment.
func TestMainAgainstRunningMock(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	env := map[string]string{"DOMINO_API_HOST": m.srv.APIURL(), "DOMINO_API_PROXY": m.srv.ProxyURL()}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--tags", "@users,@proxy,@errors"}, &stdout, &stderr, func(k string) string { return env[k] })
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	if last := lastLine(stdout.String()); !summaryRE.MatchString(last) || strings.Contains(last, "skipped") {
		t.Errorf("last line %q: want a summary with nothing skipped", last)
	}
}

// TestMainFailsWhenAScenarioFails checks the exit status and the summary
// when the target misbehaves: every token is refused.
func TestMainFailsWhenAScenarioFails(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		if strings.HasPrefix(r.Request.Header.Get("Authorization"), "Bearer ") {
			r.StatusCode = http.StatusUnauthorized
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", srv.URL, "--allow-mock-changes", "--tags", "@users"}, &stdout, &stderr, noEnv)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout.String(), stderr.String())
	}
	last := lastLine(stdout.String())
	if !summaryRE.MatchString(last) || strings.HasPrefix(last, "0 passed") || strings.Contains(last, " 0 failed") {
		t.Errorf("last line %q: want some passed and some failed", last)
	}
}

// TestMainExternalURL puts a proxy in front of the mock, so the suite
// reaches it by another address than the one in its tokens' iss, as inside a
// Domino workspace or with a mockdomino started with --external-url: the
// issuer check fails unless --external-url names the mock's own base URL.
func TestMainExternalURL(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	// In front of the mock, by another address: once as a real Domino
	// (no /__mock/ routes, so the runner cannot ask the mock its URL), once
	// passing everything through.
	hidden := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__mock/") {
			http.NotFound(w, r)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	defer hidden.Close()
	open := httptest.NewServer(rp)
	defer open.Close()
	withKeys := []string{"--admin-api-key", fixtures.DefaultAdminAPIKey, "--user-api-key", fixtures.DefaultUserAPIKey, "--tags", "@jwt", "--name", "issuer URL"}
	run := func(host string, env map[string]string, extra ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--api-host", host}, withKeys...)
		code := Main(context.Background(), append(args, extra...), &stdout, &stderr, func(k string) string { return env[k] })
		return code, stdout.String() + stderr.String()
	}
	if code, out := run(hidden.URL, nil); code != 1 {
		t.Errorf("a target that cannot say its URL, without --external-url: exit %d, want 1 (iss names the mock's address)\n%s", code, out)
	}
	if code, out := run(hidden.URL, nil, "--external-url", m.srv.APIURL()+"/"); code != 0 {
		t.Errorf("with --external-url: exit %d\n%s", code, out)
	}
	if code, out := run(hidden.URL, map[string]string{"DOMINO_EXTERNAL_URL": m.srv.APIURL()}); code != 0 {
		t.Errorf("with DOMINO_EXTERNAL_URL: exit %d\n%s", code, out)
	}
	// A mockdomino says its external URL in its health answer.
	if code, out := run(open.URL, nil, "--allow-mock-changes"); code != 0 || !strings.Contains(out, "external URL "+m.srv.APIURL()) {
		t.Errorf("a mock behind another address, without --external-url: exit %d, want 0 with the URL from /__mock/health\n%s", code, out)
	}
}

// TestRealTargetSkipsMockOnly runs against a target that does not answer
// /__mock/health, as a real Domino: @mock-only scenarios are skipped, the
// summary says why, and everything else passes.
func TestRealTargetSkipsMockOnly(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	hide := func(next string) *httptest.Server {
		u, _ := url.Parse(next)
		rp := httputil.NewSingleHostReverseProxy(u)
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.URL.Path, "/__mock/") {
				http.NotFound(w, r)
				return
			}
			rp.ServeHTTP(w, r)
		}))
	}
	api := hide(m.srv.APIURL())
	defer api.Close()
	mt := m.Target()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{
		"--api-host", api.URL, "--admin-api-key", mt.AdminAPIKey,
		"--tags", "@jobs,@errors,@tokens,@users,@proxy",
	}, &stdout, &stderr, noEnv)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "@mock-only scenario(s): they need the mock's control routes") {
		t.Errorf("the output does not say why @mock-only scenarios were skipped:\n%s", out)
	}
	for _, tag := range []string{"@non-admin", "@proxy"} {
		if !strings.Contains(out, tag+" scenario(s)") {
			t.Errorf("the output does not report the skipped %s scenarios:\n%s", tag, out)
		}
	}
	if last := lastLine(out); !regexp.MustCompile(`^\d+ passed, 0 failed, \d+ skipped$`).MatchString(last) {
		t.Errorf("last line %q", last)
	}
}
