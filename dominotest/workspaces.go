package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Workspace is a workspace and its most recent session: the fields of
// GET /v4/workspace/project/{projectId}/workspace/{id} that tests check.
type Workspace struct {
	ID        string
	ProjectID string
	Name      string
	OwnerName string // the username of its owner
	// State is the spec's WorkspaceState: "Initializing" (a first session
	// starting), "Starting", "Started", "Stopping", "Stopped" or "Deleted".
	State   string
	Deleted bool
	Created time.Time
	// EnvironmentID and HardwareTierID are what its next session runs with.
	EnvironmentID  string
	HardwareTierID string
	Tools          []string
	// Session is its most recent session's status ("Queued", "Running",
	// "Stopping", "Stopped", "Failed" or "Error"); "" before any.
	Session string
	// RunTime is the time its sessions ran, all together.
	RunTime time.Duration
}

func workspaceOf(w store.Workspace) Workspace {
	out := Workspace{ID: w.ID, ProjectID: w.ProjectID, Name: w.Name, OwnerName: w.OwnerName, State: w.State,
		Deleted: w.Deleted, Created: w.Created.UTC(), EnvironmentID: w.Config.EnvironmentID,
		HardwareTierID: w.Config.HardwareTierID, Tools: append([]string(nil), w.Config.Tools...), RunTime: w.RunTime}
	if x := w.MostRecentSession; x != nil {
		out.Session = x.Status
	}
	return out
}

// WorkspaceLifecycle says how workspace sessions started afterwards move
// (PUT /__mock/workspaces/lifecycle): Mode "immediate" ("" too): running,
// and stopped, at the next read; "clock": starting for StartingFor and
// stopping for StoppingFor on the mock clock; "polls": running at the
// Polls-th read; "manual": held at each stage until AdvanceWorkspace.
type WorkspaceLifecycle struct {
	Mode        string
	StartingFor time.Duration // mode "clock"
	StoppingFor time.Duration // mode "clock"
	Polls       int           // mode "polls"; 0 is 1
	// StartStatus is what a session becomes once started: "Running" ("" too),
	// "Failed" or "Error".
	StartStatus string
}

// CreateWorkspace makes a workspace in a project as the user or service
// account owner would (it must be allowed to launch there), with the
// project's default environment, hardware tier and tools, and starts its
// first session.
func (s *Server) CreateWorkspace(t testing.TB, owner, projectID, name string) Workspace {
	t.Helper()
	w, err := s.CreateWorkspaceE(owner, projectID, name)
	check(t, err)
	return w
}

// CreateWorkspaceE is CreateWorkspace returning its error.
func (s *Server) CreateWorkspaceE(owner, projectID, name string) (Workspace, error) {
	st := s.srv.Store()
	c, err := st.CallerByUserName(owner)
	if err != nil {
		return Workspace{}, fail("CreateWorkspace", err)
	}
	w, err := st.CreateWorkspace(c, projectID, store.WorkspaceInput{Name: name})
	if err != nil {
		return Workspace{}, fail("CreateWorkspace", err)
	}
	return workspaceOf(w), nil
}

// Workspace reads a workspace as an administrator: a status read, which
// moves its session on as the lifecycle it started under says.
func (s *Server) Workspace(t testing.TB, projectID, workspaceID string) Workspace {
	t.Helper()
	w, err := s.WorkspaceE(projectID, workspaceID)
	check(t, err)
	return w
}

// WorkspaceE is Workspace returning its error.
func (s *Server) WorkspaceE(projectID, workspaceID string) (Workspace, error) {
	admin, err := s.admin()
	if err != nil {
		return Workspace{}, fail("Workspace", err)
	}
	w, err := s.srv.Store().Workspace(admin, projectID, workspaceID)
	if err != nil {
		return Workspace{}, fail("Workspace", err)
	}
	return workspaceOf(w), nil
}

// StopWorkspace asks a workspace's session to stop, as an administrator.
func (s *Server) StopWorkspace(t testing.TB, projectID, workspaceID string) {
	t.Helper()
	check(t, s.StopWorkspaceE(projectID, workspaceID))
}

// StopWorkspaceE is StopWorkspace returning its error.
func (s *Server) StopWorkspaceE(projectID, workspaceID string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().StopWorkspaceSession(admin, projectID, workspaceID)
	}
	return fail("StopWorkspace", err)
}

// SetWorkspaceLifecycle changes how workspace sessions started from now on
// move (PUT /__mock/workspaces/lifecycle).
func (s *Server) SetWorkspaceLifecycle(t testing.TB, l WorkspaceLifecycle) {
	t.Helper()
	check(t, s.SetWorkspaceLifecycleE(l))
}

// SetWorkspaceLifecycleE is SetWorkspaceLifecycle returning its error.
func (s *Server) SetWorkspaceLifecycleE(l WorkspaceLifecycle) error {
	if l.Mode == "" {
		l.Mode = store.ModeImmediate
	}
	_, err := s.srv.Store().SetWorkspaceLifecycle(store.WorkspaceLifecycle{Mode: l.Mode,
		StartingFor: store.Duration(l.StartingFor), StoppingFor: store.Duration(l.StoppingFor), Polls: l.Polls,
		StartStatus: l.StartStatus})
	return fail("SetWorkspaceLifecycle", err)
}

// AdvanceWorkspace moves a workspace's session one stage on, whatever its
// lifecycle: Queued to Running, Stopping to Stopped.
func (s *Server) AdvanceWorkspace(t testing.TB, workspaceID string) Workspace {
	t.Helper()
	w, err := s.AdvanceWorkspaceE(workspaceID)
	check(t, err)
	return w
}

// AdvanceWorkspaceE is AdvanceWorkspace returning its error.
func (s *Server) AdvanceWorkspaceE(workspaceID string) (Workspace, error) {
	w, err := s.srv.Store().AdvanceWorkspace(workspaceID)
	if err != nil {
		return Workspace{}, fail("AdvanceWorkspace", err)
	}
	return workspaceOf(w), nil
}
