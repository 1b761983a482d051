package report

import (
	"fmt"
	"html"
	"io"
	"strings"
)

// The Markdown report is for a CI job's summary page (GitHub Actions'
// $GITHUB_STEP_SUMMARY), which renders GitHub-flavoured Markdown and shows at
// most 1 MiB a step. Names and messages are escaped so that none can format
// the page, break a table or open HTML; bodies go in fenced blocks longer
// than any run of backticks they hold. The exchanges are cut shorter than
// in the HTML page; once the page reaches mdBodyBudget the calls' bodies
// are left out, and once it reaches mdPageBudget the rest of a long list
// (failures, guesses, drift), each time saying so.

const (
	mdMaxBody    = 4 << 10
	mdBodyBudget = 512 << 10
	mdPageBudget = 896 << 10
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown.
func WriteMarkdown(w io.Writer, r Report) error {
	m := &mdWriter{}
	m.printf("# %s\n\n", mdText(r.title()))
	m.printf("**%s**\n\n", mdText(r.summary()))
	var meta []string
	if r.Target != "" {
		meta = append(meta, "Target: "+mdText(r.Target))
	}
	if r.Profile != "" {
		meta = append(meta, "profile: "+mdText(r.Profile))
	}
	if g := r.generated(); g != "" {
		meta = append(meta, "generated "+g)
	}
	if r.Duration > 0 {
		meta = append(meta, "took "+r.Duration.Round(1e6).String())
	}
	if len(meta) > 0 {
		m.printf("%s\n\n", strings.Join(meta, "; "))
	}

	if len(r.Failures) > 0 {
		m.printf("## Failures (%d)\n\n", len(r.Failures))
		for i, f := range r.Failures {
			if m.full(len(r.Failures)-i, "failures") {
				break
			}
			m.failure(f)
		}
	} else if len(r.Features) > 0 {
		m.printf("No scenario failed.\n\n")
	} else if len(r.Drifts) == 0 {
		m.printf("No drift: every answer matched the recorded one.\n\n")
	}

	if len(r.Disproved) > 0 {
		m.printf("## Guesses disproved (%d)\n\n", len(r.Disproved))
		m.printf("These scenarios check behaviour the mock infers (`@inferred`): its guesses, not what Domino was observed or documented to do. This target behaves otherwise.\n\n")
		m.printf("| Feature | Scenario | Failure |\n|---|---|---|\n")
		for i, f := range r.Disproved {
			if m.full(len(r.Disproved)-i, "guesses") {
				break
			}
			m.printf("| %s | %s | %s |\n", mdCell(f.Feature), mdCell(f.Scenario), mdCell(f.Message))
		}
		m.printf("\n")
	}

	if len(r.Drifts) > 0 {
		m.printf("## Drift (%d)\n\n", len(r.Drifts))
		m.printf("| Line | Scenario | Request | Difference | Recorded | Got |\n|---:|---|---|---|---|---|\n")
		for i, d := range r.Drifts {
			if m.full(len(r.Drifts)-i, "differences") {
				break
			}
			diff := mdCell(d.Kind)
			if d.Field != "" {
				diff += " " + mdCellCode(d.Field)
			}
			m.printf("| %d | %s | %s | %s | %s | %s |\n", d.Line, mdCell(d.Scenario), mdCellCode(d.Method+" "+d.Path), diff,
				mdCellCode(d.Recorded), mdCellCode(d.Got))
		}
		m.printf("\n")
	}

	if len(r.Notes) > 0 {
		m.printf("## Notes\n\n")
		for _, n := range r.Notes {
			m.printf("- %s\n", mdText(n))
		}
		m.printf("\n")
	}

	if len(r.Features) > 0 {
		m.printf("## Features\n\n| Feature | Passed | Failed | Skipped |\n|---|---:|---:|---:|\n")
		for _, f := range r.Features {
			m.printf("| %s | %d | %d | %d |\n", mdCell(f.Name), f.Passed, f.Failed, f.Skipped)
		}
		m.printf("\n")
	}

	if len(r.Skips) > 0 {
		m.printf("## Skipped\n\n")
		for _, s := range r.Skips {
			tag := ""
			if s.Tag != "" {
				tag = mdCode(s.Tag) + " "
			}
			m.printf("- %d %sscenario(s): %s\n", s.Count, tag, mdText(s.Reason))
		}
		m.printf("\n")
	}
	_, err := io.WriteString(w, m.b.String())
	return err
}

type mdWriter struct {
	b strings.Builder
}

// full tells whether the page has reached mdPageBudget, and then says that
// the rest of a list (left of them) is left out.
func (m *mdWriter) full(left int, what string) bool {
	if m.b.Len() < mdPageBudget {
		return false
	}
	m.printf("\n%d more %s left out: this page is kept under GitHub's 1 MiB; the HTML report has them.\n\n", left, what)
	return true
}

func (m *mdWriter) printf(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

func (m *mdWriter) failure(f Failure) {
	// GitHub renders Markdown inside <details> after a blank line; the
	// summary line is HTML, so it is escaped as HTML.
	m.printf("<details><summary><b>%s</b>: %s</summary>\n\n", html.EscapeString(f.Feature), html.EscapeString(f.Scenario))
	if len(f.Tags) > 0 {
		tags := make([]string, len(f.Tags))
		for i, t := range f.Tags {
			tags[i] = mdCode(t)
		}
		m.printf("Tags: %s\n\n", strings.Join(tags, " "))
	}
	m.printf("%s\n", mdFence("text", f.Message))
	if len(f.Exchanges) == 0 {
		m.printf("No call was recorded for this scenario before it failed.\n\n")
	}
	for i, x := range f.Exchanges {
		label := fmt.Sprintf("Call %d of %d", i+1, len(f.Exchanges))
		if i == len(f.Exchanges)-1 {
			label = "Last call before the failure"
		}
		m.printf("%s: %s → **%s** (%d ms)\n\n", label, mdCode(x.Method+" "+x.Path), mdText(statusText(x)), x.Milliseconds)
		if m.b.Len() >= mdBodyBudget {
			m.printf("(request and response left out: this page is kept under GitHub's 1 MiB; the HTML report has them)\n\n")
			continue
		}
		req := requestOf(x, mdMaxBody)
		resp, _ := responseOf(x, mdMaxBody)
		m.printf("%s\n%s\n", mdFence("http", req.Text()), mdFence("http", resp.Text()))
	}
	m.printf("</details>\n\n")
}

// mdEscaper backslash-escapes what Markdown would take for formatting, a
// table's cell border, a link or HTML; CommonMark lets any ASCII
// punctuation be escaped so.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `>`, `\>`,
	`|`, `\|`, `#`, `\#`, `!`, `\!`, `~`, `\~`, `&`, `\&`, `{`, `\{`, `}`, `\}`,
)

// mdText is a text shown as it is, on one line.
func mdText(s string) string { return mdEscaper.Replace(oneLine(s)) }

// mdCell is a text in a table cell: one line, every | escaped.
func mdCell(s string) string { return mdText(s) }

// mdCode is a text in a code span, on one line, outside a table: a code
// span shows everything as it is, and its delimiters are longer than any run
// of backticks in it.
func mdCode(s string) string { return codeSpan(oneLine(s)) }

// mdCellCode is a code span in a table cell. GitHub ends a cell at a | even
// in a code span, unless it is escaped: the table then removes the escape,
// so \| shows a |.
func mdCellCode(s string) string { return codeSpan(strings.ReplaceAll(oneLine(s), "|", `\|`)) }

func codeSpan(s string) string {
	if s == "" {
		return ""
	}
	ticks := strings.Repeat("`", longestRun(s, '`')+1)
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return ticks + pad + s + pad + ticks
}

// mdFence is a fenced code block holding s as it is.
func mdFence(lang, s string) string {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	return fence + lang + "\n" + strings.TrimRight(s, "\n") + "\n" + fence + "\n"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func longestRun(s string, c byte) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}
