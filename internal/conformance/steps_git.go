package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
)

// secretFields are the request fields that carry a git secret; none may
// ever come back.
var secretFields = []string{"token", "password", "key", "passphrase"}

func gitCredsPath(userID string, rest ...string) string {
	p := "/v4/accounts/" + userID + "/gitcredentials"
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

func mappingPath(projectID, repoID string) string {
	return "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
}

func randomSecret(kind string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "conformance-" + kind + "-secret-" + hex.EncodeToString(b)
}

// gitCredentialBody is what Domino's clients send for each kind of credential.
func gitCredentialBody(kind, name, provider, secret string) map[string]any {
	body := map[string]any{"name": name, "gitServiceProvider": provider, "accessType": kind}
	switch kind {
	case "token":
		body["token"] = secret
		body["type"] = "TokenGitCredentialDto"
	case "password":
		body["username"] = "conformance"
		body["password"] = secret
		body["type"] = "PasswordGitCredentialDto"
	case "key":
		body["key"] = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + secret + "\n-----END OPENSSH PRIVATE KEY-----\n"
		body["passphrase"] = secret + "-passphrase"
		body["type"] = "SshGitCredentialDto"
	}
	return body
}

func registerGitSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^"([^"]*)" has a (token|password|key) git credential$`, func(ctx context.Context, alias, kind string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if err := w.addGitCredential(ctx, w.admin(), a, kind, "github"); err != nil {
			return err
		}
		if _, ok := w.creds[alias]; !ok || w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: adding a git credential: %s", w.resp)
		}
		return nil
	})
	sc.When(`^`+callerRE+` adds a (token|password|key) git credential to "([^"]*)"$`, func(ctx context.Context, who, kind, alias string) error {
		a, cred, err := w.accountAndCaller(ctx, alias, who)
		if err != nil {
			return err
		}
		return w.addGitCredential(ctx, cred, a, kind, "github")
	})
	sc.When(`^the administrator adds a git credential for the provider "([^"]*)" to "([^"]*)"$`, func(ctx context.Context, provider, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.addGitCredential(ctx, w.admin(), a, "token", provider)
	})
	sc.When(`^`+callerRE+` lists the git credentials of "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, w.sf.credentials(a), nil)
	})
	sc.When(`^the administrator lists the git credentials of an account that does not exist$`, func(ctx context.Context) error {
		nobody := &account{id: randomObjectID(), idpID: uuid.NewString()}
		_, err := w.call(ctx, http.MethodGet, w.sf.credentials(nobody), w.admin(), nil)
		return err
	})
	sc.When(`^`+callerRE+` deletes the git credential of "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		c, err := w.gitCredential(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodDelete, w.sf.credentials(c.acct, c.id), nil)
	})
	sc.When(`^the administrator lists the git providers$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/v4/accounts/gitproviders", w.admin(), nil)
		return err
	})

	sc.Then(`^the git credential is described by id, name, provider, domain, fingerprint and protocol$`, func() error {
		if err := expectStatus(w.resp, w.sf.status(w.run.profile, opAddCredential)); err != nil {
			return err
		}
		o, err := w.sf.one(w.resp, "credential")
		if err != nil {
			return err
		}
		return checkGitCredential(o, w.sentCred)
	})
	sc.Then(`^the secret appears nowhere in the answer$`, func() error {
		return w.noSecrets(w.resp)
	})
	sc.Then(`^the git credentials of "([^"]*)" include it, without the secret$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		r, err := w.listGitCredentials(ctx, a)
		if err != nil {
			return err
		}
		return w.listHasCredential(ctx, r, w.creds[alias])
	})
	sc.Then(`^the list includes the git credential, without any secret$`, func(ctx context.Context) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		return w.listHasCredential(ctx, w.resp, w.sentCred)
	})
	sc.Then(`^the git credentials of "([^"]*)" do not include it$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		c, err := w.gitCredential(alias)
		if err != nil {
			return err
		}
		r, err := w.listGitCredentials(ctx, a)
		if err != nil {
			return err
		}
		o, err := w.lookOn(ctx, r, "credentials", "id", c.id)
		if err != nil {
			return err
		}
		if o != nil {
			return fmt.Errorf("the deleted git credential is still listed: %s", r)
		}
		return nil
	})
	sc.Then(`^the providers include "([^"]*)", with a label and its access types$`, func(value string) error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		list, err := o.list("providers")
		if err != nil {
			return err
		}
		for _, p := range list {
			m, ok := p.(map[string]any)
			if !ok || m["value"] != value {
				continue
			}
			if err := obj(m).check().nonEmpty("label").boolean("requiresDomain").list("accessTypes").err(); err != nil {
				return err
			}
			if types, _ := obj(m).list("accessTypes"); len(types) == 0 {
				return fmt.Errorf("the provider %q has no access types", value)
			}
			return nil
		}
		return fmt.Errorf("the providers do not include %q: %s", value, w.resp)
	})

	// credential mapping, done by the service account itself
	sc.Given(`^"([^"]*)" has chosen its git credential for the project's repository$`, func(ctx context.Context, alias string) error {
		if err := w.chooseCredential(ctx, alias, alias, false); err != nil {
			return err
		}
		if w.resp.Status != http.StatusOK {
			return fmt.Errorf("precondition failed: choosing the git credential: %s", w.resp)
		}
		return nil
	})
	sc.When(`^"([^"]*)" chooses its git credential for the project's repository$`, func(ctx context.Context, alias string) error {
		return w.chooseCredential(ctx, alias, alias, false)
	})
	sc.When(`^"([^"]*)" chooses the git credential of "([^"]*)" for the project's repository$`, func(ctx context.Context, alias, owner string) error {
		return w.chooseCredential(ctx, alias, owner, false)
	})
	sc.When(`^"([^"]*)" chooses its git credential for a repository that is not the project's$`, func(ctx context.Context, alias string) error {
		return w.chooseCredential(ctx, alias, alias, true)
	})
	sc.When(`^"([^"]*)" (asks which credential|removes its credential choice for) the project's repository(?: uses)?$`, func(ctx context.Context, alias, what string) error {
		cred, p, err := w.mappingCaller(ctx, alias)
		if err != nil {
			return err
		}
		method := http.MethodGet
		if what != "asks which credential" {
			method = http.MethodDelete
		}
		_, err = w.call(ctx, method, mappingPath(p.id, p.repoID), cred, nil)
		return err
	})
	sc.Then(`^the call succeeds and the mapping names "([^"]*)", the project(?:,)? (?:and )?the repository(?: and the credential)?$`, func(ctx context.Context, alias string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		c := o.check().equal("userId", a.id).equal("projectId", p.id).equal("repoId", p.repoID)
		if w.resp.Method == http.MethodPut {
			c.apply(func(o obj) error { return o.equal("credentialId", w.creds[alias].id) })
		}
		return c.err()
	})
	sc.Then(`^the answer is the id of the git credential of "([^"]*)"$`, func(alias string) error {
		c, err := w.gitCredential(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return o.equal("raw", c.id)
	})
	// How Domino answers when no credential is chosen is inferred (404); this
	// step checks only that the credential is not the one in use, so that it
	// holds whichever way the target says "none".
	sc.Then(`^the answer does not name the git credential of "([^"]*)"$`, func(alias string) error {
		c, err := w.gitCredential(alias)
		if err != nil {
			return err
		}
		if w.resp == nil {
			return fmt.Errorf("no call has been made")
		}
		switch w.resp.Status {
		case http.StatusNotFound:
			return expectStatus(w.resp, http.StatusNotFound)
		case http.StatusOK:
			if bytes.Contains(w.resp.Body, []byte(c.id)) {
				return fmt.Errorf("the repository uses the git credential %s of %q: %s", c.id, alias, w.resp)
			}
			return nil
		}
		return fmt.Errorf("want 404 (no credential chosen) or 200 naming another credential: %s", w.resp)
	})
}

// listGitCredentials lists the account's git credentials as the administrator.
func (w *world) listGitCredentials(ctx context.Context, a *account) (*Response, error) {
	return w.must(ctx, http.MethodGet, w.sf.credentials(a), w.admin(), nil, http.StatusOK)
}

// addGitCredential asks to add a credential; if the target adds it, the
// scenario deletes it afterwards.
func (w *world) addGitCredential(ctx context.Context, cred Credential, a *account, kind, provider string) error {
	c := &gitCred{name: w.uniqueName("git-" + kind), secret: randomSecret(kind), acct: a}
	w.sentCred = c
	path, body := w.sf.addCredential(a, kind, c.name, provider, c.secret)
	r, err := w.call(ctx, http.MethodPost, path, cred, body)
	if err != nil {
		return err
	}
	if r.Status/100 != 2 {
		return nil
	}
	if o, err := w.sf.one(r, "credential"); err == nil {
		c.id, _ = o.str("id")
	}
	if c.id == "" {
		return nil
	}
	w.creds[a.alias] = c
	w.undoAfterwards("delete git credential "+c.name, http.MethodDelete, w.sf.credentials(a, c.id), w.admin())
	return nil
}

// checkGitCredential checks a git credential as Domino describes it: ids,
// name (when the scenario knows it), provider, and never a secret field.
func checkGitCredential(o obj, sent *gitCred) error {
	c := o.check().objectID("id")
	if sent != nil {
		c.equal("name", sent.name)
	}
	c.equal("gitServiceProvider", "github").str("domain", "fingerprint", "protocol")
	for _, k := range secretFields {
		if _, ok := o[k]; ok {
			c.fail(fmt.Errorf("the git credential has a %q field", k))
		}
	}
	return c.err()
}

func (w *world) listHasCredential(ctx context.Context, r *Response, c *gitCred) error {
	if c == nil {
		return fmt.Errorf("the scenario added no git credential")
	}
	if err := w.noSecrets(r); err != nil {
		return err
	}
	o, err := w.findOn(ctx, r, "credentials", "id", c.id, fmt.Sprintf("the git credential %s is not listed", c.name))
	if err != nil {
		return err
	}
	return checkGitCredential(o, c)
}

// noSecrets checks that no secret the scenario sent appears in an answer.
func (w *world) noSecrets(r *Response) error {
	secrets := []*gitCred{w.sentCred}
	for _, c := range w.creds {
		secrets = append(secrets, c)
	}
	for _, c := range secrets {
		if c != nil && bytes.Contains(r.Body, []byte(c.secret)) {
			return fmt.Errorf("a git secret appears in the answer: %s", r)
		}
	}
	return nil
}

// mappingCaller is what every credential-mapping call needs: a bearer
// credential of the account (one of its tokens) and the project.
func (w *world) mappingCaller(ctx context.Context, alias string) (Credential, *projectInfo, error) {
	if _, err := w.account(alias); err != nil {
		return Credential{}, nil, err
	}
	cred, err := w.caller(ctx, "the service account")
	if err != nil {
		return Credential{}, nil, err
	}
	p, err := w.project(ctx)
	if err != nil {
		return Credential{}, nil, err
	}
	return cred, p, nil
}

// chooseCredential PUTs a credential mapping as the account alias, naming
// owner's git credential, for the project's repository or another one.
func (w *world) chooseCredential(ctx context.Context, alias, owner string, otherRepo bool) error {
	c, err := w.gitCredential(owner)
	if err != nil {
		return err
	}
	cred, p, err := w.mappingCaller(ctx, alias)
	if err != nil {
		return err
	}
	repo := p.repoID
	if otherRepo {
		repo = randomObjectID()
	}
	r, err := w.call(ctx, http.MethodPut, mappingPath(p.id, repo), cred, map[string]string{"credentialId": c.id})
	if err != nil {
		return err
	}
	if r.Status/100 == 2 {
		// 401: the scenario may have invalidated the token the mapping was
		// made with, or deactivated the account.
		w.undoAfterwards("delete the credential mapping of "+alias, http.MethodDelete, mappingPath(p.id, repo), cred, http.StatusUnauthorized)
	}
	return nil
}
