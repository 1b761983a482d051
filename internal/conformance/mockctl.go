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
// scenarios need — jobs that complete at once, no fault rules — and, when
// it is to restore the mock (Options.RestoreMock), saves its state (with
// secrets, which only the API proxy serves) and clock. After the last
// scenario, or at an interrupt, it puts back what it found.
//
// The clock is in the state document, but a state import moves the clock
// only forward (so it never undoes time a client has seen pass). The
// scenarios that move it (@moves-clock) therefore run against such a mock
// only with AllowMockChanges, and the runner says when the clock stays
// ahead; a mock whose import sets the clock back is restored whole by the
// same import.

// movesClockTag marks the scenarios that move a mock's clock forward.
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
	state       []byte        // nil: the state is not restored
	offset      time.Duration // the clock's, when the state is restored
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
	if restoreState {
		var clock struct{ Offset string }
		if err := k.getJSON(ctx, "/__mock/clock", k.cred, &clock); err != nil {
			return nil, err
		}
		offset, err := time.ParseDuration(clock.Offset)
		if err != nil {
			return nil, fmt.Errorf("GET /__mock/clock: offset %q: %v", clock.Offset, err)
		}
		state, err := k.client.do(ctx, http.MethodGet, "/__mock/state?secrets=true", k.proxy, nil, api.MaxStateBytes)
		if err == nil && state.Status != http.StatusOK {
			err = fmt.Errorf("%s", state)
		}
		if err != nil {
			return nil, fmt.Errorf("saving the mock's state: %w", err)
		}
		k.state, k.offset = state.Body, offset
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
		return nil, errors.Join(err, k.restore(ctx, r.warnf))
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
// interrupted run still leaves the mock as it found it. warn receives what it
// can only report: a clock the import could not move back.
func (k *mockKeeper) restore(ctx context.Context, warn func(format string, args ...any)) error {
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
		var clock struct{ Offset string }
		if err := k.getJSON(ctx, "/__mock/clock", k.cred, &clock); err != nil {
			errs = append(errs, err)
		} else if offset, err := time.ParseDuration(clock.Offset); err != nil {
			errs = append(errs, fmt.Errorf("GET /__mock/clock: offset %q: %v", clock.Offset, err))
		} else if offset != k.offset {
			warn("the mock's clock stays %s ahead of where the run found it (offset %s, was %s): its state import moves the clock only forward",
				offset-k.offset, offset, k.offset)
		}
	} else {
		if _, err := k.call(ctx, http.MethodPut, "/__mock/jobs/lifecycle", k.cred, []byte(k.lifecycle)); err != nil {
			errs = append(errs, err)
		}
		if _, err := k.call(ctx, http.MethodPut, "/__mock/workspaces/lifecycle", k.cred, []byte(k.wsLifecycle)); err != nil {
			errs = append(errs, err)
		}
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
