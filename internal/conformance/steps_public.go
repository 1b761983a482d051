package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cucumber/godog"
)

// Steps of the public API feature (paging, envelopes, the routes only it
// has) and of the behaviours a third-party client's tests observed on a
// live Domino (user filters, the owner among the collaborators, malformed
// ids).

func registerPublicSteps(sc *godog.ScenarioContext, w *world) {
	sc.Given(`^service accounts "([^"]*)", "([^"]*)" and "([^"]*)"$`, func(ctx context.Context, a, b, c string) error {
		for _, alias := range []string{a, b, c} {
			if _, err := w.makeAccount(ctx, alias); err != nil {
				return err
			}
		}
		return nil
	})
	sc.Given(`^"([^"]*)" has a token git credential for "([^"]*)"$`, func(ctx context.Context, alias, provider string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if err := w.addGitCredential(ctx, w.admin(), a, "token", provider); err != nil {
			return err
		}
		if _, ok := w.creds[alias]; !ok {
			return fmt.Errorf("precondition failed: adding a %s git credential: %s", provider, w.resp)
		}
		return nil
	})

	// paging
	sc.When(`^the administrator lists (\d+) service accounts starting at "([^"]*)"$`, func(ctx context.Context, n int, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		r, err := w.must(ctx, http.MethodGet, w.sf.accounts(), w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		all, err := w.listed(ctx, r, "serviceAccounts")
		if err != nil {
			return err
		}
		w.pageStart = -1
		for i, o := range all {
			if s, _ := o.str("idpId"); s == a.idpID {
				w.pageStart = i
			}
		}
		if w.pageStart < 0 {
			return fmt.Errorf("%s is not among the %d service accounts listed", a.username, len(all))
		}
		_, err = w.call(ctx, http.MethodGet, w.sf.accounts()+"?"+url.Values{"offset": {strconv.Itoa(w.pageStart)}, "limit": {strconv.Itoa(n)}}.Encode(), w.admin(), nil)
		return err
	})
	sc.Then(`^the page holds "([^"]*)" and "([^"]*)", in that order$`, func(first, second string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.sf.list(w.resp, "serviceAccounts")
		if err != nil {
			return err
		}
		var want []string
		for _, alias := range []string{first, second} {
			a, err := w.account(alias)
			if err != nil {
				return err
			}
			want = append(want, a.idpID)
		}
		if len(list) != len(want) {
			return fmt.Errorf("the page holds %d service accounts, want %d: %s", len(list), len(want), w.resp)
		}
		for i, o := range list {
			if got, _ := o.str("idpId"); got != want[i] {
				return fmt.Errorf("item %d of the page is %s, want %s: %s", i, got, want[i], w.resp)
			}
		}
		return nil
	})
	sc.Then(`^the page says offset at "([^"]*)", limit (\d+), and a total that counts "([^"]*)"$`, func(first string, limit int, last string) error {
		pg, err := w.paging()
		if err != nil {
			return err
		}
		// The page starts at the first; the last was made two accounts later.
		if pg.offset != w.pageStart || pg.limit != limit || pg.total < w.pageStart+3 {
			return fmt.Errorf("paging %+v, want offset %d (%s), limit %d and a total of at least %d (to %s): %s",
				pg, w.pageStart, first, limit, w.pageStart+3, last, w.resp)
		}
		return nil
	})
	sc.Then(`^the page says offset (\d+) and limit (\d+)$`, func(offset, limit int) error {
		pg, err := w.paging()
		if err == nil && (pg.offset != offset || pg.limit != limit) {
			err = fmt.Errorf("paging %+v, want offset %d and limit %d: %s", pg, offset, limit, w.resp)
		}
		return err
	})
	sc.When(`^the administrator lists (\d+) tokens? of "([^"]*)" starting at the second$`, func(ctx context.Context, n int, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, w.sf.account(a.idpID, "tokens")+"?offset=1&limit="+strconv.Itoa(n), w.admin(), nil)
		return err
	})
	sc.Then(`^the page holds exactly the token "([^"]*)"$`, func(name string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.sf.list(w.resp, "tokens")
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0]["name"] != name {
			return fmt.Errorf("want the page to hold exactly the token %q: %s", name, w.resp)
		}
		return nil
	})
	sc.Then(`^the page says offset (\d+), limit (\d+), and a total of (\d+)$`, func(offset, limit, total int) error {
		pg, err := w.paging()
		if err == nil && pg != (paging{offset, limit, total}) {
			err = fmt.Errorf("paging %+v, want offset %d, limit %d, total %d: %s", pg, offset, limit, total, w.resp)
		}
		return err
	})
	sc.When(`^the administrator lists service accounts with "([^"]*)"$`, func(ctx context.Context, query string) error {
		_, err := w.call(ctx, http.MethodGet, w.sf.accounts()+"?"+query, w.admin(), nil)
		return err
	})

	// answers
	sc.When(`^the administrator resets the password of "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, w.sf.account(a.idpID, "resetpassword"), w.admin(), nil)
		return err
	})
	sc.Then(`^the call succeeds with no body$`, func() error {
		return noContent(w.resp, http.StatusOK)
	})
	sc.Then(`^the call succeeds with the surface's status$`, func() error {
		return expectStatus(w.resp, w.sf.status(w.run.profile, opResetPassword))
	})
	sc.Then(`^the answer is an envelope of "([^"]*)" with a request id and no notices$`, func(key string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		if err := checkMetadata(o); err != nil {
			return err
		}
		if _, err := o.object(key); err != nil || len(o) != 2 {
			return fmt.Errorf("want exactly %q and metadata: %v %s", key, err, w.resp)
		}
		return nil
	})
	sc.Then(`^the answer is not an envelope$`, func() error {
		if w.resp == nil || w.resp.Status/100 != 2 {
			return fmt.Errorf("want a success: %s", w.resp)
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		if _, ok := o["metadata"]; ok {
			return fmt.Errorf("the answer has metadata: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the git credential of "([^"]*)" is listed with the provider "([^"]*)"$`, func(ctx context.Context, alias, provider string) error {
		a, c, err := w.accountAndCredential(alias)
		if err != nil {
			return err
		}
		r, err := w.listGitCredentials(ctx, a)
		if err != nil {
			return err
		}
		o, err := w.findOn(ctx, r, "credentials", "id", c.id, "the git credential is not listed")
		if err != nil {
			return err
		}
		return o.equal("gitServiceProvider", provider)
	})

	// users, git credentials and collaborators through the public API
	sc.When(`^the administrator lists (\d+) users? through the public API$`, func(ctx context.Context, n int) error {
		_, err := w.call(ctx, http.MethodGet, "/api/users/v1/users?limit="+strconv.Itoa(n), w.admin(), nil)
		return err
	})
	sc.Then(`^the page of users holds (\d+) users?, says limit (\d+), and counts the administrator among them$`, func(ctx context.Context, n, limit int) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		users, err := o.list("users")
		if err != nil {
			return err
		}
		pg, err := w.paging()
		if err != nil {
			return err
		}
		if len(users) != n || pg.limit != limit {
			return fmt.Errorf("want %d users and limit %d: %s", n, limit, w.resp)
		}
		self, err := w.mustGetObject(ctx, "/v4/users/self", w.admin())
		if err != nil {
			return err
		}
		// Read every page, 10 at a time, for the administrator.
		for offset := 0; offset < pg.total; offset += 10 {
			page, err := w.mustGetObject(ctx, "/api/users/v1/users?offset="+strconv.Itoa(offset)+"&limit=10", w.admin())
			if err != nil {
				return err
			}
			list, _ := page.list("users")
			for _, u := range list {
				if m, ok := u.(map[string]any); ok && m["id"] == self["id"] {
					return nil
				}
			}
		}
		return fmt.Errorf("the administrator %v is not among the %d users counted", self["userName"], pg.total)
	})
	sc.When(`^the administrator reads the git credentials of "([^"]*)" through the public API's beta route$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/api/users/beta/credentials/"+a.id, w.admin(), nil)
		return err
	})
	sc.Then(`^the answer lists that git credential, without the secret$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		if err := w.noSecrets(w.resp); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		if err := checkMetadata(o); err != nil {
			return err
		}
		list, err := o.list("credentials")
		if err != nil {
			return err
		}
		for _, c := range w.creds {
			for _, v := range list {
				if m, ok := v.(map[string]any); ok && m["id"] == c.id {
					return checkGitCredential(m, c)
				}
			}
		}
		return fmt.Errorf("the git credential is not listed: %s", w.resp)
	})
	sc.When(`^the administrator replaces the git credential of "([^"]*)" through the public API, naming it "([^"]*)"$`, func(ctx context.Context, alias, name string) error {
		a, c, err := w.accountAndCredential(alias)
		if err != nil {
			return err
		}
		// The new secret is the one sent; the old one (in w.creds) must not come back either.
		w.sentCred = &gitCred{id: c.id, name: w.uniqueName(name), secret: randomSecret("token"), acct: a}
		_, err = w.call(ctx, http.MethodPut, "/api/users/v1/user/"+a.id+"/tokenCredentials/"+c.id, w.admin(), map[string]string{
			"name": w.sentCred.name, "gitServiceProvider": "github", "domain": "github.com", "token": w.sentCred.secret,
		})
		return err
	})
	sc.Then(`^the call succeeds and the git credential keeps its id, named "([^"]*)"$`, func(name string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		if err := w.noSecrets(w.resp); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		cred, err := o.object("credential")
		if err != nil {
			return err
		}
		return cred.check().equal("id", w.sentCred.id).equal("name", w.uniqueName(name)).err()
	})
	sc.Then(`^the git credentials of "([^"]*)" list it as "([^"]*)"$`, func(ctx context.Context, alias, name string) error {
		a, c, err := w.accountAndCredential(alias)
		if err != nil {
			return err
		}
		r, err := w.listGitCredentials(ctx, a)
		if err != nil {
			return err
		}
		o, err := w.findOn(ctx, r, "credentials", "id", c.id, "the git credential is not listed")
		if err != nil {
			return err
		}
		return o.equal("name", w.uniqueName(name))
	})
	sc.When(`^the administrator adds "([^"]*)" to the project through the public API as "([^"]*)"$`, func(ctx context.Context, alias, role string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		r, err := w.call(ctx, http.MethodPost, "/api/projects/v1/projects/"+p.id+"/collaborators", w.admin(), map[string]string{"id": a.id, "role": role})
		if err == nil && r.Status/100 == 2 {
			w.scheduleRemoval(p.id, a.id)
		}
		return err
	})
	sc.Then(`^the call succeeds and answers the collaborator "([^"]*)" as "([^"]*)"$`, func(alias, role string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := checkMetadata(o); err != nil {
			return err
		}
		return o.check().in("collaborator").equal("id", a.id).equal("role", role).err()
	})
	sc.When(`^the administrator removes "([^"]*)" from the project through the public API$`, func(ctx context.Context, alias string) error {
		a, p, err := w.accountAndProject(ctx, alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodDelete, "/api/projects/v1/projects/"+p.id+"/collaborators/"+a.id, w.admin(), nil)
		return err
	})
	sc.Then(`^the call succeeds and says success$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := checkMetadata(o); err != nil {
			return err
		}
		if ok, err := o.boolean("success"); err != nil || !ok {
			return fmt.Errorf("want success true: %v %s", err, w.resp)
		}
		return nil
	})

	// observed by ksmpartners/domino-java-client's tests against a live Domino
	sc.When(`^the administrator lists the users (named like|with the id of) "([^"]*)"$`, func(ctx context.Context, how, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		q := url.Values{"userName": {a.username}}
		if how == "with the id of" {
			q = url.Values{"userId": {a.id}}
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/users?"+q.Encode(), w.admin(), nil)
		return err
	})
	sc.Then(`^the users are exactly "([^"]*)"$`, func(alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		list, err := w.resp.Array()
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return fmt.Errorf("want exactly one user: %s", w.resp)
		}
		return list[0].check().equal("id", a.id).equal("userName", a.username).err()
	})
	sc.When(`^the administrator lists the project's collaborators$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodGet, "/v4/projects/"+p.id+"/collaborators", w.admin(), nil)
		return err
	})
	sc.Then(`^they include the project's owner$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		_, err = findListed(w.resp, "id", p.ownerID, "the project's owner "+p.owner+" is not among its collaborators")
		return err
	})
	sc.Then(`^the project's own collaborators field does not$`, func(ctx context.Context) error {
		p, err := w.project(ctx)
		if err != nil {
			return err
		}
		o, err := w.mustGetObject(ctx, "/v4/projects/"+p.id, w.admin())
		if err != nil {
			return err
		}
		list, err := o.list("collaborators")
		if err != nil {
			return err
		}
		for _, c := range list {
			if m, ok := c.(map[string]any); ok && m["collaboratorId"] == p.ownerID {
				return fmt.Errorf("the project's collaborators field names its owner: %v", list)
			}
		}
		return nil
	})
	sc.When(`^the administrator asks for (the project|the project's collaborators|the project's hardware tiers|the project's environments|a job|the git credentials of an account) by the id "([^"]*)"$`, func(ctx context.Context, what, id string) error {
		path := map[string]string{
			"the project":                       "/v4/projects/" + id,
			"the project's collaborators":       "/v4/projects/" + id + "/collaborators",
			"the project's hardware tiers":      "/v4/projects/" + id + "/hardwareTiers",
			"the project's environments":        "/v4/projects/" + id + "/useableEnvironments",
			"a job":                             "/v4/jobs/" + id,
			"the git credentials of an account": "/v4/accounts/" + id + "/gitcredentials",
		}[what]
		_, err := w.call(ctx, http.MethodGet, path, w.admin(), nil)
		return err
	})
	sc.Then(`^the v4 API gives the job a null title$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if v, ok := o["title"]; !ok || v != nil {
			return fmt.Errorf("want title null: %s", w.resp)
		}
		return nil
	})
	sc.When(`^the administrator starts a job in the project "([^"]*)" the way python-domino does$`, func(ctx context.Context, projectID string) error {
		_, err := w.call(ctx, http.MethodPost, "/v4/jobs/start", w.admin(), map[string]any{
			"projectId": projectID, "commandToRun": "main.py", "title": nil, "commitId": nil,
			"overrideHardwareTierId": nil, "environmentId": nil,
		})
		return err
	})
}

// paging is the last answer's paging metadata.
func (w *world) paging() (paging, error) {
	if w.resp == nil {
		return paging{}, fmt.Errorf("no call has been made")
	}
	o, err := w.resp.Object()
	if err != nil {
		return paging{}, err
	}
	md, err := o.object("metadata")
	if err != nil {
		return paging{}, err
	}
	pg, err := pagingOf(md, w.run.profile.PublicPaging)
	if err != nil {
		return paging{}, fmt.Errorf("%w: %s", err, w.resp)
	}
	return pg, nil
}

// accountAndCredential is the remembered service account alias and its
// last git credential.
func (w *world) accountAndCredential(alias string) (*account, *gitCred, error) {
	a, err := w.account(alias)
	if err != nil {
		return nil, nil, err
	}
	c, err := w.gitCredential(alias)
	if err != nil {
		return nil, nil, err
	}
	return a, c, nil
}
