package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/cucumber/godog"
)

func registerUserSteps(sc *godog.ScenarioContext, w *world) {
	sc.When(`^`+callerRE+` asks who they are$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/v4/users/self", nil)
	})
	sc.When(`^`+callerRE+` asks the public API who they are$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/api/users/v1/self", nil)
	})
	sc.When(`^`+callerRE+` asks for their principal$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/v4/auth/principal", nil)
	})
	sc.When(`^`+callerRE+` lists the users$`, func(ctx context.Context, who string) error {
		return w.callAs(ctx, who, http.MethodGet, "/v4/users", nil)
	})

	sc.Then(`^the answer is a user with ids, names, email and roles$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		return checkUser(o)
	})
	sc.Then(`^the answer (has|does not have) the "([^"]*)" role$`, func(verb, role string) error {
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		roles, err := o.list("roles")
		if err != nil {
			return err
		}
		has := false
		for _, r := range roles {
			if r == role {
				has = true
			}
		}
		if has != (verb == "has") {
			return fmt.Errorf("the user's roles are %v; want the %q role %s", roles, role, map[bool]string{true: "present", false: "absent"}[verb == "has"])
		}
		return nil
	})
	sc.Then(`^the answer is the service account "([^"]*)"$`, func(alias string) error {
		a, o, err := w.answerAbout(alias, http.StatusOK)
		if err != nil {
			return err
		}
		return isUser(o, a)
	})
	sc.Then(`^the public API's answer is the service account "([^"]*)"$`, func(alias string) error {
		a, o, err := w.answerAbout(alias, http.StatusOK)
		if err != nil {
			return err
		}
		u, err := o.object("user")
		if err != nil {
			return err
		}
		if err := checkUser(u); err != nil {
			return err
		}
		return isUser(u, a)
	})
	sc.Then(`^the answer carries a request id and no notices$`, func() error {
		o, err := w.resp.Object()
		if err != nil {
			return err
		}
		return checkMetadata(o)
	})
	sc.Then(`^the principal is an administrator and not anonymous$`, func() error {
		o, err := okObject(w.resp)
		if err != nil {
			return err
		}
		if err := o.check().objectID("canonicalId").nonEmpty("canonicalName").err(); err != nil {
			return err
		}
		return principalFlags(o, true)
	})
	sc.Then(`^the principal is "([^"]*)", not an administrator and not anonymous$`, func(alias string) error {
		a, o, err := w.answerAbout(alias, http.StatusOK)
		if err != nil {
			return err
		}
		if err := o.check().equal("canonicalId", a.id).equal("canonicalName", a.username).err(); err != nil {
			return err
		}
		return principalFlags(o, false)
	})
	sc.Then(`^the users include "([^"]*)" under its username, with both ids$`, func(alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		o, err := findListed(w.resp, "id", a.id, fmt.Sprintf("the users do not include %s (id %s)", a.username, a.id))
		if err != nil {
			return err
		}
		return isUser(o, a)
	})

	// the API proxy
	sc.When(`^a caller through the API proxy asks for an access token$`, func(ctx context.Context) error {
		_, err := w.call(ctx, http.MethodGet, "/access-token", Anonymous().ViaProxy(), nil)
		return err
	})
	sc.Then(`^the access token is a JWT sent as plain text$`, func() error {
		if err := expectStatus(w.resp, http.StatusOK); err != nil {
			return err
		}
		if ct := w.resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			return fmt.Errorf("the access token comes as %q, want text/plain", ct)
		}
		w.accessToken = strings.TrimSpace(string(w.resp.Body))
		_, _, err := decodeJWT(w.accessToken)
		return err
	})
	sc.Then(`^the access token authenticates on the API host as the proxy's user$`, func(ctx context.Context) error {
		viaToken, err := w.mustGetObject(ctx, "/v4/users/self", Bearer(w.accessToken, "the proxy's access token"))
		if err != nil {
			return err
		}
		viaProxy, err := w.mustGetObject(ctx, "/v4/users/self", Anonymous().ViaProxy())
		if err != nil {
			return err
		}
		id, err := viaProxy.objectID("id")
		if err != nil {
			return err
		}
		return viaToken.equal("id", id)
	})
	sc.Then(`^a caller through the API proxy can create a token "([^"]*)" for "([^"]*)"$`, func(ctx context.Context, name, alias string) error {
		a, err := w.account(alias)
		if err != nil {
			return err
		}
		if err := w.postToken(ctx, Anonymous().ViaProxy(), a, name); err != nil {
			return err
		}
		_, err = w.createdToken(name, alias)
		return err
	})
}

func principalFlags(o obj, admin bool) error {
	anon, err := o.boolean("isAnonymous")
	if err != nil {
		return err
	}
	isAdmin, err := o.boolean("isAdmin")
	if err != nil {
		return err
	}
	if anon || isAdmin != admin {
		return fmt.Errorf("principal has isAnonymous %v, isAdmin %v; want false, %v", anon, isAdmin, admin)
	}
	return nil
}

// checkUser checks the fields of a user object as /v4/users/self has them.
func checkUser(o obj) error {
	return o.check().objectID("id").uuid("idpId").nonEmpty("userName").
		str("firstName", "lastName", "fullName", "email").list("roles").err()
}

// checkMetadata checks the public API's {"metadata":{"requestId","notices":[]}}.
func checkMetadata(o obj) error {
	m := o.check().in("metadata").nonEmpty("requestId").list("notices")
	if err := m.err(); err != nil {
		return err
	}
	if notices, _ := m.o.list("notices"); len(notices) != 0 {
		return fmt.Errorf("metadata has notices %v, want none", notices)
	}
	return nil
}
