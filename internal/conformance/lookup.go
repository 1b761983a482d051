package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
)

// Helpers shared by the step definitions: looking up what the scenario
// remembers by the names its steps use, and the calls many steps begin or
// end with. A lookup returns the error of the first thing missing, so a
// failing step still says what it lacked.

// accountAndProject is the remembered service account alias and the run's
// project, for the steps that act on an account within the project.
func (w *world) accountAndProject(ctx context.Context, alias string) (*account, *projectInfo, error) {
	a, err := w.account(alias)
	if err != nil {
		return nil, nil, err
	}
	p, err := w.project(ctx)
	if err != nil {
		return nil, nil, err
	}
	return a, p, nil
}

// accountAndCaller is the remembered service account alias and the
// credential of who. The account is looked up first because it becomes
// "the service account" that who may name.
func (w *world) accountAndCaller(ctx context.Context, alias, who string) (*account, Credential, error) {
	a, err := w.account(alias)
	if err != nil {
		return nil, Credential{}, err
	}
	cred, err := w.caller(ctx, who)
	if err != nil {
		return nil, Credential{}, err
	}
	return a, cred, nil
}

// answerAbout checks that the last answer has the status want and is a JSON
// object, and looks up the remembered service account alias it should
// describe. The status comes first: when the call that should have made the
// account failed, the account is missing too, and the status says why.
func (w *world) answerAbout(alias string, want int) (*account, obj, error) {
	if err := expectStatus(w.resp, want); err != nil {
		return nil, nil, err
	}
	a, err := w.account(alias)
	if err != nil {
		return nil, nil, err
	}
	o, err := w.resp.Object()
	if err != nil {
		return nil, nil, err
	}
	return a, o, nil
}

// gitCredential is the last git credential the scenario added to alias.
func (w *world) gitCredential(alias string) (*gitCred, error) {
	c, ok := w.creds[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has no git credential of %q", alias)
	}
	return c, nil
}

// startedJob is the job the scenario started.
func (w *world) startedJob() (*job, error) {
	if w.job == nil {
		return nil, fmt.Errorf("the scenario has started no job")
	}
	return w.job, nil
}

// jobAndProject is the job the scenario started and the project it runs in,
// for the job routes that name both.
func (w *world) jobAndProject(ctx context.Context) (*job, *projectInfo, error) {
	j, err := w.startedJob()
	if err != nil {
		return nil, nil, err
	}
	p, err := w.project(ctx)
	if err != nil {
		return nil, nil, err
	}
	return j, p, nil
}

// mustGetObject is a GET that must answer 200 with a JSON object: a
// precondition, or a read the step checks; it is not the scenario's answer.
func (w *world) mustGetObject(ctx context.Context, path string, cred Credential) (obj, error) {
	r, err := w.must(ctx, http.MethodGet, path, cred, nil, http.StatusOK)
	if err != nil {
		return nil, err
	}
	return r.Object()
}

// findListed is the object of a list answer whose string field key is
// value; missing says what the list lacks when there is none.
func findListed(r *Response, key, value, missing string) (obj, error) {
	o, err := find(r, key, value)
	if err == nil && o == nil {
		err = fmt.Errorf("%s: %s", missing, r)
	}
	return o, err
}

// undoAfterwards schedules a call for the After hook that undoes something
// the scenario made. 404 means it is gone already; alsoDone lists other
// statuses to accept without a warning.
func (w *world) undoAfterwards(what, method, path string, cred Credential, alsoDone ...int) {
	w.afterwards(what, func(ctx context.Context) error {
		r, err := w.run.client.Do(ctx, method, path, cred, nil)
		if err != nil {
			return err
		}
		if r.Status >= 300 && r.Status != http.StatusNotFound && !slices.Contains(alsoDone, r.Status) {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
}
