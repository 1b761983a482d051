// Package coverage measures what the mock serves of Domino's two OpenAPI
// documents (the /v4 API and the 6.2 public API) and writes it as
// docs/COVERAGE.md, area by area, the way moto lists its implementation.
//
// The documents themselves are large (2.8 MB together); the package embeds
// only what the report needs of them, extracted once by Extract
// (go run ./cmd/coverage -extract-v4 ... -extract-public ...).
package coverage

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/mockdomino/mockdomino/internal/api"
)

// Spec is what the report needs of one OpenAPI document.
type Spec struct {
	Source     string      `json:"source"` // the document's file name as Domino publishes it
	SHA256     string      `json:"sha256"` // of that file, so the extract can be traced to it
	Title      string      `json:"title"`
	Version    string      `json:"version"`
	Base       string      `json:"base"` // prefix of every path: servers[0].url ("/v4"), or ""
	Operations []Operation `json:"operations"`
}

// Operation is one method on one path of a spec.
type Operation struct {
	Method  string `json:"method"`
	Path    string `json:"path"` // as the spec writes it, without Base
	Tag     string `json:"tag"`  // the first of its tags: the area it is listed under
	Summary string `json:"summary,omitempty"`
}

// SpecFiles are the embedded extracts, /v4 first.
var SpecFiles = []string{"specs/domino-v4-operations.json", "specs/domino-public-api-6.2-operations.json"}

//go:embed specs/*.json
var specFS embed.FS

// Specs reads the embedded extracts.
func Specs() ([]Spec, error) {
	var out []Spec
	for _, name := range SpecFiles {
		b, err := specFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var s Spec
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

var methods = []string{"get", "put", "post", "delete", "patch", "head", "options"}

// Extract keeps what the report needs of an OpenAPI 3 document. A path item
// nested in another under its own path (the 6.2 public API nests
// /api/cost/v1/billingtagSettings/mode and .../notifications so) counts as
// that path's operations.
func Extract(source, sha string, doc []byte) (Spec, error) {
	var d struct {
		Info struct {
			Title, Version string
		}
		Servers []struct{ URL string }
		Paths   map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		return Spec{}, err
	}
	s := Spec{Source: source, SHA256: sha, Title: d.Info.Title, Version: d.Info.Version}
	if len(d.Servers) > 0 && strings.HasPrefix(d.Servers[0].URL, "/") {
		s.Base = strings.TrimSuffix(d.Servers[0].URL, "/")
	}
	var walk func(path string, item map[string]json.RawMessage) error
	walk = func(path string, item map[string]json.RawMessage) error {
		for key, raw := range item {
			if strings.HasPrefix(key, "/") {
				var nested map[string]json.RawMessage
				if err := json.Unmarshal(raw, &nested); err != nil {
					return fmt.Errorf("%s: %w", key, err)
				}
				if err := walk(key, nested); err != nil {
					return err
				}
				continue
			}
			if !contains(methods, key) {
				continue // parameters, summary, description
			}
			var op struct {
				Tags                 []string
				Summary, OperationID string
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				return fmt.Errorf("%s %s: %w", key, path, err)
			}
			o := Operation{Method: strings.ToUpper(key), Path: path, Tag: "(untagged)", Summary: oneLine(op.Summary)}
			if len(op.Tags) > 0 {
				o.Tag = op.Tags[0]
			}
			if o.Summary == "" {
				o.Summary = op.OperationID
			}
			s.Operations = append(s.Operations, o)
		}
		return nil
	}
	for path, item := range d.Paths {
		if err := walk(path, item); err != nil {
			return Spec{}, err
		}
	}
	sort.Slice(s.Operations, func(i, j int) bool {
		a, b := s.Operations[i], s.Operations[j]
		if a.Tag != b.Tag {
			return a.Tag < b.Tag
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return methodRank(a.Method) < methodRank(b.Method)
	})
	return s, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func methodRank(m string) int {
	for i, x := range methods {
		if strings.EqualFold(x, m) {
			return i
		}
	}
	return len(methods)
}

// oneLine is a summary's first line, without Markdown's table and code marks.
func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.NewReplacer("|", "/", "`", "'").Replace(strings.TrimSpace(s))
}

// variable is a path template's variable: {name} in a spec, {name} or
// {name:regexp} in the mock's router (a regexp has no braces).
var variable = regexp.MustCompile(`\{[^{}]*\}`)

// Shape is what a path template means to a client, whatever its variables
// are called: the spec's /projects/{projectId} and the mock's
// /projects/{id} are one shape. A trailing "/" is dropped: the mock serves
// GET /v4/jobs and GET /v4/jobs/ alike.
func Shape(method, path string) string {
	p := variable.ReplaceAllString(path, "{}")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return strings.ToUpper(method) + " " + p
}

// Result is the coverage of the specs by a route table.
type Result struct {
	Specs   []Spec
	Served  []map[int]bool // per spec, the indexes of the operations served
	Outside []api.Route    // Domino routes the mock serves that neither spec lists
	Control []api.Route    // the mock's own control routes
}

// Measure matches the route table against the specs by Shape.
func Measure(specs []Spec, routes []api.Route) Result {
	r := Result{Specs: specs}
	known := map[string]bool{}
	for _, s := range specs {
		for _, o := range s.Operations {
			known[Shape(o.Method, s.Base+o.Path)] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range routes {
		switch k := Shape(rt.Method, rt.Path); {
		case rt.Control:
			r.Control = append(r.Control, rt)
		case known[k]:
			served[k] = true
		default:
			r.Outside = append(r.Outside, rt)
		}
	}
	for _, s := range specs {
		m := map[int]bool{}
		for i, o := range s.Operations {
			if served[Shape(o.Method, s.Base+o.Path)] {
				m[i] = true
			}
		}
		r.Served = append(r.Served, m)
	}
	return r
}

// Totals are the operations served and listed, over both specs.
func (r Result) Totals() (served, total int) {
	for i, s := range r.Specs {
		served += len(r.Served[i])
		total += len(s.Operations)
	}
	return served, total
}

// Overall is the overall figure as the README quotes it.
func (r Result) Overall() string {
	served, total := r.Totals()
	return fmt.Sprintf("%d of %d operations (%s)", served, total, percent(served, total))
}

func percent(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// anchorWord keeps a heading's id to letters, digits and "-".
var anchorWord = regexp.MustCompile(`[^a-z0-9]+`)

func anchor(parts ...string) string {
	return strings.Trim(anchorWord.ReplaceAllString(strings.ToLower(strings.Join(parts, "-")), "-"), "-")
}

// Markdown is docs/COVERAGE.md.
func (r Result) Markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# Coverage of Domino's APIs\n\n")
	w("Generated by `go run ./cmd/coverage` from the mock's route table (`internal/api/routes.go`) and the operations\n")
	w("of Domino's two OpenAPI documents (extracted into `internal/coverage/specs/`). Do not edit it by hand:\n")
	w("`go test ./internal/coverage/` fails when it is stale.\n\n")
	w("An operation is served (ticked) when the mock has a route with the same method and the same path shape:\n")
	w("the same literal segments, a variable where the spec has one, whatever the variables are called. A served\n")
	w("operation may still model only part of what Domino does: the README's *What is implemented* and *Inferred\n")
	w("behaviour* say how much. Areas are each operation's first tag. The mock answers HEAD for every GET; HEAD is\n")
	w("not counted.\n\n")
	w("**Overall: the mock serves %s.**\n\n", r.Overall())
	w("| Document | Served | Operations | |\n|---|---:|---:|---:|\n")
	for i, s := range r.Specs {
		w("| [%s %s](#%s) | %d | %d | %s |\n", s.Title, s.Version, anchor(s.Title), len(r.Served[i]), len(s.Operations), percent(len(r.Served[i]), len(s.Operations)))
	}
	w("| [Routes in neither document](#outside) | %d | | |\n", len(r.Outside))
	w("| [Control routes](#control) | %d | | |\n", len(r.Control))

	for i, s := range r.Specs {
		base := s.Base
		if base == "" {
			base = "/"
		}
		w("\n<a id=\"%s\"></a>\n## %s %s\n\n", anchor(s.Title), s.Title, s.Version)
		sum := s.SHA256
		if len(sum) > 12 {
			sum = sum[:12]
		}
		w("`%s` (sha256 `%s`), paths relative to `%s`: %d of %d operations served (%s).\n\n",
			s.Source, sum, base, len(r.Served[i]), len(s.Operations), percent(len(r.Served[i]), len(s.Operations)))
		type area struct {
			name   string
			ops    []int
			served int
		}
		var areas []*area
		for j, o := range s.Operations {
			if len(areas) == 0 || areas[len(areas)-1].name != o.Tag {
				areas = append(areas, &area{name: o.Tag})
			}
			a := areas[len(areas)-1]
			a.ops = append(a.ops, j)
			if r.Served[i][j] {
				a.served++
			}
		}
		w("| Area | Served | Operations |\n|---|---:|---:|\n")
		for _, a := range areas {
			w("| [%s](#%s) | %d | %d |\n", a.name, anchor(s.Title, a.name), a.served, len(a.ops))
		}
		for _, a := range areas {
			w("\n<a id=\"%s\"></a>\n### %s: %d of %d\n\n", anchor(s.Title, a.name), a.name, a.served, len(a.ops))
			for _, j := range a.ops {
				o := s.Operations[j]
				tick := " "
				if r.Served[i][j] {
					tick = "x"
				}
				w("- [%s] `%s %s%s`", tick, o.Method, s.Base, o.Path)
				if o.Summary != "" {
					w(": %s", o.Summary)
				}
				w("\n")
			}
		}
	}

	w("\n<a id=\"outside\"></a>\n## Routes in neither document\n\n")
	w("Routes of Domino's that clients call (python-domino, the Java client, JWT libraries, the API proxy)\n")
	w("and neither OpenAPI document lists: the legacy `/v1`, `/project` and `/dataset` routes, `/{owner}/{project}/...`,\n")
	w("Keycloak's key endpoints, `/version`, `/access-token`, and /v4 or public routes the documents leave out.\n\n")
	for _, rt := range r.Outside {
		w("- `%s %s`: %s\n", rt.Method, rt.Path, oneLine(rt.Summary))
	}
	w("\n<a id=\"control\"></a>\n## Control routes\n\n")
	w("The mock's own routes under `/__mock/` (the README's *Control routes*); no Domino has them.\n\n")
	for _, rt := range r.Control {
		w("- `%s %s`: %s\n", rt.Method, rt.Path, oneLine(rt.Summary))
	}
	return b.Bytes()
}
