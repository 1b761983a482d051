package dominotest

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// MetricValue is one value of a model's custom metric, as python-domino's
// log_metrics sends it and read_metrics returns it.
type MetricValue struct {
	Time  time.Time // its reference timestamp; it reads back in UTC
	Value float64
	Tags  map[string]string // nil: none
}

// LogMetricValues logs values of a model's metric as the administrator
// would (POST /api/metricValues/v1): data for the code under test to read.
// Any model monitoring id will do; the mock has no Model Monitor to
// register models in.
func (s *Server) LogMetricValues(t testing.TB, modelMonitoringID, metric string, values ...MetricValue) {
	t.Helper()
	check(t, s.LogMetricValuesE(modelMonitoringID, metric, values...))
}

// LogMetricValuesE is LogMetricValues returning its error: an id or a
// metric name the API refuses, a tag without a key, or more values than
// the mock holds (--max-metric-values). None is logged then.
func (s *Server) LogMetricValuesE(modelMonitoringID, metric string, values ...MetricValue) error {
	admin, err := s.admin()
	if err != nil {
		return fail("LogMetricValues", err)
	}
	in := make([]store.NewMetricValue, len(values))
	for i, v := range values {
		value := v.Value
		in[i] = store.NewMetricValue{ModelMonitoringID: modelMonitoringID, Metric: metric, Value: &value,
			ReferenceTimestamp: v.Time.Format(time.RFC3339Nano)}
		for _, k := range slices.Sorted(maps.Keys(v.Tags)) {
			key, tag := k, v.Tags[k]
			in[i].Tags = append(in[i].Tags, store.NewMetricTag{Key: &key, Value: &tag})
		}
	}
	return fail("LogMetricValues", s.srv.Store().LogMetricValues(admin, in))
}

// MetricValues reads a model's metric from from to to, both included, as
// python-domino's read_metrics does: in timestamp order, those at the same
// time in the order they were logged.
func (s *Server) MetricValues(t testing.TB, modelMonitoringID, metric string, from, to time.Time) []MetricValue {
	t.Helper()
	v, err := s.MetricValuesE(modelMonitoringID, metric, from, to)
	check(t, err)
	return v
}

// MetricValuesE is MetricValues returning its error: an id or a metric
// name the API refuses, or to before from.
func (s *Server) MetricValuesE(modelMonitoringID, metric string, from, to time.Time) ([]MetricValue, error) {
	admin, err := s.admin()
	if err != nil {
		return nil, fail("MetricValues", err)
	}
	list, err := s.srv.Store().MetricValues(admin, modelMonitoringID, metric, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	if err != nil {
		return nil, fail("MetricValues", err)
	}
	out := make([]MetricValue, len(list))
	for i, v := range list {
		out[i] = MetricValue{Time: v.ReferenceTimestamp, Value: v.Value}
		if len(v.Tags) > 0 {
			out[i].Tags = make(map[string]string, len(v.Tags))
			for _, t := range v.Tags {
				out[i].Tags[t.Key] = t.Value
			}
		}
	}
	return out, nil
}

// MetricAlert is an alert sent through POST /api/metricAlerts/v1 (python-domino's
// trigger_alert): the email Domino would have sent.
type MetricAlert struct {
	ID                string
	SentAt            time.Time // by the mock's clock
	SentBy            string    // the sender's user name
	ModelMonitoringID string
	Metric            string
	Value             float64
	// Condition is "lessThan", "lessThanEqual", "greaterThan",
	// "greaterThanEqual" or "between"; a limit not given is nil.
	Condition              string
	LowerLimit, UpperLimit *float64
	Description            string
	// OutOfRange says whether Value is outside the target range, which is
	// when Domino's documentation says the email goes out.
	OutOfRange bool
}

// MetricAlerts are the alerts sent, oldest first (GET /__mock/metricAlerts).
func (s *Server) MetricAlerts() []MetricAlert {
	var out []MetricAlert
	for _, a := range s.srv.Store().MetricAlerts() {
		out = append(out, MetricAlert{ID: a.ID, SentAt: a.SentAt, SentBy: a.SentBy, ModelMonitoringID: a.ModelMonitoringID,
			Metric: a.Metric, Value: a.Value, Condition: a.TargetRange.Condition, LowerLimit: a.TargetRange.LowerLimit,
			UpperLimit: a.TargetRange.UpperLimit, Description: a.Description, OutOfRange: a.OutOfRange})
	}
	return out
}
