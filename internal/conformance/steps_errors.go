package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cucumber/godog"
)

// rejections maps the words of a rejection to its status.
var rejections = map[string]int{
	"unauthenticated":              http.StatusUnauthorized,
	"forbidden":                    http.StatusForbidden,
	"not found":                    http.StatusNotFound,
	"too large":                    http.StatusRequestEntityTooLarge,
	"a method that is not allowed": http.StatusMethodNotAllowed,
	"a bad request":                http.StatusBadRequest,
}

// oversized is a JSON value just over the 1 MiB limit on bodies.
func oversized() string { return strings.Repeat("x", 1<<20+1024) }

func registerErrorSteps(sc *godog.ScenarioContext, w *world) {
	sc.Then(`^the call is rejected as (unauthenticated|forbidden|not found|too large|a method that is not allowed|a bad request)$`, func(what string) error {
		return expectStatus(w.resp, rejections[what])
	})
	sc.Then(`^the call is rejected as a bad request about "([^"]*)"$`, func(field string) error {
		if err := expectStatus(w.resp, http.StatusBadRequest); err != nil {
			return err
		}
		return w.messageNames(field)
	})
	sc.Then(`^the call is rejected as a bad request or not found$`, func() error {
		if w.resp.Status == http.StatusNotFound {
			return expectStatus(w.resp, http.StatusNotFound)
		}
		return expectStatus(w.resp, http.StatusBadRequest)
	})
	sc.Then(`^the call succeeds$`, func() error {
		return expectStatus(w.resp, http.StatusOK)
	})
	sc.Then(`^the error has the v4 shape$`, func() error {
		_, err := v4Error(w.resp)
		return err
	})
	sc.Then(`^the error has the public API shape \{"error"\}$`, func() error {
		_, err := publicAPIError(w.resp)
		return err
	})
	sc.Then(`^the error has the public API shape \{"requestId", "errors"\}$`, func() error {
		_, err := publicAPIErrors(w.resp)
		return err
	})

	sc.When(`^the administrator calls a v4 route that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/noSuchThing/"+w.uniqueName("x"), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator calls a public API route that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/api/noSuchThing/v1/"+w.uniqueName("x"), w.admin(), nil)
		return err
	})
	sc.When(`^the administrator uses a method that the service accounts route does not allow$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodPut, "/v4/serviceAccounts", w.admin(), map[string]string{})
		return err
	})
	sc.When(`^the administrator uses a method that the public API's self route does not allow$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodPut, "/api/users/v1/self", w.admin(), map[string]string{})
		return err
	})
	sc.When(`^the administrator creates a service account with a body that is not valid JSON$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodPost, "/v4/serviceAccounts", w.admin(), []byte(`{"username": `))
		return err
	})
	sc.When(`^the administrator creates a service account with a number as its username$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodPost, "/v4/serviceAccounts", w.admin(),
			[]byte(fmt.Sprintf(`{"username": 42, "email": %q}`, w.uniqueName("typed")+"@example.com")))
		return err
	})
	sc.When(`^the administrator creates a service account with a body larger than 1 MiB$`, func(ctx context.Context) error {
		username := w.uniqueName("huge")
		return w.postAccount(ctx, w.admin(), "huge", map[string]string{
			"username": username, "email": username + "@example.com", "description": oversized()})
	})
	sc.When(`^the administrator starts a job with a body that is not valid JSON$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodPost, "/api/jobs/v1/jobs", w.admin(), []byte(`{"projectId": `))
		return err
	})
	sc.When(`^the administrator starts a job with a body larger than 1 MiB$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		return w.postJob(ctx, "the administrator", "/api/jobs/v1/jobs",
			map[string]string{"projectId": p.id, "runCommand": "main.py", "title": oversized()}, "main.py")
	})
}
