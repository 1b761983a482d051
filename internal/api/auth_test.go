package api_test

// Authentication through HTTP: which credentials each listener and route
// needs, every way a bearer token must be refused, Authorization header
// variants, and the issued JWTs as a standard JWT library sees them.

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/store"
)

// decodeJWT returns a token's header and claims without verifying it.
func decodeJWT(t testing.TB, tok string) (map[string]any, map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok)
	}
	var h, c map[string]any
	for i, dst := range []*map[string]any{&h, &c} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("JWT part %d: %v", i, err)
		}
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(dst); err != nil {
			t.Fatalf("JWT part %d: %v", i, err)
		}
	}
	return h, c
}

func b64(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// resign builds a token from header and claims, signed with method and key
// (a nil method leaves the signature empty, as alg "none" does).
func resign(t testing.TB, header, claims map[string]any, method jwt.SigningMethod, key any) string {
	t.Helper()
	unsigned := b64(header) + "." + b64(claims)
	if method == nil {
		return unsigned + "."
	}
	sig, err := method.Sign(unsigned, key)
	if err != nil {
		t.Fatal(err)
	}
	return unsigned + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func privateKey(t testing.TB, k *signing.Keys) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(k.PEM())
	pk, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return pk.(*rsa.PrivateKey)
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// otherKeys is a second key, for tokens the mock did not sign.
var otherKeys = sync.OnceValues(signing.Generate)

func TestTokenRefusedAfterLifecycleEvents(t *testing.T) {
	t.Parallel()
	self := func(e *env, tok string) *resp { return e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...) }
	ok := func(t *testing.T, e *env, tok string) {
		t.Helper()
		if r := self(e, tok); r.code != 200 {
			t.Fatalf("token unusable before the event: %s", r)
		}
	}
	cases := map[string]func(t *testing.T, e *env, a sa, tok string) string{
		"invalidate": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens/t1/invalidate", "")
			return tok
		},
		"delete": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "DELETE", "/v4/serviceAccounts/"+a.IdpID+"/tokens/t1", "")
			return tok
		},
		"deleted then recreated under the same name": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "DELETE", "/v4/serviceAccounts/"+a.IdpID+"/tokens/t1", "")
			again := e.createToken(a.IdpID, "t1")
			if again == tok {
				t.Errorf("recreated token equals the old one")
			}
			ok(t, e, again)
			return tok
		},
		"deactivate": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "")
			return tok
		},
		"deactivate then activate": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/deactivate", "")
			e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/activate", "")
			return tok
		},
		"expiry": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2879h"}`)
			ok(t, e, tok) // 120 days are 2880h: still valid an hour before
			e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2h"}`)
			return tok
		},
		"expiry in one step": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2881h"}`)
			return tok
		},
		"reset": func(t *testing.T, e *env, a sa, tok string) string {
			e.must(200, e.proxy, "POST", "/__mock/reset", "")
			return tok
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			a, tok := e.saWithToken("victim", "")
			other := e.createToken(a.IdpID, "other")
			ok(t, e, tok)
			bad := c(t, e, a, tok)
			wantError(t, self(e, bad), 401, "Unauthorized")
			wantError(t, e.do(e.api, "GET", "/api/users/v1/self", "", bearer(bad)...), 401)
			// Invalidating or deleting one token leaves the others working.
			if name == "invalidate" || strings.HasPrefix(name, "delete") {
				ok(t, e, other)
			}
		})
	}
}

func TestForgedTokensRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := keys(t)
	priv := privateKey(t, k)
	other, err := otherKeys()
	if err != nil {
		t.Fatal(err)
	}
	otherPriv := privateKey(t, other)
	pubDER, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	pkcs1PEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&priv.PublicKey)})

	a, saTok := e.saWithToken("forged", "")
	access := string(e.must(200, e.proxy, "GET", "/access-token", "").body)
	self := func(tok string) *resp { return e.do(e.api, "GET", "/v4/users/self", "", bearer(tok)...) }

	// The store also compares a token with the value it issued, which alone
	// refuses every forgery. To test each other check on its own, each forgery
	// is also installed as the stored value of the token it derives from
	// (through GET/PUT /__mock/state), so that only the check under test can
	// refuse it.
	pristine := e.must(200, e.proxy, "GET", "/__mock/state?secrets=true", "").body
	// install puts forged in the stored state in place of orig; it reports
	// whether the import took it (imports refuse values the key did not sign
	// for the record).
	install := func(t *testing.T, orig, forged string) bool {
		t.Helper()
		var snap map[string]any
		if err := json.Unmarshal(pristine, &snap); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, list := range []string{"tokens", "accessTokens"} {
			for _, rec := range snap[list].([]any) {
				if r := rec.(map[string]any); r["value"] == orig {
					r["value"] = forged
					n++
				}
			}
		}
		if n != 1 {
			t.Fatalf("token to replace found %d times", n)
		}
		doc, _ := json.Marshal(snap)
		r := e.do(e.proxy, "PUT", "/__mock/state", string(doc))
		if r.code != 200 {
			wantError(t, r, 400, "okens[") // tokens[i] or accessTokens[i]
			return false
		}
		return true
	}

	// Control: re-signed by us with the real key and kid, and installed, a
	// token verifies, so every refusal below is due to the one thing changed.
	for _, tok := range []string{saTok, access} {
		h, c := decodeJWT(t, tok)
		resigned := resign(t, h, c, jwt.SigningMethodRS256, priv)
		if resigned == tok {
			t.Fatal("control: re-signing gave the same string")
		}
		if r := self(resigned); r.code != 401 {
			t.Errorf("a re-signed token that is not the issued value was accepted: %s", r)
		}
		install(t, tok, resigned)
		if r := self(resigned); r.code != 200 {
			t.Fatalf("control: installed re-signed token refused: %s", r)
		}
	}

	future := time.Now().Add(24 * time.Hour).Unix()
	type forge func(t *testing.T, tok string) string
	withClaims := func(f func(h, c map[string]any), method jwt.SigningMethod, key any) forge {
		return func(t *testing.T, tok string) string {
			h, c := decodeJWT(t, tok)
			h, c = clone(h), clone(c)
			f(h, c)
			if method != nil {
				h["alg"] = method.Alg()
			}
			return resign(t, h, c, method, key)
		}
	}
	keep := func(h, c map[string]any) {}
	cases := map[string]forge{
		"flipped signature byte": func(t *testing.T, tok string) string {
			i := strings.LastIndexByte(tok, '.') + 10
			b := []byte(tok)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			return string(b)
		},
		"signature removed": func(t *testing.T, tok string) string { return tok[:strings.LastIndexByte(tok, '.')+1] },
		"alg none": func(t *testing.T, tok string) string {
			h, _ := decodeJWT(t, tok)
			h = clone(h)
			h["alg"] = "none"
			return b64(h) + "." + strings.Split(tok, ".")[1] + "."
		},
		"alg None with signature kept": func(t *testing.T, tok string) string {
			h, _ := decodeJWT(t, tok)
			h = clone(h)
			h["alg"] = "None"
			p := strings.SplitN(tok, ".", 2)
			return b64(h) + "." + p[1]
		},
		"HS256 keyed with the public key PEM":   withClaims(keep, jwt.SigningMethodHS256, pubPEM),
		"HS256 keyed with the public key DER":   withClaims(keep, jwt.SigningMethodHS256, pubDER),
		"HS256 keyed with the PKCS1 PEM":        withClaims(keep, jwt.SigningMethodHS256, pkcs1PEM),
		"HS256 keyed with the realm public_key": withClaims(keep, jwt.SigningMethodHS256, []byte(k.PublicKeyDER())),
		"RS512 with the real key":               withClaims(keep, jwt.SigningMethodRS512, priv),
		"PS256 with the real key":               withClaims(keep, jwt.SigningMethodPS256, priv),
		"unknown kid":                           withClaims(func(h, c map[string]any) { h["kid"] = "not-our-kid" }, jwt.SigningMethodRS256, priv),
		"missing kid":                           withClaims(func(h, c map[string]any) { delete(h, "kid") }, jwt.SigningMethodRS256, priv),
		"kid of a number":                       withClaims(func(h, c map[string]any) { h["kid"] = 7 }, jwt.SigningMethodRS256, priv),
		"another key with our kid":              withClaims(keep, jwt.SigningMethodRS256, otherPriv),
		"another key with its kid": withClaims(func(h, c map[string]any) { h["kid"] = other.KeyID() },
			jwt.SigningMethodRS256, otherPriv),
		"missing exp":     withClaims(func(h, c map[string]any) { delete(c, "exp") }, jwt.SigningMethodRS256, priv),
		"exp in the past": withClaims(func(h, c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }, jwt.SigningMethodRS256, priv),
		"exp as a string": withClaims(func(h, c map[string]any) { c["exp"] = "never" }, jwt.SigningMethodRS256, priv),
		"nbf in future":   withClaims(func(h, c map[string]any) { c["nbf"] = future }, jwt.SigningMethodRS256, priv),
		"missing sub":     withClaims(func(h, c map[string]any) { delete(c, "sub") }, jwt.SigningMethodRS256, priv),
		"sub of alice":    withClaims(func(h, c map[string]any) { c["sub"] = aliceIdp }, jwt.SigningMethodRS256, priv),
		"other issuer":    withClaims(func(h, c map[string]any) { c["iss"] = "http://evil.test/auth/realms/DominoRealm" }, jwt.SigningMethodRS256, priv),
		"unknown jti":     withClaims(func(h, c map[string]any) { c["jti"] = unknownUUID }, jwt.SigningMethodRS256, priv),
		"duplicate claims": func(t *testing.T, tok string) string {
			p := strings.Split(tok, ".")
			return p[0] + "." + p[1] + p[1] + "." + p[2]
		},
		"payload edited, signature kept": func(t *testing.T, tok string) string {
			p := strings.Split(tok, ".")
			_, c := decodeJWT(t, tok)
			c = clone(c)
			c["sub"], c["preferred_username"] = adminIdp, "admin"
			return p[0] + "." + b64(c) + "." + p[2]
		},
		"payload edited in one character": func(t *testing.T, tok string) string {
			p := strings.Split(tok, ".")
			b := []byte(p[1])
			b[len(b)/2] ^= 1
			return p[0] + "." + string(b) + "." + p[2]
		},
		"header edited, signature kept": func(t *testing.T, tok string) string {
			p := strings.Split(tok, ".")
			h, _ := decodeJWT(t, tok)
			h = clone(h)
			h["typ"] = "JOSE"
			return b64(h) + "." + p[1] + "." + p[2]
		},
		"trailing garbage": func(t *testing.T, tok string) string { return tok + "x" },
		"trailing dot":     func(t *testing.T, tok string) string { return tok + "." },
		"trailing segment": func(t *testing.T, tok string) string { return tok + ".AAAA" },
		"trailing word":    func(t *testing.T, tok string) string { return tok + " extra" },
		"leading garbage":  func(t *testing.T, tok string) string { return "x" + tok },
		"padded base64":    func(t *testing.T, tok string) string { return tok + "==" },
		"standard base64 alphabet": func(t *testing.T, tok string) string {
			return strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/"
		},
		"two tokens joined by a comma": func(t *testing.T, tok string) string { return tok + "," + tok },
		"truncated":                    func(t *testing.T, tok string) string { return tok[:len(tok)-5] },
	}
	bases := map[string]string{"service-account token": saTok, "access token": access}
	for name, f := range cases {
		for base, tok := range bases {
			forged := f(t, tok)
			if forged == tok {
				t.Fatalf("%s: forging changed nothing", name)
			}
			// As sent by an attacker, and as if the mock had stored it.
			wantError(t, self(forged), 401)
			if name != "other issuer" { // iss is not checked on purpose: the record and signature prove the issue (store.AuthenticateBearer)
				if install(t, tok, forged) {
					wantError(t, self(forged), 401)
				}
			}
			if t.Failed() {
				t.Fatalf("case %q on the %s", name, base)
			}
		}
	}
	e.must(200, e.proxy, "PUT", "/__mock/state", string(pristine))
	// A token minted by another mock with another key.
	o := newEnv(t)
	o.st = store.New(store.Config{Keys: other, ExternalURL: "http://mock.test"})
	o.api, o.proxy = api.New(api.Options{Store: o.st}, api.APIHost), api.New(api.Options{Store: o.st}, api.Proxy)
	ob := o.createSA("forged") // same username as in e, different ids
	wantError(t, self(o.createToken(ob.IdpID, "t1")), 401)
	wantError(t, self(string(o.must(200, o.proxy, "GET", "/access-token", "").body)), 401)

	// The originals still work after all that.
	for base, tok := range bases {
		if r := self(tok); r.code != 200 {
			t.Errorf("%s unusable after the forgeries: %s", base, r)
		}
	}
	if m := self(saTok).obj(t); m["id"] != a.ID {
		t.Errorf("self %v", m)
	}
}

func TestAuthorizationHeaderVariants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, tok := e.saWithToken("headers", "")
	basic := base64.StdEncoding.EncodeToString([]byte("admin:" + asAdmin[1]))
	for _, c := range []struct {
		hdr  []string
		want int
	}{
		{[]string{"Authorization", "Bearer " + tok}, 200},
		{[]string{"Authorization", "bearer " + tok}, 200},
		{[]string{"Authorization", "BEARER " + tok}, 200},
		{[]string{"Authorization", "Bearer  " + tok + " "}, 200},
		{[]string{"Authorization", tok}, 401},
		{[]string{"Authorization", "Basic " + basic}, 401},
		{[]string{"Authorization", "Basic " + tok}, 401},
		{[]string{"Authorization", "Token " + tok}, 401},
		{[]string{"Authorization", "Bearer"}, 401},
		{[]string{"Authorization", "Bearer "}, 401},
		{[]string{"Authorization", "Bearer    "}, 401},
		{[]string{"Authorization", "Bearer\t" + tok}, 401},
		{[]string{"Authorization", "Bearer" + tok}, 401},
		{[]string{"Authorization", "Bearer " + asAdmin[1]}, 401},
		{[]string{"Authorization", "Bearer null"}, 401},
		{[]string{"X-Domino-Api-Key", tok}, 401},
		{[]string{"X-Domino-Api-Key", " " + asAdmin[1]}, 401},
		{[]string{"X-Domino-Api-Key", strings.ToUpper(asAdmin[1])}, 401},
		{[]string{"x-domino-api-key", asAdmin[1]}, 200},
		// Bad bearer credentials are not rescued by a good API key.
		{[]string{"Authorization", "Bearer nope", "X-Domino-Api-Key", asAdmin[1]}, 401},
	} {
		r := e.do(e.api, "GET", "/v4/users/self", "", c.hdr...)
		if c.want == 200 {
			if r.code != 200 {
				t.Errorf("%q: %s", c.hdr, r)
			}
			continue
		}
		if wantError(t, r, c.want); t.Failed() {
			t.Logf("headers %q", c.hdr)
		}
	}
	if m := e.must(200, e.api, "GET", "/v4/users/self", "", "Authorization", "bearer "+tok).obj(t); m["id"] != a.ID {
		t.Errorf("lower-case bearer authenticates as %v", m)
	}
	// The same variants on the proxy: credentials that are sent are used.
	wantError(t, e.do(e.proxy, "GET", "/v4/users/self", "", "Authorization", "Basic "+basic), 401)
	wantError(t, e.do(e.proxy, "GET", "/v4/users/self", "", "Authorization", "Bearer "), 401)
	wantError(t, e.do(e.proxy, "GET", "/v4/users/self", "", "X-Domino-Api-Key", "wrong"), 401)
	if m := e.must(200, e.proxy, "GET", "/v4/users/self", "", bearer(tok)...).obj(t); m["id"] != a.ID {
		t.Errorf("proxy with a bearer: %v", m)
	}
}

// TestListeners: what needs credentials where.
func TestListeners(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The proxy acts as the admin when a request brings no credentials.
	if m := e.must(200, e.proxy, "GET", "/v4/users/self", "").obj(t); m["userName"] != "admin" {
		t.Errorf("proxy user %v", m)
	}
	e.must(200, e.proxy, "GET", "/v4/serviceAccounts", "")
	// A proxy configured for alice acts as alice.
	pa := api.New(api.Options{Store: e.st, ProxyUser: "alice"}, api.Proxy)
	if m := e.must(200, pa, "GET", "/v4/users/self", "").obj(t); m["userName"] != "alice" {
		t.Errorf("alice proxy %v", m)
	}
	wantError(t, e.do(pa, "GET", "/v4/serviceAccounts", ""), 403)
	// A proxy configured for a user that does not exist refuses.
	pn := api.New(api.Options{Store: e.st, ProxyUser: "nobody"}, api.Proxy)
	wantError(t, e.do(pn, "GET", "/v4/users/self", ""), 401)

	jobID := str(e.must(200, e.proxy, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`).obj(t)["id"])
	noCreds := map[string]bool{
		"GET /version": true, "GET /__mock/health": true,
		"GET /auth/realms/DominoRealm":                                  true,
		"GET /auth/realms/DominoRealm/protocol/openid-connect/certs":    true,
		"GET /auth/realms/DominoRealm/.well-known/openid-configuration": true,
	}
	fill := strings.NewReplacer("{idpId}", unknownUUID, "{name}", "n", "{credentialId}", unknownObjectID,
		"{projectId}", projectID, "{collaboratorId}", unknownObjectID, "{userId}", adminID, "{repoId}", repoID,
		"{jobId}", jobID, "{owner}", "admin", "{runId}", jobID,
		"{tagId}", unknownObjectID, "{projectToForkId}", projectID, "{project}", "quick-start", "{environmentVariableName}", "X", "{environmentId}", envID, "{revisionId}", envRevisionID,
		"{workspaceId}", unknownObjectID, "{workspaceSessionId}", unknownObjectID, "{ownerId}", adminID)
	for _, rt := range registered(t, e.api) {
		method, pattern, _ := strings.Cut(rt, " ")
		path := fill.Replace(pattern)
		if path == "/__mock/reset" || method == "PUT" && path == "/__mock/state" {
			continue // checked below without changing the state under the others
		}
		control := strings.HasPrefix(pattern, "/__mock/")
		switch {
		case noCreds[rt]:
			if r := e.do(e.api, method, path, ""); r.code != 200 {
				t.Errorf("%s needs no credentials: %s", rt, r)
			}
		default:
			wantError(t, e.do(e.api, method, path, ""), 401)
			wantError(t, e.do(e.api, method, path, "", "X-Domino-Api-Key", "not-a-key"), 401)
			wantError(t, e.do(e.api, method, path, "", bearer("not.a.jwt")...), 401)
			if control {
				wantError(t, e.do(e.api, method, path, "", asAlice...), 403, "administrator")
				if r := e.do(e.api, method, path, "", asAdmin...); r.code == 401 || r.code == 403 {
					t.Errorf("admin on the API host: %s", r)
				}
			}
		}
		if control {
			if r := e.do(e.proxy, method, path, ""); r.code == 401 || r.code == 403 {
				t.Errorf("control route on the proxy: %s", r)
			}
		}
	}
	// Unknown routes and wrong methods answer 404 and 405 before any credentials are asked for.
	wantError(t, e.do(e.api, "GET", "/v4/nothing", ""), 404, "/v4/nothing")
	wantError(t, e.do(e.api, "GET", "/api/nothing", ""), 404)
	wantError(t, e.do(e.api, "PATCH", "/v4/users/self", ""), 405, "PATCH")
	wantError(t, e.do(e.api, "DELETE", "/api/users/v1/self", ""), 405)
	wantError(t, e.do(e.api, "POST", "/__mock/reset", "", asAlice...), 403)
	wantError(t, e.do(e.api, "POST", "/__mock/reset", ""), 401)
	wantError(t, e.do(e.api, "PUT", "/__mock/state", `{}`, asAlice...), 403)
	wantError(t, e.do(e.api, "PUT", "/__mock/state", `{}`), 401)
	// A service account's token is not an administrator either.
	_, tok := e.saWithToken("ctl", "")
	wantError(t, e.do(e.api, "GET", "/__mock/clock", "", bearer(tok)...), 403)
	// The proxy's access token of the admin is an administrator's.
	access := string(e.must(200, e.proxy, "GET", "/access-token", "").body)
	e.must(200, e.api, "GET", "/__mock/clock", "", bearer(access)...)
}

// TestJWTWithStandardLibrary verifies issued tokens as a client would:
// keys from the JWKS (and from the realm's public_key), golang-jwt.
func TestJWTWithStandardLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.createSA("jwt-sa")
	created := e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens", `{"name":"lib"}`).obj(t)
	tok := str(created["token"])
	expiresAt, err := time.Parse(time.RFC3339, str(created["expiresAt"]))
	if err != nil {
		t.Fatal(err)
	}

	var set struct {
		Keys []struct{ Kid, Kty, Alg, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal(e.must(200, e.api, "GET", "/auth/realms/DominoRealm/protocol/openid-connect/certs", "").body, &set); err != nil {
		t.Fatal(err)
	}
	jwks := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		x, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || k.Kty != "RSA" {
			t.Fatalf("jwk %+v", k)
		}
		jwks[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(x).Int64())}
	}
	realm := e.must(200, e.api, "GET", "/auth/realms/DominoRealm", "").obj(t)
	der, _ := base64.StdEncoding.DecodeString(str(realm["public_key"]))
	realmKey, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatal(err)
	}
	fromJWKS := func(tk *jwt.Token) (any, error) {
		kid, _ := tk.Header["kid"].(string)
		if k := jwks[kid]; k != nil {
			return k, nil
		}
		return nil, jwt.ErrTokenUnverifiable
	}
	parse := func(tok string, kf jwt.Keyfunc) jwt.MapClaims {
		t.Helper()
		claims := jwt.MapClaims{}
		_, err := jwt.ParseWithClaims(tok, claims, kf, jwt.WithValidMethods([]string{"RS256"}),
			jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		if err != nil {
			t.Fatalf("golang-jwt refuses the token: %v", err)
		}
		return claims
	}
	c := parse(tok, fromJWKS)
	parse(tok, func(*jwt.Token) (any, error) { return realmKey, nil })
	if !realmKey.(*rsa.PublicKey).Equal(jwks[keys(t).KeyID()]) {
		t.Errorf("realm public_key and JWKS differ")
	}

	exp, _ := c.GetExpirationTime()
	if c["sub"] != a.IdpID || exp.Unix() != expiresAt.Unix() || c["iss"] != issuer ||
		c["azp"] != "domino-play" || c["typ"] != "Bearer" || c["preferred_username"] != "jwt-sa" ||
		c["email"] != "jwt-sa@example.com" || kindOf(c["jti"], "uuid") != nil {
		t.Errorf("claims %v (expiresAt %v)", c, expiresAt)
	}
	if iat, _ := c.GetIssuedAt(); iat == nil || exp.Sub(iat.Time) != 120*24*time.Hour {
		t.Errorf("iat %v exp %v", iat, exp)
	}
	h, _ := decodeJWT(t, tok)
	if h["alg"] != "RS256" || h["kid"] != keys(t).KeyID() {
		t.Errorf("header %v", h)
	}
	// Two tokens have different jti.
	c2 := parse(e.createToken(a.IdpID, "lib2"), fromJWKS)
	if c2["jti"] == c["jti"] {
		t.Errorf("jti reused")
	}
	// The proxy's access token verifies too, and is short-lived.
	access := string(e.must(200, e.proxy, "GET", "/access-token", "").body)
	ac := parse(access, fromJWKS)
	aexp, _ := ac.GetExpirationTime()
	if ac["sub"] != adminIdp || ac["preferred_username"] != "admin" || time.Until(aexp.Time) > time.Hour {
		t.Errorf("access token claims %v", ac)
	}
	// And it expires with the mock's clock.
	e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"1h"}`)
	wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(access)...), 401)
}
