package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// hostile is what a scenario name, a message or a body may hold; a report
// must show it as text.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)> | pipe ` + "`tick` ```fence```" + ` [link](https://evil.example) & &amp;`

// sample is a report with everything a page shows: two features, three
// failures (one @inferred), a disproved guess that is not among the
// failures, skips and drift.
func sample() Report {
	at := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	self := transcript.Exchange{Time: at, Scenario: "A user asks", Method: "GET", Host: "domino.example.com", Path: "/v4/users/self?x=1",
		RequestHeaders: http.Header{"X-Domino-Api-Key": {"<api-key-1>"}, "Accept": {"application/json"}},
		Status:         200, ResponseHeaders: http.Header{"Content-Type": {"application/json"}},
		ResponseBody: json.RawMessage(`{"userName":"alice","roles":["Practitioner"],"nested":{"a":1}}`), Milliseconds: 12}
	create := transcript.Exchange{Time: at, Method: "POST", Host: "domino.example.com", Path: "/v4/serviceAccounts",
		RequestHeaders: http.Header{"Authorization": {"Bearer <jwt-2>"}}, RequestBody: json.RawMessage(`{"username":"ci-bot"}`),
		Status: 409, ResponseBody: json.RawMessage(`"a text answer"`), Milliseconds: 3}
	failed := transcript.Exchange{Time: at, Method: "DELETE", Host: "domino.example.com", Path: "/v4/x", Error: "connection refused"}
	return Report{
		Title: "Conformance of domino.example.com", Target: "API host https://domino.example.com", Profile: "observed",
		Generated: at, Duration: 93 * time.Second, Summary: "3 passed, 3 failed, 2 skipped",
		Features: []Feature{{Name: "Who is calling", Passed: 2, Failed: 2, Skipped: 1}, {Name: "Tokens", Passed: 1, Failed: 1, Skipped: 1}},
		Failures: []Failure{
			{Feature: "Who is calling", Scenario: "A user asks who they are", Tags: []string{"@users"},
				Message: "Step the answer has the \"X\" role: the user's roles are [Practitioner]", Exchanges: []transcript.Exchange{create, self}},
			{Feature: "Who is calling", Scenario: "The token's azp", Tags: []string{"@users", "@inferred"}, Message: "Step azp: got other",
				Exchanges: []transcript.Exchange{self}},
			{Feature: "Tokens", Scenario: "No answer", Message: "Step deleting: connection refused", Exchanges: []transcript.Exchange{failed}},
		},
		Disproved: []Failure{
			{Feature: "Who is calling", Scenario: "The token's azp", Tags: []string{"@users", "@inferred"}, Message: "Step azp: got other",
				Exchanges: []transcript.Exchange{self}},
			{Feature: "Tokens", Scenario: "A guess shown only here", Tags: []string{"@inferred"}, Message: "Step guess: wrong",
				Exchanges: []transcript.Exchange{create}},
		},
		Skips: []Skip{{Tag: "@strict", Reason: "they expect the strict profile", Count: 2}},
		Drifts: []transcript.Drift{
			{Line: 4, Scenario: "A user asks", Method: "GET", Path: "/v4/users/self", Kind: "status", Recorded: "200", Got: "401"},
			{Line: 9, Method: "POST", Path: "/v4/serviceAccounts", Kind: "value", Field: "$.message", Recorded: `"already exists"`, Got: `"taken"`},
		},
	}
}

func writeHTML(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func writeMarkdown(t *testing.T, r Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var (
	idAttr   = regexp.MustCompile(`\sid="([^"]*)"`)
	hrefAttr = regexp.MustCompile(`\shref="([^"]*)"`)
	// A tag: escaped text holds no <, so outside the scripts every < opens one.
	tagRE = regexp.MustCompile(`<[^>]*>`)
	// What in a tag could make a browser load something: a URL-taking
	// attribute, an element that embeds or sets the base.
	loadingTag = regexp.MustCompile(`(?i)\s(src|srcset|action|formaction|poster|data|background|xlink:href|ping|manifest)\s*=|^<(link|iframe|object|embed|img|video|audio|source|base|frame|svg|image|meta http-equiv="refresh")\b`)
	// What in CSS could load something.
	loadingCSS = regexp.MustCompile(`(?i)url\s*\(|@import|image-set|expression\s*\(`)
	styleElem  = regexp.MustCompile(`(?s)<style>(.*?)</style>`)
	// scriptElem is an inline script element's text.
	scriptElem = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
)

// checkSelfContained fails unless the page loads nothing from anywhere, links
// only to its own ids (each existing once), and its policy allows exactly
// its own scripts.
func checkSelfContained(t *testing.T, page string) {
	t.Helper()
	scripts := scriptElem.FindAllStringSubmatch(page, -1)
	tags := tagRE.FindAllString(scriptElem.ReplaceAllString(page, "<script></script>"), -1)
	for _, tag := range tags {
		if m := loadingTag.FindString(tag); m != "" {
			t.Errorf("the tag %.80s would load something (%q)", tag, m)
		}
		if m := loadingCSS.FindString(tag); m != "" {
			t.Errorf("the tag %.80s has CSS that would load something (%q)", tag, m)
		}
	}
	for _, st := range styleElem.FindAllStringSubmatch(page, -1) {
		if m := loadingCSS.FindString(st[1]); m != "" {
			t.Errorf("the style sheet would load something (%q)", m)
		}
	}
	ids := map[string]int{}
	var links [][]string
	for _, tag := range tags {
		for _, m := range idAttr.FindAllStringSubmatch(tag, -1) {
			ids[m[1]]++
		}
		links = append(links, hrefAttr.FindAllStringSubmatch(tag, -1)...)
	}
	for id, n := range ids {
		if n > 1 || id == "" {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	for _, m := range links {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("a link leaves the page: href=%q", m[1])
		} else if ids[m[1][1:]] == 0 {
			t.Errorf("a link to %s, which no element has as its id", m[1])
		}
	}
	if len(links) == 0 {
		t.Error("the page has no link: the check proves nothing")
	}
	if len(scripts) != 2 {
		t.Errorf("the page has %d script elements, want its own 2", len(scripts))
	}
	policy := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]*)">`).FindStringSubmatch(page)
	if policy == nil || !strings.HasPrefix(html.UnescapeString(policy[1]), "default-src 'none';") {
		t.Fatalf("no Content-Security-Policy forbidding loads: %v", policy)
	}
	for _, s := range scripts {
		h := sha256.Sum256([]byte(s[1]))
		if !strings.Contains(html.UnescapeString(policy[1]), "'sha256-"+base64.StdEncoding.EncodeToString(h[:])+"'") {
			t.Errorf("the policy does not allow the script %.40q…", s[1])
		}
	}
}

// TestHTMLIsSelfContained: no src, href or CSS that points outside the
// page; every in-page link's target exists.
func TestHTMLIsSelfContained(t *testing.T) {
	for name, r := range map[string]Report{"full": sample(), "notes only": {Notes: []string{"n"}}, "passed": {Features: []Feature{{Name: "F", Passed: 3}}}} {
		t.Run(name, func(t *testing.T) {
			checkSelfContained(t, writeHTML(t, r))
		})
	}
}

// TestHTMLShowsFailuresFirst: failures come before the other sections, the
// contents link to each, each shows its calls (request and response with
// method, path, status, headers and pretty-printed bodies), the disproved
// guesses link to their failure or are shown in full, and each feature has
// a bar whose widths are its shares.
func TestHTMLShowsFailuresFirst(t *testing.T) {
	page := writeHTML(t, sample())
	order := []string{`id="summary"`, `id="contents"`, `id="failures"`, `id="failure-1"`, `id="failure-2"`, `id="failure-3"`,
		`id="disproved"`, `id="drift"`, `id="features"`, `id="skipped"`}
	at := 0
	for _, s := range order {
		i := strings.Index(page, s)
		if i < at {
			t.Fatalf("%s is missing or out of order (at %d, after %d)", s, i, at)
		}
		at = i
	}
	for _, want := range []string{
		`<a href="#failure-1">Who is calling: A user asks who they are</a>`,
		`<a href="#failure-3">Tokens: No answer</a>`,
		// The calls: request line, headers (the recorder's placeholders), JSON indented.
		"POST /v4/serviceAccounts\nHost: domino.example.com\nAuthorization: Bearer &lt;jwt-2&gt;\n\n{\n  &#34;username&#34;: &#34;ci-bot&#34;\n}",
		"HTTP 409 Conflict\n\na text answer",
		"GET /v4/users/self?x=1\nHost: domino.example.com\nAccept: application/json\nX-Domino-Api-Key: &lt;api-key-1&gt;",
		"HTTP 200 OK\nContent-Type: application/json\n\n{\n  &#34;userName&#34;: &#34;alice&#34;,\n  &#34;roles&#34;: [\n    &#34;Practitioner&#34;\n  ],\n  &#34;nested&#34;: {\n    &#34;a&#34;: 1\n  }\n}",
		`<span class="status s4">409</span>`,
		"no answer: connection refused",
		`last call before the failure:</span> GET /v4/users/self?x=1`,
		`call 1 of 2:</span> POST /v4/serviceAccounts`,
		// The disproved guess that is a failure links to it; the other is shown.
		`<li id="disproved-1"><a href="#failure-2">Who is calling: The token&#39;s azp</a>`,
		`<article class="failure inferred" id="disproved-2">`,
		// The feature's failed count links to its first failure.
		`<td class="n"><a href="#failure-3">1</a></td>`,
		// Bars: 2, 2 and 1 of 5; the total 3, 3 and 2 of 8.
		`<span class="pass" style="width:40.00%"></span><span class="fail" style="width:40.00%"></span><span class="skip" style="width:20.00%"></span>`,
		`<span class="pass" style="width:37.50%"></span><span class="fail" style="width:37.50%"></span><span class="skip" style="width:25.00%"></span>`,
		`<td><code>&#34;already exists&#34;</code></td><td><code>&#34;taken&#34;</code></td>`,
		`value <code>$.message</code>`,
		"2 <span class=\"tag\">@strict</span> scenario(s): they expect the strict profile",
		"the run took 1m33s",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if n := strings.Count(page, `<details class="exchange`); n != 5 {
		t.Errorf("%d exchanges shown, want 5 (2+1+1 failures, 1 disproved guess shown in full)", n)
	}
}

// TestHTMLEscapes: a name, tag, message, header or body holding markup is
// shown as text, never as markup.
func TestHTMLEscapes(t *testing.T) {
	r := sample()
	x := r.Failures[0].Exchanges[1]
	x.Path = "/v4/" + hostile
	x.RequestHeaders = http.Header{"X-Evil": {hostile}}
	b, _ := json.Marshal(map[string]string{"message": hostile})
	x.ResponseBody = b
	r.Failures[0] = Failure{Feature: hostile, Scenario: hostile, Tags: []string{hostile}, Message: hostile, Exchanges: []transcript.Exchange{x}}
	r.Disproved = append(r.Disproved, r.Failures[0])
	r.Features[0].Name = hostile
	r.Drifts[0].Recorded, r.Drifts[0].Scenario = hostile, hostile
	r.Skips[0].Reason = hostile
	r.Title, r.Target, r.Profile = hostile, hostile, hostile
	page := writeHTML(t, r)
	for _, bad := range []string{`<script>alert`, `<img`, `href="https://evil`} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q unescaped", bad)
		}
	}
	if n := strings.Count(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"); n < 10 {
		t.Errorf("the hostile text is shown escaped %d times, want it everywhere it was put (10 or more)", n)
	}
	checkSelfContained(t, page)
}

// TestHTMLCutsLongBodies: a body past htmlMaxBody is cut, saying how much is
// left out; bytes that are not text show as base64; a left-out body says why.
func TestHTMLCutsLongBodies(t *testing.T) {
	long, _ := json.Marshal(strings.Repeat("é", htmlMaxBody))
	r := Report{Failures: []Failure{{Feature: "F", Scenario: "S", Exchanges: []transcript.Exchange{
		{Method: "GET", Path: "/a", Status: 200, ResponseBody: long},
		{Method: "GET", Path: "/b", Status: 200, ResponseBodyBase64: "AAEC", RequestBodyOmitted: "longer than 16777216 bytes"},
	}}}}
	page := writeHTML(t, r)
	if !strings.Contains(page, fmtInt(htmlMaxBody)+" more bytes not shown") {
		t.Error("a long body is not cut, or the cut is not said")
	}
	if len(page) > 2*htmlMaxBody {
		t.Errorf("the page is %d bytes: the body was not cut", len(page))
	}
	for _, want := range []string{"AAEC\n(not text: the body&#39;s bytes in base64)", "(body left out: longer than 16777216 bytes)"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func fmtInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestEmptyReport: a run where everything passed has no failure, guess or
// drift section, says nothing failed, and still shows the features.
func TestEmptyReport(t *testing.T) {
	r := Report{Features: []Feature{{Name: "Tokens", Passed: 4}}, Generated: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	page := writeHTML(t, r)
	md := writeMarkdown(t, r)
	for _, absent := range []string{`id="failures"`, `id="disproved"`, `id="drift"`, `id="skipped"`, "<details"} {
		if strings.Contains(page, absent) {
			t.Errorf("the page of a run that passed has %s", absent)
		}
	}
	for _, absent := range []string{"## Failures", "## Guesses", "## Drift", "## Skipped", "<details"} {
		if strings.Contains(md, absent) {
			t.Errorf("the Markdown of a run that passed has %s", absent)
		}
	}
	for _, want := range []string{"No scenario failed.", "4 passed, 0 failed", "2026-01-02 03:04:05 UTC"} {
		if !strings.Contains(page, want) || !strings.Contains(md, want) {
			t.Errorf("a report of a run that passed lacks %q", want)
		}
	}
	if !strings.Contains(md, "| Tokens | 4 | 0 | 0 |") {
		t.Errorf("the Markdown lacks the feature's row:\n%s", md)
	}
}

// TestDriftOnlyWhenThereIsSome: the drift section is absent without drift
// and lists every difference when a replay found some.
func TestDriftOnlyWhenThereIsSome(t *testing.T) {
	r := sample()
	with, withMD := writeHTML(t, r), writeMarkdown(t, r)
	r.Drifts = nil
	without, withoutMD := writeHTML(t, r), writeMarkdown(t, r)
	if strings.Contains(without, "Drift") || strings.Contains(withoutMD, "Drift") {
		t.Error("a report without drift has a drift section")
	}
	if !strings.Contains(with, `<a href="#drift">Drift (2)</a>`) || strings.Count(with, `<td class="n">4</td>`)+strings.Count(with, `<td class="n">9</td>`) != 2 {
		t.Error("the page does not list the two drifts")
	}
	for _, row := range []string{
		"| 4 | A user asks | `GET /v4/users/self` | status | `200` | `401` |",
		"| 9 |  | `POST /v4/serviceAccounts` | value `$.message` | `\"already exists\"` | `\"taken\"` |",
	} {
		if !strings.Contains(withMD, row) {
			t.Errorf("the Markdown lacks the drift row %s\n%s", row, withMD)
		}
	}
}

// TestMarkdown: the summary line, the failures (collapsed, with their calls
// in fenced blocks), the disproved guesses, the drift and the features, each
// a table whose rows have exactly their columns.
func TestMarkdown(t *testing.T) {
	md := writeMarkdown(t, sample())
	for _, want := range []string{
		"# Conformance of domino.example.com\n\n**3 passed, 3 failed, 2 skipped**\n\n",
		"Target: API host https://domino.example.com; profile: observed; generated 2026-05-14 12:00:00 UTC; took 1m33s",
		"## Failures (3)",
		"<details><summary><b>Who is calling</b>: A user asks who they are</summary>\n\nTags: `@users`\n\n```text\nStep the answer has the \"X\" role: the user's roles are [Practitioner]\n```",
		"Call 1 of 2: `POST /v4/serviceAccounts` → **409** (3 ms)",
		"Last call before the failure: `GET /v4/users/self?x=1` → **200** (12 ms)",
		"```http\nGET /v4/users/self?x=1\nHost: domino.example.com\nAccept: application/json\nX-Domino-Api-Key: <api-key-1>\n```",
		"```http\nHTTP 200 OK\nContent-Type: application/json\n\n{\n  \"userName\": \"alice\",\n  \"roles\": [\n    \"Practitioner\"\n  ],\n  \"nested\": {\n    \"a\": 1\n  }\n}\n```",
		"```http\nno answer: connection refused\n```",
		"## Guesses disproved (2)",
		"| Who is calling | The token's azp | Step azp: got other |",
		"| Tokens | A guess shown only here | Step guess: wrong |",
		"| Who is calling | 2 | 2 | 1 |\n| Tokens | 1 | 1 | 1 |",
		"- 2 `@strict` scenario(s): they expect the strict profile",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q\n%s", want, md)
		}
	}
	if strings.Index(md, "## Failures") > strings.Index(md, "## Features") {
		t.Error("the failures do not come first")
	}
	checkTables(t, md)
}

// checkTables checks that every table row has as many cells as its header:
// a | in a cell that is not escaped would add one.
func checkTables(t *testing.T, md string) {
	t.Helper()
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1)) - 1
		if cols == 0 {
			cols = n
			continue
		}
		if n != cols {
			t.Errorf("a row with %d cells under a header of %d: %s", n, cols, line)
		}
	}
}

// unescapedPipe is a | with no backslash before it (or the line's first).
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// TestMarkdownEscapes: names, messages and values that hold |, backticks,
// markup or Markdown stay text on one line; a body holding a fence is put
// in a longer one.
func TestMarkdownEscapes(t *testing.T) {
	r := sample()
	r.Features[0].Name = hostile
	r.Disproved[0].Scenario = hostile
	r.Disproved[0].Message = "line one\nline | two"
	r.Drifts[0].Recorded = hostile
	r.Drifts[0].Field = "$.a|b"
	r.Failures[0].Feature, r.Failures[0].Scenario = hostile, hostile
	r.Failures[0].Exchanges[1].ResponseBody, _ = json.Marshal("```\n# not a heading\n```")
	r.Title = hostile
	md := writeMarkdown(t, r)
	checkTables(t, md)
	for _, want := range []string{
		// A cell: every Markdown character escaped, on one line.
		"| " + `\<script\>alert("x")\</script\>\<img src=x onerror=alert(1)\> \| pipe \` + "`tick\\` \\`\\`\\`fence\\`\\`\\` " + `\[link\](https://evil.example) \& \&amp;` + " | 2 | 2 | 1 |",
		"| line one line \\| two |",
		// Code spans in a table: the | escaped, delimiters longer than the ticks inside.
		"status `$.a\\|b`",
		"````" + `<script>alert("x")</script><img src=x onerror=alert(1)> \| pipe ` + "`tick` ```fence``` [link](https://evil.example) & &amp;````",
		// The summary line is HTML, escaped as HTML.
		"<details><summary><b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; | pipe `tick` ```fence``` [link](https://evil.example) &amp; &amp;amp;</b>",
		// A body with a fence is fenced with four.
		"````http\nHTTP 200 OK\nContent-Type: application/json\n\n```\n# not a heading\n```\n````",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %s\n%s", want, md)
		}
	}
	// Outside code, a < or a link is escaped; on the HTML line that opens a
	// failure (where GitHub reads no Markdown) a < is an entity.
	markup := regexp.MustCompile(`(^|[^\\])(<(script|img)|\]\(https)`)
	for _, line := range strings.Split(outsideCode(md), "\n") {
		if strings.HasPrefix(line, "<details><summary>") {
			line = strings.TrimSuffix(strings.TrimPrefix(line, "<details><summary><b>"), "</summary>")
			if strings.ContainsAny(strings.ReplaceAll(line, "</b>", ""), "<>") {
				t.Errorf("markup in a failure's summary: %s", line)
			}
			continue
		}
		if m := markup.FindString(line); m != "" {
			t.Errorf("markup or a link outside code (%q): %s", m, line)
		}
	}
}

// outsideCode is Markdown without its fenced blocks and code spans: what
// GitHub would read as Markdown or HTML.
func outsideCode(md string) string {
	var out []string
	fence := ""
	for _, line := range strings.Split(md, "\n") {
		switch {
		case fence != "" && line == fence:
			fence = ""
		case fence != "":
		case strings.HasPrefix(line, "```"):
			fence = strings.TrimRight(line, "abcdefghijklmnopqrstuvwxyz")
		default:
			out = append(out, withoutCodeSpans(line))
		}
	}
	return strings.Join(out, "\n")
}

// withoutCodeSpans drops every code span of a line: a run of n backticks
// (not escaped) to the next run of exactly n.
func withoutCodeSpans(line string) string {
	var b strings.Builder
	run := func(i int) int {
		n := 0
		for i+n < len(line) && line[i+n] == '`' {
			n++
		}
		return n
	}
	for i := 0; i < len(line); {
		if line[i] == '\\' && i+1 < len(line) {
			b.WriteString(line[i : i+2])
			i += 2
			continue
		}
		n := run(i)
		if n == 0 {
			b.WriteByte(line[i])
			i++
			continue
		}
		end := -1
		for j := i + n; j < len(line); {
			if m := run(j); m == n {
				end = j + m
				break
			} else if m > 0 {
				j += m
			} else {
				j++
			}
		}
		if end < 0 {
			b.WriteString(line[i : i+n])
			i += n
			continue
		}
		i = end
	}
	return b.String()
}

// TestMarkdownStaysSmall: many failures with large bodies stay under the 1
// MiB GitHub shows, and the left-out calls say where to find them.
func TestMarkdownStaysSmall(t *testing.T) {
	big, _ := json.Marshal(strings.Repeat("x", 16<<10))
	var r Report
	for i := 0; i < 200; i++ {
		r.Failures = append(r.Failures, Failure{Feature: "F", Scenario: "S", Message: "m", Exchanges: []transcript.Exchange{
			{Method: "GET", Path: "/a", Status: 200, RequestBody: big, ResponseBody: big},
			{Method: "GET", Path: "/b", Status: 200, RequestBody: big, ResponseBody: big},
		}})
	}
	md := writeMarkdown(t, r)
	if len(md) > 1<<20 {
		t.Errorf("the Markdown is %d bytes, over GitHub's 1 MiB", len(md))
	}
	if !strings.Contains(md, "the HTML report has them") {
		t.Error("left-out calls are not said to be left out")
	}
	// Not the bodies alone: many failures with long messages and headers,
	// many guesses, much drift.
	long := strings.Repeat("a message quoting an answer ", 25)
	var many Report
	for i := 0; i < 3000; i++ {
		many.Failures = append(many.Failures, Failure{Feature: "F", Scenario: "S", Message: long, Exchanges: []transcript.Exchange{
			{Method: "GET", Path: "/a", Status: 200, RequestHeaders: http.Header{"X-Long": {long}}}}})
		many.Disproved = append(many.Disproved, Failure{Feature: "F", Scenario: "S", Message: long})
		many.Drifts = append(many.Drifts, transcript.Drift{Line: i, Method: "GET", Path: "/a", Kind: "value", Recorded: long, Got: long})
	}
	md = writeMarkdown(t, many)
	if len(md) > 1<<20 {
		t.Errorf("the Markdown of 3,000 failures, guesses and differences is %d bytes, over GitHub's 1 MiB", len(md))
	}
	for _, what := range []string{"failures", "guesses", "differences"} {
		if !regexp.MustCompile(`\d+ more ` + what + ` left out`).MatchString(md) {
			t.Errorf("the left-out %s are not said to be left out", what)
		}
	}
}

// TestReplayReport: a replay's report has drift and notes but no scenarios:
// no features section, no "No scenario failed", no empty bar.
func TestReplayReport(t *testing.T) {
	r := Report{Title: "Replay of run.jsonl", Summary: "10 exchanges replayed (0 skipped), 1 drifted, 1 differences",
		Drifts: []transcript.Drift{{Line: 3, Method: "GET", Path: "/version", Kind: "status", Recorded: "200", Got: "404"}},
		Notes:  []string{"1 credential sent as recorded: <jwt-4>"}}
	page, md := writeHTML(t, r), writeMarkdown(t, r)
	for _, absent := range []string{"Features", "No scenario failed", `class="bar big"`} {
		if strings.Contains(page, absent) || strings.Contains(md, absent) {
			t.Errorf("a replay's report shows %q", absent)
		}
	}
	for _, want := range []string{`<a href="#notes">Notes</a>`, "<li>1 credential sent as recorded: &lt;jwt-4&gt;</li>", `<a href="#drift">Drift (1)</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if !strings.Contains(md, "## Notes\n\n- 1 credential sent as recorded: ") || !strings.Contains(md, "| 3 |  | `GET /version` | status | `200` | `404` |") {
		t.Errorf("the Markdown lacks the notes or the drift:\n%s", md)
	}
}
