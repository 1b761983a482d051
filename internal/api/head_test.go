package api_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHeadAnswersAsGet: HEAD works wherever GET does, over a real socket:
// the same status and headers (but the per-request Date and X-Request-Id),
// and no body. Where no GET route matches, HEAD gets what any other method
// would: 404 or 405 in the route's shape.
func TestHeadAnswersAsGet(t *testing.T) {
	e := newEnv(t)
	a, tok := e.saWithToken("head-sa", "Contributor")
	_ = a
	srv := httptest.NewServer(e.proxy)
	defer srv.Close()
	param := regexp.MustCompile(`\{\w+\}`)
	var paths []string
	for _, rt := range registered(t, e.proxy) {
		method, pattern, _ := strings.Cut(rt, " ")
		if method == "GET" {
			paths = append(paths, param.ReplaceAllString(pattern, "x"))
		}
	}
	paths = append(paths, "/v4/projects/"+projectID, "/v4/projects/"+projectID+"/collaborators",
		"/v4/serviceAccounts/"+a.IdpID+"/tokens/head-sa", "/v4/jobs?projectId="+projectID,
		"/v4/gateway/projects/findProjectByOwnerAndName?ownerName=admin&projectName=quick-start",
		"/__mock/state?secrets=true", "/nothing/here")
	do := func(method, path string, hdr ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	headers := func(r *http.Response) http.Header {
		h := r.Header.Clone()
		h.Del("Date")
		h.Del("X-Request-Id")
		if len(r.TransferEncoding) > 0 {
			h["Transfer-Encoding"] = r.TransferEncoding
		}
		return h
	}
	for _, p := range paths {
		for _, creds := range [][]string{nil, bearer(tok), {"Authorization", "Bearer nope"}} {
			get := do("GET", p, creds...)
			getBody, _ := io.ReadAll(get.Body)
			get.Body.Close()
			head := do("HEAD", p, creds...)
			headBody, _ := io.ReadAll(head.Body)
			head.Body.Close()
			if head.StatusCode != get.StatusCode || !maps.EqualFunc(headers(head), headers(get), slices.Equal) {
				t.Errorf("HEAD %s: %d %v; GET: %d %v", p, head.StatusCode, headers(head), get.StatusCode, headers(get))
			}
			if len(headBody) != 0 || len(getBody) == 0 {
				t.Errorf("%s: HEAD body %q, GET body %d bytes", p, headBody, len(getBody))
			}
		}
	}
	// A route without GET answers HEAD 405 (the status net/http's client sees; no body).
	if r := do("HEAD", "/v4/serviceAccounts/x/deactivate"); r.StatusCode != 405 {
		t.Errorf("HEAD on a POST-only route: %s", r.Status)
	}
	wantError(t, e.do(e.proxy, "HEAD", "/v4/serviceAccounts/x/deactivate", ""), 405)
}
