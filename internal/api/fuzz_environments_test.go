package api_test

// Fuzz tests of the environment routes' decoders: the two create bodies
// (/v1 and the public API), a new revision's, a revision's restriction and
// /v4's patch. The properties of fuzz_test.go hold (no panic, no 5xx,
// errors in the route's shape), plus each target's own: no environment or
// revision the rules refuse (a Global one or a restricted revision by a
// non-admin, a name the rules refuse), revisions numbered one after the
// other, no variable's value shown.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// fuzzEnvironment makes an environment of alice's in the world, with one
// revision, for the targets that act on one.
func fuzzEnvironment(t *testing.T, w *world) (id, revision string) {
	t.Helper()
	alice, err := w.st.CallerByUserName("alice")
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.st.CreateEnvironment(alice, store.EnvironmentInput{Name: "fuzz", Visibility: "Private",
		Revision: store.RevisionDefinition{Image: "python:3.12"}})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID, e.Latest.ID
}

// callerOf is the admin's or alice's API key.
func callerOf(asAdmin bool) []string {
	if asAdmin {
		return []string{"X-Domino-Api-Key", fixtures.DefaultAdminAPIKey}
	}
	return []string{"X-Domino-Api-Key", fixtures.DefaultUserAPIKey}
}

// checkCreatedEnvironment: what a create made is one the rules allow, and
// v4 shows its variables by name only.
func checkCreatedEnvironment(t *testing.T, w *world, id, name, visibility string, asAdmin bool) {
	t.Helper()
	if !objectIDRE.MatchString(id) || fixtures.CheckEnvironmentName("name", name) != nil {
		t.Fatalf("created environment %q named %q", id, name)
	}
	if !asAdmin && !strings.EqualFold(visibility, "private") {
		t.Fatalf("alice created a %s environment", visibility)
	}
	r := send(w.api, "GET", "/v4/environments/"+id, nil, "", fixturesAdminKey()...)
	check(t, r)
	var details struct {
		LatestRevision        struct{ Number int }
		LatestRevisionDetails struct {
			BuildEnvironmentVariables []map[string]any
		}
		RestrictedRevision *struct{ ID string }
	}
	if err := json.Unmarshal(r.body, &details); err != nil || details.LatestRevision.Number != 1 {
		t.Fatalf("the new environment reads back as %s", r)
	}
	for _, v := range details.LatestRevisionDetails.BuildEnvironmentVariables {
		if _, ok := v["name"]; !ok || len(v) != 1 {
			t.Fatalf("a build variable shows more than its name: %v", v)
		}
	}
	if details.RestrictedRevision != nil && !asAdmin {
		t.Fatalf("alice restricted a revision: %s", r)
	}
}

func FuzzCreateEnvironmentV1(f *testing.F) {
	for _, s := range []string{
		`{"name":"v1-env","image":"python:3.12"}`, `{"name":"g","visibility":"Global","image":"x"}`,
		`{"name":"p","visibility":"private","description":"d","image":"x"}`, `{"name":"","image":"x"}`,
		`{"name":" padded ","image":"x"}`, `{"name":"a\u0000b","image":"x"}`, `{"name":"x"}`, `{"name":1}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v1/environments", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		m := r.obj(t)
		if m["_id"] != m["id"] {
			t.Fatalf("_id and id differ: %s", r)
		}
		checkCreatedEnvironment(t, w, str(m["id"]), str(m["name"]), str(m["visibility"]), asAdmin)
	})
}

func FuzzCreateEnvironmentBeta(f *testing.F) {
	for _, s := range []string{
		newEnvBody("py-env", "Private"), newEnvBody("shared", "Global"), newEnvBody("lower", "private"),
		`{"name":"r","visibility":"private","image":"x","isRestricted":true}`,
		`{"name":"v","visibility":"private","image":"x","environmentVariables":[{"key":"K","value":"SECRETvalue"},{"name":"N","value":"SECRETtoo"}]}`,
		`{"name":"c","visibility":"private","image":"x","supportedClusters":["spark","MPI"],"tags":["a"]}`,
		`{"name":"t","visibility":"private","image":"x","workspaceTools":[{"name":"j","title":"J","startScripts":["s"],"proxyConfig":{"internalPath":"/","port":8888}}]}`,
		`{"name":"o","visibility":"private","image":"x","orgOwnerId":"x"}`, `{"duplicateFromEnvironmentId":"x"}`,
		`{"name":"x","visibility":"organization","image":"x"}`, `{"environmentVariables":[{"value":"v"}]}`, `{"workspaceTools":[null]}`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/api/environments/beta/environments", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		var out struct {
			Environment struct{ ID, Name, Visibility string }
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if out.Environment.Visibility != "private" && out.Environment.Visibility != "global" {
			t.Fatalf("visibility %q, want the public API's lower case: %s", out.Environment.Visibility, r)
		}
		checkCreatedEnvironment(t, w, out.Environment.ID, out.Environment.Name, out.Environment.Visibility, asAdmin)
	})
}

func FuzzCreateEnvironmentRevision(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"image":"python:3.13","summary":"two"}`, `{"supportedClusters":["ray"]}`, `{"supportedClusters":["yarn"]}`,
		`{"environmentVariables":[{"key":"K","value":"SECRETvalue"}]}`, `{"tags":[null]}`, `{"useVpn":"yes"}`, `null`, `[]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		id, _ := fuzzEnvironment(t, w)
		r := fuzzBody(t, w.api, "POST", "/api/environments/beta/environments/"+id+"/revisions", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		var out struct {
			EnvironmentRevision struct {
				ID     string
				Number int
			}
		}
		if err := json.Unmarshal(r.body, &out); err != nil || out.EnvironmentRevision.Number != 2 || !objectIDRE.MatchString(out.EnvironmentRevision.ID) {
			t.Fatalf("the second revision: %s", r)
		}
	})
}

func FuzzRestrictRevision(f *testing.F) {
	for _, s := range []string{`{"isRestricted":true}`, `{"isRestricted":false}`, `{}`, `{"isRestricted":"true"}`, `{"isRestricted":null}`, `true`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		id, rev := fuzzEnvironment(t, w)
		r := fuzzBody(t, w.api, "PATCH", "/api/environments/beta/environments/"+id+"/revisions/"+rev, body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice changed a revision's restriction: %q → %s", body, r)
		}
		if m := r.obj(t); len(m) != 1 || m["id"] != rev {
			t.Fatalf("answer %s", r)
		}
	})
}

func FuzzPatchEnvironment(f *testing.F) {
	for _, s := range []string{`{"assignLatestRevisionAsActive":false}`, `{"assignLatestRevisionAsActive":true}`, `{}`,
		`{"assignLatestRevisionAsActive":1}`, `{"assignLatestRevisionAsActive":null}`, `[]`} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, global bool) {
		w := worldFor(t)
		id, rev := fuzzEnvironment(t, w)
		if global {
			id, rev = envID, envRevisionID
		}
		read := func() string {
			return string(send(w.api, "GET", "/v4/environments/"+id, nil, "", fixturesAdminKey()...).body)
		}
		before := read()
		// alice owns hers and may change it; the Global one is not hers.
		r := fuzzBody(t, w.api, "PATCH", "/v4/environments/"+id, body, "application/json", callerOf(false)...)
		if global && read() != before {
			t.Fatalf("alice changed the Global environment: %q → %s", body, r)
		}
		if r.code != 200 {
			return
		}
		var out struct{ SelectedRevision struct{ ID string } }
		if err := json.Unmarshal(r.body, &out); err != nil || out.SelectedRevision.ID != rev {
			t.Fatalf("the active revision of an environment with one is %s", r)
		}
	})
}
