package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// TestRecordHoldsNoCredential runs a subset of the suite (the scenarios
// about tokens, git credentials, the public API, JWTs and the API proxy)
// with --record against a mock the run does not own, so it also saves and
// puts back the mock's state, secrets included. A tap in front of the mock
// sees every exchange as it was; every secret it saw (credentials in
// headers, JWTs anywhere, the string values of secret fields, the git
// secrets the steps make, the fixtures' API keys) must be absent from the
// transcript, while every path (with the ids in it) that held no secret
// is there as it was.
func TestRecordHoldsNoCredential(t *testing.T) {
	m, err := StartMock("observed")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tap := &tap{}
	apiHost, apiProxy := tap.front(t, m.srv.APIURL()), tap.front(t, m.srv.ProxyURL())
	file := filepath.Join(t.TempDir(), "run.jsonl")
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"--api-host", apiHost, "--api-proxy", apiProxy, "--record", file, "--format", "progress",
		"--tags", "@tokens or @git-credentials or @public-api or @jwt or @proxy"}, &stdout, &stderr, func(string) string { return "" })
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	recorded, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("the transcript's mode is %v, want 0600", fi.Mode().Perm())
	}

	secrets := tap.secrets()
	kinds := map[string]int{}
	for s, kind := range secrets {
		kinds[kind]++
		if bytes.Contains(recorded, []byte(s)) || bytes.Contains(recorded, []byte(strings.Trim(jsonString(s), `"`))) {
			t.Errorf("the transcript holds a %s the run saw (%.6s…)", kind, s)
		}
	}
	// The check is not vacuous: the run saw each kind of secret.
	for kind, least := range map[string]int{"jwt": 20, "api key": 2, "git secret": 3} {
		if kinds[kind] < least {
			t.Errorf("the run saw %d %s(s), want at least %d: %v", kinds[kind], kind, least, kinds)
		}
	}

	var lines []transcript.Exchange
	sc := bufio.NewScanner(bytes.NewReader(recorded))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var x transcript.Exchange
		if err := json.Unmarshal(sc.Bytes(), &x); err != nil {
			t.Fatalf("line %d: %v", len(lines)+1, err)
		}
		lines = append(lines, x)
	}
	if len(lines) != len(tap.seen) {
		t.Errorf("the transcript has %d exchanges, the tap saw %d", len(lines), len(tap.seen))
	}
	paths, keys, named := map[string]bool{}, map[string]bool{}, 0
	for _, x := range lines {
		paths[x.Method+" "+x.Path] = true
		for _, k := range x.RequestHeaders.Values("X-Domino-Api-Key") {
			keys[k] = true
		}
		if x.Scenario != "" {
			named++
		}
	}
	// Ids stay: every path without a secret is in the transcript as sent.
	for _, x := range tap.seen {
		if p := x.method + " " + x.path; !containsAny(p, secrets) && !paths[p] {
			t.Errorf("the transcript lacks %s", p)
		}
	}
	// The same key is the same placeholder every time: as many placeholders
	// as keys the run sent.
	if want := tap.headerValues("X-Domino-Api-Key"); len(keys) != want {
		t.Errorf("%d placeholders for X-Domino-Api-Key (%v), the run sent %d keys", len(keys), keys, want)
	}
	if named < len(lines)/2 {
		t.Errorf("only %d of %d exchanges name their scenario", named, len(lines))
	}
	if lines[0].Scenario != "" || lines[0].Path != "/__mock/health" {
		t.Errorf("the first exchange is %s %s in %q; want the health check, outside any scenario", lines[0].Method, lines[0].Path, lines[0].Scenario)
	}
}

func containsAny(s string, secrets map[string]string) bool {
	for secret := range secrets {
		if strings.Contains(s, secret) || strings.Contains(s, url.QueryEscape(secret)) {
			return true
		}
	}
	return false
}

// tap sits in front of the mock's listeners and keeps every exchange as it
// was on the wire.
type tap struct {
	mu   sync.Mutex
	seen []tapped
}

type tapped struct {
	method, path       string
	reqHeader, respHdr http.Header
	reqBody, respBody  []byte
}

func (tp *tap) front(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = tp
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (tp *tap) RoundTrip(req *http.Request) (*http.Response, error) {
	x := tapped{method: req.Method, path: req.URL.RequestURI(), reqHeader: req.Header.Clone()}
	if req.Body != nil {
		x.reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(x.reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	x.respBody, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(x.respBody))
	x.respHdr = resp.Header.Clone()
	tp.mu.Lock()
	tp.seen = append(tp.seen, x)
	tp.mu.Unlock()
	return resp, nil
}

func (tp *tap) headerValues(name string) int {
	vals := map[string]bool{}
	for _, x := range tp.seen {
		for _, v := range x.reqHeader.Values(name) {
			vals[v] = true
		}
	}
	return len(vals)
}

var (
	tapJWT       = regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.[\w-]*`)
	tapGitSecret = regexp.MustCompile(`conformance-[a-z]+-secret-[0-9a-f]+`)
)

// secrets are what a transcript must not hold, by kind, found with rules of
// the test's own rather than the recorder's.
func (tp *tap) secrets() map[string]string {
	out := map[string]string{fixtures.DefaultAdminAPIKey: "api key", fixtures.DefaultUserAPIKey: "api key"}
	add := func(kind, s string) {
		// A JWT or a git secret is counted as such, however it was met first.
		if len(s) >= 8 && !strings.HasPrefix(s, "<") && (out[s] == "" || kind == "jwt" || kind == "git secret") {
			out[s] = kind
		}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				walk(k, x)
			}
		case []any:
			for _, x := range t {
				walk(key, x)
			}
		case string:
			switch strings.ToLower(key) {
			case "token", "password", "passphrase", "apikey", "secret":
				add("secret field", t)
			}
		}
	}
	for _, x := range tp.seen {
		var all []byte
		for _, h := range []http.Header{x.reqHeader, x.respHdr} {
			for name, vals := range h {
				for _, v := range vals {
					all = append(all, v...)
					switch http.CanonicalHeaderKey(name) {
					case "Authorization":
						_, cred, _ := strings.Cut(v, " ")
						add("credential", cred)
					case "X-Domino-Api-Key":
						add("api key", v)
					}
				}
			}
		}
		for _, b := range [][]byte{x.reqBody, x.respBody} {
			all = append(all, b...)
			var v any
			if json.Unmarshal(b, &v) == nil {
				walk("", v)
			}
		}
		all = append(all, x.path...)
		for _, m := range tapJWT.FindAll(all, -1) {
			add("jwt", string(m))
		}
		for _, m := range tapGitSecret.FindAll(all, -1) {
			add("git secret", string(m))
		}
	}
	return out
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
