package dominotest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// self is the status of GET /v4/users/self with a bearer token, and the
// user name it answers.
func self(t *testing.T, srv *dominotest.Server, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/users/self", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct{ UserName string }
	json.NewDecoder(resp.Body).Decode(&u)
	return resp.StatusCode, u.UserName
}

func TestTokenHelpers(t *testing.T) {
	srv := dominotest.NewServer(t, dominotest.WithTokenTTL(time.Hour))
	sa := srv.CreateServiceAccount(t, "ci-bot")
	tok := srv.CreateToken(t, sa.IdpID, "second")
	if tok.Name != "second" || !tok.IsValid || tok.ServiceAccountIdpID != sa.IdpID || tok.ExpiresAt.Sub(tok.CreatedAt) != time.Hour {
		t.Fatalf("token %+v", tok)
	}
	if code, name := self(t, srv, tok.Value); code != 200 || name != "ci-bot" {
		t.Fatalf("the second token: %d %q", code, name)
	}
	if _, err := srv.CreateTokenE(sa.IdpID, "second"); err == nil {
		t.Errorf("a second token of the same name was made")
	}

	srv.InvalidateToken(t, sa.IdpID, "second")
	if code, _ := self(t, srv, tok.Value); code != 401 {
		t.Errorf("an invalidated token: %d", code)
	}
	if code, _ := self(t, srv, sa.Token); code != 200 {
		t.Errorf("the first token after the second's invalidation: %d", code)
	}

	srv.DeactivateServiceAccount(t, sa.IdpID)
	if code, _ := self(t, srv, sa.Token); code != 401 {
		t.Errorf("a deactivated account's token: %d", code)
	}
	if _, err := srv.CreateTokenE(sa.IdpID, "third"); err == nil {
		t.Errorf("a deactivated account got a token")
	}
	srv.ActivateServiceAccount(t, sa.IdpID)
	if code, _ := self(t, srv, sa.Token); code != 401 {
		t.Errorf("a token invalidated by deactivation, after activation: %d", code)
	}
	// Under the strict profile a reactivated account's new tokens work.
	strict := dominotest.NewServer(t, dominotest.WithProfile("strict"))
	other := strict.CreateServiceAccount(t, "other")
	strict.DeactivateServiceAccount(t, other.IdpID)
	strict.ActivateServiceAccount(t, other.IdpID)
	if code, _ := self(t, strict, strict.CreateToken(t, other.IdpID, "after").Value); code != 200 {
		t.Errorf("a reactivated account's new token (strict): %d", code)
	}
	if err := srv.InvalidateTokenE(sa.IdpID, "no-such-token"); err == nil {
		t.Errorf("invalidated a token that does not exist")
	}
}

func TestAdvanceJob(t *testing.T) {
	srv := dominotest.NewServer(t)
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "manual", FinalStatus: "Failed"})
	id := startJob(t, srv)
	for _, want := range []string{"Queued", "Running", "Failed"} {
		if want != "Queued" {
			if got := srv.AdvanceJob(t, id); got != want {
				t.Fatalf("AdvanceJob: %s, want %s", got, want)
			}
		}
		if got := jobStatus(t, srv, id); got != want {
			t.Fatalf("read: %s, want %s", got, want)
		}
	}
	if _, err := srv.AdvanceJobE(id); err == nil {
		t.Errorf("a finished job advanced")
	}
	if _, err := srv.AdvanceJobE("000000000000000000000000"); err == nil {
		t.Errorf("a job that does not exist advanced")
	}
}

func TestFaultHelpers(t *testing.T) {
	srv := dominotest.NewServer(t)
	id := srv.AddFault(t, dominotest.Fault{Method: "POST", Route: "/v4/serviceAccounts", Status: 503, Message: "try again", Times: 2})
	create := func() int {
		resp, err := http.Post(srv.ProxyURL+"/v4/serviceAccounts", "application/json",
			strings.NewReader(`{"username":"flaky","email":"flaky@example.com"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, want := range []int{503, 503, 201} {
		if got := create(); got != want {
			t.Fatalf("creation %d: %d, want %d", i+1, got, want)
		}
	}
	faults := srv.Faults()
	if len(faults) != 1 || faults[0].ID != id || faults[0].Fired != 2 || faults[0].Status != 503 || faults[0].Route != "/v4/serviceAccounts" {
		t.Fatalf("faults %+v", faults)
	}
	srv.AddFault(t, dominotest.Fault{PathPrefix: "/v4/users", Delay: 10 * time.Millisecond})
	if got := srv.Faults(); len(got) != 2 || got[1].Delay != 10*time.Millisecond {
		t.Fatalf("faults %+v", got)
	}
	srv.ClearFaults()
	if got := srv.Faults(); len(got) != 0 {
		t.Fatalf("after ClearFaults: %+v", got)
	}
	for _, bad := range []dominotest.Fault{{}, {Status: 200}, {Delay: time.Hour}, {Route: "/__mock/reset", Status: 500}} {
		if _, err := srv.AddFaultE(bad); err == nil {
			t.Errorf("fault %+v was installed", bad)
		}
	}
}

func TestJournalHelpers(t *testing.T) {
	srv := dominotest.NewServer(t)
	sa := srv.CreateServiceAccount(t, "ci-bot")
	self(t, srv, sa.Token)
	self(t, srv, "not-a-token")
	resp, err := http.Post(srv.ProxyURL+"/v4/serviceAccounts/"+sa.IdpID+"/tokens", "application/json", strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	all := srv.Journal(dominotest.JournalFilter{})
	if len(all) != 3 {
		t.Fatalf("journal %+v", all)
	}
	first := all[0]
	if first.Seq != 1 || first.Method != "GET" || first.Path != "/v4/users/self" || first.Route != "/v4/users/self" ||
		first.Auth != "bearer" || first.Caller != "ci-bot" || first.Status != 200 || first.Listener != "api" ||
		first.Duration <= 0 || first.RequestID == "" || time.Since(first.Time) > time.Minute {
		t.Errorf("first entry %+v", first)
	}
	if refused := srv.Journal(dominotest.JournalFilter{Status: 401}); len(refused) != 1 || refused[0].Caller != "" {
		t.Errorf("refused %+v", refused)
	}
	tokens := srv.Journal(dominotest.JournalFilter{Route: "/v4/serviceAccounts/{idpId}/tokens"})
	if len(tokens) != 1 || tokens[0].Listener != "proxy" || tokens[0].Auth != "proxy" || string(tokens[0].Body) != `{"name":"x"}` {
		t.Errorf("token creations %+v", tokens)
	}
	if last := srv.Journal(dominotest.JournalFilter{Method: "get", Limit: 1}); len(last) != 1 || last[0].Seq != 2 {
		t.Errorf("the last GET %+v", last)
	}
	if got := srv.Journal(dominotest.JournalFilter{Route: "/v4/users/self", Limit: 1}); len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("the last self by route %+v", got)
	}
	srv.ClearJournal()
	if got := srv.Journal(dominotest.JournalFilter{}); len(got) != 0 {
		t.Errorf("after ClearJournal: %+v", got)
	}
}

func TestMetricHelpers(t *testing.T) {
	srv := dominotest.NewServer(t)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("UTC+1", 3600))
	srv.LogMetricValues(t, "m1", "accuracy",
		dominotest.MetricValue{Time: at.Add(2 * time.Minute), Value: 2},
		dominotest.MetricValue{Time: at, Value: 0, Tags: map[string]string{"b": "2", "a": "1"}},
		dominotest.MetricValue{Time: at.Add(time.Minute), Value: 1})
	got := srv.MetricValues(t, "m1", "accuracy", at, at.Add(time.Minute))
	if len(got) != 2 || !got[0].Time.Equal(at) || got[0].Time.Location() != time.UTC || got[0].Value != 0 ||
		got[0].Tags["a"] != "1" || got[0].Tags["b"] != "2" || got[1].Value != 1 || got[1].Tags != nil {
		t.Fatalf("read back %+v", got)
	}
	err := srv.LogMetricValuesE("m1", "a/b", dominotest.MetricValue{Time: at})
	if err == nil || !strings.HasPrefix(err.Error(), "dominotest: LogMetricValues: ") || !strings.Contains(err.Error(), `metric "a/b" is invalid`) {
		t.Errorf("a metric name with a slash: %v", err)
	}
	if _, err := srv.MetricValuesE("m1", "accuracy", at, at.Add(-time.Second)); err == nil || !strings.HasPrefix(err.Error(), "dominotest: MetricValues: ") {
		t.Errorf("a window that ends before it starts: %v", err)
	}
	if a := srv.MetricAlerts(); len(a) != 0 {
		t.Errorf("alerts nobody sent: %+v", a)
	}
}
