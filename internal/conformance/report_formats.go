package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/internal/report"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// --format html and --format markdown are reports for people (package
// report), written from the run's record of each scenario once the run
// ends, as JUnit is. Each failure shows the scenario's last calls before it
// failed: the run's client records every exchange through a transcript
// recorder, so they are redacted exactly as --record redacts them, and with
// --record the one recorder writes the file and feeds the report, so a
// placeholder in the report is the same one as in the transcript.

// reportFormat tells whether a format is one of package report's.
func reportFormat(format string) bool { return format == "html" || format == "markdown" }

// fromRecords tells whether a format is written from the run's records,
// without godog's output.
func fromRecords(format string) bool { return format == "junit" || reportFormat(format) }

// callsPerFailure is how many of its last calls a failure shows.
const callsPerFailure = 3

// exchangeTail keeps the run's last calls, from the lines a transcript
// recorder writes to it. Scenarios run one at a time, so the calls after a
// scenario began are that scenario's.
type exchangeTail struct {
	mu      sync.Mutex
	partial []byte // a line not yet ended
	seen    int    // exchanges written so far
	last    []numberedExchange
}

type numberedExchange struct {
	n int // 1 for the run's first exchange
	x transcript.Exchange
}

// Write takes a transcript's lines. It never fails: the report then lacks
// a call it could not read, but the run and the transcript go on.
func (t *exchangeTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		line := t.partial[:i]
		var x transcript.Exchange
		if json.Unmarshal(line, &x) == nil {
			t.seen++
			t.last = append(t.last, numberedExchange{t.seen, x})
			if len(t.last) > callsPerFailure {
				t.last = append(t.last[:0], t.last[len(t.last)-callsPerFailure:]...)
			}
		}
		t.partial = t.partial[i+1:]
	}
	if len(t.partial) == 0 {
		t.partial = nil // do not keep a large body's line
	}
	return len(p), nil
}

// mark is how many exchanges the tail has seen: a scenario's calls are
// those after the mark taken as it began. A nil tail marks 0.
func (t *exchangeTail) mark() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen
}

// since is the last calls after mark, oldest first.
func (t *exchangeTail) since(mark int) []transcript.Exchange {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []transcript.Exchange
	for _, e := range t.last {
		if e.n > mark {
			out = append(out, e.x)
		}
	}
	return out
}

// reportSink is where Main's recorder writes: the transcript file (nil
// without --record) and, for a report format, a tail the report reads.
func reportSink(format string, file io.Writer) (io.Writer, *exchangeTail) {
	if !reportFormat(format) {
		return file, nil
	}
	tail := &exchangeTail{}
	if file == nil {
		return tail, tail
	}
	// The tail first: it never fails, so a transcript file that cannot be
	// written still leaves the report its calls.
	return io.MultiWriter(tail, file), tail
}

// withExchangeTail gives a run that writes a report and was given no tail
// (Run called from Go rather than by Main) a recorder of its own.
func withExchangeTail(opt Options) Options {
	if !reportFormat(opt.Format) || opt.exchanges != nil {
		return opt
	}
	opt.exchanges = &exchangeTail{}
	rec := transcript.NewRecorder(opt.exchanges)
	opt.Target = recordCalls(opt.Target, rec)
	opt.scrub = rec.Scrub
	return opt
}

// buildReport is the run's outcome as package report shows it.
func buildReport(r *run, res Result) report.Report {
	rep := report.Report{
		Target:    reportTarget(r.target, r.isMock),
		Profile:   r.profile.Name,
		Generated: time.Now(),
		Duration:  res.Duration,
		Summary:   res.Summary(),
	}
	r.records.mu.Lock()
	defer r.records.mu.Unlock()
	byFeature := map[string]int{}
	cut := map[string]int{}
	var cutOrder []string
	for _, rec := range r.records.list {
		i, ok := byFeature[rec.feature]
		if !ok {
			i = len(rep.Features)
			byFeature[rec.feature] = i
			rep.Features = append(rep.Features, report.Feature{Name: rec.feature})
		}
		f := &rep.Features[i]
		switch {
		case rec.skip != "":
			f.Skipped++
			if rec.cut {
				if cut[rec.skip] == 0 {
					cutOrder = append(cutOrder, rec.skip)
				}
				cut[rec.skip]++
			}
		case rec.failed:
			f.Failed++
			fl := report.Failure{Feature: rec.feature, Scenario: rec.name, Tags: rec.tags, Message: rec.failure, Exchanges: rec.calls}
			rep.Failures = append(rep.Failures, fl)
			for _, t := range rec.tags {
				if t == InferredTag {
					rep.Disproved = append(rep.Disproved, fl)
				}
			}
		default:
			f.Passed++
		}
	}
	for _, s := range res.Skips {
		// As the summary says it: "skipped 2 @strict scenario(s): they …".
		rep.Skips = append(rep.Skips, report.Skip{Tag: s.Tag, Reason: "they " + s.Reason, Count: s.Count})
	}
	for _, reason := range cutOrder {
		rep.Skips = append(rep.Skips, report.Skip{Reason: reason, Count: cut[reason]})
	}
	return rep
}

// writeReport writes the run's report in a report format.
func writeReport(out io.Writer, format string, r *run, res Result) error {
	rep := buildReport(r, res)
	if format == "html" {
		return report.WriteHTML(out, rep)
	}
	return report.WriteMarkdown(out, rep)
}

// reportTarget names the target as a report may: its URLs without any
// user or password they carry.
func reportTarget(t Target, isMock bool) string {
	parts := []string{"API host " + displayURL(t.APIHost)}
	if t.APIProxy != "" {
		parts = append(parts, "API proxy "+displayURL(t.APIProxy))
	}
	s := strings.Join(parts, ", ")
	if isMock {
		s += " (a mockdomino)"
	}
	return s
}

// noteCalls keeps, in a failed scenario's record, its calls up to now.
func (rs *records) noteCalls(rec *scenarioRecord) {
	if rs.tail != nil && rec.calls == nil && rec.failure != "" {
		rec.calls = rs.tail.since(rec.fromCall)
	}
}

// tagNames are a scenario's tags' names.
func tagNames(tags []*messages.PickleTag) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.Name)
	}
	return out
}
