package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// lockedBuffer is stderr written by the proxy's handlers and read by the
// test; saw is closed when a line holding the awaited text is written.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	await string
	saw   chan struct{} // closed when a line holding await is written
	seen  bool
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if !l.seen && l.await != "" && strings.Contains(l.b.String(), l.await) {
		close(l.saw)
		l.seen = true
	}
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// recorder is a `mockdomino record` run in this process.
type recorder struct {
	url    string        // http://ADDR it printed
	stop   func()        // what SIGINT does
	done   chan struct{} // closed when runRecord has returned err
	err    error
	stdout *lockedBuffer // everything after the listening line
	stderr *lockedBuffer
}

// startRecord runs runRecord with args (plus --listen 127.0.0.1:0) and
// waits for its listening line.
func startRecord(t *testing.T, args ...string) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{stop: cancel, done: make(chan struct{}), stdout: &lockedBuffer{},
		stderr: &lockedBuffer{await: "record: stopping", saw: make(chan struct{})}}
	pr, pw := io.Pipe()
	go func() {
		r.err = runRecord(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), pw, r.stderr)
		pw.Close()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	sc := bufio.NewScanner(pr)
	if !sc.Scan() {
		t.Fatalf("no listening line; it returned %v\n%s", r.stopped(), r.stderr)
	}
	u, ok := strings.CutPrefix(sc.Text(), "record listening on ")
	if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("first line %q, want record listening on http://127.0.0.1:PORT", sc.Text())
	}
	r.url = u
	go io.Copy(r.stdout, pr)
	return r
}

// stopped is what SIGINT leads to: runRecord's result.
func (r *recorder) stopped() error {
	r.stop()
	<-r.done
	return r.err
}

// A command line that cannot be served is refused at once with exit status
// 2 and a message saying what to change, and an existing transcript is
// left as it was.
func TestRecordRefusesBadStarts(t *testing.T) {
	tlsUp := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsUp.Close()
	closed := httptest.NewTLSServer(http.NotFoundHandler())
	closed.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	dir := t.TempDir()
	existing := filepath.Join(dir, "kept.jsonl")
	if err := os.WriteFile(existing, []byte("an earlier transcript\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(dir, "ca.txt")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no upstream", []string{"--out", existing}, "--upstream URL is required"},
		{"plain HTTP upstream", []string{"--upstream", plain.URL, "--out", existing}, "is not HTTPS"},
		{"not a URL", []string{"--upstream", "domino.example.com", "--out", existing}, "want a base URL"},
		{"credentials in the URL", []string{"--upstream", "https://admin:hunter2-password@domino.example.com", "--out", existing}, "holds credentials"},
		{"no out", []string{"--upstream", tlsUp.URL}, "--out FILE is required"},
		{"unreachable upstream", []string{"--upstream", closed.URL, "--out", existing}, "is unreachable"},
		{"untrusted certificate", []string{"--upstream", tlsUp.URL, "--out", existing}, "--upstream-ca FILE"},
		{"a CA file without a certificate", []string{"--upstream", tlsUp.URL, "--upstream-ca", notPEM, "--out", existing}, "holds no PEM certificate"},
		{"plain HTTP server behind https://", []string{"--upstream", "https://" + strings.TrimPrefix(plain.URL, "http://"), "--out", existing}, "serves plain HTTP"},
		{"unknown flag", []string{"--upstream", tlsUp.URL, "--out", existing, "--colour"}, "flag provided but not defined"},
		{"stray argument", []string{"--upstream", tlsUp.URL, "--out", existing, "extra"}, "unexpected arguments"},
		{"busy address", []string{"--upstream", plain.URL, "--insecure-upstream", "--out", existing, "--listen", busy.Addr().String()}, "--listen"},
		{"out in no directory", []string{"--upstream", plain.URL, "--insecure-upstream", "--out", filepath.Join(dir, "none", "t.jsonl")}, "--out"},
	} {
		// Should it start all the same, it stops at once rather than serve.
		ctx, cancel := context.WithCancel(context.Background())
		var stdout, stderr bytes.Buffer
		err := runRecord(ctx, c.args, cancelOnWrite{&stdout, cancel}, &stderr)
		cancel()
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v (exit %d), want exit 2 saying %q", c.name, err, exitCode(err), c.want)
		}
		if all := err.Error() + stdout.String() + stderr.String(); strings.Contains(all, "hunter2") {
			t.Errorf("%s: the password is shown: %s", c.name, all)
		}
		if stdout.Len() != 0 {
			t.Errorf("%s: stdout %q", c.name, stdout.String())
		}
	}
	if b, _ := os.ReadFile(existing); string(b) != "an earlier transcript\n" {
		t.Errorf("a refused start changed the existing transcript: %q", b)
	}
	var stdout, stderr bytes.Buffer
	if err := runRecord(context.Background(), []string{"--help"}, &stdout, &stderr); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(stderr.String(), "-insecure-upstream") || !strings.Contains(stderr.String(), "Usage: mockdomino record") {
		t.Errorf("--help: %v\n%s", err, stderr.String())
	}
}

// cancelOnWrite cancels a context at the first line written.
type cancelOnWrite struct {
	w      io.Writer
	cancel func()
}

func (c cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return c.w.Write(p)
}

// An http:// upstream is served with --insecure-upstream; the transcript is
// created 0600 (even over a file that was readable by others), reads back,
// and the stop says how many exchanges it wrote.
func TestRecordInsecureUpstream(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
	}))
	defer up.Close()
	out := filepath.Join(t.TempDir(), "t.jsonl")
	if err := os.WriteFile(out, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := startRecord(t, "--upstream", up.URL, "--insecure-upstream", "--out", out)
	for _, p := range []string{"/version", "/v4/users/self"} {
		resp, err := http.Get(r.url + p)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != fmt.Sprintf(`{"path":%q}`, p) {
			t.Errorf("%s: %d %s", p, resp.StatusCode, body)
		}
	}
	if err := r.stopped(); err != nil {
		t.Fatalf("stop: %v\n%s", err, r.stderr)
	}
	xs, err := transcript.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 2 || xs[1].Path != "/v4/users/self" || xs[1].Host != strings.TrimPrefix(up.URL, "http://") {
		t.Errorf("read back %+v", xs)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("the transcript's mode is %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(r.stderr.String(), "record: wrote 2 exchanges to "+out) {
		t.Errorf("stderr does not say how many exchanges were written:\n%s", r.stderr)
	}
}

// An upstream that stops answering after the start: the client gets a
// 502, the line has Error set and no status.
func TestRecordUpstreamGoneAtRuntime(t *testing.T) {
	up := httptest.NewServer(http.NotFoundHandler())
	out := filepath.Join(t.TempDir(), "t.jsonl")
	r := startRecord(t, "--upstream", up.URL, "--insecure-upstream", "--out", out)
	up.Close()
	resp, err := http.Get(r.url + "/v4/users/self")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "no answer from the upstream") {
		t.Errorf("%d %q, want a 502 saying the upstream gave no answer", resp.StatusCode, body)
	}
	if err := r.stopped(); err != nil {
		t.Fatal(err)
	}
	xs, err := transcript.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 1 || xs[0].Error == "" || xs[0].Status != 0 {
		t.Errorf("read back %+v, want one exchange with Error set and no status", xs)
	}
}

// SIGINT (here: the context ending) lets an exchange in flight finish
// within the grace period, then writes its line and closes the transcript;
// with no grace left, it cuts the exchange and records it cut. Either way
// the run ends with no error (exit 0).
func TestRecordStopsCleanly(t *testing.T) {
	upload := `["` + strings.Repeat(`a string to redact","`, 20_000) + `"]`
	for _, finish := range []bool{true, false} {
		name := map[bool]string{true: "finishes in-flight", false: "cuts in-flight"}[finish]
		t.Run(name, func(t *testing.T) {
			release := make(chan struct{})
			up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/version" { // the check at start
					return
				}
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, "first piece;")
				w.(http.Flusher).Flush()
				select {
				case <-release:
					io.WriteString(w, "second piece")
				case <-r.Context().Done():
				}
			}))
			defer up.Close()
			out := filepath.Join(t.TempDir(), "t.jsonl")
			grace := map[bool]string{true: "1m", false: "0s"}[finish]
			r := startRecord(t, "--upstream", up.URL, "--insecure-upstream", "--out", out, "--shutdown-grace", grace)
			// A large upload, whose line takes a while to redact: a stop
			// that did not wait for it would close the transcript first.
			resp, err := http.Post(r.url+"/v4/things", "application/json", strings.NewReader(upload))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			first := make([]byte, len("first piece;"))
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatal(err)
			}
			stopped := make(chan error, 1)
			go func() { stopped <- r.stopped() }()
			var rest []byte
			if finish {
				<-r.stderr.saw // it is stopping: now let the answer end
				close(release)
				rest, err = io.ReadAll(resp.Body)
				if err != nil || string(rest) != "second piece" {
					t.Errorf("the rest of the answer: %q, %v", rest, err)
				}
			}
			if err := <-stopped; err != nil {
				t.Fatalf("stop: %v\n%s", err, r.stderr)
			}
			xs, err := transcript.ReadFile(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, r.stderr)
			}
			x := xs[0]
			switch {
			case len(xs) != 1:
				t.Errorf("%d exchanges, want 1", len(xs))
			case len(x.RequestBody) != len(upload):
				t.Errorf("recorded an upload of %d bytes (omitted %q), want %d", len(x.RequestBody), x.RequestBodyOmitted, len(upload))
			case finish && (string(x.ResponseBody) != `"first piece;second piece"` || x.Error != ""):
				t.Errorf("recorded %s, error %q; want the whole answer", x.ResponseBody, x.Error)
			case !finish && (!strings.Contains(x.Error, "cut short") || x.ResponseBodyOmitted == "" || x.Status != 200):
				t.Errorf("recorded %d %s, error %q; want 200, cut short, the body left out", x.Status, x.ResponseBody, x.Error)
			}
			if !strings.Contains(r.stderr.String(), "record: wrote 1 exchanges to") {
				t.Errorf("stderr:\n%s", r.stderr)
			}
		})
	}
}

// No API key, JWT, password or git secret the proxy carries appears in
// what it prints (its log line per exchange included) or in the
// transcript; the log and the transcript show the placeholders instead.
// Against the mock over HTTPS, trusted through --upstream-ca.
func TestRecordShowsNoSecret(t *testing.T) {
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	out := filepath.Join(t.TempDir(), "t.jsonl")
	r := startRecord(t, "--upstream", srv.APIURL(), "--upstream-ca", srv.TLSCAPath(), "--out", out)

	secrets := map[string]string{fixtures.DefaultAdminAPIKey: "admin API key", fixtures.DefaultUserAPIKey: "user API key"}
	calls := 0
	call := func(method, path string, header http.Header, body string, want int) map[string]any {
		t.Helper()
		calls++
		req, err := http.NewRequest(method, r.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = header
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		raw, _ := io.ReadAll(resp.Body)
		json.Unmarshal(raw, &v)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		return v
	}
	admin := http.Header{"X-Domino-Api-Key": {fixtures.DefaultAdminAPIKey}}
	self := call("GET", "/v4/users/self", admin.Clone(), "", 200)
	call("GET", "/v4/users/self", http.Header{"X-Domino-Api-Key": {fixtures.DefaultUserAPIKey}}, "", 200)
	sa := call("POST", "/v4/serviceAccounts", admin.Clone(), `{"username":"record-sa","email":"record-sa@example.com"}`, 201)
	tok := call("POST", "/v4/serviceAccounts/"+fmt.Sprint(sa["idpId"])+"/tokens", admin.Clone(), `{"name":"record-token"}`, 201)
	jwt, _ := tok["token"].(string)
	if strings.Count(jwt, ".") != 2 {
		t.Fatalf("no JWT in %v", tok)
	}
	secrets[jwt] = "token (JWT)"
	call("GET", "/v4/users/self", http.Header{"Authorization": {"Bearer " + jwt}}, "", 200)
	sshKey := string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte("record-test-ssh-key-material-0123456789")}))
	for _, c := range []struct{ body, secret string }{
		{`{"name":"gh","gitServiceProvider":"github","accessType":"token","token":"ghp_recordTestSecretToken01"}`, "ghp_recordTestSecretToken01"},
		{`{"name":"pw","gitServiceProvider":"gitlabEnterprise","domain":"git.corp","accessType":"password","username":"u","password":"record-test-git-password"}`, "record-test-git-password"},
		{`{"name":"k","gitServiceProvider":"bitbucket","accessType":"key","key":` + jsonQuote(sshKey) + `,"passphrase":"record-test-passphrase"}`, "record-test-passphrase"},
	} {
		call("POST", "/v4/accounts/"+fmt.Sprint(self["id"])+"/gitcredentials", admin.Clone(), c.body, 200)
		secrets[c.secret] = "git secret"
	}
	secrets["record-test-ssh-key-material"] = "SSH key"
	// A key in a query, as some scripts send it: the log line and the
	// transcript's path show its placeholder.
	call("GET", "/v4/users/self?apiKey="+fixtures.DefaultAdminAPIKey, admin.Clone(), "", 200)
	// A password in Basic authentication: refused, and never shown.
	call("GET", "/v4/users/self", http.Header{"Authorization": {"Basic cmVjb3JkLXVzZXI6cmVjb3JkLWJhc2ljLXB3"}}, "", 401)
	secrets["cmVjb3JkLXVzZXI6cmVjb3JkLWJhc2ljLXB3"] = "Basic credential"

	if err := r.stopped(); err != nil {
		t.Fatal(err)
	}
	recorded, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for where, text := range map[string]string{"stdout": r.stdout.String(), "stderr": r.stderr.String(), "the transcript": string(recorded)} {
		for s, kind := range secrets {
			if strings.Contains(text, s) || strings.Contains(text, strings.Trim(jsonQuote(s), `"`)) {
				t.Errorf("%s holds the %s (%.6s…)", where, kind, s)
			}
		}
	}
	// Not vacuous: every exchange was recorded and logged, with placeholders.
	xs, err := transcript.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != calls {
		t.Errorf("%d exchanges recorded, %d made", len(xs), calls)
	}
	for _, want := range []string{"GET /v4/users/self?apiKey=<api-key-1> 200", "POST /v4/serviceAccounts 201", fmt.Sprintf("wrote %d exchanges", calls)} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	for _, want := range []string{"<api-key-1>", "<api-key-2>", "<jwt-", "<token-", "<password-", "<key-", "Basic <credential-"} {
		if !bytes.Contains(recorded, []byte(want)) {
			t.Errorf("the transcript lacks the placeholder %s\n%s", want, recorded)
		}
	}
}

func jsonQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// `mockdomino --help` names the subcommand.
func TestUsageNamesRecord(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run([]string{"--help"}, &stdout, &stderr, func(string) (string, bool) { return "", false })
	if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "mockdomino record --upstream URL --out FILE") {
		t.Errorf("--help: %v\n%s", err, stderr.String())
	}
}

// The binary: a refused start exits 2; SIGINT stops it with exit 0 once
// the transcript is written.
func TestRecordBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "record", "--upstream", "http://127.0.0.1:1", "--out", filepath.Join(t.TempDir(), "t.jsonl"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "is not HTTPS") {
		t.Errorf("plain HTTP upstream: %v\n%s", err, out)
	}

	up := httptest.NewServer(http.NotFoundHandler())
	defer up.Close()
	file := filepath.Join(t.TempDir(), "t.jsonl")
	cmd = exec.Command(bin, "record", "--upstream", up.URL, "--insecure-upstream", "--listen", "127.0.0.1:0", "--out", file)
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "record listening on http://127.0.0.1:") {
		t.Fatalf("first line %q\n%s", sc.Text(), stderr.String())
	}
	resp, err := http.Get(strings.TrimPrefix(sc.Text(), "record listening on ") + "/v4/users/self")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGINT: %v\n%s", err, stderr.String())
	}
	if xs, err := transcript.ReadFile(file); err != nil || len(xs) != 1 || xs[0].Status != 404 {
		t.Errorf("transcript %+v, %v", xs, err)
	}
	if !strings.Contains(stderr.String(), "record: wrote 1 exchanges") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
}
