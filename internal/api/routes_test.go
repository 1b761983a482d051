package api_test

// One test per route of the route table (TestRoutes/<METHOD path>): the
// success status and the body's field names and types, then each error the
// contract lists for that route. TestEveryRouteIsTested fails when a route
// is added to routes.go without a case here.

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/profile"
)

type routeCase func(t *testing.T, e *env)

var saFields = map[string]string{"id": "id", "idpId": "uuid", "username": "string", "email": "string"}
var tokenListFields = map[string]string{"name": "string", "serviceAccountIdpId": "uuid", "isValid": "bool", "createdAt": "time", "expiresAt": "time"}
var tokenFields = map[string]string{"name": "string", "serviceAccountIdpId": "uuid", "token": "string", "isValid": "bool", "createdAt": "time", "expiresAt": "time"}
var gitCredFields = map[string]string{"id": "id", "name": "string", "gitServiceProvider": "string", "domain": "string", "fingerprint": "string", "protocol": "string"}
var userFields = map[string]string{"id": "id", "userName": "string", "firstName": "string", "lastName": "string", "fullName": "string", "email": "string", "idpId": "uuid", "roles": "array"}
var jobV4Fields = map[string]string{"id": "id", "number": "number", "jobRunCommand": "string", "title": "string or null", "statuses": "object", "stageTime": "object", "startedBy": "object", "projectId": "id"}

const ghCred = `{"name":"gh","gitServiceProvider":"github","accessType":"token","token":"ghp_TOPSECRET","type":"TokenGitCredentialDto"}`

// routeCases maps "METHOD pattern" (as in routes.go) to its test.
var routeCases = map[string]routeCase{
	"POST /v4/serviceAccounts": func(t *testing.T, e *env) {
		r := e.must(201, e.api, "POST", "/v4/serviceAccounts", `{"username":"ci-bot","email":"ci-bot+airflow@example.com"}`, asAdmin...)
		m := r.obj(t)
		exactFields(t, "create SA", m, saFields)
		if m["username"] != "ci-bot" || m["email"] != "ci-bot+airflow@example.com" {
			t.Errorf("create SA echoes %v", m)
		}
		// The docs' spelling userName is accepted; the answer says username.
		m = e.must(201, e.api, "POST", "/v4/serviceAccounts", `{"userName":"docs-bot","email":"docs@example.com"}`, asAdmin...).obj(t)
		if m["username"] != "docs-bot" {
			t.Errorf("userName spelling: %v", m)
		}
		// Plus addressing is distinct from the plain address.
		e.must(201, e.api, "POST", "/v4/serviceAccounts", `{"username":"ci-bot-2","email":"ci-bot@example.com"}`, asAdmin...)

		p := "/v4/serviceAccounts"
		wantError(t, e.do(e.api, "POST", p, `{"username":"ci-bot","email":"other@example.com"}`, asAdmin...), 500, "A user with the username ci-bot already exists.")
		if msg := wantError(t, e.do(e.api, "POST", p, `{"username":"ci-bot","email":"other@example.com"}`, asAdmin...), 500); msg != "A user with the username ci-bot already exists." {
			t.Errorf("duplicate message %q", msg)
		}
		if got := compact(t, e.do(e.api, "POST", p, `{"username":"ci-bot","email":"x@example.com"}`, asAdmin...).body); got != `{"message":"A user with the username ci-bot already exists.","success":false}` {
			t.Errorf("duplicate body %s", got)
		}
		wantError(t, e.do(e.api, "POST", p, `{"username":"someone-new","email":"ci-bot+airflow@example.com"}`, asAdmin...), 500, "ci-bot+airflow@example.com")
		wantError(t, e.do(e.api, "POST", p, `{"email":"a@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", p, `{"username":"no-email"}`, asAdmin...), 400, "email")
		wantError(t, e.do(e.api, "POST", p, `{"username":"bad-email","email":"not-an-email"}`, asAdmin...), 400, "email")
		wantError(t, e.do(e.api, "POST", p, `{"username":"-starts-with-dash","email":"d@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", p, `{"username":"has space","email":"s@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", p, `{"username":"`+strings.Repeat("a", 65)+`","email":"l@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", p, `{"username":5,"email":"n@example.com"}`, asAdmin...), 400, "username")
		wantError(t, e.do(e.api, "POST", p, `{"username":"x",`, asAdmin...), 400)
		wantError(t, e.do(e.api, "POST", p, ``, asAdmin...), 400)
		wantError(t, e.do(e.api, "POST", p, `{"username":"u","email":"u@example.com"}`, noAuth...), 401)
		wantError(t, e.do(e.api, "POST", p, `{"username":"u","email":"u@example.com"}`, "X-Domino-Api-Key", "wrong"), 401)
		wantError(t, e.do(e.api, "POST", p, `{"username":"u","email":"u@example.com"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"username":"u","email":"u@example.com"}`, append([]string{"Content-Type", "text/plain"}, asAdmin...)...), 415, "Content-Type")
		wantError(t, e.do(e.api, "POST", p, `{"username":"`+strings.Repeat("a", api.MaxBodyBytes)+`"}`, asAdmin...), 413)
		// Strict profile: 409, same message and shape.
		s := newEnvProfile(t, profile.Strict())
		s.createSA("ci-bot")
		if r := s.do(s.api, "POST", p, `{"username":"ci-bot","email":"other@example.com"}`, asAdmin...); compact(t, r.body) != `{"message":"A user with the username ci-bot already exists.","success":false}` {
			t.Errorf("strict duplicate body %s", r.body)
		}
		wantError(t, s.do(s.api, "POST", p, `{"username":"ci-bot","email":"other@example.com"}`, asAdmin...), 409, "ci-bot")
		wantError(t, s.do(s.api, "POST", p, `{"username":"new-one","email":"ci-bot@example.com"}`, asAdmin...), 409, "ci-bot@example.com")
		// Nothing refused was created.
		l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t)
		if len(l) != 3 {
			t.Errorf("after refusals %d accounts: %v", len(l), l)
		}
	},

	"GET /v4/serviceAccounts": func(t *testing.T, e *env) {
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("fresh mock lists %v", l)
		}
		a, b := e.createSA("sa-a"), e.createSA("sa-b")
		l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["idpId"] != a.IdpID || l[1]["idpId"] != b.IdpID {
			t.Fatalf("list %v", l)
		}
		for _, m := range l {
			exactFields(t, "list SA", m, saFields)
		}
		e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAdmin...)
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t); len(l) != 1 || l[0]["username"] != "sa-b" {
			t.Errorf("deactivated one still listed: %v", l)
		}
		for _, q := range []string{"true", "TRUE", "1"} {
			if l := e.must(200, e.api, "GET", "/v4/serviceAccounts?includeDeactivated="+q, "", asAdmin...).list(t); len(l) != 2 {
				t.Errorf("includeDeactivated=%s: %v", q, l)
			}
		}
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts?includeDeactivated=false", "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("includeDeactivated=false: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts?includeDeactivated=maybe", "", asAdmin...), 400, "includeDeactivated")
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts", ""), 401)
	},

	"POST /v4/serviceAccounts/{idpId}/deactivate": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("deact", "")
		m := e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAdmin...).obj(t)
		if m["idpId"] != a.IdpID {
			t.Errorf("deactivate answer %v", m)
		}
		l := e.must(200, e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens", "", asAdmin...).list(t)
		if len(l) != 1 || l[0]["isValid"] != false {
			t.Errorf("tokens after deactivate: %v", l)
		}
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		// Deactivating again is harmless.
		e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAdmin...)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/deactivate", "", asAdmin...), 404, unknownUUID)
		// A human user's idpId is not a service account.
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+aliceIdp+"/deactivate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAlice...), 403)
		// Activation is by idpId only: the Mongo id is unknown here.
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.ID+"/deactivate", "", asAdmin...), 404)
	},

	"POST /v4/serviceAccounts/{idpId}/activate": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("react", "")
		e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "", asAdmin...)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"while-off"}`, asAdmin...), 400, "deactivated")
		m := e.must(201, e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/activate", "", asAdmin...).obj(t)
		exactFields(t, "activate", m, saFields)
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts", "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("activated account not listed: %v", l)
		}
		// Old tokens stay invalid.
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		// Observed defect: a token made after re-activation lacks sub and is refused.
		newTok := e.createToken(a.IdpID, "after")
		if _, claims := decodeJWT(t, newTok); claims["sub"] != nil {
			t.Errorf("observed profile: re-activated account's token has sub %v", claims["sub"])
		}
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(newTok)...), 401)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/activate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/activate", "", asAlice...), 403)

		// The strict profile does not reproduce the defect.
		s := newEnvProfile(t, profile.Strict())
		b := s.createSA("react")
		s.must(201, s.api, "POST", "/v4/serviceAccounts/"+b.IdpID+"/deactivate", "", asAdmin...)
		s.must(201, s.api, "POST", "/v4/serviceAccounts/"+b.IdpID+"/activate", "", asAdmin...)
		tok = s.createToken(b.IdpID, "after")
		if m := s.must(200, s.api, "GET", "/v4/users/self", "", bearer(tok)...).obj(t); m["idpId"] != b.IdpID {
			t.Errorf("strict: self %v", m)
		}
	},

	"POST /v4/serviceAccounts/{idpId}/tokens": func(t *testing.T, e *env) {
		a := e.createSA("tok-sa")
		p := "/v4/serviceAccounts/" + a.IdpID + "/tokens"
		before := e.st.Clock().Now().Truncate(time.Millisecond)
		r := e.must(201, e.api, "POST", p, `{"name":"deploy"}`, asAdmin...)
		m := r.obj(t)
		exactFields(t, "create token", m, tokenFields)
		if m["name"] != "deploy" || m["serviceAccountIdpId"] != a.IdpID || m["isValid"] != true {
			t.Errorf("create token %v", m)
		}
		created, _ := time.Parse(time.RFC3339, str(m["createdAt"]))
		expires, _ := time.Parse(time.RFC3339, str(m["expiresAt"]))
		if created.Before(before) || created.After(e.st.Clock().Now()) {
			t.Errorf("createdAt %v not now (%v)", created, before)
		}
		if d := expires.Sub(created); d > 120*24*time.Hour || d < 120*24*time.Hour-time.Second {
			t.Errorf("lifetime %v, want 120 days", d)
		}
		// The token works as a Bearer.
		if m := e.must(200, e.api, "GET", "/v4/users/self", "", bearer(str(m["token"]))...).obj(t); m["idpId"] != a.IdpID {
			t.Errorf("self with new token: %v", m)
		}
		// Another name on the same account: another token; both work.
		other := e.createToken(a.IdpID, "second")
		if other == str(m["token"]) {
			t.Errorf("two tokens are equal")
		}
		msg := wantError(t, e.do(e.api, "POST", p, `{"name":"deploy"}`, asAdmin...), 500, "deploy")
		if msg != "A token with the name deploy already exists for this service account." {
			t.Logf("duplicate token message: %q", msg)
		}
		wantError(t, e.do(e.api, "POST", p, `{}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":"a/b"}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":" padded "}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":["x"]}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/tokens", `{"name":"x"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+adminIdp+"/tokens", `{"name":"x"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`, "Content-Type", "application/x-www-form-urlencoded", asAdmin[0], asAdmin[1]), 415)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`+strings.Repeat(" ", api.MaxBodyBytes), asAdmin...), 413)
		// A token of the account does not make its bearer an admin.
		wantError(t, e.do(e.api, "POST", p, `{"name":"self-made"}`, bearer(other)...), 403)

		// Strict profile: 409 with the same message and shape.
		s := newEnvProfile(t, profile.Strict())
		b := s.createSA("tok-sa")
		s.createToken(b.IdpID, "deploy")
		wantError(t, s.do(s.api, "POST", "/v4/serviceAccounts/"+b.IdpID+"/tokens", `{"name":"deploy"}`, asAdmin...), 409, "deploy")
	},

	"GET /v4/serviceAccounts/{idpId}/tokens": func(t *testing.T, e *env) {
		a := e.createSA("lister")
		p := "/v4/serviceAccounts/" + a.IdpID + "/tokens"
		if l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("no tokens yet: %v", l)
		}
		tok := e.createToken(a.IdpID, "one")
		e.createToken(a.IdpID, "two")
		r := e.must(200, e.api, "GET", p, "", asAdmin...)
		if strings.Contains(string(r.body), tok) {
			t.Errorf("token list shows a token value")
		}
		l := r.list(t)
		if len(l) != 2 || l[0]["name"] != "one" || l[1]["name"] != "two" {
			t.Errorf("list %v", l)
		}
		for _, m := range l {
			exactFields(t, "token list", m, tokenListFields)
		}
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+unknownUUID+"/tokens", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"GET /v4/serviceAccounts/{idpId}/tokens/{name}": func(t *testing.T, e *env) {
		a := e.createSA("getter")
		tok := e.createToken(a.IdpID, "one")
		m := e.must(200, e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens/one", "", asAdmin...).obj(t)
		exactFields(t, "get token", m, tokenFields)
		if m["token"] != tok {
			t.Errorf("get token value differs")
		}
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens/nope", "", asAdmin...), 404, "nope")
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+unknownUUID+"/tokens/one", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens/one", "", asAlice...), 403)
	},

	"POST /v4/serviceAccounts/{idpId}/tokens/{name}/invalidate": func(t *testing.T, e *env) {
		a := e.createSA("inval")
		tok := e.createToken(a.IdpID, "one")
		keep := e.createToken(a.IdpID, "two")
		p := "/v4/serviceAccounts/" + a.IdpID + "/tokens/one/invalidate"
		e.must(200, e.api, "POST", p, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(keep)...)
		l := e.must(200, e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens", "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["isValid"] != false || l[1]["isValid"] != true {
			t.Errorf("after invalidate: %v", l)
		}
		// An invalidated token's name cannot be reused until deleted.
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"one"}`, asAdmin...), 500, "one")
		// Invalidating twice stays invalid.
		e.must(200, e.api, "POST", p, "", asAdmin...)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens/zzz/invalidate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/tokens/one/invalidate", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, "", asAlice...), 403)
	},

	"DELETE /v4/serviceAccounts/{idpId}/tokens/{name}": func(t *testing.T, e *env) {
		a := e.createSA("deleter")
		tok := e.createToken(a.IdpID, "one")
		p := "/v4/serviceAccounts/" + a.IdpID + "/tokens/one"
		e.must(200, e.api, "DELETE", p, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		if l := e.must(200, e.api, "GET", "/v4/serviceAccounts/"+a.IdpID+"/tokens", "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("deleted token listed: %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", p, "", asAdmin...), 404)
		again := e.createToken(a.IdpID, "one")
		if again == tok {
			t.Errorf("recreated token equals the deleted one")
		}
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(again)...)
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 403)
	},

	"GET /v4/serviceAccounts/{idpId}/gitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("gc-list")
		p := "/v4/serviceAccounts/" + a.IdpID + "/gitcredentials"
		if l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("fresh: %v", l)
		}
		e.addGitCredential(a.ID, "gh")
		r := e.must(200, e.api, "GET", p, "", asAdmin...)
		if strings.Contains(string(r.body), "ghp_secret") {
			t.Errorf("secret shown: %s", r.body)
		}
		l := r.list(t)
		if len(l) != 1 {
			t.Fatalf("list %v", l)
		}
		exactFields(t, "SA git credential", l[0], gitCredFields)
		wantError(t, e.do(e.api, "GET", "/v4/serviceAccounts/"+unknownUUID+"/gitcredentials", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"POST /v4/serviceAccounts/{idpId}/gitcredentials": func(t *testing.T, e *env) {
		a := e.createSA("gc-add")
		p := "/v4/serviceAccounts/" + a.IdpID + "/gitcredentials"
		r := e.must(201, e.api, "POST", p, ghCred, asAdmin...)
		if strings.Contains(string(r.body), "TOPSECRET") {
			t.Errorf("secret echoed: %s", r.body)
		}
		m := r.obj(t)
		exactFields(t, "SA git credential", m, gitCredFields)
		if m["domain"] != "github.com" || m["protocol"] != "https" || m["name"] != "gh" {
			t.Errorf("credential %v", m)
		}
		// The account's own route sees it.
		if l := e.must(200, e.api, "GET", "/v4/accounts/"+a.ID+"/gitcredentials", "", asAdmin...).list(t); len(l) != 1 || l[0]["id"] != m["id"] {
			t.Errorf("account route: %v", l)
		}
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","gitServiceProvider":"sourceforge","accessType":"token","token":"t"}`, asAdmin...), 400, "gitServiceProvider")
		wantError(t, e.do(e.api, "POST", "/v4/serviceAccounts/"+unknownUUID+"/gitcredentials", ghCred, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, ghCred, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `[]`, asAdmin...), 400)
	},

	"DELETE /v4/serviceAccounts/{idpId}/gitcredentials/{credentialId}": func(t *testing.T, e *env) {
		a := e.createSA("gc-del")
		id := e.addGitCredential(a.ID, "gh")
		p := "/v4/serviceAccounts/" + a.IdpID + "/gitcredentials/" + id
		m := e.must(200, e.api, "DELETE", p, "", asAdmin...).obj(t)
		if m["id"] != id {
			t.Errorf("delete answer %v", m)
		}
		wantError(t, e.do(e.api, "DELETE", p, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/serviceAccounts/"+unknownUUID+"/gitcredentials/"+id, "", asAdmin...), 404)
		// Another account's credential is not found under this account.
		b := e.createSA("gc-other")
		other := e.addGitCredential(b.ID, "gh")
		wantError(t, e.do(e.api, "DELETE", "/v4/serviceAccounts/"+a.IdpID+"/gitcredentials/"+other, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/serviceAccounts/"+b.IdpID+"/gitcredentials/"+other, "", asAlice...), 403)
	},

	"GET /v4/users/self": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/users/self", "", asAlice...).obj(t)
		fields(t, "self", m, userFields)
		if m["id"] != aliceID || m["userName"] != "alice" || m["idpId"] != aliceIdp || m["fullName"] != "Alice Analyst" {
			t.Errorf("alice self %v", m)
		}
		m = e.must(200, e.proxy, "GET", "/v4/users/self", "").obj(t)
		if m["id"] != adminID || fmt.Sprint(m["roles"]) != "[SysAdmin]" {
			t.Errorf("proxy self %v", m)
		}
		a, tok := e.saWithToken("self-sa", "")
		m = e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...).obj(t)
		if m["id"] != a.ID || m["userName"] != "self-sa" {
			t.Errorf("SA self %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/v4/users/self", ""), 401)
	},

	"GET /api/users/v1/self": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/api/users/v1/self", "", asAlice...).obj(t)
		exactFields(t, "v1 self", m, map[string]string{"user": "object", "metadata": "object"})
		u, _ := m["user"].(map[string]any)
		fields(t, "v1 self user", u, userFields)
		md, _ := m["metadata"].(map[string]any)
		exactFields(t, "v1 metadata", md, map[string]string{"requestId": "uuid", "notices": "array"})
		if u["id"] != aliceID {
			t.Errorf("v1 self %v", u)
		}
		wantError(t, e.do(e.api, "GET", "/api/users/v1/self", ""), 401)
		wantError(t, e.do(e.api, "GET", "/api/users/v1/self", "", bearer("garbage")...), 401)
	},

	"GET /v4/users": func(t *testing.T, e *env) {
		a := e.createSA("listed-sa")
		l := e.must(200, e.api, "GET", "/v4/users", "", asAlice...).list(t)
		if len(l) != 3 {
			t.Fatalf("users %v", l)
		}
		for _, m := range l {
			fields(t, "user", m, userFields)
		}
		if l[2]["userName"] != "listed-sa" || l[2]["id"] != a.ID {
			t.Errorf("service account in users: %v", l[2])
		}
		// Filters (observed by the third-party client's tests: userName and
		// userId each give exactly the matching user).
		for q, want := range map[string]string{
			"userName=alice":                        aliceID,
			"userName=ALICE":                        aliceID,
			"userId=" + aliceID:                     aliceID,
			"userId=" + a.ID:                        a.ID,
			"userId=" + aliceID + "&userId=" + a.ID: aliceID + "," + a.ID,
			"userId=" + aliceID + "," + adminID:     adminID + "," + aliceID,
			"query=list":                            a.ID,
			"query=a":                               adminID + "," + aliceID,
			"userName=alice&userId=" + adminID:      "",
			"userName=nobody":                       "",
			"userId=" + unknownObjectID:             "",
			"listOnlyUsers=true&userName=listed-sa": a.ID,
		} {
			var got []string
			for _, m := range e.must(200, e.api, "GET", "/v4/users?"+q, "", asAlice...).list(t) {
				got = append(got, str(m["id"]))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("users?%s: %v, want %s", q, got, want)
			}
		}
		wantError(t, e.do(e.api, "GET", "/v4/users?userId=abc", "", asAlice...), 400, "abc is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/users?listOnlyUsers=often", "", asAlice...), 400, "listOnlyUsers")
		wantError(t, e.do(e.api, "GET", "/v4/users", ""), 401)
	},

	"GET /v4/auth/principal": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/auth/principal", "", asAdmin...).obj(t)
		fields(t, "principal", m, map[string]string{"isAnonymous": "bool", "isAdmin": "bool", "canonicalId": "id", "canonicalName": "string"})
		if m["isAdmin"] != true || m["isAnonymous"] != false || m["canonicalId"] != adminID || m["canonicalName"] != "admin" {
			t.Errorf("admin principal %v", m)
		}
		m = e.must(200, e.api, "GET", "/v4/auth/principal", "", asAlice...).obj(t)
		if m["isAdmin"] != false || m["canonicalName"] != "alice" {
			t.Errorf("alice principal %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/v4/auth/principal", ""), 401)
	},

	"GET /version": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/version", "").obj(t)
		fields(t, "version", m, map[string]string{"version": "string", "buildId": "string", "commitId": "string"})
		if m["version"] != "6.2.0" {
			t.Errorf("version %v", m)
		}
		// Bad credentials do not matter on a route that needs none.
		e.must(200, e.api, "GET", "/version", "", bearer("garbage")...)
	},

	"GET /v4/projects/{projectId}": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAdmin...).obj(t)
		fields(t, "project", m, map[string]string{"id": "id", "name": "string", "ownerId": "id", "ownerUsername": "string", "visibility": "string", "mainRepository": "object", "collaborators": "array"})
		repo, _ := m["mainRepository"].(map[string]any)
		fields(t, "mainRepository", repo, map[string]string{"id": "id", "uri": "string", "defaultRef": "object"})
		if m["name"] != "quick-start" || m["ownerUsername"] != "admin" || repo["id"] != repoID {
			t.Errorf("project %v", m)
		}
		a, tok := e.saWithToken("proj-reader", "ResultsConsumer")
		m = e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", bearer(tok)...).obj(t)
		cols, _ := m["collaborators"].([]any)
		if len(cols) != 1 {
			t.Fatalf("collaborators %v", m["collaborators"])
		}
		c, _ := cols[0].(map[string]any)
		exactFields(t, "collaborator", c, map[string]string{"collaboratorId": "id", "projectRole": "string"})
		if c["collaboratorId"] != a.ID || c["projectRole"] != "ResultsConsumer" {
			t.Errorf("collaborator %v", c)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID, "", asAdmin...), 404, unknownObjectID)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID, ""), 401)
	},

	"GET /v4/gateway/projects/findProjectByOwnerAndName": func(t *testing.T, e *env) {
		p := "/v4/gateway/projects/findProjectByOwnerAndName"
		m := e.must(200, e.api, "GET", p+"?ownerName=admin&projectName=quick-start", "", asAdmin...).obj(t)
		fields(t, "find project", m, map[string]string{"id": "id", "name": "string", "owner": "object"})
		owner, _ := m["owner"].(map[string]any)
		fields(t, "owner", owner, map[string]string{"id": "id", "userName": "string"})
		if m["id"] != projectID || owner["userName"] != "admin" || owner["id"] != adminID {
			t.Errorf("find %v", m)
		}
		wantError(t, e.do(e.api, "GET", p+"?ownerName=admin&projectName=nope", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p+"?ownerName=alice&projectName=quick-start", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p+"?ownerName=admin", "", asAdmin...), 400, "projectName")
		wantError(t, e.do(e.api, "GET", p, "", asAdmin...), 400, "ownerName")
		wantError(t, e.do(e.api, "GET", p+"?ownerName=admin&projectName=quick-start", "", asAlice...), 403)
	},

	"GET /v4/projects/{projectId}/collaborators": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/collaborators"
		// The owner is listed, first, though the project's own collaborators field leaves it out.
		if l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t); len(l) != 1 || l[0]["id"] != adminID {
			t.Errorf("fresh: %v", l)
		}
		a := e.createSA("collab-a")
		e.addCollaborator(a.ID, "Contributor")
		l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["id"] != adminID || l[1]["id"] != a.ID {
			t.Fatalf("collaborators %v", l)
		}
		fields(t, "collaborator user", l[1], userFields)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/collaborators", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/projects/invalid/collaborators", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"POST /v4/projects/{projectId}/collaborators": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/collaborators"
		a := e.createSA("collab-b")
		body := fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"Contributor"}`, a.ID)
		m := e.must(200, e.api, "POST", p, body, asAdmin...).obj(t)
		if compact(t, e.must(200, e.api, "POST", p, body, asAdmin...).body) != compact(t, []byte(body)) {
			t.Errorf("answer does not echo the body: %v", m)
		}
		// Adding again changes the role.
		e.must(200, e.api, "POST", p, fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"LauncherUser"}`, a.ID), asAdmin...)
		pm := e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAdmin...).obj(t)
		if cols, _ := pm["collaborators"].([]any); len(cols) != 1 || cols[0].(map[string]any)["projectRole"] != "LauncherUser" {
			t.Errorf("role change: %v", pm["collaborators"])
		}
		for _, role := range []string{"Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter", "Owner"} {
			e.must(200, e.api, "POST", p, fmt.Sprintf(`{"collaboratorId":%q,"projectRole":%q}`, a.ID, role), asAdmin...)
		}
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"Boss"}`, a.ID), asAdmin...), 400, "projectRole")
		wantError(t, e.do(e.api, "POST", p, `{"projectRole":"Contributor"}`, asAdmin...), 400, "collaboratorId")
		// collaboratorId is the Mongo id, not the idpId.
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"Contributor"}`, a.IdpID), asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/collaborators", body, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, body, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, body, "Content-Type", "text/xml", asAdmin[0], asAdmin[1]), 415)
	},

	"DELETE /v4/projects/{projectId}/collaborators/{collaboratorId}": func(t *testing.T, e *env) {
		a := e.createSA("collab-c")
		e.addCollaborator(a.ID, "Contributor")
		p := "/v4/projects/" + projectID + "/collaborators/" + a.ID
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 403)
		e.must(200, e.api, "DELETE", p, "", asAdmin...)
		if l := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/collaborators", "", asAdmin...).list(t); len(l) != 1 || l[0]["id"] != adminID {
			t.Errorf("after removal: %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", p, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+unknownObjectID+"/collaborators/"+a.ID, "", asAdmin...), 404)
	},

	"GET /v4/projects/{projectId}/hardwareTiers": func(t *testing.T, e *env) {
		var l []struct {
			HardwareTier map[string]any `json:"hardwareTier"`
		}
		r := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/hardwareTiers", "", asAdmin...)
		if err := json.Unmarshal(r.body, &l); err != nil || len(l) != 2 {
			t.Fatalf("%s: %v", r, err)
		}
		fields(t, "hardwareTier", l[0].HardwareTier, map[string]string{"id": "string", "name": "string", "hwtFlags": "object"})
		flags, _ := l[0].HardwareTier["hwtFlags"].(map[string]any)
		if l[0].HardwareTier["name"] != "Small" || flags["isDefault"] != true {
			t.Errorf("tiers %s", r.body)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/hardwareTiers", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID+"/hardwareTiers", "", asAlice...), 403)
	},

	"GET /v4/projects/{projectId}/useableEnvironments": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/useableEnvironments", "", asAdmin...).obj(t)
		envs, _ := m["environments"].([]any)
		if len(envs) != 1 {
			t.Fatalf("environments %v", m)
		}
		env0, _ := envs[0].(map[string]any)
		fields(t, "environment", env0, map[string]string{"id": "id", "name": "string", "archived": "bool", "version": "number",
			"visibility": "string", "supportedClusters": "array", "activeRevisionId": "id", "activeRevisionNumber": "number"})
		if env0["id"] != envID || env0["activeRevisionId"] != envRevisionID {
			t.Errorf("environment %v", env0)
		}
		// Observed (java client): a selected environment and a non-empty list.
		if sel, _ := m["currentlySelectedEnvironment"].(map[string]any); sel["id"] != envID || sel["name"] != env0["name"] {
			t.Errorf("currentlySelectedEnvironment %v", m["currentlySelectedEnvironment"])
		}
		// The project may use its owner's private environments, not others'.
		own := e.createEnv("admins", "Private", asAdmin...)
		e.createEnv("alices", "Private", asAlice...)
		envs, _ = e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/useableEnvironments", "", asAdmin...).obj(t)["environments"].([]any)
		if len(envs) != 2 || envs[1].(map[string]any)["id"] != own["id"] {
			t.Errorf("environments %v", envs)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/useableEnvironments", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID+"/useableEnvironments", "", asAlice...), 403)
	},

	"GET /v4/accounts/gitproviders": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/accounts/gitproviders", "", asAlice...).obj(t)
		ps, _ := m["providers"].([]any)
		var values []string
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			values = append(values, str(pm["value"]))
		}
		sort.Strings(values)
		if strings.Join(values, ",") != "bitbucket,bitbucketServer,github,githubEnterprise,gitlab,gitlabEnterprise,unknown" {
			t.Errorf("providers %v", values)
		}
		wantError(t, e.do(e.api, "GET", "/v4/accounts/gitproviders", ""), 401)
	},

	"GET /v4/accounts/{userId}/gitcredentials": func(t *testing.T, e *env) {
		p := "/v4/accounts/" + aliceID + "/gitcredentials"
		if l := e.must(200, e.api, "GET", p, "", asAlice...).list(t); len(l) != 0 {
			t.Errorf("fresh %v", l)
		}
		e.must(200, e.api, "POST", p, ghCred, asAlice...)
		r := e.must(200, e.api, "GET", p, "", asAlice...)
		if strings.Contains(string(r.body), "TOPSECRET") {
			t.Errorf("secret listed")
		}
		l := r.list(t)
		if len(l) != 1 {
			t.Fatalf("list %v", l)
		}
		exactFields(t, "git credential", l[0], gitCredFields)
		// An admin may read it; another user may not.
		e.must(200, e.api, "GET", p, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", "/v4/accounts/"+adminID+"/gitcredentials", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/accounts/"+unknownObjectID+"/gitcredentials", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", p, ""), 401)
	},

	"POST /v4/accounts/{userId}/gitcredentials": func(t *testing.T, e *env) {
		p := "/v4/accounts/" + aliceID + "/gitcredentials"
		r := e.must(200, e.api, "POST", p, ghCred, asAlice...)
		m := r.obj(t)
		exactFields(t, "git credential", m, gitCredFields)
		if strings.Contains(string(r.body), "TOPSECRET") || m["name"] != "gh" || m["gitServiceProvider"] != "github" || m["domain"] != "github.com" {
			t.Errorf("add %s", r.body)
		}
		m = e.must(200, e.api, "POST", p, `{"name":"pw","gitServiceProvider":"gitlabEnterprise","domain":"git.corp.example","accessType":"password","username":"u","password":"p","type":"PasswordGitCredentialDto"}`, asAlice...).obj(t)
		if m["domain"] != "git.corp.example" {
			t.Errorf("password credential %v", m)
		}
		// Observed by the third-party client's tests: a URL is a domain too.
		m = e.must(200, e.api, "POST", p, `{"name":"url","gitServiceProvider":"unknown","domain":"https://example.com","accessType":"token","token":"t","type":"TokenGitCredentialDto"}`, asAlice...).obj(t)
		if m["domain"] != "https://example.com" {
			t.Errorf("URL domain %v", m)
		}
		m = e.must(200, e.api, "POST", p, `{"name":"ssh","gitServiceProvider":"bitbucket","accessType":"key","key":"-----BEGIN OPENSSH PRIVATE KEY-----","passphrase":"pp","type":"SshGitCredentialDto"}`, asAlice...).obj(t)
		if m["protocol"] != "ssh" || !strings.HasPrefix(str(m["fingerprint"]), "SHA256:") {
			t.Errorf("ssh credential %v", m)
		}
		for body, field := range map[string]string{
			`{"gitServiceProvider":"github","accessType":"token","token":"t"}`:                                         "name",
			`{"name":"x","gitServiceProvider":"gh","accessType":"token","token":"t"}`:                                  "gitServiceProvider",
			`{"name":"x","gitServiceProvider":"github","accessType":"oauth","token":"t"}`:                              "accessType",
			`{"name":"x","gitServiceProvider":"github","accessType":"token"}`:                                          "token",
			`{"name":"x","gitServiceProvider":"github","accessType":"token","token":"t","type":"SshGitCredentialDto"}`: "type",
			`{"name":"x","gitServiceProvider":"githubEnterprise","accessType":"token","token":"t"}`:                    "domain",
			`{"name":"x","gitServiceProvider":"github","accessType":"password","username":"u"}`:                        "password",
			`{"name":"x","gitServiceProvider":"github","accessType":"key"}`:                                            "key",
			`{"name":"x","gitServiceProvider":"github","domain":"a b","accessType":"token","token":"t"}`:               "domain",
			`{"name":1}`: "name",
		} {
			wantError(t, e.do(e.api, "POST", p, body, asAlice...), 400, field)
		}
		wantError(t, e.do(e.api, "POST", "/v4/accounts/"+adminID+"/gitcredentials", ghCred, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/accounts/"+unknownObjectID+"/gitcredentials", ghCred, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, ghCred, "Content-Type", "multipart/form-data", asAlice[0], asAlice[1]), 415)
	},

	"DELETE /v4/accounts/{userId}/gitcredentials/{credentialId}": func(t *testing.T, e *env) {
		id := e.addGitCredential(aliceID, "gh")
		p := "/v4/accounts/" + aliceID + "/gitcredentials/" + id
		wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+adminID+"/gitcredentials/"+id, "", asAlice...), 403)
		// Under another owner the credential is not found, even for an admin.
		wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+adminID+"/gitcredentials/"+id, "", asAdmin...), 404)
		m := e.must(200, e.api, "DELETE", p, "", asAlice...).obj(t)
		exactFields(t, "deleted credential", m, gitCredFields)
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/accounts/"+unknownObjectID+"/gitcredentials/"+id, "", asAdmin...), 404)
	},

	"PUT /v4/projects/{projectId}/repository/{repoId}/credentialMapping": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("mapper", "Contributor")
		cred := e.addGitCredential(a.ID, "gh")
		p := "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
		m := e.must(200, e.api, "PUT", p, fmt.Sprintf(`{"credentialId":%q}`, cred), bearer(tok)...).obj(t)
		exactFields(t, "mapping", m, map[string]string{"userId": "id", "projectId": "id", "repoId": "id", "credentialId": "id"})
		if m["userId"] != a.ID || m["projectId"] != projectID || m["repoId"] != repoID || m["credentialId"] != cred {
			t.Errorf("mapping %v", m)
		}
		wantError(t, e.do(e.api, "PUT", p, `{}`, bearer(tok)...), 400, "credentialId")
		wantError(t, e.do(e.api, "PUT", p, `{"credentialId":"`+unknownObjectID+`"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "PUT", "/v4/projects/"+projectID+"/repository/"+unknownObjectID+"/credentialMapping", fmt.Sprintf(`{"credentialId":%q}`, cred), bearer(tok)...), 404, unknownObjectID)
		wantError(t, e.do(e.api, "PUT", "/v4/projects/"+unknownObjectID+"/repository/"+repoID+"/credentialMapping", fmt.Sprintf(`{"credentialId":%q}`, cred), bearer(tok)...), 404)
		wantError(t, e.do(e.api, "PUT", p, fmt.Sprintf(`{"credentialId":%q}`, cred), asAlice...), 403)
		wantError(t, e.do(e.api, "PUT", p, fmt.Sprintf(`{"credentialId":%q}`, cred), "Content-Type", "text/plain", "Authorization", "Bearer "+tok), 415)
	},

	"GET /v4/projects/{projectId}/repository/{repoId}/credentialMapping": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("map-get", "Contributor")
		cred := e.addGitCredential(a.ID, "gh")
		p := "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
		wantError(t, e.do(e.api, "GET", p, "", bearer(tok)...), 404)
		e.must(200, e.api, "PUT", p, fmt.Sprintf(`{"credentialId":%q}`, cred), bearer(tok)...)
		m := e.must(200, e.api, "GET", p, "", bearer(tok)...).obj(t)
		exactFields(t, "mapping get", m, map[string]string{"raw": "id"})
		if m["raw"] != cred {
			t.Errorf("raw %v", m)
		}
		// Mappings are per caller: the admin has none.
		wantError(t, e.do(e.api, "GET", p, "", asAdmin...), 404)
		// Deleting the credential drops the mapping.
		e.must(200, e.api, "DELETE", "/v4/accounts/"+a.ID+"/gitcredentials/"+cred, "", asAdmin...)
		wantError(t, e.do(e.api, "GET", p, "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID+"/repository/"+unknownObjectID+"/credentialMapping", "", bearer(tok)...), 404)
	},

	"DELETE /v4/projects/{projectId}/repository/{repoId}/credentialMapping": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("map-del", "Contributor")
		cred := e.addGitCredential(a.ID, "gh")
		p := "/v4/projects/" + projectID + "/repository/" + repoID + "/credentialMapping"
		e.must(200, e.api, "PUT", p, fmt.Sprintf(`{"credentialId":%q}`, cred), bearer(tok)...)
		m := e.must(200, e.api, "DELETE", p, "", bearer(tok)...).obj(t)
		exactFields(t, "mapping delete", m, map[string]string{"userId": "id", "projectId": "id", "repoId": "id"})
		wantError(t, e.do(e.api, "GET", p, "", bearer(tok)...), 404)
		// Deleting none is not an error.
		e.must(200, e.api, "DELETE", p, "", bearer(tok)...)
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 403)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+projectID+"/repository/"+unknownObjectID+"/credentialMapping", "", bearer(tok)...), 404)
	},

	"POST /api/jobs/v1/jobs": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("jobber", "Contributor")
		p := "/api/jobs/v1/jobs"
		m := e.must(200, e.api, "POST", p, `{"projectId":"`+projectID+`","runCommand":"python main.py","title":"t1","hardwareTier":"Small"}`, bearer(tok)...).obj(t)
		exactFields(t, "v1 start", m, map[string]string{"job": "object", "metadata": "object"})
		j, _ := m["job"].(map[string]any)
		fields(t, "v1 job", j, map[string]string{"id": "id", "number": "number", "runCommand": "string", "title": "string", "status": "object", "stageTimes": "object", "startedById": "id"})
		st, _ := j["status"].(map[string]any)
		exactFields(t, "v1 status", st, map[string]string{"isCompleted": "bool", "isArchived": "bool", "isScheduled": "bool", "executionStatus": "string"})
		if j["runCommand"] != "python main.py" || j["startedById"] != a.ID || j["number"] != 1.0 || j["hardwareTierId"] != "small-k8s" {
			t.Errorf("v1 job %v", j)
		}
		st2, _ := j["stageTimes"].(map[string]any)
		if kindOf(st2["submissionTime"], "time") != nil {
			t.Errorf("stageTimes %v", st2)
		}
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`"}`, bearer(tok)...), 400, "runCommand")
		wantError(t, e.do(e.api, "POST", p, `{"runCommand":"ls"}`, bearer(tok)...), 400, "projectId")
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","runCommand":"ls","hardwareTier":"Huge"}`, bearer(tok)...), 400, "hardwareTier")
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","runCommand":"ls","environmentId":"nope"}`, bearer(tok)...), 400, "environmentId")
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+unknownObjectID+`","runCommand":"ls"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","runCommand":"ls"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","runCommand":"ls"}`), 401)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":`, bearer(tok)...), 400)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"x"}`, "Content-Type", "text/plain", "Authorization", "Bearer "+tok), 415)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+strings.Repeat("x", api.MaxBodyBytes)+`"}`, bearer(tok)...), 413)
	},

	"POST /v4/jobs/start": func(t *testing.T, e *env) {
		a, tok := e.saWithToken("starter", "Contributor")
		p := "/v4/jobs/start"
		// What python-domino sends: every field, unset ones null.
		body := `{"projectId":"` + projectID + `","commandToRun":"/tmp/ls","commitId":null,"overrideHardwareTierId":null,` +
			`"onDemandSparkClusterProperties":null,"computeClusterProperties":null,"environmentId":"` + envID + `","title":"Test Job for SVC Account","externalVolumeMounts":null}`
		m := e.must(200, e.api, "POST", p, body, bearer(tok)...).obj(t)
		fields(t, "v4 job", m, jobV4Fields)
		st, _ := m["statuses"].(map[string]any)
		fields(t, "statuses", st, map[string]string{"isCompleted": "bool", "executionStatus": "string"})
		by, _ := m["startedBy"].(map[string]any)
		exactFields(t, "startedBy", by, map[string]string{"id": "id", "username": "string"})
		if m["jobRunCommand"] != "/tmp/ls" || by["id"] != a.ID || by["username"] != "starter" || m["environmentId"] != envID ||
			m["title"] != "Test Job for SVC Account" {
			t.Errorf("v4 job %v", m)
		}
		// No title: null (observed by the third-party client's tests).
		if m := e.must(200, e.api, "POST", p, `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t); m["title"] != nil {
			t.Errorf("a job without a title has title %#v, want null", m["title"])
		}
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`"}`, bearer(tok)...), 400, "commandToRun")
		wantError(t, e.do(e.api, "POST", p, `{"commandToRun":"ls"}`, bearer(tok)...), 400, "projectId")
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+unknownObjectID+`","commandToRun":"ls"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","commandToRun":"ls"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", p, `{"projectId":"`+projectID+`","commandToRun":"ls"}`, "Content-Type", "text/plain", "Authorization", "Bearer "+tok), 415)
	},

	"POST /v4/jobs/stop": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("stopper", "Contributor")
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"sleep 1"}`, bearer(tok)...).obj(t)
		id := str(j["id"])
		m := e.must(200, e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+projectID+`","jobId":"`+id+`","commitResults":false}`, bearer(tok)...).obj(t)
		fields(t, "stopped job", m, jobV4Fields)
		if st, _ := m["statuses"].(map[string]any); st["executionStatus"] != "Stopped" || st["isCompleted"] != true {
			t.Errorf("stopped: %v", m["statuses"])
		}
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+projectID+`"}`, bearer(tok)...), 400, "jobId")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+projectID+`","jobId":"`+unknownObjectID+`"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"projectId":"`+unknownObjectID+`","jobId":"`+id+`"}`, bearer(tok)...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"jobId":"`+id+`","commitResults":"yes"}`, bearer(tok)...), 400, "commitResults")
		wantError(t, e.do(e.api, "POST", "/v4/jobs/stop", `{"jobId":"`+id+`"}`, asAlice...), 403)
	},

	"GET /v4/jobs": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("lister-j", "Contributor")
		for i := 0; i < 2; i++ {
			e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...)
		}
		m := e.must(200, e.api, "GET", "/v4/jobs?projectId="+projectID, "", bearer(tok)...).obj(t)
		jobs, _ := m["jobs"].([]any)
		if len(jobs) != 2 || m["totalCount"] != 2.0 {
			t.Fatalf("jobs %v", m)
		}
		j0, _ := jobs[0].(map[string]any)
		fields(t, "listed job", j0, jobV4Fields)
		if j0["number"] != 2.0 {
			t.Errorf("newest first: %v", j0["number"])
		}
		wantError(t, e.do(e.api, "GET", "/v4/jobs", "", bearer(tok)...), 400, "projectId")
		wantError(t, e.do(e.api, "GET", "/v4/jobs?projectId="+unknownObjectID, "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/jobs?projectId=invalid", "", bearer(tok)...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/v4/jobs?projectId="+projectID, "", asAlice...), 403)
		// Paged: 3 by default, newest first; page_size, page_no, sort_by,
		// order_by and status select and order.
		for i := 0; i < 3; i++ {
			e.must(200, e.api, "POST", "/v4/jobs/start", fmt.Sprintf(`{"projectId":%q,"commandToRun":"c%d","title":"t%d"}`, projectID, 4-i, i), bearer(tok)...)
		}
		numbers := func(query string) string {
			m := e.must(200, e.api, "GET", "/v4/jobs?projectId="+projectID+query, "", bearer(tok)...).obj(t)
			var out []string
			for _, j := range m["jobs"].([]any) {
				out = append(out, fmt.Sprint(j.(map[string]any)["number"]))
			}
			return fmt.Sprintf("%s of %v", strings.Join(out, ","), m["totalCount"])
		}
		for query, want := range map[string]string{
			"":                          "5,4,3 of 5",
			"&page_size=2":              "5,4 of 5",
			"&page_size=2&page_no=2":    "3,2 of 5",
			"&page_size=2&page_no=3":    "1 of 5",
			"&page_size=2&page_no=4":    " of 5",
			"&page_size=10&sort_by=asc": "1,2,3,4,5 of 5",
			"&page_size=10&order_by=command&sort_by=asc":         "5,4,3,1,2 of 5",
			"&page_size=10&order_by=title&sort_by=asc":           "1,2,3,4,5 of 5",
			"&page_size=10&status=completed":                     "5,4,3,2,1 of 5",
			"&page_size=10&status=Queued":                        " of 0",
			"&page_size=10&status=all&show_archived=false&tag=x": "5,4,3,2,1 of 5",
			"&page_size=3.0":                                     "5,4,3 of 5",
		} {
			if got := numbers(query); !strings.HasSuffix(got, want) && got != want {
				t.Errorf("jobs%s: %s, want %s", query, got, want)
			}
		}
		for query, names := range map[string]string{
			"&page_size=0": "page_size", "&page_size=-1": "page_size", "&page_size=x": "page_size", "&page_size=1.5": "page_size",
			"&page_no=0": "page_no", "&sort_by=up": "sort_by", "&order_by=colour": "order_by", "&status=done": "status",
			"&show_archived=maybe": "show_archived",
		} {
			wantError(t, e.do(e.api, "GET", "/v4/jobs?projectId="+projectID+query, "", bearer(tok)...), 400, names)
		}
	},

	"GET /v4/jobs/": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("slash-j", "Contributor")
		e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...)
		a := e.must(200, e.api, "GET", "/v4/jobs/?projectId="+projectID, "", bearer(tok)...).obj(t)
		b := e.must(200, e.api, "GET", "/v4/jobs?projectId="+projectID, "", bearer(tok)...).obj(t)
		if fmt.Sprint(a["jobs"]) != fmt.Sprint(b["jobs"]) || a["totalCount"] != 1.0 {
			t.Errorf("/v4/jobs/ answers %v, /v4/jobs %v", a, b)
		}
		wantError(t, e.do(e.api, "GET", "/v4/jobs/", "", bearer(tok)...), 400, "projectId")
	},

	"GET /v4/jobs/{jobId}": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("getter-j", "Contributor")
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(tok)...).obj(t)
		m := e.must(200, e.api, "GET", "/v4/jobs/"+str(j["id"]), "", bearer(tok)...).obj(t)
		fields(t, "job", m, jobV4Fields)
		st, _ := m["statuses"].(map[string]any)
		if st["executionStatus"] != "Succeeded" || st["isCompleted"] != true {
			t.Errorf("immediate lifecycle: %v", st)
		}
		stage, _ := m["stageTime"].(map[string]any)
		fields(t, "stageTime", stage, map[string]string{"submissionTime": "number", "runStartTime": "number", "completedTime": "number"})
		wantError(t, e.do(e.api, "GET", "/v4/jobs/"+unknownObjectID, "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/jobs/"+str(j["id"]), "", asAlice...), 403)
	},

	"GET /v1/projects/{owner}/{name}/run/{runId}/stdout": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("stdout-j", "Contributor")
		j := e.must(200, e.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"echo hi"}`, bearer(tok)...).obj(t)
		p := "/v1/projects/admin/quick-start/run/" + str(j["id"]) + "/stdout"
		m := e.must(200, e.api, "GET", p, "", bearer(tok)...).obj(t)
		exactFields(t, "stdout", m, map[string]string{"stdout": "string", "setup": "string"})
		if !strings.Contains(str(m["stdout"]), "echo hi") {
			t.Errorf("stdout %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/nope/run/"+str(j["id"])+"/stdout", "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", "/v1/projects/admin/quick-start/run/"+unknownObjectID+"/stdout", "", bearer(tok)...), 404)
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
	},

	"GET /auth/realms/DominoRealm": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/auth/realms/DominoRealm", "").obj(t)
		fields(t, "realm", m, map[string]string{"realm": "string", "public_key": "string"})
		der, err := base64.StdEncoding.DecodeString(str(m["public_key"]))
		if m["realm"] != "DominoRealm" || err != nil || len(der) < 256 {
			t.Errorf("realm %v (%v)", m, err)
		}
	},

	"GET /auth/realms/DominoRealm/protocol/openid-connect/certs": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/auth/realms/DominoRealm/protocol/openid-connect/certs", "").obj(t)
		ks, _ := m["keys"].([]any)
		if len(ks) != 1 {
			t.Fatalf("jwks %v", m)
		}
		k, _ := ks[0].(map[string]any)
		fields(t, "jwk", k, map[string]string{"kid": "string", "kty": "string", "alg": "string", "use": "string", "n": "string", "e": "string"})
		if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] != keys(t).KeyID() {
			t.Errorf("jwk %v", k)
		}
	},

	"GET /auth/realms/DominoRealm/.well-known/openid-configuration": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/auth/realms/DominoRealm/.well-known/openid-configuration", "").obj(t)
		fields(t, "discovery", m, map[string]string{"issuer": "string", "jwks_uri": "string", "token_endpoint": "string", "id_token_signing_alg_values_supported": "array"})
		if m["issuer"] != issuer || m["jwks_uri"] != issuer+"/protocol/openid-connect/certs" {
			t.Errorf("discovery %v", m)
		}
	},

	"GET /access-token": func(t *testing.T, e *env) {
		r := e.must(200, e.proxy, "GET", "/access-token", "")
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type %q", ct)
		}
		tok := string(r.body)
		if strings.Count(tok, ".") != 2 {
			t.Fatalf("not a JWT: %q", tok)
		}
		if m := e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...).obj(t); m["id"] != adminID {
			t.Errorf("access token is not the admin's: %v", m)
		}
		// On the proxy, a request with its own credentials is that caller's.
		r = e.must(200, e.proxy, "GET", "/access-token", "", asAlice...)
		if m := e.must(200, e.api, "GET", "/v4/users/self", "", bearer(string(r.body))...).obj(t); m["id"] != aliceID {
			t.Errorf("alice's access token: %v", m)
		}
		// Only on the proxy.
		wantError(t, e.do(e.api, "GET", "/access-token", "", asAdmin...), 404)
		wantError(t, e.do(e.proxy, "GET", "/access-token", "", "X-Domino-Api-Key", "wrong"), 401)
	},

	"GET /__mock/health": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/__mock/health", "").obj(t)
		if m["status"] != "ok" || m["profile"] != "observed" || m["externalUrl"] != "http://mock.test" {
			t.Errorf("health %v", m)
		}
		e.must(200, e.proxy, "GET", "/__mock/health", "")
	},

	"POST /__mock/reset": func(t *testing.T, e *env) {
		e.createSA("gone-after-reset")
		e.must(200, e.proxy, "POST", "/__mock/reset", "")
		if l := e.must(200, e.proxy, "GET", "/v4/serviceAccounts", "").list(t); len(l) != 0 {
			t.Errorf("after reset: %v", l)
		}
		e.must(200, e.api, "POST", "/__mock/reset", "", asAdmin...)
	},

	"GET /__mock/state": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("stateful", "")
		m := e.must(200, e.proxy, "GET", "/__mock/state", "").obj(t)
		fields(t, "state", m, map[string]string{"version": "number", "users": "array", "tokens": "array", "projects": "array"})
		if strings.Contains(compact(t, e.must(200, e.proxy, "GET", "/__mock/state", "").body), tok) {
			t.Errorf("state shows a token without secrets=true")
		}
		if !strings.Contains(string(e.must(200, e.proxy, "GET", "/__mock/state?secrets=true", "").body), tok) {
			t.Errorf("secrets=true on the proxy lacks the token")
		}
		wantError(t, e.do(e.api, "GET", "/__mock/state?secrets=true", "", asAdmin...), 403)
		wantError(t, e.do(e.proxy, "GET", "/__mock/state?secrets=perhaps", ""), 400, "secrets")
	},

	"PUT /__mock/state": func(t *testing.T, e *env) {
		_, tok := e.saWithToken("snap", "")
		snap := string(e.must(200, e.proxy, "GET", "/__mock/state?secrets=true", "").body)
		e.must(200, e.proxy, "POST", "/__mock/reset", "")
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...), 401)
		m := e.must(200, e.proxy, "PUT", "/__mock/state", snap).obj(t)
		if m["status"] != "imported" || m["users"] != 3.0 || m["tokens"] != 1.0 {
			t.Errorf("import %v", m)
		}
		e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tok)...)
		wantError(t, e.do(e.proxy, "PUT", "/__mock/state", `{"version":42}`), 400, "version")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/state", `{"version":`), 400)
		wantError(t, e.do(e.proxy, "PUT", "/__mock/state", snap, "Content-Type", "text/plain"), 415)
	},

	"GET /__mock/clock": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "GET", "/__mock/clock", "").obj(t)
		exactFields(t, "clock", m, map[string]string{"now": "time", "offset": "string", "frozen": "bool"})
		if m["offset"] != "0s" || m["frozen"] != false {
			t.Errorf("clock %v", m)
		}
	},

	"POST /__mock/clock": func(t *testing.T, e *env) {
		before := e.st.Clock().Now()
		m := e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2h30m"}`).obj(t)
		if m["offset"] != "2h30m0s" || m["frozen"] != false {
			t.Errorf("clock %v", m)
		}
		if now, _ := time.Parse(time.RFC3339, str(m["now"])); now.Sub(before) < 149*time.Minute {
			t.Errorf("now %v, before %v", now, before)
		}
		// Back as well as forward (issue 12, item 7).
		if m := e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"-3h"}`).obj(t); m["offset"] != "-30m0s" {
			t.Errorf("after moving back 3h: %v", m)
		}
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{}`), 400, "advance, set or frozen is required")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"advance":"0s"}`), 400, "advance, set or frozen is required")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"advance":"soon"}`), 400, "advance")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"advance":5}`), 400, "advance")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"set":"tomorrow"}`), 400, "set")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"set":"1969-12-31T23:59:59Z"}`), 400, "before 1970-01-01T00:00:00Z")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"set":"2026-01-01T00:00:00Z","advance":"1h"}`), 400, "advance or set, not both")
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"frozen":"yes"}`), 400, "frozen")
		if m := e.must(200, e.proxy, "GET", "/__mock/clock", "").obj(t); m["offset"] != "-30m0s" {
			t.Errorf("refused moves moved the clock: %v", m)
		}
		// Set to a time and frozen there, in one move; it then stands still
		// and moves only when told.
		m = e.must(200, e.proxy, "POST", "/__mock/clock", `{"set":"2026-01-01T01:00:00+01:00","frozen":true}`).obj(t)
		if m["now"] != "2026-01-01T00:00:00.000Z" || m["frozen"] != true {
			t.Errorf("set and frozen: %v", m)
		}
		if got := e.must(200, e.proxy, "GET", "/__mock/clock", "").obj(t); got["now"] != "2026-01-01T00:00:00.000Z" || got["frozen"] != true {
			t.Errorf("a frozen clock moved: %v", got)
		}
		if m := e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"-24h"}`).obj(t); m["now"] != "2025-12-31T00:00:00.000Z" || m["frozen"] != true {
			t.Errorf("a frozen clock moved back: %v", m)
		}
		if m := e.must(200, e.proxy, "POST", "/__mock/clock", `{"frozen":false}`).obj(t); m["frozen"] != false || !strings.HasPrefix(str(m["now"]), "2025-12-31T00:00:0") {
			t.Errorf("resumed: %v", m)
		}
		// The clock never wraps around: a move that would overflow is refused.
		e.must(200, e.proxy, "POST", "/__mock/clock", `{"set":"2026-01-01T00:00:00Z"}`)
		e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2000000h"}`)
		wantError(t, e.do(e.proxy, "POST", "/__mock/clock", `{"advance":"2000000h"}`), 400, "overflow")
		if now := e.st.Clock().Now(); now.Year() != 2254 {
			t.Errorf("the clock after an overflowing advance: %v", now)
		}
	},

	"GET /__mock/jobs/lifecycle": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "GET", "/__mock/jobs/lifecycle", "").obj(t)
		fields(t, "lifecycle", m, map[string]string{"mode": "string", "queuedFor": "string", "runFor": "string", "polls": "number", "finalStatus": "string"})
		if m["mode"] != "immediate" || m["finalStatus"] != "Succeeded" {
			t.Errorf("lifecycle %v", m)
		}
	},

	"PUT /__mock/jobs/lifecycle": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"clock","queuedFor":"1m","runFor":"2m","finalStatus":"Failed"}`).obj(t)
		if m["mode"] != "clock" || m["runFor"] != "2m0s" || m["finalStatus"] != "Failed" {
			t.Errorf("lifecycle %v", m)
		}
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"sometimes"}`), 400, "mode")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"clock","finalStatus":"Great"}`), 400, "finalStatus")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"polls","polls":-1}`), 400, "polls")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"clock","runFor":"-1s"}`), 400, "runFor")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"polls","polls":"3"}`), 400, "polls")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"clock","queuedFor":"a while"}`), 400, "queuedFor")
		wantError(t, e.do(e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"clock","RUNFOR":7}`), 400, "RUNFOR")
	},

	"POST /__mock/jobs/{jobId}/advance": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "PUT", "/__mock/jobs/lifecycle", `{"mode":"manual"}`)
		j := e.must(200, e.proxy, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`).obj(t)
		id := str(j["id"])
		for _, want := range []string{"Running", "Succeeded"} {
			m := e.must(200, e.proxy, "POST", "/__mock/jobs/"+id+"/advance", "").obj(t)
			if st, _ := m["statuses"].(map[string]any); st["executionStatus"] != want {
				t.Errorf("advance: %v, want %s", st, want)
			}
		}
		wantError(t, e.do(e.proxy, "POST", "/__mock/jobs/"+id+"/advance", ""), 400)
		wantError(t, e.do(e.proxy, "POST", "/__mock/jobs/"+unknownObjectID+"/advance", ""), 404)
	},

	"GET /__mock/journal": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "GET", "/__mock/journal", "").obj(t)
		fields(t, "journal", m, map[string]string{"entries": "array", "count": "number", "dropped": "number", "capacity": "number"})
		wantError(t, e.do(e.proxy, "GET", "/__mock/journal?limit=-3", ""), 400, "limit")
	},

	"DELETE /__mock/journal": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "DELETE", "/__mock/journal", "").obj(t)
		if m["status"] != "cleared" {
			t.Errorf("clear %v", m)
		}
	},

	"POST /__mock/faults": func(t *testing.T, e *env) {
		m := e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"route":"/version"},"effect":{"status":503},"times":1}`).obj(t)
		if m["id"] != "fault-1" {
			t.Errorf("fault %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/version", ""), 503, "fault-1")
		e.must(200, e.api, "GET", "/version", "")
		wantError(t, e.do(e.proxy, "POST", "/__mock/faults", `{"match":{},"effect":{}}`), 400, "effect")
		wantError(t, e.do(e.proxy, "POST", "/__mock/faults", `{"match":{},"effect":{"delay":"soon"}}`), 400, "effect.delay")
		wantError(t, e.do(e.proxy, "POST", "/__mock/faults", `{"match":{},"effect":{"status":"503"}}`), 400, "effect.status")
	},

	"GET /__mock/faults": func(t *testing.T, e *env) {
		if got := string(e.must(200, e.proxy, "GET", "/__mock/faults", "").body); got != "[]" {
			t.Errorf("no faults: %s", got)
		}
	},

	"DELETE /__mock/faults": func(t *testing.T, e *env) {
		e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"route":"/version"},"effect":{"status":503}}`)
		e.must(200, e.proxy, "DELETE", "/__mock/faults", "")
		e.must(200, e.api, "GET", "/version", "")
	},

	"DELETE /__mock/faults/{faultId}": func(t *testing.T, e *env) {
		e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"route":"/version"},"effect":{"status":503}}`)
		kept := e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"route":"/v4/users/self"},"effect":{"status":503}}`).obj(t)
		removed := e.must(200, e.proxy, "DELETE", "/__mock/faults/fault-1", "").obj(t)
		if removed["id"] != "fault-1" || kept["id"] != "fault-2" {
			t.Errorf("removed %v, kept %v", removed, kept)
		}
		e.must(200, e.api, "GET", "/version", "")
		wantError(t, e.do(e.proxy, "GET", "/v4/users/self", ""), 503, "fault-2")
		wantError(t, e.do(e.proxy, "DELETE", "/__mock/faults/fault-1", ""), 404, "fault-1")
	},

	"GET /__mock/openapi.json": func(t *testing.T, e *env) {
		m := e.must(200, e.proxy, "GET", "/__mock/openapi.json", "").obj(t)
		fields(t, "openapi", m, map[string]string{"openapi": "string", "paths": "object", "components": "object"})
	},
}

// registered lists "METHOD pattern" of every route a listener serves.
func registered(t *testing.T, h http.Handler) []string {
	t.Helper()
	var out []string
	err := api.WalkRoutes(h, func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		p, err := r.GetPathTemplate()
		if err != nil {
			return err
		}
		ms, err := r.GetMethods()
		if err != nil {
			return err
		}
		for _, m := range ms {
			out = append(out, m+" "+p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestEveryRouteIsTested(t *testing.T) {
	e := newEnv(t)
	all := registered(t, e.proxy)
	if len(all) != len(routeCases) {
		t.Errorf("%d routes on the proxy, %d route cases", len(all), len(routeCases))
	}
	for _, r := range all {
		if routeCases[r] == nil {
			t.Errorf("route %s has no case in routeCases", r)
		}
	}
	for r := range routeCases {
		if !contains(all, r) {
			t.Errorf("route case %s is not a route", r)
		}
	}
	// The API host serves the same routes but /access-token.
	host := registered(t, e.api)
	if len(host) != len(all)-1 || contains(host, "GET /access-token") {
		t.Errorf("API host routes: %v", host)
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestRoutes(t *testing.T) {
	for name, c := range routeCases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c(t, newEnv(t))
		})
	}
}
