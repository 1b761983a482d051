package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Persistence of workspaces: every change survives a restart (from the
// log, then from the snapshot), the log says what it created and holds a new
// session alone, replay refuses what it cannot have written, a refused
// write is undone, and a state document's workspaces are checked.

// walWorkspaces is a store with a workspace of the administrator's that ran
// a session and was stopped, a second one running, and a manual lifecycle
// for new sessions.
func walWorkspaces(t *testing.T, s *Store, a Caller) map[string]string {
	w := walOK(s.CreateWorkspace(a, walProject, WorkspaceInput{Name: "first", Tools: []string{"vscode"}})).must(t)
	walOK(s.Workspace(a, walProject, w.ID)).must(t) // running
	walOK(s.StopWorkspaceSession(a, walProject, w.ID)).must(t)
	walOK(s.Workspace(a, walProject, w.ID)).must(t) // stopped
	walOK(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeClock, StartingFor: Duration(time.Minute)})).must(t)
	second := walOK(s.CreateWorkspace(a, walProject, WorkspaceInput{Name: "second"})).must(t)
	walOK(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModeManual})).must(t)
	return map[string]string{"first": w.ID, "second": second.ID, "session": second.MostRecentSession.ID}
}

func TestPersistWorkspaceChangesSurviveReopen(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  bool
		change func(t *testing.T, s *Store, a Caller, v map[string]string)
	}{
		{name: "create workspaces, run, stop and set the lifecycle", change: func(t *testing.T, s *Store, a Caller, _ map[string]string) {
			walWorkspaces(t, s, a)
		}},
		{name: "start a session", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.StartWorkspaceSession(a, walProject, v["first"], nil, nil)).must(t)
		}},
		{name: "a session moves on the clock", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.AdvanceClock(time.Minute)).must(t)
			if w := walOK(s.Workspace(a, walProject, v["second"])).must(t); w.State != WorkspaceStarted {
				t.Fatalf("state %s", w.State)
			}
		}},
		{name: "stop, advance and delete", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.StopWorkspaceSession(a, walProject, v["second"])).must(t)
			walOK(s.AdvanceWorkspace(v["second"])).must(t)
			walOK(s.DeleteWorkspace(a, walProject, v["second"])).must(t)
		}},
		{name: "rename and change", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.RenameWorkspace(a, walProject, v["first"], "renamed")).must(t)
			walOK(s.UpdateWorkspace(a, walProject, v["first"], WorkspaceInput{HardwareTierID: "medium-k8s", Tools: []string{"rstudio"}})).must(t)
		}},
		{name: "the default lifecycle again", setup: true, change: func(t *testing.T, s *Store, a Caller, v map[string]string) {
			walOK(s.SetWorkspaceLifecycle(DefaultWorkspaceLifecycle())).must(t)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			var v map[string]string
			if c.setup {
				v = walWorkspaces(t, s, a)
				s = walReopen(t, s, dir)
			}
			fresh := walJSON(t, s)
			c.change(t, s, a, v)
			if walJSON(t, s) == fresh {
				t.Fatal("the change changed nothing")
			}
			s = walReopen(t, s, dir)
			s = walReopen(t, s, dir)
			walClose(t, s)
		})
	}
}

// TestPersistSessionIsLoggedAlone: a new session's record holds that
// session, not its workspace or the sessions before it; the records say
// what they created.
func TestPersistSessionIsLoggedAlone(t *testing.T) {
	dir := t.TempDir()
	s := walOpen(t, dir)
	defer s.Close()
	a := walAdmin(t, s)
	created := func(t *testing.T) map[string][]string {
		var c map[string][]string
		if raw, ok := walLastRecord(t, dir)["created"]; ok {
			if err := json.Unmarshal(raw, &c); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	w := walOK(s.CreateWorkspace(a, walProject, WorkspaceInput{Name: "w"})).must(t)
	first := w.MostRecentSession.ID
	if got := created(t); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"workspaceSessions": {first}, "workspaces": {w.ID}}) {
		t.Errorf("create workspace: created %v", got)
	}
	var x WorkspaceSession
	for range 3 {
		walOK(s.StopWorkspaceSession(a, walProject, w.ID)).must(t)
		if got := created(t); len(got) != 0 {
			t.Errorf("stop says it created %v", got)
		}
		walOK(s.Workspace(a, walProject, w.ID)).must(t)
		x = walOK(s.StartWorkspaceSession(a, walProject, w.ID, nil, nil)).must(t)
	}
	rec := walLastRecord(t, dir)
	if _, ok := rec["workspaces"]; ok {
		t.Errorf("a new session logged its workspace: %s", rec["workspaces"])
	}
	var sessions []WorkspaceSessionRecord
	if err := json.Unmarshal(rec["workspaceSessions"], &sessions); err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].ID != x.ID || sessions[0].WorkspaceID != w.ID {
		t.Errorf("logged sessions %+v, want the new one alone", sessions)
	}
	if got := created(t); fmt.Sprint(got) != fmt.Sprint(map[string][]string{"workspaceSessions": {x.ID}}) {
		t.Errorf("start session: created %v", got)
	}
}

// TestPersistReplayRefusesWorkspaceRecords: records the mock cannot have
// written stop start-up with the log's line.
func TestPersistReplayRefusesWorkspaceRecords(t *testing.T) {
	for _, c := range []struct {
		name string
		rec  func(ex Snapshot) walRecord
		want string
	}{
		{"a workspace that exists, created again", func(ex Snapshot) walRecord {
			w := ex.Workspaces[0]
			w.Name = "impostor"
			return walRecord{Workspaces: []WorkspaceRecord{w}, Created: &createdIDs{Workspaces: []string{w.ID}}}
		}, "creates workspace"},
		{"a session that exists, created again", func(ex Snapshot) walRecord {
			x := ex.WorkspaceSessions[0]
			return walRecord{WorkspaceSessions: []WorkspaceSessionRecord{x}, Created: &createdIDs{WorkspaceSessions: []string{x.ID}}}
		}, "creates workspace session"},
		{"a session of a workspace that does not exist", func(ex Snapshot) walRecord {
			x := ex.WorkspaceSessions[0]
			x.ID, x.WorkspaceID = "64b7f0a1c2d3e4f5a6b7ddee", unknownID
			return walRecord{WorkspaceSessions: []WorkspaceSessionRecord{x}}
		}, "does not exist"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			walWorkspaces(t, s, walAdmin(t, s))
			ex := s.Export(true)
			seq := s.p.seq
			walClose(t, s)
			rec := c.rec(ex)
			rec.Seq = seq + 1
			walAppend(t, filepath.Join(dir, walFile), walLine(t, rec, nil))
			before := walDirFiles(t, dir)
			s, err := Open(walConfig(t), dir)
			if err == nil {
				s.Close()
				t.Fatal("Open replayed the record")
			}
			line := fmt.Sprintf("line %d", len(walLines(t, dir)))
			if !strings.Contains(err.Error(), line) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s and %q", err, line, c.want)
			}
			walSameFiles(t, "the refused Open", before, dir)
		})
	}
}

func TestPersistRefusedWorkspaceWriteIsUndone(t *testing.T) {
	ignore := func(_ any, err error) error { return err }
	for _, c := range []struct {
		name   string
		change func(s *Store, a Caller, v map[string]string) error
	}{
		{"create", func(s *Store, a Caller, _ map[string]string) error {
			return ignore(s.CreateWorkspace(a, walProject, WorkspaceInput{Name: "lost"}))
		}},
		{"start", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.StartWorkspaceSession(a, walProject, v["first"], nil, nil))
		}},
		{"stop", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.StopWorkspaceSession(a, walProject, v["second"]))
		}},
		{"delete", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.DeleteWorkspace(a, walProject, v["first"]))
		}},
		{"rename", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.RenameWorkspace(a, walProject, v["first"], "lost"))
		}},
		{"lifecycle", func(s *Store, a Caller, v map[string]string) error {
			return ignore(s.SetWorkspaceLifecycle(WorkspaceLifecycle{Mode: ModePolls, Polls: 9}))
		}},
		{"advance", func(s *Store, a Caller, v map[string]string) error { return ignore(s.AdvanceWorkspace(v["second"])) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			s := walOpen(t, dir)
			a := walAdmin(t, s)
			v := walWorkspaces(t, s, a)
			acked := walJSON(t, s)
			if err := s.p.log.Close(); err != nil {
				t.Fatal(err)
			}
			if err := c.change(s, a, v); KindOf(err) != KindUnavailable {
				t.Fatalf("err = %v, want KindUnavailable", err)
			}
			walSameState(t, "in memory after the refused change", acked, walJSON(t, s))
			s.Close()
			s = walOpen(t, dir)
			defer s.Close()
			walSameState(t, "after a restart", acked, walJSON(t, s))
		})
	}
}

// TestWorkspaceDocumentRules: a state document's workspaces and sessions
// name what the document holds, and are in states the routes can reach.
func TestWorkspaceDocumentRules(t *testing.T) {
	s := newStore(t)
	a := caller(t, s, "admin")
	v := walWorkspaces(t, s, a)
	must(s.StartWorkspaceSession(a, walProject, v["first"], nil, nil)).ok(t) // its second, held Queued
	base := s.Export(true)
	if len(base.Workspaces) != 2 || len(base.WorkspaceSessions) != 3 || base.WorkspaceLifecycle == nil {
		t.Fatalf("unexpected base state: %+v %+v", base.Workspaces, base.WorkspaceSessions)
	}
	// The document round-trips, and one without workspaces loads.
	if err := s.Import(base); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		snap func(*Snapshot)
		want string
	}{
		{"a workspace id that is not 24 hex", func(s *Snapshot) { s.Workspaces[0].ID = "ws" }, `workspaces[0].id "ws" must be 24 lower-case hex characters`},
		{"a workspace with a project's id", func(s *Snapshot) { s.Workspaces[0].ID = walProject }, `workspaces[0].id "` + walProject + `" is already projects[0].id`},
		{"a workspace of no project", func(s *Snapshot) { s.Workspaces[0].ProjectID = unknownID }, `workspaces[0].projectId "` + unknownID + `" is not a project`},
		{"a workspace of nobody", func(s *Snapshot) { s.Workspaces[1].OwnerID = unknownID }, `workspaces[1].ownerId "` + unknownID + `" is not a user`},
		{"a workspace without a name", func(s *Snapshot) { s.Workspaces[0].Name = "" }, `workspaces[0].name is required`},
		{"a workspace of no environment", func(s *Snapshot) { s.Workspaces[0].EnvironmentID = unknownID }, `workspaces[0].environmentId "` + unknownID + `" is not an environment`},
		{"a workspace of no tier", func(s *Snapshot) { s.Workspaces[0].HardwareTierID = "huge" }, `workspaces[0].hardwareTierId "huge" is not a hardware tier`},
		{"a workspace without tools", func(s *Snapshot) { s.Workspaces[0].Tools = nil }, `workspaces[0].tools: a workspace runs 1 to 16 tools`},
		{"a volume out of bounds", func(s *Snapshot) { s.Workspaces[0].VolumeSizeGiB = 1 }, `workspaces[0].volumeSizeGiB 1 is invalid: must be from 4 to 200 GiB`},
		{"deleted without a time", func(s *Snapshot) { s.Workspaces[0].Deleted = true }, `workspaces[0]: a deleted workspace has deletedAt, and only a deleted one`},
		{"a session of no workspace", func(s *Snapshot) { s.WorkspaceSessions[0].WorkspaceID = unknownID }, `workspaceSessions[0].workspaceId "` + unknownID + `" is not a workspace`},
		{"a session sharing its execution id", func(s *Snapshot) { s.WorkspaceSessions[1].ExecutionID = s.WorkspaceSessions[0].ExecutionID },
			`workspaceSessions[1].executionId "` + base.WorkspaceSessions[0].ExecutionID + `" is already workspaceSessions[0].executionId`},
		{"a session of no revision", func(s *Snapshot) { s.WorkspaceSessions[0].EnvironmentRevisionID = unknownID }, `workspaceSessions[0].environmentRevisionId "` + unknownID + `" is not an environment revision`},
		{"an unknown status", func(s *Snapshot) { s.WorkspaceSessions[0].Status = "Sleeping" }, `workspaceSessions[0].status "Sleeping" is invalid: must be one of Queued, Running, Stopping, Stopped, Failed, Error`},
		{"two live sessions", func(s *Snapshot) { s.WorkspaceSessions[0].Status = StatusRunning },
			`workspaceSessions[1]: workspace ` + v["first"] + `'s session ` + base.WorkspaceSessions[0].ID + ` has not stopped, so it can have no later one`},
		{"an invalid lifecycle", func(s *Snapshot) { s.WorkspaceLifecycle.Mode = "soon" }, `workspaceLifecycle: mode "soon" is invalid: must be immediate, clock, polls or manual`},
		{"a session's invalid lifecycle", func(s *Snapshot) { s.WorkspaceSessions[2].Lifecycle.Polls = -1 }, `workspaceSessions[2].lifecycle: polls must not be negative`},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := s.Export(true)
			c.snap(&snap)
			before := compactExport(t, s)
			err := s.Import(snap)
			wantKind(t, "import", err, KindInvalid)
			if err != nil && err.Error() != "state document: "+c.want {
				t.Errorf("import refused with\n  %q\nwant\n  %q", err, "state document: "+c.want)
			}
			if after := compactExport(t, s); after != before {
				t.Errorf("a refused import changed the state")
			}
		})
	}
	// An import keeps a session's progress and the lifecycle it started
	// under (the clock one, not the manual one in force now).
	second := must(s.Workspace(a, walProject, v["second"])).ok(t)
	if second.MostRecentSession.Status != StatusQueued {
		t.Fatalf("before the minute: %+v", second.MostRecentSession)
	}
	must(s.AdvanceClock(time.Minute)).ok(t)
	if got := must(s.Workspace(a, walProject, v["second"])).ok(t); got.State != WorkspaceStarted {
		t.Errorf("the imported session follows the clock lifecycle it started under: %s", got.State)
	}
	// A document without workspaces loads with none, and the default lifecycle.
	empty := s.Export(true)
	empty.Workspaces, empty.WorkspaceSessions, empty.WorkspaceLifecycle = nil, nil, nil
	if err := s.Import(empty); err != nil {
		t.Fatal(err)
	}
	if l := s.WorkspaceLifecycle(); l != DefaultWorkspaceLifecycle() {
		t.Errorf("lifecycle %+v", l)
	}
	if _, n := must2(s.Workspaces(a, walProject, WorkspaceQuery{Limit: 5})); n != 0 {
		t.Errorf("%d workspaces", n)
	}
}
