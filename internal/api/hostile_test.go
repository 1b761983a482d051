package api_test

// Hostile input: every request below is refused with a 4xx in its route's
// error shape (or accepted, where it is in fact valid); none answers a 5xx
// other than the documented duplicate 500; and the mock serves normally
// afterwards.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/api"
)

// bodyRoute is a route that decodes a JSON body, with a valid body for it.
type bodyRoute struct {
	method, path string
	valid        func(i int) string // a valid body; i makes it unique where needed
}

func bodyRoutes(e *env) []bodyRoute {
	a := e.createSA("hostile-sa")
	e.addCollaborator(a.ID, "Contributor")
	cred := e.addGitCredential(adminID, "admin-cred")
	job := str(e.must(200, e.proxy, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`).obj(e.t)["id"])
	state := string(e.must(200, e.proxy, "GET", "/__mock/state?secrets=true", "").body)
	fixed := func(s string) func(int) string { return func(int) string { return s } }
	return append([]bodyRoute{
		{"POST", "/v4/serviceAccounts", func(i int) string { return fmt.Sprintf(`{"username":"h-%d","email":"h-%d@example.com"}`, i, i) }},
		{"POST", "/v4/serviceAccounts/" + a.IdpID + "/tokens", func(i int) string { return fmt.Sprintf(`{"name":"t-%d"}`, i) }},
		{"POST", "/v4/serviceAccounts/" + a.IdpID + "/gitcredentials", fixed(ghCred)},
		{"POST", "/v4/projects/" + projectID + "/collaborators", fixed(`{"collaboratorId":"` + a.ID + `","projectRole":"Contributor"}`)},
		{"POST", "/v4/accounts/" + adminID + "/gitcredentials", fixed(ghCred)},
		{"PUT", "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping", fixed(`{"credentialId":"` + cred + `"}`)},
		{"POST", "/api/jobs/v1/jobs", fixed(`{"projectId":"` + projectID + `","runCommand":"ls"}`)},
		{"POST", "/v4/jobs/start", fixed(`{"projectId":"` + projectID + `","commandToRun":"ls"}`)},
		{"POST", "/v4/jobs/stop", fixed(`{"projectId":"` + projectID + `","jobId":"` + job + `","commitResults":true}`)},
		{"POST", "/__mock/clock", fixed(`{"advance":"1s"}`)},
		{"PUT", "/__mock/jobs/lifecycle", fixed(`{"mode":"immediate"}`)},
		{"POST", "/__mock/faults", fixed(`{"match":{"route":"/version","caller":"nobody"},"effect":{"status":503}}`)}, // never fires: /version has no caller
		{"PUT", "/__mock/state", fixed(state)},
	}, projectBodyRoutes()...)
}

// allowed5xx reports whether r is the documented duplicate answer, or a
// 500 Domino was observed to answer (observed500).
func allowed5xx(r *resp) bool {
	if r.code != 500 {
		return false
	}
	msg, err := errorShape(r)
	if err != nil {
		return false
	}
	if observed500(r, msg) {
		return true
	}
	// A dataset's name taken in its project: the profile's duplicate status.
	if strings.HasPrefix(msg, "A dataset with the name ") && (r.path == "/dataset" || r.path == "/v4/datasetrw" ||
		strings.HasPrefix(r.path, "/dataset/") || strings.HasPrefix(r.path, "/v4/datasetrw/dataset/")) {
		return true
	}
	if r.method != "POST" {
		return false
	}
	switch {
	case r.path == "/v4/projects", r.path == "/project", strings.HasSuffix(r.path, "/fork"):
		return strings.HasPrefix(msg, "A project with the name ")
	case r.path == "/v4/serviceAccounts", r.path == "/api/serviceAccounts/v1/serviceAccounts":
		return strings.HasPrefix(msg, "A user with the username ") || strings.HasPrefix(msg, "A user with the email ")
	case strings.HasSuffix(r.path, "/tokens"):
		return strings.HasPrefix(msg, "A token with the name ")
	case r.path == "/v4/cost/budgets/overrides":
		return strings.HasPrefix(msg, "A budget override for ")
	case r.path == "/v4/modelProducts":
		return strings.HasPrefix(msg, "An app with the name ")
	}
	return false
}

// sane checks the properties every answer has: no 5xx but the documented
// duplicates, and errors in the route's shape.
func sane(t testing.TB, r *resp) {
	t.Helper()
	if r.code >= 500 && !allowed5xx(r) {
		t.Errorf("5xx: %s", r)
		return
	}
	if r.code >= 400 {
		if _, err := errorShape(r); err != nil {
			t.Errorf("%s: %v", r, err)
		}
	}
}

func TestHostileBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	routes := bodyRoutes(e)
	deep := func(open string, n int) string { return strings.Repeat(open, n) }
	numbers := `{"username":1,"email":1,"name":1,"collaboratorId":1,"projectRole":1,"gitServiceProvider":1,"accessType":1,` +
		`"credentialId":1,"projectId":1,"runCommand":1,"commandToRun":1,"jobId":1,"advance":1,"mode":1,"version":"1","match":1}`
	objects := strings.ReplaceAll(strings.ReplaceAll(numbers, `:1`, `:{}`), `"1"`, `{}`)
	arrays := strings.ReplaceAll(strings.ReplaceAll(numbers, `:1`, `:["x"]`), `"1"`, `[1]`)
	nulls := strings.ReplaceAll(strings.ReplaceAll(numbers, `:1`, `:null`), `"1"`, `null`)
	// Each of these is refused by every body route, with the status given.
	refused := []struct {
		name, body string
		status     int
	}{
		{"empty", "", 400},
		{"whitespace", "  \n\t ", 400},
		{"truncated object", `{"name":"a`, 400},
		{"truncated after colon", `{"name":`, 400},
		{"open brace", `{`, 400},
		{"close brace", `}`, 400},
		{"100k brackets", deep("[", 100_000), 400},
		{"100k closed brackets", deep("[", 100_000) + deep("]", 100_000), 400},
		{"100k nested objects", deep(`{"a":`, 100_000), 400},
		{"deep inside a field", `{"name":` + deep("[", 50_000), 400},
		{"empty array", `[]`, 400},
		{"array of objects", `[{"name":"x"}]`, 400},
		{"string", `"hello"`, 400},
		{"number", `42`, 400},
		{"huge number", `1e999999`, 400},
		{"boolean", `true`, 400},
		{"null", `null`, 400},
		{"empty object", `{}`, 400},
		{"all fields null", nulls, 400},
		{"numbers for strings", numbers, 400},
		{"objects for strings", objects, 400},
		{"arrays for strings", arrays, 400},
		{"two objects", `{} {}`, 400},
		{"trailing garbage", `{"name":"x"} x`, 400},
		{"trailing bracket", `{"name":"x"}]`, 400},
		{"single quotes", `{'name':'x'}`, 400},
		{"comment", `{/* c */}`, 400},
		{"trailing comma", `{"name":"x",}`, 400},
		{"NaN", `{"polls":NaN}`, 400},
		{"invalid UTF-8 outside strings", "{\xff\xfe}", 400},
		{"UTF-8 BOM", "\xef\xbb\xbf{}", 400},
		{"UTF-16", "\xff\xfe{\x00}\x00", 400},
		{"NUL bytes", "\x00\x00\x00\x00", 400},
		{"form encoding", `name=x&email=y`, 400},
		{"10 MB of spaces after an object", `{}` + strings.Repeat(" ", 10<<20), 413},
		{"10 MB string", `{"name":"` + strings.Repeat("a", 10<<20) + `"}`, 413},
		{"10 MB of garbage", strings.Repeat("\x01", 10<<20), 413},
		{"1 MiB + 1 byte", `{"name":"` + strings.Repeat("a", 1<<20-10) + `"}`, 413},
	}
	for _, rt := range routes {
		for _, c := range refused {
			if c.status == 413 && rt.path == "/__mock/state" {
				continue // a state document may be up to 256 MiB
			}
			r := e.do(e.proxy, rt.method, rt.path, c.body, "Content-Type", "application/json")
			sane(t, r)
			if r.code != c.status {
				t.Errorf("%s: %s: want %d", c.name, r, c.status)
			}
		}
	}

	// A body of undeclared length (chunked) is cut off at the limit too.
	chunked := []string{`{"name":"` + strings.Repeat("a", 1<<20) + `"}`, `{}` + strings.Repeat(" ", 1<<20)}
	for _, rt := range []bodyRoute{routes[0], routes[6], routes[9]} { // a /v4, an /api and a control route
		for _, body := range chunked {
			req := httptest.NewRequest(rt.method, rt.path, io.NopCloser(strings.NewReader(body)))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/json")
			wantError(t, serveReq(e.proxy, req), 413)
		}
	}

	// Content-Type: missing is accepted, JSON types are, others are 415.
	for i, rt := range routes {
		for j, c := range []struct {
			ct   string
			want int
		}{
			{"", 0},
			{"application/json", 0},
			{"application/json; charset=utf-8", 0},
			{"APPLICATION/JSON", 0},
			{"application/problem+json", 0},
			{"text/plain", 415},
			{"application/x-www-form-urlencoded", 415},
			{"multipart/form-data; boundary=x", 415},
			{"application/xml", 415},
			{"application/jsonx", 415},
			{"json", 415},
			{"application/json; charset", 415},
			{"*/*", 415},
			{strings.Repeat("a", 64<<10), 415},
			{"application/json\x00", 415},
		} {
			r := e.do(e.proxy, rt.method, rt.path, rt.valid(1000+i*100+j), "Content-Type", c.ct)
			sane(t, r)
			switch {
			case c.want == 415:
				wantError(t, r, 415, "Content-Type")
			case r.code >= 300:
				t.Errorf("Content-Type %q refused a valid body: %s", c.ct, r)
			}
		}
	}

	// Route-specific hostile values.
	sa := routes[0].path
	tok := routes[1].path
	for _, c := range []struct {
		path, body string
		want       int // 0: 2xx or 4xx, both fine
	}{
		{sa, `{"username":"a\u0000b","email":"c@example.com"}`, 400},
		{sa, `{"username":"a\nb","email":"c@example.com"}`, 400},
		{sa, `{"username":"../admin","email":"c@example.com"}`, 400},
		{sa, `{"username":"a/b","email":"c@example.com"}`, 400},
		{sa, `{"username":"a\\b","email":"c@example.com"}`, 400},
		{sa, `{"username":"%2e%2e","email":"c@example.com"}`, 400},
		{sa, "{\"username\":\"caf\xe9\",\"email\":\"c@example.com\"}", 400},
		{sa, `{"username":"okname","email":"c\u0000@example.com"}`, 400},
		{sa, `{"username":"okname","email":"c@exa\nmple.com"}`, 400},
		{sa, "{\"username\":\"okname\",\"email\":\"c\xff@example.com\"}", 400},
		{sa, `{"username":"okname","email":"` + strings.Repeat("a", 300) + `@example.com"}`, 400},
		{sa, `{"username":"dup-a","username":"dup-b","email":"dup@example.com"}`, 201},
		{sa, `{"username":"dup-b","email":"dup2@example.com"}`, 500}, // the documented duplicate
		{sa, `{"username":"ADMIN","email":"other-admin@example.com"}`, 500},
		{sa, `{"username":"x","email":"X@Example.com","email":"x@example.com"}`, 201},
		{tok, `{"name":"a\u0000b"}`, 400},
		{tok, `{"name":"../../etc/passwd"}`, 400},
		{tok, `{"name":"a\\b"}`, 400},
		{tok, `{"name":"tab\there"}`, 400},
		{tok, `{"name":"` + strings.Repeat("n", 129) + `"}`, 400},
		{tok, "{\"name\":\"\xff\xfe\"}", 400},
		{routes[4].path, "{\"name\":\"caf\xe9\",\"gitServiceProvider\":\"github\",\"accessType\":\"token\",\"token\":\"t\"}", 400},
		{routes[4].path, `{"name":"café","gitServiceProvider":"github","accessType":"token","token":"t"}`, 200},
		{tok, `{"name":"..."}`, 0},
		{tok, `{"name":"%2F"}`, 0},
		{tok, `{"name":"dup","name":"dup"}`, 201},
		{tok, `{"name":"dup"}`, 500},
		{routes[4].path, `{"name":"a\u0000","gitServiceProvider":"github","accessType":"token","token":"t"}`, 400},
		{routes[4].path, `{"name":"ok","gitServiceProvider":"github","domain":"../../x","accessType":"token","token":"t"}`, 400},
		{routes[4].path, `{"name":"ok","gitServiceProvider":"github\u0000","accessType":"token","token":"t"}`, 400},
		{routes[3].path, `{"collaboratorId":"../../","projectRole":"Contributor"}`, 404},
		{routes[3].path, `{"collaboratorId":"` + adminID + `","projectRole":"Contributor"}`, 400}, // the owner
		{routes[5].path, `{"credentialId":"../` + adminID + `"}`, 400},                            // Json validation error
		{"/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":"   "}`, 400},
		{"/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":"ls","hardwareTier":"\u0000"}`, 400},
		{"/v4/jobs/start", `{"projectId":"../` + projectID + `","commandToRun":"ls"}`, 400},
		{"/v4/jobs/stop", `{"jobId":"..%2F"}`, 400},
		{"/__mock/clock", `{"advance":"-5m"}`, 200},
		{"/__mock/clock", `{"set":"1e3"}`, 400},
		{"/__mock/clock", `{"advance":"1e3h"}`, 400},
		{"/__mock/clock", `{"advance":"99999999999h"}`, 400},
		{"/__mock/clock", `{"advance":"0s"}`, 400},
		{"/__mock/clock", `{"advance":"\"1h\""}`, 400},
		{"/__mock/clock", `{"advance":"1h","advance":"2h"}`, 200},
		{"/__mock/jobs/lifecycle", `{"mode":"polls","polls":1e30}`, 400},
		{"/__mock/jobs/lifecycle", `{"mode":"clock","queuedFor":"forever"}`, 400},
		{"/__mock/jobs/lifecycle", `{"mode":"clock","queuedFor":"-1h"}`, 400},
		{"/__mock/faults", `{"match":{"route":"/version"},"effect":{"delay":"1y"}}`, 400},
		{"/__mock/faults", `{"match":{"route":"/version"},"effect":{"status":99999}}`, 400},
		{"/__mock/faults", `{"match":{"route":"/version"},"effect":{"status":503},"probability":-0.5}`, 400},
		{"/__mock/state", `{"version":1,"users":[{"id":"a","idpId":"b","userName":"c"},{"id":"a","idpId":"b","userName":"c"}]}`, 400},
		{"/__mock/state", `{"version":1,"users":[{}]}`, 400},
		{"/__mock/state", `{"version":1,"projects":[{"id":"p","ownerId":"nobody"}]}`, 400},
		{"/__mock/state", `{"version":1,"jobLifecycle":{"mode":"immediate"},"clockOffset":"x"}`, 400},
	} {
		method := "POST"
		for _, rt := range routes {
			if rt.path == c.path {
				method = rt.method
			}
		}
		r := e.do(e.proxy, method, c.path, c.body)
		sane(t, r)
		if c.want != 0 && r.code != c.want || c.want == 0 && r.code >= 300 && (r.code < 400 || r.code > 499) {
			t.Errorf("%s: want %d", r, c.want)
		}
	}

	// After all that, the mock still serves, with the state the valid
	// requests made and nothing else.
	if m := e.must(200, e.api, "GET", "/v4/users/self", "", asAdmin...).obj(t); m["userName"] != "admin" {
		t.Errorf("self after the table: %v", m)
	}
	for _, u := range e.must(200, e.proxy, "GET", "/v4/serviceAccounts", "").list(t) {
		name := str(u["username"])
		if strings.ContainsAny(name, "/\\\x00\n") || strings.Contains(name, "..") {
			t.Errorf("a hostile name was stored: %q", name)
		}
	}
}

func TestHostilePaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tok := e.saWithToken("paths", "Contributor")
	for _, c := range []struct {
		method, target string
		want           int
	}{
		// Traversal in path ids never reaches another route.
		{"POST", "/v4/jobs/..%2F..%2F__mock%2Freset", 404},
		{"GET", "/v4/jobs/..%2F..%2F__mock%2Fstate", 404},
		{"POST", "/v4/serviceAccounts/..%2F..%2F__mock%2Freset", 404},
		{"GET", "/v4/projects/..%2F..%2Fversion", 404},
		{"GET", "/v4/projects/..%2F" + projectID, 404},
		{"GET", "/v4/projects/" + projectID + "%2F..%2F" + projectID, 404},
		{"GET", "/v4/projects/%2E%2E", 400},
		{"GET", "/v4/projects/..", 400}, // not a valid ID
		{"GET", "/v4/projects/.", 400},
		{"GET", "/v4/projects/" + projectID + "/..", 404},
		{"GET", "/v4/projects//" + projectID, 404},
		{"GET", "/v4//projects/" + projectID, 404},
		{"GET", "/v4/projects/" + projectID + "/", 404},
		{"GET", "/v4/projects/" + projectID + "%00", 400},
		{"GET", "/v4/projects/%00", 400},
		{"GET", "/v4/projects/%0d%0aX-Injected:%20yes", 400},
		{"GET", "/v4/projects/" + strings.Repeat("a", 8000), 400},
		{"GET", "/v4/serviceAccounts/" + a.IdpID + "/tokens/t1%2F..%2F..", 404},
		{"GET", "/v4/serviceAccounts/" + a.IdpID + "/tokens/..%2Ft1", 404},
		{"GET", "/v4/serviceAccounts/" + a.IdpID + "/tokens/%FF%FE", 404},
		{"GET", "/v4/serviceAccounts/" + a.IdpID + "%00/tokens", 404},
		{"GET", "/v4/serviceAccounts/%2e%2e/tokens", 404},
		{"GET", "/v4/accounts/..%2F" + adminID + "/gitcredentials", 404},
		{"GET", "/v4/accounts/" + adminID + "%2F..%2F" + aliceID + "/gitcredentials", 404},
		{"DELETE", "/v4/accounts/" + a.ID + "/gitcredentials/..%2F..", 404},
		// Every path under a project takes PUT (a file upload, which refuses
		// this path with 400): GET is a method it does not take.
		{"GET", "/v1/projects/admin/quick-start%2F..%2F..%2Fx/run/x/stdout", 405},
		{"PUT", "/v1/projects/admin/quick-start%2F..%2F..%2Fx/run/x/stdout", 400},
		{"PUT", "/v1/projects/admin/quick-start/%2E%2E/x", 400},
		{"PUT", "/v1/projects/admin/quick-start/..%5Cx", 400},
		{"PUT", "/v1/projects/admin/quick-start/x%00", 400},
		{"GET", "/api/users/v1/self/..", 404},
		{"GET", "/api/users/v1/..%2Fself", 404},
		{"GET", "/api/%2e%2e/v4/users/self", 404},
		{"GET", "/..%2F..%2Fetc%2Fpasswd", 404},
		{"GET", "/static/../../etc/passwd", 404},
		{"GET", "/V4/USERS/SELF", 404},
		{"GET", "/v4/users/self;x=y", 404},
		// Methods no route takes: 405 where the path exists, else 404.
		{"PATCH", "/v4/serviceAccounts", 405},
		{"PUT", "/v4/serviceAccounts", 405},
		{"DELETE", "/v4/users/self", 405},
		{"HEAD", "/api/jobs/v1/jobs", 405}, // HEAD is GET, which the path lacks
		{"OPTIONS", "/v4/serviceAccounts", 405},
		{"TRACE", "/v4/users/self", 405},
		{"PROPFIND", "/v4/projects/" + projectID, 405},
		{"BREW", "/version", 405},
		{"GET", "/v4/jobs/start", 400}, // a job id "start": not a valid ID
		{"PUT", "/v4/jobs/start", 405},
		{"POST", "/api/users/v1/self", 405},
		{"PATCH", "/api/jobs/v1/jobs", 405},
		{"PATCH", "/nothing/here", 404},
		{"GET", "/api/nothing", 404},
		{"GET", "/", 404},
	} {
		req := httptest.NewRequest(c.method, c.target, nil)
		req.Header.Set(asAdmin[0], asAdmin[1])
		r := serveReq(e.api, req)
		sane(t, r)
		wantError(t, r, c.want)
	}
	// None of them reset the mock.
	e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
}

// TestHostileOverTheWire sends what only a real socket can carry.
func TestHostileOverTheWire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.saWithToken("wire", "")
	// Served as server.Start serves it: what net/http refuses itself is
	// answered in the route's shape too.
	srv := httptest.NewUnstartedServer(e.api)
	srv.Listener = api.WrapListener(srv.Listener)
	srv.Config.ConnContext = api.ConnContext
	srv.Start()
	defer srv.Close()
	client := &http.Client{}
	send := func(method, path, body string, hdr ...string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	check := func(name string, code int, hdr http.Header, body, path string, lo, hi int) {
		t.Helper()
		if code < lo || code > hi {
			t.Errorf("%s: %d %s", name, code, clip(body))
			return
		}
		if code >= 400 {
			if _, err := errorShape(&resp{code: code, header: hdr, body: []byte(body), path: path}); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	big := strings.Repeat("A", 64<<10)
	code, h, b := send("GET", "/v4/users/self", "", "Authorization", "Bearer "+big)
	check("64 KB bearer", code, h, b, "/v4/users/self", 401, 401)
	code, h, b = send("GET", "/v4/users/self", "", "Authorization", "Bearer "+tok+big)
	check("64 KB after a token", code, h, b, "/v4/users/self", 401, 401)
	code, h, b = send("GET", "/v4/users/self", "", "X-Domino-Api-Key", big)
	check("64 KB API key", code, h, b, "/v4/users/self", 401, 401)
	code, h, b = send("GET", "/api/users/v1/self", "", "X-Domino-Api-Key", big)
	check("64 KB API key, public API", code, h, b, "/api/users/v1/self", 401, 401)
	code, h, b = send("POST", "/v4/serviceAccounts", `{"username":"x","email":"x@example.com"}`, "Content-Type", big, asAdmin[0], asAdmin[1])
	check("64 KB Content-Type", code, h, b, "/v4/serviceAccounts", 415, 415)
	code, h, b = send("GET", "/v4/users/self", "", "X-Junk", big)
	check("64 KB other header, no credentials", code, h, b, "/v4/users/self", 401, 401)
	code, h, b = send("GET", "/v4/projects/"+strings.Repeat("p", 64<<10), "", asAdmin...)
	check("64 KB path id", code, h, b, "/v4/projects/", 400, 400)
	code, h, b = send("GET", "/v4/users/self", "", "X-Junk", strings.Repeat("B", 2<<20))
	check("2 MB header", code, h, b, "/v4/users/self", 431, 431)
	// Bodies the client declares too large are refused before they are read.
	code, h, b = send("POST", "/v4/serviceAccounts", `{"username":"`+strings.Repeat("a", 10<<20)+`"}`, asAdmin...)
	check("10 MB body", code, h, b, "/v4/serviceAccounts", 413, 413)
	// A raw request line Go's client would not send.
	for _, path := range []string{"/v4/projects/%ZZ", "/api/users/v1/%ZZ"} {
		raw := "GET " + path + " HTTP/1.1\r\nHost: x\r\nX-Domino-Api-Key: " + fixtures.DefaultAdminAPIKey + "\r\n\r\n"
		code, hdr, body := rawRequest(t, srv.URL, raw)
		check("bad escape in the path", code, hdr, body, path, 400, 400)
	}
	// The server keeps serving.
	code, h, b = send("GET", "/v4/users/self", "", "Authorization", "Bearer "+tok)
	check("after", code, h, b, "/v4/users/self", 200, 200)
}

func rawRequest(t *testing.T, base, raw string) (int, http.Header, string) {
	t.Helper()
	conn, err := netDial(base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%q: %v", clip(raw), err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func netDial(base string) (net.Conn, error) {
	return net.Dial("tcp", strings.TrimPrefix(base, "http://"))
}

// TestTokenNamesAreUsablePathSegments: a token's name is the last segment
// of its routes (GET, invalidate, DELETE .../tokens/{name}). Names "." and
// ".." are dot segments that URL resolvers remove (RFC 3986 §5.2.4: curl,
// Python's requests/urllib3 and browsers all do), so a token with such a
// name could be created but never read, invalidated or deleted by those
// clients. The name rule (store.ValidateTokenName) should refuse them.
func TestTokenNamesAreUsablePathSegments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.createSA("dots")
	for _, name := range []string{".", ".."} {
		r := e.do(e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"`+name+`"}`)
		wantError(t, r, 400, "name")
	}
	// Names that merely contain dots are fine.
	e.createToken(a.IdpID, "...")
	e.createToken(a.IdpID, "v1.2")
}

// TestEveryRouteRefusesOversizedBodies: a body over 1 MiB, declared or
// chunked, is a 413 on every route, those that read no body included
// (declared: before credentials are looked at, as the API's front proxy
// refuses it first; chunked: once read past the limit, after them); only
// the state import and a file upload (files_test.go) take more.
func TestEveryRouteRefusesOversizedBodies(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat("a", api.MaxBodyBytes+1)
	param := regexp.MustCompile(`\{\w+(:[^{}]*)?\}`)
	// Ids of things that exist, so that neither the malformed-id 400 nor a
	// route's permission, asked before its body is read, comes first.
	a := e.createSA("oversized")
	job := str(e.must(200, e.proxy, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`).obj(t)["id"])
	known := map[string]string{"projectId": projectID, "userId": adminID, "repoId": repoID,
		"idpId": a.IdpID, "serviceAccountIdpId": a.IdpID, "credentialId": e.addGitCredential(adminID, "big"),
		"owner": "admin", "name": "quick-start", "jobId": job,
		"scheduledJobKey": str(e.createSched(nil)["id"])}
	known["workspaceId"] = str(e.must(200, e.proxy, "POST", "/v4/workspace/project/"+projectID+"/workspace", `{"name":"big"}`).obj(t)["id"])
	for _, rt := range registered(t, e.proxy) {
		method, pattern, _ := strings.Cut(rt, " ")
		path := param.ReplaceAllStringFunc(pattern, func(v string) string {
			name, _, _ := strings.Cut(v[1:len(v)-1], ":")
			if id, ok := known[name]; ok {
				return id
			}
			return unknownObjectID
		})
		// Declared on the API host (no credentials), chunked on the proxy.
		chunked := httptest.NewRequest(method, path, io.NopCloser(strings.NewReader(big)))
		chunked.ContentLength = -1
		chunked.Header.Set("Content-Type", "application/json")
		for _, r := range []*resp{e.do(e.api, method, path, big, "Content-Type", "application/json"), serveReq(e.proxy, chunked)} {
			if pattern == "/__mock/state" && method == "PUT" || pattern == "/v1/projects/{owner}/{name}/{path:.+}" ||
				pattern == "/v4/datasetrw/datasets/{datasetId}/snapshot/file" {
				if r.code == 413 {
					t.Errorf("%s: a body over 1 MiB was refused: %s", rt, r)
				}
				continue
			}
			if r.code != 413 {
				t.Errorf("%s: %s, want 413", rt, r)
				continue
			}
			wantError(t, r, 413)
		}
	}
}

// TestJobStartErrorsNameTheRoutesFields: the two start routes name the same
// things differently, and a 400 names the field the client sent.
func TestJobStartErrorsNameTheRoutesFields(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ path, body, field string }{
		{"/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":"ls","hardwareTier":"nope"}`, "hardwareTier"},
		{"/v4/jobs/start", `{"projectId":"` + projectID + `","commandToRun":"ls","overrideHardwareTierId":"nope"}`, "overrideHardwareTierId"},
		{"/api/jobs/v1/jobs", `{"projectId":"` + projectID + `","runCommand":" "}`, "runCommand"},
		{"/v4/jobs/start", `{"projectId":"` + projectID + `","commandToRun":" "}`, "commandToRun"},
	} {
		wantError(t, e.do(e.proxy, "POST", c.path, c.body, "Content-Type", "application/json"), 400, c.field)
	}
}

// countingBody is a request body that counts what was read of it.
type countingBody struct {
	r    io.Reader
	read int
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	return n, err
}

func (b *countingBody) Close() error { return nil }

// TestBodiesAreReadOnlyOnceAllowed: credentials and the route's permission
// are checked before a body is read, so a caller who may not use a route
// cannot make the mock read (or hold) its body; only the journal keeps the
// first 8 KiB of what a refused request sent. A body over the limit is
// 413: declared, before credentials; chunked, once read past the limit.
func TestBodiesAreReadOnlyOnceAllowed(t *testing.T) {
	e := newEnv(t)
	big := strings.Repeat(" ", 4*api.MaxBodyBytes)
	for _, c := range []struct {
		name, method, path string
		chunked            bool
		hdr                []string
		want               int
		maxRead            int
	}{
		{"no credentials, chunked", "POST", "/v4/serviceAccounts", true, noAuth, 401, 8 << 10},
		{"no credentials, chunked, control route", "PUT", "/__mock/state", true, noAuth, 401, 0},
		{"not an administrator, chunked", "PUT", "/__mock/state", true, asAlice, 403, 0},
		{"bad key, chunked", "PUT", "/__mock/jobs/lifecycle", true, []string{"X-Domino-Api-Key", "nope"}, 401, 0},
		{"no credentials, declared too large", "POST", "/v4/serviceAccounts", false, noAuth, 413, 8 << 10},
		{"administrator, chunked too large", "POST", "/v4/serviceAccounts", true, asAdmin, 413, api.MaxBodyBytes + 64<<10},
		{"administrator, chunked too large, route without a body", "GET", "/v4/users/self", true, asAdmin, 413, api.MaxBodyBytes + 64<<10},
		// Refused by what it says, not by its size: the body is not read (the review's D4).
		{"administrator, chunked too large, wrong Content-Type", "POST", "/v4/serviceAccounts", true, append([]string{"Content-Type", "text/plain"}, asAdmin...), 415, 8 << 10},
		{"not an administrator, chunked, a service-account route", "POST", "/v4/serviceAccounts", true, asAlice, 403, 8 << 10},
		{"not an administrator, chunked, the public API", "POST", "/api/serviceAccounts/v1/serviceAccounts", true, asAlice, 403, 8 << 10},
		{"not the project's owner, chunked", "POST", "/v4/projects/" + projectID + "/collaborators", true, asAlice, 403, 8 << 10},
		{"another user's credentials, chunked", "POST", "/v4/accounts/" + adminID + "/gitcredentials", true, asAlice, 403, 8 << 10},
		{"a project alice is not in, chunked", "PUT", "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping", true, asAlice, 403, 8 << 10},
	} {
		body := &countingBody{r: strings.NewReader(big)}
		req := httptest.NewRequest(c.method, c.path, body)
		req.ContentLength = int64(len(big))
		if c.chunked {
			req.ContentLength = -1
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(c.hdr); i += 2 {
			req.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		r := serveReq(e.api, req)
		wantError(t, r, c.want)
		if body.read > c.maxRead {
			t.Errorf("%s: %d bytes of the body read, want at most %d", c.name, body.read, c.maxRead)
		}
		if c.want != 413 && r.header.Get("Connection") != "close" {
			t.Errorf("%s: answered with the body unread, yet the connection is kept", c.name)
		}
	}
}
