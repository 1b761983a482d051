package report

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// The HTML report is one file that a browser shows as it is, offline: its
// styles and its one script are inline, it loads nothing (no images, fonts
// or style sheets), and its Content-Security-Policy forbids loading
// anything, so a page copied off a CI runner shows the same everywhere. Its
// links are to its own sections. html/template escapes every name, message
// and body: a transcript from a real Domino may hold anything.

// htmlMaxBody bounds a body the page shows; a longer one is cut, saying so.
const htmlMaxBody = 64 << 10

// headScript records a script error on the page itself, where a test (or a
// reader's devtools) finds it: <html data-script-error="…">.
const headScript = `window.onerror=function(m,s,l){document.documentElement.setAttribute("data-script-error",String(m)+" (line "+l+")");};`

// pageScript adds the buttons that open or close every exchange, and says
// it ran: <html data-script="ok">. The page needs none of it to be read.
const pageScript = `(function(){
var tools=document.getElementById("tools");
function all(open){var ds=document.querySelectorAll("details.exchange");for(var i=0;i<ds.length;i++){ds[i].open=open;}}
function button(label,open){var b=document.createElement("button");b.type="button";b.textContent=label;b.addEventListener("click",function(){all(open);});tools.appendChild(b);}
if(tools&&document.querySelector("details.exchange")){button("Expand all exchanges",true);button("Collapse all exchanges",false);tools.hidden=false;}
document.documentElement.setAttribute("data-script","ok");
})();`

// csp allows the page's own styles and its two scripts, by hash, and
// nothing else: no request leaves the page, and a script that escaped
// escaping would not run.
var csp = fmt.Sprintf("default-src 'none'; style-src 'unsafe-inline'; script-src '%s' '%s'; img-src 'none'; base-uri 'none'; form-action 'none'",
	scriptHash(headScript), scriptHash(pageScript))

func scriptHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

type htmlPage struct {
	Title, Target, Profile, Generated, Duration, Summary string
	Passed, Failed, Skipped, Total                       int
	Bar                                                  htmlBar
	Failures                                             []htmlFailure
	Disproved                                            []htmlFailure
	Features                                             []htmlFeature
	Skips                                                []Skip
	Drifts                                               []transcript.Drift
	Notes                                                []string
	CSP                                                  string
	HeadScript, Script                                   template.JS
}

// htmlBar is a bar's three widths, in percent.
type htmlBar struct{ Pass, Fail, Skip string }

type htmlFailure struct {
	ID       string // the element's id, which the contents link to
	Link     string // a disproved guess's failure, "#failure-n"; "" to show it here
	Feature  string
	Scenario string
	Tags     []string
	Inferred bool
	Message  string
	Calls    []htmlExchange
}

type htmlExchange struct {
	Method, Path, Status, StatusClass string
	Milliseconds                      int64
	Request, Response                 string
	Failing                           bool // the scenario's last call before it failed
}

type htmlFeature struct {
	Name                           string
	Passed, Failed, Skipped, Total int
	Bar                            htmlBar
	FirstFailure                   string // "#failure-n" of the feature's first failure
}

func barOf(p, f, s int) htmlBar {
	t := p + f + s
	return htmlBar{percent(p, t), percent(f, t), percent(s, t)}
}

func htmlFailures(list []Failure, idPrefix string, linkTo map[string]string) []htmlFailure {
	out := make([]htmlFailure, 0, len(list))
	for i, f := range list {
		hf := htmlFailure{ID: fmt.Sprintf("%s-%d", idPrefix, i+1), Feature: f.Feature, Scenario: f.Scenario,
			Tags: f.Tags, Message: f.Message}
		for _, t := range f.Tags {
			hf.Inferred = hf.Inferred || t == "@inferred"
		}
		if linkTo != nil {
			hf.Link = linkTo[failureKey(f)]
		}
		if hf.Link == "" {
			for j, x := range f.Exchanges {
				resp, _ := responseOf(x, htmlMaxBody)
				hf.Calls = append(hf.Calls, htmlExchange{
					Method: x.Method, Path: x.Path, Status: statusText(x), StatusClass: statusClass(x),
					Milliseconds: x.Milliseconds,
					Request:      requestOf(x, htmlMaxBody).Text(), Response: resp.Text(),
					Failing: j == len(f.Exchanges)-1,
				})
			}
		}
		out = append(out, hf)
	}
	return out
}

// WriteHTML writes the report as one self-contained HTML page.
func WriteHTML(w io.Writer, r Report) error {
	p := htmlPage{Title: r.title(), Target: r.Target, Profile: r.Profile, Generated: r.generated(),
		Summary: r.summary(), Skips: r.Skips, Drifts: r.Drifts, Notes: r.Notes, CSP: csp,
		HeadScript: template.JS(headScript), Script: template.JS(pageScript)}
	if r.Duration > 0 {
		p.Duration = r.Duration.Round(1e6).String()
	}
	p.Passed, p.Failed, p.Skipped = r.Totals()
	p.Total = p.Passed + p.Failed + p.Skipped
	p.Bar = barOf(p.Passed, p.Failed, p.Skipped)
	p.Failures = htmlFailures(r.Failures, "failure", nil)
	links := map[string]string{}
	firstOf := map[string]string{}
	for i, f := range r.Failures {
		if _, ok := links[failureKey(f)]; !ok {
			links[failureKey(f)] = "#" + p.Failures[i].ID
		}
		if _, ok := firstOf[f.Feature]; !ok {
			firstOf[f.Feature] = "#" + p.Failures[i].ID
		}
	}
	p.Disproved = htmlFailures(r.Disproved, "disproved", links)
	for _, f := range r.Features {
		p.Features = append(p.Features, htmlFeature{Name: f.Name, Passed: f.Passed, Failed: f.Failed, Skipped: f.Skipped,
			Total: f.Passed + f.Failed + f.Skipped, Bar: barOf(f.Passed, f.Failed, f.Skipped), FirstFailure: firstOf[f.Name]})
	}
	var b strings.Builder
	if err := htmlTemplate.Execute(&b, p); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{"add1": func(i int) int { return i + 1 }}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<script>{{.HeadScript}}</script>
<style>
:root{--pass:#2e7d32;--fail:#c62828;--skip:#9e9e9e;--ink:#1b1b1b;--muted:#5f6368;--line:#dadce0;--code:#f6f8fa}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:1.5rem;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}
h2{font-size:1.25rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:0 0 .3rem}
a{color:#1a56c4}
.meta{color:var(--muted);margin:.2rem 0}
.summary{font-size:1.2rem;font-weight:600;margin:.6rem 0}
.bar{display:flex;height:14px;min-width:120px;border-radius:3px;overflow:hidden;background:#eee}
.bar span{display:block;height:100%}
.bar .pass{background:var(--pass)}.bar .fail{background:var(--fail)}.bar .skip{background:var(--skip)}
.bar.big{height:22px;margin:.4rem 0 1rem}
nav ol{margin:.2rem 0;padding-left:1.4rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--code)}
td.n{text-align:right;font-variant-numeric:tabular-nums;width:5em}
td.barcell{width:35%}
.failure{border:1px solid var(--line);border-left:5px solid var(--fail);border-radius:4px;padding:.8rem 1rem;margin:0 0 1rem}
.failure.inferred{border-left-color:#e65100}
.where{color:var(--muted);margin:0 0 .4rem}
.tag{display:inline-block;font:12px ui-monospace,monospace;background:#eef1f5;border-radius:3px;padding:0 .35rem;margin-right:.25rem}
.tag.inferred{background:#ffe0b2}
pre{background:var(--code);border:1px solid var(--line);border-radius:4px;padding:.6rem;margin:.3rem 0;overflow:auto;max-height:40rem;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;word-break:break-word}
pre.message{border-color:#f3b4b4;background:#fff5f5}
details.exchange{margin:.5rem 0;border:1px solid var(--line);border-radius:4px;padding:.3rem .6rem}
details.exchange.failing{border-color:var(--fail)}
details.exchange>summary{cursor:pointer;font:13px ui-monospace,monospace}
.rr{display:grid;grid-template-columns:1fr 1fr;gap:.6rem}
@media (max-width:800px){.rr{grid-template-columns:1fr}}
.rr h4{margin:.4rem 0 0;font-size:.85rem;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.status{font-weight:700}.s2{color:var(--pass)}.s3{color:#1565c0}.s4{color:#e65100}.s5,.s-err{color:var(--fail)}
.label{color:var(--muted)}
#tools button{margin-right:.5rem}
.none{color:var(--muted)}
</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
{{if .Target}}<p class="meta">Target: {{.Target}}</p>{{end}}
{{if .Profile}}<p class="meta">Profile: {{.Profile}}</p>{{end}}
{{if .Generated}}<p class="meta">Generated {{.Generated}}{{if .Duration}}; the run took {{.Duration}}{{end}}</p>{{end}}
<p class="summary" id="summary">{{.Summary}}</p>
{{- if .Total}}
<div class="bar big" role="img" aria-label="{{.Passed}} passed, {{.Failed}} failed, {{.Skipped}} skipped"><span class="pass" style="width:{{.Bar.Pass}}%"></span><span class="fail" style="width:{{.Bar.Fail}}%"></span><span class="skip" style="width:{{.Bar.Skip}}%"></span></div>
{{- end}}
</header>
<nav id="contents">
<h2>Contents</h2>
<ol>
{{- if .Failures}}
<li><a href="#failures">Failures ({{len .Failures}})</a>
<ol>
{{- range .Failures}}
<li><a href="#{{.ID}}">{{.Feature}}: {{.Scenario}}</a></li>
{{- end}}
</ol></li>
{{- end}}
{{- if .Disproved}}
<li><a href="#disproved">Guesses disproved ({{len .Disproved}})</a></li>
{{- end}}
{{- if .Drifts}}
<li><a href="#drift">Drift ({{len .Drifts}})</a></li>
{{- end}}
{{- if .Notes}}
<li><a href="#notes">Notes</a></li>
{{- end}}
{{- if .Features}}
<li><a href="#features">Features ({{len .Features}})</a></li>
{{- end}}
{{- if .Skips}}
<li><a href="#skipped">Skipped</a></li>
{{- end}}
</ol>
<p id="tools" hidden></p>
</nav>
<main>
{{- if .Failures}}
<section id="failures">
<h2>Failures</h2>
{{- range .Failures}}
{{template "failure" .}}
{{- end}}
</section>
{{- else if .Features}}
<p class="none" id="no-failures">No scenario failed.</p>
{{- else if not .Drifts}}
<p class="none" id="no-drift">No drift: every answer matched the recorded one.</p>
{{- end}}
{{- if .Disproved}}
<section id="disproved">
<h2>Guesses disproved</h2>
<p>These scenarios check behaviour the mock infers (<span class="tag inferred">@inferred</span>): its guesses, not what Domino was observed or documented to do. This target behaves otherwise.</p>
<ul>
{{- range .Disproved}}
{{- if .Link}}
<li id="{{.ID}}"><a href="{{.Link}}">{{.Feature}}: {{.Scenario}}</a> — {{.Message}}</li>
{{- else}}
<li>{{template "failure" .}}</li>
{{- end}}
{{- end}}
</ul>
</section>
{{- end}}
{{- if .Drifts}}
<section id="drift">
<h2>Drift</h2>
<p>What the replayed transcript recorded and what the target answered instead, one line per difference.</p>
<table>
<thead><tr><th>Line</th><th>Scenario</th><th>Request</th><th>Difference</th><th>Recorded</th><th>Got</th></tr></thead>
<tbody>
{{- range .Drifts}}
<tr><td class="n">{{.Line}}</td><td>{{.Scenario}}</td><td><code>{{.Method}} {{.Path}}</code></td><td>{{.Kind}}{{if .Field}} <code>{{.Field}}</code>{{end}}</td><td><code>{{.Recorded}}</code></td><td><code>{{.Got}}</code></td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}
{{- if .Notes}}
<section id="notes">
<h2>Notes</h2>
<ul>
{{- range .Notes}}
<li>{{.}}</li>
{{- end}}
</ul>
</section>
{{- end}}
{{- if .Features}}
<section id="features">
<h2>Features</h2>
<table>
<thead><tr><th>Feature</th><th>Passed</th><th>Failed</th><th>Skipped</th><th></th></tr></thead>
<tbody>
{{- range .Features}}
<tr><td>{{.Name}}</td><td class="n">{{.Passed}}</td><td class="n">{{if .FirstFailure}}<a href="{{.FirstFailure}}">{{.Failed}}</a>{{else}}{{.Failed}}{{end}}</td><td class="n">{{.Skipped}}</td>
<td class="barcell"><div class="bar" role="img" aria-label="{{.Passed}} passed, {{.Failed}} failed, {{.Skipped}} skipped"><span class="pass" style="width:{{.Bar.Pass}}%"></span><span class="fail" style="width:{{.Bar.Fail}}%"></span><span class="skip" style="width:{{.Bar.Skip}}%"></span></div></td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}
{{- if .Skips}}
<section id="skipped">
<h2>Skipped</h2>
<ul>
{{- range .Skips}}
<li>{{.Count}} {{if .Tag}}<span class="tag">{{.Tag}}</span> {{end}}scenario(s): {{.Reason}}</li>
{{- end}}
</ul>
</section>
{{- end}}
</main>
<script>{{.Script}}</script>
</body>
</html>
{{define "failure"}}<article class="failure{{if .Inferred}} inferred{{end}}" id="{{.ID}}">
<h3>{{.Scenario}}</h3>
<p class="where">{{.Feature}}{{range .Tags}} <span class="tag{{if eq . "@inferred"}} inferred{{end}}">{{.}}</span>{{end}}</p>
<pre class="message">{{.Message}}</pre>
{{- if .Calls}}
{{- $n := len .Calls}}
{{- range $i, $x := .Calls}}
<details class="exchange{{if .Failing}} failing{{end}}" open>
<summary><span class="label">{{if .Failing}}last call before the failure{{else}}call {{add1 $i}} of {{$n}}{{end}}:</span> {{.Method}} {{.Path}} → <span class="status {{.StatusClass}}">{{.Status}}</span> <span class="label">({{.Milliseconds}} ms)</span></summary>
<div class="rr">
<div><h4>Request</h4><pre>{{.Request}}</pre></div>
<div><h4>Response</h4><pre>{{.Response}}</pre></div>
</div>
</details>
{{- end}}
{{- else}}
<p class="none">No call was recorded for this scenario before it failed.</p>
{{- end}}
</article>{{end}}
`))
