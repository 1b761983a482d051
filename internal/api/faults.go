package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
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
