package api_test

// Route cases of the public API (/api/serviceAccounts/v1, /api/users,
// /api/projects/v1/.../collaborators) and the routes issue 9 added beside
// them on /v4. They join routeCases, so TestRoutes runs them and
// TestEveryRouteIsTested counts them.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/profile"
)

const saV1 = "/api/serviceAccounts/v1/serviceAccounts"

var metadataFields = map[string]string{"requestId": "uuid", "notices": "array"}
var pagedMetadataFields = map[string]string{"requestId": "uuid", "notices": "array", "offset": "number", "limit": "number", "totalCount": "number"}

func init() {
	for k, v := range publicRouteCases {
		routeCases[k] = v
	}
}

// envelope checks a public API answer: exactly the data key and metadata,
// metadata in its shape (paged or not); it returns the data.
func envelope(t *testing.T, r *resp, key string, paged bool) any {
	t.Helper()
	m := r.obj(t)
	want := metadataFields
	if paged {
		want = pagedMetadataFields
	}
	md, _ := m["metadata"].(map[string]any)
	exactFields(t, "metadata of "+r.path, md, want)
	if md["requestId"] != r.header.Get("X-Request-Id") {
		t.Errorf("%s: metadata.requestId %v differs from X-Request-Id", r, md["requestId"])
	}
	if len(m) != 2 {
		t.Errorf("%s: want exactly %q and metadata", r, key)
	}
	return m[key]
}

// page reads a paged list's items and its metadata's paging fields.
func page(t *testing.T, r *resp, key string) (items []map[string]any, offset, limit, total int) {
	t.Helper()
	raw, _ := envelope(t, r, key, true).([]any)
	for _, v := range raw {
		m, _ := v.(map[string]any)
		items = append(items, m)
	}
	md := r.obj(t)["metadata"].(map[string]any)
	num := func(k string) int { f, _ := md[k].(float64); return int(f) }
	return items, num("offset"), num("limit"), num("totalCount")
}

// noBody checks a 200 with an empty body: the spec declares none.
func noBody(t *testing.T, r *resp) {
	t.Helper()
	if r.code != 200 || len(r.body) != 0 {
		t.Errorf("%s: want 200 with no body", r)
	}
}

// pagingErrors checks that bad offset and limit values are refused in the
// public API's 400 shape.
func pagingErrors(t *testing.T, e *env, path string) {
	t.Helper()
	for _, q := range []string{"offset=-1", "limit=-5", "limit=ten", "offset=1.5", "limit=99999999999", "offset=2147483648", "limit=%20"} {
		wantError(t, e.do(e.api, "GET", path+"?"+q, "", asAdmin...), 400, strings.Split(q, "=")[0])
	}
}

var publicRouteCases = map[string]routeCase{
	"GET /api/serviceAccounts/v1/serviceAccounts": func(t *testing.T, e *env) {
		if l, off, lim, total := page(t, e.must(200, e.api, "GET", saV1, "", asAdmin...), "serviceAccounts"); len(l) != 0 || off != 0 || lim != 50 || total != 0 {
			t.Errorf("fresh: %v offset %d limit %d total %d", l, off, lim, total)
		}
		var made []sa
		for i := range 7 {
			made = append(made, e.createSA(fmt.Sprintf("paged-%d", i)))
		}
		l, _, _, total := page(t, e.must(200, e.api, "GET", saV1, "", asAdmin...), "serviceAccounts")
		if len(l) != 7 || total != 7 || l[0]["idpId"] != made[0].IdpID || l[6]["idpId"] != made[6].IdpID {
			t.Fatalf("all: %v total %d", l, total)
		}
		for _, m := range l {
			exactFields(t, "public SA", m, saFields)
		}
		l, off, lim, total := page(t, e.must(200, e.api, "GET", saV1+"?offset=2&limit=3", "", asAdmin...), "serviceAccounts")
		if len(l) != 3 || off != 2 || lim != 3 || total != 7 || l[0]["username"] != "paged-2" || l[2]["username"] != "paged-4" {
			t.Errorf("offset 2 limit 3: %v (%d %d %d)", l, off, lim, total)
		}
		if l, _, _, total := page(t, e.must(200, e.api, "GET", saV1+"?offset=100", "", asAdmin...), "serviceAccounts"); len(l) != 0 || total != 7 {
			t.Errorf("past the end: %v %d", l, total)
		}
		if l, _, lim, _ := page(t, e.must(200, e.api, "GET", saV1+"?limit=0", "", asAdmin...), "serviceAccounts"); len(l) != 0 || lim != 0 {
			t.Errorf("limit 0: %v", l)
		}
		// Deactivated accounts: left out, and out of the count, unless asked for.
		e.must(200, e.api, "POST", saV1+"/"+made[1].IdpID+"/deactivate", "", asAdmin...)
		l, _, _, total = page(t, e.must(200, e.api, "GET", saV1+"?offset=1&limit=1", "", asAdmin...), "serviceAccounts")
		if total != 6 || len(l) != 1 || l[0]["username"] != "paged-2" {
			t.Errorf("active page: %v total %d", l, total)
		}
		l, _, _, total = page(t, e.must(200, e.api, "GET", saV1+"?includeDeactivated=true&offset=1&limit=1", "", asAdmin...), "serviceAccounts")
		if total != 7 || len(l) != 1 || l[0]["username"] != "paged-1" {
			t.Errorf("page with deactivated: %v total %d", l, total)
		}
		pagingErrors(t, e, saV1)
		wantError(t, e.do(e.api, "GET", saV1+"?includeDeactivated=perhaps", "", asAdmin...), 400, "includeDeactivated")
		wantError(t, e.do(e.api, "GET", saV1, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", saV1, ""), 401)
		// The profile can nest the paging fields under metadata.pagination.
		nested := profile.Observed()
		nested.PublicPaging = profile.PagingNested
		n := newEnvProfile(t, nested)
		n.createSA("nested")
		md := n.must(200, n.api, "GET", saV1+"?limit=5", "", asAdmin...).obj(t)["metadata"].(map[string]any)
		exactFields(t, "nested metadata", md, map[string]string{"requestId": "uuid", "notices": "array", "pagination": "object"})
		if pg, _ := md["pagination"].(map[string]any); fmt.Sprint(pg) != "map[limit:5 offset:0 totalCount:1]" {
			t.Errorf("nested pagination %v", pg)
		}
	},

	"POST /api/serviceAccounts/v1/serviceAccounts": func(t *testing.T, e *env) {
		r := e.must(200, e.api, "POST", saV1, `{"username":"pub-bot","email":"pub-bot@example.com"}`, asAdmin...)
		acct, _ := envelope(t, r, "serviceAccount", false).(map[string]any)
		exactFields(t, "created", acct, saFields)
		if acct["username"] != "pub-bot" || acct["email"] != "pub-bot@example.com" {
			t.Errorf("created %v", acct)
		}
		// The same account on /v4.
		l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t)
		if len(l) != 1 || l[0]["idpId"] != acct["idpId"] || l[0]["id"] != acct["id"] {
			t.Errorf("/v4 list after a public create: %v", l)
		}
		// Duplicates: the profile's public status (500 observed-like), {"error"}.
		dup := e.do(e.api, "POST", saV1, `{"username":"pub-bot","email":"other@example.com"}`, asAdmin...)
		wantError(t, dup, 500, "A user with the username pub-bot already exists.")
		if got := compact(t, dup.body); got != `{"error":"A user with the username pub-bot already exists."}` {
			t.Errorf("duplicate body %s", got)
		}
		// A name taken on /v4 is taken here.
		e.createSA("v4-bot")
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"v4-bot","email":"x@example.com"}`, asAdmin...), 500, "v4-bot")
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"new","email":"pub-bot@example.com"}`, asAdmin...), 500, "pub-bot@example.com")
		wantError(t, e.do(e.api, "POST", saV1, `{"email":"a@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"no-email"}`, asAdmin...), 400, "email")
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"bad name","email":"b@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", saV1, `{"username":7}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", saV1, `[]`, asAdmin...), 400)
		wantError(t, e.do(e.api, "POST", saV1, ``, asAdmin...), 400)
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"u","email":"u@example.com"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"u","email":"u@example.com"}`, noAuth...), 401)
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"`+strings.Repeat("a", api.MaxBodyBytes)+`"}`, asAdmin...), 413)
		wantError(t, e.do(e.api, "POST", saV1, `{"username":"u","email":"u@example.com"}`, "Content-Type", "text/plain", asAdmin[0], asAdmin[1]), 415)
		// Strict: 409 in the failure envelope (the spec declares no 409).
		s := newEnvProfile(t, profile.Strict())
		s.must(200, s.api, "POST", saV1, `{"username":"pub-bot","email":"pub-bot@example.com"}`, asAdmin...)
		wantError(t, s.do(s.api, "POST", saV1, `{"username":"pub-bot","email":"o@example.com"}`, asAdmin...), 409, "pub-bot")
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/deactivate": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("pub-deact", "")
		noBody(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/deactivate", "", asAdmin...))
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("deactivated account listed on /v4: %v", l)
		}
		noBody(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/deactivate", "", asAdmin...)) // again: still deactivated
		wantError(t, e.do(e.api, "POST", saV1+"/"+unknownUUID+"/deactivate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", saV1+"/"+adminIdp+"/deactivate", "", asAdmin...), 404) // a person, not a service account
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/deactivate", "", asAlice...), 403)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/deactivate", ""), 401)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/activate": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("pub-act", "")
		e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAdmin...)
		noBody(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/activate", "", asAdmin...))
		// Listed again; its old token stays invalid.
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("activated account not listed: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		wantError(t, e.do(e.api, "POST", saV1+"/"+unknownUUID+"/activate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/activate", "", asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/resetpassword": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("pub-reset", "")
		noBody(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/resetpassword", "", asAdmin...))
		// Tokens keep working; the state records the reset.
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
		if !strings.Contains(string(e.must(200, e.proxy, "GET", "/__mock/state", "").body), `"passwordResetAt"`) {
			t.Errorf("the state does not record the reset")
		}
		wantError(t, e.do(e.api, "POST", saV1+"/"+unknownUUID+"/resetpassword", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/resetpassword", "", asAlice...), 403)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/resetpassword", "", bearer(tok)...), 403)
	},

	"POST /v4/serviceAccounts/{idpId}/resetpassword": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("v4-reset", "")
		m := e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/resetpassword", "", asAdmin...).obj(t)
		exactFields(t, "reset", m, saFields)
		if m["idpId"] != a.IdpID {
			t.Errorf("reset answers %v", m)
		}
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/resetpassword", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/resetpassword", "", asAlice...), 403)
	},

	"GET /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens": func(t *testing.T, e *env) {
		a := e.createSA("pub-tokens")
		p := saV1 + "/" + a.IdpID + "/tokens"
		var values []string
		for i := range 5 {
			values = append(values, e.createToken(a.IdpID, fmt.Sprintf("t%d", i)))
		}
		e.must(200, e.api, "POST", p+"/t1/invalidate", "", asAdmin...)
		r := e.must(200, e.api, "GET", p+"?offset=1&limit=2", "", asAdmin...)
		for _, v := range values {
			if strings.Contains(string(r.body), v) {
				t.Fatalf("the token list shows a token's value")
			}
		}
		l, off, lim, total := page(t, r, "tokens")
		if len(l) != 2 || off != 1 || lim != 2 || total != 5 || l[0]["name"] != "t1" || l[0]["isValid"] != false || l[1]["name"] != "t2" {
			t.Errorf("page: %v (%d %d %d)", l, off, lim, total)
		}
		for _, m := range l {
			exactFields(t, "public token list", m, tokenListFields)
		}
		if l, _, lim, _ := page(t, e.must(200, e.api, "GET", p, "", asAdmin...), "tokens"); len(l) != 5 || lim != 50 {
			t.Errorf("default page: %d tokens, limit %d", len(l), lim)
		}
		pagingErrors(t, e, p)
		wantError(t, e.do(e.api, "GET", saV1+"/"+unknownUUID+"/tokens", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens": func(t *testing.T, e *env) {
		a := e.createSA("pub-tok")
		p := saV1 + "/" + a.IdpID + "/tokens"
		m := e.must(200, e.api, "POST", p, `{"name":"deploy"}`, asAdmin...).obj(t)
		exactFields(t, "bare token", m, tokenFields) // not an envelope
		if m["name"] != "deploy" || m["serviceAccountIdpId"] != a.IdpID || m["isValid"] != true {
			t.Errorf("created token %v", m)
		}
		// It authenticates on /v4 and on the public API.
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(str(m["token"]))...)
		e.must(200, e.api, "GET", "/api/users/v1/self", "", bearer(str(m["token"]))...)
		// The name is taken on /v4 too.
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"deploy"}`, asAdmin...), 500, "deploy")
		dup := e.do(e.api, "POST", p, `{"name":"deploy"}`, asAdmin...)
		wantError(t, dup, 500, "deploy")
		wantError(t, e.do(e.api, "POST", p, `{}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":"a/b"}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":false}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", saV1+"/"+unknownUUID+"/tokens", `{"name":"x"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`, bearer(str(m["token"]))...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"name":"`+strings.Repeat("x", api.MaxBodyBytes)+`"}`, asAdmin...), 413)
	},

	"GET /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens/{tokenName}": func(t *testing.T, e *env) {
		a := e.createSA("pub-get")
		tok := e.createToken(a.IdpID, "one")
		r := e.must(200, e.api, "GET", saV1+"/"+a.IdpID+"/tokens/one", "", asAdmin...)
		m, _ := envelope(t, r, "token", false).(map[string]any)
		exactFields(t, "token envelope", m, tokenFields)
		if m["token"] != tok {
			t.Errorf("the token's value differs")
		}
		wantError(t, e.do(e.api, "GET", saV1+"/"+a.IdpID+"/tokens/nope", "", asAdmin...), 404, "nope")
		wantError(t, e.do(e.api, "GET", saV1+"/"+unknownUUID+"/tokens/one", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", saV1+"/"+a.IdpID+"/tokens/one", "", asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens/{tokenName}/invalidate": func(t *testing.T, e *env) {
		a := e.createSA("pub-inval")
		tok, keep := e.createToken(a.IdpID, "one"), e.createToken(a.IdpID, "two")
		noBody(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/tokens/one/invalidate", "", asAdmin...))
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(keep)...)
		l := e.must(200, e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens", "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["isValid"] != false || l[1]["isValid"] != true {
			t.Errorf("/v4 list after a public invalidate: %v", l)
		}
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/tokens/one", `{"name":"one"}`, asAdmin...), 405)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/tokens", `{"name":"one"}`, asAdmin...), 500, "one")
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/tokens/zzz/invalidate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", saV1+"/"+a.IdpID+"/tokens/two/invalidate", "", asAlice...), 403)
	},

	"DELETE /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens/{tokenName}": func(t *testing.T, e *env) {
		a := e.createSA("pub-del")
		tok := e.createToken(a.IdpID, "one")
		noBody(t, e.do(e.api, "DELETE", saV1+"/"+a.IdpID+"/tokens/one", "", asAdmin...))
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens/one", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", saV1+"/"+a.IdpID+"/tokens/one", "", asAdmin...), 404)
		// The name is free again, on either surface.
		if again := e.createToken(a.IdpID, "one"); again == tok {
			t.Errorf("recreated token equals the deleted one")
		}
		wantError(t, e.do(e.api, "DELETE", saV1+"/"+a.IdpID+"/tokens/one", "", asAlice...), 403)
	},

	"GET /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/gitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("pub-gc")
		p := saV1 + "/" + a.IdpID + "/gitcredentials"
		if l, _, _, total := page(t, e.must(200, e.api, "GET", p, "", asAdmin...), "credentials"); len(l) != 0 || total != 0 {
			t.Errorf("fresh: %v", l)
		}
		ids := map[string]bool{}
		for i := range 3 {
			ids[e.addGitCredential(a.ID, fmt.Sprintf("c%d", i))] = true
		}
		e.must(200, e.api, "POST", "/v4/accounts/"+a.ID+"/gitcredentials", `{"name":"lab","gitServiceProvider":"gitlab","accessType":"token","token":"glpat_SECRET"}`, asAdmin...)
		r := e.must(200, e.api, "GET", p+"?limit=10", "", asAdmin...)
		if strings.Contains(string(r.body), "ghp_secret") || strings.Contains(string(r.body), "glpat_SECRET") {
			t.Fatalf("the list shows a secret")
		}
		l, _, _, total := page(t, r, "credentials")
		if len(l) != 4 || total != 4 {
			t.Fatalf("list: %v", l)
		}
		spelled := false
		for _, m := range l {
			exactFields(t, "public credential", m, gitCredFields)
			spelled = spelled || m["gitServiceProvider"] == "gitLab"
			if m["gitServiceProvider"] == "gitlab" {
				t.Errorf("the public API spells gitLab: %v", m)
			}
		}
		if !spelled {
			t.Errorf("the gitlab credential is missing: %v", l)
		}
		if l, _, _, total := page(t, e.must(200, e.api, "GET", p+"?offset=3&limit=5", "", asAdmin...), "credentials"); len(l) != 1 || total != 4 {
			t.Errorf("last page: %v", l)
		}
		pagingErrors(t, e, p)
		wantError(t, e.do(e.api, "GET", saV1+"/"+unknownUUID+"/gitcredentials", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokengitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("pub-tgc")
		p := saV1 + "/" + a.IdpID + "/tokengitcredentials"
		r := e.must(200, e.api, "POST", p, `{"name":"gh","gitServiceProvider":"github","token":"ghp_PUBSECRET"}`, asAdmin...)
		c, _ := envelope(t, r, "credential", false).(map[string]any)
		exactFields(t, "credential", c, gitCredFields)
		if strings.Contains(string(r.body), "ghp_PUBSECRET") || c["domain"] != "github.com" || c["protocol"] != "https" {
			t.Errorf("created %s", r.body)
		}
		// The same credential on /v4, and the public spelling both ways.
		l := e.must(200, e.api, "GET", "/v4/accounts/"+a.ID+"/gitcredentials", "", asAdmin...).list(t)
		if len(l) != 1 || l[0]["id"] != c["id"] {
			t.Errorf("/v4 list: %v", l)
		}
		c2, _ := envelope(t, e.must(200, e.api, "POST", p, `{"name":"lab","gitServiceProvider":"gitLabEnterprise","domain":"git.corp","token":"x"}`, asAdmin...), "credential", false).(map[string]any)
		if c2["gitServiceProvider"] != "gitLabEnterprise" {
			t.Errorf("public spelling: %v", c2)
		}
		for _, m := range e.must(200, e.api, "GET", "/v4/accounts/"+a.ID+"/gitcredentials", "", asAdmin...).list(t) {
			if m["id"] == c2["id"] && m["gitServiceProvider"] != "gitlabEnterprise" {
				t.Errorf("/v4 spelling: %v", m)
			}
		}
		for body, field := range map[string]string{
			`{"gitServiceProvider":"github","token":"t"}`:                                    "name",
			`{"name":"x","token":"t"}`:                                                       "gitServiceProvider",
			`{"name":"x","gitServiceProvider":"gitlab","token":"t"}`:                         "gitServiceProvider",
			`{"name":"x","gitServiceProvider":"sourceforge","token":"t"}`:                    "gitLabEnterprise",
			`{"name":"x","gitServiceProvider":"github"}`:                                     "token",
			`{"name":"x","gitServiceProvider":"githubEnterprise","token":"t"}`:               "domain",
			`{"name":"x","gitServiceProvider":"github","password":"not a token","token":""}`: "token",
			`{"name":["x"]}`: "name",
		} {
			wantError(t, e.do(e.api, "POST", p, body, asAdmin...), 400, field)
		}
		wantError(t, e.do(e.api, "POST", saV1+"/"+unknownUUID+"/tokengitcredentials", `{"name":"gh","gitServiceProvider":"github","token":"t"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"name":"gh","gitServiceProvider":"github","token":"t"}`, asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/passwordgitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("pub-pgc")
		p := saV1 + "/" + a.IdpID + "/passwordgitcredentials"
		r := e.must(200, e.api, "POST", p, `{"name":"pw","gitServiceProvider":"bitbucketServer","domain":"bb.corp:7990","username":"u","password":"PW_SECRET"}`, asAdmin...)
		c, _ := envelope(t, r, "credential", false).(map[string]any)
		if strings.Contains(string(r.body), "PW_SECRET") || c["domain"] != "bb.corp:7990" || c["gitServiceProvider"] != "bitbucketServer" {
			t.Errorf("created %s", r.body)
		}
		wantError(t, e.do(e.api, "POST", p, `{"name":"pw","gitServiceProvider":"github","username":"u"}`, asAdmin...), 400, "password")
		wantError(t, e.do(e.api, "POST", p, `{"name":"pw","gitServiceProvider":"github","token":"t"}`, asAdmin...), 400, "password")
		wantError(t, e.do(e.api, "POST", p, `{"name":"pw","gitServiceProvider":"github","username":"u","password":"p"}`, asAlice...), 403)
	},

	"POST /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/sshgitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("pub-sgc")
		p := saV1 + "/" + a.IdpID + "/sshgitcredentials"
		r := e.must(200, e.api, "POST", p, `{"name":"ssh","gitServiceProvider":"github","key":"-----BEGIN OPENSSH PRIVATE KEY-----SECRETKEY","passphrase":"PASSPHRASE"}`, asAdmin...)
		c, _ := envelope(t, r, "credential", false).(map[string]any)
		if strings.Contains(string(r.body), "SECRETKEY") || strings.Contains(string(r.body), "PASSPHRASE") ||
			c["protocol"] != "ssh" || !strings.HasPrefix(str(c["fingerprint"]), "SHA256:") {
			t.Errorf("created %s", r.body)
		}
		wantError(t, e.do(e.api, "POST", p, `{"name":"ssh","gitServiceProvider":"github","passphrase":"p"}`, asAdmin...), 400, "key")
		wantError(t, e.do(e.api, "POST", p, `{"name":"ssh","gitServiceProvider":"github","key":"k"}`, asAlice...), 403)
	},

	"DELETE /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/gitcredentials/{credentialId}": func(t *testing.T, e *env) {
		a := e.createSA("pub-dgc")
		b := e.createSA("pub-other")
		cred := e.addGitCredential(a.ID, "gh")
		other := e.addGitCredential(b.ID, "gh")
		p := saV1 + "/" + a.IdpID + "/gitcredentials/"
		wantError(t, e.do(e.api, "DELETE", p+other, "", asAdmin...), 404) // another account's credential
		wantError(t, e.do(e.api, "DELETE", p+cred, "", asAlice...), 403)
		noBody(t, e.do(e.api, "DELETE", p+cred, "", asAdmin...))
		if l := e.must(200, e.api, "GET", "/v4/accounts/"+a.ID+"/gitcredentials", "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("deleted credential listed: %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", p+cred, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", p+"invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "DELETE", saV1+"/"+unknownUUID+"/gitcredentials/"+other, "", asAdmin...), 404)
	},

	"GET /api/users/v1/users": func(t *testing.T, e *env) {
		r := e.must(200, e.api, "GET", "/api/users/v1/users", "", asAlice...)
		l, off, lim, total := page(t, r, "users")
		if len(l) != 2 || off != 0 || lim != 10 || total != 2 || l[0]["id"] != adminID || l[1]["id"] != aliceID {
			t.Errorf("users: %v (%d %d %d)", l, off, lim, total)
		}
		for _, m := range l {
			fields(t, "public user", m, map[string]string{"id": "id", "userName": "string", "firstName": "string", "lastName": "string", "fullName": "string", "avatarUrl": "string"})
		}
		for i := range 12 {
			e.createSA(fmt.Sprintf("u-%02d", i))
		}
		l, _, _, total = page(t, e.must(200, e.api, "GET", "/api/users/v1/users", "", asAlice...), "users")
		if len(l) != 10 || total != 14 {
			t.Errorf("default limit: %d users of %d", len(l), total)
		}
		l, _, _, total = page(t, e.must(200, e.api, "GET", "/api/users/v1/users?offset=12&limit=10", "", asAlice...), "users")
		if len(l) != 2 || total != 14 || l[1]["userName"] != "u-11" {
			t.Errorf("last page: %v", l)
		}
		pagingErrors(t, e, "/api/users/v1/users")
		wantError(t, e.do(e.api, "GET", "/api/users/v1/users", ""), 401)
	},

	"GET /api/users/beta/credentials/{userId}": func(t *testing.T, e *env) {
		p := "/api/users/beta/credentials/" + aliceID
		e.must(200, e.api, "POST", "/v4/accounts/"+aliceID+"/gitcredentials", `{"name":"lab","gitServiceProvider":"gitlab","accessType":"token","token":"glpat_SECRET"}`, asAlice...)
		r := e.must(200, e.api, "GET", p, "", asAlice...)
		raw, _ := envelope(t, r, "credentials", false).([]any)
		if len(raw) != 1 || strings.Contains(string(r.body), "glpat_SECRET") {
			t.Fatalf("credentials %s", r.body)
		}
		c := raw[0].(map[string]any)
		exactFields(t, "beta credential", c, gitCredFields)
		if c["gitServiceProvider"] != "gitLab" {
			t.Errorf("public spelling: %v", c)
		}
		e.must(200, e.api, "GET", p, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", "/api/users/beta/credentials/"+adminID, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/api/users/beta/credentials/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/api/users/beta/credentials/abc", "", asAdmin...), 400, "abc is not a valid ID")
		wantError(t, e.do(e.api, "GET", p, ""), 401)
	},

	"PUT /api/users/v1/user/{userId}/tokenCredentials/{credentialId}": func(t *testing.T, e *env) {
		cred := e.addGitCredential(aliceID, "gh")
		p := "/api/users/v1/user/" + aliceID + "/tokenCredentials/" + cred
		r := e.must(200, e.api, "PUT", p, `{"name":"renamed","gitServiceProvider":"githubEnterprise","domain":"ghe.corp","token":"ghp_NEW"}`, asAlice...)
		c, _ := envelope(t, r, "credential", false).(map[string]any)
		exactFields(t, "updated credential", c, gitCredFields)
		if c["id"] != cred || c["name"] != "renamed" || c["domain"] != "ghe.corp" || strings.Contains(string(r.body), "ghp_NEW") {
			t.Errorf("updated %s", r.body)
		}
		if l := e.must(200, e.api, "GET", "/v4/accounts/"+aliceID+"/gitcredentials", "", asAlice...).list(t); len(l) != 1 || l[0]["name"] != "renamed" {
			t.Errorf("/v4 after update: %v", l)
		}
		for body, field := range map[string]string{
			`{"gitServiceProvider":"github","domain":"github.com","token":"t"}`: "name",
			`{"name":"n","domain":"github.com","token":"t"}`:                    "gitServiceProvider",
			`{"name":"n","gitServiceProvider":"github","token":"t"}`:            "domain",
			`{"name":"n","gitServiceProvider":"github","domain":"github.com"}`:  "token",
		} {
			wantError(t, e.do(e.api, "PUT", p, body, asAlice...), 400, field)
		}
		full := `{"name":"n","gitServiceProvider":"github","domain":"github.com","token":"t"}`
		// Only token credentials: a password credential is refused.
		pw := str(e.must(200, e.api, "POST", "/v4/accounts/"+aliceID+"/gitcredentials", `{"name":"pw","gitServiceProvider":"github","accessType":"password","username":"u","password":"p"}`, asAlice...).obj(t)["id"])
		wantError(t, e.do(e.api, "PUT", "/api/users/v1/user/"+aliceID+"/tokenCredentials/"+pw, full, asAlice...), 400, "token")
		wantError(t, e.do(e.api, "PUT", "/api/users/v1/user/"+aliceID+"/tokenCredentials/"+unknownObjectID, full, asAlice...), 404)
		wantError(t, e.do(e.api, "PUT", "/api/users/v1/user/"+aliceID+"/tokenCredentials/nope", full, asAlice...), 400, "nope is not a valid ID")
		wantError(t, e.do(e.api, "PUT", "/api/users/v1/user/"+adminID+"/tokenCredentials/"+cred, full, asAlice...), 403)
		wantError(t, e.do(e.api, "PUT", "/api/users/v1/user/"+adminID+"/tokenCredentials/"+cred, full, asAdmin...), 404) // not the admin's
		wantError(t, e.do(e.api, "PUT", p, full, noAuth...), 401)
	},

	"POST /api/projects/v1/projects/{projectId}/collaborators": func(t *testing.T, e *env) {
		a := e.createSA("pub-collab")
		p := "/api/projects/v1/projects/" + projectID + "/collaborators"
		r := e.must(200, e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"launcherUser"}`, a.ID), asAdmin...)
		c, _ := envelope(t, r, "collaborator", false).(map[string]any)
		exactFields(t, "collaborator", c, map[string]string{"id": "id", "role": "string"})
		if c["id"] != a.ID || c["role"] != "launcherUser" {
			t.Errorf("collaborator %v", c)
		}
		// The same collaborator on /v4, its role in /v4's spelling.
		pm := e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAdmin...).obj(t)
		if cols, _ := pm["collaborators"].([]any); len(cols) != 1 || cols[0].(map[string]any)["projectRole"] != "LauncherUser" {
			t.Errorf("/v4 project collaborators: %v", pm["collaborators"])
		}
		for _, role := range []string{"contributor", "resultsConsumer", "projectImporter"} {
			e.must(200, e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":%q}`, a.ID, role), asAdmin...)
		}
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"owner"}`, a.ID), asAdmin...), 400, "role")
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"Contributor"}`, a.ID), asAdmin...), 400, "role")
		wantError(t, e.do(e.api, "POST", p, `{"role":"contributor"}`, asAdmin...), 400, "id")
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"contributor"}`, adminID), asAdmin...), 400) // the owner
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"contributor"}`, unknownObjectID), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/api/projects/v1/projects/"+unknownObjectID+"/collaborators", fmt.Sprintf(`{"id":%q,"role":"contributor"}`, a.ID), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/api/projects/v1/projects/invalid/collaborators", fmt.Sprintf(`{"id":%q,"role":"contributor"}`, a.ID), asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"id":%q,"role":"contributor"}`, a.ID), asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"id":1}`, asAdmin...), 400, "id")
	},

	"DELETE /api/projects/v1/projects/{projectId}/collaborators/{collaboratorId}": func(t *testing.T, e *env) {
		a := e.createSA("pub-uncollab")
		e.addCollaborator(a.ID, "Contributor")
		p := "/api/projects/v1/projects/" + projectID + "/collaborators/" + a.ID
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 403)
		r := e.must(200, e.api, "DELETE", p, "", asAdmin...)
		if envelope(t, r, "success", false) != true {
			t.Errorf("delete answers %s", r.body)
		}
		if l := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/collaborators", "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("after removal: %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", p, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/api/projects/v1/projects/invalid/collaborators/"+a.ID, "", asAdmin...), 400, "invalid is not a valid ID")
	},
}

// TestMalformedObjectIDs: every route whose path carries an ObjectId
// answers a malformed one with 400 "<id> is not a valid ID", in its
// family's shape, before it looks at credentials; a well-formed unknown
// one is not refused that way.
func TestMalformedObjectIDs(t *testing.T) {
	e := newEnv(t)
	a := e.createSA("ids")
	fill := strings.NewReplacer("{idpId}", a.IdpID, "{serviceAccountIdpId}", a.IdpID, "{name}", "t", "{tokenName}", "t",
		"{collaboratorId}", a.ID, "{owner}", "admin",
		"{project}", "quick-start", "{environmentVariableName}", "X",
		"{environmentId}", envID, "{workspaceId}", unknownObjectID, "{workspaceSessionId}", unknownObjectID, "{ownerId}", adminID)
	n := 0
	for _, rt := range registered(t, e.proxy) {
		method, pattern, _ := strings.Cut(rt, " ")
		for _, v := range []string{"projectId", "userId", "credentialId", "repoId", "jobId", "runId", "tagId", "projectToForkId"} {
			if !strings.Contains(pattern, "{"+v+"}") {
				continue
			}
			n++
			path := pattern
			for _, other := range []string{"projectId", "userId", "credentialId", "repoId", "jobId", "runId", "tagId", "projectToForkId"} {
				with := unknownObjectID
				if other == v {
					with = "invalid"
				}
				path = strings.ReplaceAll(path, "{"+other+"}", with)
			}
			path = fill.Replace(path)
			for _, hdr := range [][]string{asAdmin, noAuth} {
				wantError(t, e.do(e.api, method, path, `{}`, hdr...), 400, "invalid is not a valid ID")
			}
			if r := e.do(e.api, method, strings.ReplaceAll(path, "invalid", "0123456789abcdef01234567"), `{}`, asAdmin...); r.code == 400 && strings.Contains(string(r.body), "not a valid ID") {
				t.Errorf("%s: a well-formed id is refused as malformed", r)
			}
		}
	}
	if n < 20 {
		t.Errorf("only %d route variables checked", n)
	}
	// A malformed id in a body is a JSON validation error (observed on POST /v4/jobs/start).
	wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"invalid","commandToRun":"ls"}`, asAdmin...), 400, "Json validation error", "projectId")
	wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls","environmentId":"x"}`, asAdmin...), 400, "Json validation error", "environmentId")
	wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+projectID+`","jobId":"x","commitResults":false}`, asAdmin...), 400, "Json validation error", "jobId")
	wantError(t, e.do(e.api, "PUT", "/v4/projects/"+projectID+"/repository/"+repoID+"/credentialMapping", `{"credentialId":"x"}`, asAdmin...), 400, "Json validation error", "credentialId")
}

// TestAccountLifeOnBothSurfaces runs an account's whole life once on /v4 and
// once on the public API, in one mock, and compares what the store holds of
// the two: one set of rules behind two codecs ends in the same state.
func TestAccountLifeOnBothSurfaces(t *testing.T) {
	e := newEnv(t)
	v4 := func(name string) (idp string) {
		m := e.must(201, e.api, "POST", "/v4/serviceAccounts", fmt.Sprintf(`{"username":%q,"email":"%s@example.com"}`, name, name), asAdmin...).obj(t)
		idp = str(m["idpId"])
		p := "/v4/serviceAccounts/" + idp
		tok := str(e.must(201, e.api, "POST", p+"/tokens", `{"name":"t1"}`, asAdmin...).obj(t)["token"])
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
		e.must(200, e.api, "POST", p+"/tokens/t1/invalidate", "", asAdmin...)
		e.must(200, e.api, "DELETE", p+"/tokens/t1", "", asAdmin...)
		e.must(201, e.api, "POST", p+"/tokens", `{"name":"t1"}`, asAdmin...)
		e.must(201, e.api, "POST", p+"/tokens", `{"name":"t2"}`, asAdmin...)
		e.must(201, e.api, "POST", p+"/deactivate", "", asAdmin...)
		e.must(201, e.api, "POST", p+"/activate", "", asAdmin...)
		e.must(201, e.api, "POST", p+"/tokens", `{"name":"t3"}`, asAdmin...)
		gone := str(e.must(201, e.api, "POST", p+"/gitcredentials", `{"name":"gone","gitServiceProvider":"gitlab","accessType":"token","token":"s1","type":"TokenGitCredentialDto"}`, asAdmin...).obj(t)["id"])
		e.must(201, e.api, "POST", p+"/gitcredentials", `{"name":"kept","gitServiceProvider":"bitbucket","accessType":"key","key":"k1","passphrase":"pp"}`, asAdmin...)
		e.must(200, e.api, "DELETE", p+"/gitcredentials/"+gone, "", asAdmin...)
		e.must(201, e.api, "POST", p+"/resetpassword", "", asAdmin...)
		return idp
	}
	public := func(name string) (idp string) {
		m := e.must(200, e.api, "POST", saV1, fmt.Sprintf(`{"username":%q,"email":"%s@example.com"}`, name, name), asAdmin...).obj(t)
		idp = str(m["serviceAccount"].(map[string]any)["idpId"])
		p := saV1 + "/" + idp
		tok := str(e.must(200, e.api, "POST", p+"/tokens", `{"name":"t1"}`, asAdmin...).obj(t)["token"])
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
		e.must(200, e.api, "POST", p+"/tokens/t1/invalidate", "", asAdmin...)
		e.must(200, e.api, "DELETE", p+"/tokens/t1", "", asAdmin...)
		e.must(200, e.api, "POST", p+"/tokens", `{"name":"t1"}`, asAdmin...)
		e.must(200, e.api, "POST", p+"/tokens", `{"name":"t2"}`, asAdmin...)
		e.must(200, e.api, "POST", p+"/deactivate", "", asAdmin...)
		e.must(200, e.api, "POST", p+"/activate", "", asAdmin...)
		e.must(200, e.api, "POST", p+"/tokens", `{"name":"t3"}`, asAdmin...)
		gone := str(e.must(200, e.api, "POST", p+"/tokengitcredentials", `{"name":"gone","gitServiceProvider":"gitLab","token":"s1"}`, asAdmin...).obj(t)["credential"].(map[string]any)["id"])
		e.must(200, e.api, "POST", p+"/sshgitcredentials", `{"name":"kept","gitServiceProvider":"bitbucket","key":"k1","passphrase":"pp"}`, asAdmin...)
		e.must(200, e.api, "DELETE", p+"/gitcredentials/"+gone, "", asAdmin...)
		e.must(200, e.api, "POST", p+"/resetpassword", "", asAdmin...)
		return idp
	}
	// What the state holds of one account, without what differs by nature
	// (ids, names, times, token values).
	holds := func(idp string) string {
		snap := e.st.Export(true)
		var id string
		var out []string
		for _, u := range snap.Users {
			if u.IdpID == idp {
				id = u.ID
				out = append(out, fmt.Sprintf("account active=%v reactivated=%v serviceAccount=%v roles=%v reset=%v",
					u.Active, u.Reactivated, u.ServiceAccount, u.Roles, u.PasswordResetAt != nil))
			}
		}
		for _, tk := range snap.Tokens {
			if tk.AccountID == id {
				out = append(out, fmt.Sprintf("token %s valid=%v sub=%v value=%v", tk.Name, tk.Valid, tk.HasSub, tk.Value != ""))
			}
		}
		for _, c := range snap.Credentials {
			if c.OwnerID == id {
				out = append(out, fmt.Sprintf("credential %s %s %s %s fingerprint=%v secret=%q", c.Name, c.GitServiceProvider, c.Domain, c.AccessType, c.Fingerprint != "", c.Secret))
			}
		}
		return strings.Join(out, "\n")
	}
	a, b := holds(v4("life-v4")), holds(public("life-public"))
	if a != b {
		t.Errorf("the same life ends differently:\n/v4:\n%s\npublic API:\n%s", a, b)
	}
	if !strings.Contains(a, "token t3 valid=true sub=false") || !strings.Contains(a, "credential kept bitbucket") || strings.Contains(a, "gone") {
		t.Errorf("the life did not go as planned:\n%s", a)
	}
}

// TestPublicSecretsStayOutOfJournalAndExport: the secrets the public API
// takes (tokens, passwords, keys, passphrases, in any key spelling) are
// redacted in the journal and in a state export without ?secrets=true, as
// /v4's are.
func TestPublicSecretsStayOutOfJournalAndExport(t *testing.T) {
	e := newEnv(t)
	a := e.createSA("secret-keeper")
	p := saV1 + "/" + a.IdpID
	for path, body := range map[string]string{
		p + "/tokengitcredentials":    `{"name":"t","gitServiceProvider":"github","Token":"SECRET-PUB-1"}`,
		p + "/passwordgitcredentials": `{"name":"p","gitServiceProvider":"github","username":"u","PASSWORD":"SECRET-PUB-2"}`,
		p + "/sshgitcredentials":      `{"name":"s","gitServiceProvider":"github","key":"SECRET-PUB-3","Passphrase":"SECRET-PUB-4"}`,
	} {
		e.must(200, e.api, "POST", path, body, asAdmin...)
	}
	cred := e.addGitCredential(a.ID, "to-replace")
	e.must(200, e.api, "PUT", "/api/users/v1/user/"+a.ID+"/tokenCredentials/"+cred, `{"name":"n","gitServiceProvider":"github","domain":"github.com","token":"SECRET-PUB-5"}`, asAdmin...)
	tok := str(e.must(200, e.api, "POST", p+"/tokens", `{"name":"pub"}`, asAdmin...).obj(t)["token"])
	for _, where := range []*resp{
		e.must(200, e.proxy, "GET", "/__mock/journal", ""),
		e.must(200, e.proxy, "GET", "/__mock/state", ""),
		e.must(200, e.api, "GET", p+"/gitcredentials", "", asAdmin...),
		e.must(200, e.api, "GET", p+"/tokens", "", asAdmin...),
		e.must(200, e.api, "GET", "/api/users/beta/credentials/"+a.ID, "", asAdmin...),
	} {
		for _, s := range []string{"SECRET-PUB-1", "SECRET-PUB-2", "SECRET-PUB-3", "SECRET-PUB-4", "SECRET-PUB-5", tok} {
			if strings.Contains(string(where.body), s) {
				t.Errorf("%s %s shows a secret", where.method, where.path)
			}
		}
	}
}
