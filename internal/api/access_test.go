package api_test

import "testing"

// TestProxyAccessTokenEndsWithTheTokenBehindIt: an access token obtained
// on the proxy with a service account's token, and one renewed with it,
// stop working on the API host when that token is invalidated.
func TestProxyAccessTokenEndsWithTheTokenBehindIt(t *testing.T) {
	e := newEnv(t)
	a, tok := e.saWithToken("bot", "")
	access := string(e.must(200, e.proxy, "GET", "/access-token", "", bearer(tok)...).body)
	renewed := string(e.must(200, e.proxy, "GET", "/access-token", "", bearer(access)...).body)
	proxyOwn := string(e.must(200, e.proxy, "GET", "/access-token", "").body)
	for _, tk := range []string{access, renewed} {
		if self := e.must(200, e.api, "GET", "/v4/users/self", "", bearer(tk)...).obj(t); self["id"] != a.ID {
			t.Fatalf("access token authenticates as %v, want %s", self["id"], a.ID)
		}
	}
	e.must(200, e.proxy, "POST", "/v4/serviceAccounts/"+a.IdpID+"/tokens/t1/invalidate", "")
	for _, tk := range []string{access, renewed} {
		wantError(t, e.do(e.api, "GET", "/v4/users/self", "", bearer(tk)...), 401)
		wantError(t, e.do(e.proxy, "GET", "/access-token", "", bearer(tk)...), 401)
	}
	e.must(200, e.api, "GET", "/v4/users/self", "", bearer(proxyOwn)...)
}
