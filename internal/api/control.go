package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

func health(q *request) (int, any, error) {
	// externalUrl lets the conformance runner check the tokens' iss
	// against a mock started with --external-url.
	// profileSettings lets it expect a file profile it cannot load by name.
	body := map[string]any{"status": "ok", "profile": q.st.Profile().Name, "externalUrl": q.st.ExternalURL(), "profileSettings": q.st.Profile()}
	// A mock that refuses every change (its state directory failed) is not
	// healthy, though it still answers reads.
	if err := q.st.Refusal(); err != nil {
		body["status"], body["reason"] = "unavailable", err.Error()
		return http.StatusServiceUnavailable, body, nil
	}
	return http.StatusOK, body, nil
}

func reset(q *request) (int, any, error) {
	return http.StatusOK, map[string]any{"status": "reset"}, q.st.Reset()
}

// exportState answers the whole state; secrets only with ?secrets=true on
// the proxy listener, which only a local user can reach.
func exportState(q *request) (int, any, error) {
	secrets, err := boolParam(q, "secrets")
	if err != nil {
		return 0, nil, err
	}
	if secrets && q.listener != Proxy {
		return 0, nil, &store.Error{Kind: store.KindForbidden, Message: "Forbidden: secrets=true is only served on the proxy listener"}
	}
	return http.StatusOK, q.st.Export(secrets), nil
}

func importState(q *request) (int, any, error) {
	var snap store.Snapshot
	if err := decode(q, &snap); err != nil {
		return 0, nil, err
	}
	if err := q.st.Import(snap); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"status": "imported", "users": len(snap.Users), "tokens": len(snap.Tokens), "projects": len(snap.Projects), "jobs": len(snap.Jobs)}, nil
}

// clockBody is the clock's time and whether it is frozen, and, while it
// runs, its offset from the wall clock (a frozen clock's would change with
// the wall clock, and with it every answer).
func clockBody(now time.Time, c *store.Clock) map[string]any {
	st := c.State()
	if st.Frozen() {
		return map[string]any{"now": store.Time(now), "frozen": true}
	}
	return map[string]any{"now": store.Time(now), "offset": st.Offset.String(), "frozen": false}
}

func getClock(q *request) (int, any, error) {
	c := q.st.Clock()
	return http.StatusOK, clockBody(c.Now(), c), nil
}

// moveClock moves the clock by advance (negative: back) or to set, then
// freezes or resumes it as frozen says.
func moveClock(q *request) (int, any, error) {
	var in struct {
		Advance *store.Duration `json:"advance"`
		Set     *time.Time      `json:"set"`
		Frozen  *bool           `json:"frozen"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if (in.Advance == nil || *in.Advance == 0) && in.Set == nil && in.Frozen == nil {
		return 0, nil, badRequest(`advance, set or frozen is required: {"advance":"2904h"} (negative moves back), {"set":"2026-01-01T00:00:00Z"}, {"frozen":true}`)
	}
	m := store.ClockMove{Set: in.Set, Frozen: in.Frozen}
	if in.Advance != nil {
		m.Advance = time.Duration(*in.Advance)
	}
	now, err := q.st.MoveClock(m)
	return http.StatusOK, clockBody(now, q.st.Clock()), err
}

func getLifecycle(q *request) (int, any, error) {
	return http.StatusOK, q.st.JobLifecycle(), nil
}

func setLifecycle(q *request) (int, any, error) {
	var in store.JobLifecycle
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	l, err := q.st.SetJobLifecycle(in)
	return http.StatusOK, l, err
}

func advanceJob(q *request) (int, any, error) {
	j, err := q.st.AdvanceJob(q.vars("jobId"))
	return http.StatusOK, jobV4(j), err
}

func getJournal(q *request) (int, any, error) {
	v := q.URL.Query()
	f := JournalFilter{Method: v.Get("method"), PathPrefix: v.Get("path"), Caller: v.Get("caller")}
	for name, dst := range map[string]*int{"status": &f.Status, "limit": &f.Limit} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return 0, nil, badRequest("query parameter %s must be a whole number, not %q", name, clipPath(s))
			}
			*dst = n
		}
	}
	entries, dropped := q.journal.Entries(f)
	return http.StatusOK, map[string]any{"entries": entries, "count": len(entries), "dropped": dropped, "capacity": q.journal.size}, nil
}

func clearJournal(q *request) (int, any, error) {
	q.journal.Clear()
	return http.StatusOK, map[string]any{"status": "cleared"}, nil
}

func addFault(q *request) (int, any, error) {
	var raw json.RawMessage
	if err := decode(q, &raw); err != nil {
		return 0, nil, err
	}
	in, err := parseFaultRule(raw)
	if err != nil {
		return 0, nil, err
	}
	r, err := q.faults.Add(in)
	return http.StatusCreated, r, err
}

func removeFault(q *request) (int, any, error) {
	r, err := q.faults.Remove(q.vars("faultId"))
	return http.StatusOK, r, err
}

func listFaults(q *request) (int, any, error) {
	return http.StatusOK, q.faults.List(), nil
}

func clearFaults(q *request) (int, any, error) {
	q.faults.Clear()
	return http.StatusOK, map[string]any{"status": "cleared"}, nil
}
