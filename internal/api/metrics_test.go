package api_test

// Route cases of the custom-metric routes (one per route, as routes_test.go
// has them for the others), added to routeCases when the tests start, and
// what only the HTTP layer does for them: the spec's envelopes, statuses
// and error shapes, the query parameters, HEAD, the journal.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func init() {
	for name, c := range metricRouteCases {
		if routeCases[name] != nil {
			panic("two route cases for " + name)
		}
		routeCases[name] = c
	}
}

const (
	metricValuesRoute = "/api/metricValues/v1"
	metricAlertsRoute = "/api/metricAlerts/v1"
)

var metricValueFields = map[string]string{"referenceTimestamp": "string", "value": "number", "tags": "array"}

// logBody is python-domino's log_metrics body of values of model m1's
// accuracy: each "time=value".
func logBody(values ...string) string {
	var items []string
	for _, v := range values {
		ts, val, _ := strings.Cut(v, "=")
		items = append(items, fmt.Sprintf(`{"modelMonitoringId":"m1","metric":"accuracy","value":%s,"referenceTimestamp":%q}`, val, ts))
	}
	return `{"newMetricValues":[` + strings.Join(items, ",") + `]}`
}

// readWindow reads model m1's accuracy from from to to.
func readWindow(from, to string) string {
	return metricValuesRoute + "/m1/accuracy?startingReferenceTimestampInclusive=" + url.QueryEscape(from) +
		"&endingReferenceTimestampInclusive=" + url.QueryEscape(to)
}

// metricValues reads a window and checks its envelope; it returns each
// value as "time=value".
func (e *env) metricValues(t *testing.T, target string, hdr ...string) ([]string, []map[string]any) {
	t.Helper()
	r := e.must(200, e.api, "GET", target, "", hdr...)
	raw, ok := envelope(t, r, "metricValues", false).([]any)
	if !ok {
		t.Fatalf("%s: metricValues is not a list", r)
	}
	var out []string
	var items []map[string]any
	for _, v := range raw {
		m := obj(v)
		exactFields(t, "metric value", m, metricValueFields)
		out = append(out, fmt.Sprintf("%s=%v", m["referenceTimestamp"], m["value"]))
		items = append(items, m)
	}
	return out, items
}

var metricRouteCases = map[string]routeCase{
	"POST /api/metricValues/v1": func(t *testing.T, e *env) {
		sa, tok := e.saWithToken("metrics-bot", "")
		_ = sa
		r := e.must(201, e.api, "POST", metricValuesRoute, logBody("2024-01-01T00:00:00Z=0.5"), bearer(tok)...)
		if len(r.body) != 0 || r.header.Get("Content-Length") != "0" {
			t.Errorf("the spec's 201 has no body: %s", r)
		}
		// As python-domino's log_metric sends it, tags included.
		e.must(201, e.api, "POST", metricValuesRoute, `{"newMetricValues":[{"referenceTimestamp":"2024-01-01T01:00:00Z","metric":"accuracy",`+
			`"modelMonitoringId":"m1","value":7.1234,"tags":[{"key":"example_tag1","value":"value1"}]}]}`, asAlice...)
		e.must(201, e.api, "POST", metricValuesRoute, `{"newMetricValues":[]}`, asAdmin...)
		for _, tc := range []struct{ body, want string }{
			{`{}`, "newMetricValues is required"},
			{`{"newMetricValues":null}`, "newMetricValues is required"},
			{`{"newMetricValues":{}}`, "newMetricValues must be an array"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":"0.5","referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, "must be a number"},
			{logBody("2024-01-01=1"), "newMetricValues[0].referenceTimestamp \"2024-01-01\" is not an RFC 3339 timestamp"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, "newMetricValues[0].value is required"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":null,"referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, "newMetricValues[0].value is required"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a/b","value":1,"referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, "metric \"a/b\" is invalid"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":1,"referenceTimestamp":"2024-01-01T00:00:00Z","tags":[{"key":"k"}]}]}`, "tags[0].value is required"},
			{`{"newMetricValues":[{"modelMonitoringId":"m1","metric":"a","value":1e999,"referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, "must be a number"},
		} {
			wantError(t, e.do(e.api, "POST", metricValuesRoute, tc.body, asAlice...), 400, tc.want)
		}
		wantError(t, e.do(e.api, "POST", metricValuesRoute, logBody("2024-01-01T00:00:00Z=1"), noAuth...), 401)
		wantError(t, e.do(e.api, "POST", metricValuesRoute, logBody("2024-01-01T00:00:00Z=1"), append([]string{"Content-Type", "text/plain"}, asAlice...)...), 415)
		got, items := e.metricValues(t, readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), asAlice...)
		if want := "[2024-01-01T00:00:00Z=0.5 2024-01-01T01:00:00Z=7.1234]"; fmt.Sprint(got) != want {
			t.Fatalf("read back %v, want %s (refused batches logged nothing)", got, want)
		}
		if tags := fmt.Sprint(items[1]["tags"]); tags != "[map[key:example_tag1 value:value1]]" {
			t.Errorf("tags %s", tags)
		}
	},
	"GET /api/metricValues/v1/{modelMonitoringId}/{metric}": func(t *testing.T, e *env) {
		e.must(201, e.api, "POST", metricValuesRoute, logBody("2024-01-01T02:00:00Z=2", "2024-01-01T00:00:00Z=0",
			"2024-01-01T03:00:00+02:00=1", "2024-01-01T01:00:00Z=1.5", "2024-01-01T00:00:00.25Z=1e-7"), asAdmin...)
		got, _ := e.metricValues(t, readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), asAlice...)
		// In timestamp order, in UTC; two at 01:00, in the order logged; both bounds in.
		if want := "[2024-01-01T00:00:00Z=0 2024-01-01T00:00:00.25Z=1e-07 2024-01-01T01:00:00Z=1 2024-01-01T01:00:00Z=1.5]"; fmt.Sprint(got) != want {
			t.Errorf("read %v, want %s", got, want)
		}
		got, _ = e.metricValues(t, readWindow("2024-01-01T02:00:00+01:00", "2024-01-01T01:30:00Z"), asAlice...)
		if want := "[2024-01-01T01:00:00Z=1 2024-01-01T01:00:00Z=1.5]"; fmt.Sprint(got) != want {
			t.Errorf("a window in another zone: %v, want %s", got, want)
		}
		if got, _ := e.metricValues(t, metricValuesRoute+"/m2/accuracy?startingReferenceTimestampInclusive=2024-01-01T00:00:00Z&endingReferenceTimestampInclusive=2025-01-01T00:00:00Z", asAdmin...); len(got) != 0 {
			t.Errorf("a series never logged: %v", got)
		}
		// The spec declares no tag filter: a parameter it does not declare
		// is ignored, so a client that sends one gets what Domino answers.
		if got, _ := e.metricValues(t, readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z")+"&tag=segment:eu&tags=segment%3Deu", asAlice...); len(got) != 4 {
			t.Errorf("a read with tag parameters: %v, want the window's 4 values", got)
		}
		// A metric name with a space, escaped in the path as clients do.
		e.must(201, e.api, "POST", metricValuesRoute, `{"newMetricValues":[{"modelMonitoringId":"m1","metric":"drift score","value":3,"referenceTimestamp":"2024-01-01T00:00:00Z"}]}`, asAdmin...)
		if got, _ := e.metricValues(t, metricValuesRoute+"/m1/drift%20score?startingReferenceTimestampInclusive=2024-01-01T00:00:00Z&endingReferenceTimestampInclusive=2024-01-01T00:00:00Z", asAdmin...); fmt.Sprint(got) != "[2024-01-01T00:00:00Z=3]" {
			t.Errorf("drift score: %v", got)
		}
		for _, tc := range []struct{ query, want string }{
			{"", "startingReferenceTimestampInclusive is required"},
			{"?startingReferenceTimestampInclusive=2024-01-01T00:00:00Z", "endingReferenceTimestampInclusive is required"},
			{"?startingReferenceTimestampInclusive=2024-01-01&endingReferenceTimestampInclusive=2024-01-02T00:00:00Z", "is not an RFC 3339 timestamp"},
			{"?startingReferenceTimestampInclusive=2024-01-02T00:00:00Z&endingReferenceTimestampInclusive=2024-01-01T00:00:00Z", "is before"},
		} {
			wantError(t, e.do(e.api, "GET", metricValuesRoute+"/m1/accuracy"+tc.query, "", asAlice...), 400, tc.want)
		}
		wantError(t, e.do(e.api, "GET", metricValuesRoute+"/m1/..?startingReferenceTimestampInclusive=2024-01-01T00:00:00Z&endingReferenceTimestampInclusive=2024-01-01T00:00:00Z", "", asAlice...), 400, "is invalid")
		wantError(t, e.do(e.api, "GET", readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), "", noAuth...), 401)
		// The proxy acts as its user; HEAD answers GET's headers (head_test.go
		// checks the rest over a socket).
		e.must(200, e.proxy, "GET", readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), "")
		get := e.must(200, e.api, "GET", readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), "", asAlice...)
		head := e.must(200, e.api, "HEAD", readWindow("2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"), "", asAlice...)
		if head.header.Get("Content-Length") != get.header.Get("Content-Length") {
			t.Errorf("HEAD: %s, Content-Length %s, want GET's %s", head, head.header.Get("Content-Length"), get.header.Get("Content-Length"))
		}
	},
	"POST /api/metricAlerts/v1": func(t *testing.T, e *env) {
		// As python-domino's trigger_alert sends it (the docs' example).
		body := `{"modelMonitoringId":"m1","metric":"accuracy","value":7.1234,"targetRange":{"condition":"between","lowerLimit":1.5,"upperLimit":2.5},"description":"Alert description"}`
		r := e.must(200, e.api, "POST", metricAlertsRoute, body, asAlice...)
		if len(r.body) != 0 {
			t.Errorf("the spec's 200 has no body: %s", r)
		}
		// A limit sent as null is a limit not given.
		e.must(200, e.api, "POST", metricAlertsRoute, `{"modelMonitoringId":"m1","metric":"accuracy","value":0.5,"targetRange":{"condition":"lessThan","lowerLimit":null,"upperLimit":1},"description":null}`, asAdmin...)
		for _, tc := range []struct{ body, want string }{
			{`{"metric":"a","value":1,"targetRange":{"condition":"lessThan","upperLimit":1}}`, "modelMonitoringId is required"},
			{`{"modelMonitoringId":"m1","metric":"a","targetRange":{"condition":"lessThan","upperLimit":1}}`, "value is required"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1}`, "targetRange is required"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":null}`, "targetRange is required"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"upperLimit":1}}`, "targetRange.condition is required"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"condition":"GREATER_THAN","upperLimit":1}}`, "targetRange.condition \"GREATER_THAN\" is invalid"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"condition":"lessThan"}}`, "needs lowerLimit, upperLimit or both"},
			{`{"modelMonitoringId":"m1","metric":"a","value":1,"targetRange":{"condition":"between","lowerLimit":2,"upperLimit":1}}`, "is above its upperLimit"},
			{`{"modelMonitoringId":"m1","metric":"a","value":"1","targetRange":{"condition":"lessThan","upperLimit":1}}`, "must be a number"},
		} {
			wantError(t, e.do(e.api, "POST", metricAlertsRoute, tc.body, asAlice...), 400, tc.want)
		}
		wantError(t, e.do(e.api, "POST", metricAlertsRoute, body, noAuth...), 401)
		alerts := e.metricAlerts(t)
		if len(alerts) != 2 || alerts[0]["sentBy"] != "alice" || alerts[0]["outOfRange"] != true || alerts[0]["description"] != "Alert description" ||
			alerts[1]["sentBy"] != "admin" || alerts[1]["outOfRange"] != false {
			t.Fatalf("alerts %v", alerts)
		}
	},
	"GET /__mock/metricAlerts": func(t *testing.T, e *env) {
		if got := e.metricAlerts(t); len(got) != 0 {
			t.Fatalf("a fresh mock has alerts %v", got)
		}
		e.must(200, e.api, "POST", metricAlertsRoute, `{"modelMonitoringId":"m1","metric":"accuracy","value":3,"targetRange":{"condition":"greaterThan","lowerLimit":5}}`, asAlice...)
		got := e.metricAlerts(t)
		if len(got) != 1 {
			t.Fatalf("alerts %v", got)
		}
		exactFields(t, "alert", got[0], map[string]string{"id": "id", "sentAt": "string", "sentBy": "string", "modelMonitoringId": "string",
			"metric": "string", "value": "number", "targetRange": "object", "outOfRange": "bool"})
		if fmt.Sprint(got[0]["targetRange"]) != "map[condition:greaterThan lowerLimit:5]" || got[0]["outOfRange"] != true {
			t.Errorf("alert %v", got[0])
		}
		// The state holds it; a reset forgets it.
		if state := string(e.must(200, e.proxy, "GET", "/__mock/state", "").body); !strings.Contains(state, `"metricAlerts":[{"id":"`+str(got[0]["id"])) {
			t.Errorf("the state export lacks the alert")
		}
		e.must(200, e.proxy, "POST", "/__mock/reset", "")
		if got := e.metricAlerts(t); len(got) != 0 {
			t.Errorf("alerts after a reset: %v", got)
		}
		wantError(t, e.do(e.api, "GET", "/__mock/metricAlerts", "", asAlice...), 403)
	},
}

// metricAlerts lists the alerts the mock took.
func (e *env) metricAlerts(t *testing.T) []map[string]any {
	t.Helper()
	var out struct{ MetricAlerts []map[string]any }
	if err := json.Unmarshal(e.must(200, e.proxy, "GET", "/__mock/metricAlerts", "").body, &out); err != nil || out.MetricAlerts == nil {
		t.Fatalf("GET /__mock/metricAlerts: %v", err)
	}
	return out.MetricAlerts
}

// TestMetricBodiesInTheJournal: a metric post is journaled with its body,
// the fields named like secrets (value, key) redacted as everywhere.
func TestMetricBodiesInTheJournal(t *testing.T) {
	e := newEnv(t)
	e.must(201, e.api, "POST", metricValuesRoute, `{"newMetricValues":[{"modelMonitoringId":"m1","metric":"accuracy","value":0.123456,`+
		`"referenceTimestamp":"2024-01-01T00:00:00Z","tags":[{"key":"k","value":"tag-value"}]}]}`, asAlice...)
	j := string(e.must(200, e.proxy, "GET", "/__mock/journal?path=/api/metricValues", "").body)
	for _, want := range []string{`"modelMonitoringId":"m1"`, `"metric":"accuracy"`, `"referenceTimestamp":"2024-01-01T00:00:00Z"`} {
		if !strings.Contains(j, want) {
			t.Errorf("journal lacks %s: %s", want, j)
		}
	}
	for _, secret := range []string{"0.123456", "tag-value"} {
		if strings.Contains(j, secret) {
			t.Errorf("journal shows %s, a field named value: %s", secret, j)
		}
	}
}
