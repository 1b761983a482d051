package conformance

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// reportFeatures is a small suite with failures on purpose: in one feature,
// a scenario that passes, one that fails after three calls (its name holds a
// <script>), an @inferred one that fails after one call, and a @strict one
// the observed profile skips; in another, one that passes.
const reportFeatures = "testdata/report"

// The failing scenarios' names, as the report must show them.
const (
	failingName  = `A service account is no administrator <script>document.documentElement.setAttribute("data-injected","yes")</script>`
	inferredName = "The administrator is no administrator"
)

// jwtRE is any JSON Web Token: a report must hold none.
var jwtRE = regexp.MustCompile(`eyJ[\w-]+\.[\w-]+\.[\w-]*`)

// runReport runs the report suite against an in-process mock with args
// added, and wants exit 1 (two scenarios fail).
func runReport(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"--mock", "--features", reportFeatures}, args...)
	if code := Main(context.Background(), args, &out, &errOut, noEnv); code != 1 {
		t.Fatalf("exit %d, want 1 (two scenarios fail)\n%s\n%s", code, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// TestHTMLReportToFile: --format html --output FILE writes the page there
// (the summary goes to stdout): the failures with their last calls, redacted
// (no API key, no JWT), the scenario's own calls only, the failing call last;
// the @inferred failure among the guesses disproved; each feature's counts;
// the skip and its reason.
func TestHTMLReportToFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "report.html")
	stdout, _ := runReport(t, "--format", "html", "--output", file)
	if last := lastLine(stdout); last != "2 passed, 2 failed, 1 skipped" {
		t.Errorf("stdout ends with %q, want the summary", last)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	if !strings.HasPrefix(page, "<!DOCTYPE html>") {
		t.Fatalf("%s is not an HTML page: %.100q", file, page)
	}
	for _, secret := range []string{fixtures.DefaultAdminAPIKey, fixtures.DefaultUserAPIKey} {
		if strings.Contains(page, secret) {
			t.Error("the page holds an API key")
		}
	}
	if m := jwtRE.FindString(page); m != "" {
		t.Errorf("the page holds a JWT (%.12s…)", m)
	}
	failures := failureArticles(page)
	if len(failures) != 2 { // the disproved guess links to its failure
		t.Fatalf("%d failure articles, want 2:\n%s", len(failures), page)
	}
	first, second := failures[0], failures[1]
	if !strings.Contains(first.text, "<h3>"+html.EscapeString(failingName)+"</h3>") {
		t.Errorf("the first failure is not %q, escaped:\n%s", failingName, first.text)
	}
	// Its three calls, in order, the failing one last, each request with its
	// placeholder for the credential and each answer with its body.
	wantCalls := []string{"POST /v4/serviceAccounts →", "POST /v4/serviceAccounts/", "GET /v4/users/self →"}
	if len(first.calls) != 3 {
		t.Fatalf("the first failure shows %d calls, want 3: %q", len(first.calls), first.calls)
	}
	for i, want := range wantCalls {
		if !strings.Contains(first.calls[i], want) {
			t.Errorf("call %d is %q, want %q", i+1, first.calls[i], want)
		}
	}
	for _, want := range []string{"X-Domino-Api-Key: &lt;admin-api-key-", "Authorization: Bearer &lt;jwt-", "&#34;token&#34;: &#34;&lt;jwt-",
		"&#34;roles&#34;: [],", "last call before the failure:</span> GET /v4/users/self", "<span class=\"tag\">@admin</span>"} {
		if !strings.Contains(first.text, want) {
			t.Errorf("the first failure lacks %q", want)
		}
	}
	// The @inferred scenario made one call: the calls of the scenario
	// before it are not its.
	if !strings.Contains(second.text, "<h3>"+inferredName+"</h3>") || len(second.calls) != 1 || !strings.Contains(second.calls[0], "GET /v4/users/self") {
		t.Errorf("the second failure is not %q with its one call: %q\n%s", inferredName, second.calls, second.text)
	}
	for _, want := range []string{
		`<li id="disproved-1"><a href="#failure-2">`,
		`<td>Who is calling | in ` + "`the report&#39;s`" + ` test</td><td class="n">1</td><td class="n"><a href="#failure-1">2</a></td><td class="n">1</td>`,
		`<td>Callers without credentials</td><td class="n">1</td><td class="n">0</td><td class="n">0</td>`,
		`1 <span class="tag">@strict</span> scenario(s): they expect the strict behaviour`,
		"<p class=\"summary\" id=\"summary\">2 passed, 2 failed, 1 skipped</p>",
		"Profile: observed",
		"(a mockdomino)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, `id="drift"`) {
		t.Error("a run's page has a drift section")
	}
}

type failureArticle struct {
	text  string
	calls []string // each call's summary line
}

var (
	articleRE = regexp.MustCompile(`(?s)<article class="failure[^"]*" id="[^"]*">.*?</article>`)
	callRE    = regexp.MustCompile(`<summary>(.*?)</summary>`)
)

func failureArticles(page string) []failureArticle {
	var out []failureArticle
	for _, a := range articleRE.FindAllString(page, -1) {
		fa := failureArticle{text: a}
		for _, m := range callRE.FindAllStringSubmatch(a, -1) {
			fa.calls = append(fa.calls, regexp.MustCompile(`<[^>]*>`).ReplaceAllString(m[1], ""))
		}
		out = append(out, fa)
	}
	return out
}

// TestMarkdownReportOnStdout: --format markdown on stdout is the Markdown
// alone, for $GITHUB_STEP_SUMMARY; the lines for people go to stderr.
func TestMarkdownReportOnStdout(t *testing.T) {
	t.Parallel()
	stdout, stderr := runReport(t, "--format", "markdown")
	if last := lastLine(stderr); last != "2 passed, 2 failed, 1 skipped" {
		t.Errorf("stderr ends with %q, want the summary", last)
	}
	if !strings.HasPrefix(stdout, "# Conformance report\n\n**2 passed, 2 failed, 1 skipped**\n") {
		t.Errorf("stdout does not start with the report's title and summary:\n%.300s", stdout)
	}
	for _, line := range []string{"finished in", "skipped 1 @strict", "conformance: checking"} {
		if strings.Contains(stdout, line) {
			t.Errorf("stdout holds the line for people %q", line)
		}
	}
	for _, want := range []string{
		"## Failures (2)",
		"<details><summary><b>Who is calling | in `the report&#39;s` test</b>: " + html.EscapeString(failingName) + "</summary>",
		"Call 1 of 3: `POST /v4/serviceAccounts` → **201**",
		"Last call before the failure: `GET /v4/users/self` → **200**",
		"Authorization: Bearer <jwt-",
		"## Guesses disproved (1)",
		"| Who is calling \\| in \\`the report's\\` test | " + inferredName + " | Step the answer does not have the \"SysAdmin\" role:",
		"| Who is calling \\| in \\`the report's\\` test | 1 | 2 | 1 |",
		"| Callers without credentials | 1 | 0 | 0 |",
		"- 1 `@strict` scenario(s): they expect the strict behaviour",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the Markdown lacks %q\n%s", want, stdout)
		}
	}
	if strings.Contains(stdout, fixtures.DefaultAdminAPIKey) || jwtRE.MatchString(stdout) {
		t.Error("the Markdown holds a credential")
	}
}

// TestReportWithRecord: with --record, one recorder writes the transcript
// and feeds the report, so a call in the report is the transcript's line
// for it, placeholders and all.
func TestReportWithRecord(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file, page := filepath.Join(dir, "run.jsonl"), filepath.Join(dir, "report.html")
	runReport(t, "--format", "html", "--output", page, "--record", file)
	xs, err := transcript.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	failures := failureArticles(string(data))
	if len(failures) == 0 {
		t.Fatal("no failure in the report")
	}
	// The failing call, found in the transcript by its request id.
	id := regexp.MustCompile(`X-Request-Id: ([\w-]+)`).FindAllStringSubmatch(failures[0].text, -1)
	if len(id) != 3 {
		t.Fatalf("%d request ids in the first failure, want 3", len(id))
	}
	var last *transcript.Exchange
	for i := range xs {
		if xs[i].ResponseHeaders.Get("X-Request-Id") == id[2][1] {
			last = &xs[i]
		}
	}
	if last == nil {
		t.Fatalf("the transcript has no call with the report's last request id %s", id[2][1])
	}
	if last.Scenario != failingName {
		t.Errorf("the transcript's line is of the scenario %q", last.Scenario)
	}
	auth := last.RequestHeaders.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer <jwt-") || !strings.Contains(failures[0].text, "Authorization: "+html.EscapeString(auth)) {
		t.Errorf("the transcript's call has Authorization %q, the report's:\n%s", auth, failures[0].text)
	}
	// The API key of the failure's first call is the transcript's placeholder
	// too (<admin-api-key-N>, the runner's label: a second recorder would
	// name it <api-key-N>).
	found := false
	for i := range xs {
		if xs[i].ResponseHeaders.Get("X-Request-Id") == id[0][1] {
			found = true
			key := xs[i].RequestHeaders.Get("X-Domino-Api-Key")
			if !strings.HasPrefix(key, "<admin-api-key-") || !strings.Contains(failures[0].text, "X-Domino-Api-Key: "+html.EscapeString(key)) {
				t.Errorf("the transcript's first call has X-Domino-Api-Key %q, the report's:\n%s", key, failures[0].text)
			}
		}
	}
	if !found {
		t.Errorf("the transcript has no call with the report's first request id %s", id[0][1])
	}
	var lines int
	f, _ := os.Open(file)
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		lines++
	}
	if lines < 10 {
		t.Errorf("the transcript has %d lines: was every call recorded?", lines)
	}
}

// TestRunWritesAReportWithoutMain: Run given html or markdown (from Go, as
// a test would call it) records the calls itself.
func TestRunWritesAReportWithoutMain(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Target: m.Target(), Features: os.DirFS(reportFeatures), Format: "markdown", Output: &out})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 2 {
		t.Fatalf("%d failed, want 2", res.Failed)
	}
	md := out.String()
	if !strings.Contains(md, "Last call before the failure: `GET /v4/users/self`") || !strings.Contains(md, "X-Domino-Api-Key: <admin-api-key-") {
		t.Errorf("the failures lack their calls:\n%s", md)
	}
	if strings.Contains(md, fixtures.DefaultAdminAPIKey) {
		t.Error("the Markdown holds the administrator's key")
	}
}

// TestFormatFlagNamesTheReports: an unknown format is a usage error that
// names every format.
func TestFormatFlagNamesTheReports(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"--mock", "--format", "pdf"}, &stdout, &stderr, noEnv); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), `--format "pdf" is not pretty, progress, junit, cucumber, html or markdown`) {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// TestReportFormatsAreMachineFormats: like JUnit, the reports list the
// skipped scenarios, and their godog output is not wanted.
func TestReportFormatsAreMachineFormats(t *testing.T) {
	for _, f := range []string{"html", "markdown"} {
		if !machineFormat(f) || !fromRecords(f) {
			t.Errorf("%s: machineFormat %v, fromRecords %v", f, machineFormat(f), fromRecords(f))
		}
	}
}

// TestExchangeTail: the tail keeps the last calls after a mark, from lines
// written in pieces, and ignores what is not an exchange.
func TestExchangeTail(t *testing.T) {
	tail := &exchangeTail{}
	add := func(paths ...string) {
		for _, p := range paths {
			tail.add(transcript.Exchange{Method: "GET", Path: p})
		}
	}
	add("/a")
	mark := tail.mark()
	add("/b", "/c", "/d", "/e")
	var got []string
	for _, x := range tail.since(mark) {
		got = append(got, x.Path)
	}
	if strings.Join(got, " ") != "/c /d /e" {
		t.Errorf("since the mark: %v, want the last 3 of /b /c /d /e", got)
	}
	if xs := tail.since(tail.mark()); len(xs) != 0 {
		t.Errorf("since a fresh mark: %v", xs)
	}
	add("/f")
	m2 := tail.mark() - 1
	if xs := tail.since(m2); len(xs) != 1 || xs[0].Path != "/f" {
		t.Errorf("since the mark before /f: %v", xs)
	}
	var none *exchangeTail
	if none.mark() != 0 || none.since(0) != nil {
		t.Error("a nil tail is not empty")
	}
}

// A transcript that cannot be written still leaves the report its calls:
// the recorder shows each exchange to the tail before writing its line.
func TestTailOutlivesAFailedTranscript(t *testing.T) {
	rec, tail := newRecorder("html", failingFile{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	c := rec.Client(nil)
	for _, p := range []string{"/a", "/b"} {
		resp, err := c.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	if rec.Err() == nil || len(tail.since(0)) != 2 || tail.since(0)[1].Path != "/b" {
		t.Errorf("error %v, tail %v: want the failure kept and both calls in the tail", rec.Err(), tail.since(0))
	}
}

type failingFile struct{}

func (failingFile) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestReportTargetHidesUserinfo: a URL's user and password never reach a
// report.
func TestReportTargetHidesUserinfo(t *testing.T) {
	target := Target{APIHost: "https://ci:s3cret-pass@domino.example.com/", APIProxy: "http://u:p4ss@localhost:8899",
		ExternalURL: "https://x:ext3rnal@domino.example.org"}
	for name, got := range map[string]string{"reportTarget": reportTarget(target, false), "describe": describe(target, false)} {
		if strings.Contains(got, "s3cret") || strings.Contains(got, "p4ss") || strings.Contains(got, "ext3rnal") || strings.Contains(got, "@") {
			t.Errorf("%s = %q", name, got)
		}
	}
	if got := reportTarget(target, false); got != "API host https://domino.example.com, API proxy http://localhost:8899" {
		t.Errorf("reportTarget = %q", got)
	}
}

// TestInterruptedRunWritesItsReport: a run stopped by Ctrl-C still writes
// its report, the scenarios cut short or never begun counted as skipped,
// with that reason.
func TestInterruptedRunWritesItsReport(t *testing.T) {
	t.Parallel()
	m := startMock(t, "observed")
	ctx, interrupt := context.WithCancel(context.Background())
	defer interrupt()
	u, _ := url.Parse(m.srv.APIURL())
	rp := httputil.NewSingleHostReverseProxy(u)
	tokens := regexp.MustCompile(`^/v4/serviceAccounts/[^/]+/tokens$`)
	var held atomic.Bool
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !tokens.MatchString(r.URL.Path) || !held.CompareAndSwap(false, true) {
			rp.ServeHTTP(w, r)
			return
		}
		io.Copy(io.Discard, r.Body)
		interrupt()
		<-r.Context().Done()
	}))
	defer front.Close()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"--api-host", front.URL, "--api-proxy", m.srv.ProxyURL(), "--features", reportFeatures, "--format", "markdown"},
		&stdout, &stderr, noEnv)
	if code != ExitInterrupted || !held.Load() {
		t.Fatalf("exit %d (held: %v), want %d\n%s", code, held.Load(), ExitInterrupted, stderr.String())
	}
	md := stdout.String()
	for _, want := range []string{
		"**2 passed, 0 failed, 1 skipped, 2 interrupted**",
		"| Callers without credentials | 1 | 0 | 0 |",
		"| Who is calling \\| in \\`the report's\\` test | 1 | 0 | 3 |",
		"- 1 scenario(s): cut short: the run was interrupted",
		"- 1 scenario(s): not run: the run was interrupted",
		"No scenario failed.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q\n%s", want, md)
		}
	}
}

// TestReportFailureMessagesAreRedacted: a step's failure message may quote
// an answer, and an answer may hold a secret (here a target whose list of
// git credentials holds their secrets: the scenario that checks it fails,
// quoting the list). The HTML and Markdown reports show the message with
// the secret replaced, as the calls beside it are.
func TestReportFailureMessagesAreRedacted(t *testing.T) {
	t.Parallel()
	var rule breakRule
	for _, r := range breakRules {
		if r.name == "the git credential list leaks secrets" {
			rule = r
		}
	}
	m := startMock(t, "observed")
	b := newBreaker(rule, m.Target())
	target := m.Target()
	target.APIHost = b.serve(t, m.srv.APIURL(), true)
	target.APIProxy = b.serve(t, m.srv.ProxyURL(), false)
	for _, format := range []string{"html", "markdown"} {
		var out bytes.Buffer
		res, err := Run(context.Background(), Options{Target: target, Tags: rule.tags, Scenarios: rule.scenarios,
			Format: format, Output: &out, Log: io.Discard, NoColors: true})
		if err != nil {
			t.Fatal(err)
		}
		page := out.String()
		if res.Failed == 0 || !strings.Contains(page, "a git secret appears in the answer") {
			t.Fatalf("%s: the report lacks the failure that quotes the secret: the test proves nothing\n%s", format, page)
		}
		b.mu.Lock()
		for _, secret := range b.secrets {
			if strings.Contains(page, secret) || strings.Contains(page, html.EscapeString(secret)) {
				t.Errorf("the %s report holds a git secret the run used (%.6s…)", format, secret)
			}
		}
		b.mu.Unlock()
	}
}
