package coverage

import (
	"bytes"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
)

var update = flag.Bool("update", false, "rewrite docs/COVERAGE.md")

// TestCoverageDocIsCurrent: docs/COVERAGE.md is what the route table and the
// embedded spec extracts make of it, and the README quotes its overall figure.
// A route added without regenerating the file fails here.
func TestCoverageDocIsCurrent(t *testing.T) {
	specs, err := Specs()
	if err != nil {
		t.Fatal(err)
	}
	r := Measure(specs, api.Routes())
	want := r.Markdown()
	const doc = "../../docs/COVERAGE.md"
	if *update {
		if err := os.WriteFile(doc, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/COVERAGE.md is stale: run go run ./cmd/coverage (or go test ./internal/coverage/ -update)")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), r.Overall()) {
		t.Errorf("README.md does not quote the overall coverage %q", r.Overall())
	}
}

func TestShapeIgnoresVariableNames(t *testing.T) {
	for _, c := range []struct {
		specBase, spec, mock string
		same                 bool
	}{
		{"/v4", "/projects/{projectId}", "/v4/projects/{id}", true},
		{"/v4", "/jobs", "/v4/jobs/", true},
		{"", "/api/projects/v1/projects/{projectId}/files/{commitId}/{path}/content", "/api/projects/v1/projects/{projectId}/files/{commitId}/{path:.+}/content", true},
		{"/v4", "/projects/{projectId}", "/v4/projects/billingtags", false}, // a literal is not a variable
		{"/v4", "/projects/billingtags", "/v4/projects/{projectId}", false},
		{"/v4", "/projects/{projectId}", "/projects/{projectId}", false}, // the base counts
		{"/v4", "/projects/{a}/x", "/v4/projects/{a}/y", false},
	} {
		if got := Shape("GET", c.specBase+c.spec) == Shape("get", c.mock); got != c.same {
			t.Errorf("%s%s and %s: same shape %v, want %v", c.specBase, c.spec, c.mock, got, c.same)
		}
	}
}

// TestMeasure: a spec operation is served only by a route of its method and
// shape; the mock's other routes are listed apart, control routes apart again.
func TestMeasure(t *testing.T) {
	specs := []Spec{{Base: "/v4", Operations: []Operation{
		{Method: "GET", Path: "/projects/{projectId}", Tag: "Projects"},
		{Method: "DELETE", Path: "/projects/{projectId}", Tag: "Projects"},
		{Method: "GET", Path: "/users/self", Tag: "Users"},
	}}, {Operations: []Operation{{Method: "GET", Path: "/api/users/v1/self", Tag: "Users"}}}}
	r := Measure(specs, []api.Route{
		{Method: "GET", Path: "/v4/projects/{id}"},
		{Method: "POST", Path: "/v4/projects/{id}"},
		{Method: "GET", Path: "/api/users/v1/self"},
		{Method: "GET", Path: "/version"},
		{Method: "POST", Path: "/__mock/reset", Control: true},
	})
	if len(r.Served[0]) != 1 || !r.Served[0][0] || len(r.Served[1]) != 1 {
		t.Errorf("served %v, want only GET /v4/projects/{projectId} and GET /api/users/v1/self", r.Served)
	}
	if len(r.Outside) != 2 || r.Outside[0].Method != "POST" || r.Outside[1].Path != "/version" {
		t.Errorf("outside %v, want POST /v4/projects/{id} and GET /version", r.Outside)
	}
	if len(r.Control) != 1 {
		t.Errorf("control %v", r.Control)
	}
	if got := r.Overall(); got != "2 of 4 operations (50.0%)" {
		t.Errorf("overall %q", got)
	}
	md := string(r.Markdown())
	for _, line := range []string{"- [x] `GET /v4/projects/{projectId}`", "- [ ] `DELETE /v4/projects/{projectId}`", "- `GET /version`", "- `POST /__mock/reset`"} {
		if !strings.Contains(md, line+"\n") && !strings.Contains(md, line+":") {
			t.Errorf("report lacks %q", line)
		}
	}
}

// TestExtract: operations come with their first tag, the servers' base, and
// path items nested in another (as the 6.2 public API nests two).
func TestExtract(t *testing.T) {
	doc := `{"info":{"title":"T","version":"1"},"servers":[{"url":"/v4"}],"paths":{
	  "/a/{id}":{"parameters":[],"get":{"tags":["B","A"],"summary":"get a\nmore"},"delete":{"operationId":"delA"}},
	  "/b":{"/b/mode":{"put":{"tags":["M"],"summary":"x | y"}}}}}`
	s, err := Extract("t.json", "00", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if s.Base != "/v4" || s.Title != "T" || len(s.Operations) != 3 {
		t.Fatalf("%+v", s)
	}
	want := []Operation{
		{Method: "DELETE", Path: "/a/{id}", Tag: "(untagged)", Summary: "delA"},
		{Method: "GET", Path: "/a/{id}", Tag: "B", Summary: "get a"},
		{Method: "PUT", Path: "/b/mode", Tag: "M", Summary: "x / y"},
	}
	for i, o := range s.Operations {
		if o != want[i] {
			t.Errorf("operation %d: %+v, want %+v", i, o, want[i])
		}
	}
}

// TestExtractsAreComplete: the embedded extracts hold every operation of the
// documents they came from (835 in the /v4 spec; 234 in the public API's,
// plus the 4 of its two nested path items).
func TestExtractsAreComplete(t *testing.T) {
	specs, err := Specs()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []int{835, 238} {
		if got := len(specs[i].Operations); got != want {
			t.Errorf("%s: %d operations, want %d", specs[i].Source, got, want)
		}
	}
}
