package api_test

// Fuzz tests of the app routes' decoders: a new app's body (the spec's
// ModelProduct, as python-domino sends it) and a start's (StartParams).
// The properties of fuzz_test.go hold (no panic, no 5xx but the profile's
// duplicate, errors in the route's shape), plus each target's own: no app
// the rules refuse (a name with a control character, two of one name in a
// project, one made by a caller who may not publish), and a start answers
// the id of an instance the app then reads back as its latest.

import (
	"testing"
	"unicode"

	"github.com/mockdomino/mockdomino/fixtures"
)

func FuzzCreateApp(f *testing.F) {
	for _, s := range []string{
		pyAppBody(projectID, ""), pyAppBody(projectID, "dash"), pyAppBody(projectID, "fuzz-app"),
		`{"projectId":"` + projectID + `","name":"r","modelProductType":"REPORT","hardwareTierId":"Medium"}`,
		`{"projectId":"` + projectID + `","name":"e","environmentId":"` + envID + `","permissionsData":{"visibility":"PUBLIC"}}`,
		`{"projectId":"` + projectID + `","name":"a\u0000b"}`, `{"projectId":"nope"}`, `{"name":"x"}`,
		`{"projectId":"` + projectID + `","created":"yesterday","lastUpdated":[],"id":7}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v4/modelProducts", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, made an app: %s", r)
		}
		m := r.obj(t)
		name := str(m["name"])
		for _, c := range name {
			if unicode.IsControl(c) {
				t.Fatalf("an app named %q", name)
			}
		}
		seen := 0
		for _, a := range w.must(200, w.api, "GET", "/v4/modelProducts?projectId="+projectID, "", fixturesAdminKey()...).list(t) {
			if a["name"] == name {
				seen++
			}
		}
		if seen != 1 {
			t.Fatalf("%d apps named %q in the project", seen, name)
		}
	})
}

func FuzzStartApp(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"hardwareTierId":"small-k8s"}`, `{"hardwareTierId":"Medium","environmentId":"` + envID + `"}`,
		`{"mainRepoGitRef":{"type":"commitId","value":"abc"}}`, `{"mainRepoGitRef":{"type":"branches","value":"main"}}`,
		`{"mainRepoGitRef":{"type":"x"}}`, `{"externalVolumeMountIds":["` + envID + `"]}`, `{"externalVolumeMountIds":"x"}`,
		`{"commitId":7}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false, true)
		f.Add([]byte(s), true, false)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin, stopFirst bool) {
		w := worldFor(t)
		if stopFirst {
			w.must(200, w.api, "POST", "/v4/modelProducts/"+w.app+"/stop", "", fixturesAdminKey()...)
		}
		r := fuzzBody(t, w.api, "POST", "/v4/modelProducts/"+w.app+"/start", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, started an app: %s", r)
		}
		id := jsonString(t, r)
		if fixtures.CheckObjectID("instance", id) != nil {
			t.Fatalf("start answered %q", id)
		}
		m := w.must(200, w.api, "GET", "/v4/modelProducts/"+w.app, "", fixturesAdminKey()...).obj(t)
		if m["latestAppInstanceId"] != id {
			t.Fatalf("started %s, the app's latest instance is %v", id, m["latestAppInstanceId"])
		}
	})
}
