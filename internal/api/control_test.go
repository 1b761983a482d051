package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// controlServers serves one store on both listeners with a shared journal
// and fault set, as the real server does.
func controlServers(t *testing.T, journalSize int) (api, proxy *httptest.Server) {
	t.Helper()
	o := Options{Store: newTestStoreForOpenAPI(t), Journal: NewJournal(journalSize), Faults: NewFaults(1)}
	api = httptest.NewServer(New(o, APIHost))
	proxy = httptest.NewServer(New(o, Proxy))
	t.Cleanup(func() { api.Close(); proxy.Close() })
	return api, proxy
}

func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func TestJournal(t *testing.T) {
	api, proxy := controlServers(t, 3)
	call(t, "POST", proxy.URL+"/v4/accounts/64b7f0a1c2d3e4f5a6b7c801/gitcredentials",
		`{"name":"gh","gitServiceProvider":"github","accessType":"token","token":"ghp_TOPSECRET"}`)
	call(t, "GET", api.URL+"/v4/users/self", "", "X-Domino-Api-Key", fixtures.DefaultUserAPIKey)
	call(t, "GET", api.URL+"/v4/users/self", "", "Authorization", "Bearer not-a-jwt")
	call(t, "GET", proxy.URL+"/__mock/health", "") // control routes are not journaled

	code, body := call(t, "GET", proxy.URL+"/__mock/journal", "")
	if code != 200 {
		t.Fatalf("journal: %d %s", code, body)
	}
	for _, secret := range []string{"ghp_TOPSECRET", fixtures.DefaultUserAPIKey, "not-a-jwt"} {
		if strings.Contains(body, secret) {
			t.Errorf("journal leaks %q: %s", secret, body)
		}
	}
	var j struct {
		Entries []JournalEntry
		Count   int
	}
	json.Unmarshal([]byte(body), &j)
	if j.Count != 3 {
		t.Fatalf("count %d, want 3 (health is not journaled): %s", j.Count, body)
	}
	first := j.Entries[0]
	if first.Method != "POST" || first.Status != 200 || first.Caller != "admin" || first.Auth != "proxy" ||
		!strings.Contains(string(first.Body), `"token":"<redacted>"`) || !strings.Contains(string(first.Body), `"name":"gh"`) {
		t.Errorf("first entry %+v body %s", first, first.Body)
	}
	if e := j.Entries[1]; e.Caller != "alice" || e.Auth != "api-key" || e.Status != 200 || e.Listener != "api" {
		t.Errorf("second entry %+v", e)
	}
	if e := j.Entries[2]; e.Status != 401 || e.Auth != "bearer" || e.Caller != "" {
		t.Errorf("third entry %+v", e)
	}

	// Filters.
	_, body = call(t, "GET", proxy.URL+"/__mock/journal?status=401", "")
	if json.Unmarshal([]byte(body), &j); j.Count != 1 || j.Entries[0].Status != 401 {
		t.Errorf("status filter: %s", body)
	}
	_, body = call(t, "GET", proxy.URL+"/__mock/journal?caller=alice&method=get&path=/v4/users", "")
	if json.Unmarshal([]byte(body), &j); j.Count != 1 || j.Entries[0].Caller != "alice" {
		t.Errorf("caller filter: %s", body)
	}
	if code, _ := call(t, "GET", proxy.URL+"/__mock/journal?status=abc", ""); code != 400 {
		t.Errorf("bad status filter: %d", code)
	}

	// The ring keeps the newest entries and counts the dropped.
	call(t, "GET", api.URL+"/version", "")
	_, body = call(t, "GET", proxy.URL+"/__mock/journal", "")
	var ring struct {
		Entries []JournalEntry
		Dropped int
	}
	json.Unmarshal([]byte(body), &ring)
	if len(ring.Entries) != 3 || ring.Dropped != 1 || ring.Entries[2].Path != "/version" || ring.Entries[0].Caller != "alice" {
		t.Errorf("ring: %s", body)
	}

	// Control routes need the admin on the API host.
	if code, _ := call(t, "GET", api.URL+"/__mock/journal", "", "X-Domino-Api-Key", fixtures.DefaultUserAPIKey); code != 403 {
		t.Errorf("alice reading the journal: %d", code)
	}
	if code, _ := call(t, "DELETE", api.URL+"/__mock/journal", "", "X-Domino-Api-Key", fixtures.DefaultAdminAPIKey); code != 200 {
		t.Errorf("admin clearing the journal: %d", code)
	}
	_, body = call(t, "GET", proxy.URL+"/__mock/journal", "")
	if json.Unmarshal([]byte(body), &j); j.Count != 0 {
		t.Errorf("after clear: %s", body)
	}
}

func TestJournalKeepsNoUnparseableBody(t *testing.T) {
	_, proxy := controlServers(t, 10)
	// (A secret no random request id can contain by chance: "abc" once matched one.)
	call(t, "POST", proxy.URL+"/v4/serviceAccounts", `{"username":"x","email":"x@y.z","token":"SECRET-xyz`)
	_, body := call(t, "GET", proxy.URL+"/__mock/journal", "")
	if strings.Contains(body, "SECRET") || !strings.Contains(body, "not a complete JSON document") {
		t.Errorf("journal of a truncated body: %s", body)
	}
}

func TestFaults(t *testing.T) {
	api, proxy := controlServers(t, 100)
	add := func(rule string) string {
		t.Helper()
		code, body := call(t, "POST", proxy.URL+"/__mock/faults", rule)
		if code != 201 {
			t.Fatalf("add %s: %d %s", rule, code, body)
		}
		return body
	}

	t.Run("status for the next N matches, in the route's shape", func(t *testing.T) {
		add(`{"match":{"method":"POST","route":"/v4/serviceAccounts"},"effect":{"status":503,"message":"try later"},"times":2}`)
		for i := 0; i < 2; i++ {
			code, body := call(t, "POST", proxy.URL+"/v4/serviceAccounts", `{"username":"retry-me","email":"r@x.io"}`)
			if code != 503 || body != `{"message":"try later","success":false}` {
				t.Fatalf("attempt %d: %d %s", i, code, body)
			}
		}
		if code, body := call(t, "POST", proxy.URL+"/v4/serviceAccounts", `{"username":"retry-me","email":"r@x.io"}`); code != 201 {
			t.Fatalf("third attempt: %d %s", code, body)
		}
		// The refused attempts changed nothing: the account exists once.
		_, list := call(t, "GET", proxy.URL+"/v4/serviceAccounts", "")
		if strings.Count(list, "retry-me") != 1 {
			t.Fatalf("accounts: %s", list)
		}
	})

	t.Run("public API routes get the public error shape", func(t *testing.T) {
		add(`{"match":{"route":"/api/users/v1/self"},"effect":{"status":429},"times":1}`)
		code, body := call(t, "GET", proxy.URL+"/api/users/v1/self", "")
		var e struct {
			RequestID string   `json:"requestId"`
			Errors    []string `json:"errors"`
		}
		if json.Unmarshal([]byte(body), &e); code != 429 || e.RequestID == "" || len(e.Errors) != 1 {
			t.Fatalf("%d %s", code, body)
		}
	})

	t.Run("by caller", func(t *testing.T) {
		add(`{"match":{"caller":"alice","pathPrefix":"/v4/users"},"effect":{"status":500},"times":1}`)
		if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "X-Domino-Api-Key", fixtures.DefaultAdminAPIKey); code != 200 {
			t.Fatalf("admin hit alice's fault: %d", code)
		}
		if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "X-Domino-Api-Key", fixtures.DefaultUserAPIKey); code != 500 {
			t.Fatalf("alice missed her fault: %d", code)
		}
	})

	t.Run("delay then serve", func(t *testing.T) {
		add(`{"match":{"route":"/version"},"effect":{"delay":"150ms"},"times":1}`)
		start := time.Now()
		code, _ := call(t, "GET", api.URL+"/version", "")
		if code != 200 || time.Since(start) < 150*time.Millisecond {
			t.Fatalf("delayed version: %d after %s", code, time.Since(start))
		}
	})

	t.Run("dropped connection", func(t *testing.T) {
		add(`{"match":{"route":"/v4/users/self"},"effect":{"drop":true},"times":1}`)
		// A fresh connection: on a reused one Go's client would silently retry the GET.
		client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := client.Get(proxy.URL + "/v4/users/self")
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped request answered: %d", resp.StatusCode)
		}
		if code, _ := call(t, "GET", proxy.URL+"/v4/users/self", ""); code != 200 {
			t.Fatalf("after the drop: %d", code)
		}
	})

	t.Run("probability 0<p<1 fires some of the time", func(t *testing.T) {
		add(`{"match":{"route":"/v4/auth/principal"},"effect":{"status":502},"probability":0.5}`)
		fired := 0
		for i := 0; i < 60; i++ {
			if code, _ := call(t, "GET", proxy.URL+"/v4/auth/principal", ""); code == 502 {
				fired++
			}
		}
		if fired == 0 || fired == 60 {
			t.Fatalf("fired %d of 60", fired)
		}
	})

	t.Run("list, fired counts, clear", func(t *testing.T) {
		_, body := call(t, "GET", proxy.URL+"/__mock/faults", "")
		var rules []FaultRule
		json.Unmarshal([]byte(body), &rules)
		if len(rules) != 6 || rules[0].Fired != 2 || rules[0].ID != "fault-1" {
			t.Fatalf("rules: %s", body)
		}
		call(t, "DELETE", proxy.URL+"/__mock/faults", "")
		_, body = call(t, "GET", proxy.URL+"/__mock/faults", "")
		if body != "[]" {
			t.Fatalf("after clear: %s", body)
		}
	})

	t.Run("bad rules are refused", func(t *testing.T) {
		for _, rule := range []string{
			`{"match":{},"effect":{}}`,
			`{"match":{},"effect":{"status":200}}`,
			`{"match":{},"effect":{"status":503,"drop":true}}`,
			`{"match":{"route":"/__mock/health"},"effect":{"status":503}}`,
			`{"match":{},"effect":{"delay":"-1s"}}`,
			`{"match":{},"effect":{"delay":"soon"}}`,
			`{"match":{},"effect":{"status":503},"probability":2}`,
			`{"match":{},"effect":{"status":503},"times":-1}`,
		} {
			if code, body := call(t, "POST", proxy.URL+"/__mock/faults", rule); code != 400 {
				t.Errorf("%s: %d %s", rule, code, body)
			}
		}
	})
}

func TestStateSnapshotRoundTrip(t *testing.T) {
	api, proxy := controlServers(t, 0)
	code, body := call(t, "POST", proxy.URL+"/v4/serviceAccounts", `{"username":"snap-sa","email":"snap@x.io"}`)
	if code != 201 {
		t.Fatal(code, body)
	}
	var sa struct{ IdpID string }
	json.Unmarshal([]byte(body), &sa)
	_, body = call(t, "POST", proxy.URL+"/v4/serviceAccounts/"+sa.IdpID+"/tokens", `{"name":"keep"}`)
	var tok struct{ Token string }
	json.Unmarshal([]byte(body), &tok)

	// Redacted by default, on both listeners; secrets only on the proxy.
	_, redacted := call(t, "GET", proxy.URL+"/__mock/state", "")
	if strings.Contains(redacted, tok.Token) || strings.Contains(redacted, fixtures.DefaultAdminAPIKey) || !strings.Contains(redacted, `"<redacted>"`) {
		t.Fatalf("default export shows secrets")
	}
	if code, _ := call(t, "GET", api.URL+"/__mock/state?secrets=true", "", "X-Domino-Api-Key", fixtures.DefaultAdminAPIKey); code != 403 {
		t.Fatalf("secrets on the API host: %d", code)
	}
	code, snapshot := call(t, "GET", proxy.URL+"/__mock/state?secrets=true", "")
	if code != 200 || !strings.Contains(snapshot, tok.Token) {
		t.Fatalf("export with secrets: %d", code)
	}

	// Change things, then return to the snapshot.
	call(t, "POST", proxy.URL+"/v4/serviceAccounts/"+sa.IdpID+"/tokens/keep/invalidate", "")
	call(t, "POST", proxy.URL+"/v4/serviceAccounts", `{"username":"after-snap","email":"after@x.io"}`)
	if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "Authorization", "Bearer "+tok.Token); code != 401 {
		t.Fatalf("invalidated token: %d", code)
	}
	if code, body := call(t, "PUT", proxy.URL+"/__mock/state", snapshot); code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "Authorization", "Bearer "+tok.Token); code != 200 {
		t.Fatalf("token after restoring the snapshot: %d", code)
	}
	_, list := call(t, "GET", proxy.URL+"/v4/serviceAccounts", "")
	if strings.Contains(list, "after-snap") || !strings.Contains(list, "snap-sa") {
		t.Fatalf("accounts after restore: %s", list)
	}

	// A redacted document imports, but its secrets are unusable.
	if code, body := call(t, "PUT", proxy.URL+"/__mock/state", redacted); code != 200 {
		t.Fatalf("import redacted: %d %s", code, body)
	}
	if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "Authorization", "Bearer "+tok.Token); code != 401 {
		t.Fatalf("token from a redacted import: %d", code)
	}
	if code, _ := call(t, "GET", api.URL+"/v4/users/self", "", "X-Domino-Api-Key", fixtures.DefaultAdminAPIKey); code != 401 {
		t.Fatalf("API key from a redacted import: %d", code)
	}

	// Inconsistent documents are refused whole.
	for _, doc := range []string{
		`{"version":99}`,
		`{"version":1,"jobLifecycle":{"mode":"immediate"},"users":[],"tokens":[{"jti":"a","name":"x","accountId":"nope"}]}`,
		`[1,2]`,
	} {
		if code, body := call(t, "PUT", proxy.URL+"/__mock/state", doc); code != 400 {
			t.Errorf("import %s: %d %s", doc, code, body)
		}
	}
}
