package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Target is everything the suite knows about the deployment it checks: where
// its two listeners are and which credentials to use. A real Domino, a running
// mockdomino and the in-process mock are all just Targets.
type Target struct {
	// APIHost is the base URL of the API host (DOMINO_API_HOST), where every
	// call carries its own credentials.
	APIHost string
	// APIProxy is the base URL of the API proxy (DOMINO_API_PROXY), which adds
	// its user's credentials. Empty: scenarios tagged @proxy are skipped.
	APIProxy string
	// ExternalURL is the base URL under which Domino knows itself: its
	// tokens' iss is ExternalURL + /auth/realms/DominoRealm. Empty means
	// APIHost. Set it when the suite reaches Domino by another name than its
	// own (inside a workspace DOMINO_API_HOST is an internal service; a
	// mockdomino started with --external-url; a proxy in front of a target).
	ExternalURL string
	// AdminAPIKey is an administrator's API key. Empty: @admin scenarios are skipped.
	AdminAPIKey string
	// UserAPIKey is the API key of a user who is not an administrator and not
	// a collaborator of Project. Empty: @non-admin scenarios are skipped.
	UserAPIKey string
	// Project is "owner/name" of a git-backed project the suite may use.
	Project string
	// ModelMonitoringID is a model registered in the target's Model Monitor,
	// which custom-metric scenarios log to. Empty: a mock takes any id; on
	// another target, scenarios tagged @model-monitoring are skipped.
	ModelMonitoringID string
	// HTTPClient makes the calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// DefaultProject is the project of the default fixtures.
const DefaultProject = "admin/quick-start"

func (t Target) httpClient() *http.Client {
	if t.HTTPClient != nil {
		return t.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// externalURL is the base URL in the target's tokens' iss, without a
// trailing slash.
func (t Target) externalURL() string {
	if t.ExternalURL != "" {
		return strings.TrimRight(t.ExternalURL, "/")
	}
	return strings.TrimRight(t.APIHost, "/")
}

func (t Target) projectParts() (owner, name string, err error) {
	owner, name, ok := strings.Cut(t.Project, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("project %q is not owner/name", t.Project)
	}
	return owner, name, nil
}

// IsMock tells whether the target is a mockdomino: it answers
// GET /__mock/health with 200 and needs no credentials for it.
func (t Target) IsMock(ctx context.Context) bool {
	_, ok := t.MockHealth(ctx)
	return ok
}

// Health is what a mockdomino says of itself in GET /__mock/health: the
// profile it plays and its external URL (each "" when it does not say),
// and, when it refuses every change (503), why.
type Health struct {
	Profile     string `json:"profile"`
	ExternalURL string `json:"externalUrl"`
	Reason      string `json:"reason"`
	// Settings is the profile itself, as a profile file holds it.
	Settings json.RawMessage `json:"profileSettings"`
}

// MockHealth asks the target for its health answer; ok is false when the
// target is not a mockdomino.
func (t Target) MockHealth(ctx context.Context) (h Health, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(t.APIHost, "/")+"/__mock/health", nil)
	if err != nil {
		return h, false
	}
	resp, err := t.httpClient().Do(req)
	if err != nil {
		return h, false
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		json.NewDecoder(resp.Body).Decode(&h) // a mock that says less is still a mock
		return h, true
	case http.StatusServiceUnavailable:
		// A mockdomino that refuses every change says why: still a mock.
		var u struct {
			Health
			Status string `json:"status"`
		}
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&u) == nil && u.Status == "unavailable" && u.Reason != "" {
			return u.Health, true
		}
	}
	return h, false
}

// WithMockDefaults fills in what a mockdomino with the default fixtures
// needs and the caller left out: both API keys and the project.
func (t Target) WithMockDefaults() Target {
	if t.AdminAPIKey == "" && t.UserAPIKey == "" {
		t.AdminAPIKey = fixtures.DefaultAdminAPIKey
		t.UserAPIKey = fixtures.DefaultUserAPIKey
	}
	if t.Project == "" {
		t.Project = DefaultProject
	}
	return t
}
