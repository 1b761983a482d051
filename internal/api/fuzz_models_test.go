package api_test

// Fuzz tests of the model routes' decoders: a model's and a version's
// body (python-domino's model_publish and model_version_publish), an
// export's and the legacy endpoint's. The properties of fuzz_test.go hold
// (no panic, no 5xx, errors in the route's shape), plus each target's own:
// versions numbered one after the other, no model or endpoint without a
// file and a function, a registry password never kept, and redacted in the journal, and
// nothing made by alice, who is no collaborator.

import (
	"encoding/json"
	"strings"
	"testing"
)

func FuzzPublishModel(f *testing.F) {
	for _, s := range []string{
		pyModelBody(projectID, "m"), pyModelBody(projectID, ""), pyModelBody("nope", "m"),
		`{"projectId":"` + projectID + `","name":"e","file":"f","function":"g","environmentId":"` + envID + `","excludeFiles":["a","b"]}`,
		`{"projectId":"` + projectID + `","name":"c","file":"a\u0000b","function":"g"}`, `{"excludeFiles":[null]}`, `[]`, `null`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v1/models", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, published a model: %s", r)
		}
		v := obj(obj(r.obj(t)["data"])["version"])
		if strings.TrimSpace(str(v["file"])) == "" || strings.TrimSpace(str(v["function"])) == "" || obj(v["metadata"])["number"] != 1.0 {
			t.Fatalf("published %s", r)
		}
	})
}

func FuzzPublishModelVersion(f *testing.F) {
	for _, s := range []string{
		`{"description":"v2","projectId":"` + projectID + `","file":"p.py","function":"f","excludeFiles":[],"environmentId":null}`,
		`{"projectId":"` + unknownObjectID + `","file":"p.py","function":"f"}`, `{"file":"p.py"}`, `{"file":7}`, `[]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v1/models/"+w.model+"/versions", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, published a version: %s", r)
		}
		data, _ := w.must(200, w.api, "GET", "/v1/models/"+w.model+"/versions", "", fixturesAdminKey()...).obj(t)["data"].([]any)
		for i, v := range data {
			if n := obj(obj(v)["metadata"])["number"]; n != float64(i+1) {
				t.Fatalf("version %d is numbered %v", i+1, n)
			}
		}
	})
}

func FuzzExportModel(f *testing.F) {
	for _, s := range []string{
		`{"registryUrl":"registry.example.com","username":"u","password":"SECRETpw","repository":"m","tag":"t"}`,
		`{"registryUrl":"r","repository":"x"}`, `{"repository":"x","password":"SECRETpw"}`, `{"registryUrl":"r","repository":"x","tag":null}`,
		`{"registryUrl":"a\u0000","repository":"x"}`, `[]`,
	} {
		f.Add([]byte(s), false, true)
		f.Add([]byte(s), true, false)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin, sagemaker bool) {
		w := worldFor(t)
		route := "/exportImageToRegistry"
		if sagemaker {
			route = "/exportImageForSagemaker"
		}
		r := fuzzBody(t, w.api, "POST", "/v4/models/"+w.model+"/"+w.modelVersion+route, body, "application/json", callerOf(asAdmin)...)
		if r.code >= 300 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, exported a model: %s", r)
		}
		// The journal shows the accepted request's password redacted…
		var journal struct {
			Entries []struct{ Body map[string]any }
		}
		if err := json.Unmarshal(w.must(200, w.proxy, "GET", "/__mock/journal?limit=1", "").body, &journal); err != nil || len(journal.Entries) != 1 {
			t.Fatalf("journal: %v", err)
		}
		for k, v := range journal.Entries[0].Body {
			if strings.EqualFold(k, "password") && v != "<redacted>" && v != "" {
				t.Fatalf("the journal shows the password %v of %s", v, r)
			}
		}
		// …and the state keeps none.
		var state struct{ ModelExports []map[string]any }
		if err := json.Unmarshal(w.must(200, w.proxy, "GET", "/__mock/state?secrets=true", "").body, &state); err != nil {
			t.Fatal(err)
		}
		for _, x := range state.ModelExports {
			for k := range x {
				if strings.Contains(strings.ToLower(k), "password") {
					t.Fatalf("the state keeps an export's %s", k)
				}
			}
		}
	})
}

func FuzzPublishEndpoint(f *testing.F) {
	for _, s := range []string{
		`{"commitId":"22d864481c66b36d676056905d1f0545f5d3b742","bindingDefinition":{"file":"main.py","function":"api_endpoint"}}`,
		`{"commitId":null,"bindingDefinition":{"file":"main.py","function":"f"}}`, `{"bindingDefinition":{"file":"main.py"}}`,
		`{"bindingDefinition":null}`, `{"commitId":7}`, `[]`,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, asAdmin bool) {
		w := worldFor(t)
		r := fuzzBody(t, w.api, "POST", "/v1/admin/quick-start/endpoint/publishRelease", body, "application/json", callerOf(asAdmin)...)
		if r.code != 200 {
			return
		}
		if !asAdmin {
			t.Fatalf("alice, no collaborator, published the endpoint: %s", r)
		}
		b := obj(r.obj(t)["bindingDefinition"])
		if strings.TrimSpace(str(b["file"])) == "" || strings.TrimSpace(str(b["function"])) == "" {
			t.Fatalf("published %s", r)
		}
	})
}
