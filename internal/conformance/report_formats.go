package conformance

import (
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

// exchangeTail keeps the run's last calls, as a transcript recorder
// observes them (redacted). Scenarios run one at a time, so the calls after
// a scenario began are that scenario's.
type exchangeTail struct {
	mu   sync.Mutex
	seen int // exchanges observed so far
	last []numberedExchange
}

type numberedExchange struct {
	n int // 1 for the run's first exchange
	x transcript.Exchange
}

// add is a transcript.Recorder's observer.
func (t *exchangeTail) add(x transcript.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen++
	t.last = append(t.last, numberedExchange{t.seen, x})
	if len(t.last) > callsPerFailure {
		t.last = append(t.last[:0], t.last[len(t.last)-callsPerFailure:]...)
	}
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

// newRecorder is the recorder of a run that needs one: it writes the
// transcript file (nil without --record) and, for a report format, feeds a
// tail the report reads. Neither: nil, nil.
func newRecorder(format string, file io.Writer) (*transcript.Recorder, *exchangeTail) {
	var tail *exchangeTail
	if reportFormat(format) {
		tail = &exchangeTail{}
	}
	if file == nil && tail == nil {
		return nil, nil
	}
	if file == nil {
		file = io.Discard
	}
	rec := transcript.NewRecorder(file)
	if tail != nil {
		rec.Observe(tail.add)
	}
	return rec, tail
}

// withExchangeTail gives a run that writes a report and was given no tail
// (Run called from Go rather than by Main) a recorder of its own.
func withExchangeTail(opt Options) Options {
	if !reportFormat(opt.Format) || opt.exchanges != nil {
		return opt
	}
	rec, tail := newRecorder(opt.Format, nil)
	opt.exchanges = tail
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
