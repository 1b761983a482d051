package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// TestOpenAPIMatchesRouter checks the served OpenAPI document against the
// routes the router really registered, both ways, on both listeners.
func TestOpenAPIMatchesRouter(t *testing.T) {
	st := newTestStoreForOpenAPI(t)
	for _, l := range []Listener{APIHost, Proxy} {
		h := New(Options{Store: st}, l)
		registered := map[string]bool{}
		err := h.(*router).walk(func(r *mux.Route, _ *mux.Router, _ []*mux.Route) error {
			path, err := r.GetPathTemplate()
			if err != nil {
				return err
			}
			path = specPath(path) // {path:.+} is documented as {path}
			methods, err := r.GetMethods()
			if err != nil {
				return err
			}
			for _, m := range methods {
				registered[strings.ToLower(m)+" "+path] = true
				if m == http.MethodGet { // the router answers HEAD as GET
					registered["head "+path] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest("GET", "/__mock/openapi.json", nil)
		req.Header.Set("X-Domino-Api-Key", fixtures.DefaultAdminAPIKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("openapi.json: %d", rec.Code)
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		documented := map[string]bool{}
		for path, ops := range doc.Paths {
			for method := range ops {
				documented[method+" "+path] = true
			}
		}
		if diff := setDiff(registered, documented); len(diff) > 0 {
			t.Errorf("listener %d: routes served but not documented: %v", l, diff)
		}
		if diff := setDiff(documented, registered); len(diff) > 0 {
			t.Errorf("listener %d: routes documented but not served: %v", l, diff)
		}
		if len(registered) < 50 {
			t.Errorf("listener %d: only %d routes registered", l, len(registered))
		}
	}
}

func setDiff(a, b map[string]bool) []string {
	var out []string
	for k := range a {
		if !b[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func newTestStoreForOpenAPI(t *testing.T) *store.Store {
	t.Helper()
	keys, err := benchSigningKeys() // one key per test binary: RSA generation is slow
	if err != nil {
		t.Fatal(err)
	}
	return store.New(store.Config{Keys: keys, ExternalURL: "http://mock.test"})
}
