package api

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// TestMetricValuesWriterMatchesEncodingJSON: the window's own JSON writer
// writes exactly what encoding/json (HTML escaping off) would, whatever the
// tags hold and whatever the values and times are.
func TestMetricValuesWriterMatchesEncodingJSON(t *testing.T) {
	odd := []string{"", "plain", `quo"te`, "tab\there", "<html>&amp;", "ünï", "\u2028", "\x00\x7f", "emoji 🙂"}
	floats := []float64{0, -0.0, 1, -1.5, 0.1, 1e-6, 9.99e-7, 1e-7, 123456789, 1e20, 1e21, -1e21, 1.7976931348623157e308,
		math.SmallestNonzeroFloat64, 5e-324, 0.000001234, 7.1234}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var values []store.MetricValue
	for i, f := range floats {
		v := store.MetricValue{ReferenceTimestamp: at.Add(time.Duration(i) * 123456789 * time.Nanosecond), Value: f, Tags: []store.MetricTag{}}
		if i%2 == 1 {
			v.Tags = []store.MetricTag{{Key: odd[i%len(odd)], Value: odd[(i+1)%len(odd)]}, {Key: "k", Value: odd[(i+2)%len(odd)]}}
		}
		values = append(values, v)
	}
	values = append(values, store.MetricValue{ReferenceTimestamp: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		store.MetricValue{ReferenceTimestamp: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)})
	md := metadataV1{RequestID: `req"1`, Notices: []string{"a", "<b>"}}
	for _, p := range []metricValuesPage{{MetricValues: values, Metadata: md}, {MetricValues: []store.MetricValue{}, Metadata: metadataV1{RequestID: "r", Notices: []string{}}},
		{Metadata: metadataV1{}}} {
		var got, want bytes.Buffer
		p.writeJSON(&got)
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(p); err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got.Bytes(), w) {
			t.Errorf("writeJSON wrote\n%s\nencoding/json writes\n%s", got.Bytes(), w)
		}
	}
}
