package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/cucumber/godog"
)

// Steps for the mock's control routes (/__mock/...). Only scenarios tagged
// @mock-only use them; on the API host they need the administrator's key.

func registerMockSteps(sc *godog.ScenarioContext, w *world) {
	sc.When(`^`+callerRE+` asks for the mock's health$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/__mock/health", nil)
	})
	sc.When(`^`+callerRE+` reads the mock's clock$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/__mock/clock", nil)
	})
	sc.Then(`^the mock is healthy$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.equal("status", "ok")
	})
	sc.Then(`^the secret appears neither in the mock's journal nor in its state$`, func(ctx context.Context) error {
		if w.sentCred == nil {
			return fmt.Errorf("the scenario sent no git credential")
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return fmt.Errorf("adding the git credential: %w", err)
		}
		for _, path := range []string{"/__mock/journal", "/__mock/state"} {
			r, err := w.must(ctx, http.MethodGet, path, w.admin(), nil, http.StatusOK)
			if err != nil {
				return err
			}
			if bytes.Contains(r.Body, []byte(w.sentCred.secret)) {
				return fmt.Errorf("the git secret appears in %s", path)
			}
			// Not a vacuous pass: a journal that keeps entries recorded the call.
			var journal struct{ Capacity int }
			if path == "/__mock/journal" && json.Unmarshal(r.Body, &journal) == nil && journal.Capacity > 0 &&
				!bytes.Contains(r.Body, []byte(w.sentCred.name)) {
				return fmt.Errorf("the journal does not record the call that added the credential %s", w.sentCred.name)
			}
		}
		return nil
	})
	sc.When(`^the mock's clock moves forward by (\d+) days$`, func(ctx context.Context, days int) error {
		_, err := w.must(ctx, http.MethodPost, "/__mock/clock", w.admin(),
			map[string]string{"advance": fmt.Sprintf("%dh", days*24)}, http.StatusOK)
		return err
	})
	sc.Given(`^the mock holds each job at each stage until it is advanced$`, func(ctx context.Context) error {
		return w.setLifecycle(ctx, map[string]any{"mode": "manual"})
	})
	sc.Given(`^the mock's jobs print "([^"]*)"$`, func(ctx context.Context, stdout string) error {
		return w.setLifecycle(ctx, map[string]any{"mode": "immediate", "stdout": stdout})
	})
	sc.When(`^the mock advances the job$`, func(ctx context.Context) error {
		j, err := w.startedJob()
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPost, "/__mock/jobs/"+j.id+"/advance", w.admin(), nil, http.StatusOK)
		return err
	})
}

// setLifecycle changes how the mock runs jobs started from now on, and puts
// the previous setting back after the scenario.
func (w *world) setLifecycle(ctx context.Context, lifecycle map[string]any) error {
	r, err := w.must(ctx, http.MethodGet, "/__mock/jobs/lifecycle", w.admin(), nil, http.StatusOK)
	if err != nil {
		return err
	}
	var previous map[string]any
	if err := json.Unmarshal(r.Body, &previous); err != nil {
		return fmt.Errorf("reading the job lifecycle: %w", err)
	}
	if _, err := w.must(ctx, http.MethodPut, "/__mock/jobs/lifecycle", w.admin(), lifecycle, http.StatusOK); err != nil {
		return err
	}
	w.afterwards("restore the mock's job lifecycle", func(ctx context.Context) error {
		_, err := w.must(ctx, http.MethodPut, "/__mock/jobs/lifecycle", w.admin(), previous, http.StatusOK)
		return err
	})
	return nil
}
