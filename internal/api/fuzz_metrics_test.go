package api_test

// Fuzz tests of the custom-metric routes' decoders: a batch of values, an
// alert, and a read's path and query. The properties of fuzz_test.go hold
// (no panic, no 5xx, errors in the route's shape), plus each target's own:
// a batch is logged whole or not at all, and only values the rules allow;
// an alert is recorded only when the rules allow it; a read answers only
// values of its window, in timestamp order.

import (
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// seriesCounts is how many values each series a body names holds, read
// through the store (every series, every time).
func seriesCounts(t *testing.T, w *world, body []byte) map[[2]string]int {
	t.Helper()
	var in struct {
		NewMetricValues []struct {
			ModelMonitoringID string `json:"modelMonitoringId"`
			Metric            string `json:"metric"`
		} `json:"newMetricValues"`
	}
	json.Unmarshal(body, &in) // what does not decode names no series
	admin, err := w.st.CallerByUserName("admin")
	if err != nil {
		t.Fatal(err)
	}
	out := map[[2]string]int{}
	for _, v := range in.NewMetricValues {
		values, err := w.st.MetricValues(admin, v.ModelMonitoringID, v.Metric, "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z")
		if err == nil {
			out[[2]string{v.ModelMonitoringID, v.Metric}] = len(values)
		}
	}
	return out
}

func FuzzLogMetricValues(f *testing.F) {
	for _, s := range []string{
		`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"accuracy","value":0.5,"referenceTimestamp":"2024-01-01T00:00:00Z"}]}`,
		`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"accuracy","value":7.1234,"referenceTimestamp":"2022-10-08T00:00:00Z","tags":[{"key":"example_tag1","value":"value1"}]}]}`,
		`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":1,"referenceTimestamp":"2013-07-01T17:55:13-07:00"},{"modelMonitoringId":"m1","metric":"a","value":2,"referenceTimestamp":"yesterday"}]}`,
		`{"newMetricValues":[{"modelMonitoringId":"m/1","metric":"..","value":"1","referenceTimestamp":"2024-01-01T24:00:00Z","tags":[{"key":"k"},{"key":"k","value":"v"}]}]}`,
		`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":1e308,"referenceTimestamp":"0000-01-01T00:00:00+01:00"}]}`,
		`{"newMetricValues":[]}`, `{"newMetricValues":null}`, `{}`, `[]`, `null`, `{"newMetricValues":[null,{}]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		before := seriesCounts(t, w, body)
		r := fuzzBody(t, w.api, "POST", "/api/metricValues/v1", body, "application/json", callerOf(asAdmin)...)
		after := seriesCounts(t, w, body)
		if r.code != 201 {
			for k, n := range after {
				if before[k] != n {
					t.Fatalf("a refused batch changed series %q from %d to %d values: %q → %s", k, before[k], n, body, r)
				}
			}
			return
		}
		var in struct {
			NewMetricValues []struct {
				ModelMonitoringID, Metric, ReferenceTimestamp string
				Value                                         *float64
				Tags                                          []struct{ Key, Value *string }
			}
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("accepted %q: %v", body, err)
		}
		added := map[[2]string]int{}
		for _, v := range in.NewMetricValues {
			if _, err := time.Parse(time.RFC3339Nano, v.ReferenceTimestamp); err != nil || v.Value == nil ||
				v.ModelMonitoringID == "" || v.Metric == "" || strings.Contains(v.ModelMonitoringID+v.Metric, "/") {
				t.Fatalf("accepted a value the rules refuse: %+v in %q", v, body)
			}
			for _, tag := range v.Tags {
				if tag.Key == nil || *tag.Key == "" || tag.Value == nil {
					t.Fatalf("accepted a tag the rules refuse in %q", body)
				}
			}
			added[[2]string{v.ModelMonitoringID, v.Metric}]++
		}
		for k, n := range added {
			if after[k]-before[k] != n {
				t.Fatalf("series %q grew by %d values, want %d: %q", k, after[k]-before[k], n, body)
			}
		}
	})
}

func FuzzMetricAlert(f *testing.F) {
	for _, s := range []string{
		`{"modelMonitoringId":"m1","metric":"accuracy","value":7.1234,"targetRange":{"condition":"between","lowerLimit":1.5,"upperLimit":2.5},"description":"Alert description"}`,
		`{"modelMonitoringId":"m1","metric":"accuracy","value":0.5,"targetRange":{"condition":"lessThan","lowerLimit":null,"upperLimit":1},"description":null}`,
		`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"condition":"GREATER_THAN","upperLimit":1}}`,
		`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"condition":"between","lowerLimit":2,"upperLimit":1}}`,
		`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":null}`, `{"modelMonitoringId":"m1","metric":"a","value":"1"}`,
		`{}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		before := len(w.st.MetricAlerts())
		r := fuzzBody(t, w.api, "POST", "/api/metricAlerts/v1", body, "application/json", callerOf(asAdmin)...)
		alerts := w.st.MetricAlerts()
		if r.code != 200 {
			if len(alerts) != before {
				t.Fatalf("a refused alert was recorded: %q → %s", body, r)
			}
			return
		}
		if len(alerts) != before+1 {
			t.Fatalf("an alert taken was not recorded: %q", body)
		}
		a := alerts[len(alerts)-1]
		lo, hi := a.TargetRange.LowerLimit, a.TargetRange.UpperLimit
		if !slices.Contains([]string{"lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "between"}, a.TargetRange.Condition) ||
			lo == nil && hi == nil || a.TargetRange.Condition == "between" && (lo == nil || hi == nil || *lo > *hi) ||
			a.ModelMonitoringID == "" || a.Metric == "" {
			t.Fatalf("recorded an alert the rules refuse: %+v from %q", a, body)
		}
	})
}

func FuzzMetricWindow(f *testing.F) {
	for _, s := range [][3]string{
		{"m1", "accuracy", "startingReferenceTimestampInclusive=2024-01-01T00:00:00Z&endingReferenceTimestampInclusive=2024-01-01T01:00:00Z"},
		{"m1", "accuracy", "startingReferenceTimestampInclusive=2024-01-01T01:00:00%2B01:00&endingReferenceTimestampInclusive=2024-01-01T00:30:00Z"},
		{"m1", "accuracy", "startingReferenceTimestampInclusive=2024-01-02T00:00:00Z&endingReferenceTimestampInclusive=2024-01-01T00:00:00Z"},
		{"m1", "..", "startingReferenceTimestampInclusive=0000-01-01T00:00:00Z&endingReferenceTimestampInclusive=9999-12-31T23:59:59Z"},
		{"m1", "accuracy", "startingReferenceTimestampInclusive=2024-01-01&endingReferenceTimestampInclusive="},
		{"", "", "%zz"}, {"m\x00", "a b", "a=1;b=2"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, model, metric, query string) {
		w := worldFor(t)
		if w.calls == 1 {
			// Values around the seeds' windows, out of order, two at one time.
			w.must(201, w.api, "POST", "/api/metricValues/v1", logBody("2024-01-01T00:30:00Z=2", "2024-01-01T00:00:00Z=1",
				"2024-01-01T01:00:00Z=3", "2024-01-01T00:30:00Z=2.5", "2023-12-31T23:59:59.999999999Z=0"), fixturesAdminKey()...)
		}
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = "/api/metricValues/v1/"+model+"/"+metric, query
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		r := serveReq(w.api, req)
		check(t, r)
		if r.code != 200 {
			return
		}
		var out struct {
			MetricValues []struct {
				ReferenceTimestamp time.Time
				Tags               []any
			}
		}
		if err := json.Unmarshal(r.body, &out); err != nil || out.MetricValues == nil {
			t.Fatalf("answer %s: %v", r, err)
		}
		q, _ := url.ParseQuery(query)
		from, err1 := time.Parse(time.RFC3339Nano, q.Get("startingReferenceTimestampInclusive"))
		to, err2 := time.Parse(time.RFC3339Nano, q.Get("endingReferenceTimestampInclusive"))
		if err1 != nil || err2 != nil || to.Before(from) {
			t.Fatalf("answered a read with bad bounds ?%s: %s", query, r)
		}
		for i, v := range out.MetricValues {
			if v.ReferenceTimestamp.Before(from) || v.ReferenceTimestamp.After(to) || v.Tags == nil ||
				i > 0 && v.ReferenceTimestamp.Before(out.MetricValues[i-1].ReferenceTimestamp) {
				t.Fatalf("?%s answered %s", query, r)
			}
		}
	})
}
