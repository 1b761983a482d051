package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Faults holds the fault and latency rules that make the mock misbehave on
// purpose, so a client's retry and timeout logic can be tested.
type Faults struct {
	n        atomic.Int32 // len(rules), so requests skip the lock when there are none
	mu       sync.Mutex
	rules    []*FaultRule
	maxRules int
	seq      int
	rnd      *rand.Rand
}

// Rules are bounded so that they cannot grow the mock's memory: at most
// DefaultMaxFaultRules of them unless configured (SetMaxRules), a message
// of at most MaxFaultMessageBytes and match fields of at most
// maxFaultMatchBytes each.
const (
	DefaultMaxFaultRules = 100
	MaxFaultMessageBytes = 4 << 10
	maxFaultMatchBytes   = 1 << 10
)

// FaultRule is one rule: which requests it matches and what it does to them.
type FaultRule struct {
	ID    string      `json:"id"`
	Match FaultMatch  `json:"match"`
	Do    FaultEffect `json:"effect"`
	// Times is how many matching requests it affects; 0 means every one.
	Times int `json:"times,omitempty"`
	// Probability, when set (0 < p <= 1), affects each match with that chance.
	Probability float64 `json:"probability,omitempty"`
	// Fired counts the requests it affected.
	Fired int `json:"fired"`
}

// FaultMatch selects requests; empty fields match everything.
type FaultMatch struct {
	Method string `json:"method,omitempty"`
	// Route is a route pattern as in the route table, e.g.
	// "/v4/serviceAccounts/{idpId}/tokens"; PathPrefix matches raw paths.
	Route      string `json:"route,omitempty"`
	PathPrefix string `json:"pathPrefix,omitempty"`
	// Caller is the user name of the authenticated caller.
	Caller string `json:"caller,omitempty"`
}

// FaultEffect is what a rule does. Delay happens first; then either the
// connection is dropped, or an error in the route's shape is answered, or
// (delay only) the request is served normally.
type FaultEffect struct {
	Status  int            `json:"status,omitempty"`
	Message string         `json:"message,omitempty"`
	Delay   store.Duration `json:"delay,omitempty"`
	Drop    bool           `json:"drop,omitempty"`
}

// NewFaults returns an empty rule set; seed 0 draws probabilities at random.
func NewFaults(seed uint64) *Faults {
	if seed == 0 {
		seed = rand.Uint64()
	}
	return &Faults{maxRules: DefaultMaxFaultRules, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// SetMaxRules sets how many rules may be installed at once (spent ones
// count until cleared); 0 allows none.
func (f *Faults) SetMaxRules(n int) {
	f.mu.Lock()
	f.maxRules = max(n, 0)
	f.mu.Unlock()
}

func (r *FaultRule) validate() error {
	m := r.Match
	for _, f := range [...]struct{ name, v string }{{"method", m.Method}, {"route", m.Route}, {"pathPrefix", m.PathPrefix}, {"caller", m.Caller}} {
		if len(f.v) > maxFaultMatchBytes {
			return badRequest("match.%s is longer than %d bytes", f.name, maxFaultMatchBytes)
		}
	}
	if len(r.Do.Message) > MaxFaultMessageBytes {
		return badRequest("effect.message is longer than %d bytes", MaxFaultMessageBytes)
	}
	if m.Route != "" && !strings.HasPrefix(m.Route, "/") || m.PathPrefix != "" && !strings.HasPrefix(m.PathPrefix, "/") {
		return badRequest("match.route and match.pathPrefix must start with /")
	}
	if strings.HasPrefix(m.Route, "/__mock") || strings.HasPrefix(m.PathPrefix, "/__mock") {
		return badRequest("faults cannot target the control routes under /__mock/")
	}
	// A method or route the mock does not serve would never fire.
	if err := faultRouteIndex().check(m.Method, m.Route); err != nil {
		return err
	}
	e := r.Do
	if e.Status == 0 && !e.Drop && e.Delay == 0 {
		return badRequest("effect needs a status, a delay or drop")
	}
	if e.Status != 0 && (e.Status < 400 || e.Status > 599) {
		return badRequest("effect.status %d must be an error status from 400 to 599", e.Status)
	}
	if e.Status != 0 && e.Drop {
		return badRequest("effect cannot both answer a status and drop the connection")
	}
	if e.Delay < 0 || time.Duration(e.Delay) > 5*time.Minute {
		return badRequest("effect.delay must be between 0 and 5m")
	}
	if r.Times < 0 {
		return badRequest("times must not be negative")
	}
	if r.Probability < 0 || r.Probability > 1 {
		return badRequest("probability must be between 0 and 1")
	}
	return nil
}

// Add validates and installs a rule, returning it with its id.
func (f *Faults) Add(r FaultRule) (FaultRule, error) {
	if err := r.validate(); err != nil {
		return r, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rules) >= f.maxRules {
		return r, badRequest("there are already %d fault rules, the most allowed (--max-fault-rules): DELETE /__mock/faults first", f.maxRules)
	}
	f.seq++
	r.ID, r.Fired = fmt.Sprintf("fault-%d", f.seq), 0
	f.rules = append(f.rules, &r)
	f.n.Store(int32(len(f.rules)))
	return r, nil
}

// Remove removes one rule and returns it.
func (f *Faults) Remove(id string) (FaultRule, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, r := range f.rules {
		if r.ID == id {
			f.rules = slices.Delete(f.rules, i, i+1)
			f.n.Store(int32(len(f.rules)))
			return *r, nil
		}
	}
	return FaultRule{}, &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("No fault rule %s (GET /__mock/faults lists them)", clipPath(id))}
}

// List returns the installed rules, spent ones included.
func (f *Faults) List() []FaultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FaultRule, 0, len(f.rules))
	for _, r := range f.rules {
		out = append(out, *r)
	}
	return out
}

// Clear removes every rule.
func (f *Faults) Clear() {
	f.mu.Lock()
	f.rules = nil
	f.n.Store(0)
	f.mu.Unlock()
}

// take returns the effect of the first rule that fires for this request.
func (f *Faults) take(q *request, routePattern string) (FaultRule, bool) {
	if f == nil || f.n.Load() == 0 || strings.HasPrefix(q.URL.Path, "/__mock/") {
		return FaultRule{}, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		m := r.Match
		// A HEAD request is served as GET: rules for either method match it.
		if m.Method != "" && !strings.EqualFold(m.Method, q.Method) && !strings.EqualFold(m.Method, clientMethod(q.Request)) ||
			m.Route != "" && m.Route != routePattern ||
			m.PathPrefix != "" && !strings.HasPrefix(q.URL.Path, m.PathPrefix) ||
			m.Caller != "" && m.Caller != q.caller.UserName ||
			r.Times > 0 && r.Fired >= r.Times {
			continue
		}
		if r.Probability > 0 && f.rnd.Float64() >= r.Probability {
			continue
		}
		r.Fired++
		return *r, true
	}
	return FaultRule{}, false
}

// delay holds a request for d before it is served or answered. Its body is
// read first (faults never target the state import, so it is at most
// MaxBodyBytes; a file upload's is not read): net/http then watches the
// connection, and a client that goes away ends the wait; the request is still served, as by a server
// that had started it. The connection's deadlines are pushed back by d,
// so that the answer is written however long the delay.
func (q *request) delay(w http.ResponseWriter, d time.Duration) error {
	if q.readTimeout > 0 {
		rc := http.NewResponseController(w)
		from := time.Now().Add(d)
		rc.SetReadDeadline(from.Add(q.readTimeout))
		rc.SetWriteDeadline(from.Add(q.readTimeout + q.writeTimeout))
	}
	// A file's bytes (up to --max-file-bytes) are not held: the upload
	// reads them after the delay.
	if q.Body != nil && q.Body != http.NoBody && !q.refused && !q.fileBody {
		data, err := io.ReadAll(q.Body)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return err
		case err != nil:
			return badRequest("request body could not be read")
		}
		q.Body = io.NopCloser(bytes.NewReader(data))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-q.Context().Done():
	}
	return nil
}

// apply carries out a fault; it reports whether the request was answered
// (or dropped) and must not be served.
func (r FaultRule) apply(w http.ResponseWriter, q *request) (handled bool, err error) {
	if d := time.Duration(r.Do.Delay); d > 0 {
		if err := q.delay(w, d); err != nil {
			return false, err
		}
	}
	if r.Do.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, herr := hj.Hijack(); herr == nil {
				conn.Close()
				return true, nil
			}
		}
		// No connection to drop (HTTP/2 or a test recorder): abort the response instead.
		panic(http.ErrAbortHandler)
	}
	if r.Do.Status != 0 {
		msg := r.Do.Message
		if msg == "" {
			msg = fmt.Sprintf("injected fault %s", r.ID)
		}
		return false, &httpError{status: r.Do.Status, msg: msg}
	}
	return false, nil
}

// parseFaultRule decodes a rule as POST /__mock/faults takes it. A field
// the rule does not have is refused, naming it: a misspelt "match" would
// otherwise leave a rule that matches every request.
func parseFaultRule(data []byte) (FaultRule, error) {
	var r FaultRule
	if unknown := unknownFields(data, reflect.TypeFor[FaultRule](), ""); len(unknown) > 0 {
		return r, badRequest("the fault rule has unknown field(s) %s: a rule takes match, effect, times, probability; "+
			"match takes method, route, pathPrefix, caller; effect takes status, message, delay, drop", strings.Join(unknown, ", "))
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, decodeError(err, data, &r)
	}
	return r, nil
}

// unknownFields are the keys of the JSON object data, and of the objects
// in its struct-typed fields, that no field of t takes (matched as
// encoding/json matches them, in any case), quoted and dotted
// ("\"match.rout\""). Not an object: none (the decoder says what is wrong).
func unknownFields(data []byte, t reflect.Type, prefix string) []string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(data, &obj) != nil {
		return nil
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		f, ok := jsonField(t, k)
		switch {
		case !ok:
			out = append(out, strconv.Quote(prefix+k))
		case f.Type.Kind() == reflect.Struct:
			out = append(out, unknownFields(obj[k], f.Type, prefix+k+".")...)
		}
	}
	return out
}

// jsonField is the field of struct t that encoding/json decodes key into.
func jsonField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" {
			name = f.Name
		}
		if f.IsExported() && name != "-" && strings.EqualFold(name, key) {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// routeIndex is the route table as fault rules name it: the methods of
// each route pattern (as /__mock/openapi.json names it), and the paths each
// serves, to tell the author of a rule that gives a path as its route
// which route that is.
type routeIndex struct {
	methods  map[string][]string // pattern → methods, in table order
	patterns []string            // in table order
	paths    map[string]*regexp.Regexp
	served   []string // every method some route is served for, HEAD included
}

var (
	routeIndexOnce sync.Once
	routeIndexOf   *routeIndex
)

// faultRouteIndex is built at first use (a variable's initializer could
// not refer to routes, whose handlers validate rules with it).
func faultRouteIndex() *routeIndex {
	routeIndexOnce.Do(func() { routeIndexOf = buildRouteIndex() })
	return routeIndexOf
}

func buildRouteIndex() *routeIndex {
	ix := &routeIndex{methods: map[string][]string{}, paths: map[string]*regexp.Regexp{}, served: []string{http.MethodHead}}
	for _, rt := range routes() {
		p := specPath(rt.path)
		if _, ok := ix.methods[p]; !ok {
			ix.patterns = append(ix.patterns, p)
			ix.paths[p] = routeRegexp(rt.path)
		}
		ix.methods[p] = append(ix.methods[p], rt.method)
		if !slices.Contains(ix.served, rt.method) {
			ix.served = append(ix.served, rt.method)
		}
	}
	slices.SortFunc(ix.served, func(a, b string) int { return methodRank(a) - methodRank(b) })
	return ix
}

// methodRank orders methods as people list them.
func methodRank(m string) int {
	if i := slices.Index([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}, m); i >= 0 {
		return i
	}
	return 6
}

// routeParam is a route's path variable, with its regexp if it has one.
var routeParam = regexp.MustCompile(`\{\w+(?::([^{}]*))?\}`)

// routeRegexp matches the paths a route serves: a variable is one segment,
// or what its regexp says.
func routeRegexp(path string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range routeParam.FindAllStringSubmatchIndex(path, -1) {
		b.WriteString(regexp.QuoteMeta(path[last:m[0]]))
		if m[2] >= 0 {
			b.WriteString("(?:" + path[m[2]:m[3]] + ")")
		} else {
			b.WriteString("[^/]+")
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(path[last:]) + "$")
	return regexp.MustCompile(b.String())
}

// check refuses a rule's method and route when no request could match
// them: a method no route is served for, a route that is not a pattern of
// the table (a path, say), a route not served for the method. A HEAD
// request is served as GET, so a HEAD rule may name a GET route.
func (ix *routeIndex) check(method, route string) error {
	m := strings.ToUpper(method)
	if method != "" && !slices.Contains(ix.served, m) {
		return badRequest("match.method %q is no method the mock serves a route for (%s)", method, strings.Join(ix.served, ", "))
	}
	if route == "" {
		return nil
	}
	methods, ok := ix.methods[route]
	if !ok {
		for _, p := range ix.patterns {
			if ix.paths[p].MatchString(route) && (m == "" || slices.Contains(ix.methods[p], m) || m == http.MethodHead && slices.Contains(ix.methods[p], http.MethodGet)) {
				return badRequest("match.route %q is not a route pattern: the mock serves that path by route %q; give that route, or the path as match.pathPrefix", route, p)
			}
		}
		return badRequest("match.route %q is no route the mock serves: a route is a pattern as GET /__mock/openapi.json names it, e.g. \"/v4/jobs/{jobId}\"", route)
	}
	if m != "" && !slices.Contains(methods, m) && !(m == http.MethodHead && slices.Contains(methods, http.MethodGet)) {
		return badRequest("match.method %q never matches route %q: it is served for %s only", method, route, strings.Join(methods, ", "))
	}
	return nil
}
