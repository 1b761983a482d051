package conformance

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Deliberate breaks of the custom metrics (metrics.feature), each caught by
// the scenario named, added to breakRules when the tests start.
func init() { breakRules = append(breakRules, metricBreaks()...) }

var (
	metricLogRE   = re(`^/api/metricValues/v1$`)
	metricReadRE  = re(`^/api/metricValues/v1/[^/]+/[^/]+$`)
	metricAlertRE = re(`^/api/metricAlerts/v1$`)
	mockAlertsRE  = re(`^/__mock/metricAlerts$`)
)

// inMetricValues edits the list of values of a read's answer.
func inMetricValues(r *http.Response, f func(values []any) []any) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			if values, ok := o["metricValues"].([]any); ok {
				o["metricValues"] = f(values)
			}
		}
		return v
	})
}

func metricBreaks() []breakRule {
	return []breakRule{
		{name: "logging answers 200", tags: "@metrics", scenarios: `Logging values answers 201`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", metricLogRE) && r.StatusCode == http.StatusCreated {
					r.StatusCode = http.StatusOK
				}
			}},
		{name: "values read back in the order logged", tags: "@metrics", scenarios: `read back in timestamp order`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", metricReadRE) && r.StatusCode == http.StatusOK {
					// The scenario logs minutes 20, 0, 10: the mock answers 0, 10, 20.
					inMetricValues(r, func(values []any) []any {
						if len(values) == 3 {
							values = []any{values[2], values[0], values[1]}
						}
						return values
					})
				}
			}},
		{name: "a read leaves out the values at its end", tags: "@metrics", scenarios: `both included`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if !is(r.Request, "GET", metricReadRE) || r.StatusCode != http.StatusOK {
					return
				}
				end, err := time.Parse(time.RFC3339, r.Request.URL.Query().Get("endingReferenceTimestampInclusive"))
				if err != nil {
					return
				}
				inMetricValues(r, func(values []any) []any {
					return slices.DeleteFunc(values, func(v any) bool {
						o, _ := v.(map[string]any)
						s, _ := o["referenceTimestamp"].(string)
						at, err := time.Parse(time.RFC3339Nano, s)
						return err == nil && at.Equal(end)
					})
				})
			}},
		{name: "a read takes its bounds as UTC, whatever their zone", tags: "@metrics", scenarios: `any time zone`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "GET", metricReadRE) {
					q := out.URL.Query()
					for _, k := range []string{"startingReferenceTimestampInclusive", "endingReferenceTimestampInclusive"} {
						if s := q.Get(k); len(s) > 6 && (s[len(s)-6] == '+' || s[len(s)-6] == '-') {
							q.Set(k, s[:len(s)-6]+"Z")
						}
					}
					out.URL.RawQuery = q.Encode()
				}
				return body
			}},
		{name: "tags do not read back", tags: "@metrics", scenarios: `tags read back`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", metricReadRE) && r.StatusCode == http.StatusOK {
					inMetricValues(r, func(values []any) []any {
						for _, v := range values {
							if o, ok := v.(map[string]any); ok {
								o["tags"] = []any{}
							}
						}
						return values
					})
				}
			}},
		{name: "a metric never logged reads as not found", tags: "@metrics", scenarios: `nothing was logged to`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", metricReadRE) && r.StatusCode == http.StatusOK && bytes.Contains(peekBody(r), []byte(`"metricValues":[]`)) {
					respond(r, http.StatusNotFound, map[string]any{"error": "not found"})
				}
			}},
		{name: "a value without its reference timestamp is taken", tags: "@metrics", scenarios: `needs its reference timestamp`,
			response: func(b *breaker, r *http.Response, reqBody []byte) {
				if is(r.Request, "POST", metricLogRE) && r.StatusCode == http.StatusBadRequest && !strings.Contains(string(reqBody), "referenceTimestamp") {
					r.StatusCode = http.StatusCreated
					setBody(r, nil)
				}
			}},
		{name: "a timestamp without a time zone is taken as UTC", tags: "@metrics", scenarios: `needs its time zone`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "POST", metricLogRE) {
					return bytes.ReplaceAll(body, []byte(`T00:00:00"`), []byte(`T00:00:00Z"`))
				}
				return body
			}},
		{name: "a read without an end reads to the end of time", tags: "@metrics", scenarios: `needs both bounds`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "GET", metricReadRE) {
					q := out.URL.Query()
					if q.Get("endingReferenceTimestampInclusive") == "" {
						q.Set("endingReferenceTimestampInclusive", "9999-12-31T23:59:59Z")
						out.URL.RawQuery = q.Encode()
					}
				}
				return body
			}},
		{name: "logging needs no credentials", tags: "@metrics", scenarios: `needs credentials`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", metricLogRE) && r.StatusCode == http.StatusUnauthorized {
					r.StatusCode = http.StatusCreated
					setBody(r, nil)
				}
			}},
		{name: "an alert answers with a body", tags: "@metrics", scenarios: `An alert is sent`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "POST", metricAlertRE) && r.StatusCode == http.StatusOK {
					respond(r, http.StatusOK, map[string]any{"sent": true})
				}
			}},
		{name: "an alert needs no target range", tags: "@metrics", scenarios: `needs a target range`,
			response: func(b *breaker, r *http.Response, reqBody []byte) {
				if is(r.Request, "POST", metricAlertRE) && r.StatusCode == http.StatusBadRequest && !strings.Contains(string(reqBody), "targetRange") {
					r.StatusCode = http.StatusOK
					setBody(r, nil)
				}
			}},
		{name: "an alert takes any condition", tags: "@metrics", scenarios: `condition is one the API knows`,
			request: func(b *breaker, out *http.Request, body []byte) []byte {
				if is(out, "POST", metricAlertRE) {
					return bytes.ReplaceAll(body, []byte(`"condition":"outside"`), []byte(`"condition":"between"`))
				}
				return body
			}},
		{name: "the mock records every alert as within range", tags: "@metrics", scenarios: `whether its value is out of range`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", mockAlertsRE) && r.StatusCode == http.StatusOK {
					eachAlert(r, func(a map[string]any) { a["outOfRange"] = false })
				}
			}},
		{name: "the mock records every alert as out of range", tags: "@metrics", scenarios: `within its target range is recorded`,
			response: func(b *breaker, r *http.Response, _ []byte) {
				if is(r.Request, "GET", mockAlertsRE) && r.StatusCode == http.StatusOK {
					eachAlert(r, func(a map[string]any) { a["outOfRange"] = true })
				}
			}},
	}
}

// eachAlert edits each alert of GET /__mock/metricAlerts.
func eachAlert(r *http.Response, f func(a map[string]any)) {
	editJSON(r, func(v any) any {
		if o, ok := v.(map[string]any); ok {
			alerts, _ := o["metricAlerts"].([]any)
			for _, a := range alerts {
				if a, ok := a.(map[string]any); ok {
					f(a)
				}
			}
		}
		return v
	})
}
