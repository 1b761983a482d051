package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/conformance"
	"github.com/mockdomino/mockdomino/internal/replay"
)

// cli runs `conformance replay ARGS`.
func cli(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = conformance.Main(context.Background(), append([]string{"replay"}, args...), &out, &errs, func(k string) string { return env[k] })
	return code, out.String(), errs.String()
}

// firstLines writes a transcript of the first n exchanges of a test file.
func firstLines(t *testing.T, name string, n int) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, bytes.Join(lines[:n], nil), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// Exit 0 when nothing drifted, 1 when something did, with the report in
// text or JSON, on stdout or in a file.
func TestReplayCommand(t *testing.T) {
	code, stdout, stderr := cli(t, nil, firstLines(t, "mock.jsonl", 300), "--mock")
	if code != 0 || !strings.HasSuffix(stdout, "300 exchanges replayed (0 skipped), 0 drifted, 0 differences\n") {
		t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The flags may come first; the edited transcript drifts in three places.
	edited := firstLines(t, "edited.jsonl", 1100)
	code, stdout, stderr = cli(t, nil, "--mock", "--format", "json", edited)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	var res replay.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("--format json: %v\n%s", err, stdout)
	}
	if len(res.Drifts) != 3 || res.Drifts[0].Line != 205 || res.Drifts[1].Kind != "status" || res.Drifts[2].Field != "$.message" {
		t.Errorf("drifts %+v", res.Drifts)
	}
	if !strings.Contains(stderr, "1100 exchanges replayed (0 skipped), 3 drifted, 3 differences") {
		t.Errorf("the summary is not on stderr beside a JSON report:\n%s", stderr)
	}
	// --ignore leaves the shape's field out; --output takes the report.
	out := filepath.Join(t.TempDir(), "drift.txt")
	code, stdout, _ = cli(t, nil, edited, "--mock", "--ignore", "GET /v4/users/self $.avatarUrl", "--output", out)
	report, _ := os.ReadFile(out)
	if code != 1 || strings.Contains(string(report), "avatarUrl") || strings.Count(string(report), "\nline ")+1 != 2 ||
		!strings.Contains(stdout, "2 drifted, 2 differences") {
		t.Errorf("exit %d, report:\n%s\nstdout:\n%s", code, report, stdout)
	}
}

// --format html and markdown write the drift as the run reports do: the
// three drifts in a table, the summary for people on stderr.
func TestReplayReports(t *testing.T) {
	edited := firstLines(t, "edited.jsonl", 1100)
	page := filepath.Join(t.TempDir(), "drift.html")
	code, stdout, stderr := cli(t, nil, edited, "--mock", "--format", "html", "--output", page)
	html, _ := os.ReadFile(page)
	if code != 1 || !strings.Contains(stdout, "3 drifted, 3 differences") || strings.Count(string(html), "<tr><td class=\"n\">") != 3 ||
		!strings.Contains(string(html), `<a href="#drift">Drift (3)</a>`) || !strings.Contains(string(html), "<h1>Replay of edited.jsonl</h1>") {
		t.Errorf("exit %d\nstdout %s\nstderr %s\npage:\n%s", code, stdout, stderr, html)
	}
	code, stdout, stderr = cli(t, nil, edited, "--mock", "--format", "markdown")
	if code != 1 || !strings.HasPrefix(stdout, "# Replay of edited.jsonl\n") || strings.Count(stdout, "\n| 205 |")+strings.Count(stdout, "\n| ") < 3 ||
		!strings.Contains(stdout, "## Drift (3)") || !strings.Contains(stderr, "3 drifted, 3 differences") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// Every way the replay cannot run exits 2 with an error that says why.
func TestReplayCommandErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := firstLines(t, "mock.jsonl", 3)
	line, _ := os.ReadFile(good)
	first := string(bytes.SplitAfter(line, []byte("\n"))[0])
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"not JSON lines", []string{write("array.json", "["+strings.TrimSpace(first)+"]\n"), "--mock"}, "line 1 is not a JSON object"},
		{"unknown field", []string{write("field.jsonl", first+strings.Replace(first, `"ms":`, `"colour":"red","ms":`, 1)), "--mock"}, `line 2: json: unknown field "colour"`},
		{"no such file", []string{filepath.Join(dir, "none.jsonl"), "--mock"}, "no such file"},
		{"unreachable target", []string{good, "--api-host", closed, "--api-proxy", closed}, "the target does not answer: " + closed},
		{"malformed --map-host", []string{good, "--mock", "--map-host", "127.0.0.1:1"}, `--map-host "127.0.0.1:1": want RECORDED=URL`},
		{"--map-host not a URL", []string{good, "--mock", "--map-host", "a:1=localhost:2"}, "is not an http:// or https:// base URL"},
		{"--map-host of another host", []string{good, "--mock", "--map-host", "nowhere:1=http://127.0.0.1:1"}, "--map-host nowhere:1: the transcript has no such host"},
		{"unknown placeholder kind", []string{good, "--mock", "--credential", "<apikey-3>=user"}, "apikey is not a kind of placeholder"},
		{"bad --ignore", []string{good, "--mock", "--ignore", "metadata.requestId"}, `--ignore "metadata.requestId": want [METHOD PATH ]FIELD`},
		{"bad --format", []string{good, "--mock", "--format", "pdf"}, `--format "pdf" is not text, json, html or markdown`},
		{"no target", []string{good}, "give --mock, or the target"},
		{"mock and a host", []string{good, "--mock", "--api-host", closed}, "either --mock or --api-host"},
		{"no file", []string{"--mock"}, "want one transcript file, got 0"},
		{"two files", []string{good, good, "--mock"}, "want one transcript file, got 2"},
	} {
		code, stdout, stderr := cli(t, nil, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%s: exit %d, stderr:\n%s\nwant exit 2 and %q (stdout %q)", c.name, code, stderr, c.want, stdout)
		}
	}
}

// The usage of both commands mentions replay; replay's shows no key from
// the environment.
func TestUsageMentionsReplay(t *testing.T) {
	env := map[string]string{"DOMINO_USER_API_KEY": "admin-key-from-env-7f3a", "DOMINO_NONADMIN_API_KEY": "user-key-from-env-9c1b"}
	var stdout, stderr bytes.Buffer
	conformance.Main(context.Background(), []string{"-h"}, &stdout, &stderr, func(k string) string { return env[k] })
	if !strings.Contains(stderr.String(), "conformance replay FILE") {
		t.Errorf("conformance -h does not mention replay:\n%s", stderr.String())
	}
	code, _, usage := cli(t, env, "-h")
	if code != 0 || !strings.Contains(usage, "usage: conformance replay FILE") || !strings.Contains(usage, "--ignore") && !strings.Contains(usage, "-ignore") {
		t.Errorf("exit %d, usage:\n%s", code, usage)
	}
	for _, key := range env {
		if strings.Contains(usage, key) {
			t.Errorf("the usage shows %q", key)
		}
	}
}
