package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests of the custom-metric rules (metrics.go): what a value, a read and
// an alert must be, the order values read back in, the window, the limit,
// and persistence of batches and alerts.

func f64(v float64) *float64 { return &v }
func sp(s string) *string    { return &s }

// mv is a value to log of model "m1", metric "accuracy".
func mv(ts string, v float64, tags ...string) NewMetricValue {
	n := NewMetricValue{ModelMonitoringID: "m1", Metric: "accuracy", Value: f64(v), ReferenceTimestamp: ts}
	for i := 0; i+1 < len(tags); i += 2 {
		n.Tags = append(n.Tags, NewMetricTag{Key: sp(tags[i]), Value: sp(tags[i+1])})
	}
	return n
}

// readAll reads model m1's accuracy over the years 1900 to 2100.
func readAll(t testing.TB, s *Store, c Caller) []MetricValue {
	t.Helper()
	return must(s.MetricValues(c, "m1", "accuracy", "1900-01-01T00:00:00Z", "2100-01-01T00:00:00Z")).ok(t)
}

// times is each value's timestamp, RFC 3339 in UTC, and its value.
func times(vs []MetricValue) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s=%g", v.ReferenceTimestamp.Format(time.RFC3339Nano), v.Value))
	}
	return out
}

func TestLogMetricValuesRefusesWhatTheRulesRefuse(t *testing.T) {
	long := strings.Repeat("m", 257)
	for _, tc := range []struct {
		name string
		v    NewMetricValue
		want string
	}{
		{"no model monitoring id", NewMetricValue{Metric: "a", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "newMetricValues[0].modelMonitoringId is required"},
		{"no metric", NewMetricValue{ModelMonitoringID: "m", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "newMetricValues[0].metric is required"},
		{"no value", NewMetricValue{ModelMonitoringID: "m", Metric: "a", ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "newMetricValues[0].value is required"},
		{"no timestamp", NewMetricValue{ModelMonitoringID: "m", Metric: "a", Value: f64(1)}, "newMetricValues[0].referenceTimestamp is required"},
		{"a date only", mv("2024-01-01", 1), "not an RFC 3339 timestamp"},
		{"no time zone", mv("2024-01-01T00:00:00", 1), "not an RFC 3339 timestamp"},
		{"a space for T", mv("2024-01-01 00:00:00Z", 1), "not an RFC 3339 timestamp"},
		{"an hour 24", mv("2024-01-01T24:00:00Z", 1), "not an RFC 3339 timestamp"},
		{"epoch seconds", mv("1704067200", 1), "not an RFC 3339 timestamp"},
		{"year -1 in UTC", mv("0000-01-01T00:00:00+01:00", 1), "outside the years 0000 to 9999"},
		{"a slash in the metric", NewMetricValue{ModelMonitoringID: "m", Metric: "a/b", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "metric \"a/b\" is invalid"},
		{"a slash in the id", NewMetricValue{ModelMonitoringID: "m/1", Metric: "a", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "modelMonitoringId \"m/1\" is invalid"},
		{"a dot-dot metric", NewMetricValue{ModelMonitoringID: "m", Metric: "..", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "is invalid"},
		{"a control character", NewMetricValue{ModelMonitoringID: "m", Metric: "a\x00", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "is invalid"},
		{"a long metric", NewMetricValue{ModelMonitoringID: "m", Metric: long, Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}, "is invalid"},
		{"a tag without key", mv("2024-01-01T00:00:00Z", 1, "", "v"), "newMetricValues[0].tags[0].key is required"},
		{"a tag without value", NewMetricValue{ModelMonitoringID: "m", Metric: "a", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z",
			Tags: []NewMetricTag{{Key: sp("k")}}}, "newMetricValues[0].tags[0].value is required"},
		{"a key twice", mv("2024-01-01T00:00:00Z", 1, "env", "a", "env", "b"), "tags[1].key \"env\" is the key of another tag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			alice := caller(t, s, "alice")
			err := s.LogMetricValues(alice, []NewMetricValue{tc.v})
			wantKind(t, tc.name, err, KindInvalid)
			wantErrContains(t, tc.name, err, tc.want)
		})
	}
}

func TestLogMetricValuesTakesABatchWholeOrNotAtAll(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	err := s.LogMetricValues(alice, []NewMetricValue{mv("2024-01-01T00:00:00Z", 1), mv("2024-01-02T00:00:00Z", 2), mv("yesterday", 3)})
	wantErrContains(t, "a bad third value", err, "newMetricValues[2].referenceTimestamp")
	if got := readAll(t, s, alice); len(got) != 0 {
		t.Fatalf("a refused batch left %v", times(got))
	}
}

func TestLogMetricValuesAcceptsWhatTheSpecAllows(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	for _, v := range []NewMetricValue{
		mv("2013-07-01T17:55:13-07:00", 0.5),                                                   // the spec's example
		mv("2022-10-08T00:00:00Z", 7.1234, "example_tag1", "value1", "example_tag2", "value2"), // the docs' example
		mv("2024-01-01T00:00:00.123456789+05:30", -1e300, "empty", ""),
		{ModelMonitoringID: "64b7f0a1c2d3e4f5a6b7c9ff", Metric: "drift score (p95)", Value: f64(0), ReferenceTimestamp: "0001-01-01T00:00:00Z"},
	} {
		if err := s.LogMetricValues(alice, []NewMetricValue{v}); err != nil {
			t.Errorf("%+v: %v", v, err)
		}
	}
	if err := s.LogMetricValues(alice, nil); err != nil {
		t.Errorf("an empty batch: %v", err)
	}
	got := readAll(t, s, alice)
	want := []string{"2013-07-02T00:55:13Z=0.5", "2022-10-08T00:00:00Z=7.1234", "2023-12-31T18:30:00.123456789Z=-1e+300"}
	if !slices.Equal(times(got), want) {
		t.Fatalf("read back %v, want %v", times(got), want)
	}
	if tags := got[1].Tags; len(tags) != 2 || tags[0] != (MetricTag{"example_tag1", "value1"}) || tags[1] != (MetricTag{"example_tag2", "value2"}) {
		t.Errorf("tags %v, want the two as sent, in order", tags)
	}
	if got[0].Tags == nil || len(got[0].Tags) != 0 || len(got[2].Tags) != 1 || got[2].Tags[0].Value != "" {
		t.Errorf("tags %v and %v", got[0].Tags, got[2].Tags)
	}
}

func TestMetricValuesReadBackInTimestampOrder(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	// Out of order within a batch and across batches; two at one time, in
	// two spellings of it.
	batches := [][]NewMetricValue{
		{mv("2024-01-03T00:00:00Z", 3), mv("2024-01-01T00:00:00Z", 1)},
		{mv("2024-01-02T00:00:00Z", 2), mv("2024-01-02T01:00:00+01:00", 2.5)},
		{mv("2024-01-04T00:00:00Z", 4), mv("2023-12-31T00:00:00Z", 0)},
	}
	for _, b := range batches {
		must(struct{}{}, s.LogMetricValues(alice, b)).ok(t)
	}
	want := []string{"2023-12-31T00:00:00Z=0", "2024-01-01T00:00:00Z=1", "2024-01-02T00:00:00Z=2", "2024-01-02T00:00:00Z=2.5",
		"2024-01-03T00:00:00Z=3", "2024-01-04T00:00:00Z=4"}
	if got := times(readAll(t, s, alice)); !slices.Equal(got, want) {
		t.Fatalf("read back %v, want %v", got, want)
	}
}

// TestMetricSeriesKeepsOrderThroughChunks checks the chunked index against
// a plain stable sort, over enough values to split chunks, in and out of
// order, many at one time.
func TestMetricSeriesKeepsOrderThroughChunks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order func(i int, r *rand.Rand) int64
	}{
		{"in order", func(i int, _ *rand.Rand) int64 { return int64(i) }},
		{"reversed", func(i int, _ *rand.Rand) int64 { return int64(-i) }},
		{"random", func(_ int, r *rand.Rand) int64 { return r.Int64N(5000) }},
		{"few times", func(_ int, r *rand.Rand) int64 { return r.Int64N(3) }},
		{"mostly in order", func(i int, r *rand.Rand) int64 { return int64(i) - r.Int64N(50) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			var se metricSeries
			var model []metricPoint
			const n = 10 * metricChunk
			for i := range n {
				p := metricPoint{sec: tc.order(i, r), value: float64(i)}
				se.insert(p)
				model = append(model, p)
			}
			slices.SortStableFunc(model, comparePoints)
			var got []metricPoint
			se.all(func(p metricPoint) { got = append(got, p) })
			if !slices.Equal(got, model) || se.n != n {
				t.Fatalf("the series does not read back as the stable sort of what was inserted (%d values, n %d)", len(got), se.n)
			}
			for i, c := range se.chunks {
				if len(c) == 0 || len(c) > 2*metricChunk {
					t.Fatalf("chunk %d holds %d values", i, len(c))
				}
			}
			// Every window is the model's.
			for range 200 {
				a, b := r.Int64N(n+2)-1, r.Int64N(n+2)-1
				if tc.name == "reversed" {
					a, b = -a, -b
				}
				from, to := metricPoint{sec: min(a, b)}, metricPoint{sec: max(a, b)}
				var win []metricPoint
				se.window(from, to, func(p metricPoint) { win = append(win, p) })
				var want []metricPoint
				for _, p := range model {
					if !p.before(from) && !to.before(p) {
						want = append(want, p)
					}
				}
				if !slices.Equal(win, want) {
					t.Fatalf("window %d..%d: %d values, want %d", from.sec, to.sec, len(win), len(want))
				}
			}
		})
	}
}

func TestMetricValuesWindow(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	var batch []NewMetricValue
	for h := range 5 {
		batch = append(batch, mv(fmt.Sprintf("2024-01-01T%02d:00:00Z", h), float64(h)))
	}
	batch = append(batch, NewMetricValue{ModelMonitoringID: "m1", Metric: "recall", Value: f64(9), ReferenceTimestamp: "2024-01-01T01:00:00Z"},
		NewMetricValue{ModelMonitoringID: "m2", Metric: "accuracy", Value: f64(9), ReferenceTimestamp: "2024-01-01T01:00:00Z"})
	must(struct{}{}, s.LogMetricValues(alice, batch)).ok(t)
	for _, tc := range []struct {
		model, metric, from, to string
		want                    []string
	}{
		{"m1", "accuracy", "2024-01-01T01:00:00Z", "2024-01-01T03:00:00Z", []string{"2024-01-01T01:00:00Z=1", "2024-01-01T02:00:00Z=2", "2024-01-01T03:00:00Z=3"}},
		{"m1", "accuracy", "2024-01-01T01:00:00.000000001Z", "2024-01-01T02:59:59.999999999Z", []string{"2024-01-01T02:00:00Z=2"}},
		{"m1", "accuracy", "2024-01-01T03:00:00+02:00", "2024-01-01T01:00:00Z", []string{"2024-01-01T01:00:00Z=1"}}, // 01:00Z, both ways
		{"m1", "accuracy", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z", nil},
		{"m1", "recall", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", []string{"2024-01-01T01:00:00Z=9"}},
		{"m3", "accuracy", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", nil}, // never logged: none
	} {
		got := must(s.MetricValues(alice, tc.model, tc.metric, tc.from, tc.to)).ok(t)
		if got == nil || !slices.Equal(times(got), tc.want) {
			t.Errorf("%s/%s %s..%s: %v, want %v", tc.model, tc.metric, tc.from, tc.to, times(got), tc.want)
		}
	}
	for _, tc := range []struct{ model, metric, from, to, want string }{
		{"m1", "accuracy", "", "2024-01-01T00:00:00Z", "startingReferenceTimestampInclusive is required"},
		{"m1", "accuracy", "2024-01-01T00:00:00Z", "", "endingReferenceTimestampInclusive is required"},
		{"m1", "accuracy", "2024-01-01", "2024-01-02T00:00:00Z", "startingReferenceTimestampInclusive \"2024-01-01\" is not an RFC 3339"},
		{"m1", "accuracy", "2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z", "is before startingReferenceTimestampInclusive"},
		{"m1", "..", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "metric \"..\" is invalid"},
	} {
		_, err := s.MetricValues(alice, tc.model, tc.metric, tc.from, tc.to)
		wantKind(t, tc.want, err, KindInvalid)
		wantErrContains(t, tc.want, err, tc.want)
	}
}

func TestCustomMetricsNeedAnActiveCaller(t *testing.T) {
	s := newStore(t)
	sa := newAccount(t, s, "metrics-bot")
	bot := saCaller(sa)
	admin := caller(t, s, "admin")
	alert := MetricAlertInput{ModelMonitoringID: "m1", Metric: "accuracy", Value: f64(1), TargetRange: &TargetRange{Condition: ConditionLessThan, UpperLimit: f64(2)}}
	// A service account, a user and an administrator may all log, read and alert.
	for _, c := range []Caller{bot, caller(t, s, "alice"), admin} {
		must(struct{}{}, s.LogMetricValues(c, []NewMetricValue{mv("2024-01-01T00:00:00Z", 1)})).ok(t)
		must(s.MetricValues(c, "m1", "accuracy", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")).ok(t)
		must(s.SendMetricAlert(c, alert)).ok(t)
		must(struct{}{}, s.MayUseCustomMetrics(c)).ok(t)
	}
	must(s.DeactivateServiceAccount(admin, sa.IdpID)).ok(t)
	wantKind(t, "log, deactivated", s.LogMetricValues(bot, []NewMetricValue{mv("2024-01-01T00:00:00Z", 1)}), KindUnauthenticated)
	_, err := s.MetricValues(bot, "m1", "accuracy", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")
	wantKind(t, "read, deactivated", err, KindUnauthenticated)
	_, err = s.SendMetricAlert(bot, alert)
	wantKind(t, "alert, deactivated", err, KindUnauthenticated)
	wantKind(t, "may use, deactivated", s.MayUseCustomMetrics(bot), KindUnauthenticated)
	wantKind(t, "no one", s.MayUseCustomMetrics(Caller{ID: "64b7f0a1c2d3e4f5a6b7cfff"}), KindUnauthenticated)
}

func TestSendMetricAlert(t *testing.T) {
	lt := func(c string, lo, hi *float64) *TargetRange {
		return &TargetRange{Condition: c, LowerLimit: lo, UpperLimit: hi}
	}
	for _, tc := range []struct {
		name       string
		in         MetricAlertInput
		want       string // the error, "" for none
		outOfRange bool
	}{
		{"the docs' between, out", MetricAlertInput{"m", "accuracy", f64(7.1234), lt(ConditionBetween, f64(1.5), f64(2.5)), "Alert description"}, "", true},
		{"between, in", MetricAlertInput{"m", "accuracy", f64(2), lt(ConditionBetween, f64(1.5), f64(2.5)), ""}, "", false},
		{"between, at the bounds", MetricAlertInput{"m", "accuracy", f64(2.5), lt(ConditionBetween, f64(1.5), f64(2.5)), ""}, "", false},
		{"lessThan its upper limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionLessThan, nil, f64(1)), ""}, "", true},
		{"lessThanEqual its upper limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionLessThanEqual, nil, f64(1)), ""}, "", false},
		{"greaterThan its lower limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionGreaterThan, f64(1), nil), ""}, "", true},
		{"greaterThanEqual its lower limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionGreaterThanEqual, f64(1), nil), ""}, "", false},
		{"greaterThan, both limits", MetricAlertInput{"m", "a", f64(0.9), lt(ConditionGreaterThan, f64(0.8), f64(1)), ""}, "", false},
		{"lessThan, the lower limit alone", MetricAlertInput{"m", "a", f64(0.5), lt(ConditionLessThan, f64(0.8), nil), ""}, "", false},
		{"no model", MetricAlertInput{"", "a", f64(1), lt(ConditionLessThan, nil, f64(1)), ""}, "modelMonitoringId is required", false},
		{"no metric", MetricAlertInput{"m", "", f64(1), lt(ConditionLessThan, nil, f64(1)), ""}, "metric is required", false},
		{"no value", MetricAlertInput{"m", "a", nil, lt(ConditionLessThan, nil, f64(1)), ""}, "value is required", false},
		{"no target range", MetricAlertInput{"m", "a", f64(1), nil, ""}, "targetRange is required", false},
		{"no condition", MetricAlertInput{"m", "a", f64(1), lt("", nil, f64(1)), ""}, "targetRange.condition is required", false},
		{"a condition not of the spec", MetricAlertInput{"m", "a", f64(1), lt("GREATER_THAN", nil, f64(1)), ""}, "targetRange.condition \"GREATER_THAN\" is invalid", false},
		{"no limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionLessThan, nil, nil), ""}, "targetRange needs lowerLimit, upperLimit or both", false},
		{"between, one limit", MetricAlertInput{"m", "a", f64(1), lt(ConditionBetween, f64(0), nil), ""}, "between needs both", false},
		{"between, upside down", MetricAlertInput{"m", "a", f64(1), lt(ConditionBetween, f64(2), f64(1)), ""}, "lowerLimit 2 is above its upperLimit 1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			alice := caller(t, s, "alice")
			a, err := s.SendMetricAlert(alice, tc.in)
			if tc.want != "" {
				wantKind(t, tc.name, err, KindInvalid)
				wantErrContains(t, tc.name, err, tc.want)
				if len(s.MetricAlerts()) != 0 {
					t.Errorf("a refused alert was recorded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.OutOfRange != tc.outOfRange || a.SentBy != "alice" || a.Value != *tc.in.Value || a.Description != tc.in.Description ||
				a.TargetRange.Condition != tc.in.TargetRange.Condition || a.SentAt.After(s.Clock().Now()) || a.SentAt.Before(s.Clock().Now().Add(-time.Minute)) {
				t.Errorf("alert %+v", a)
			}
			if got := s.MetricAlerts(); len(got) != 1 || got[0].ID != a.ID || !objectIDLike(a.ID) {
				t.Errorf("recorded %+v", got)
			}
		})
	}
}

func objectIDLike(s string) bool { return len(s) == 24 && strings.Trim(s, "0123456789abcdef") == "" }

func TestMetricValuesLimit(t *testing.T) {
	// The first value of a series costs the series too: 1 + (160 + 2 +
	// 8)/64 = 3 units, so 10 units hold a series of 7 values.
	s := newStoreWith(t, Config{Limits: Limits{MetricValues: 10}})
	alice := caller(t, s, "alice")
	batch := func(n int, start int) []NewMetricValue {
		var b []NewMetricValue
		for i := range n {
			b = append(b, NewMetricValue{ModelMonitoringID: "m1", Metric: "accuracy", Value: f64(1),
				ReferenceTimestamp: fmt.Sprintf("2024-01-01T00:00:%02dZ", start+i)})
		}
		return b
	}
	must(struct{}{}, s.LogMetricValues(alice, batch(6, 0))).ok(t)
	err := s.LogMetricValues(alice, batch(2, 6))
	wantKind(t, "past the limit", err, KindInvalid)
	wantErrContains(t, "past the limit", err, "--max-metric-values", "worth 9 of the 10")
	must(struct{}{}, s.LogMetricValues(alice, batch(1, 6))).ok(t)
	if got := readAll(t, s, alice); len(got) != 7 {
		t.Fatalf("%d values held, want 7", len(got))
	}
	wantKind(t, "a new series past the limit", s.LogMetricValues(alice, []NewMetricValue{{ModelMonitoringID: "m", Metric: "b", Value: f64(1), ReferenceTimestamp: "2024-01-01T00:00:00Z"}}), KindInvalid)
	_, err = s.SendMetricAlert(alice, MetricAlertInput{"m1", "accuracy", f64(1), &TargetRange{Condition: ConditionLessThan, UpperLimit: f64(1)}, ""})
	wantErrContains(t, "an alert past the limit", err, "--max-metric-values")
	// A reset frees it all.
	must(struct{}{}, s.Reset()).ok(t)
	must(struct{}{}, s.LogMetricValues(alice, batch(7, 0))).ok(t)
}

// TestMetricTagsCountOncePerSet: a set of tags costs its size once, however
// many values carry it, and a new set costs it again.
func TestMetricTagsCountOncePerSet(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	big := strings.Repeat("v", 640) // 1 + (32+3+640)/64 = 11 units
	must(struct{}{}, s.LogMetricValues(alice, []NewMetricValue{mv("2024-01-01T00:00:00Z", 1, "env", big)})).ok(t)
	base := s.st.metrics.units
	for i := range 100 {
		must(struct{}{}, s.LogMetricValues(alice, []NewMetricValue{mv(fmt.Sprintf("2024-01-01T00:01:%02dZ", i%60), 1, "env", big)})).ok(t)
	}
	if got := s.st.metrics.units - base; got != 100 {
		t.Errorf("100 values with a set of tags already held cost %d units, want 100", got)
	}
	must(struct{}{}, s.LogMetricValues(alice, []NewMetricValue{mv("2024-01-01T00:00:00Z", 1, "env", big+"x")})).ok(t)
	if got := s.st.metrics.units - base - 100; got != 12 {
		t.Errorf("a value with a new set of tags cost %d units, want 1 + 11", got)
	}
	if len(s.st.metrics.tagSets) != 3 {
		t.Errorf("%d tag sets held, want none, the first and the second", len(s.st.metrics.tagSets))
	}
}

func TestMetricsSurviveReopenAndLogBatchesOnly(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	admin := walAdmin(t, s)
	var batch []NewMetricValue
	for i := range 2000 {
		batch = append(batch, mv(time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC).Format(time.RFC3339), float64(i), "run", "a"))
	}
	must(struct{}{}, s.LogMetricValues(admin, batch)).ok(t)
	// One value, logged out of order and at the time of another: the log
	// holds it alone, not the series.
	walBefore := fileSize(t, filepath.Join(dir, walFile))
	must(struct{}{}, s.LogMetricValues(admin, []NewMetricValue{mv("2024-01-01T00:00:05Z", -5)})).ok(t)
	if grew := fileSize(t, filepath.Join(dir, walFile)) - walBefore; grew > 600 {
		t.Fatalf("logging one value grew the log by %d bytes: it must log the batch, not the series", grew)
	}
	a := must(s.SendMetricAlert(admin, MetricAlertInput{"m1", "accuracy", f64(0.2), &TargetRange{Condition: ConditionGreaterThan, LowerLimit: f64(0.5)}, "fell"})).ok(t)
	s = walReopen(t, s, dir)
	got := readAll(t, s, walAdmin(t, s))
	if len(got) != 2001 || got[5].Value != 5 || got[6].Value != -5 || got[7].Value != 6 || len(got[0].Tags) != 1 || len(got[6].Tags) != 0 {
		t.Fatalf("after reopen: %d values, %v", len(got), times(got[:8]))
	}
	if alerts := s.MetricAlerts(); len(alerts) != 1 || alerts[0].ID != a.ID || !alerts[0].OutOfRange || alerts[0].SentBy != "admin" {
		t.Fatalf("alerts after reopen: %+v", alerts)
	}
	// And once more, now from the snapshot alone.
	s = walReopen(t, s, dir)
	walClose(t, s)
}

func TestMetricsExportAndImport(t *testing.T) {
	s := newStore(t)
	alice := caller(t, s, "alice")
	must(struct{}{}, s.LogMetricValues(alice, []NewMetricValue{mv("2024-01-02T00:00:00Z", 2, "k", "v"), mv("2024-01-01T00:00:00+01:00", 1)})).ok(t)
	must(s.SendMetricAlert(alice, MetricAlertInput{"m1", "accuracy", f64(3), &TargetRange{Condition: ConditionBetween, LowerLimit: f64(0), UpperLimit: f64(1)}, ""})).ok(t)
	snap := s.Export(false)
	data, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"metricSeries":[{"modelMonitoringId":"m1","metric":"accuracy","values":[{"referenceTimestamp":"2023-12-31T23:00:00Z","value":1},{"referenceTimestamp":"2024-01-02T00:00:00Z","value":2,"tags":[{"key":"k","value":"v"}]}]}]`,
		`"metricAlerts":[{"id":"`, `"senderId":"` + defAliceID + `"`, `"targetRange":{"condition":"between","lowerLimit":0,"upperLimit":1}`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the export lacks %s:\n%s", want, data)
		}
	}
	var back Snapshot
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	s2 := newStore(t)
	must(struct{}{}, s2.Import(back)).ok(t)
	if got := times(readAll(t, s2, caller(t, s2, "alice"))); !slices.Equal(got, []string{"2023-12-31T23:00:00Z=1", "2024-01-02T00:00:00Z=2"}) {
		t.Fatalf("imported %v", got)
	}
	if a := s2.MetricAlerts(); len(a) != 1 || !a[0].OutOfRange {
		t.Fatalf("imported alerts %+v", a)
	}
	// A document without metrics (written before them) loads, and holds none.
	var old map[string]any
	json.Unmarshal(data, &old)
	delete(old, "metricSeries")
	delete(old, "metricAlerts")
	data, _ = json.Marshal(old)
	back = Snapshot{}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	must(struct{}{}, s2.Import(back)).ok(t)
	if got := readAll(t, s2, caller(t, s2, "alice")); len(got) != 0 {
		t.Fatalf("an import without metrics kept %v", times(got))
	}
}

func TestImportRefusesBadMetrics(t *testing.T) {
	base := func(t *testing.T) map[string]any {
		s := newStore(t)
		var m map[string]any
		data, _ := json.Marshal(s.Export(true))
		json.Unmarshal(data, &m)
		return m
	}
	series := func(values string) string {
		return `[{"modelMonitoringId":"m","metric":"a","values":` + values + `}]`
	}
	for _, tc := range []struct{ name, field, value, want string }{
		{"a bad name", "metricSeries", `[{"modelMonitoringId":"m/1","metric":"a","values":[]}]`, `metricSeries[0].modelMonitoringId "m/1" is invalid`},
		{"a series twice", "metricSeries", `[{"modelMonitoringId":"m","metric":"a","values":[]},{"modelMonitoringId":"m","metric":"a","values":[]}]`, "metricSeries[1] is the series"},
		{"a value without its time", "metricSeries", series(`[{"value":1}]`), "values[0] needs a referenceTimestamp and a value"},
		{"a value without its value", "metricSeries", series(`[{"referenceTimestamp":"2024-01-01T00:00:00Z"}]`), "needs a referenceTimestamp and a value"},
		{"empty values", "metricSeries", series(`[{},{},{}]`), "values[0] needs"},
		{"a tag without key", "metricSeries", series(`[{"referenceTimestamp":"2024-01-01T00:00:00Z","value":1,"tags":[{},{}]}]`), "tags[0] needs a key"},
		{"a key twice", "metricSeries", series(`[{"referenceTimestamp":"2024-01-01T00:00:00Z","value":1,"tags":[{"key":"k","value":"1"},{"key":"k","value":"2"}]}]`), "is the key of another tag"},
		{"a bad time", "metricSeries", series(`[{"referenceTimestamp":"2024-01-01","value":1}]`), "values[0]: parsing time"},
		{"an alert by no one", "metricAlerts", `[{"id":"64b7f0a1c2d3e4f5a6b7cf01","senderId":"64b7f0a1c2d3e4f5a6b7cfff","modelMonitoringId":"m","metric":"a","value":1,"targetRange":{"condition":"lessThan","upperLimit":1}}]`, `metricAlerts[0].senderId "64b7f0a1c2d3e4f5a6b7cfff" is not a user`},
		{"an alert twice", "metricAlerts", `[{"id":"x","senderId":"` + defAliceID + `","modelMonitoringId":"m","metric":"a","value":1,"targetRange":{"condition":"lessThan","upperLimit":1}},{"id":"x","senderId":"` + defAliceID + `","modelMonitoringId":"m","metric":"a","value":1,"targetRange":{"condition":"lessThan","upperLimit":1}}]`, "metricAlerts[1].id \"x\" is missing or the id of another alert"},
		{"an alert without limits", "metricAlerts", `[{"id":"x","senderId":"` + defAliceID + `","modelMonitoringId":"m","metric":"a","value":1,"targetRange":{"condition":"lessThan"}}]`, "metricAlerts[0]: targetRange needs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base(t)
			m[tc.field] = json.RawMessage(tc.value)
			data, _ := json.Marshal(m)
			var snap Snapshot
			err := json.Unmarshal(data, &snap)
			if err == nil {
				err = newStore(t).Import(snap)
			}
			wantErrContains(t, tc.name, err, tc.want)
		})
	}
}

// BenchmarkMetricWindow reads a one-hour window (3,600 values) of a series
// of 10,000 and of 1,000,000 values, one a second, through the store, and
// reports the median read too. The index shows in the two being alike: a
// scan would take a hundred times longer over the larger series.
func BenchmarkMetricWindow(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("values=%d", n), func(b *testing.B) {
			s := newStoreWith(b, Config{Limits: Limits{MetricValues: 2_000_000}})
			admin := caller(b, s, "admin")
			loadMetricSeries(b, s, admin, "bench-model", "accuracy", n)
			r := rand.New(rand.NewPCG(3, 4))
			var took []time.Duration
			b.ResetTimer()
			for b.Loop() {
				from := benchStart.Add(time.Duration(r.IntN(n-3600)) * time.Second)
				t0 := time.Now()
				vs, err := s.MetricValues(admin, "bench-model", "accuracy", from.Format(time.RFC3339), from.Add(time.Hour-time.Second).Format(time.RFC3339))
				took = append(took, time.Since(t0))
				if err != nil || len(vs) != 3600 {
					b.Fatalf("%d values, %v", len(vs), err)
				}
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e6, "median-ms")
		})
	}
}

// BenchmarkLogMetricValues logs batches of 1,000 values, in order.
func BenchmarkLogMetricValues(b *testing.B) {
	s := newStoreWith(b, Config{Limits: Limits{MetricValues: 1 << 30}})
	admin := caller(b, s, "admin")
	at := benchStart
	b.ResetTimer()
	for b.Loop() {
		batch := make([]NewMetricValue, 1000)
		for i := range batch {
			batch[i] = NewMetricValue{ModelMonitoringID: "m", Metric: "a", Value: f64(1), ReferenceTimestamp: at.Format(time.RFC3339)}
			at = at.Add(time.Second)
		}
		if err := s.LogMetricValues(admin, batch); err != nil {
			b.Fatal(err)
		}
	}
}

var benchStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// loadMetricSeries logs n values of a series, one a second from benchStart,
// in batches of 10,000.
func loadMetricSeries(t testing.TB, s *Store, c Caller, model, metric string, n int) {
	t.Helper()
	for start := 0; start < n; start += 10_000 {
		batch := make([]NewMetricValue, 0, 10_000)
		for i := start; i < min(start+10_000, n); i++ {
			batch = append(batch, NewMetricValue{ModelMonitoringID: model, Metric: metric, Value: f64(float64(i)),
				ReferenceTimestamp: benchStart.Add(time.Duration(i) * time.Second).Format(time.RFC3339)})
		}
		if err := s.LogMetricValues(c, batch); err != nil {
			t.Fatal(err)
		}
	}
}
