package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// preflight checks the set-up once, before the first scenario: the URLs,
// that something answers at them, that the keys are accepted (and the
// administrator's is an administrator's), and that the project exists. A
// mistake there would otherwise fail every scenario, one by one, and read
// as hundreds of findings about the target.
func (r *run) preflight(ctx context.Context) error {
	t := r.target
	for _, u := range []struct{ flag, value string }{
		{"--api-host", t.APIHost}, {"--api-proxy", t.APIProxy}, {"--external-url", t.ExternalURL},
	} {
		if err := checkBaseURL(u.flag, u.value); err != nil {
			return err
		}
	}

	// Whom the API host knows the caller as: the administrator's key if
	// there is one, else no one (any answer shows it is there).
	principal := func(base, flag string, cred Credential) (*Response, error) {
		c := NewClient(Target{APIHost: base, HTTPClient: t.HTTPClient})
		resp, err := c.Do(ctx, http.MethodGet, "/v4/auth/principal", cred, nil)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			return nil, fmt.Errorf("nothing answers at %s %s (%s): %v", flag, base, envOf(flag), err)
		}
		return resp, nil
	}
	admin := Anonymous()
	if t.AdminAPIKey != "" {
		admin = APIKey(t.AdminAPIKey, "the administrator")
	}
	resp, err := principal(t.APIHost, "--api-host", admin)
	if err != nil {
		return err
	}
	if t.AdminAPIKey != "" {
		if err := checkKey(resp, "the administrator's API key (--admin-api-key, DOMINO_USER_API_KEY)", true); err != nil {
			return err
		}
	}
	if t.UserAPIKey != "" {
		resp, err := principal(t.APIHost, "--api-host", APIKey(t.UserAPIKey, "a non-admin user"))
		if err != nil {
			return err
		}
		if err := checkKey(resp, "the non-admin user's API key (--user-api-key, DOMINO_NONADMIN_API_KEY)", false); err != nil {
			return err
		}
	}
	if t.APIProxy != "" {
		if _, err := principal(t.APIProxy, "--api-proxy", Anonymous()); err != nil {
			return err
		}
	}
	if t.AdminAPIKey != "" {
		return r.checkProject(ctx)
	}
	return nil
}

// checkBaseURL refuses a base URL that is not http(s)://host[:port][/path].
func checkBaseURL(flag, value string) error {
	if value == "" {
		return nil
	}
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s %q is not an http:// or https:// URL (%s): give it as http://host:port, e.g. http://127.0.0.1:8080",
			flag, value, envOf(flag))
	}
	return nil
}

func envOf(flag string) string {
	switch flag {
	case "--api-host":
		return "DOMINO_API_HOST"
	case "--api-proxy":
		return "DOMINO_API_PROXY"
	case "--external-url":
		return "DOMINO_EXTERNAL_URL"
	}
	return ""
}

// checkKey reads the principal a key authenticates as: refused, or not the
// administrator it should (or should not) be.
func checkKey(resp *Response, what string, wantAdmin bool) error {
	switch {
	case resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden:
		return fmt.Errorf("%s is refused: GET /v4/auth/principal answered %d", what, resp.Status)
	case resp.Status != http.StatusOK:
		return fmt.Errorf("%s: GET /v4/auth/principal answered %d: is --api-host Domino's API host?", what, resp.Status)
	}
	o, err := resp.Object()
	if err != nil {
		return fmt.Errorf("%s: GET /v4/auth/principal: %v", what, err)
	}
	if isAdmin, _ := o["isAdmin"].(bool); wantAdmin && !isAdmin {
		name, _ := o["canonicalName"].(string)
		return fmt.Errorf("%s is not an administrator's: it is %q's", what, name)
	}
	return nil
}

// checkProject finds --project as the scenarios will, and keeps what it
// finds for them.
func (r *run) checkProject(ctx context.Context) error {
	owner, name, err := r.target.projectParts()
	if err != nil {
		return err
	}
	resp, err := r.client.Do(ctx, http.MethodGet, findProjectPath(owner, name), APIKey(r.target.AdminAPIKey, "the administrator"), nil)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNotFound {
		return fmt.Errorf("--project %s does not exist, or the administrator cannot see it: give the owner/name of a git-backed project", r.target.Project)
	}
	if _, err := (&world{run: r}).project(ctx); err != nil {
		return fmt.Errorf("--project %s: %v", r.target.Project, err)
	}
	return nil
}
