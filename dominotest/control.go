package dominotest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/store"
)

// AdvanceJob moves a job one stage on, Queued to Running to its
// lifecycle's final status, whatever its lifecycle's mode (with "manual",
// nothing else moves it), and returns its status after the move.
func (s *Server) AdvanceJob(t testing.TB, jobID string) (status string) {
	t.Helper()
	v, err := s.AdvanceJobE(jobID)
	check(t, err)
	return v
}

// AdvanceJobE is AdvanceJob returning its error: no such job, or it has
// finished.
func (s *Server) AdvanceJobE(jobID string) (status string, err error) {
	j, err := s.srv.Store().AdvanceJob(jobID)
	if err != nil {
		return "", fail("AdvanceJob", err)
	}
	return j.Status, nil
}

// Fault is a fault rule, as POST /__mock/faults takes it: the requests it
// matches (empty fields match every one) and what it does to them. A Delay
// comes first; then the request is answered Status with Message in the
// route's error shape, or its connection dropped (Drop), or, with a Delay
// alone, served.
type Fault struct {
	Method     string // e.g. "POST"
	Route      string // a route as /__mock/openapi.json names it, e.g. "/v4/serviceAccounts/{idpId}/tokens"
	PathPrefix string // the start of the request's path
	Caller     string // the user name of the caller

	Status  int    // 400 to 599
	Message string // at most 4 KiB
	Delay   time.Duration
	Drop    bool // close the connection with no answer

	Times       int     // how many matching requests it affects; 0 is every one
	Probability float64 // when set (0 < p ≤ 1), the chance each match is affected

	ID    string // given by AddFault
	Fired int    // how many requests it affected, in Faults
}

// AddFault installs a fault rule and returns its id.
func (s *Server) AddFault(t testing.TB, f Fault) (id string) {
	t.Helper()
	v, err := s.AddFaultE(f)
	check(t, err)
	return v
}

// AddFaultE is AddFault returning its error: the rule is invalid (a
// Method or Route the mock does not serve, a path given as the Route, ...),
// or there are too many.
func (s *Server) AddFaultE(f Fault) (id string, err error) {
	r, err := s.srv.Faults().Add(api.FaultRule{
		Match: api.FaultMatch{Method: f.Method, Route: f.Route, PathPrefix: f.PathPrefix, Caller: f.Caller},
		Do:    api.FaultEffect{Status: f.Status, Message: f.Message, Delay: store.Duration(f.Delay), Drop: f.Drop},
		Times: f.Times, Probability: f.Probability,
	})
	if err != nil {
		return "", fail("AddFault", err)
	}
	return r.ID, nil
}

// RemoveFault removes one fault rule, by the id AddFault returned; the
// others stay.
func (s *Server) RemoveFault(t testing.TB, id string) {
	t.Helper()
	check(t, s.RemoveFaultE(id))
}

// RemoveFaultE is RemoveFault returning its error: no rule has that id.
func (s *Server) RemoveFaultE(id string) error {
	if _, err := s.srv.Faults().Remove(id); err != nil {
		return fail("RemoveFault", err)
	}
	return nil
}

// Faults are the fault rules installed, spent ones too, with how often
// each fired.
func (s *Server) Faults() []Fault {
	var out []Fault
	for _, r := range s.srv.Faults().List() {
		out = append(out, Fault{Method: r.Match.Method, Route: r.Match.Route, PathPrefix: r.Match.PathPrefix, Caller: r.Match.Caller,
			Status: r.Do.Status, Message: r.Do.Message, Delay: time.Duration(r.Do.Delay), Drop: r.Do.Drop,
			Times: r.Times, Probability: r.Probability, ID: r.ID, Fired: r.Fired})
	}
	return out
}

// ClearFaults removes every fault rule.
func (s *Server) ClearFaults() { s.srv.Faults().Clear() }

// JournalEntry is one request the mock served, as GET /__mock/journal
// lists it. Control routes (/__mock/) are not journaled; credentials never
// are.
type JournalEntry struct {
	Seq      int64     // 1 for the first request served, 2 for the next (ClearJournal does not restart it)
	Time     time.Time // when it arrived, by the machine's clock (not the mock's)
	Listener string    // "api" or "proxy"
	Method   string
	Path     string
	Query    string
	Route    string // the route it matched, e.g. "/v4/jobs/{jobId}"; "" for none
	Auth     string // how it authenticated: "bearer", "api-key", "proxy" or "none"
	Caller   string // the caller's user name; "" when it was refused
	// Status is the status answered; 0 when no answer reached the client
	// (a dropped connection).
	Status    int
	Duration  time.Duration
	RequestID string
	// Body is a JSON body with its secret fields (token, password, key,
	// passphrase, apiKey, secret, value) "<redacted>"; BodyText says why
	// a body that is not JSON is not shown.
	Body     json.RawMessage
	BodyText string
	Fault    string // the id of the fault rule that fired, if one did
	// Refusal says why a 401 or 403 was answered: "unknown API key",
	// "service account ci-bot is deactivated", "token \"t1\" of service
	// account ci-bot was invalidated", "alice may not access project …", ...
	// The answer itself says no more than Domino does.
	Refusal string
}

// JournalFilter selects journal entries; empty fields select every one.
type JournalFilter struct {
	Method     string
	PathPrefix string
	Route      string // e.g. "/v4/serviceAccounts/{idpId}/tokens"
	Caller     string
	Status     int
	Limit      int // the newest Limit entries; 0 is all
}

// Journal is the requests the mock served (the newest 1,000), oldest
// first.
func (s *Server) Journal(f JournalFilter) []JournalEntry {
	limit := f.Limit
	if f.Route != "" {
		limit = 0 // limited once the route has selected
	}
	entries, _ := s.srv.Journal().Entries(api.JournalFilter{Method: f.Method, PathPrefix: f.PathPrefix, Caller: f.Caller,
		Status: f.Status, Limit: limit})
	var out []JournalEntry
	for _, e := range entries {
		if f.Route != "" && e.Route != f.Route {
			continue
		}
		out = append(out, JournalEntry{Seq: e.Seq, Time: e.Time, Listener: e.Listener, Method: e.Method, Path: e.Path,
			Query: e.Query, Route: e.Route, Auth: e.Auth, Caller: e.Caller, Status: e.Status,
			Duration: time.Duration(e.DurationMs * float64(time.Millisecond)), RequestID: e.RequestID,
			Body: e.Body, BodyText: e.BodyText, Fault: e.Fault, Refusal: e.Refusal})
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out
}

// ClearJournal empties the journal.
func (s *Server) ClearJournal() { s.srv.Journal().Clear() }
