package api_test

// Shared helpers of the external (black-box) tests of the HTTP layer: one
// signing key for the whole test binary, a mock served on both listeners
// from one store, a request helper that calls the handler with no socket,
// and the checks of Domino's two error body shapes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/store"
)

// The default fixtures (fixtures/default.json).
const (
	adminID   = "64b7f0a1c2d3e4f5a6b7c801"
	adminIdp  = "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01"
	aliceID   = "64b7f0a1c2d3e4f5a6b7c802"
	aliceIdp  = "6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a02"
	projectID = "64b7f0a1c2d3e4f5a6b7c901"
	repoID    = "64b7f0a1c2d3e4f5a6b7ca01"
	envID     = "64b7f0a1c2d3e4f5a6b7cb01"
	// envRevisionID is the default environment's only revision.
	envRevisionID = "64b7f0a1c2d3e4f5a6b7cc01"
	issuer        = "http://mock.test/auth/realms/DominoRealm"

	unknownObjectID = "000000000000000000000bad"
	unknownUUID     = "00000000-0000-4000-8000-000000000bad"
)

// Header pairs for the two fixtures users and for no credentials.
var (
	asAdmin = []string{"X-Domino-Api-Key", fixtures.DefaultAdminAPIKey}
	asAlice = []string{"X-Domino-Api-Key", fixtures.DefaultUserAPIKey}
	noAuth  = []string{}
)

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// sharedKeys is generated once per test binary: RSA key generation is slow.
var sharedKeys = sync.OnceValues(signing.Generate)

func keys(t testing.TB) *signing.Keys {
	t.Helper()
	k, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// env is one mock: one store served on the API host and on the proxy.
type env struct {
	t     testing.TB
	st    *store.Store
	api   http.Handler
	proxy http.Handler
}

func newEnv(t testing.TB) *env { return newEnvProfile(t, profile.Observed()) }

func newEnvProfile(t testing.TB, p profile.Profile) *env {
	t.Helper()
	st := store.New(store.Config{Keys: keys(t), ExternalURL: "http://mock.test", Profile: p})
	// Both listeners share one journal and fault set, as server.Start builds them.
	o := api.Options{Store: st, Journal: api.NewJournal(100), Faults: api.NewFaults(1)}
	return &env{t: t, st: st, api: api.New(o, api.APIHost), proxy: api.New(o, api.Proxy)}
}

// resp is a recorded response.
type resp struct {
	code   int
	header http.Header
	body   []byte
	method string
	path   string
}

func (r *resp) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.method, clip(r.path), r.code, clip(string(r.body)))
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// serve calls h with no socket. body "" sends no body; a non-empty body is
// sent as application/json unless the headers set a Content-Type.
func serve(h http.Handler, method, target string, body string, hdr ...string) *resp {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" && strings.EqualFold(hdr[i], "Content-Type") {
			req.Header.Del("Content-Type")
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return serveReq(h, req)
}

func serveReq(h http.Handler, req *http.Request) *resp {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return &resp{code: rec.Code, header: rec.Header(), body: rec.Body.Bytes(), method: req.Method, path: req.URL.Path}
}

func (e *env) do(h http.Handler, method, target, body string, hdr ...string) *resp {
	return serve(h, method, target, body, hdr...)
}

// must calls and fails the test unless the status is want.
func (e *env) must(want int, h http.Handler, method, target, body string, hdr ...string) *resp {
	e.t.Helper()
	r := serve(h, method, target, body, hdr...)
	if r.code != want {
		e.t.Fatalf("%s: want %d", r, want)
	}
	return r
}

// obj decodes a JSON object body.
func (r *resp) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s: not a JSON object: %v", r, err)
	}
	return m
}

// list decodes a JSON array of objects.
func (r *resp) list(t testing.TB) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("%s: not a JSON array of objects: %v", r, err)
	}
	return l
}

// Service-account helpers, as the admin on the proxy.

type sa struct{ ID, IdpID, Username, Email string }

func (e *env) createSA(name string) sa {
	e.t.Helper()
	r := e.must(201, e.proxy, "POST", "/v4/serviceAccounts", fmt.Sprintf(`{"username":%q,"email":%q}`, name, name+"@example.com"))
	m := r.obj(e.t)
	return sa{ID: str(m["id"]), IdpID: str(m["idpId"]), Username: str(m["username"]), Email: str(m["email"])}
}

func (e *env) createToken(idp, name string) string {
	e.t.Helper()
	r := e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+idp+"/tokens", fmt.Sprintf(`{"name":%q}`, name))
	tok := str(r.obj(e.t)["token"])
	if tok == "" {
		e.t.Fatalf("%s: no token", r)
	}
	return tok
}

func (e *env) addCollaborator(id, role string) {
	e.t.Helper()
	e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/collaborators", fmt.Sprintf(`{"collaboratorId":%q,"projectRole":%q}`, id, role))
}

func (e *env) addGitCredential(userID, name string) string {
	e.t.Helper()
	r := e.must(200, e.proxy, "POST", "/v4/accounts/"+userID+"/gitcredentials",
		fmt.Sprintf(`{"name":%q,"gitServiceProvider":"github","accessType":"token","token":"ghp_secret","type":"TokenGitCredentialDto"}`, name))
	return str(r.obj(e.t)["id"])
}

// saWithToken makes a service account with one token, optionally a
// collaborator of the fixtures' project with role.
func (e *env) saWithToken(name, role string) (sa, string) {
	e.t.Helper()
	a := e.createSA(name)
	tok := e.createToken(a.IdpID, "t1")
	if role != "" {
		e.addCollaborator(a.ID, role)
	}
	return a, tok
}

func str(v any) string { s, _ := v.(string); return s }

// Shape checks.

var (
	objectIDRE = regexp.MustCompile(`^[0-9a-f]{24}$`)
	uuidRE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	dominoTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
)

// errorShape checks that r is an error in the shape of its route: public
// API routes (/api/...) answer 400, 404 and 500 as {"error":string} and the
// other statuses as {"requestId":uuid,"errors":[string,...]}; all others
// answer {"message":string,"success":false}. It returns the message.
func errorShape(r *resp) (string, error) {
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		return "", fmt.Errorf("error Content-Type %q, want application/json", ct)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &m); err != nil {
		return "", fmt.Errorf("error body is not a JSON object: %v", err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if strings.HasPrefix(r.path, "/api/") && (r.code == 400 || r.code == 404 || r.code == 500) {
		var msg string
		if strings.Join(keys, ",") != "error" || json.Unmarshal(m["error"], &msg) != nil || msg == "" {
			return "", fmt.Errorf("public API %d error keys %v, want a non-empty error", r.code, keys)
		}
		return msg, nil
	}
	if strings.HasPrefix(r.path, "/api/") {
		if strings.Join(keys, ",") != "errors,requestId" {
			return "", fmt.Errorf("public API error keys %v, want errors,requestId", keys)
		}
		var id string
		var errs []string
		if json.Unmarshal(m["requestId"], &id) != nil || uuid.Validate(id) != nil {
			return "", fmt.Errorf("requestId %s is not a UUID", m["requestId"])
		}
		if id != r.header.Get("X-Request-Id") {
			return "", fmt.Errorf("requestId %s differs from X-Request-Id %s", id, r.header.Get("X-Request-Id"))
		}
		if json.Unmarshal(m["errors"], &errs) != nil || len(errs) == 0 || errs[0] == "" {
			return "", fmt.Errorf("errors %s is not a non-empty array of strings", m["errors"])
		}
		return strings.Join(errs, "; "), nil
	}
	if strings.Join(keys, ",") != "message,success" {
		return "", fmt.Errorf("legacy error keys %v, want message,success", keys)
	}
	var msg string
	if json.Unmarshal(m["message"], &msg) != nil || msg == "" {
		return "", fmt.Errorf("message %s is not a non-empty string", m["message"])
	}
	if string(m["success"]) != "false" {
		return "", fmt.Errorf("success is %s, want false", m["success"])
	}
	return msg, nil
}

// wantError checks the status, the shape, and that the message holds each of parts.
func wantError(t testing.TB, r *resp, status int, parts ...string) string {
	t.Helper()
	if r.code != status {
		t.Errorf("%s: want %d", r, status)
		return ""
	}
	msg, err := errorShape(r)
	if err != nil {
		t.Errorf("%s: %v", r, err)
		return ""
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%s: message %q does not mention %q", r, msg, p)
		}
	}
	if status == 401 && r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("%s: 401 without WWW-Authenticate", r)
	}
	return msg
}

// fields checks that m has each key with a value of the given JSON kind:
// string, bool, number, array, object, null, id (24 hex), uuid, time.
func fields(t testing.TB, what string, m map[string]any, spec map[string]string) {
	t.Helper()
	for k, kind := range spec {
		v, ok := m[k]
		if !ok {
			t.Errorf("%s: no field %q in %v", what, k, m)
			continue
		}
		if err := kindOf(v, kind); err != nil {
			t.Errorf("%s: field %q: %v", what, k, err)
		}
	}
}

// exactFields is fields plus: no other keys.
func exactFields(t testing.TB, what string, m map[string]any, spec map[string]string) {
	t.Helper()
	fields(t, what, m, spec)
	for k := range m {
		if _, ok := spec[k]; !ok {
			t.Errorf("%s: unexpected field %q in %v", what, k, m)
		}
	}
}

func kindOf(v any, kind string) error {
	ok := false
	switch kind {
	case "string":
		_, ok = v.(string)
	case "bool":
		_, ok = v.(bool)
	case "number":
		_, ok = v.(float64)
	case "array":
		_, ok = v.([]any)
	case "object":
		_, ok = v.(map[string]any)
	case "null":
		ok = v == nil
	case "string or null":
		_, ok = v.(string)
		ok = ok || v == nil
	case "number or null":
		_, ok = v.(float64)
		ok = ok || v == nil
	case "id":
		s, _ := v.(string)
		ok = objectIDRE.MatchString(s)
	case "uuid":
		s, _ := v.(string)
		ok = uuidRE.MatchString(s)
	case "time":
		s, _ := v.(string)
		ok = dominoTime.MatchString(s)
	default:
		return fmt.Errorf("unknown kind %q", kind)
	}
	if !ok {
		return fmt.Errorf("%#v is not %s", v, kind)
	}
	return nil
}

// compact re-encodes JSON without spaces, for exact body comparisons.
func compact(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	return buf.String()
}
