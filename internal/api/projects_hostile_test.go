package api_test

// Hostile input and fuzzing of the project routes (issue 10): their JSON
// decoders and the legacy form, held to the properties of hostile_test.go
// and fuzz_test.go.

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// observed500 reports whether r is one of the 500s Domino was observed to
// answer on the project routes (ksmpartners/domino-java-client's tests): an
// unknown project on the environment-variable routes, and an unknown
// relationship on the gateway's project list.
func observed500(r *resp, msg string) bool {
	switch {
	case strings.HasPrefix(r.path, "/v4/projects/") && strings.Contains(r.path, "/environmentVariables"):
		return strings.HasPrefix(msg, "Project ") && strings.HasSuffix(msg, " not found")
	case r.path == "/v4/gateway/projects" && (r.method == "GET" || r.method == "HEAD"):
		return strings.HasPrefix(msg, "No value found for '")
	}
	return false
}

// projectBodyRoutes are the project routes that decode a JSON body and
// refuse {} (the settings update takes {}: TestHostileProjectBodies).
func projectBodyRoutes() []bodyRoute {
	return []bodyRoute{
		{"POST", "/v4/projects", func(i int) string { return fmt.Sprintf(`{"name":"hostile-%d"}`, i) }},
		{"POST", "/v4/projects/" + projectID + "/fork", func(i int) string { return fmt.Sprintf(`{"name":"fork-%d"}`, i) }},
		{"POST", "/v4/projects/" + projectID + "/tags", func(i int) string { return fmt.Sprintf(`{"tagNames":["t%d"]}`, i) }},
		{"POST", "/v4/projects/" + projectID + "/environmentVariables", func(i int) string { return fmt.Sprintf(`{"name":"E%d","value":"v"}`, i) }},
	}
}

func TestHostileProjectBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	settings := "/v4/projects/" + projectID + "/settings"
	vars := "/v4/projects/" + projectID + "/environmentVariables"
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/v4/projects", `{"name":"../admin"}`, 400},
		{"POST", "/v4/projects", `{"name":"a\u0000b"}`, 400},
		{"POST", "/v4/projects", `{"name":"a\nb"}`, 400},
		{"POST", "/v4/projects", `{"name":"a\\b"}`, 400},
		{"POST", "/v4/projects", `{"name":"\u00a0x"}`, 400},
		{"POST", "/v4/projects", `{"name":"%2F"}`, 200}, // no separator: a name like any other
		{"POST", "/v4/projects", `{"name":"café"}`, 200},
		{"POST", "/v4/projects", "{\"name\":\"caf\xe9\"}", 400},
		{"POST", "/v4/projects", `{"name":"x","visibility":"Private\u0000"}`, 400},
		{"POST", "/v4/projects", `{"name":"x","ownerId":"../` + adminID + `"}`, 400},
		{"POST", "/v4/projects", `{"name":"x","collaborators":[{"collaboratorId":"../../","projectRole":"Contributor"}]}`, 404},
		{"POST", "/v4/projects", `{"name":"x","collaborators":{"collaboratorId":"a"}}`, 400},
		{"POST", "/v4/projects", `{"name":"x","tags":["a"]}`, 400},
		{"POST", "/v4/projects", `{"name":"x","tags":{"tagNames":["` + strings.Repeat("t", 101) + `"]}}`, 400},
		{"POST", "/v4/projects", `{"name":"x","mainRepository":{"uri":"a\u0000"}}`, 400},
		{"POST", "/v4/projects", `{"name":"x","mainRepository":{"uri":"https://x/y","defaultRef":{"type":"branches"}}}`, 400},
		{"POST", "/v4/projects", `{"name":"dup","name":"dup-2"}`, 200}, // the last wins, as encoding/json reads it
		{"POST", "/v4/projects", `{"name":"dup-2"}`, 500},              // the profile's duplicate status
		{"POST", "/v4/projects/" + projectID + "/tags", `{"tagNames":["a","a\u0000"]}`, 400},
		{"POST", "/v4/projects/" + projectID + "/tags", `{"tagNames":null}`, 400},
		{"POST", "/v4/projects/" + projectID + "/tags", `{"tagNames":[]}`, 200},
		{"POST", vars, `{"name":"A\u0000","value":"v"}`, 400},
		{"POST", vars, `{"name":"","value":"v"}`, 400},
		{"POST", vars, `{"name":"PATH","value":"` + strings.Repeat("v", 1<<16) + `"}`, 200},
		{"POST", vars, `{"name":"X","value":null}`, 400},
		{"PUT", settings, `{}`, 200},
		{"PUT", settings, `null`, 400},
		{"PUT", settings, `[]`, 400},
		{"PUT", settings, `{"defaultVolumeSizeGiB":"10"}`, 400},
		{"PUT", settings, `{"defaultVolumeSizeGiB":1e309}`, 400},
		{"PUT", settings, `{"defaultEnvironmentRevisionSpec":{"revisionId":null}}`, 400},
		{"PUT", settings, `{"defaultEnvironmentRevisionSpec":["ActiveRevision"]}`, 400},
		{"PUT", settings, `{"defaultHardwareTierId":"small-k8s\u0000"}`, 400},
		{"PUT", settings, `{"defaultHardwareTierId":null,"defaultEnvironmentId":null}`, 200},
		{"PUT", settings, `{"defaultEnvironmentId":"` + envID + `"}`, 200},
		{"POST", "/v4/projects/" + projectID + "/fork", `{"name":"f","tags":{"tagNames":null}}`, 200},
	} {
		r := e.do(e.proxy, c.method, c.path, c.body)
		sane(t, r)
		if r.code != c.want {
			t.Errorf("%s: want %d", r, c.want)
		}
	}
	// The legacy form route: form-encoded bodies, every other shape refused.
	form := []string{"Content-Type", "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		body string
		hdr  []string
		want int
	}{
		{"projectName=" + url.QueryEscape("../etc"), form, 400},
		{"projectName=a%00b", form, 400},
		{"projectName=%FF", form, 400},
		{"projectName=ok-form&projectName=second", form, 200},
		{"projectName=" + strings.Repeat("a", 1<<20), form, 413},
		{"", form, 400},
		{"projectName=x", []string{"Content-Type", "multipart/form-data; boundary=x"}, 415},
		{`{"projectName":1}`, nil, 400},
		{`[]`, nil, 400},
	} {
		r := e.do(e.proxy, "POST", "/project", c.body, c.hdr...)
		sane(t, r)
		if r.code != c.want {
			t.Errorf("%q: %s: want %d", c.body[:min(len(c.body), 40)], r, c.want)
		}
	}
	// Nothing hostile was stored.
	for _, p := range e.must(200, e.proxy, "GET", "/v4/projects", "").list(t) {
		if name := str(p["name"]); strings.ContainsAny(name, "/\\\x00\n") || strings.IndexFunc(name, unicode.IsSpace) >= 0 {
			t.Errorf("a hostile name was stored: %q", name)
		}
	}
}

// fuzzProjectBody runs one fuzzed body against a project route and checks
// what any success made.
func fuzzProjectBody(t *testing.T, method, path string, body []byte, ct string) *resp {
	w := worldFor(t)
	return fuzzBody(t, w.proxy, method, path, body, ct)
}

// validProject checks a project an answer describes.
func validProject(t *testing.T, r *resp) {
	t.Helper()
	m := r.obj(t)
	name := str(m["name"])
	if !objectIDRE.MatchString(str(m["id"])) || name == "" || strings.ContainsAny(name, "/\\") || strings.IndexFunc(name, unicode.IsSpace) >= 0 ||
		!strings.Contains("Private Public Searchable", str(m["visibility"])) {
		t.Fatalf("made an invalid project: %s", r)
	}
}

func FuzzCreateProject(f *testing.F) {
	for _, s := range []string{
		`{"name":"p","visibility":"Public","ownerId":"64b7f0a1c2d3e4f5a6b7c801","description":"","collaborators":[],"tags":{"tagNames":[]}}`,
		`{"name":"q","collaborators":[{"collaboratorId":"64b7f0a1c2d3e4f5a6b7c802","projectRole":"Contributor"}],"tags":{"tagNames":["ml"]}}`,
		`{"name":"r","mainRepository":{"uri":"https://github.com/a/b.git","serviceProvider":"github","defaultRef":{"type":"head"}}}`,
		`{"name":"quick-start"}`, `{"name":"a b"}`, `{"name":null}`, `{}`, `[]`, `{"name":"x","ownerId":"x"}`,
		`{"name":"t","billingTag":{"tag":"no-such-tag"}}`, `{"name":"u","billingTag":null}`, `{"name":"v","billingTag":"x"}`,
		`{"name":"w","billingTag":{"tag":""}}`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if r := fuzzProjectBody(t, "POST", "/v4/projects", body, ct); r.code == 200 {
			validProject(t, r)
		}
	})
}

func FuzzCreateProjectLegacy(f *testing.F) {
	for _, s := range []string{"projectName=legacy", "projectName=legacy&ownerOverrideUsername=alice", "projectName=a+b", "projectName=%zz", ""} {
		f.Add([]byte(s), "application/x-www-form-urlencoded")
	}
	f.Add([]byte(`{"projectName":"as-json"}`), "application/json")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		r := send(w.proxy, "POST", "/project", body, ct)
		check(t, r)
		if r.code == 200 {
			validProject(t, r)
		}
	})
}

func FuzzForkProject(f *testing.F) {
	for _, s := range []string{`{"name":"fork"}`, `{"name":"fork","description":null,"visibility":"Searchable","tags":{"tagNames":["x"]}}`,
		`{"name":"quick-start"}`, `{"name":"f","ownerId":"64b7f0a1c2d3e4f5a6b7c802"}`, `{}`, `{"name":1}`,
		`{"name":"g","billingTag":{"tag":"no-such-tag"}}`, `{"name":"h","billingTag":null}`, `{"name":"i","billingTag":[]}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		if r := fuzzProjectBody(t, "POST", "/v4/projects/"+projectID+"/fork", body, ct); r.code == 200 {
			validProject(t, r)
		}
	})
}

func FuzzProjectTags(f *testing.F) {
	for _, s := range []string{`{"tagNames":["new","old"]}`, `{"tagNames":[]}`, `{"tagNames":[" x"]}`, `{"tagNames":null}`, `{"tagNames":"x"}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		r := fuzzProjectBody(t, "POST", "/v4/projects/"+projectID+"/tags", body, ct)
		if r.code == 200 {
			var in struct{ TagNames []string }
			json.Unmarshal(body, &in)
			for _, tag := range r.list(t) {
				if name := str(tag["name"]); name == "" || strings.TrimSpace(name) != name || !objectIDRE.MatchString(str(tag["id"])) {
					t.Fatalf("made a bad tag from %q: %s", body, r)
				}
			}
		}
	})
}

func FuzzProjectSettings(f *testing.F) {
	for _, s := range []string{`{"defaultHardwareTierId":"medium-k8s"}`, `{"defaultEnvironmentRevisionSpec":{"revisionId":"r"}}`,
		`{"defaultEnvironmentRevisionSpec":"LatestRevision","defaultVolumeSizeGiB":12}`, `{"defaultEnvironmentId":"64b7f0a1c2d3e4f5a6b7cb01"}`, `{}`, `{"defaultVolumeSizeGiB":-1}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		fuzzBody(t, w.proxy, "PUT", "/v4/projects/"+projectID+"/settings", body, ct)
		// Whatever was taken, the settings read back are valid.
		m := w.must(200, w.proxy, "GET", "/v4/projects/"+projectID+"/settings", "").obj(t)
		if v, _ := m["defaultVolumeSizeGiB"].(float64); v < 4 || v > 200 || m["defaultHardwareTierId"] == "" {
			t.Fatalf("settings became %v after %q", m, body)
		}
	})
}

func FuzzProjectEnvVar(f *testing.F) {
	for _, s := range []string{`{"name":"ISQUICKSTART","value":"true"}`, `{"name":"ISQUICKSTART"}`, `{}`, `{"value":"v"}`,
		`{"name":"A=B","value":"v"}`, `{"name":"K","value":""}`, `{"name":"K","value":5}`} {
		f.Add([]byte(s), "application/json")
	}
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		w := worldFor(t)
		r := fuzzBody(t, w.proxy, "POST", "/v4/projects/"+projectID+"/environmentVariables", body, ct)
		if r.code == 200 {
			// The answer is a valid variable, and it is listed as set.
			var out struct{ Name, Value *string }
			json.Unmarshal(r.body, &out)
			if out.Name == nil || out.Value == nil || *out.Name == "" || strings.Contains(*out.Name, "=") {
				t.Fatalf("set a bad variable from %q: %s", body, r)
			}
			listed := false
			for _, v := range w.must(200, w.proxy, "GET", "/v4/projects/"+projectID+"/environmentVariables", "").list(t) {
				listed = listed || v["name"] == *out.Name && v["value"] == *out.Value
			}
			if !listed {
				t.Fatalf("%s is not listed", r)
			}
		}
	})
}

// TestProjectEnvVarValuesStayOut: a project environment variable's value
// (a credential, often) is kept out of the journal and of a state export
// without secrets, as git secrets are.
func TestProjectEnvVarValuesStayOut(t *testing.T) {
	e := newEnv(t)
	const secret = "AKIA-very-secret-value"
	e.must(200, e.api, "POST", "/v4/projects/"+projectID+"/environmentVariables", `{"name":"AWS_SECRET","value":"`+secret+`"}`, asAdmin...)
	e.must(200, e.api, "POST", "/v4/projects/"+projectID+"/environmentVariables", `{"name":"OTHER","Value":"`+secret+`"}`, asAdmin...)
	if j := e.must(200, e.proxy, "GET", "/__mock/journal", ""); strings.Contains(string(j.body), secret) {
		t.Errorf("the journal shows the value: %s", j.body)
	}
	state := e.must(200, e.proxy, "GET", "/__mock/state", "")
	if strings.Contains(string(state.body), secret) || !strings.Contains(string(state.body), `"AWS_SECRET"`) {
		t.Errorf("the export without secrets: %s", state.body)
	}
	if s := e.must(200, e.proxy, "GET", "/__mock/state?secrets=true", ""); !strings.Contains(string(s.body), secret) {
		t.Errorf("the export with secrets lacks the value")
	}
	// Imported back, a redacted value stays redacted (it cannot be guessed).
	e.must(200, e.proxy, "PUT", "/__mock/state", string(state.body))
	l := e.must(200, e.proxy, "GET", "/v4/projects/"+projectID+"/environmentVariables", "").list(t) // the admin's key is redacted too
	if len(l) != 2 || l[0]["value"] != "<redacted>" {
		t.Errorf("after importing a redacted export: %v", l)
	}
}

// TestProjectSpecFieldsAreAccepted: bodies with every field the v4 spec
// declares for the project routes (NewProject, ForkOrCopyProject, NewTags,
// ProjectSettingsUpdateDto, EnvironmentVariable) are accepted.
func TestProjectSpecFieldsAreAccepted(t *testing.T) {
	e := newEnv(t)
	// A billing tag must exist before a project is charged to it (cost.go).
	e.must(200, e.api, "POST", "/v4/cost/billingtags", `{"billingTags":["cost-center"]}`, asAdmin...)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/v4/projects", `{"name":"spec-all","description":"d","visibility":"Searchable","ownerId":"` + adminID + `",
			"collaborators":[{"collaboratorId":"` + aliceID + `","projectRole":"LauncherUser"}],"tags":{"tagNames":["a"]},
			"billingTag":{"tag":"cost-center"},"isRestricted":false,
			"mainRepository":{"uri":"https://github.com/o/r.git","serviceProvider":"github","defaultRef":{"type":"tags","value":"v1"},
			  "credentialId":"` + unknownObjectID + `","id":null,"name":"r"},
			"repoToCreate":null,"templateDetails":{"name":"t","templateId":"x","forceImport":false,"importToMainRepo":null,"templateRevisionId":null,"templateType":"customer"}}`},
		{"POST", "/v4/projects/" + projectID + "/fork", `{"name":"spec-fork","description":null,"visibility":null,"ownerId":null,
			"collaborators":null,"tags":null,"billingTag":null,"copyGitRequest":{"credentialId":"` + unknownObjectID + `","copySpec":null,"importSpec":null,"linkSpec":{"uri":"u"}}}`},
		{"POST", "/v4/projects/" + projectID + "/tags", `{"tagNames":["spec"]}`},
		{"PUT", "/v4/projects/" + projectID + "/settings", `{"defaultEnvironmentId":"` + envID + `","defaultEnvironmentRevisionSpec":"RestrictedRevision",
			"defaultHardwareTierId":"small-k8s","defaultVolumeSizeGiB":15.5}`},
		{"POST", "/v4/projects/" + projectID + "/environmentVariables", `{"name":"SPEC","value":"v"}`},
	} {
		body := strings.Join(strings.Fields(c.body), " ")
		if r := e.do(e.api, c.method, c.path, body, asAdmin...); r.code/100 != 2 {
			t.Errorf("%s: a body of the spec's fields is refused", r)
		}
	}
}
