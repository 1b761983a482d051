package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/mockdomino/mockdomino/internal/api"
)

// A run against a mockdomino must neither depend on how someone left it nor
// change it for good. Before the first scenario the runner sets what its
// scenarios need — jobs that complete at once, no fault rules — and saves
// the mock's clock and, when it is to restore the mock
// (Options.RestoreMock), its state (with secrets, which only the API proxy
// serves). After the last scenario, or at an interrupt, it puts back what it
// found: the state import brings back the clock too; without one, the clock
// is moved back (or set, if it was frozen) through POST /__mock/clock.

// movesClockTag marks the scenarios that move a mock's clock: the run puts
// it back, as it puts back the state.
const movesClockTag = "@moves-clock"

// runJobLifecycle is what the scenarios expect of jobs they do not hold:
// they complete, successfully, when first read (the mock's default).
var runJobLifecycle = map[string]any{"mode": "immediate", "finalStatus": "Succeeded"}

// runWorkspaceLifecycle is the workspaces' equivalent: a session runs, and
// stops, at the next read (the mock's default).
var runWorkspaceLifecycle = map[string]any{"mode": "immediate"}

// mockKeeper holds what the run found in a mock, to put it back.
type mockKeeper struct {
	client *Client
	cred   Credential // for the control routes: the administrator, or the proxy
	proxy  Credential // the proxy, for the state with its secrets

	lifecycle   json.RawMessage
	wsLifecycle json.RawMessage
	faults      []savedFault
	state       []byte // nil: the state is not restored
	clock       mockClock
}

// mockClock is GET /__mock/clock's answer: a frozen clock has no offset.
type mockClock struct {
	Now    string `json:"now"`
	Offset string `json:"offset"`
	Frozen bool   `json:"frozen"`
}

func (c mockClock) String() string {
	if c.Frozen {
		return "frozen at " + c.Now
	}
	return "offset " + c.Offset
}

// same says whether two readings show the clock where it was: a running
// clock's now moves on with the wall clock, its offset does not.
func (c mockClock) same(d mockClock) bool {
	if c.Frozen || d.Frozen {
		return c.Frozen == d.Frozen && c.Now == d.Now
	}
	return c.Offset == d.Offset
}

// savedFault is a fault rule as GET /__mock/faults lists it; match and
// effect are passed back as they came.
type savedFault struct {
	Match       json.RawMessage `json:"match"`
	Effect      json.RawMessage `json:"effect"`
	Times       int             `json:"times,omitempty"`
	Probability float64         `json:"probability,omitempty"`
	Fired       int             `json:"fired"`
}

// prepareMock saves what the run will change in the mock it runs against
// and sets what the scenarios need; the keeper puts it back.
func (r *run) prepareMock(ctx context.Context) (*mockKeeper, error) {
	restoreState := r.restoreMock
	if restoreState && r.target.APIProxy == "" {
		if !r.allowMockChanges {
			return nil, errors.New("to put the mock's state back after the run, the runner saves it with its secrets, which only the mock's API proxy serves: " +
				"give --api-proxy (DOMINO_API_PROXY), or --allow-mock-changes to leave the mock's state as the run leaves it")
		}
		r.warnf("the mock's state is not saved (no --api-proxy): it keeps what the run leaves (deactivated service accounts, archived projects, ...)")
		restoreState = false
	}
	k, err := r.keepMock(ctx, restoreState)
	if err != nil {
		return nil, fmt.Errorf("preparing the mock: %w", err)
	}
	return k, nil
}

// keepMock saves what the run will change in the mock and sets what the
// scenarios need. restoreState: save the state and clock too.
func (r *run) keepMock(ctx context.Context, restoreState bool) (*mockKeeper, error) {
	k := &mockKeeper{client: r.client, proxy: Anonymous().ViaProxy()}
	switch {
	case r.target.AdminAPIKey != "":
		k.cred = APIKey(r.target.AdminAPIKey, "the administrator")
	case r.target.APIProxy != "":
		k.cred = k.proxy
	default:
		return nil, errors.New("the mock's control routes need the administrator's API key (--admin-api-key) or its API proxy (--api-proxy)")
	}
	if err := k.getJSON(ctx, "/__mock/clock", k.cred, &k.clock); err != nil {
		return nil, err
	}
	if restoreState {
		state, err := k.client.do(ctx, http.MethodGet, "/__mock/state?secrets=true", k.proxy, nil, api.MaxStateBytes)
		if err == nil && state.Status != http.StatusOK {
			err = fmt.Errorf("%s", state)
		}
		if err != nil {
			return nil, fmt.Errorf("saving the mock's state: %w", err)
		}
		k.state = state.Body
	}
	lifecycle, err := k.call(ctx, http.MethodGet, "/__mock/jobs/lifecycle", k.cred, nil)
	if err != nil {
		return nil, err
	}
	k.lifecycle = lifecycle.Body
	wsLifecycle, err := k.call(ctx, http.MethodGet, "/__mock/workspaces/lifecycle", k.cred, nil)
	if err != nil {
		return nil, err
	}
	k.wsLifecycle = wsLifecycle.Body
	if err := k.getJSON(ctx, "/__mock/faults", k.cred, &k.faults); err != nil {
		return nil, err
	}
	if err := k.set(ctx); err != nil {
		// A set-up stopped half-way (by an interrupt, say) must not leave
		// the mock changed: what was saved is put back.
		return nil, errors.Join(err, k.restore(ctx))
	}
	return k, nil
}

// set makes the mock what the scenarios need.
func (k *mockKeeper) set(ctx context.Context) error {
	if _, err := k.call(ctx, http.MethodPut, "/__mock/jobs/lifecycle", k.cred, runJobLifecycle); err != nil {
		return err
	}
	if _, err := k.call(ctx, http.MethodPut, "/__mock/workspaces/lifecycle", k.cred, runWorkspaceLifecycle); err != nil {
		return err
	}
	_, err := k.call(ctx, http.MethodDelete, "/__mock/faults", k.cred, nil)
	return err
}

// restore puts back what keepMock found, even when ctx is done: an
// interrupted run still leaves the mock as it found it.
func (k *mockKeeper) restore(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	var errs []error
	if _, err := k.call(ctx, http.MethodDelete, "/__mock/faults", k.cred, nil); err != nil {
		errs = append(errs, err)
	}
	if k.state != nil {
		// The state document holds the lifecycles too; setting them again
		// afterwards would make a new one, and a different document.
		if _, err := k.call(ctx, http.MethodPut, "/__mock/state", k.proxy, k.state); err != nil {
			errs = append(errs, err)
		}
	} else {
		if _, err := k.call(ctx, http.MethodPut, "/__mock/jobs/lifecycle", k.cred, []byte(k.lifecycle)); err != nil {
			errs = append(errs, err)
		}
		if _, err := k.call(ctx, http.MethodPut, "/__mock/workspaces/lifecycle", k.cred, []byte(k.wsLifecycle)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := k.restoreClock(ctx); err != nil {
		errs = append(errs, err)
	}
	// A rule is put back with what it had left to do; one that was spent
	// has nothing left, and is not.
	for _, f := range k.faults {
		times := f.Times
		if times > 0 {
			if times -= f.Fired; times <= 0 {
				continue
			}
		}
		rule := savedFault{Match: f.Match, Effect: f.Effect, Times: times, Probability: f.Probability}
		body := map[string]any{"match": rule.Match, "effect": rule.Effect}
		if rule.Times > 0 {
			body["times"] = rule.Times
		}
		if rule.Probability > 0 {
			body["probability"] = rule.Probability
		}
		if _, err := k.call(ctx, http.MethodPost, "/__mock/faults", k.cred, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// restoreClock puts the clock back where the run found it, if the state
// import has not: set there if it was frozen, else moved by the difference
// of the offsets (after resuming it, if a scenario froze it).
func (k *mockKeeper) restoreClock(ctx context.Context) error {
	var now mockClock
	if err := k.getJSON(ctx, "/__mock/clock", k.cred, &now); err != nil {
		return err
	}
	if now.same(k.clock) {
		return nil
	}
	if k.clock.Frozen {
		if err := k.postClock(ctx, map[string]any{"set": k.clock.Now, "frozen": true}, &now); err != nil {
			return err
		}
	} else {
		if now.Frozen {
			if err := k.postClock(ctx, map[string]any{"frozen": false}, &now); err != nil {
				return err
			}
		}
		was, err1 := time.ParseDuration(k.clock.Offset)
		is, err2 := time.ParseDuration(now.Offset)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("GET /__mock/clock: %v", err)
		}
		if was != is {
			if err := k.postClock(ctx, map[string]any{"advance": (was - is).String()}, &now); err != nil {
				return err
			}
		}
	}
	if !now.same(k.clock) {
		return fmt.Errorf("the mock's clock could not be put back: it is at %s, and was at %s", now, k.clock)
	}
	return nil
}

func (k *mockKeeper) postClock(ctx context.Context, body map[string]any, into *mockClock) error {
	resp, err := k.call(ctx, http.MethodPost, "/__mock/clock", k.cred, body)
	if err != nil {
		return fmt.Errorf("putting the mock's clock back: %w", err)
	}
	if err := json.Unmarshal(resp.Body, into); err != nil {
		return fmt.Errorf("POST /__mock/clock: %v", err)
	}
	return nil
}

// call makes one control call, which must succeed.
func (k *mockKeeper) call(ctx context.Context, method, path string, cred Credential, body any) (*Response, error) {
	resp, err := k.client.Do(ctx, method, path, cred, body)
	if err != nil {
		return nil, err
	}
	if resp.Status >= 300 {
		return nil, fmt.Errorf("%s", resp)
	}
	return resp, nil
}

func (k *mockKeeper) getJSON(ctx context.Context, path string, cred Credential, into any) error {
	resp, err := k.call(ctx, http.MethodGet, path, cred, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(resp.Body, into); err != nil {
		return fmt.Errorf("GET %s: %v", path, err)
	}
	return nil
}
