package conformance

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"sync"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// The machine formats list every scenario the selection holds, those the
// runner skips included, so that a CI tool counts what the summary counts.
// Cucumber JSON is godog's (a skipped scenario is one whose steps are all
// skipped). JUnit XML is written here from the runner's own record of each
// scenario, because godog's JUnit formatter never counts a skipped test and
// cannot say why one was skipped.

// machineFormat tells whether a format is a document of its own: meant for
// tools, or a report (html, markdown) written whole at the end. On stdout it
// stands alone, and it lists the scenarios the runner skips.
func machineFormat(format string) bool {
	return format == "junit" || format == "cucumber" || reportFormat(format)
}

// scenarioRecord is what the run remembers of one scenario, in run order.
type scenarioRecord struct {
	feature, name string
	start         time.Time
	duration      time.Duration
	failure       string // the first step that failed and its error; "" if none
	skip          string // why the runner did not run it; "" if it ran
	failed        bool
	// cut: an interrupt stopped the run before or while this scenario ran
	// (skip then says which); not a verdict on the target.
	cut  bool
	tags []string
	// fromCall marks where the scenario's calls begin in the run's tail;
	// calls are its last ones when it failed (report_formats.go).
	fromCall int
	calls    []transcript.Exchange
}

// The reasons a report gives for the scenarios an interrupt cut.
const (
	cutShort = "cut short: the run was interrupted"
	notRun   = "not run: the run was interrupted"
)

// records keeps the scenarios' records; the hooks add to it as godog runs.
type records struct {
	mu       sync.Mutex
	list     []*scenarioRecord
	features map[string]string // feature name by pickle URI
	tail     *exchangeTail     // the run's last calls, for a report format; else nil
	// scrub replaces the secrets a failure message quotes (an answer that
	// held one); nil leaves messages as they are.
	scrub func(string) string
}

func (rs *records) scrubbed(s string) string {
	if rs.scrub == nil {
		return s
	}
	return rs.scrub(s)
}

func (rs *records) begin(s *godog.Scenario) *scenarioRecord {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rec := &scenarioRecord{feature: rs.features[s.Uri], name: s.Name, start: time.Now(), tags: tagNames(s.Tags), fromCall: rs.tail.mark()}
	if rec.feature == "" {
		rec.feature = s.Uri
	}
	rs.list = append(rs.list, rec)
	return rec
}

// count is how many scenarios have a record.
func (rs *records) count() int {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return len(rs.list)
}

// notBegun records a scenario the run stopped before: skipped for the reason
// a skip rule gives, else as not run.
func (rs *records) notBegun(pk *messages.Pickle, reason string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rec := &scenarioRecord{feature: rs.features[pk.Uri], name: pk.Name, skip: reason, tags: tagNames(pk.Tags)}
	if rec.feature == "" {
		rec.feature = pk.Uri
	}
	if rec.skip == "" {
		rec.skip, rec.cut = notRun, true
	}
	rs.list = append(rs.list, rec)
}

// stepDone notes the first step that did not pass or skip; when the run was
// interrupted by then, the step failed for that, and the scenario is cut.
func (rs *records) stepDone(rec *scenarioRecord, st *godog.Step, status godog.StepResultStatus, err error, interrupted bool) {
	if rec == nil || status == godog.StepPassed || status == godog.StepSkipped {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rec.failure == "" && rec.skip == "" && interrupted {
		rec.skip, rec.cut = cutShort, true
		return
	}
	if rec.failure == "" {
		if err == nil {
			err = errors.New(status.String())
		}
		rec.failure = rs.scrubbed(fmt.Sprintf("Step %s: %v", st.Text, err))
		rs.noteCalls(rec)
	}
}

// end records the scenario's verdict: err is what godog passes the After hook.
func (rs *records) end(rec *scenarioRecord, err error) {
	if rec == nil {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rec.duration = time.Since(rec.start)
	if err != nil && !errors.Is(err, godog.ErrSkip) && rec.skip == "" {
		rec.failed = true
		if rec.failure == "" {
			rec.failure = rs.scrubbed(err.Error())
		}
		rs.noteCalls(rec)
	}
}

// featureNames maps each pickle's URI to its feature's name.
func featureNames(fsys fs.FS, paths []string) (map[string]string, error) {
	selection := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: paths}}
	feats, err := selection.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("reading the features: %w", err)
	}
	names := map[string]string{}
	for _, ft := range feats {
		for _, pk := range ft.Pickles {
			if ft.Feature != nil {
				names[pk.Uri] = ft.Feature.Name
			}
		}
	}
	return names, nil
}

type junitSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Name     string        `xml:"name,attr"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Time     string        `xml:"time,attr"`
	Suites   []*junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Cases    []*junitCase `xml:"testcase"`
	elapsed  time.Duration
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure"`
	Skipped   *junitMessage `xml:"skipped"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

// writeJUnit writes the records as one JUnit XML document: a test suite per
// feature, a test case per scenario (outline examples numbered "#n" as godog
// numbers them), failures and skips with their reasons.
func writeJUnit(out io.Writer, suiteName string, list []*scenarioRecord, elapsed time.Duration) error {
	doc := junitSuites{Name: suiteName, Time: seconds(elapsed)}
	byFeature := map[string]*junitSuite{}
	names := map[string]int{}
	for _, rec := range list {
		names[rec.feature+"\x00"+rec.name]++
	}
	seen := map[string]int{}
	for _, rec := range list {
		s := byFeature[rec.feature]
		if s == nil {
			s = &junitSuite{Name: rec.feature}
			byFeature[rec.feature] = s
			doc.Suites = append(doc.Suites, s)
		}
		key := rec.feature + "\x00" + rec.name
		c := &junitCase{Name: rec.name, ClassName: rec.feature, Time: seconds(rec.duration)}
		if names[key] > 1 {
			seen[key]++
			c.Name += fmt.Sprintf(" #%d", seen[key])
		}
		switch {
		case rec.skip != "":
			c.Skipped = &junitMessage{Message: rec.skip}
			s.Skipped++
			doc.Skipped++
		case rec.failed:
			c.Failure = &junitMessage{Message: rec.failure, Type: "failed"}
			s.Failures++
			doc.Failures++
		}
		s.Tests++
		doc.Tests++
		s.elapsed += rec.duration
		s.Time = seconds(s.elapsed)
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(out, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(out)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(out, "\n")
	return err
}

// skipReason is why the runner does not run a scenario with these tags: the
// first of the run's active skip rules it has; "" to run it.
func (r *run) skipReason(s *godog.Scenario) string {
	for _, sk := range r.active {
		if hasTag(s.Tags, sk.Tag) {
			return fmt.Sprintf("%s scenarios are skipped: they %s", sk.Tag, sk.Reason)
		}
	}
	return ""
}

// recordHooks registers the hooks that keep the scenario's record and, when
// the report lists them, skip what the target cannot run.
func recordHooks(sc *godog.ScenarioContext, r *run, w *world) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w.record = r.records.begin(s)
		if reason := r.skipReason(s); reason != "" {
			w.record.skip = reason
			return ctx, godog.ErrSkip
		}
		if r.stopped() {
			w.record.skip, w.record.cut = notRun, true
			return ctx, godog.ErrSkip
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		r.records.stepDone(w.record, st, status, err, r.stopped())
		return ctx, nil
	})
}
