package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricValuesLimitFlag: --max-metric-values (or its variable) reaches
// the store, and bounds what custom metrics may hold.
func TestMetricValuesLimitFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"--max-metric-values", "0"}, &out, &errOut, func(string) (string, bool) { return "", false }); err == nil ||
		!strings.Contains(err.Error(), "--max-metric-values") {
		t.Fatalf("--max-metric-values 0: %v", err)
	}
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	// A series' first value costs 1 + (160 + 2 + 8)/64 = 3 units with it: 6 hold 3 values.
	_, _, proxy, stderr := startBinary(t, bin, []string{"MOCKDOMINO_MAX_METRIC_VALUES=6"},
		"--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0")
	post := func(values ...string) (int, string) {
		t.Helper()
		var items []string
		for _, ts := range values {
			items = append(items, `{"modelMonitoringId":"m1","metric":"accuracy","value":1,"referenceTimestamp":"`+ts+`"}`)
		}
		resp, err := http.Post(proxy+"/api/metricValues/v1", "application/json", strings.NewReader(`{"newMetricValues":[`+strings.Join(items, ",")+`]}`))
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := post("2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z"); code != 201 {
		t.Fatalf("two values: %d %s", code, body)
	}
	if code, body := post("2024-01-01T00:00:02Z", "2024-01-01T00:00:03Z"); code != 400 || !strings.Contains(body, "--max-metric-values") {
		t.Fatalf("two more with MOCKDOMINO_MAX_METRIC_VALUES=6: %d %s", code, body)
	}
	if code, body := post("2024-01-01T00:00:02Z"); code != 201 {
		t.Fatalf("a third: %d %s", code, body)
	}
}
