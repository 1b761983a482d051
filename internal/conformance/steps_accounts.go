package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cucumber/godog"
	"github.com/google/uuid"
)

func registerAccountSteps(sc *godog.ScenarioContext, w *world) {
	// which of Domino's two service-account APIs the steps that follow use
	manage := func(name string) (err error) {
		w.sf, err = surfaceNamed(name)
		return err
	}
	sc.Given(`^service accounts are managed through `+surfaceRE+`$`, manage)
	sc.When(`^service accounts are then managed through `+surfaceRE+`$`, manage)

	// preconditions
	sc.Given(`^a service account "([^"]*)"$`, w.givenAccount)
	sc.Given(`^a service account "([^"]*)" that has been deactivated$`, func(ctx context.Context, alias string) error {
		a, err := w.makeAccount(ctx, alias)
		if err != nil {
			return err
		}
		return w.setActive(ctx, a, false)
	})
	sc.Given(`^a service account "([^"]*)" that has been deactivated and activated again$`, func(ctx context.Context, alias string) error {
		a, err := w.makeAccount(ctx, alias)
		if err != nil {
			return err
		}
		if err := w.setActive(ctx, a, false); err != nil {
			return err
		}
		return w.setActive(ctx, a, true)
	})
	sc.Given(`^the service account "([^"]*)" has been deactivated$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.setActive(ctx, a, false)
	})

	// actions
	sc.When(`^`+callerRE+` creates a service account "([^"]*)"$`, func(ctx context.Context, who, alias string) error {
		username := w.uniqueName(alias)
		return w.createAccount(ctx, who, alias, username, username+"@example.com")
	})
	sc.When(`^`+callerRE+` creates a service account "([^"]*)" with the email "([^"]*)"$`, func(ctx context.Context, who, alias, email string) error {
		return w.createAccount(ctx, who, alias, w.uniqueName(alias), w.uniqueEmail(email))
	})
	sc.When(`^the administrator creates a service account with the username "([^"]*)"$`, func(ctx context.Context, username string) error {
		return w.createAccount(ctx, "the administrator", "rejected", username, w.uniqueName("rejected")+"@example.com")
	})
	sc.When(`^the administrator creates a service account with a username (of exactly 64 characters|with dots, dashes and underscores|that starts with a digit)$`, func(ctx context.Context, kind string) error {
		var username string
		switch kind {
		case "of exactly 64 characters":
			username = w.uniqueName("x")
			username += strings.Repeat("x", 64-len(username))
		case "with dots, dashes and underscores":
			username = w.uniqueName("a.b_c-d")
		default:
			username = "9" + w.uniqueName("digit")
		}
		return w.createAccount(ctx, "the administrator", "valid", username, w.uniqueName("valid")+"@example.com")
	})
	sc.When(`^the administrator creates a service account with the email "([^"]*)"$`, func(ctx context.Context, email string) error {
		return w.createAccount(ctx, "the administrator", "rejected", w.uniqueName("rejected"), email)
	})
	sc.When(`^the administrator creates a service account without a "([^"]*)"$`, func(ctx context.Context, field string) error {
		username := w.uniqueName("partial")
		body := map[string]string{"username": username, "email": username + "@example.com"}
		delete(body, field)
		return w.postAccount(ctx, w.admin(), "partial", body)
	})
	sc.When(`^the administrator creates another service account with the username of "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.createAccount(ctx, "the administrator", "same-username", a.username, w.uniqueName("other")+"@example.com")
	})
	sc.When(`^the administrator creates another service account with the email of "([^"]*)"$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.createAccount(ctx, "the administrator", "same-email", w.uniqueName("other"), a.email)
	})
	sc.When(`^`+callerRE+` lists service accounts$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, w.sf.accounts(), nil)
	})
	sc.When(`^`+callerRE+` lists service accounts including deactivated ones$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, w.sf.accounts()+"?includeDeactivated=true", nil)
	})
	sc.When(`^`+callerRE+` (deactivates|activates) the service account "([^"]*)"$`, func(ctx context.Context, who, action, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if action == "deactivates" {
			w.spoil(a, "")
		}
		return w.callAs(ctx, who, http.MethodPost, w.sf.account(a.idpID, strings.TrimSuffix(action, "s")), nil)
	})
	sc.When(`^the administrator (deactivates|activates) a service account that does not exist$`, func(ctx context.Context, action string) error {
		_, err := w.call(ctx, http.MethodPost, w.sf.account(uuid.NewString(), strings.TrimSuffix(action, "s")), w.admin(), nil)
		return err
	})

	// outcomes
	sc.Then(`^the service account "([^"]*)" is created with a Mongo id and a Keycloak idpId$`, func(alias string) error {
		a, o, err := w.answerAbout(alias, w.sf.status(w.run.profile, opCreateAccount))
		if err != nil {
			return err
		}
		if o, err = w.sf.one(w.resp, "serviceAccount"); err != nil {
			return err
		}
		return accountMatches(o, a)
	})
	sc.Then(`^the service account "([^"]*)" is returned with its username, email, id and idpId$`, func(alias string) error {
		want := w.run.profile.DeactivateStatus
		if w.resp != nil && strings.HasSuffix(w.resp.Path, "/activate") {
			want = w.run.profile.ActivateStatus
		}
		a, o, err := w.answerAbout(alias, want)
		if err != nil {
			return err
		}
		return accountMatches(o, a)
	})
	sc.Then(`^the list includes the service account "([^"]*)" with its username, email, id and idpId$`, func(ctx context.Context, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.listHasAccount(ctx, w.resp, a)
	})
	sc.Then(`^the administrator's list of service accounts (includes|does not include) "([^"]*)"$`, func(ctx context.Context, verb, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			if w.resp != nil {
				return fmt.Errorf("%w (was it created? %s)", err, w.resp)
			}
			return err
		}
		r, err := w.must(ctx, http.MethodGet, w.sf.accounts(), w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		if verb == "includes" {
			return w.listHasAccount(ctx, r, a)
		}
		o, err := w.lookOn(ctx, r, "serviceAccounts", "idpId", a.idpID)
		if err == nil && o != nil {
			err = fmt.Errorf("the list of active service accounts includes %s: %s", a.username, r)
		}
		return err
	})
	sc.Then(`^both service accounts "([^"]*)" and "([^"]*)" exist with their own emails$`, func(ctx context.Context, first, second string) error {
		r, err := w.must(ctx, http.MethodGet, w.sf.accounts(), w.admin(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		var emails []string
		for _, alias := range []string{first, second} {
			a, err := w.account(alias)
			if err != nil {
				return fmt.Errorf("%w (was it created? %s)", err, w.resp)
			}
			if err := w.listHasAccount(ctx, r, a); err != nil {
				return err
			}
			emails = append(emails, a.email)
		}
		if emails[0] == emails[1] {
			return fmt.Errorf("both accounts have the email %s", emails[0])
		}
		return nil
	})
	sc.Then(`^the call is rejected as a duplicate$`, func() error {
		return expectStatus(w.resp, w.sf.status(w.run.profile, opDuplicate))
	})
	sc.Then(`^the error message is exactly "([^"]*)"$`, func(text string) error {
		want, err := w.expand(text)
		if err != nil {
			return err
		}
		msgs, err := errorMessages(w.resp)
		if err != nil {
			return err
		}
		if len(msgs) != 1 || msgs[0] != want {
			return fmt.Errorf("want the message %q: %s", want, w.resp)
		}
		return nil
	})
	sc.Then(`^the error message names the email of "([^"]*)"$`, func(alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		return w.messageNames(a.email)
	})
	sc.Then(`^the error message names "([^"]*)"$`, w.messageNames)
}

func (w *world) givenAccount(ctx context.Context, alias string) error {
	_, err := w.makeAccount(ctx, alias)
	return err
}

func (w *world) messageNames(s string) error {
	msgs, err := errorMessages(w.resp)
	if err != nil {
		return err
	}
	if !mentions(msgs, s) {
		return fmt.Errorf("the error message does not name %q: %s", s, w.resp)
	}
	return nil
}

// callAs makes a call as the named caller and keeps the answer.
func (w *world) callAs(ctx context.Context, who, method, path string, body any) error {
	cred, err := w.caller(ctx, who)
	if err != nil {
		return err
	}
	_, err = w.call(ctx, method, path, cred, body)
	return err
}

// createAccount asks to create a service account; when the target creates
// it (rightly or not) it is remembered under alias and cleaned up later.
func (w *world) createAccount(ctx context.Context, who, alias, username, email string) error {
	cred, err := w.caller(ctx, who)
	if err != nil {
		return err
	}
	return w.postAccount(ctx, cred, alias, map[string]string{"username": username, "email": email})
}

func (w *world) postAccount(ctx context.Context, cred Credential, alias string, body map[string]string) error {
	r, err := w.call(ctx, http.MethodPost, w.sf.accounts(), cred, body)
	if err != nil {
		return err
	}
	if r.Status/100 != 2 {
		return nil
	}
	o, err := w.sf.one(r, "serviceAccount")
	if err != nil {
		return nil // the outcome step reports the bad body
	}
	idpID, _ := o.str("idpId")
	id, _ := o.str("id")
	if idpID == "" {
		return nil
	}
	a := &account{alias: alias, username: body["username"], email: body["email"], id: id, idpID: idpID}
	w.accounts[alias] = a
	w.current = a
	w.scheduleDeactivation(a)
	return nil
}

func (w *world) scheduleDeactivation(a *account) {
	w.undoAfterwards("deactivate service account "+a.username, http.MethodPost, w.sf.account(a.idpID, "deactivate"), w.admin())
}

// setActive deactivates or activates an account as a precondition.
func (w *world) setActive(ctx context.Context, a *account, active bool) error {
	action, want := "deactivate", w.sf.status(w.run.profile, opDeactivate)
	if active {
		action, want = "activate", w.sf.status(w.run.profile, opActivate)
	}
	if !active {
		w.spoil(a, "")
	}
	_, err := w.must(ctx, http.MethodPost, w.sf.account(a.idpID, action), w.admin(), nil, want)
	return err
}

// accountMatches checks an account object: both ids well-formed and equal to
// what the scenario knows, username and email as requested.
func accountMatches(o obj, a *account) error {
	if err := o.check().objectID("id").uuid("idpId").err(); err != nil {
		return err
	}
	if id, idpID := o["id"], o["idpId"]; id != a.id || idpID != a.idpID {
		return fmt.Errorf("ids are %s/%s, want %s/%s", id, idpID, a.id, a.idpID)
	}
	return o.check().equal("username", a.username).equal("email", a.email).err()
}

// listHasAccount checks that a 200 list of accounts holds a, with the exact
// fields of the observed list: username, email, id, idpId.
func (w *world) listHasAccount(ctx context.Context, r *Response, a *account) error {
	if err := expectStatus(r, http.StatusOK); err != nil {
		return err
	}
	o, err := w.findOn(ctx, r, "serviceAccounts", "idpId", a.idpID, fmt.Sprintf("the list does not include %s (idpId %s)", a.username, a.idpID))
	if err != nil {
		return err
	}
	return accountMatches(o, a)
}
