package conformance

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// world is the state of one scenario. A new one is made for every scenario;
// nothing is shared between scenarios except the read-only run.
type world struct {
	run *run
	n   int64    // this scenario's number in the run, part of every name it creates
	sf  *surface // the surface its account, token and git-credential steps use
	// pageStart is where in the whole list a page the scenario asked for starts.
	pageStart int

	accounts map[string]*account // by the alias the scenario uses
	current  *account            // "the service account": the last one made or named
	tokens   map[string]*token   // by token name
	deleted  map[string]string   // token name → value of the deleted token
	creds    map[string]*gitCred // by account alias: its last git credential
	sentCred *gitCred            // the credential the last call tried to add
	job      *job
	made     *madeProjects // the projects the scenario made (steps_projects.go)
	own      *projectInfo  // the scenario's own project, if it made one (ownProject)
	files    fileWorld     // steps_files.go
	runs     runWorld      // steps_runs.go
	sched    *schedWorld   // steps_scheduled.go

	resp        *Response // the answer to the last action
	forged      string    // a forged token
	accessToken string    // from the proxy's /access-token

	cleanups []cleanup
}

type account struct {
	alias, username, email, id, idpID string
}

type token struct {
	name    string
	acct    *account
	value   string
	created obj  // the create answer
	invalid bool // invalidated, deleted or its account deactivated
}

type gitCred struct {
	id, name, secret string
	acct             *account
}

type job struct {
	id      string
	command string
}

// cleanup undoes one thing a scenario made, in the After hook, newest first.
type cleanup struct {
	what string
	do   func(ctx context.Context) error
}

func newWorld(r *run) *world {
	return &world{
		run:      r,
		sf:       surfaceV4,
		n:        r.counter.Add(1),
		accounts: map[string]*account{},
		tokens:   map[string]*token{},
		deleted:  map[string]string{},
		creds:    map[string]*gitCred{},
	}
}

// afterwards schedules an undo for the After hook.
func (w *world) afterwards(what string, do func(ctx context.Context) error) {
	w.cleanups = append(w.cleanups, cleanup{what: what, do: do})
}

// cleanUp runs the cleanups, newest first. Failures are reported, not fatal:
// the scenario's verdict is about the behaviour, not the tidying.
func (w *world) cleanUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	for i := len(w.cleanups) - 1; i >= 0; i-- {
		c := w.cleanups[i]
		if err := c.do(ctx); err != nil {
			w.run.warnf("cleanup of scenario %d: %s: %v", w.n, c.what, err)
		}
	}
	w.cleanups = nil
}

// ---- names ----

// uniqueName makes a name that no other run and no other scenario uses:
// <run prefix>-<scenario number>-<alias>.
func (w *world) uniqueName(alias string) string {
	return fmt.Sprintf("%s-%d-%s", w.run.prefix, w.n, alias)
}

// uniqueEmail keeps the domain and plus-address of an example email and
// makes its local part unique to this run and scenario.
func (w *world) uniqueEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok {
		return email
	}
	return w.uniqueName(local) + "@" + domain
}

// expand replaces {alias} in a text with the username of that account.
var aliasRE = regexp.MustCompile(`\{([^}]+)\}`)

func (w *world) expand(s string) (string, error) {
	var err error
	out := aliasRE.ReplaceAllStringFunc(s, func(m string) string {
		a, e := w.account(m[1 : len(m)-1])
		if e != nil {
			err = e
			return m
		}
		return a.username
	})
	return out, err
}

// ---- lookups ----

func (w *world) account(alias string) (*account, error) {
	a, ok := w.accounts[alias]
	if !ok {
		return nil, fmt.Errorf("the scenario has no service account %q", alias)
	}
	w.current = a
	return a, nil
}

func (w *world) token(name string) (*token, error) {
	t, ok := w.tokens[name]
	if !ok {
		return nil, fmt.Errorf("the scenario has no token %q", name)
	}
	return t, nil
}

func (w *world) currentAccount() (*account, error) {
	if w.current == nil {
		return nil, fmt.Errorf("the scenario has no service account yet")
	}
	return w.current, nil
}

// ---- callers ----

// callerRE matches every way a step can name who is calling.
const callerRE = `(the administrator|a non-admin user|an unauthenticated caller|the service account|` +
	`a caller with the token "[^"]+"|a caller with a bearer credential "[^"]+"|a caller with an API key "[^"]+"|` +
	`a caller through the API proxy with the token "[^"]+"|a caller through the API proxy)`

var quotedRE = regexp.MustCompile(`"([^"]+)"`)

func (w *world) admin() Credential { return APIKey(w.run.target.AdminAPIKey, "the administrator") }

func (w *world) caller(ctx context.Context, who string) (Credential, error) {
	quoted := ""
	if m := quotedRE.FindStringSubmatch(who); m != nil {
		quoted = m[1]
	}
	switch {
	case who == "the administrator":
		if w.run.target.AdminAPIKey == "" {
			return Credential{}, fmt.Errorf("no administrator API key is configured")
		}
		return w.admin(), nil
	case who == "a non-admin user":
		if w.run.target.UserAPIKey == "" {
			return Credential{}, fmt.Errorf("no non-admin API key is configured")
		}
		return APIKey(w.run.target.UserAPIKey, who), nil
	case who == "an unauthenticated caller":
		return Anonymous(), nil
	case who == "the service account":
		t, err := w.usableToken(ctx)
		if err != nil {
			return Credential{}, err
		}
		return Bearer(t.value, fmt.Sprintf("service account %q with token %q", t.acct.alias, t.name)), nil
	case strings.HasPrefix(who, "a caller with the token "):
		t, err := w.token(quoted)
		if err != nil {
			return Credential{}, err
		}
		w.current = t.acct
		return Bearer(t.value, fmt.Sprintf("a caller with the token %q", quoted)), nil
	case strings.HasPrefix(who, "a caller with a bearer credential "):
		return Bearer(quoted, who), nil
	case strings.HasPrefix(who, "a caller with an API key "):
		return APIKey(quoted, who), nil
	case strings.HasPrefix(who, "a caller through the API proxy with the token "):
		t, err := w.token(quoted)
		if err != nil {
			return Credential{}, err
		}
		w.current = t.acct
		return Bearer(t.value, fmt.Sprintf("a caller with the token %q", quoted)).ViaProxy(), nil
	case who == "a caller through the API proxy":
		return Anonymous().ViaProxy(), nil
	}
	return Credential{}, fmt.Errorf("unknown caller %q", who)
}

// usableToken returns a token of the current service account that the
// scenario has not invalidated, making one if there is none.
func (w *world) usableToken(ctx context.Context) (*token, error) {
	a, err := w.currentAccount()
	if err != nil {
		return nil, err
	}
	for _, t := range w.tokens {
		if t.acct == a && !t.invalid {
			return t, nil
		}
	}
	return w.makeToken(ctx, a, fmt.Sprintf("auto-%d", len(w.tokens)+1))
}

// ---- calls ----

// call makes one call and remembers the answer as the scenario's last.
func (w *world) call(ctx context.Context, method, path string, cred Credential, body any) (*Response, error) {
	r, err := w.run.client.Do(ctx, method, path, cred, body)
	if err != nil {
		return nil, err
	}
	w.resp = r
	return r, nil
}

// must makes a call that is a precondition: it has to answer want.
func (w *world) must(ctx context.Context, method, path string, cred Credential, body any, want int) (*Response, error) {
	r, err := w.run.client.Do(ctx, method, path, cred, body)
	if err != nil {
		return nil, err
	}
	if r.Status != want {
		return nil, fmt.Errorf("precondition failed: as %s, want %d: %s", cred, want, r)
	}
	return r, nil
}

// ---- preconditions shared by many steps ----

// makeAccount creates a service account as the administrator, remembers it
// and arranges its deactivation after the scenario.
func (w *world) makeAccount(ctx context.Context, alias string) (*account, error) {
	username := w.uniqueName(alias)
	delete(w.accounts, alias)
	if err := w.postAccount(ctx, w.admin(), alias, map[string]string{"username": username, "email": username + "@example.com"}); err != nil {
		return nil, err
	}
	a, ok := w.accounts[alias]
	if want := w.sf.status(w.run.profile, opCreateAccount); !ok || w.resp.Status != want {
		return nil, fmt.Errorf("precondition failed: creating service account %s: want %d with its ids: %s", username, want, w.resp)
	}
	return a, nil
}

// makeToken creates a token as the administrator and schedules its deletion.
func (w *world) makeToken(ctx context.Context, a *account, name string) (*token, error) {
	r, err := w.must(ctx, http.MethodPost, w.sf.account(a.idpID, "tokens"), w.admin(),
		map[string]string{"name": name}, w.sf.status(w.run.profile, opCreateToken))
	if err != nil {
		return nil, err
	}
	return w.rememberToken(a, name, r)
}

func (w *world) rememberToken(a *account, name string, r *Response) (*token, error) {
	o, err := r.Object()
	if err != nil {
		return nil, err
	}
	value, err := o.nonEmpty("token")
	if err != nil {
		return nil, err
	}
	t := &token{name: name, acct: a, value: value, created: o}
	w.tokens[name] = t
	sf := w.sf
	w.afterwards(fmt.Sprintf("delete token %q of %s", name, a.username), func(ctx context.Context) error {
		r, err := w.run.client.Do(ctx, http.MethodDelete, sf.account(a.idpID, "tokens", name), w.admin(), nil)
		if err != nil {
			return err
		}
		if r.Status >= 300 && r.Status != http.StatusNotFound {
			return fmt.Errorf("%s", r)
		}
		return nil
	})
	return t, nil
}

// spoil marks tokens the scenario made unusable, so that "the service
// account" never calls with them: one token by name, or all of an account's.
func (w *world) spoil(a *account, name string) {
	for n, t := range w.tokens {
		if t.acct == a && (name == "" || n == name) {
			t.invalid = true
		}
	}
}
