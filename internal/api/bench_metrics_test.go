package api

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// BenchmarkMetricWindow reads a one-hour window (3,600 values) of a series
// of 1,000,000 values, one a second, through the whole request path
// (authentication, the store's index, the answer's JSON), as python-domino's
// read_metrics asks for it. It reports the median time of a read: the
// issue asks for under 5 ms. Nothing asserts it.
func BenchmarkMetricWindow(b *testing.B) {
	keys, err := benchSigningKeys()
	if err != nil {
		b.Fatal(err)
	}
	st := store.New(store.Config{Keys: keys, ExternalURL: "http://127.0.0.1:8080", Limits: store.Limits{MetricValues: 2_000_000}})
	h := New(Options{Store: st, Journal: NewJournal(1000)}, APIHost)
	admin, err := st.CallerByUserName("admin")
	if err != nil {
		b.Fatal(err)
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const n, batch = 1_000_000, 10_000
	for i := 0; i < n; i += batch {
		values := make([]store.NewMetricValue, batch)
		for j := range values {
			v := float64(i + j)
			values[j] = store.NewMetricValue{ModelMonitoringID: "bench-model", Metric: "accuracy", Value: &v,
				ReferenceTimestamp: start.Add(time.Duration(i+j) * time.Second).Format(time.RFC3339)}
		}
		if err := st.LogMetricValues(admin, values); err != nil {
			b.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	var took []time.Duration
	b.ResetTimer()
	for b.Loop() {
		from := start.Add(time.Duration(r.IntN(n-3600)) * time.Second)
		target := fmt.Sprintf("/api/metricValues/v1/bench-model/accuracy?startingReferenceTimestampInclusive=%s&endingReferenceTimestampInclusive=%s",
			from.Format(time.RFC3339), from.Add(time.Hour-time.Second).Format(time.RFC3339))
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		w := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(w, req)
		took = append(took, time.Since(t0))
		if w.Code != http.StatusOK || w.Body.Len() < 3600*50 {
			b.Fatalf("%d, %d bytes", w.Code, w.Body.Len())
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds())/1e6, "median-ms")
}
