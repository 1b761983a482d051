package dominotest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/dominotest"
)

func TestWorkspaceHelpers(t *testing.T) {
	srv := dominotest.NewServer(t)
	sa := srv.CreateServiceAccount(t, "ide-bot")
	const project = dominotest.ProjectID
	srv.AddCollaborator(t, project, sa.ID, "Contributor")
	srv.SetWorkspaceLifecycle(t, dominotest.WorkspaceLifecycle{Mode: "clock", StartingFor: time.Minute})
	w := srv.CreateWorkspace(t, "ide-bot", project, "notebook")
	if w.OwnerName != "ide-bot" || w.State != "Initializing" {
		t.Fatalf("created %+v", w)
	}
	// The account's IDE client follows it over HTTP, on the mock's clock.
	state := func() string {
		req, _ := http.NewRequest("GET", srv.APIURL+"/v4/workspace/project/"+project+"/workspace/"+w.ID, nil)
		req.Header.Set("Authorization", "Bearer "+sa.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct{ State string }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d: %v", resp.StatusCode, err)
		}
		return out.State
	}
	if got := state(); got != "Initializing" {
		t.Errorf("before a minute: %s", got)
	}
	srv.AdvanceClock(t, time.Minute)
	if got := state(); got != "Started" {
		t.Errorf("after a minute: %s", got)
	}
	// Its stop takes no time (stoppingFor 0): the next read sees it stopped.
	srv.StopWorkspace(t, project, w.ID)
	if got := srv.Workspace(t, project, w.ID); got.State != "Stopped" {
		t.Errorf("stopped: %s", got.State)
	}
	// Held at each stage until advanced.
	srv.SetWorkspaceLifecycle(t, dominotest.WorkspaceLifecycle{Mode: "manual"})
	held := srv.CreateWorkspace(t, "admin", project, "held")
	if got := srv.Workspace(t, project, held.ID); got.State != "Initializing" {
		t.Errorf("held: %s", got.State)
	}
	if got := srv.AdvanceWorkspace(t, held.ID); got.State != "Started" {
		t.Errorf("advanced: %s", got.State)
	}
}
