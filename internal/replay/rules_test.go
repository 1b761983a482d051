package replay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

func TestClassify(t *testing.T) {
	for s, want := range map[string]kind{
		"64b7f0a1c2d3e4f5a6b7c801":                           kindID,
		"6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a01":               kindID,
		"SHA256:QfPbBEdj/hPyz/Md6htzpeW28w0gX8OpMvUQiZBlB9Y": kindID,
		"<jwt-12>":                   kindPlaceholder,
		"<admin-api-key-1>":          kindPlaceholder,
		"2026-11-27T23:56:56.170Z":   kindTime,
		"2027-03-27T23:56:56Z":       kindTime,
		"2026-11-27":                 kindTime,
		"deploy":                     kindText,
		"Succeeded":                  kindText,
		"6.2.0":                      kindText,
		"name is required":           kindText,
		"a-long-name-without-digits": kindText,
		"<redacted>":                 kindText,
	} {
		if got := classify(s); got != want {
			t.Errorf("classify(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestIgnores(t *testing.T) {
	place := func(s ...any) []elem {
		var out []elem
		for _, x := range s {
			switch v := x.(type) {
			case string:
				out = append(out, elem{name: v, index: -1})
			case int:
				out = append(out, elem{index: v})
			}
		}
		return out
	}
	for _, c := range []struct {
		ignore, method, path string
		at                   []elem
		want                 bool
	}{
		{"$.metadata.requestId", "GET", "/x", place("metadata", "requestId"), true},
		{"$.metadata", "GET", "/x", place("metadata", "requestId"), true}, // a parent leaves out what is under it
		{"$.metadata.requestId", "GET", "/x", place("metadata"), false},
		{"$..lastModified", "GET", "/x", place("items", 3, "lastModified"), true},
		{"$..lastModified", "GET", "/x", place("lastModified"), true},
		{"$..lastModified", "GET", "/x", place("items", 3, "name"), false},
		{"$.items[*].id", "GET", "/x", place("items", 7, "id"), true},
		{"$.items[0].id", "GET", "/x", place("items", 7, "id"), false},
		{"$.items[7].id", "GET", "/x", place("items", 7, "id"), true},
		{"$[*].name", "GET", "/x", place(2, "name"), true},
		{"$.*.id", "GET", "/x", place("user", "id"), true},
		{"$.*.id", "GET", "/x", place(0, "id"), false},
		{"GET /v4/projects/* $.created", "GET", "/v4/projects/abc?x=1", place("created"), true},
		{"GET /v4/projects/* $.created", "POST", "/v4/projects/abc", place("created"), false},
		{"GET /v4/projects/* $.created", "GET", "/v4/projects/abc/settings", place("created"), false},
		{"* /api/** $.metadata", "DELETE", "/api/a/b/c", place("metadata", "x"), true},
		{"* /api/** $.metadata", "DELETE", "/v4/a", place("metadata", "x"), false},
		{"get /version", "GET", "/version", nil, true},
		{"$", "GET", "/x", place("a", 0), true},
	} {
		ig, err := ParseIgnore(c.ignore)
		if err != nil {
			t.Errorf("%q: %v", c.ignore, err)
			continue
		}
		got := ig.appliesTo(c.method, c.path) && (ig.field == nil || ig.matches(c.at))
		if got != c.want {
			t.Errorf("%q on %s %s %s: %v, want %v", c.ignore, c.method, c.path, fieldString(c.at), got, c.want)
		}
	}
	for _, bad := range []string{"", "metadata.requestId", "$.", "$..", "$[x]", "$.a[", "GET", "GET v4 $.a", "GET /a/**/b $.x", "GET /a x"} {
		if _, err := ParseIgnore(bad); err == nil {
			t.Errorf("ParseIgnore(%q) took it", bad)
		}
	}
}

// ex is an exchange of a test transcript.
func ex(line int, method, host, path string, headers map[string]string, reqBody string, status int, respBody string) transcript.Exchange {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	x := transcript.Exchange{Line: line, Method: method, Host: host, Path: path, RequestHeaders: h, Status: status}
	if reqBody != "" {
		x.RequestBody = json.RawMessage(reqBody)
	}
	if respBody != "" {
		x.ResponseBody = json.RawMessage(respBody)
	}
	return x
}

var signedHeader = map[string]string{"X-Domino-Api-Key": "<admin-api-key-1>"}

func TestHostsByTheirCredentials(t *testing.T) {
	api, proxy := "http://target-api:1", "http://target-proxy:2"
	two := []transcript.Exchange{
		ex(1, "GET", "h1:80", "/__mock/health", nil, "", 200, ""),
		ex(2, "GET", "h1:80", "/v4/users/self", signedHeader, "", 200, ""),
		ex(3, "GET", "h1:80", "/v4/users/self", nil, "", 401, ""), // an unauthenticated call on the API host
		ex(4, "GET", "h2:81", "/v4/users/self", nil, "", 200, ""),
		ex(5, "GET", "h2:81", "/v4/users/self", map[string]string{"Authorization": "Bearer <jwt-2>"}, "", 200, ""),
		ex(6, "GET", "h2:81", "/access-token", nil, "", 200, ""),
	}
	got, err := mapHosts(two, Options{APIHost: api, APIProxy: proxy})
	if err != nil {
		t.Fatal(err)
	}
	want := []HostMapping{{"h1:80", "API host", api}, {"h2:81", "API proxy", proxy}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("mapHosts = %+v, want %+v", got, want)
	}
	// One host: the API host when its calls are signed, the proxy when none is.
	if got, err := mapHosts(two[:3], Options{APIHost: api}); err != nil || got[0].URL != api {
		t.Errorf("one signed host: %+v, %v", got, err)
	}
	if got, err := mapHosts(two[3:4], Options{APIHost: api, APIProxy: proxy}); err != nil || got[0].URL != proxy {
		t.Errorf("one unsigned host: %+v, %v", got, err)
	}
	if _, err := mapHosts(two[3:4], Options{APIHost: api}); err == nil || !strings.Contains(err.Error(), "--api-proxy") {
		t.Errorf("an unsigned host and no proxy: %v", err)
	}
	// --map-host decides.
	got, err = mapHosts(two, Options{APIHost: api, APIProxy: proxy, Hosts: map[string]string{"h2:81": "https://elsewhere"}})
	if err != nil || got[1] != (HostMapping{"h2:81", "given", "https://elsewhere"}) || got[0].URL != api {
		t.Errorf("with --map-host: %+v, %v", got, err)
	}
	if _, err := mapHosts(two, Options{APIHost: api, APIProxy: proxy, Hosts: map[string]string{"h3:1": "http://x"}}); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("--map-host of a host the transcript lacks: %v", err)
	}
	// Two signed hosts: which is which cannot be told.
	ambiguous := append(two[:2:2], ex(7, "GET", "h3:82", "/v4/users/self", signedHeader, "", 200, ""))
	if _, err := mapHosts(ambiguous, Options{APIHost: api, APIProxy: proxy}); err == nil || !strings.Contains(err.Error(), "--map-host") {
		t.Errorf("two signed hosts: %v", err)
	}
}

func TestParseMapHostAndCredential(t *testing.T) {
	if r, b, err := ParseMapHost("127.0.0.1:8080=https://domino.example.com/"); err != nil || r != "127.0.0.1:8080" || b != "https://domino.example.com" {
		t.Errorf("ParseMapHost = %q %q %v", r, b, err)
	}
	for _, bad := range []string{"127.0.0.1:8080", "=http://x", "http://a:1=http://x", "a:1=ftp://x", "a:1=x", "a:1=http://x?q=1"} {
		if _, _, err := ParseMapHost(bad); err == nil {
			t.Errorf("ParseMapHost(%q) took it", bad)
		}
	}
	env := func(k string) string { return map[string]string{"KEY": "s3cret-value"}[k] }
	for spec, want := range map[string]Credential{
		"<api-key-3>=user":     {Role: "user"},
		"<api-key-3>=admin":    {Role: "admin"},
		"<api-key-3>=recorded": {Role: "recorded"},
		"<token-9>=env:KEY":    {Value: "s3cret-value"},
	} {
		if _, c, err := ParseCredential(spec, env); err != nil || c != want {
			t.Errorf("ParseCredential(%q) = %+v, %v", spec, c, err)
		}
	}
	for spec, msg := range map[string]string{
		"<apikey-3>=user":   "not a kind of placeholder",
		"<api-key-3>=root":  "want admin, user",
		"api-key-3=user":    "want PLACEHOLDER=",
		"<api-key-3>":       "want PLACEHOLDER=",
		"<api-key-3>=env:X": "empty or unset",
	} {
		_, _, err := ParseCredential(spec, env)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseCredential(%q): %v, want an error saying %q", spec, err, msg)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the variable's value: %v", err)
		}
	}
}

// target is a test server that records what it was sent and answers with
// a handler.
type target struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
	body []string
}

func newTarget(t *testing.T, h func(w http.ResponseWriter, r *http.Request, body string)) *target {
	tg := &target{}
	tg.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tg.mu.Lock()
		tg.seen = append(tg.seen, r)
		tg.body = append(tg.body, string(b))
		tg.mu.Unlock()
		h(w, r, string(b))
	}))
	t.Cleanup(tg.Close)
	return tg
}

func writeJSON(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, v)
}

// Ids and tokens an answer gave are sent, in later requests, as the ones
// the target gave; the keys become the target's; secrets the client made
// are made afresh; a forged JWT is sent as recorded and noted.
func TestMappingReissuesIdsAndCredentials(t *testing.T) {
	const (
		adminKey = "target-admin-key-000000"
		userKey  = "target-user-key-1111111"
		newID    = "aaaaaaaaaaaaaaaaaaaaaaaa"
		newToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0YXJnZXQifQ.c2lnbmVk"
	)
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/v4/serviceAccounts":
			writeJSON(w, 201, `{"id":"`+newID+`","username":"bot"}`)
		case r.Method == "POST" && r.URL.Path == "/v4/serviceAccounts/"+newID+"/tokens":
			writeJSON(w, 201, `{"token":"`+newToken+`","name":"deploy","createdAt":"2030-01-01T00:00:00Z"}`)
		case r.URL.Path == "/v4/users/self" && r.Header.Get("Authorization") == "Bearer "+newToken:
			writeJSON(w, 200, `{"id":"`+newID+`","userName":"bot","isAdmin":false}`)
		default:
			writeJSON(w, 200, `{}`)
		}
	})
	const oldID = "64b7f0a1c2d3e4f5a6b7c999"
	xs := []transcript.Exchange{
		ex(1, "POST", "rec:1", "/v4/serviceAccounts", signedHeader, `{"username":"bot"}`, 201, `{"id":"`+oldID+`","username":"bot"}`),
		ex(2, "POST", "rec:1", "/v4/serviceAccounts/"+oldID+"/tokens", signedHeader, `{"name":"deploy"}`, 201, `{"token":"<jwt-3>","name":"deploy","createdAt":"2026-01-01T00:00:00Z"}`),
		ex(3, "GET", "rec:1", "/v4/users/self", map[string]string{"Authorization": "Bearer <jwt-3>"}, "", 200, `{"id":"`+oldID+`","userName":"bot","isAdmin":false}`),
		ex(4, "GET", "rec:1", "/v4/users/self", map[string]string{"X-Domino-Api-Key": "<user-api-key-2>"}, "", 200, `{}`),
		ex(5, "GET", "rec:1", "/v4/users/self", map[string]string{"X-Domino-Api-Key": "<api-key-9>"}, "", 200, `{}`),
		ex(6, "POST", "rec:1", "/v4/accounts/"+oldID+"/gitcredentials?via=http://rec:1/x", signedHeader, `{"password":"<password-4>","owner":"`+oldID+`"}`, 200, `{}`),
		ex(7, "GET", "rec:1", "/v4/users/self", map[string]string{"Authorization": "Bearer <jwt-5>"}, "", 200, `{}`),
	}
	res, err := Run(context.Background(), xs, Options{APIHost: tg.URL, AdminAPIKey: adminKey, UserAPIKey: userKey, Controls: ControlsSkip})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Errorf("drifts:\n%v", res.Drifts)
	}
	sent := func(i int) *http.Request { return tg.seen[i] }
	if got := sent(1).URL.Path; got != "/v4/serviceAccounts/"+newID+"/tokens" {
		t.Errorf("the token was made for %s, want the target's account", got)
	}
	if got := sent(2).Header.Get("Authorization"); got != "Bearer "+newToken {
		t.Errorf("the token was sent as %q, want the target's", got)
	}
	if got := sent(0).Header.Get("X-Domino-Api-Key"); got != adminKey {
		t.Errorf("<admin-api-key-1> sent as %q", got)
	}
	if got := sent(3).Header.Get("X-Domino-Api-Key"); got != userKey {
		t.Errorf("<user-api-key-2> sent as %q", got)
	}
	// The transcript labels the runner's keys: another key is one the
	// client made up, sent as recorded.
	if got := sent(4).Header.Get("X-Domino-Api-Key"); got != "<api-key-9>" {
		t.Errorf("<api-key-9> sent as %q, want as recorded", got)
	}
	if got := sent(5).URL.RequestURI(); got != "/v4/accounts/"+newID+"/gitcredentials?via="+tg.URL+"/x" {
		t.Errorf("path and query sent as %s", got)
	}
	var body map[string]string
	json.Unmarshal([]byte(tg.body[5]), &body)
	if body["owner"] != newID || !strings.HasPrefix(body["password"], "replay-password-") {
		t.Errorf("body sent as %s", tg.body[5])
	}
	if got := sent(6).Header.Get("Authorization"); got != "Bearer <jwt-5>" {
		t.Errorf("a JWT no answer made sent as %q", got)
	}
	notes := strings.Join(res.Notes, "\n")
	for _, want := range []string{"made 1 fresh secret(s)", "password: 1", "sent 2 placeholder(s) as recorded", "<api-key-9>", "<jwt-5>"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// Without labels (a recording proxy's transcript) a bare <api-key-N> is
	// the administrator's; --credential says otherwise.
	tg.seen, tg.body = nil, nil
	plain := []transcript.Exchange{
		ex(1, "GET", "rec:1", "/v4/users/self", map[string]string{"X-Domino-Api-Key": "<api-key-1>"}, "", 200, `{}`),
		ex(2, "GET", "rec:1", "/v4/users/self", map[string]string{"X-Domino-Api-Key": "<api-key-2>"}, "", 200, `{}`),
	}
	if _, err := Run(context.Background(), plain, Options{APIHost: tg.URL, AdminAPIKey: adminKey, UserAPIKey: userKey,
		Credentials: map[string]Credential{"<api-key-2>": {Role: "user"}}}); err != nil {
		t.Fatal(err)
	}
	if a, u := sent(1).Header.Get("X-Domino-Api-Key"), sent(2).Header.Get("X-Domino-Api-Key"); a != adminKey || u != userKey {
		t.Errorf("unlabelled keys sent as %q and %q", a, u)
	}
}

// What differs and carries meaning is reported; ids, times and secrets are
// not; a list the target orders otherwise is compared element by element
// with the same ids; --ignore leaves fields out.
func TestCompareRules(t *testing.T) {
	const (
		a1, b1 = "111111111111111111111111", "222222222222222222222222" // recorded
		a2, b2 = "333333333333333333333333", "444444444444444444444444" // the target's
	)
	answers := map[string]string{
		"/a": `{"id":"` + a2 + `"}`,
		"/b": `{"id":"` + b2 + `"}`,
		// b before a, as the target orders its own ids; b's count differs.
		"/list": `[{"id":"` + b2 + `","count":5,"status":"Running"},{"id":"` + a2 + `","count":1,"status":"Running"}]`,
		"/msg":  `{"message":"Project ` + a2 + ` not found at 2030-01-01T00:00:00Z","secret":"eyJhbGciOiJIUzI1NiJ9.eyJzIjoxfQ.c2ln"}`,
		"/mixed": `{"created":1700000000000,"total":3,"ok":true,"kind":"x","gone":null,"extra":1,"obj":{"n":1},` +
			`"requestId":"r1","list":[1,2,3],"empty":""}`,
		"/text": `hello`,
	}
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
		if r.URL.Path == "/text" {
			io.WriteString(w, answers["/text"])
			return
		}
		writeJSON(w, 200, answers[r.URL.Path])
	})
	xs := []transcript.Exchange{
		ex(1, "POST", "rec:1", "/a", signedHeader, "", 200, `{"id":"`+a1+`"}`),
		ex(2, "POST", "rec:1", "/b", signedHeader, "", 200, `{"id":"`+b1+`"}`),
		ex(3, "GET", "rec:1", "/list", signedHeader, "", 200, `[{"id":"`+a1+`","count":1,"status":"Running"},{"id":"`+b1+`","count":2,"status":"Running"}]`),
		ex(4, "GET", "rec:1", "/msg", signedHeader, "", 200, `{"message":"Project `+a1+` not found at 2026-01-01T00:00:00.000Z","secret":"<token-1>"}`),
		ex(5, "GET", "rec:1", "/mixed", signedHeader, "", 200, `{"created":1600000000000,"total":2,"ok":false,"kind":"y","gone":"z","obj":[1],`+
			`"requestId":"r2","list":[1,2],"empty":"","missing":1}`),
		ex(6, "GET", "rec:1", "/text", signedHeader, "", 200, `"hello"`),
	}
	res, err := Run(context.Background(), xs, Options{APIHost: tg.URL, Controls: ControlsSkip, Ignore: []string{"GET /mixed $.requestId"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range res.Drifts {
		got = append(got, d.String())
	}
	want := []string{
		`line 3 GET /list: value $[1].count: recorded 2, got 5`,
		`line 5 GET /mixed: value $.kind: recorded "y", got "x"`,
		`line 5 GET /mixed: value $.list: recorded 2 elements, got 3 elements`,
		`line 5 GET /mixed: shape $.missing: recorded a number, got no such field`,
		`line 5 GET /mixed: shape $.gone: recorded a string, got null`,
		`line 5 GET /mixed: shape $.obj: recorded a list, got an object`,
		`line 5 GET /mixed: value $.ok: recorded false, got true`,
		`line 5 GET /mixed: value $.total: recorded 2, got 3`,
		`line 5 GET /mixed: shape $.extra: recorded no such field, got a number`,
	}
	if strings.Join(got, "\n") != strings.Join(sorted(want, got), "\n") {
		t.Errorf("drifts:\n%s\nwant (in any order):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Drifted != 2 || res.Replayed != 6 {
		t.Errorf("%s", res.Summary())
	}
}

// sorted returns want in got's order when both hold the same lines, else want.
func sorted(want, got []string) []string {
	if len(want) != len(got) {
		return want
	}
	set := map[string]bool{}
	for _, w := range want {
		set[w] = true
	}
	for _, g := range got {
		if !set[g] {
			return want
		}
	}
	return got
}

// A report never shows a secret of the target: a message that echoes a
// token the target gave shows its placeholder.
func TestReportShowsNoTargetSecret(t *testing.T) {
	const tok = "target-token-value-0123456789"
	const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzIjoxfQ.c2lnbmF0dXJl"
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
		switch r.URL.Path {
		case "/token":
			writeJSON(w, 200, `{"token":"`+tok+`"}`)
		default:
			writeJSON(w, 200, `{"message":"token `+tok+` is not `+jwt+` nor key admin-key-of-the-target"}`)
		}
	})
	xs := []transcript.Exchange{
		ex(1, "POST", "rec:1", "/token", signedHeader, "", 200, `{"token":"<token-2>"}`),
		ex(2, "GET", "rec:1", "/echo", signedHeader, "", 200, `{"message":"something else"}`),
	}
	res, err := Run(context.Background(), xs, Options{APIHost: tg.URL, AdminAPIKey: "admin-key-of-the-target", Controls: ControlsSkip})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.WriteText(&out)
	res.WriteJSON(&out)
	for _, secret := range []string{tok, jwt, "admin-key-of-the-target"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("the report shows %q:\n%s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), `got "token <token-2> is not <jwt> nor key <api-key>"`) {
		t.Errorf("the report lacks the drift, secrets replaced:\n%s", out.String())
	}
}

// The mock's control calls are replayed against a mockdomino, skipped
// against anything else; a recorded answer sent back (a client saving
// something and putting it back) is sent as the target's answer.
func TestControlCallsAndSavedAnswers(t *testing.T) {
	mockLike := func(isMock bool) *target {
		return newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
			switch {
			case r.URL.Path == "/__mock/health" && isMock:
				writeJSON(w, 200, `{"status":"ok"}`)
			case r.URL.Path == "/__mock/health":
				writeJSON(w, 404, `{"message":"no"}`)
			case r.Method == "GET":
				writeJSON(w, 200, `{"mode":"the target's","n":1}`)
			default:
				writeJSON(w, 200, `{}`)
			}
		})
	}
	xs := []transcript.Exchange{
		ex(1, "GET", "rec:1", "/__mock/jobs/lifecycle", signedHeader, "", 200, `{"mode":"the recording's","n":1}`),
		ex(2, "PUT", "rec:1", "/__mock/jobs/lifecycle", signedHeader, `{"mode":"immediate"}`, 200, `{}`),
		ex(3, "GET", "rec:1", "/v4/users/self", signedHeader, "", 200, `{}`),
		ex(4, "PUT", "rec:1", "/__mock/jobs/lifecycle", signedHeader, `{"mode":"the recording's","n":1}`, 200, `{}`),
	}
	mock := mockLike(true)
	res, err := Run(context.Background(), xs, Options{APIHost: mock.URL})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Mock || res.Replayed != 4 || res.Skipped != 0 {
		t.Errorf("against a mock: %s (mock %v)", res.Summary(), res.Mock)
	}
	if got := mock.body[len(mock.body)-1]; got != `{"mode":"the target's","n":1}` {
		t.Errorf("the saved answer was put back as %s, want the target's own", got)
	}
	other := mockLike(false)
	res, err = Run(context.Background(), xs, Options{APIHost: other.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res.Mock || res.Replayed != 1 || res.Skipped != 3 || len(res.Skips) != 1 || !strings.Contains(res.Skips[0].Reason, "not a mockdomino") {
		t.Errorf("against another target: %s, skips %+v", res.Summary(), res.Skips)
	}
	for _, r := range other.seen[1:] { // after the health probe
		if strings.HasPrefix(r.URL.Path, "/__mock/") {
			t.Errorf("sent %s %s to a target that is not a mock", r.Method, r.URL.Path)
		}
	}
}

// A target that does not answer stops the replay with ErrUnreachable.
func TestUnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	xs := []transcript.Exchange{ex(1, "GET", "rec:1", "/v4/users/self", signedHeader, "", 200, `{}`)}
	for _, c := range []Controls{ControlsAuto, ControlsReplay} {
		_, err := Run(context.Background(), xs, Options{APIHost: "http://" + addr, Controls: c})
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), addr) {
			t.Errorf("controls %d: %v, want ErrUnreachable naming %s", c, err, addr)
		}
	}
}

// An id sent in a query right after a percent-escape (a list of ids
// python's requests joins with %2C, a path escaped with %2F) is mapped like
// any other: the run of id characters must not swallow the escape's digits.
func TestMappingIdsAfterPercentEscapes(t *testing.T) {
	const (
		oldA, oldB = "64b7f0a1c2d3e4f5a6b7c901", "64b7f0a1c2d3e4f5a6b7c902"
		newA, newB = "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	)
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
		if r.Method == "POST" {
			writeJSON(w, 200, `{"a":"`+newA+`","b":"`+newB+`"}`)
			return
		}
		writeJSON(w, 200, `{}`)
	})
	xs := []transcript.Exchange{
		ex(1, "POST", "rec:1", "/v4/things", signedHeader, `{}`, 200, `{"a":"`+oldA+`","b":"`+oldB+`"}`),
		ex(2, "GET", "rec:1", "/v4/things?ids="+oldA+"%2C"+oldB+"&path=%2F"+oldA, signedHeader, "", 200, `{}`),
	}
	if _, err := Run(context.Background(), xs, Options{APIHost: tg.URL, AdminAPIKey: "k", Controls: ControlsSkip}); err != nil {
		t.Fatal(err)
	}
	if got, want := tg.seen[1].URL.RawQuery, "ids="+newA+"%2C"+newB+"&path=%2F"+newA; got != want {
		t.Errorf("query sent as %s, want %s", got, want)
	}
}

// A --credential given the secret itself, not admin, user or env:VAR (the
// way to pass one), is refused without the secret in the error: stderr is
// often a CI log.
func TestParseCredentialHidesAValueGivenInline(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
	for _, spec := range []string{"<jwt-3>=" + jwt, jwt, "<jwt-3>" + jwt, "<api-key-1>=Xk9pQ2mZ7vR4tY8wB3nL6cF1"} {
		_, _, err := ParseCredential(spec, func(string) string { return "" })
		if err == nil {
			t.Fatalf("ParseCredential(%.12q…) took it", spec)
		}
		if strings.Contains(err.Error(), jwt) || strings.Contains(err.Error(), "Xk9pQ2mZ7vR4tY8wB3nL6cF1") {
			t.Errorf("the error shows the secret: %v", err)
		}
	}
}

// An --ignore naming a route and no field leaves that route's answers out
// entirely, a status that differs included; "$" leaves out the body only,
// so the status is still compared.
func TestIgnoreOfARouteLeavesOutItsStatus(t *testing.T) {
	tg := newTarget(t, func(w http.ResponseWriter, r *http.Request, body string) {
		writeJSON(w, 500, `{"message":"down"}`)
	})
	xs := []transcript.Exchange{ex(1, "GET", "rec:1", "/version", signedHeader, "", 200, `{"version":"6.2.0"}`)}
	for _, c := range []struct {
		ignore string
		drifts int
	}{{"GET /version", 0}, {"GET /version $", 1}, {"GET /other", 1}} {
		res, err := Run(context.Background(), xs, Options{APIHost: tg.URL, Controls: ControlsSkip, Ignore: []string{c.ignore}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Drifts) != c.drifts {
			t.Errorf("--ignore %q: %d drifts %v, want %d", c.ignore, len(res.Drifts), res.Drifts, c.drifts)
		}
	}
}

// Replay knows every kind of placeholder a recorder makes: a kind added to
// the recorder's fields or headers and not here would be refused by
// --credential and Run.
func TestPlaceholderKindsCoverTheRecorders(t *testing.T) {
	for _, k := range transcript.Kinds() {
		if _, ok := placeholderKinds[k]; !ok {
			t.Errorf("the recorder makes <%s-N>, which replay does not know", k)
		}
	}
}
