package conformance

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// Steps of metrics.feature: custom metrics as python-domino's
// custom_metrics_client logs, reads and alerts them. Each scenario logs to
// metrics named for it alone, on the model --model-monitoring-id names (on
// the mock, a model id of the scenario's own); Domino deletes no metric
// value, so they stay. Times are minutes after a base two hours before the
// scenario starts, and a value logged at minute m is m + 0.5, so an answer
// says which values it holds.

const (
	metricValuesPath = "/api/metricValues/v1"
	metricAlertsPath = "/api/metricAlerts/v1"
)

// metricSteps is what one scenario's metric steps remember.
type metricSteps struct {
	w     *world
	model string
	base  time.Time
	alert map[string]any // the last alert sent
}

func registerMetricSteps(sc *godog.ScenarioContext, w *world) {
	// Called once per scenario, as every register function is.
	m := &metricSteps{w: w, model: w.run.target.ModelMonitoringID, base: time.Now().UTC().Truncate(time.Minute).Add(-2 * time.Hour)}
	if m.model == "" {
		m.model = w.uniqueName("model")
	}
	sc.Given(`^the administrator has logged the values of the metric "([^"]*)" at minutes? ([0-9, and]+)$`, func(ctx context.Context, metric, minutes string) error {
		ms, err := parseMinutes(minutes)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPost, metricValuesPath, w.admin(), m.values(metric, ms, nil), http.StatusCreated)
		return err
	})
	sc.Given(`^the administrator has logged the value of the metric "([^"]*)" at minute (\d+) with the tags ((?:"[^"]*"(?:, | and )?)+)$`, func(ctx context.Context, metric string, minute int, tags string) error {
		_, err := w.must(ctx, http.MethodPost, metricValuesPath, w.admin(), m.values(metric, []int{minute}, quotedTags(tags)), http.StatusCreated)
		return err
	})
	sc.When(`^`+callerRE+` logs the values of the metric "([^"]*)" at minutes? ([0-9, and]+)$`, func(ctx context.Context, who, metric, minutes string) error {
		ms, err := parseMinutes(minutes)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodPost, metricValuesPath, m.values(metric, ms, nil))
	})
	sc.When(`^the administrator logs a value of the metric "([^"]*)" without its (\w+)$`, func(ctx context.Context, metric, field string) error {
		body := m.values(metric, []int{0}, nil)
		v := body["newMetricValues"].([]map[string]any)[0]
		if _, ok := v[field]; !ok {
			return fmt.Errorf("a value has no field %q", field)
		}
		delete(v, field)
		_, err := w.call(ctx, http.MethodPost, metricValuesPath, w.admin(), body)
		return err
	})
	sc.When(`^the administrator logs a value of the metric "([^"]*)" at "([^"]*)"$`, func(ctx context.Context, metric, at string) error {
		body := m.values(metric, []int{0}, nil)
		body["newMetricValues"].([]map[string]any)[0]["referenceTimestamp"] = at
		_, err := w.call(ctx, http.MethodPost, metricValuesPath, w.admin(), body)
		return err
	})
	sc.When(`^the administrator reads the metric "([^"]*)" from minute (\d+) to minute (\d+)( with its bounds at UTC\+02:00)?$`, func(ctx context.Context, metric string, from, to int, zoned string) error {
		zone := time.UTC
		if zoned != "" {
			zone = time.FixedZone("UTC+2", 2*60*60)
		}
		return m.read(ctx, metric, url.Values{
			"startingReferenceTimestampInclusive": {m.at(from).In(zone).Format(time.RFC3339)},
			"endingReferenceTimestampInclusive":   {m.at(to).In(zone).Format(time.RFC3339)},
		})
	})
	sc.When(`^the administrator reads the metric "([^"]*)" from minute (\d+) without an end$`, func(ctx context.Context, metric string, from int) error {
		return m.read(ctx, metric, url.Values{"startingReferenceTimestampInclusive": {m.at(from).Format(time.RFC3339)}})
	})
	sc.Then(`^the values are logged$`, func() error {
		if err := expectStatus(w.resp, http.StatusCreated); err != nil {
			return err
		}
		if len(w.resp.Body) != 0 {
			return fmt.Errorf("the spec's 201 has no body: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the answer holds the values of minutes? ([0-9, and]+), in that order$`, func(minutes string) error {
		want, err := parseMinutes(minutes)
		if err != nil {
			return err
		}
		return m.holds(want)
	})
	sc.Then(`^the answer holds no values$`, func() error { return m.holds(nil) })
	sc.Then(`^the value of minute (\d+) has the tags ((?:"[^"]*"(?:, | and )?)+)$`, func(minute int, tags string) error {
		values, err := m.answered()
		if err != nil {
			return err
		}
		want := quotedTags(tags)
		for _, v := range values {
			if !v.at.Equal(m.at(minute)) {
				continue
			}
			got := map[string]string{}
			for _, t := range v.tags {
				got[t[0]] = t[1]
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Errorf("the value of minute %d has the tags %v, want %v: %s", minute, got, want, w.resp)
			}
			return nil
		}
		return fmt.Errorf("the answer holds no value of minute %d: %s", minute, w.resp)
	})

	sc.When(`^the administrator sends an alert for the metric "([^"]*)" with the value ([0-9.]+), "([^"]*)" ([0-9.]+) and ([0-9.]+)$`, func(ctx context.Context, metric string, value float64, condition string, lower, upper float64) error {
		// As python-domino's trigger_alert sends it.
		m.alert = map[string]any{"modelMonitoringId": m.model, "metric": w.uniqueName(metric), "value": value,
			"targetRange": map[string]any{"condition": condition, "lowerLimit": lower, "upperLimit": upper},
			"description": "conformance " + w.uniqueName("alert")}
		_, err := w.call(ctx, http.MethodPost, metricAlertsPath, w.admin(), m.alert)
		return err
	})
	sc.When(`^the administrator sends an alert for the metric "([^"]*)" with the value ([0-9.]+) and no target range$`, func(ctx context.Context, metric string, value float64) error {
		m.alert = map[string]any{"modelMonitoringId": m.model, "metric": w.uniqueName(metric), "value": value}
		_, err := w.call(ctx, http.MethodPost, metricAlertsPath, w.admin(), m.alert)
		return err
	})
	sc.Then(`^the alert is sent$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		if len(w.resp.Body) != 0 {
			return fmt.Errorf("the spec's 200 has no body: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the mock's alerts include it, (out of|within) its target range$`, func(ctx context.Context, where string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return fmt.Errorf("sending the alert: %w", err)
		}
		r, err := w.must(ctx, http.MethodGet, "/__mock/metricAlerts", w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		o, err := r.Object()
		if err != nil {
			return err
		}
		alerts, err := o.list("metricAlerts")
		if err != nil {
			return err
		}
		for _, a := range alerts {
			a, _ := a.(map[string]any)
			if a["metric"] != m.alert["metric"] || a["modelMonitoringId"] != m.model {
				continue
			}
			c := obj(a).check().equal("description", m.alert["description"].(string)).equal("sentBy", "admin")
			if n, err := obj(a).number("value"); err == nil && n != m.alert["value"] {
				c.fail(fmt.Errorf("the alert's value is %v, want %v", n, m.alert["value"]))
			}
			if out, err := obj(a).boolean("outOfRange"); err != nil || out != (where == "out of") {
				c.fail(fmt.Errorf("the alert's outOfRange is %v (%v), want %v", out, err, where == "out of"))
			}
			return c.err()
		}
		return fmt.Errorf("the mock's alerts do not include the alert for %v: %s", m.alert["metric"], r)
	})
}

// at is the time of minute n.
func (m *metricSteps) at(n int) time.Time { return m.base.Add(time.Duration(n) * time.Minute) }

// values is the body of python-domino's log_metrics: one value of the
// scenario's metric per minute, each with the tags.
func (m *metricSteps) values(metric string, minutes []int, tags map[string]string) map[string]any {
	var vs []map[string]any
	for _, n := range minutes {
		v := map[string]any{"modelMonitoringId": m.model, "metric": m.w.uniqueName(metric),
			"value": float64(n) + 0.5, "referenceTimestamp": m.at(n).Format(time.RFC3339)}
		if tags != nil {
			var ts []map[string]string
			for _, k := range slices.Sorted(maps.Keys(tags)) {
				ts = append(ts, map[string]string{"key": k, "value": tags[k]})
			}
			v["tags"] = ts
		}
		vs = append(vs, v)
	}
	return map[string]any{"newMetricValues": vs}
}

func (m *metricSteps) read(ctx context.Context, metric string, q url.Values) error {
	_, err := m.w.call(ctx, http.MethodGet, metricValuesPath+"/"+url.PathEscape(m.model)+"/"+url.PathEscape(m.w.uniqueName(metric))+"?"+q.Encode(), m.w.admin(), nil)
	return err
}

// metricValue is one value of a read's answer.
type metricValue struct {
	at    time.Time
	value float64
	tags  [][2]string
}

// answered checks the read's envelope (MetricValuesEnvelopeV1) and returns
// its values.
func (m *metricSteps) answered() ([]metricValue, error) {
	o, err := okObject(m.w.resp)
	if err != nil {
		return nil, err
	}
	if _, err := o.object("metadata"); err != nil {
		return nil, err
	}
	items, err := o.list("metricValues")
	if err != nil {
		return nil, err
	}
	var out []metricValue
	for i, it := range items {
		v, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("metricValues[%d] is %T, want an object", i, it)
		}
		s, err := obj(v).str("referenceTimestamp")
		if err != nil {
			return nil, err
		}
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, fmt.Errorf("metricValues[%d].referenceTimestamp %q is not RFC 3339", i, s)
		}
		n, err := obj(v).number("value")
		if err != nil {
			return nil, err
		}
		tags, err := obj(v).list("tags")
		if err != nil {
			return nil, fmt.Errorf("metricValues[%d]: %w", i, err)
		}
		mv := metricValue{at: at, value: n}
		for _, t := range tags {
			t, _ := t.(map[string]any)
			k, err1 := obj(t).str("key")
			val, err2 := obj(t).str("value")
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("metricValues[%d] has a tag %v, want a key and a value", i, t)
			}
			mv.tags = append(mv.tags, [2]string{k, val})
		}
		out = append(out, mv)
	}
	return out, nil
}

// holds checks that the answer is the values of those minutes, in order.
func (m *metricSteps) holds(minutes []int) error {
	values, err := m.answered()
	if err != nil {
		return err
	}
	var got, want []string
	for _, v := range values {
		got = append(got, fmt.Sprintf("%s=%v", v.at.UTC().Format(time.RFC3339Nano), v.value))
	}
	for _, n := range minutes {
		want = append(want, fmt.Sprintf("%s=%v", m.at(n).Format(time.RFC3339Nano), float64(n)+0.5))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the answer holds %v, want %v: %s", got, want, m.w.resp)
	}
	return nil
}

var minutesRE = regexp.MustCompile(`\d+`)

// parseMinutes reads "0, 10 and 20".
func parseMinutes(s string) ([]int, error) {
	var out []int
	for _, n := range minutesRE.FindAllString(s, -1) {
		v, err := strconv.Atoi(n)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no minutes in %q", s)
	}
	return out, nil
}

// quotedTags reads `"segment=eu" and "source=batch"`.
func quotedTags(s string) map[string]string {
	out := map[string]string{}
	for _, q := range quotedAllRE.FindAllStringSubmatch(s, -1) {
		k, v, _ := strings.Cut(q[1], "=")
		out[k] = v
	}
	return out
}

var quotedAllRE = regexp.MustCompile(`"([^"]*)"`)
