package dominotest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

// startJob starts a job in the fixtures' project as the admin, over HTTP.
func startJob(t *testing.T, srv *dominotest.Server) string {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.APIURL+"/v4/jobs/start",
		strings.NewReader(`{"projectId":"`+dominotest.ProjectID+`","commandToRun":"main.py"}`))
	req.Header.Set("X-Domino-Api-Key", srv.AdminAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var job struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil || resp.StatusCode != 200 {
		t.Fatalf("starting a job: %s %v", resp.Status, err)
	}
	return job.ID
}

// jobStatus reads a job's execution status over HTTP.
func jobStatus(t *testing.T, srv *dominotest.Server, id string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.APIURL+"/v4/jobs/"+id, nil)
	req.Header.Set("X-Domino-Api-Key", srv.AdminAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var job struct {
		Statuses struct{ ExecutionStatus string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&job); err != nil {
		t.Fatal(err)
	}
	return job.Statuses.ExecutionStatus
}

// A lifecycle's durations are time.Durations, and they are the mock
// clock's: Queued for QueuedFor, then Running for RunFor.
func TestJobLifecycleDurations(t *testing.T) {
	srv := dominotest.NewServer(t)
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{Mode: "clock", QueuedFor: time.Minute, RunFor: 10 * time.Minute})
	id := startJob(t, srv)
	for _, step := range []struct {
		advance time.Duration
		want    string
	}{{0, "Queued"}, {59 * time.Second, "Queued"}, {time.Second, "Running"}, {10*time.Minute - time.Second, "Running"}, {time.Second, "Succeeded"}} {
		srv.AdvanceClock(t, step.advance)
		if got := jobStatus(t, srv, id); got != step.want {
			t.Fatalf("after %v more: %s, want %s", step.advance, got, step.want)
		}
	}
	// The zero value is the default lifecycle.
	srv.SetJobLifecycle(t, dominotest.JobLifecycle{})
	if got := jobStatus(t, srv, startJob(t, srv)); got != "Succeeded" {
		t.Fatalf("under the zero lifecycle: %s", got)
	}
}

// Commits and projects carry time.Times of the mock's clock.
func TestTimes(t *testing.T) {
	srv := dominotest.NewServer(t)
	srv.AdvanceClock(t, 48*time.Hour)
	now := srv.Now()
	srv.UploadFile(t, "admin", "quick-start", "a.txt", []byte("a"))
	p := srv.CreateProject(t, "timed", dominotest.ProjectOptions{})
	for what, got := range map[string]time.Time{"commit": srv.Commits(t, dominotest.ProjectID)[0].Time, "project": p.Created} {
		if d := got.Sub(now.Truncate(time.Millisecond)); d < 0 || d > time.Minute { // kept to the millisecond, as Domino does
			t.Errorf("%s time %v, want the mock's now %v", what, got, now)
		}
	}
}
