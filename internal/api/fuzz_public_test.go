package api_test

// Fuzz tests of the public API's decoders: its JSON bodies (accounts,
// tokens, the three kinds of git credential and their PUT, collaborators)
// and its paging parameters. The properties of fuzz_test.go hold (no panic,
// no 5xx but the duplicate status, errors in the route's shape), plus each
// target's own: nothing created that the rules refuse, no secret echoed,
// the public spellings kept, a page never longer than its limit.

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
)

func FuzzPublicAccountBodies(f *testing.F) {
	for _, s := range []string{
		`{"username":"pub-bot","email":"pub-bot@example.com"}`, `{"username":"fuzz-sa","email":"x@y.io"}`,
		`{"name":"deploy"}`, `{"name":"t1"}`, `{"name":"a/b"}`, `{"username":1}`, `[]`, `null`,
	} {
		f.Add([]byte(s), "application/json", false)
		f.Add([]byte(s), "application/json", true)
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string, token bool) {
		w := worldFor(t)
		path := saV1
		if token {
			path = saV1 + "/" + w.sa.IdpID + "/tokens"
		}
		r := fuzzBody(t, w.proxy, "POST", path, body, ct)
		if r.code != 200 {
			return
		}
		m := r.obj(t)
		if token {
			// The bare token, and it works.
			exactFields(t, "token", m, tokenFields)
			if sr := send(w.api, "GET", "/v4/users/self", nil, "", "Authorization", "Bearer "+str(m["token"])); sr.code != 200 {
				t.Fatalf("new token refused: %s", sr)
			}
			return
		}
		acct, _ := m["serviceAccount"].(map[string]any)
		if !validUsername.MatchString(str(acct["username"])) || !objectIDRE.MatchString(str(acct["id"])) || !uuidRE.MatchString(str(acct["idpId"])) {
			t.Fatalf("created an invalid account: %s", r)
		}
	})
}

func FuzzPublicGitCredential(f *testing.F) {
	for _, s := range []string{
		`{"name":"gh","gitServiceProvider":"github","token":"SECRETtok"}`,
		`{"name":"lab","gitServiceProvider":"gitLabEnterprise","domain":"git.corp","token":"SECRETtok"}`,
		`{"name":"pw","gitServiceProvider":"bitbucketServer","domain":"bb:7990","username":"u","password":"SECRETpw"}`,
		`{"name":"k","gitServiceProvider":"bitbucket","key":"SECRETkey","passphrase":"SECRETpp"}`,
		`{"name":"x","gitServiceProvider":"gitlab","token":"t"}`,
		`{"name":"x","gitServiceProvider":"github","domain":"https://ghe.corp","TOKEN":"SECRETcase"}`,
	} {
		for kind := range uint8(4) {
			f.Add([]byte(s), kind)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, kind uint8) {
		w := worldFor(t)
		method, path := "POST", saV1+"/"+w.sa.IdpID+"/"+[]string{"tokengitcredentials", "passwordgitcredentials", "sshgitcredentials"}[kind%3]
		if kind%4 == 3 {
			method, path = "PUT", "/api/users/v1/user/"+w.sa.ID+"/tokenCredentials/"+w.cred
		}
		r := fuzzBody(t, w.proxy, method, path, body, "application/json")
		if r.code != 200 {
			return
		}
		c, _ := r.obj(t)["credential"].(map[string]any)
		exactFields(t, "credential", c, gitCredFields)
		if p := str(c["gitServiceProvider"]); p == "gitlab" || p == "gitlabEnterprise" {
			t.Fatalf("the public API answered the /v4 spelling: %s", r)
		}
		// Never a secret back; the name and domain the client chose are shown.
		var in map[string]any
		json.Unmarshal(body, &in)
		shown := r.body
		for _, k := range []string{"name", "domain"} {
			if v := str(c[k]); v != "" {
				enc, _ := json.Marshal(v)
				shown = bytes.ReplaceAll(shown, enc, nil)
			}
		}
		for k, v := range in {
			switch strings.ToLower(k) {
			case "token", "password", "key", "passphrase":
				if s, _ := v.(string); len(s) >= 4 && bytes.Contains(shown, []byte(s)) {
					t.Fatalf("secret %s echoed: %s", k, r)
				}
			}
		}
	})
}

func FuzzPublicCollaborator(f *testing.F) {
	for _, s := range []string{
		`{"id":"64b7f0a1c2d3e4f5a6b7c802","role":"contributor"}`, `{"id":"64b7f0a1c2d3e4f5a6b7c802","role":"launcherUser"}`,
		`{"id":"64b7f0a1c2d3e4f5a6b7c802","role":"Contributor"}`, `{"id":"64b7f0a1c2d3e4f5a6b7c801","role":"owner"}`,
		`{"id":"","role":"contributor"}`, `{"id":1}`, `{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/api/projects/v1/projects/"+projectID+"/collaborators", body, "application/json")
		if r.code != 200 {
			return
		}
		c, _ := r.obj(t)["collaborator"].(map[string]any)
		switch str(c["role"]) {
		case "contributor", "launcherUser", "resultsConsumer", "projectImporter":
		default:
			t.Fatalf("added a collaborator with the role %q: %s", c["role"], r)
		}
	})
}

func FuzzPublicPaging(f *testing.F) {
	for i, q := range []string{"", "offset=0&limit=50", "offset=1&limit=1", "limit=0", "offset=-1", "limit=ten", "limit=1.5",
		"offset=2147483647", "offset=2147483648", "limit=99999999999", "offset=%zz", "limit=1&limit=2", "includeDeactivated=true&limit=2"} {
		f.Add(uint8(i), q)
	}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		w := worldFor(t)
		p := []string{saV1, saV1 + "/" + w.sa.IdpID + "/tokens", saV1 + "/" + w.sa.IdpID + "/gitcredentials", "/api/users/v1/users"}[int(route)%4]
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = p, query
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		r := serveReq(w.api, req)
		check(t, r)
		if r.code != 200 {
			return
		}
		m := r.obj(t)
		md, _ := m["metadata"].(map[string]any)
		limit, _ := md["limit"].(float64)
		for k, v := range m {
			if l, ok := v.([]any); ok && k != "metadata" && len(l) > int(limit) {
				t.Fatalf("%d items on a page of limit %v: %s", len(l), limit, r)
			}
		}
		if v := req.URL.Query().Get("limit"); v != "" {
			if n, err := strconv.Atoi(v); err != nil || float64(n) != limit {
				t.Fatalf("limit %q answered with limit %v: %s", v, limit, r)
			}
		}
	})
}
