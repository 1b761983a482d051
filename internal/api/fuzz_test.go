package api_test

// Fuzz tests of every decoder of client input: each JSON body (the control
// routes' too), the path parameters, the query parameters, the credential
// headers and the JWT parser. Properties, for every input: no panic; no 5xx
// except the documented duplicate 500 on the two create routes; every error
// in its route's shape; and where a target can tell, no success the input
// does not earn (no authentication bypass, no secret echoed, no clock going
// back).
//
// Seed corpora are under testdata/fuzz/<Target>/ (regenerate them with
// MOCKDOMINO_WRITE_FUZZ_SEEDS=1 go test -run TestWriteFuzzSeeds ./internal/api/).
// Run one target with, e.g.:
//
//	go test -run='^$' -fuzz='^FuzzBearerJWT$' -fuzztime=60s ./internal/api/
//
// The mock under fuzzing is deterministic (seeded key and ids, a fixed wall
// clock), so a token in a seed file verifies in every fuzzing process.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/store"
)

var (
	fuzzKeys  = sync.OnceValues(func() (*signing.Keys, error) { return signing.GenerateFrom(store.SeededReader(20250904, 1)) })
	fuzzEpoch = time.Date(2025, 9, 4, 19, 28, 34, 12e6, time.UTC)
)

// world is a deterministic mock with a little of everything in it.
type world struct {
	*env
	sa, other       sa
	tok, otherTok   string // sa is a Contributor, other a LauncherUser
	access          string // the proxy's access token of the admin
	cred, otherCred string
	job             string
	tag             string // a tag of the fixtures' project
	commit, key     string // of the file data/x.csv of the project
	app             string // an app of the project, never started
	model           string // a model of the project, its version and an export of it
	modelVersion    string
	export          string
	dataset, dsSnap string // a dataset of the project, its read-write snapshot holding data/x.csv
	calls           int
}

func newWorld(t testing.TB) *world {
	t.Helper()
	k, err := fuzzKeys()
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(store.Config{Keys: k, ExternalURL: "http://mock.test", IDs: store.SeededIDs(1),
		Clock: store.NewClock(func() time.Time { return fuzzEpoch })})
	o := api.Options{Store: st, Journal: api.NewJournal(16), Faults: api.NewFaults(1)}
	w := &world{env: &env{t: t, st: st, api: api.New(o, api.APIHost), proxy: api.New(o, api.Proxy)}}
	w.sa, w.tok = w.saWithToken("fuzz-sa", "Contributor")
	w.other, w.otherTok = w.saWithToken("fuzz-other", "LauncherUser")
	w.cred = w.addGitCredential(w.sa.ID, "gh")
	w.otherCred = w.addGitCredential(w.other.ID, "gh")
	w.job = str(w.must(200, w.api, "POST", "/v4/jobs/start", `{"projectId":"`+projectID+`","commandToRun":"ls"}`, bearer(w.tok)...).obj(t)["id"])
	w.access = string(w.must(200, w.proxy, "GET", "/access-token", "").body)
	w.tag = str(w.must(200, w.proxy, "POST", "/v4/projects/"+projectID+"/tags", `{"tagNames":["fuzz"]}`).list(t)[0]["id"])
	// Last, so that the ids drawn before it stay those of the seed files.
	w.key = str(w.must(201, w.proxy, "PUT", "/v1/projects/admin/quick-start/data/x.csv", "a,b\n", "Content-Type", "").obj(t)["key"])
	w.commit = str(w.must(200, w.proxy, "GET", "/v1/projects/admin/quick-start/commits", "").list(t)[0]["id"])
	w.app = str(w.must(200, w.proxy, "POST", "/v4/modelProducts", `{"projectId":"`+projectID+`","name":"fuzz-app"}`).obj(t)["id"])
	m := obj(w.must(200, w.proxy, "POST", "/v1/models", `{"projectId":"`+projectID+`","name":"fuzz-model","file":"p.py","function":"f"}`).obj(t)["data"])
	w.model, w.modelVersion = str(m["id"]), str(obj(m["version"])["id"])
	w.export = str(w.must(202, w.proxy, "POST", "/v4/models/"+w.model+"/"+w.modelVersion+"/exportImageToRegistry", `{"registryUrl":"r","repository":"x"}`).obj(t)["exportId"])
	w.dataset = str(w.newDataset("fuzz")["id"])
	w.dsSnap = w.uploadFiles(w.dataset, map[string]string{"data/x.csv": "a,b\n"})
	return w
}

var (
	worldsMu sync.Mutex
	worlds   = map[string]*world{}
)

// worldFor returns the target's world, rebuilt every 200 calls so that what
// inputs change (accounts made, tokens deleted, the clock) does not pile up.
func worldFor(t *testing.T) *world {
	name := strings.SplitN(t.Name(), "/", 2)[0]
	worldsMu.Lock()
	defer worldsMu.Unlock()
	w := worlds[name]
	if w == nil || w.calls >= 200 {
		w = newWorld(t)
		worlds[name] = w
	}
	w.calls++
	return w
}

// check asserts the properties every answer has.
func check(t *testing.T, r *resp) {
	t.Helper()
	if r.code >= 500 && !allowed5xx(r) {
		t.Fatalf("5xx: %s", r)
	}
	if r.code >= 400 {
		if _, err := errorShape(r); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		return
	}
	if r.code < 200 || r.code > 299 {
		t.Fatalf("status %d: %s", r.code, r)
	}
	noBody := len(r.body) == 0 && r.header.Get("Content-Length") == "0" // the actions whose spec declares no answer
	// JSON, but a file's content (files.go), or text.
	if !noBody && !isFileContent(r) && !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") && !json.Valid(r.body) {
		t.Fatalf("success body is not JSON: %s", r)
	}
}

// send builds a request of any bytes and calls h.
func send(h http.Handler, method, path string, body []byte, ct string, hdr ...string) *resp {
	req := httptest.NewRequest("GET", "/", bytes.NewReader(body))
	req.Method = method
	req.URL.Path, req.URL.RawPath = path, ""
	if ct != "" {
		req.Header["Content-Type"] = []string{ct}
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header[hdr[i]] = []string{hdr[i+1]}
	}
	return serveReq(h, req)
}

// fuzzBody is the shared body of the JSON-body targets; it returns the
// answer for the target's own checks.
func fuzzBody(t *testing.T, h http.Handler, method, path string, body []byte, ct string, hdr ...string) *resp {
	t.Helper()
	r := send(h, method, path, body, ct, hdr...)
	check(t, r)
	if r.code < 300 {
		if !json.Valid(body) || !utf8.Valid(body) {
			t.Fatalf("accepted a body that is not UTF-8 JSON: %q → %s", body, r)
		}
		if mt := strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0])); ct != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
			t.Fatalf("accepted Content-Type %q: %s", ct, r)
		}
	}
	if len(body) > api.MaxBodyBytes && r.code != 413 {
		t.Fatalf("body of %d bytes: %s", len(body), r)
	}
	return r
}

var validUsername = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func FuzzCreateServiceAccount(f *testing.F) {
	for _, s := range []string{
		`{"username":"svc-user-ds-u1","email":"svc-user-ds-u1@xyz.com"}`,
		`{"userName":"docs-bot","email":"riley+airflow@gmail.com"}`,
		`{"username":"admin","email":"x@y.io"}`,
		`{"username":"x","email":"admin@mockdomino.local"}`,
		`{"username":"a\u0000","email":"a@b.co"}`,
		`{"username":1}`, `[]`, `null`, `{"username":"x","email":"y@z.io"} {}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"username":"no-ct","email":"n@c.io"}`), "")
	f.Add([]byte(`{"username":"t","email":"t@c.io"}`), "text/plain")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/v4/serviceAccounts", body, ct)
		if r.code == 201 {
			var sa struct{ Username, Email, ID, IdpID string }
			json.Unmarshal(r.body, &sa)
			if !validUsername.MatchString(sa.Username) || strings.Count(sa.Email, "@") != 1 ||
				!objectIDRE.MatchString(sa.ID) || !uuidRE.MatchString(sa.IdpID) {
				t.Fatalf("created an invalid account: %s", r)
			}
		}
	})
}

func FuzzCreateToken(f *testing.F) {
	for _, s := range []string{`{"name":"deploy"}`, `{"name":"t1"}`, `{"name":"a/b"}`, `{"name":" x"}`,
		`{"name":"` + strings.Repeat("n", 129) + `"}`, `{"name":null}`, `{"name":"\u2028"}`, `{"name":"%2F"}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/v4/serviceAccounts/"+w.sa.IdpID+"/tokens", body, ct)
		if r.code == 201 {
			m := r.obj(t)
			name := str(m["name"])
			if name == "" || strings.ContainsAny(name, "/\\") || strings.TrimSpace(name) != name || m["isValid"] != true {
				t.Fatalf("created a bad token: %s", r)
			}
			// The token works, and its name can be fetched back by path.
			if sr := send(w.api, "GET", "/v4/users/self", nil, "", "Authorization", "Bearer "+str(m["token"])); sr.code != 200 {
				t.Fatalf("new token refused: %s", sr)
			}
			if gr := send(w.proxy, "GET", "/v4/serviceAccounts/"+w.sa.IdpID+"/tokens/"+name, nil, ""); gr.code != 200 {
				t.Fatalf("token %q cannot be read back: %s", name, gr)
			}
		}
	})
}

func FuzzAddCollaborator(f *testing.F) {
	for _, s := range []string{
		`{"collaboratorId":"64b7f0a1c2d3e4f5a6b7c802","projectRole":"Contributor"}`,
		`{"collaboratorId":"64b7f0a1c2d3e4f5a6b7c801","projectRole":"Owner"}`,
		`{"collaboratorId":"6f1c2a3e-9d4b-4e5f-8a7b-0c1d2e3f4a02","projectRole":"Contributor"}`,
		`{"collaboratorId":"64b7f0a1c2d3e4f5a6b7c802","projectRole":"contributor"}`,
		`{"collaboratorId":["x"]}`, `{}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/v4/projects/"+projectID+"/collaborators", body, ct)
		if r.code == 200 {
			var in, out map[string]any
			json.Unmarshal(body, &in)
			json.Unmarshal(r.body, &out)
			if out["collaboratorId"] == "" || !strings.Contains("Contributor LauncherUser ResultsConsumer ProjectImporter Owner", str(out["projectRole"])) {
				t.Fatalf("added %s from %q", r.body, body)
			}
		}
	})
}

func FuzzAddGitCredential(f *testing.F) {
	for _, s := range []string{
		ghCred,
		`{"name":"pw","gitServiceProvider":"gitlabEnterprise","domain":"git.corp","accessType":"password","username":"u","password":"SECRETpw","type":"PasswordGitCredentialDto"}`,
		`{"name":"k","gitServiceProvider":"bitbucket","accessType":"key","key":"SECRETkey","passphrase":"SECRETpp"}`,
		`{"name":"x","gitServiceProvider":"github","domain":"a/b","accessType":"token","token":"t"}`,
		`{"name":"x","gitServiceProvider":"unknown","accessType":"token","token":"t"}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, viaServiceAccount bool) {
		w := worldFor(t)
		path := "/v4/accounts/" + w.sa.ID + "/gitcredentials"
		if viaServiceAccount {
			path = "/v4/serviceAccounts/" + w.sa.IdpID + "/gitcredentials"
		}
		r := fuzzBody(t, w.proxy, "POST", path, body, "application/json")
		if r.code < 300 {
			// Never the secret back. The name and domain the client chose are
			// shown, so a secret that is also (part of) one of them is not a leak.
			var in map[string]any
			json.Unmarshal(body, &in)
			shown := r.body
			for _, k := range []string{"name", "domain"} {
				if v, _ := r.obj(t)[k].(string); v != "" {
					enc, _ := json.Marshal(v)
					shown = bytes.ReplaceAll(shown, enc, nil)
				}
			}
			// encoding/json matches keys case-insensitively, so the secret may
			// have come in as "TOKEN" or "Token".
			for k, v := range in {
				switch strings.ToLower(k) {
				case "token", "password", "key", "passphrase":
				default:
					continue
				}
				if s, _ := v.(string); len(s) >= 4 && bytes.Contains(shown, []byte(s)) {
					t.Fatalf("secret %s echoed: %s", k, r)
				}
			}
			exactFields(t, "credential", r.obj(t), gitCredFields)
		}
	})
}

func FuzzCredentialMapping(f *testing.F) {
	for _, s := range []string{`{"credentialId":"CRED"}`, `{"credentialId":"OTHER"}`, `{"credentialId":""}`, `{"credentialId":null}`, `{"credentialId":1}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asOther bool) {
		w := worldFor(t)
		// CRED and OTHER stand for the two accounts' credential ids.
		body = bytes.ReplaceAll(bytes.ReplaceAll(body, []byte("CRED"), []byte(w.cred)), []byte("OTHER"), []byte(w.otherCred))
		tok, mine := w.tok, w.cred
		if asOther {
			tok, mine = w.otherTok, w.otherCred
		}
		r := fuzzBody(t, w.api, "PUT", "/v4/projects/"+projectID+"/repository/"+repoID+"/credentialMapping", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code == 200 {
			if m := r.obj(t); m["credentialId"] != mine {
				t.Fatalf("mapped a credential that is not the caller's: %s", r)
			}
		}
	})
}

func FuzzStartJob(f *testing.F) {
	for _, s := range []string{
		`{"projectId":"` + projectID + `","runCommand":"python main.py","title":"t","hardwareTier":"Small"}`,
		`{"projectId":"` + projectID + `","commandToRun":"/tmp/ls","commitId":null,"overrideHardwareTierId":null,"environmentId":"` + envID + `","title":null}`,
		`{"projectId":"` + projectID + `","commandToRun":"ls","overrideHardwareTierId":"medium-k8s"}`,
		`{"projectId":"` + unknownObjectID + `","runCommand":"ls"}`,
		`{"projectId":"` + projectID + `","runCommand":"  "}`,
		`{"projectId":"` + projectID + `","runCommand":"ls","environmentId":"nope"}`,
	} {
		f.Add([]byte(s), true, false)
		f.Add([]byte(s), false, true)
	}
	f.Fuzz(func(t *testing.T, body []byte, v1, asLauncher bool) {
		w := worldFor(t)
		path := "/v4/jobs/start"
		if v1 {
			path = "/api/jobs/v1/jobs"
		}
		tok, id := w.tok, w.sa.ID
		if asLauncher {
			tok, id = w.otherTok, w.other.ID
		}
		r := fuzzBody(t, w.api, "POST", path, body, "application/json", "Authorization", "Bearer "+tok)
		if r.code == 200 {
			if asLauncher {
				t.Fatalf("a LauncherUser started a job: %s", r)
			}
			m := r.obj(t)
			if v1 {
				m, _ = m["job"].(map[string]any)
				if m["startedById"] != id {
					t.Fatalf("job %s", r)
				}
			} else if by, _ := m["startedBy"].(map[string]any); by["id"] != id {
				t.Fatalf("job %s", r)
			}
		}
	})
}

func FuzzStopJob(f *testing.F) {
	for _, s := range []string{`{"projectId":"` + projectID + `","jobId":"JOB","commitResults":true}`, `{"jobId":"JOB"}`,
		`{"projectId":"x","jobId":"JOB"}`, `{"jobId":""}`, `{"commitResults":"yes"}`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asLauncher bool) {
		w := worldFor(t)
		body = bytes.ReplaceAll(body, []byte("JOB"), []byte(w.job))
		tok := w.tok
		if asLauncher {
			tok = w.otherTok
		}
		r := fuzzBody(t, w.api, "POST", "/v4/jobs/stop", body, "application/json", "Authorization", "Bearer "+tok)
		if r.code == 200 && asLauncher {
			t.Fatalf("a LauncherUser stopped a job: %s", r)
		}
	})
}

func FuzzAdvanceClock(f *testing.F) {
	for _, s := range []string{`{"advance":"2881h"}`, `{"advance":"1ns"}`, `{"advance":"-1h"}`, `{"advance":"2562047h"}`,
		`{"advance":"1.5h"}`, `{"advance":5}`, `{"advance":"0"}`, `{"advance":"1h","advance":"-1h"}`,
		`{"set":"2026-01-01T00:00:00Z"}`, `{"set":"1969-12-31T23:59:59Z","frozen":true}`, `{"frozen":true}`, `{"frozen":false}`,
		`{"set":"9999-12-31T23:59:59Z"}`, `{"set":"2026-01-01T00:00:00Z","advance":"1h"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		c := w.st.Clock()
		before := c.State()
		r := fuzzBody(t, w.proxy, "POST", "/__mock/clock", body, "application/json")
		if r.code >= 300 && c.State() != before {
			t.Fatalf("a refused move changed the clock from %+v to %+v (body %q → %s)", before, c.State(), body, r)
		}
		if now := c.Now(); now.Before(store.MinClockTime) {
			t.Fatalf("the mock clock shows %v, before the Unix epoch (body %q → %s)", now, body, r)
		}
	})
}

func FuzzJobLifecycle(f *testing.F) {
	for _, s := range []string{`{"mode":"immediate"}`, `{"mode":"clock","queuedFor":"1m","runFor":"2m","finalStatus":"Failed"}`,
		`{"mode":"polls","polls":3,"stdout":"hi"}`, `{"mode":"manual"}`, `{"mode":"polls","polls":-1}`, `{"mode":"clock","runFor":"-1s"}`,
		`{"mode":"clock","queuedFor":"2562047h"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "PUT", "/__mock/jobs/lifecycle", body, "application/json")
		if r.code != 200 {
			return
		}
		// A job started under the new lifecycle can be read, listed and stopped.
		j := send(w.api, "POST", "/v4/jobs/start", []byte(`{"projectId":"`+projectID+`","commandToRun":"ls"}`), "application/json", "Authorization", "Bearer "+w.tok)
		check(t, j)
		id := str(j.obj(t)["id"])
		for _, q := range []*resp{
			send(w.api, "GET", "/v4/jobs/"+id, nil, "", "Authorization", "Bearer "+w.tok),
			send(w.api, "GET", "/v1/projects/admin/quick-start/run/"+id+"/stdout", nil, "", "Authorization", "Bearer "+w.tok),
			send(w.proxy, "POST", "/__mock/jobs/"+id+"/advance", nil, ""),
			send(w.api, "POST", "/v4/jobs/stop", []byte(`{"jobId":"`+id+`"}`), "application/json", "Authorization", "Bearer "+w.tok),
		} {
			check(t, q)
		}
	})
}

func FuzzAddFault(f *testing.F) {
	for _, s := range []string{`{"match":{"method":"POST","route":"/v4/serviceAccounts"},"effect":{"status":503,"message":"try again"},"times":2}`,
		`{"match":{"pathPrefix":"/v4/"},"effect":{"delay":"10ms"},"probability":0.5}`, `{"match":{"caller":"admin"},"effect":{"drop":true}}`,
		`{"match":{"route":"/__mock/reset"},"effect":{"status":500}}`, `{"effect":{"status":200}}`, `{"effect":{"delay":"6m"}}`,
		`{"effect":{"status":503,"drop":true}}`, `{"match":{},"effect":{"status":503},"times":-1,"probability":2}`,
		`{"mathc":{"route":"/version"},"effect":{"status":503}}`, `{"match":{"rout":"/version"},"effect":{"status":503}}`,
		`{"match":{"route":"/v4/jobs/0123456789abcdef01234567"},"effect":{"status":503}}`,
		`{"match":{"method":"DELETE","route":"/v4/users/self"},"effect":{"status":503}}`,
		`{"match":{"method":"head","route":"/v1/projects/{owner}/{name}/{path}"},"effect":{"status":503}}`,
		`{"Match":{"ROUTE":"/version"},"effect":{"status":503},"id":"x","fired":3}`} {
		f.Add([]byte(s))
	}
	known := map[string][]string{"": {"match", "effect", "times", "probability", "id", "fired"},
		"match": {"method", "route", "pathPrefix", "caller"}, "effect": {"status", "message", "delay", "drop"}}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/__mock/faults", body, "application/json")
		if r.code != 201 {
			return
		}
		// No field the rule does not have was accepted: a misspelt one
		// would have left a rule matching every request.
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &top); err != nil {
			t.Fatalf("accepted a body that is not an object: %q", body)
		}
		for k, v := range top {
			i := slices.IndexFunc(known[""], func(n string) bool { return strings.EqualFold(n, k) })
			if i < 0 {
				t.Fatalf("accepted unknown field %q: %q", k, body)
			}
			var inner map[string]json.RawMessage
			if sub := known[known[""][i]]; sub != nil && json.Unmarshal(v, &inner) == nil {
				for kk := range inner {
					if !slices.ContainsFunc(sub, func(n string) bool { return strings.EqualFold(n, kk) }) {
						t.Fatalf("accepted unknown field %s.%s: %q", k, kk, body)
					}
				}
			}
		}
		// A route it names is one of openapi.json's, served for its method.
		rule := r.obj(t)
		m := obj(rule["match"])
		if route := str(m["route"]); route != "" {
			doc := send(w.proxy, "GET", "/__mock/openapi.json", nil, "").obj(t)
			ops, ok := obj(doc["paths"])[route].(map[string]any)
			if !ok {
				t.Fatalf("accepted route %q, which openapi.json does not list: %q", route, body)
			}
			if method := strings.ToLower(str(m["method"])); method != "" && ops[method] == nil && !(method == "head" && ops["get"] != nil) {
				t.Fatalf("accepted method %q for route %q, served for %v: %q", method, route, slices.Collect(maps.Keys(ops)), body)
			}
		}
		// The rule is listed under the id it was given, removing it by
		// that id removes it alone, and the mock is then as before.
		id := str(rule["id"])
		listed := send(w.proxy, "GET", "/__mock/faults", nil, "")
		check(t, listed)
		if !bytes.Contains(listed.body, []byte(`"id":"`+id+`"`)) {
			t.Fatalf("rule %s not listed: %s", id, listed)
		}
		if d := send(w.proxy, "DELETE", "/__mock/faults/"+id, nil, ""); d.code != 200 {
			t.Fatalf("removing rule %s: %s", id, d)
		}
		if listed := send(w.proxy, "GET", "/__mock/faults", nil, ""); string(listed.body) != "[]" {
			t.Fatalf("after removing %s: %s", id, listed)
		}
		if v := send(w.api, "GET", "/v4/users/self", nil, "", fixturesAdminKey()...); v.code != 200 {
			t.Fatalf("after removing the fault: %s", v)
		}
	})
}

func FuzzImportState(f *testing.F) {
	for _, s := range []string{`{"version":1}`, `{"version":1,"users":[{"id":"a","idpId":"b","userName":"c"}]}`,
		`{"version":2}`, `{"version":1,"clockOffset":"-1h"}`, `{"version":1,"jobLifecycle":{"mode":"polls","polls":-3}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		w := worldFor(t)
		before := w.st.Clock().Now()
		r := fuzzBody(t, w.proxy, "PUT", "/__mock/state", body, "application/json")
		if now := w.st.Clock().Now(); now.Before(before) {
			t.Fatalf("an import moved the clock back from %v to %v", before, now)
		}
		if r.code != 200 {
			return
		}
		// What was accepted is a consistent state: its export (with secrets:
		// a redacted one imports as unusable secrets) imports again and
		// exports the same.
		export := func() *resp { return serveReq(w.proxy, httptest.NewRequest("GET", "/__mock/state?secrets=true", nil)) }
		exp := export()
		check(t, exp)
		again := send(w.proxy, "PUT", "/__mock/state", exp.body, "application/json")
		if again.code != 200 {
			t.Fatalf("the export of an accepted state does not import: %s\nimported %q", again, body)
		}
		if exp2 := export(); !bytes.Equal(exp.body, exp2.body) {
			t.Fatalf("export, import, export differ:\n%s\n%s", exp.body, exp2.body)
		}
	})
}

// pathValues are valid values of every path parameter in the world.
func (w *world) pathValues() map[string]string {
	return map[string]string{
		"idpId": w.sa.IdpID, "name": "t1", "credentialId": w.cred, "projectId": projectID,
		"collaboratorId": w.other.ID, "userId": w.sa.ID, "repoId": repoID, "jobId": w.job,
		"owner": "admin", "runId": w.job, "commitId": w.commit, "key": w.key, "path": "data/x.csv",
		"project": "quick-start", "projectToForkId": projectID, "tagId": w.tag, "environmentVariableName": "K",
		"environmentId": envID, "revisionId": envRevisionID,
		"budgetLabel": "Project", "budgetId": projectID, "tag": "fuzz-tag",
		"modelProductId": w.app, "appId": w.app,
		"modelId": w.model, "modelVersionId": w.modelVersion, "exportId": w.export,
		"datasetId": w.dataset, "snapshotId": w.dsSnap, "datasetName": "fuzz", "taskId": "t", "taskKey": "t", "uploadKey": "k",
	}
}

// isFileContent: a download of a file's content, whatever its bytes.
func isFileContent(r *resp) bool {
	return strings.HasSuffix(r.path, "/content") || strings.Contains(r.path, "/blobs/") ||
		strings.HasSuffix(r.path, "/file/raw") || strings.Contains(r.path, "/download-local/")
}

// pathParamRE matches {name} and {name:regexp}, a file path spanning "/".
var pathParamRE = regexp.MustCompile(`\{(\w+)(?::[^{}]*)?\}`)

func FuzzPathParams(f *testing.F) {
	for i, v := range []string{"t1", "..", "../../__mock/reset", "%2F", "a/b", "\x00", "\uFFFD", "start", "", " ", "64b7f0a1c2d3e4f5a6b7c901", strings.Repeat("x", 300)} {
		f.Add(uint8(i*7), uint8(i), uint8(0), v)
	}
	methods := []string{"", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE", "X"}
	var once sync.Once
	var patterns []string
	f.Fuzz(func(t *testing.T, route, param, method uint8, value string) {
		w := worldFor(t)
		once.Do(func() {
			for _, rt := range registered(t, w.api) {
				if pathParamRE.MatchString(rt) {
					patterns = append(patterns, rt)
				}
			}
		})
		rt := patterns[int(route)%len(patterns)]
		m, pattern, _ := strings.Cut(rt, " ")
		if mm := methods[int(method)%len(methods)]; mm != "" {
			m = mm
		}
		params := pathParamRE.FindAllStringSubmatch(pattern, -1)
		fuzzed := params[int(param)%len(params)][1]
		vals := w.pathValues()
		if strings.HasPrefix(pattern, "/v1/projects/") {
			vals["name"] = "quick-start" // a project's name here, not a token's
		}
		vals[fuzzed] = value
		path := pathParamRE.ReplaceAllStringFunc(pattern, func(s string) string { return vals[pathParamRE.FindStringSubmatch(s)[1]] })
		var body []byte
		if m == "POST" || m == "PUT" {
			body = []byte(`{}`)
		}
		r := send(w.api, m, path, body, "application/json", fixturesAdminKey()...)
		check(t, r)
		// (A file path, {path:...}, spans "/"; it may hold one anywhere.)
		if r.code < 300 && strings.Contains(value, "/") && !strings.HasPrefix(pattern, "/__mock/") && !strings.Contains(pattern, ":") {
			// A value with a separator never matches a parameter.
			t.Fatalf("a path parameter held %q: %s", value, r)
		}
	})
}

// FuzzUploadFile: python-domino's files_upload with any path and bytes.
// Beyond check's properties: an upload accepted stored a path with no
// empty, "." or ".." name, as sent but for one leading "/", and its
// content reads back byte for byte at the commit it made.
func FuzzUploadFile(f *testing.F) {
	for _, s := range []struct{ path, content string }{
		{"data/x.csv", "a,b\n"}, {"/README.md", "# readme"}, {"../x", "x"}, {"a/../../etc/passwd", ""},
		{"a//b", "x"}, {"a\x00b", "x"}, {`a\b`, "x"}, {"data", "folder"}, {"data/x.csv/y", "inside a file"},
		{"é/ü.txt", "\xff\xfe"}, {"content", "c"}, {"a/content", "c"}, {"", ""}, {"%2e%2e/x", "x"},
	} {
		f.Add(s.path, []byte(s.content))
	}
	f.Fuzz(func(t *testing.T, path string, content []byte) {
		w := worldFor(t)
		r := send(w.api, "PUT", "/v1/projects/admin/quick-start/"+path, content, "", fixturesAdminKey()...)
		check(t, r)
		if r.code >= 300 {
			return
		}
		got := str(r.obj(t)["path"])
		if got != strings.TrimPrefix(path, "/") {
			t.Fatalf("uploaded to %q, stored as %q", path, got)
		}
		for _, name := range strings.Split(got, "/") {
			if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "\x00\\") {
				t.Fatalf("accepted a path with the name %q: %q", name, path)
			}
		}
		commits := send(w.api, "GET", "/v1/projects/admin/quick-start/commits", nil, "", fixturesAdminKey()...)
		var list []struct{ ID string }
		if err := json.Unmarshal(commits.body, &list); err != nil || len(list) == 0 {
			t.Fatalf("commits after an upload: %s", commits)
		}
		d := send(w.api, "GET", "/api/projects/v1/projects/"+projectID+"/files/"+list[0].ID+"/"+got+"/content", nil, "", fixturesAdminKey()...)
		if d.code != 200 || !bytes.Equal(d.body, content) {
			t.Fatalf("uploaded %d bytes to %q, read back %s", len(content), got, d)
		}
	})
}

func fixturesAdminKey() []string { return []string{"X-Domino-Api-Key", fixtures.DefaultAdminAPIKey} }

func FuzzQueryParams(f *testing.F) {
	for i, q := range []string{"includeDeactivated=true", "includeDeactivated=maybe", "ownerName=admin&projectName=quick-start",
		"ownerName=ADMIN&projectName=quick-start", "projectId=" + projectID, "projectId=", "%zz", "a=1;b=2",
		"includeDeactivated=true&includeDeactivated=false", "secrets=true", "limit=-1&status=x", "ownerName=%00&projectName=%FF",
		"name=quick-start&ownerUsername=admin", "relationship=invalid&showCompleted=true", "relationship=Owned&limit=5&includeSearchableAndPublic=1"} {
		f.Add(uint8(i), q)
	}
	routes := []string{"/v4/serviceAccounts", "/v4/gateway/projects/findProjectByOwnerAndName", "/v4/jobs", "/__mock/state", "/__mock/journal",
		"/v4/projects", "/v4/gateway/projects", "/api/environments/beta/environments"}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		w := worldFor(t)
		p := routes[int(route)%len(routes)]
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path, req.URL.RawQuery = p, query
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		r := serveReq(w.api, req)
		check(t, r)
		// On the API host secrets are never exported.
		if p == "/__mock/state" && r.code == 200 && bytes.Contains(r.body, []byte(w.tok)) {
			t.Fatalf("state with secrets on the API host: ?%s", query)
		}
	})
}

func FuzzAuthHeaders(f *testing.F) {
	f.Add("", fixtures.DefaultAdminAPIKey, false)
	f.Add("", fixtures.DefaultUserAPIKey, false)
	f.Add("Bearer TOKEN", "", false)
	f.Add("bearer TOKEN", fixtures.DefaultAdminAPIKey, true)
	f.Add("Basic YWRtaW46", "", true)
	f.Add("Bearer ", "x", false)
	f.Add("Bearer\tTOKEN", "", false)
	f.Add("", "", true)
	f.Fuzz(func(t *testing.T, authorization, apiKey string, proxy bool) {
		w := worldFor(t)
		// TOKEN stands for the service account's valid token.
		authorization = strings.ReplaceAll(authorization, "TOKEN", w.tok)
		h := w.api
		if proxy {
			h = w.proxy
		}
		var hdr []string
		if authorization != "" {
			hdr = append(hdr, "Authorization", authorization)
		}
		if apiKey != "" {
			hdr = append(hdr, "X-Domino-Api-Key", apiKey)
		}
		r := send(h, "GET", "/v4/users/self", nil, "", hdr...)
		check(t, r)
		if r.code != 200 {
			return
		}
		id := str(r.obj(t)["id"])
		scheme, cred, _ := strings.Cut(authorization, " ")
		cred = strings.TrimSpace(cred)
		switch {
		case authorization != "":
			if !strings.EqualFold(scheme, "bearer") || !(cred == w.tok && id == w.sa.ID || cred == w.otherTok && id == w.other.ID || cred == w.access && id == adminID) {
				t.Fatalf("Authorization %q authenticated as %s", authorization, id)
			}
		case apiKey != "":
			if !(apiKey == fixtures.DefaultAdminAPIKey && id == adminID || apiKey == fixtures.DefaultUserAPIKey && id == aliceID) {
				t.Fatalf("API key %q authenticated as %s", apiKey, id)
			}
		case !proxy || id != adminID:
			t.Fatalf("no credentials authenticated as %s on proxy=%v", id, proxy)
		}
	})
}

func FuzzBearerJWT(f *testing.F) {
	w := newWorld(f)
	for _, tok := range []string{w.tok, w.otherTok, w.access} {
		f.Add(tok)
		p := strings.Split(tok, ".")
		f.Add(p[0] + "." + p[1] + ".")
		f.Add(`eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.` + p[1] + ".")
		f.Add(tok + "x")
	}
	f.Add("")
	f.Add("a.b.c")
	f.Add("....")
	f.Fuzz(func(t *testing.T, token string) {
		w := worldFor(t)
		r := send(w.api, "GET", "/v4/users/self", nil, "", "Authorization", "Bearer "+token)
		check(t, r)
		if r.code == 200 {
			tok := strings.TrimSpace(token)
			if tok != w.tok && tok != w.otherTok && tok != w.access {
				t.Fatalf("a token the mock did not issue was accepted: %q", token)
			}
		} else if r.code != 401 {
			t.Fatalf("bearer %q: %s", token, r)
		}
		if r2 := send(w.api, "GET", "/api/users/v1/self", nil, "", "Authorization", "Bearer "+token); r2.code != r.code {
			t.Fatalf("v4 and public API disagree on %q: %d vs %d", token, r.code, r2.code)
		} else {
			check(t, r2)
		}
	})
}

// TestWriteFuzzSeeds writes the committed seed corpora. It only runs with
// MOCKDOMINO_WRITE_FUZZ_SEEDS=1; the deterministic world makes the tokens
// in the FuzzBearerJWT seeds valid in every run.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("MOCKDOMINO_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set MOCKDOMINO_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	w := newWorld(t)
	bs := func(s string) string { return fmt.Sprintf("[]byte(%q)", s) }
	st := func(s string) string { return fmt.Sprintf("string(%q)", s) }
	b := func(v bool) string { return fmt.Sprintf("bool(%v)", v) }
	u8 := func(v uint8) string { return fmt.Sprintf("byte(%q)", rune(v)) }
	deep := strings.Repeat("[", 20000)
	seeds := map[string]map[string][]string{
		"FuzzCreateServiceAccount": {
			"notebook":           {bs(`{"username":"svc-user-ds-u1","email":"svc-user-ds-u1@xyz.com"}`), st("application/json")},
			"duplicate-admin":    {bs(`{"username":"Admin","email":"a2@example.com"}`), st("application/json; charset=utf-8")},
			"deep":               {bs(deep), st("application/json")},
			"invalid-utf8":       {bs("{\"username\":\"caf\xe9\",\"email\":\"c@example.com\"}"), st("")},
			"control-chars":      {bs(`{"username":"a\u0000b","email":"a\nb@example.com"}`), st("application/json")},
			"invalid-utf8-email": {bs("{\"username\":\"utf\",\"email\":\"c\xff@example.com\"}"), st("application/json")},
		},
		"FuzzCreateToken": {
			"notebook":  {bs(`{"name":"svc-user-ds-u1-token-app"}`), st("application/json")},
			"duplicate": {bs(`{"name":"t1"}`), st("application/json")},
			"traversal": {bs(`{"name":"../../t1"}`), st("application/json")},
			"wrong-ct":  {bs(`{"name":"x"}`), st("text/plain")},
		},
		"FuzzAddCollaborator": {
			"notebook": {bs(`{"collaboratorId":"` + aliceID + `","projectRole":"Contributor"}`), st("application/json")},
			"idp-id":   {bs(`{"collaboratorId":"` + aliceIdp + `","projectRole":"Contributor"}`), st("application/json")},
			"owner":    {bs(`{"collaboratorId":"` + adminID + `","projectRole":"Owner"}`), st("")},
		},
		"FuzzAddGitCredential": {
			"notebook":          {bs(`{"name":"my-token","gitServiceProvider":"github","accessType":"token","token":"ghp_abcd","type":"TokenGitCredentialDto"}`), b(false)},
			"ssh":               {bs(`{"name":"k","gitServiceProvider":"bitbucketServer","domain":"bb.corp","accessType":"key","key":"-----BEGIN-----","passphrase":"pp"}`), b(true)},
			"nulls":             {bs(`{"name":null,"gitServiceProvider":null,"accessType":null}`), b(false)},
			"invalid-utf8-name": {bs("{\"name\":\"caf\xe9\",\"gitServiceProvider\":\"github\",\"accessType\":\"token\",\"token\":\"t\"}"), b(true)},
		},
		"FuzzCredentialMapping": {
			"own":     {bs(`{"credentialId":"CRED"}`), b(false)},
			"other":   {bs(`{"credentialId":"OTHER"}`), b(false)},
			"unknown": {bs(`{"credentialId":"` + unknownObjectID + `"}`), b(true)},
		},
		"FuzzStartJob": {
			"python-domino": {bs(`{"projectId":"` + projectID + `","commandToRun":"/tmp/ls","commitId":null,"overrideHardwareTierId":"small-k8s","onDemandSparkClusterProperties":null,"computeClusterProperties":null,"environmentId":"` + envID + `","title":"Test Job for SVC Account","externalVolumeMounts":null}`), b(false), b(false)},
			"v1":            {bs(`{"projectId":"` + projectID + `","runCommand":"python main.py","hardwareTier":"Medium"}`), b(true), b(false)},
			"launcher":      {bs(`{"projectId":"` + projectID + `","runCommand":"ls"}`), b(true), b(true)},
		},
		"FuzzStopJob": {
			"stop":     {bs(`{"projectId":"` + projectID + `","jobId":"JOB","commitResults":false}`), b(false)},
			"launcher": {bs(`{"jobId":"JOB"}`), b(true)},
		},
		"FuzzAdvanceClock": {
			"expiry":         {bs(`{"advance":"2881h"}`)},
			"max":            {bs(`{"advance":"2562047h47m16.854775807s"}`)},
			"negative":       {bs(`{"advance":"-2881h"}`)},
			"not-a-duration": {bs(`{"advance":"soon"}`)},
			"overflow":       {bs(`{"advance":"2562047h","advance":"2562047h"}`)},
		},
		"FuzzJobLifecycle": {
			"clock": {bs(`{"mode":"clock","queuedFor":"30s","runFor":"2m","finalStatus":"Error","stdout":"done"}`)},
			"polls": {bs(`{"mode":"polls","polls":2}`)},
			"bad":   {bs(`{"mode":"polls","polls":1e99}`)},
		},
		"FuzzAddFault": {
			"status-times":  {bs(`{"match":{"method":"POST","route":"/v4/serviceAccounts/{idpId}/tokens"},"effect":{"status":429},"times":1}`)},
			"delay":         {bs(`{"match":{"caller":"alice"},"effect":{"delay":"1ms"},"probability":1}`)},
			"control":       {bs(`{"match":{"pathPrefix":"/__mock/"},"effect":{"drop":true}}`)},
			"misspelt":      {bs(`{"mathc":{"route":"/v4/users/self"},"effect":{"status":503}}`)},
			"path-as-route": {bs(`{"match":{"method":"GET","route":"/v4/jobs/0123456789abcdef01234567"},"effect":{"status":503}}`)},
		},
		"FuzzImportState": {
			"export":          {bs(string(serveReq(w.proxy, httptest.NewRequest("GET", "/__mock/state?secrets=true", nil)).body))},
			"redacted-export": {bs(string(send(w.proxy, "GET", "/__mock/state", nil, "").body))},
			"dangling-owner":  {bs(`{"version":1,"projects":[{"id":"p","ownerId":"nobody"}]}`)},
		},
		"FuzzPathParams": {
			"traversal":  {u8(0), u8(0), u8(0), st("..%2F..%2F__mock%2Freset")},
			"slash":      {u8(3), u8(1), u8(1), st("a/../b")},
			"nul":        {u8(9), u8(0), u8(0), st("\x00")},
			"bad-method": {u8(12), u8(0), u8(10), st("t1")},
		},
		"FuzzQueryParams": {
			"include": {u8(0), st("includeDeactivated=true")},
			"find":    {u8(1), st("ownerName=admin&projectName=quick-start")},
			"jobs":    {u8(2), st("projectId=" + projectID)},
			"secrets": {u8(3), st("secrets=true")},
			"bad":     {u8(4), st("status=%zz&limit=99999999999999999999")},
		},
		"FuzzAuthHeaders": {
			"bearer":       {st("Bearer TOKEN"), st(""), b(false)},
			"lower-bearer": {st("bearer  TOKEN "), st(""), b(false)},
			"api-key":      {st(""), st(fixtures.DefaultUserAPIKey), b(false)},
			"basic":        {st("Basic " + fixtures.DefaultAdminAPIKey), st(fixtures.DefaultAdminAPIKey), b(true)},
			"proxy":        {st(""), st(""), b(true)},
		},
		"FuzzBearerJWT": {
			"sa-token":      {st(w.tok)},
			"access-token":  {st(w.access)},
			"launcher":      {st(w.otherTok)},
			"alg-none":      {st(`eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.` + strings.Split(w.tok, ".")[1] + ".")},
			"trailing":      {st(w.tok + " x")},
			"no-signature":  {st(strings.Join(strings.Split(w.tok, ".")[:2], ".") + ".")},
			"garbage-parts": {st("e30.e30.e30")},
		},
	}
	for target, files := range seeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, vals := range files {
			data := "go test fuzz v1\n" + strings.Join(vals, "\n") + "\n"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
