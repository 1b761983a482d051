package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Custom metrics (Domino's model monitoring): values logged per model
// monitoring id and metric name, read back by time window, and metric
// alerts. The rules, each here once:
//
//   - Any authenticated caller may log, read and alert (inferred: the spec
//     names the permissions RegisterMonitoringDataset, UpdateMonitoringSettings
//     and ViewMonitoringResults; the mock has no model monitoring objects to
//     hold them, so every model monitoring id is one and everyone may use it).
//   - A value needs modelMonitoringId, metric, value and referenceTimestamp
//     (the spec's required fields), the timestamp in RFC 3339 with its time
//     zone (the spec). A batch is taken whole or not at all (inferred).
//   - Model monitoring ids and metric names are 1 to 256 bytes without '/',
//     control characters, and not "." or "..": each is a segment of the path
//     values are read back by (inferred).
//   - A tag has a non-empty key and a value (the spec requires both); one
//     value's keys are distinct (inferred: clients read tags as a map).
//   - Values read back in timestamp order, those at the same time in the
//     order they were logged; a read takes both bounds, inclusive, as RFC
//     3339 (the spec's startingReferenceTimestampInclusive and
//     endingReferenceTimestampInclusive), and answers the timestamps in UTC
//     (inferred). No value is ever deleted (nothing in the API deletes one).
//   - An alert needs modelMonitoringId, metric, value and a targetRange with
//     a condition of the spec's enum and a lowerLimit, an upperLimit or both
//     (the spec); between needs both, the lower not above the upper
//     (inferred). lessThan and lessThanEqual compare with upperLimit,
//     greaterThan and greaterThanEqual with lowerLimit, or with the one limit
//     given (inferred). Domino emails each alert ("sends email when any of
//     your monitoring metrics falls outside the thresholds"); the mock
//     records it instead, with whether the value is out of the target range.
//
// Each series (modelMonitoringId, metric) keeps its values sorted by
// timestamp in chunks of at most 2*metricChunk: a window is found by binary
// search, a value logged in order is appended in O(1), and one logged out
// of order costs one chunk's copy, never the series'. Limits.MetricValues
// bounds what all of it may hold (metricUnits).

// DefaultMaxMetricValues is Limits.MetricValues' default: about 50 MB of
// values without tags.
const DefaultMaxMetricValues = 2_000_000

const (
	metricChunk       = 1024 // a chunk is split past twice this
	maxMetricNameLen  = 256
	metricUnitBytes   = 64  // what one unit of Limits.MetricValues stands for, beyond a value
	metricSeriesBytes = 160 // a series' map entry, header and first chunk, besides its names
	metricAlertBytes  = 160 // an alert's fixed fields
	metricTagBytes    = 32  // a tag's two string headers
)

// Conditions of an alert's target range (the spec's TargetRangeV1 enum).
const (
	ConditionLessThan         = "lessThan"
	ConditionLessThanEqual    = "lessThanEqual"
	ConditionGreaterThan      = "greaterThan"
	ConditionGreaterThanEqual = "greaterThanEqual"
	ConditionBetween          = "between"
)

var metricConditions = []string{ConditionLessThan, ConditionLessThanEqual, ConditionGreaterThan, ConditionGreaterThanEqual, ConditionBetween}

// MetricTag is one tag of a metric value.
type MetricTag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// NewMetricTag is a tag as a client sends it: both fields are required.
type NewMetricTag struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

// NewMetricValue is one value to log, as the public API's NewMetricValueV1
// has it; the pointers tell a field left out from its zero.
type NewMetricValue struct {
	ModelMonitoringID  string         `json:"modelMonitoringId"`
	Metric             string         `json:"metric"`
	Value              *float64       `json:"value"`
	ReferenceTimestamp string         `json:"referenceTimestamp"`
	Tags               []NewMetricTag `json:"tags"`
}

// MetricValue is a logged value as it reads back (MetricValueV1), its time
// in UTC. Its Tags, never nil, are shared with the store and must not be
// changed.
type MetricValue struct {
	ReferenceTimestamp time.Time   `json:"referenceTimestamp"`
	Value              float64     `json:"value"`
	Tags               []MetricTag `json:"tags"`
}

// TargetRange is an alert's target range (TargetRangeV1).
type TargetRange struct {
	Condition  string   `json:"condition"`
	LowerLimit *float64 `json:"lowerLimit,omitempty"`
	UpperLimit *float64 `json:"upperLimit,omitempty"`
}

// MetricAlertInput is an alert as a client sends it (MetricAlertRequestV1).
type MetricAlertInput struct {
	ModelMonitoringID string       `json:"modelMonitoringId"`
	Metric            string       `json:"metric"`
	Value             *float64     `json:"value"`
	TargetRange       *TargetRange `json:"targetRange"`
	Description       string       `json:"description"`
}

// MetricAlert is an alert the mock took: the notification Domino would
// have emailed.
type MetricAlert struct {
	ID                string      `json:"id"`
	SentAt            time.Time   `json:"sentAt"`
	SentBy            string      `json:"sentBy"` // the caller's user name
	ModelMonitoringID string      `json:"modelMonitoringId"`
	Metric            string      `json:"metric"`
	Value             float64     `json:"value"`
	TargetRange       TargetRange `json:"targetRange"`
	Description       string      `json:"description,omitempty"`
	// OutOfRange says whether the value is outside the target range, which
	// is when Domino's documentation says an email goes out.
	OutOfRange bool `json:"outOfRange"`
}

// metricKey names one series.
type metricKey struct{ model, metric string }

// metricPoint is one value: its time as Unix seconds and nanoseconds (RFC
// 3339 years reach past what int64 nanoseconds hold), and its tags as an
// index into metricState.tagSets (0: none). 24 bytes.
type metricPoint struct {
	sec   int64
	value float64
	nsec  int32
	tags  int32
}

func (p metricPoint) before(q metricPoint) bool {
	return p.sec < q.sec || p.sec == q.sec && p.nsec < q.nsec
}

func (p metricPoint) time() time.Time { return time.Unix(p.sec, int64(p.nsec)).UTC() }

func pointAt(t time.Time) metricPoint { return metricPoint{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

// metricSeries holds one series' values in order: every point of chunks[i]
// is at or before every point of chunks[i+1], and no chunk is empty.
type metricSeries struct {
	key    metricKey
	chunks [][]metricPoint
	n      int
}

// insert adds p after every point at its time or before it.
func (se *metricSeries) insert(p metricPoint) {
	se.n++
	if len(se.chunks) == 0 {
		se.chunks = [][]metricPoint{{p}}
		return
	}
	last := &se.chunks[len(se.chunks)-1]
	if !p.before((*last)[len(*last)-1]) {
		// In order, as clients mostly log: an append.
		if len(*last) < metricChunk {
			*last = append(*last, p)
		} else {
			se.chunks = append(se.chunks, []metricPoint{p})
		}
		return
	}
	// The last chunk whose first point is not after p (else the first).
	i := max(sort.Search(len(se.chunks), func(i int) bool { return p.before(se.chunks[i][0]) })-1, 0)
	c := se.chunks[i]
	j := sort.Search(len(c), func(j int) bool { return p.before(c[j]) })
	c = slices.Insert(c, j, p)
	if len(c) > 2*metricChunk {
		half := len(c) / 2
		second := slices.Clone(c[half:])
		se.chunks = slices.Insert(se.chunks, i+1, second)
		c = c[:half]
	}
	se.chunks[i] = c
}

// window calls f for each point from from to to, both included, in order.
func (se *metricSeries) window(from, to metricPoint, f func(metricPoint)) {
	i := sort.Search(len(se.chunks), func(i int) bool {
		c := se.chunks[i]
		return !c[len(c)-1].before(from)
	})
	for ; i < len(se.chunks); i++ {
		c := se.chunks[i]
		j := 0
		if c[0].before(from) {
			j = sort.Search(len(c), func(j int) bool { return !c[j].before(from) })
		}
		for ; j < len(c); j++ {
			if to.before(c[j]) {
				return
			}
			f(c[j])
		}
	}
}

// all calls f for each point in order.
func (se *metricSeries) all(f func(metricPoint)) {
	for _, c := range se.chunks {
		for _, p := range c {
			f(p)
		}
	}
}

// metricState is every series, the tag sets their values share, and the
// alerts taken.
type metricState struct {
	series   map[metricKey]*metricSeries
	order    []*metricSeries // in the order they were made
	tagSets  [][]MetricTag   // [0] is no tags, an empty list
	tagIndex map[string]int32
	alerts   []*metricAlert
	alertIDs map[string]bool
	values   int
	// units is what all of it costs against Limits.MetricValues: one per
	// value, and for each series, set of tags and alert one more per
	// metricUnitBytes of what it holds.
	units int64
}

type metricAlert struct {
	id            string
	sentAt        time.Time
	sender        *user
	model, metric string
	value         float64
	target        TargetRange
	description   string
	outOfRange    bool
}

func newMetricState() metricState {
	return metricState{series: map[metricKey]*metricSeries{}, tagSets: [][]MetricTag{{}},
		tagIndex: map[string]int32{}, alertIDs: map[string]bool{}}
}

func metricUnits(bytes int) int64 { return 1 + int64(bytes)/metricUnitBytes }

func seriesUnits(k metricKey) int64 {
	return metricUnits(metricSeriesBytes + len(k.model) + len(k.metric))
}

func tagSetUnits(tags []MetricTag) int64 {
	n := 0
	for _, t := range tags {
		n += metricTagBytes + len(t.Key) + len(t.Value)
	}
	return metricUnits(n)
}

func (a *metricAlert) units() int64 {
	return metricUnits(metricAlertBytes + len(a.model) + len(a.metric) + len(a.description))
}

// tagSetKey is a set of tags as one string, each length-prefixed so that
// no two sets share a key.
func tagSetKey(tags []MetricTag) string {
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, "%d:%s%d:%s", len(t.Key), t.Key, len(t.Value), t.Value)
	}
	return b.String()
}

// internTags is the index of a set of tags, adding it if it is new; the
// caller has counted a new set's units (or is loading a state).
func (ms *metricState) internTags(tags []MetricTag, key string) int32 {
	if len(tags) == 0 {
		return 0
	}
	if i, ok := ms.tagIndex[key]; ok {
		return i
	}
	i := int32(len(ms.tagSets))
	ms.tagSets = append(ms.tagSets, slices.Clip(tags))
	ms.tagIndex[key] = i
	ms.units += tagSetUnits(tags)
	return i
}

func (ms *metricState) seriesFor(k metricKey) *metricSeries {
	se := ms.series[k]
	if se == nil {
		se = &metricSeries{key: k}
		ms.series[k] = se
		ms.order = append(ms.order, se)
		ms.units += seriesUnits(k)
	}
	return se
}

func (ms *metricState) add(se *metricSeries, p metricPoint) {
	se.insert(p)
	ms.values++
	ms.units++
}

func (ms *metricState) addAlert(a *metricAlert) {
	ms.alerts = append(ms.alerts, a)
	ms.alertIDs[a.id] = true
	ms.units += a.units()
}

// checkMetricName applies the rule of model monitoring ids and metric names.
func checkMetricName(field, name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%s is required", field)
	case len(name) > maxMetricNameLen || !utf8.ValidString(name) || hasControl(name) || strings.Contains(name, "/") || name == "." || name == "..":
		return fmt.Errorf("%s %q is invalid: use 1 to %d bytes without '/' or control characters, and not . or .. (it names a segment of the path values are read back by)",
			field, clip(name), maxMetricNameLen)
	}
	return nil
}

// parseMetricTime reads an RFC 3339 timestamp with its time zone, as the
// spec asks of referenceTimestamp and the read's bounds.
func parseMetricTime(field, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("%s is required", field)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q is not an RFC 3339 timestamp with a time zone (e.g. 2013-07-01T17:55:13-07:00)", field, clip(s))
	}
	return t, checkMetricYear(field, t)
}

// checkMetricYear refuses a time whose year in UTC RFC 3339 cannot write
// (0000-01-01T00:00:00+01:00 is in year -1), since values read back in UTC.
func checkMetricYear(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("%s %s is outside the years 0000 to 9999 in UTC", field, t.Format(time.RFC3339Nano))
	}
	return nil
}

// checkMetricTags checks a value's tags: each with a key and a value, no
// key twice.
func checkMetricTags(at string, tags []NewMetricTag) ([]MetricTag, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	out := make([]MetricTag, len(tags))
	seen := make(map[string]bool, len(tags))
	for i, t := range tags {
		field := fmt.Sprintf("%s.tags[%d]", at, i)
		switch {
		case t.Key == nil || *t.Key == "":
			return nil, fmt.Errorf("%s.key is required", field)
		case t.Value == nil:
			return nil, fmt.Errorf("%s.value is required", field)
		case seen[*t.Key]:
			return nil, fmt.Errorf("%s.key %q is the key of another tag of the value", field, clip(*t.Key))
		}
		seen[*t.Key] = true
		out[i] = MetricTag{Key: *t.Key, Value: *t.Value}
	}
	return out, nil
}

// metricsUser is the caller's user, who may use custom metrics: anyone
// authenticated (inferred; see above). The caller holds the lock.
func (st *state) metricsUser(c Caller) (*user, error) {
	u := st.users[c.ID]
	if u == nil || !u.active {
		return nil, ErrUnauthenticated
	}
	return u, nil
}

// MayUseCustomMetrics is the custom-metric routes' permission, asked before
// a body is read.
func (s *Store) MayUseCustomMetrics(c Caller) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.metricsUser(c)
	return err
}

// loggedValue is a checked value to log.
type loggedValue struct {
	key  metricKey
	at   time.Time
	val  float64
	tags []MetricTag
}

// checkNewMetricValues checks a batch, naming the first bad field.
func checkNewMetricValues(in []NewMetricValue) ([]loggedValue, error) {
	out := make([]loggedValue, len(in))
	for i, v := range in {
		at := fmt.Sprintf("newMetricValues[%d]", i)
		if err := checkMetricName(at+".modelMonitoringId", v.ModelMonitoringID); err != nil {
			return nil, invalid(err)
		}
		if err := checkMetricName(at+".metric", v.Metric); err != nil {
			return nil, invalid(err)
		}
		if v.Value == nil {
			return nil, errorf(KindInvalid, "%s.value is required", at)
		}
		t, err := parseMetricTime(at+".referenceTimestamp", v.ReferenceTimestamp)
		if err != nil {
			return nil, invalid(err)
		}
		tags, err := checkMetricTags(at, v.Tags)
		if err != nil {
			return nil, invalid(err)
		}
		out[i] = loggedValue{key: metricKey{v.ModelMonitoringID, v.Metric}, at: t, val: *v.Value, tags: tags}
	}
	return out, nil
}

// LogMetricValues logs a batch of values, all or none.
func (s *Store) LogMetricValues(c Caller, in []NewMetricValue) error {
	batch, err := checkNewMetricValues(in)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.metricsUser(c); err != nil {
		return err
	}
	if err := s.writable(); err != nil {
		return err
	}
	ms := &s.st.metrics
	// What the batch costs: its values, and the series and sets of tags it
	// is the first to hold.
	cost := int64(len(batch))
	newSeries := map[metricKey]bool{}
	newTags := map[string]bool{}
	keys := make([]string, len(batch))
	for i, v := range batch {
		if ms.series[v.key] == nil && !newSeries[v.key] {
			newSeries[v.key] = true
			cost += seriesUnits(v.key)
		}
		if len(v.tags) > 0 {
			keys[i] = tagSetKey(v.tags)
			if _, ok := ms.tagIndex[keys[i]]; !ok && !newTags[keys[i]] {
				newTags[keys[i]] = true
				cost += tagSetUnits(v.tags)
			}
		}
	}
	if limit := int64(s.cfg.Limits.MetricValues); ms.units+cost > limit {
		return errorf(KindInvalid, "the mock holds custom metrics worth %d of the %d values it may hold (--max-metric-values), and these %d values would take %d more",
			ms.units, limit, len(batch), cost)
	}
	rec := metricBatchRecords(batch)
	for i, v := range batch {
		p := pointAt(v.at)
		p.value, p.tags = v.val, ms.internTags(v.tags, keys[i])
		ms.add(ms.seriesFor(v.key), p)
	}
	return s.commit(change{metricValues: rec})
}

// metricBatchRecords is a batch as the log keeps it: by series, each
// series' values in the batch's order.
func metricBatchRecords(batch []loggedValue) []MetricSeriesRecord {
	var out []MetricSeriesRecord
	index := map[metricKey]int{}
	for _, v := range batch {
		i, ok := index[v.key]
		if !ok {
			i = len(out)
			index[v.key] = i
			out = append(out, MetricSeriesRecord{ModelMonitoringID: v.key.model, Metric: v.key.metric})
		}
		out[i].Values = append(out[i].Values, MetricValueRecord{ReferenceTimestamp: v.at, Value: v.val, Tags: v.tags})
	}
	return out
}

// MetricValues reads the values of a series from from to to, both
// included, in timestamp order. A series nothing was logged to has none.
func (s *Store) MetricValues(c Caller, model, metric, from, to string) ([]MetricValue, error) {
	if err := checkMetricName("modelMonitoringId", model); err != nil {
		return nil, invalid(err)
	}
	if err := checkMetricName("metric", metric); err != nil {
		return nil, invalid(err)
	}
	start, err := parseMetricTime("startingReferenceTimestampInclusive", from)
	if err != nil {
		return nil, invalid(err)
	}
	end, err := parseMetricTime("endingReferenceTimestampInclusive", to)
	if err != nil {
		return nil, invalid(err)
	}
	if end.Before(start) {
		return nil, errorf(KindInvalid, "endingReferenceTimestampInclusive %s is before startingReferenceTimestampInclusive %s", clip(to), clip(from))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.st.metricsUser(c); err != nil {
		return nil, err
	}
	ms := &s.st.metrics
	se := ms.series[metricKey{model, metric}]
	if se == nil {
		return []MetricValue{}, nil
	}
	// Counted first: growing the answer as it fills cost more than the search.
	n := 0
	se.window(pointAt(start), pointAt(end), func(metricPoint) { n++ })
	out := make([]MetricValue, 0, n)
	se.window(pointAt(start), pointAt(end), func(p metricPoint) {
		out = append(out, MetricValue{ReferenceTimestamp: p.time(), Value: p.value, Tags: ms.tagSets[p.tags]})
	})
	return out, nil
}

// checkMetricAlert checks an alert and says whether its value is outside
// its target range.
func checkMetricAlert(in MetricAlertInput) (outOfRange bool, err error) {
	if err := checkMetricName("modelMonitoringId", in.ModelMonitoringID); err != nil {
		return false, invalid(err)
	}
	if err := checkMetricName("metric", in.Metric); err != nil {
		return false, invalid(err)
	}
	if in.Value == nil {
		return false, errorf(KindInvalid, "value is required")
	}
	r := in.TargetRange
	if r == nil {
		return false, errorf(KindInvalid, "targetRange is required")
	}
	if !slices.Contains(metricConditions, r.Condition) {
		if r.Condition == "" {
			return false, errorf(KindInvalid, "targetRange.condition is required")
		}
		return false, errorf(KindInvalid, "targetRange.condition %q is invalid: must be one of %s", clip(r.Condition), strings.Join(metricConditions, ", "))
	}
	lo, hi := r.LowerLimit, r.UpperLimit
	switch {
	case lo == nil && hi == nil:
		return false, errorf(KindInvalid, "targetRange needs lowerLimit, upperLimit or both")
	case r.Condition == ConditionBetween && (lo == nil || hi == nil):
		return false, errorf(KindInvalid, "targetRange.condition between needs both lowerLimit and upperLimit")
	case r.Condition == ConditionBetween && *lo > *hi:
		return false, errorf(KindInvalid, "targetRange.lowerLimit %v is above its upperLimit %v", *lo, *hi)
	}
	return !withinTarget(*r, *in.Value), nil
}

// withinTarget says whether v is in the target range r (checked).
func withinTarget(r TargetRange, v float64) bool {
	// A one-sided condition compares with its own side's limit, or with
	// the one limit given.
	upper, lower := r.UpperLimit, r.LowerLimit
	if upper == nil {
		upper = lower
	}
	if lower == nil {
		lower = upper
	}
	switch r.Condition {
	case ConditionLessThan:
		return v < *upper
	case ConditionLessThanEqual:
		return v <= *upper
	case ConditionGreaterThan:
		return v > *lower
	case ConditionGreaterThanEqual:
		return v >= *lower
	}
	return *lower <= v && v <= *upper
}

// SendMetricAlert takes an alert: the mock records the notification Domino
// would send.
func (s *Store) SendMetricAlert(c Caller, in MetricAlertInput) (MetricAlert, error) {
	outOfRange, err := checkMetricAlert(in)
	if err != nil {
		return MetricAlert{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.st.metricsUser(c)
	if err != nil {
		return MetricAlert{}, err
	}
	if err := s.writable(); err != nil {
		return MetricAlert{}, err
	}
	a := &metricAlert{sentAt: s.cfg.Clock.Now().UTC(), sender: u, model: in.ModelMonitoringID, metric: in.Metric,
		value: *in.Value, target: cloneTarget(*in.TargetRange), description: in.Description, outOfRange: outOfRange}
	ms := &s.st.metrics
	if limit := int64(s.cfg.Limits.MetricValues); ms.units+a.units() > limit {
		return MetricAlert{}, errorf(KindInvalid, "the mock holds custom metrics and alerts worth %d of the %d values it may hold (--max-metric-values), and this alert would take %d more",
			ms.units, limit, a.units())
	}
	for a.id == "" || ms.alertIDs[a.id] {
		a.id = s.newObjectID()
	}
	ms.addAlert(a)
	return a.view(), s.commit(change{metricAlerts: []*metricAlert{a}, creates: true})
}

func cloneTarget(r TargetRange) TargetRange {
	if r.LowerLimit != nil {
		v := *r.LowerLimit
		r.LowerLimit = &v
	}
	if r.UpperLimit != nil {
		v := *r.UpperLimit
		r.UpperLimit = &v
	}
	return r
}

func (a *metricAlert) view() MetricAlert {
	return MetricAlert{ID: a.id, SentAt: a.sentAt, SentBy: a.sender.userName, ModelMonitoringID: a.model, Metric: a.metric,
		Value: a.value, TargetRange: cloneTarget(a.target), Description: a.description, OutOfRange: a.outOfRange}
}

// MetricAlerts lists the alerts taken, oldest first: what Domino would
// have emailed (GET /__mock/metricAlerts).
func (s *Store) MetricAlerts() []MetricAlert {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]MetricAlert, 0, len(s.st.metrics.alerts))
	for _, a := range s.st.metrics.alerts {
		out = append(out, a.view())
	}
	return out
}

// ---- state documents ----

// MetricSeriesRecord is one series with its values, in the state document
// (in timestamp order) and in the log (a batch's values, in its order).
type MetricSeriesRecord struct {
	ModelMonitoringID string             `json:"modelMonitoringId"`
	Metric            string             `json:"metric"`
	Values            MetricValueRecords `json:"values"`
}

// MetricValueRecord is one value of a series.
type MetricValueRecord struct {
	ReferenceTimestamp time.Time   `json:"referenceTimestamp"`
	Value              float64     `json:"value"`
	Tags               []MetricTag `json:"tags,omitempty"`
}

// MetricAlertRecord is an alert taken.
type MetricAlertRecord struct {
	ID                string      `json:"id"`
	SentAt            time.Time   `json:"sentAt"`
	SenderID          string      `json:"senderId"`
	ModelMonitoringID string      `json:"modelMonitoringId"`
	Metric            string      `json:"metric"`
	Value             float64     `json:"value"`
	TargetRange       TargetRange `json:"targetRange"`
	Description       string      `json:"description,omitempty"`
}

func (se *metricSeries) record(tagSets [][]MetricTag) MetricSeriesRecord {
	r := MetricSeriesRecord{ModelMonitoringID: se.key.model, Metric: se.key.metric, Values: make(MetricValueRecords, 0, se.n)}
	se.all(func(p metricPoint) {
		r.Values = append(r.Values, MetricValueRecord{ReferenceTimestamp: p.time(), Value: p.value, Tags: tagSets[p.tags]})
	})
	return r
}

func (a *metricAlert) record() MetricAlertRecord {
	return MetricAlertRecord{ID: a.id, SentAt: a.sentAt, SenderID: a.sender.id, ModelMonitoringID: a.model, Metric: a.metric,
		Value: a.value, TargetRange: cloneTarget(a.target), Description: a.description}
}

// metricRecords copies every series and alert; the caller holds the lock.
func (ms *metricState) records() (series []MetricSeriesRecord, alerts []MetricAlertRecord) {
	for _, se := range ms.order {
		series = append(series, se.record(ms.tagSets))
	}
	for _, a := range ms.alerts {
		alerts = append(alerts, a.record())
	}
	return series, alerts
}

// loadMetrics builds the series and alerts of a state document, checked by
// the rules the routes apply (not held to Limits, as no state is). A
// series' values may come in any order (the log appends batches to the
// snapshot's): they are put in timestamp order, those at the same time
// kept in the order given.
func (st *state) loadMetrics(series []MetricSeriesRecord, alerts []MetricAlertRecord) error {
	ms := newMetricState()
	for i, r := range series {
		at := fmt.Sprintf("metricSeries[%d]", i)
		if err := checkMetricName(at+".modelMonitoringId", r.ModelMonitoringID); err != nil {
			return err
		}
		if err := checkMetricName(at+".metric", r.Metric); err != nil {
			return err
		}
		k := metricKey{r.ModelMonitoringID, r.Metric}
		if ms.series[k] != nil {
			return fmt.Errorf("%s is the series of model monitoring id %q and metric %q again", at, clip(k.model), clip(k.metric))
		}
		points := make([]metricPoint, len(r.Values))
		for j, v := range r.Values {
			vat := fmt.Sprintf("%s.values[%d]", at, j)
			if err := checkMetricYear(vat+".referenceTimestamp", v.ReferenceTimestamp); err != nil {
				return err
			}
			if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
				return fmt.Errorf("%s.value is not a number", vat)
			}
			tags := make([]NewMetricTag, len(v.Tags))
			for t := range v.Tags {
				tags[t] = NewMetricTag{Key: &v.Tags[t].Key, Value: &v.Tags[t].Value}
			}
			checked, err := checkMetricTags(vat, tags)
			if err != nil {
				return err
			}
			points[j] = pointAt(v.ReferenceTimestamp)
			points[j].value = v.Value
			points[j].tags = ms.internTags(checked, tagSetKey(checked))
		}
		if !slices.IsSortedFunc(points, comparePoints) {
			slices.SortStableFunc(points, comparePoints)
		}
		se := ms.seriesFor(k)
		for start := 0; start < len(points); start += metricChunk {
			se.chunks = append(se.chunks, slices.Clone(points[start:min(start+metricChunk, len(points))]))
		}
		se.n = len(points)
		ms.values += len(points)
		ms.units += int64(len(points))
	}
	for i, r := range alerts {
		at := fmt.Sprintf("metricAlerts[%d]", i)
		if r.ID == "" || ms.alertIDs[r.ID] {
			return fmt.Errorf("%s.id %q is missing or the id of another alert", at, clip(r.ID))
		}
		u := st.users[r.SenderID]
		if u == nil {
			return fmt.Errorf("%s.senderId %q is not a user", at, clip(r.SenderID))
		}
		v := r.Value
		outOfRange, err := checkMetricAlert(MetricAlertInput{ModelMonitoringID: r.ModelMonitoringID, Metric: r.Metric, Value: &v, TargetRange: &r.TargetRange})
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		ms.addAlert(&metricAlert{id: r.ID, sentAt: r.SentAt, sender: u, model: r.ModelMonitoringID, metric: r.Metric, value: r.Value,
			target: cloneTarget(r.TargetRange), description: r.Description, outOfRange: outOfRange})
	}
	st.metrics = ms
	return nil
}

func comparePoints(a, b metricPoint) int {
	switch {
	case a.before(b):
		return -1
	case b.before(a):
		return 1
	}
	return 0
}

// MetricValueRecords are a series' values. A state document may hold
// millions, so they are decoded one at a time, each required to give its
// timestamp and value (and each tag its key): a document of N bytes never
// makes the mock hold much more than N bytes of values, as "[{},{},…]"
// would (a 56-byte value from 3 bytes).
type MetricValueRecords []MetricValueRecord

func (rs *MetricValueRecords) UnmarshalJSON(data []byte) error {
	var out MetricValueRecords
	err := decodeArray(data, func(dec *json.Decoder) error {
		var v struct {
			ReferenceTimestamp *time.Time      `json:"referenceTimestamp"`
			Value              *float64        `json:"value"`
			Tags               metricTagRecord `json:"tags"`
		}
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("values[%d]: %v", len(out), err)
		}
		if v.ReferenceTimestamp == nil || v.Value == nil {
			return fmt.Errorf("values[%d] needs a referenceTimestamp and a value", len(out))
		}
		out = append(out, MetricValueRecord{ReferenceTimestamp: *v.ReferenceTimestamp, Value: *v.Value, Tags: v.Tags})
		return nil
	})
	*rs = out
	return err
}

// metricTagRecord is a value's tags, decoded one at a time, each with a key.
type metricTagRecord []MetricTag

func (ts *metricTagRecord) UnmarshalJSON(data []byte) error {
	var out metricTagRecord
	err := decodeArray(data, func(dec *json.Decoder) error {
		var t MetricTag
		if err := dec.Decode(&t); err != nil {
			return fmt.Errorf("tags[%d]: %v", len(out), err)
		}
		if t.Key == "" {
			return fmt.Errorf("tags[%d] needs a key", len(out))
		}
		out = append(out, t)
		return nil
	})
	*ts = out
	return err
}

// decodeArray calls next for each element of the JSON array data (null is
// an empty one); next decodes the element from dec.
func decodeArray(data []byte, next func(dec *json.Decoder) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil
	case tok != json.Delim('['):
		return fmt.Errorf("want an array")
	}
	for dec.More() {
		if err := next(dec); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// metricReplay rebuilds the series while the log is replayed: the
// snapshot's, with each logged batch appended (loadMetrics then puts each
// series in timestamp order, stably, as the store had it).
type metricReplay struct {
	series []MetricSeriesRecord
	index  map[metricKey]int
}

func (m *metricReplay) full(series []MetricSeriesRecord) {
	*m = metricReplay{series: slices.Clone(series), index: map[metricKey]int{}}
	for i, r := range m.series {
		// A series twice is left for loadMetrics to refuse, by its index.
		if _, ok := m.index[metricKey{r.ModelMonitoringID, r.Metric}]; !ok {
			m.index[metricKey{r.ModelMonitoringID, r.Metric}] = i
		}
	}
}

func (m *metricReplay) append(batch []MetricSeriesRecord) {
	if m.index == nil {
		m.index = map[metricKey]int{}
	}
	for _, r := range batch {
		k := metricKey{r.ModelMonitoringID, r.Metric}
		i, ok := m.index[k]
		if !ok {
			i = len(m.series)
			m.index[k] = i
			m.series = append(m.series, MetricSeriesRecord{ModelMonitoringID: k.model, Metric: k.metric})
		}
		m.series[i].Values = append(m.series[i].Values, r.Values...)
	}
}

func (m *metricReplay) result() []MetricSeriesRecord {
	if len(m.series) == 0 {
		return nil
	}
	return m.series
}
