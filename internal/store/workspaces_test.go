package store

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// newWorkspace is a workspace created with the project's defaults.
func newWorkspace(t *testing.T, s *Store, c Caller, projectID, name string) Workspace {
	t.Helper()
	return must(s.CreateWorkspace(c, projectID, WorkspaceInput{Name: name})).ok(t)
}

func TestCreateWorkspacePermissions(t *testing.T) {
	s, callers := jobStore(t)
	archived := must(s.CreateProject(callers["bob"], ProjectInput{Name: "gone"})).ok(t)
	if err := s.ArchiveProject(callers["bob"], archived.ID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		who, project string
		want         Kind
	}{
		{"admin", bobLabID, 0}, // an administrator, not a member
		{"bob", bobLabID, 0},   // the project's owner
		{"carol", bobLabID, 0}, // Contributor
		{"Contributor", bobLabID, 0},
		{"Owner", bobLabID, 0},
		{"LauncherUser", bobLabID, KindForbidden},
		{"ResultsConsumer", bobLabID, KindForbidden},
		{"ProjectImporter", bobLabID, KindForbidden},
		{"alice", bobLabID, KindForbidden},   // not a member of a private project
		{"alice", openDataID, KindForbidden}, // a public project is readable, not hers to launch in
		{"bob", openDataID, 0},
		{"bob", archived.ID, KindNotFound}, // archived projects refuse new workspaces
		{"admin", unknownID, KindNotFound},
	}
	for _, tc := range cases {
		c := callers[tc.who]
		what := tc.who + " creates a workspace in " + tc.project
		w, err := s.CreateWorkspace(c, tc.project, WorkspaceInput{Name: "ide"})
		if tc.want != 0 {
			wantKind(t, what, err, tc.want)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if w.OwnerID != c.ID || w.OwnerName != c.UserName || w.ProjectID != tc.project || w.Name != "ide" || w.Deleted {
			t.Errorf("%s: %+v", what, w)
		}
		if x := w.MostRecentSession; x == nil || x.Status != StatusQueued || w.State != WorkspaceInitializing {
			t.Errorf("%s: a new workspace's first session is starting: %+v", what, w)
		}
	}
}

func TestWorkspaceDefaultsAndChoices(t *testing.T) {
	s, callers := jobStore(t)
	bob, admin := callers["bob"], callers["admin"]
	// The project's settings name the GPU environment, pinned to its
	// revision 2, the medium tier and 20 GiB.
	gpu := must(s.Environment(admin, gpuEnvID)).ok(t)
	second := must(s.EnvironmentRevision(admin, gpuEnvID, revisionIDOf(t, s, gpuEnvID, 2))).ok(t)
	env, tier, size := gpuEnvID, "medium-k8s", 20.0
	spec := fixtures.RevisionSpec{RevisionID: second.ID}
	must(s.UpdateProjectSettings(bob, bobLabID, SettingsInput{DefaultEnvironmentID: &env, DefaultHardwareTierID: &tier,
		DefaultVolumeSizeGiB: &size, DefaultEnvironmentRevisionSpec: &spec})).ok(t)

	w := newWorkspace(t, s, bob, bobLabID, "defaults")
	c := w.Config
	if c.EnvironmentID != gpuEnvID || c.EnvironmentName != gpu.Name || c.RevisionID != second.ID || c.RevisionNumber != 2 ||
		c.RevisionType != "Pinned" || c.HardwareTierID != "medium-k8s" || c.HardwareTierName != "Medium" || w.VolumeSizeGiB != 20 {
		t.Errorf("the project's defaults: %+v, %v GiB", c, w.VolumeSizeGiB)
	}
	if !slices.Equal(c.Tools, []string{"jupyter"}) || w.MostRecentSession.Config.RevisionID != second.ID {
		t.Errorf("the first tool of the revision, and the session runs what the workspace says: %+v / %+v", c, w.MostRecentSession.Config)
	}

	// Given values win; another environment takes its active revision.
	latest, volume := fixtures.RevisionSpec{Named: "LatestRevision"}, 50.0
	w = must(s.CreateWorkspace(bob, bobLabID, WorkspaceInput{Name: "chosen", EnvironmentID: defEnvID, HardwareTierID: "Small",
		Tools: []string{"vscode", "rstudio", "vscode"}, VolumeSizeGiB: &volume})).ok(t)
	if c := w.Config; c.EnvironmentID != defEnvID || c.RevisionType != "Active" || c.HardwareTierID != "small-k8s" ||
		!slices.Equal(c.Tools, []string{"vscode", "rstudio"}) || w.VolumeSizeGiB != 50 {
		t.Errorf("chosen: %+v, %v GiB", c, w.VolumeSizeGiB)
	}
	w = must(s.CreateWorkspace(bob, bobLabID, WorkspaceInput{Name: "latest", RevisionSpec: &latest})).ok(t)
	if c := w.Config; c.EnvironmentID != gpuEnvID || c.RevisionNumber != 3 || c.RevisionType != "Latest" {
		t.Errorf("latest: %+v", c)
	}

	private := must(s.CreateEnvironment(callers["alice"], EnvironmentInput{Name: "alices", Visibility: "Private",
		Revision: RevisionDefinition{Image: "x"}})).ok(t)
	tooBig, tooSmall := 201.0, 3.0
	restricted := fixtures.RevisionSpec{Named: "RestrictedRevision"}
	other := fixtures.RevisionSpec{RevisionID: revisionIDOf(t, s, defEnvID, 1)}
	for _, tc := range []struct {
		what string
		in   WorkspaceInput
		want string
	}{
		{"no name", WorkspaceInput{}, "name is required"},
		{"a name with a control character", WorkspaceInput{Name: "a\nb"}, "name"},
		{"another user's private environment", WorkspaceInput{Name: "x", EnvironmentID: private.ID}, "not an environment this project may use"},
		{"an unknown environment", WorkspaceInput{Name: "x", EnvironmentID: unknownID}, "not an environment this project may use"},
		{"an unknown tier", WorkspaceInput{Name: "x", HardwareTierID: "huge"}, "hardwareTierId"},
		{"an unknown tool", WorkspaceInput{Name: "x", Tools: []string{"emacs"}}, `tools[0] "emacs"`},
		{"too big a volume", WorkspaceInput{Name: "x", VolumeSizeGiB: &tooBig}, "overrideVolumeSizeGiB"},
		{"too small a volume", WorkspaceInput{Name: "x", VolumeSizeGiB: &tooSmall}, "overrideVolumeSizeGiB"},
		{"no restricted revision", WorkspaceInput{Name: "x", RevisionSpec: &restricted}, "no restricted revision"},
		{"another environment's revision", WorkspaceInput{Name: "x", RevisionSpec: &other}, "not a revision of environment"},
		{"an external volume", WorkspaceInput{Name: "x", ExternalVolumeMounts: []string{unknownID}}, "externalVolumeMounts"},
		{"a NetApp volume", WorkspaceInput{Name: "x", NetAppVolumeIDs: []string{"v"}}, "netAppVolumeIds"},
	} {
		_, err := s.CreateWorkspace(bob, bobLabID, tc.in)
		wantKind(t, tc.what, err, KindInvalid)
		wantErrContains(t, tc.what, err, tc.want)
	}
	// The environment's owner may use it in a project of hers: the rule is the jobs'.
	alicesProject := must(s.CreateProject(callers["alice"], ProjectInput{Name: "alices"})).ok(t)
	must(s.CreateWorkspace(callers["alice"], alicesProject.ID, WorkspaceInput{Name: "x", EnvironmentID: private.ID})).ok(t)
	must(s.ArchiveEnvironment(callers["alice"], private.ID)).ok(t)
	_, err := s.CreateWorkspace(callers["alice"], alicesProject.ID, WorkspaceInput{Name: "y", EnvironmentID: private.ID})
	wantKind(t, "an archived environment", err, KindInvalid)
}

// revisionIDOf is the id of an environment's revision number n.
func revisionIDOf(t *testing.T, s *Store, envID string, n int) string {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.environments[envID].revisions[n-1].id
}

func TestWorkspaceTools(t *testing.T) {
	s, callers := jobStore(t)
	bob, admin := callers["bob"], callers["admin"]
	names := func(tools []WorkspaceTool) []string {
		var out []string
		for _, t := range tools {
			out = append(out, t.Name)
		}
		return out
	}
	standard := []string{"jupyter", "jupyterlab", "vscode", "rstudio"}
	if got := names(must(s.WorkspaceTools(bob, bobLabID, "")).ok(t)); !slices.Equal(got, standard) {
		t.Errorf("a revision that declares no tools offers the standard ones: %v", got)
	}
	must(s.CreateEnvironmentRevision(admin, gpuEnvID, RevisionDefinition{WorkspaceTools: []WorkspaceTool{
		{Name: "theia", Title: "Theia", StartScripts: []string{"run"}}}})).ok(t)
	if got := names(must(s.WorkspaceTools(bob, bobLabID, gpuEnvID)).ok(t)); !slices.Equal(got, []string{"theia"}) {
		t.Errorf("the active revision's tools: %v", got)
	}
	w := must(s.CreateWorkspace(bob, bobLabID, WorkspaceInput{Name: "t", EnvironmentID: gpuEnvID})).ok(t)
	if !slices.Equal(w.Config.Tools, []string{"theia"}) {
		t.Errorf("tools %v", w.Config.Tools)
	}
	_, err := s.CreateWorkspace(bob, bobLabID, WorkspaceInput{Name: "t", EnvironmentID: gpuEnvID, Tools: []string{"jupyter"}})
	wantErrContains(t, "a tool the revision does not offer", err, "theia")
	_, err = s.WorkspaceTools(bob, bobLabID, unknownID)
	wantKind(t, "an unknown environment", err, KindNotFound)
	_, err = s.WorkspaceTools(callers["alice"], bobLabID, "")
	wantKind(t, "a project alice may not read", err, KindForbidden)
}

func TestWorkspaceSessionLifecycles(t *testing.T) {
	start := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		lifecycle WorkspaceLifecycle
		// run moves the session from Queued to Running, stop from
		// Stopping to Stopped; each says what it does.
		run, stop func(t *testing.T, s *Store, c Caller, w Workspace)
	}{
		{"immediate", WorkspaceLifecycle{Mode: ModeImmediate},
			func(t *testing.T, s *Store, c Caller, w Workspace) { readWorkspace(t, s, c, w) },
			func(t *testing.T, s *Store, c Caller, w Workspace) { readWorkspace(t, s, c, w) }},
		{"clock", WorkspaceLifecycle{Mode: ModeClock, StartingFor: Duration(time.Minute), StoppingFor: Duration(10 * time.Second)},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				must(s.AdvanceClock(59 * time.Second)).ok(t)
				wantState(t, s, c, w, StatusQueued)
				must(s.AdvanceClock(time.Second)).ok(t)
			},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				must(s.AdvanceClock(9 * time.Second)).ok(t)
				wantState(t, s, c, w, StatusStopping)
				must(s.AdvanceClock(time.Second)).ok(t)
			}},
		{"polls", WorkspaceLifecycle{Mode: ModePolls, Polls: 3},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				// Lists do not count; the two reads before the third do.
				must2(s.Workspaces(c, w.ProjectID, WorkspaceQuery{Limit: 10}))
				wantState(t, s, c, w, StatusQueued)
				wantState(t, s, c, w, StatusQueued)
			},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				wantState(t, s, c, w, StatusStopping)
				must(s.WorkspaceSession(c, w.ProjectID, w.MostRecentSession.ID)).ok(t)
			}},
		{"manual", WorkspaceLifecycle{Mode: ModeManual},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				must(s.AdvanceClock(24 * time.Hour)).ok(t)
				wantState(t, s, c, w, StatusQueued)
				must(s.AdvanceWorkspace(w.ID)).ok(t)
			},
			func(t *testing.T, s *Store, c Caller, w Workspace) {
				wantState(t, s, c, w, StatusStopping)
				must(s.AdvanceWorkspace(w.ID)).ok(t)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStoreWith(t, Config{Clock: NewClock(func() time.Time { return start })})
			admin := caller(t, s, "admin")
			must(s.SetWorkspaceLifecycle(tc.lifecycle)).ok(t)
			w := newWorkspace(t, s, admin, defProjectID, "ide")
			if w.State != WorkspaceInitializing || w.MostRecentSession.Status != StatusQueued || !w.MostRecentSession.IsStoppable {
				t.Fatalf("created: %s / %+v", w.State, w.MostRecentSession)
			}
			tc.run(t, s, admin, w)
			got := wantState(t, s, admin, w, StatusRunning)
			if got.State != WorkspaceStarted || !got.MostRecentSession.IsRunning || got.MostRecentSession.IsCompleted || got.LastStart.IsZero() {
				t.Errorf("running: %s %+v", got.State, got.MostRecentSession)
			}
			x := must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t)
			if x.Status != StatusStopping || !x.IsCompleting || x.IsStoppable {
				t.Errorf("stop answers a stopping session: %+v", x)
			}
			tc.stop(t, s, admin, w)
			got = wantState(t, s, admin, w, StatusStopped)
			x = *got.MostRecentSession
			if got.State != WorkspaceStopped || !x.IsCompleted || !x.IsSuccessful || x.ExitStatus != StatusStopped || x.Ended.IsZero() {
				t.Errorf("stopped: %s %+v", got.State, x)
			}
			if got.RunTime != x.Ended.Sub(x.Running) || got.RunTime < 0 {
				t.Errorf("run time %s, session ran %s to %s", got.RunTime, x.Running, x.Ended)
			}
			// The next session is the workspace's second: it is Starting.
			next := must(s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)).ok(t)
			again := must(s.Workspace(admin, defProjectID, w.ID)).ok(t)
			if next.ID == x.ID || (again.State != WorkspaceStarting && again.State != WorkspaceStarted) {
				t.Errorf("second session %+v, state %s", next, again.State)
			}
		})
	}
}

func readWorkspace(t *testing.T, s *Store, c Caller, w Workspace) Workspace {
	t.Helper()
	return must(s.Workspace(c, w.ProjectID, w.ID)).ok(t)
}

// wantState reads a workspace (a status poll) and checks its session's status.
func wantState(t *testing.T, s *Store, c Caller, w Workspace, status string) Workspace {
	t.Helper()
	got := readWorkspace(t, s, c, w)
	if got.MostRecentSession == nil || got.MostRecentSession.Status != status {
		t.Fatalf("want the session %s: %s %+v", status, got.State, got.MostRecentSession)
	}
	return got
}

func TestWorkspaceSessionThatFailsToStart(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeImmediate, StartStatus: StatusFailed})).ok(t)
	w := newWorkspace(t, s, admin, defProjectID, "ide")
	got := readWorkspace(t, s, admin, w)
	x := got.MostRecentSession
	if got.State != WorkspaceStopped || x.Status != StatusFailed || !x.IsFailed || x.IsSuccessful || x.ExitStatus != StatusFailed || !x.Running.IsZero() {
		t.Errorf("failed to start: %s %+v", got.State, x)
	}
	// It has stopped: the workspace may be deleted, or started again.
	must(s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)).ok(t)
	for _, bad := range []WorkspaceLifecycle{{Mode: "later"}, {Mode: ModeClock, StartingFor: -1}, {Mode: ModePolls, Polls: -1}, {Mode: ModeManual, StartStatus: "Succeeded"}} {
		_, err := s.SetWorkspaceLifecycle(bad)
		wantKind(t, "lifecycle "+bad.Mode, err, KindInvalid)
	}
	if l := s.WorkspaceLifecycle(); l.StartStatus != StatusFailed || l.Polls != 1 {
		t.Errorf("refused lifecycles changed it: %+v", l)
	}
}

func TestWorkspaceRunsOneSessionAtATime(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeManual})).ok(t)
	w := newWorkspace(t, s, admin, defProjectID, "ide")
	for _, stage := range []string{StatusQueued, StatusRunning, StatusStopping} {
		_, err := s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)
		wantKind(t, "a second session while the first is "+stage, err, KindInvalid)
		wantErrContains(t, stage, err, stage)
		_, err = s.DeleteWorkspace(admin, defProjectID, w.ID)
		wantKind(t, "deleting while the session is "+stage, err, KindInvalid)
		switch stage {
		case StatusRunning:
			must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t)
		default:
			must(s.AdvanceWorkspace(w.ID)).ok(t)
		}
	}
	_, err := s.AdvanceWorkspace(w.ID)
	wantKind(t, "advancing a stopped session", err, KindInvalid)
	// Stopping again answers the stopped session as it is.
	if x := must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t); x.Status != StatusStopped {
		t.Errorf("stop again: %+v", x)
	}
	x := must(s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)).ok(t)
	_, err = s.AdvanceWorkspace(unknownID)
	wantKind(t, "advancing an unknown workspace", err, KindNotFound)
	must(s.AdvanceWorkspace(w.ID)).ok(t)
	_, err = s.AdvanceWorkspace(w.ID)
	wantErrContains(t, "advancing a running session", err, "until it is stopped")
	list := must(s.WorkspaceSessions(admin, defProjectID, w.ID, 0, 5)).ok(t)
	if len(list) != 2 || list[0].ID != x.ID || list[1].Status != StatusStopped {
		t.Errorf("sessions, newest first: %+v", list)
	}
	if l := must(s.WorkspaceSessions(admin, defProjectID, w.ID, 1, 5)).ok(t); len(l) != 1 || l[0].ID == x.ID {
		t.Errorf("offset 1: %+v", l)
	}
	_, err = s.StartWorkspaceSession(admin, defProjectID, w.ID, []string{unknownID}, nil)
	wantErrContains(t, "an external volume", err, "externalVolumeMounts")
}

func TestDeleteWorkspace(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	w := newWorkspace(t, s, admin, defProjectID, "ide")
	kept := newWorkspace(t, s, admin, defProjectID, "kept")
	readWorkspace(t, s, admin, w) // running now
	_, err := s.DeleteWorkspace(admin, defProjectID, w.ID)
	wantKind(t, "deleting a workspace with a running session", err, KindInvalid)
	must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t)
	// Deleting brings the stopping session up to date first (immediate).
	d := must(s.DeleteWorkspace(admin, defProjectID, w.ID)).ok(t)
	if !d.Deleted || d.State != WorkspaceDeleted || d.DeletedAt.IsZero() || !d.StateUpdatedAt.Equal(d.DeletedAt) {
		t.Errorf("deleted: %+v", d)
	}
	if again := must(s.DeleteWorkspace(admin, defProjectID, w.ID)).ok(t); !again.Deleted {
		t.Errorf("deleting again: %+v", again)
	}
	_, err = s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)
	wantErrContains(t, "starting a deleted workspace", err, "is deleted")
	_, err = s.RenameWorkspace(admin, defProjectID, w.ID, "new")
	wantKind(t, "renaming a deleted workspace", err, KindInvalid)
	if got := readWorkspace(t, s, admin, w); !got.Deleted {
		t.Errorf("a deleted workspace is still found, as deleted: %+v", got)
	}
	live, n := must2(s.Workspaces(admin, defProjectID, WorkspaceQuery{Limit: 10}))
	gone, m := must2(s.Workspaces(admin, defProjectID, WorkspaceQuery{Limit: 10, Deleted: true}))
	if n != 1 || len(live) != 1 || live[0].ID != kept.ID || m != 1 || gone[0].ID != w.ID {
		t.Errorf("provisioned %d %+v, deleted %d %+v", n, live, m, gone)
	}
	if c := must(s.WorkspaceCount(admin, defProjectID)).ok(t); c != 1 {
		t.Errorf("count %d", c)
	}
}

func must2[A any](a A, n int, err error) (A, int) {
	if err != nil {
		panic(err)
	}
	return a, n
}

func TestWorkspaceVisibility(t *testing.T) {
	s, callers := jobStore(t)
	must(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeManual})).ok(t)
	carols := newWorkspace(t, s, callers["carol"], bobLabID, "carol's")
	contributors := newWorkspace(t, s, callers["Contributor"], bobLabID, "the bot's")
	sees := map[string]bool{"carol": true, "bob": true, "Owner": true, "admin": true,
		"Contributor": false, "LauncherUser": false, "ResultsConsumer": false}
	for who, ok := range sees {
		c := callers[who]
		_, err := s.Workspace(c, bobLabID, carols.ID)
		list, n, lerr := s.Workspaces(c, bobLabID, WorkspaceQuery{Limit: 10})
		if lerr != nil {
			t.Errorf("%s lists: %v", who, lerr)
		}
		listed := slices.ContainsFunc(list, func(w Workspace) bool { return w.ID == carols.ID })
		if ok {
			if err != nil || !listed {
				t.Errorf("%s sees carol's workspace: %v, listed %v", who, err, listed)
			}
			continue
		}
		wantKind(t, who+" reads carol's workspace", err, KindForbidden)
		if listed || n != len(list) {
			t.Errorf("%s lists carol's workspace: %d %+v", who, n, list)
		}
	}
	if list, _ := must2(s.Workspaces(callers["Contributor"], bobLabID, WorkspaceQuery{Limit: 10})); len(list) != 1 || list[0].ID != contributors.ID {
		t.Errorf("the Contributor lists its own alone: %+v", list)
	}
	_, err := s.Workspace(callers["alice"], bobLabID, carols.ID)
	wantKind(t, "alice, not a member", err, KindForbidden)
	_, err = s.Workspace(callers["bob"], openDataID, carols.ID)
	wantKind(t, "carol's workspace through another project", err, KindNotFound)

	// Listing by owner: one's own, or as a manager.
	if l, _ := must2(s.Workspaces(callers["bob"], bobLabID, WorkspaceQuery{Limit: 10, OwnerID: carolID})); len(l) != 1 || l[0].ID != carols.ID {
		t.Errorf("bob lists carol's: %+v", l)
	}
	_, _, err = s.Workspaces(callers["Contributor"], bobLabID, WorkspaceQuery{Limit: 10, OwnerID: carolID})
	wantKind(t, "a Contributor lists carol's", err, KindForbidden)
	_, _, err = s.Workspaces(callers["bob"], bobLabID, WorkspaceQuery{Limit: 10, OwnerID: unknownID})
	wantKind(t, "an unknown owner", err, KindNotFound)

	// Only the owner starts and changes it; managers stop it.
	for _, who := range []string{"bob", "admin", "Owner"} {
		_, err := s.RenameWorkspace(callers[who], bobLabID, carols.ID, "mine now")
		wantKind(t, who+" renames carol's workspace", err, KindForbidden)
	}
	must(s.RenameWorkspace(callers["carol"], bobLabID, carols.ID, "renamed")).ok(t)
	_, err = s.StopWorkspaceSession(callers["Contributor"], bobLabID, carols.ID)
	wantKind(t, "another Contributor stops carol's", err, KindForbidden)
	must(s.StopWorkspaceSession(callers["admin"], bobLabID, carols.ID)).ok(t)
	must(s.AdvanceWorkspace(carols.ID)).ok(t)
	_, err = s.StartWorkspaceSession(callers["bob"], bobLabID, carols.ID, nil, nil)
	wantKind(t, "bob starts carol's workspace", err, KindForbidden)
	// A collaborator demoted to a role that may not launch may not start
	// her workspace again; she still sees it.
	must(s.AddCollaborator(callers["bob"], bobLabID, carolID, "ResultsConsumer")).ok(t)
	_, err = s.StartWorkspaceSession(callers["carol"], bobLabID, carols.ID, nil, nil)
	wantKind(t, "carol, now a ResultsConsumer, starts her workspace", err, KindForbidden)
	must(s.Workspace(callers["carol"], bobLabID, carols.ID)).ok(t)
	must(s.DeleteWorkspace(callers["bob"], bobLabID, carols.ID)).ok(t)
}

func TestUpdateWorkspace(t *testing.T) {
	s, callers := jobStore(t)
	carol := callers["carol"]
	must(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeManual})).ok(t)
	w := newWorkspace(t, s, carol, bobLabID, "ide")
	u := must(s.UpdateWorkspace(carol, bobLabID, w.ID, WorkspaceInput{Name: "gpu", EnvironmentID: gpuEnvID, HardwareTierID: "medium-k8s", Tools: []string{"rstudio"}})).ok(t)
	if c := u.Config; u.Name != "gpu" || c.EnvironmentID != gpuEnvID || c.RevisionNumber != 3 || c.HardwareTierID != "medium-k8s" || !slices.Equal(c.Tools, []string{"rstudio"}) {
		t.Errorf("updated: %+v", u)
	}
	if x := u.MostRecentSession; x.Config.EnvironmentID != defEnvID || x.Config.HardwareTierID != "small-k8s" {
		t.Errorf("the session that started keeps what it started with: %+v", x.Config)
	}
	// A field left out stays.
	u = must(s.UpdateWorkspace(carol, bobLabID, w.ID, WorkspaceInput{HardwareTierID: "small-k8s"})).ok(t)
	if u.Name != "gpu" || u.Config.EnvironmentID != gpuEnvID || !slices.Equal(u.Config.Tools, []string{"rstudio"}) {
		t.Errorf("kept: %+v", u)
	}
	size := 30.0
	_, err := s.UpdateWorkspace(carol, bobLabID, w.ID, WorkspaceInput{VolumeSizeGiB: &size})
	wantKind(t, "changing the volume", err, KindInvalid)
	_, err = s.UpdateWorkspace(carol, bobLabID, w.ID, WorkspaceInput{Tools: []string{"emacs"}})
	wantKind(t, "an unknown tool", err, KindInvalid)
	_, err = s.RenameWorkspace(carol, bobLabID, w.ID, " ")
	wantKind(t, "a blank title", err, KindInvalid)
	if got := readWorkspace(t, s, carol, w); got.Name != "gpu" || got.Config.HardwareTierID != "small-k8s" {
		t.Errorf("refused changes changed it: %+v", got)
	}
	must(s.StopWorkspaceSession(carol, bobLabID, w.ID)).ok(t)
	must(s.AdvanceWorkspace(w.ID)).ok(t)
	x := must(s.StartWorkspaceSession(carol, bobLabID, w.ID, nil, nil)).ok(t)
	if x.Config.EnvironmentID != gpuEnvID || !slices.Equal(x.Config.Tools, []string{"rstudio"}) {
		t.Errorf("the next session runs the new configuration: %+v", x.Config)
	}
}

func TestMyWorkspaces(t *testing.T) {
	s, callers := jobStore(t)
	carol, bob := callers["carol"], callers["bob"]
	clock := s.Clock()
	mk := func(project, name string) Workspace {
		clock.SetOffset(clock.Offset() + time.Minute)
		return newWorkspace(t, s, carol, project, name)
	}
	a := mk(bobLabID, "alpha")
	b := mk(bobLabID, "Beta")
	own := must(s.CreateProject(carol, ProjectInput{Name: "carols"})).ok(t)
	c := mk(own.ID, "gamma")
	newWorkspace(t, s, bob, bobLabID, "bob's") // not carol's
	ids := func(l []Workspace) []string {
		var out []string
		for _, w := range l {
			out = append(out, w.Name)
		}
		return out
	}
	for _, tc := range []struct {
		q    MyWorkspacesQuery
		want []string
	}{
		{MyWorkspacesQuery{Limit: 10}, []string{"gamma", "Beta", "alpha"}}, // last started first
		{MyWorkspacesQuery{Limit: 10, Ascending: true}, []string{"alpha", "Beta", "gamma"}},
		{MyWorkspacesQuery{Limit: 10, SortField: "Name", Ascending: true}, []string{"Beta", "alpha", "gamma"}},
		{MyWorkspacesQuery{Limit: 10, SortField: "ProjectName", Ascending: true}, []string{"alpha", "Beta", "gamma"}},
		{MyWorkspacesQuery{Limit: 10, Name: "A"}, []string{"gamma", "Beta", "alpha"}},
		{MyWorkspacesQuery{Limit: 10, Name: "et"}, []string{"Beta"}},
		{MyWorkspacesQuery{Offset: 1, Limit: 1}, []string{"Beta"}},
	} {
		list, n, err := s.MyWorkspaces(carol, tc.q)
		if err != nil || !slices.Equal(ids(list), tc.want) {
			t.Errorf("%+v: %v %v, want %v", tc.q, ids(list), err, tc.want)
		}
		if tc.q.Offset == 0 && n != len(tc.want) {
			t.Errorf("%+v: total %d", tc.q, n)
		}
	}
	_, _, err := s.MyWorkspaces(carol, MyWorkspacesQuery{SortField: "Size"})
	wantKind(t, "an unknown sort field", err, KindServerError)
	wantErrContains(t, "an unknown sort field", err, "No value found for 'Size'")
	// Deleted ones and those of archived projects are not listed.
	must(s.StopWorkspaceSession(carol, bobLabID, a.ID)).ok(t)
	must(s.DeleteWorkspace(carol, bobLabID, a.ID)).ok(t)
	if err := s.ArchiveProject(carol, own.ID); err != nil {
		t.Fatal(err)
	}
	if list, n, _ := s.MyWorkspaces(carol, MyWorkspacesQuery{Limit: 10}); n != 1 || list[0].ID != b.ID {
		t.Errorf("after deleting alpha and archiving gamma's project: %v", ids(list))
	}
	_, err = s.Workspace(carol, own.ID, c.ID)
	wantKind(t, "a workspace of an archived project", err, KindNotFound)
}

func TestWorkspaceBounds(t *testing.T) {
	s := newStoreWith(t, Config{Limits: Limits{WorkspacesPerProject: 2, SessionsPerProject: 3}})
	admin := caller(t, s, "admin")
	w := newWorkspace(t, s, admin, defProjectID, "one")
	newWorkspace(t, s, admin, defProjectID, "two")
	_, err := s.CreateWorkspace(admin, defProjectID, WorkspaceInput{Name: "three"})
	wantErrContains(t, "a third workspace", err, "already holds 2 workspaces")
	must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t)
	must(s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)).ok(t)
	must(s.StopWorkspaceSession(admin, defProjectID, w.ID)).ok(t)
	_, err = s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil)
	wantErrContains(t, "a fourth session", err, "already hold 3 sessions")
	_, err = s.CreateWorkspace(admin, defProjectID, WorkspaceInput{Name: strings.Repeat("x", 257)})
	wantKind(t, "a long name", err, KindInvalid)
	tools := make([]string, maxWorkspaceTools+1)
	_, err = s.UpdateWorkspace(admin, defProjectID, w.ID, WorkspaceInput{Tools: tools})
	wantErrContains(t, "too many tools", err, "more than the")
}

// TestRaceOneSessionAtATime: callers that start, stop, poll and delete one
// workspace at once never leave it two live sessions, and the polls mode
// counts every read.
func TestRaceOneSessionAtATime(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	must(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModePolls, Polls: 2})).ok(t)
	w := newWorkspace(t, s, admin, defProjectID, "contended")
	var started atomic.Int64
	together(64, func(i int) {
		switch i % 4 {
		case 0:
			if _, err := s.StartWorkspaceSession(admin, defProjectID, w.ID, nil, nil); err == nil {
				started.Add(1)
			}
		case 1:
			s.StopWorkspaceSession(admin, defProjectID, w.ID)
		case 2:
			s.Workspace(admin, defProjectID, w.ID)
		default:
			s.Workspaces(admin, defProjectID, WorkspaceQuery{Limit: 5})
			s.DeleteWorkspace(admin, defProjectID, w.ID)
		}
	})
	s.mu.RLock()
	defer s.mu.RUnlock()
	ws := s.st.ws.byID[w.ID]
	if len(ws.sessions) != int(started.Load())+1 {
		t.Errorf("%d sessions, %d starts succeeded", len(ws.sessions), started.Load())
	}
	for i, x := range ws.sessions[:len(ws.sessions)-1] {
		if !x.completed() {
			t.Errorf("session %d of %d is %s, but a later one started", i, len(ws.sessions), x.status)
		}
	}
	if ws.deleted && ws.live() != nil {
		t.Errorf("deleted with a live session")
	}
}
