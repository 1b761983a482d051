package api

import (
	"bytes"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Custom metrics through the public API (the spec's CustomMetrics tag), as
// python-domino's custom_metrics_client calls them: log values, read a
// series' window, send an alert. The rules are the store's (metrics.go);
// here are the spec's envelopes and statuses: 201 and 200 with no body for
// the two posts, MetricValuesEnvelopeV1 for the read.

func usesCustomMetrics(q *request) error { return q.st.MayUseCustomMetrics(q.caller) }

func logMetricValues(q *request) (int, any, error) {
	var in struct {
		NewMetricValues *[]store.NewMetricValue `json:"newMetricValues"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.NewMetricValues == nil {
		return 0, nil, badRequest("newMetricValues is required")
	}
	return http.StatusCreated, noContent{}, q.st.LogMetricValues(q.caller, *in.NewMetricValues)
}

// metricValuesPage is the spec's MetricValuesEnvelopeV1.
type metricValuesPage struct {
	MetricValues []store.MetricValue `json:"metricValues"`
	Metadata     metadataV1          `json:"metadata"`
}

func readMetricValues(q *request) (int, any, error) {
	query := q.URL.Query()
	values, err := q.st.MetricValues(q.caller, q.vars("modelMonitoringId"), q.vars("metric"),
		query.Get("startingReferenceTimestampInclusive"), query.Get("endingReferenceTimestampInclusive"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, metricValuesPage{MetricValues: values, Metadata: metadata(q)}, nil
}

func sendMetricAlert(q *request) (int, any, error) {
	var in store.MetricAlertInput
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	_, err := q.st.SendMetricAlert(q.caller, in)
	return http.StatusOK, noContent{}, err
}

// listMetricAlerts is the control route that shows the alerts Domino would
// have emailed, oldest first.
func listMetricAlerts(q *request) (int, any, error) {
	return http.StatusOK, map[string]any{"metricAlerts": q.st.MetricAlerts()}, nil
}

// writeJSON writes the page as encoding/json would: a window may hold
// thousands of values, and reflection over them was most of a read's time.
func (p metricValuesPage) writeJSON(b *bytes.Buffer) {
	b.WriteString(`{"metricValues":`)
	if p.MetricValues == nil {
		b.WriteString("null")
	} else {
		b.Grow(len(p.MetricValues) * 64)
		b.WriteByte('[')
		for i, v := range p.MetricValues {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"referenceTimestamp":"`)
			b.Write(v.ReferenceTimestamp.AppendFormat(b.AvailableBuffer(), time.RFC3339Nano))
			b.WriteString(`","value":`)
			b.Write(appendJSONFloat(b.AvailableBuffer(), v.Value))
			b.WriteString(`,"tags":`)
			if v.Tags == nil {
				b.WriteString("null")
			} else {
				b.WriteByte('[')
				for j, t := range v.Tags {
					if j > 0 {
						b.WriteByte(',')
					}
					b.WriteString(`{"key":`)
					writeJSONString(b, t.Key)
					b.WriteString(`,"value":`)
					writeJSONString(b, t.Value)
					b.WriteByte('}')
				}
				b.WriteByte(']')
			}
			b.WriteByte('}')
		}
		b.WriteByte(']')
	}
	b.WriteString(`,"metadata":{"requestId":`)
	writeJSONString(b, p.Metadata.RequestID)
	b.WriteString(`,"notices":`)
	if p.Metadata.Notices == nil {
		b.WriteString("null")
	} else {
		b.WriteByte('[')
		for i, n := range p.Metadata.Notices {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(b, n)
		}
		b.WriteByte(']')
	}
	b.WriteString("}}")
}

// appendJSONFloat appends f as encoding/json writes a float64.
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json cleans it up.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
