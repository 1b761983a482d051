// Package report writes a conformance run's outcome for people: one
// self-contained HTML page (WriteHTML) and Markdown for a CI job's summary
// page (WriteMarkdown). Both read a plain Report, which the conformance
// runner fills from its record of each scenario and, after a replay, from the
// drift it found; a test can make one by hand.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// Report is what a report shows. Nothing in it is redacted here: the
// exchanges come from a transcript recorder, which has replaced every secret
// already, and the rest are names, counts and messages.
type Report struct {
	Title     string // "" is "Conformance report"
	Target    string // what was checked, e.g. "API host https://domino.example.com"
	Profile   string // which behaviour the run expected
	Generated time.Time
	Duration  time.Duration // how long the run took; 0 leaves it out
	// Summary is the runner's verdict line ("170 passed, 3 failed, 8
	// skipped"); "" makes one from Features.
	Summary  string
	Features []Feature
	// Failures are the failed scenarios, in run order, @inferred ones too.
	Failures []Failure
	// Disproved are the failed scenarios tagged @inferred: the mock's
	// guesses this target disproved. One that is also in Failures is
	// listed with a link to it rather than shown twice.
	Disproved []Failure
	Skips     []Skip
	// Drifts are the differences a replay found; none leaves the section out.
	Drifts []transcript.Drift
	// Notes are remarks for the reader, e.g. what a replay could not do as
	// the recording did. A report without Features (a replay's) shows no
	// features section.
	Notes []string
}

// Feature counts one feature's scenarios by outcome.
type Feature struct {
	Name                    string
	Passed, Failed, Skipped int
}

// Failure is one failed scenario.
type Failure struct {
	Feature, Scenario string
	Tags              []string // with their @
	Message           string   // the step that failed and its error
	// Exchanges are the scenario's last calls up to the failure, the
	// failing one last, redacted as a transcript is.
	Exchanges []transcript.Exchange
}

// Skip is a number of scenarios not run, and why.
type Skip struct {
	Tag    string // the tag that made the runner skip them; may be ""
	Reason string
	Count  int
}

// Totals adds up the features' counts.
func (r Report) Totals() (passed, failed, skipped int) {
	for _, f := range r.Features {
		passed += f.Passed
		failed += f.Failed
		skipped += f.Skipped
	}
	return passed, failed, skipped
}

func (r Report) title() string {
	if r.Title != "" {
		return r.Title
	}
	return "Conformance report"
}

func (r Report) summary() string {
	if r.Summary != "" {
		return r.Summary
	}
	p, f, s := r.Totals()
	line := fmt.Sprintf("%d passed, %d failed", p, f)
	if s > 0 {
		line += fmt.Sprintf(", %d skipped", s)
	}
	return line
}

// generated is the report's time as both writers print it.
func (r Report) generated() string {
	if r.Generated.IsZero() {
		return ""
	}
	return r.Generated.UTC().Format("2006-01-02 15:04:05 UTC")
}

// failureKey identifies a failure for linking a disproved guess to it.
func failureKey(f Failure) string { return f.Feature + "\x00" + f.Scenario + "\x00" + f.Message }

// percent is n's share of total, for a bar's CSS width.
func percent(n, total int) string {
	if total == 0 {
		return "0"
	}
	return fmt.Sprintf("%.2f", 100*float64(n)/float64(total))
}

// ---- exchanges as HTTP messages ----

// message is one side of an exchange as text: a request or status line,
// the headers one a line in order of name, a blank line and the body,
// pretty-printed when JSON and cut after maxBody bytes.
type message struct {
	Start   string // "GET /v4/users/self" or "HTTP 404"
	Headers []string
	Body    string // "" when there is none
	Note    string // why the body is not shown as it was, if it is not
}

// Text is the message as one block of text.
func (m message) Text() string {
	var b strings.Builder
	b.WriteString(m.Start)
	for _, h := range m.Headers {
		b.WriteString("\n" + h)
	}
	if m.Body != "" || m.Note != "" {
		b.WriteString("\n")
	}
	if m.Body != "" {
		b.WriteString("\n" + m.Body)
	}
	if m.Note != "" {
		b.WriteString("\n(" + m.Note + ")")
	}
	return b.String()
}

func requestOf(x transcript.Exchange, maxBody int) message {
	m := message{Start: x.Method + " " + x.Path}
	if x.Host != "" {
		m.Headers = append(m.Headers, "Host: "+x.Host)
	}
	m.Headers = append(m.Headers, headerLines(x.RequestHeaders)...)
	m.Body, m.Note = bodyText(x.RequestBody, x.RequestBodyBase64, x.RequestBodyOmitted, maxBody)
	return m
}

// responseOf is the answer; ok is false when there was none (the call
// failed), m.Start then says why.
func responseOf(x transcript.Exchange, maxBody int) (m message, ok bool) {
	if x.Error != "" {
		return message{Start: "no answer: " + x.Error}, false
	}
	m = message{Start: fmt.Sprintf("HTTP %d %s", x.Status, http.StatusText(x.Status))}
	m.Start = strings.TrimSpace(m.Start)
	m.Headers = headerLines(x.ResponseHeaders)
	m.Body, m.Note = bodyText(x.ResponseBody, x.ResponseBodyBase64, x.ResponseBodyOmitted, maxBody)
	return m, true
}

func headerLines(h http.Header) []string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []string
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, name+": "+v)
		}
	}
	return out
}

// bodyText is a recorded body for reading: JSON indented, a text as it was,
// bytes that are not text as the base64 the transcript holds.
func bodyText(raw json.RawMessage, b64, omitted string, maxBody int) (body, note string) {
	switch {
	case omitted != "":
		return "", "body left out: " + omitted
	case b64 != "":
		body, note = b64, "not text: the body's bytes in base64"
	case len(raw) == 0:
		return "", ""
	default:
		var s string
		if raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			body = s // a text body, kept as a JSON string
		} else {
			var b bytes.Buffer
			if json.Indent(&b, raw, "", "  ") == nil {
				body = b.String()
			} else {
				body = string(raw)
			}
		}
	}
	if len(body) > maxBody {
		cut := maxBody
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		more := len(body) - cut
		body = body[:cut]
		if note != "" {
			note += "; "
		}
		note += fmt.Sprintf("%d more bytes not shown", more)
	}
	return body, note
}

// statusClass is the CSS class of a status: its hundreds.
func statusClass(x transcript.Exchange) string {
	switch {
	case x.Error != "":
		return "s-err"
	case x.Status >= 500:
		return "s5"
	case x.Status >= 400:
		return "s4"
	case x.Status >= 300:
		return "s3"
	default:
		return "s2"
	}
}

// statusText is the status as a short label: "404" or "no answer".
func statusText(x transcript.Exchange) string {
	if x.Error != "" {
		return "no answer"
	}
	return fmt.Sprint(x.Status)
}
