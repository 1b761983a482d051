package dominotest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

func ExampleServer_LogMetricValues() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	at := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)

	// In a test: srv.LogMetricValues(t, "model-1", "accuracy", dominotest.MetricValue{…}, …)
	err = srv.LogMetricValuesE("model-1", "accuracy",
		dominotest.MetricValue{Time: at, Value: 0.91, Tags: map[string]string{"segment": "eu"}},
		dominotest.MetricValue{Time: at.Add(time.Hour), Value: 0.87})
	if err != nil {
		panic(err)
	}

	// What the code under test reads, as python-domino's read_metrics does.
	q := url.Values{"startingReferenceTimestampInclusive": {"2024-01-01T00:00:00Z"}, "endingReferenceTimestampInclusive": {"2024-01-02T00:00:00Z"}}
	req, _ := http.NewRequest("GET", srv.APIURL+"/api/metricValues/v1/model-1/accuracy?"+q.Encode(), nil)
	req.Header.Set("X-Domino-Api-Key", dominotest.AliceAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var page struct {
		MetricValues []struct {
			ReferenceTimestamp string
			Value              float64
			Tags               []struct{ Key, Value string }
		}
	}
	json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	for _, v := range page.MetricValues {
		fmt.Println(v.ReferenceTimestamp, v.Value, v.Tags)
	}
	// Output:
	// 2024-01-01T12:00:00Z 0.91 [{segment eu}]
	// 2024-01-01T13:00:00Z 0.87 []
}

func ExampleServer_MetricValues() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// The code under test logs, as python-domino's log_metrics does.
	body := `{"newMetricValues": [
		{"modelMonitoringId": "model-1", "metric": "drift", "value": 0.3, "referenceTimestamp": "2024-01-01T14:00:00+02:00"},
		{"modelMonitoringId": "model-1", "metric": "drift", "value": 0.1, "referenceTimestamp": "2024-01-01T11:00:00Z",
		 "tags": [{"key": "segment", "value": "us"}]}]}`
	req, _ := http.NewRequest("POST", srv.APIURL+"/api/metricValues/v1", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Domino-Api-Key", dominotest.AliceAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)

	// In a test: values := srv.MetricValues(t, "model-1", "drift", from, to)
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	values, err := srv.MetricValuesE("model-1", "drift", from, from.Add(24*time.Hour))
	if err != nil {
		panic(err)
	}
	for _, v := range values { // in timestamp order, in UTC
		fmt.Println(v.Time.Format(time.RFC3339), v.Value, v.Tags)
	}
	// Output:
	// 201 Created
	// 2024-01-01T11:00:00Z 0.1 map[segment:us]
	// 2024-01-01T12:00:00Z 0.3 map[]
}

func ExampleServer_MetricAlerts() {
	srv, err := dominotest.Start()
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	// The code under test alerts, as python-domino's trigger_alert does.
	body := `{"modelMonitoringId": "model-1", "metric": "accuracy", "value": 0.42,
		"targetRange": {"condition": "between", "lowerLimit": 0.8, "upperLimit": 1}, "description": "retrain"}`
	req, _ := http.NewRequest("POST", srv.APIURL+"/api/metricAlerts/v1", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Domino-Api-Key", dominotest.AliceAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	for _, a := range srv.MetricAlerts() {
		fmt.Println(a.SentBy, a.Metric, a.Value, a.Condition, *a.LowerLimit, *a.UpperLimit, a.Description, a.OutOfRange)
	}
	// Output: alice accuracy 0.42 between 0.8 1 retrain true
}
