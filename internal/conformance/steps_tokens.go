package conformance

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
)

// lifetimeSlack is how far expiresAt - createdAt may be from the lifetime:
// real Domino stamps createdAt a few milliseconds after computing expiresAt.
const lifetimeSlack = 2 * time.Second

func registerTokenSteps(sc *godog.ScenarioContext, w *world) {
	// preconditions
	sc.Given(`^a service account "([^"]*)" with a token "([^"]*)"$`, func(ctx context.Context, alias, name string) error {
		a, err := w.makeAccount(ctx, alias)
		if err != nil {
			return err
		}
		_, err = w.makeToken(ctx, a, name)
		return err
	})
	sc.Given(`^the service account "([^"]*)" also has a token "([^"]*)"$`, func(ctx context.Context, alias, name string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		_, err = w.makeToken(ctx, a, name)
		return err
	})
	sc.Given(`^the token "([^"]*)" has been invalidated$`, func(ctx context.Context, name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		_, err = w.must(ctx, http.MethodPost, w.sf.account(t.acct.idpID, "tokens", name, "invalidate"), w.admin(), nil, w.sf.status(w.run.profile, opInvalidate))
		w.spoil(t.acct, name)
		return err
	})
	sc.Given(`^the token "([^"]*)" has been deleted$`, func(ctx context.Context, name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		if _, err := w.must(ctx, http.MethodDelete, w.sf.account(t.acct.idpID, "tokens", name), w.admin(), nil, w.sf.status(w.run.profile, opDeleteToken)); err != nil {
			return err
		}
		w.deleted[name] = t.value
		w.spoil(t.acct, name)
		return nil
	})

	// actions
	sc.When(`^`+callerRE+` creates a token "([^"]*)" for "([^"]*)"$`, func(ctx context.Context, who, name, alias string) error {
		a, cred, err := w.accountAndCaller(ctx, alias, who)
		if err != nil {
			return err
		}
		return w.postToken(ctx, cred, a, name)
	})
	sc.When(`^the administrator creates a token without a name for "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		_, err = w.call(ctx, http.MethodPost, w.sf.account(a.idpID, "tokens"), w.admin(), map[string]string{})
		return err
	})
	sc.When(`^`+callerRE+` lists the tokens of "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.callAs(ctx, who, http.MethodGet, w.sf.account(a.idpID, "tokens"), nil)
	})
	sc.When(`^`+callerRE+` (fetches|invalidates|deletes) the token "([^"]*)" of "([^"]*)"$`, func(ctx context.Context, who, op, name, alias string) error {
		a, cred, err := w.accountAndCaller(ctx, alias, who)
		if err != nil {
			return err
		}
		return w.tokenOp(ctx, cred, op, a, name)
	})
	sc.When(`^the administrator (invalidates|deletes) the token "([^"]*)"(?: again)?$`, func(ctx context.Context, op, name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		return w.tokenOp(ctx, w.admin(), op, t.acct, name)
	})
	sc.When(`^the administrator creates a token "([^"]*)" of a service account that does not exist$`, func(ctx context.Context, name string) error {
		_, err := w.call(ctx, http.MethodPost, w.sf.account(uuid.NewString(), "tokens"), w.admin(), map[string]string{"name": name})
		return err
	})
	sc.When(`^the administrator creates a token "([^"]*)" for their own user$`, func(ctx context.Context, name string) error {
		o, err := w.mustGetObject(ctx, "/v4/users/self", w.admin())
		if err != nil {
			return err
		}
		idpID, err := o.uuid("idpId")
		if err != nil {
			return err
		}
		self := &account{alias: "administrator", idpID: idpID}
		return w.postToken(ctx, w.admin(), self, name)
	})
	sc.When(`^the administrator lists the tokens of a service account that does not exist$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, w.sf.account(uuid.NewString(), "tokens"), w.admin(), nil)
		return err
	})

	// outcomes
	sc.Then(`^the token "([^"]*)" is created for "([^"]*)", valid, with its value$`, func(name, alias string) error {
		o, err := w.createdToken(name, alias)
		if err != nil {
			return err
		}
		_, err = o.nonEmpty("token")
		return err
	})
	sc.Then(`^the token "([^"]*)" is a JWT$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		_, _, err = decodeJWT(t.value)
		return err
	})
	sc.Then(`^the token "([^"]*)" expires (\d+) days after its creation$`, func(name string, days int) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		created, err := t.created.utcTime("createdAt", false)
		if err != nil {
			return err
		}
		expires, err := t.created.utcTime("expiresAt", false)
		if err != nil {
			return err
		}
		want := time.Duration(days) * 24 * time.Hour
		if d := expires.Sub(created) - want; d > lifetimeSlack || d < -lifetimeSlack {
			return fmt.Errorf("expiresAt - createdAt is %s, want %s (±%s)", expires.Sub(created), want, lifetimeSlack)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" authenticates as "([^"]*)"$`, func(ctx context.Context, name, alias string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		r, err := w.run.client.Do(ctx, http.MethodGet, "/v4/users/self", Bearer(t.value, "token "+name), nil)
		if err != nil {
			return err
		}
		if err := expectStatus(r, http.StatusOK); err != nil {
			return fmt.Errorf("the token %q does not authenticate: %w", name, err)
		}
		return isAccountUser(r, a)
	})
	sc.Then(`^the (deleted )?tokens? "([^"]*)"(?: and "([^"]*)")? (?:is|are)(?: still)? rejected as unauthenticated$`, func(ctx context.Context, deleted, first, second string) error {
		for _, name := range []string{first, second} {
			if name == "" {
				continue
			}
			value, err := w.tokenValue(name, deleted != "")
			if err != nil {
				return err
			}
			if err := w.tokenRejected(ctx, name, value); err != nil {
				return err
			}
		}
		return nil
	})
	sc.Then(`^the list describes the tokens "([^"]*)" and "([^"]*)" as valid$`, func(ctx context.Context, first, second string) error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		for _, name := range []string{first, second} {
			t, err := w.token(name)
			if err != nil {
				return err
			}
			o, err := w.findToken(ctx, w.resp, name)
			if err != nil {
				return err
			}
			if err := checkTokenMeta(o, name, t.acct, true, true); err != nil {
				return err
			}
		}
		return nil
	})
	sc.Then(`^no token value appears in the list$`, func() error {
		list, err := w.sf.list(w.resp, "tokens")
		if err != nil {
			return err
		}
		for _, o := range list {
			if _, ok := o["token"]; ok {
				return fmt.Errorf("a listed token has a \"token\" field: %s", w.resp)
			}
		}
		for name, t := range w.tokens {
			if bytes.Contains(w.resp.Body, []byte(t.value)) {
				return fmt.Errorf("the value of the token %q appears in the list", name)
			}
		}
		return nil
	})
	sc.Then(`^every time in the list is RFC 3339 UTC with milliseconds$`, func() error {
		list, err := w.sf.list(w.resp, "tokens")
		if err != nil {
			return err
		}
		for _, o := range list {
			for _, key := range []string{"createdAt", "expiresAt"} {
				if _, err := o.utcTime(key, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	sc.Then(`^the answer describes the token "([^"]*)" with its value$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		o, err := w.sf.one(w.resp, "token")
		if err != nil {
			return err
		}
		if err := checkTokenMeta(o, name, t.acct, true, false); err != nil {
			return err
		}
		return o.equal("token", t.value)
	})
	sc.Then(`^the answer does not hold the value of the token "([^"]*)"$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		if w.resp == nil {
			return fmt.Errorf("no call has been made")
		}
		if bytes.Contains(w.resp.Body, []byte(t.value)) {
			return fmt.Errorf("the answer holds the value of the token %q: %s", name, w.resp)
		}
		return nil
	})
	sc.Then(`^the call succeeds and describes the token "([^"]*)"( as invalid,)? without its value$`, func(name, invalid string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		want := w.run.profile.DeleteTokenStatus
		if invalid != "" {
			want = w.run.profile.InvalidateStatus
		}
		if err := expectStatus(w.resp, want); err != nil {
			return err
		}
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		if err := tokenNamed(o, name, t.acct).err(); err != nil {
			return err
		}
		if invalid != "" {
			if valid, err := o.boolean("isValid"); err != nil || valid {
				return fmt.Errorf("want isValid false: %v %s", err, w.resp)
			}
		}
		if _, ok := o["token"]; ok || bytes.Contains(w.resp.Body, []byte(t.value)) {
			return fmt.Errorf("the answer holds the token's value: %s", w.resp)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" is listed as (valid|invalid)$`, func(ctx context.Context, name, state string) error {
		t, r, err := w.tokenAndList(ctx, name)
		if err != nil {
			return err
		}
		o, err := w.findToken(ctx, r, name)
		if err != nil {
			return err
		}
		return checkTokenMeta(o, name, t.acct, state == "valid", true)
	})
	sc.Then(`^the token "([^"]*)" is not listed$`, func(ctx context.Context, name string) error {
		_, r, err := w.tokenAndList(ctx, name)
		if err != nil {
			return err
		}
		o, err := w.lookOn(ctx, r, "tokens", "name", name)
		if err != nil {
			return err
		}
		if o != nil {
			return fmt.Errorf("the token %q is still listed: %s", name, r)
		}
		return nil
	})
	sc.Then(`^the tokens of "([^"]*)" are all listed as invalid$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		r, err := w.listTokens(ctx, a)
		if err != nil {
			return err
		}
		n := 0
		for name, t := range w.tokens {
			if t.acct != a {
				continue
			}
			o, err := w.findToken(ctx, r, name)
			if err != nil {
				return err
			}
			if err := checkTokenMeta(o, name, a, false, true); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return fmt.Errorf("the scenario made no tokens for %q", alias)
		}
		return nil
	})
	sc.Then(`^the new token "([^"]*)" differs from the deleted one$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		if old, ok := w.deleted[name]; !ok || old == t.value {
			return fmt.Errorf("the new token %q is the same as the deleted one (or none was deleted)", name)
		}
		return nil
	})
	sc.Then(`^the token "([^"]*)" has no "sub" claim$`, func(name string) error {
		t, err := w.token(name)
		if err != nil {
			return err
		}
		_, claims, err := decodeJWT(t.value)
		if err != nil {
			return err
		}
		if sub, ok := claims["sub"]; ok {
			return fmt.Errorf("the token has sub %v; the observed profile expects none", sub)
		}
		return nil
	})
}

// postToken asks for a token; whatever the target answers with a token
// value is remembered (and deleted after the scenario).
func (w *world) postToken(ctx context.Context, cred Credential, a *account, name string) error {
	r, err := w.call(ctx, http.MethodPost, w.sf.account(a.idpID, "tokens"), cred, map[string]string{"name": name})
	if err != nil {
		return err
	}
	if r.Status/100 == 2 {
		if _, err := w.rememberToken(a, name, r); err != nil {
			return nil // the outcome step reports the bad body
		}
	}
	return nil
}

// tokenOp fetches, invalidates or deletes a token as cred. A refused
// invalidation (4xx) leaves the token usable for later steps.
func (w *world) tokenOp(ctx context.Context, cred Credential, op string, a *account, name string) error {
	var err error
	switch op {
	case "fetches":
		_, err = w.call(ctx, http.MethodGet, w.sf.account(a.idpID, "tokens", name), cred, nil)
	case "invalidates":
		var r *Response
		r, err = w.call(ctx, http.MethodPost, w.sf.account(a.idpID, "tokens", name, "invalidate"), cred, nil)
		if err != nil || r.Status/100 != 4 {
			w.spoil(a, name)
		}
	case "deletes":
		var r *Response
		r, err = w.call(ctx, http.MethodDelete, w.sf.account(a.idpID, "tokens", name), cred, nil)
		if err == nil && r.Status/100 == 2 {
			if t, ok := w.tokens[name]; ok && t.acct == a {
				w.deleted[name] = t.value
				w.spoil(a, name)
			}
		}
	}
	return err
}

// tokenValue is the value of the named token, or of the deleted one.
func (w *world) tokenValue(name string, deleted bool) (string, error) {
	if deleted {
		v, ok := w.deleted[name]
		if !ok {
			return "", fmt.Errorf("the scenario deleted no token %q", name)
		}
		return v, nil
	}
	t, err := w.token(name)
	if err != nil {
		return "", err
	}
	return t.value, nil
}

// tokenRejected checks that a token cannot be used: GET /v4/users/self 401.
func (w *world) tokenRejected(ctx context.Context, name, value string) error {
	r, err := w.run.client.Do(ctx, http.MethodGet, "/v4/users/self", Bearer(value, "token "+name), nil)
	if err != nil {
		return err
	}
	if err := expectStatus(r, http.StatusUnauthorized); err != nil {
		return fmt.Errorf("the token %q is not rejected: %w", name, err)
	}
	return nil
}

// listTokens lists the account's tokens as the administrator.
func (w *world) listTokens(ctx context.Context, a *account) (*Response, error) {
	return w.must(ctx, http.MethodGet, w.sf.account(a.idpID, "tokens"), w.admin(), nil, http.StatusOK)
}

// tokenAndList is the named token and the administrator's list of its
// account's tokens, for the steps that look for it there.
func (w *world) tokenAndList(ctx context.Context, name string) (*token, *Response, error) {
	t, err := w.token(name)
	if err != nil {
		return nil, nil, err
	}
	r, err := w.listTokens(ctx, t.acct)
	if err != nil {
		return nil, nil, err
	}
	return t, r, nil
}

func (w *world) findToken(ctx context.Context, r *Response, name string) (obj, error) {
	return w.findOn(ctx, r, "tokens", "name", name, fmt.Sprintf("the token %q is not listed", name))
}

// createdToken checks that the last answer created the token name, valid,
// for the service account alias, and returns the answer.
func (w *world) createdToken(name, alias string) (obj, error) {
	a, o, err := w.answerAbout(alias, w.sf.status(w.run.profile, opCreateToken))
	if err != nil {
		return nil, err
	}
	return o, checkTokenMeta(o, name, a, true, false)
}

// checkTokenMeta checks a token's metadata object: name, account, validity,
// and times (exactly milliseconds where Domino lists them).
func checkTokenMeta(o obj, name string, a *account, valid, millis bool) error {
	if err := tokenNamed(o, name, a).boolean("isValid").err(); err != nil {
		return err
	}
	if got, _ := o.boolean("isValid"); got != valid {
		return fmt.Errorf("token %q has isValid %s, want %s", name, strconv.FormatBool(got), strconv.FormatBool(valid))
	}
	created, err := o.utcTime("createdAt", millis)
	if err != nil {
		return err
	}
	expires, err := o.utcTime("expiresAt", millis)
	if err != nil {
		return err
	}
	if !expires.After(created) {
		return fmt.Errorf("token %q expires (%s) before it is created (%s)", name, expires, created)
	}
	return nil
}

// tokenNamed starts the checks of a token's description: its name and the
// service account it belongs to.
func tokenNamed(o obj, name string, a *account) *checker {
	return o.check().equal("name", name).equal("serviceAccountIdpId", a.idpID)
}

// isAccountUser checks a /v4/users/self answer names the service account.
func isAccountUser(r *Response, a *account) error {
	o, err := r.Object()
	if err != nil {
		return err
	}
	return isUser(o, a)
}

// isUser checks that a user object is the service account: username and
// both ids.
func isUser(o obj, a *account) error {
	return o.check().equal("userName", a.username).equal("id", a.id).equal("idpId", a.idpID).err()
}
