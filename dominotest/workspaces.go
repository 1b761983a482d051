package dominotest

import (
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Workspace is a workspace as the store shows it, with its most recent
// session (GET /v4/workspace/project/{projectId}/workspace/{id} shapes it).
type Workspace = store.Workspace

// WorkspaceLifecycle says how workspace sessions started afterwards move;
// see the README.
type WorkspaceLifecycle = store.WorkspaceLifecycle

// Duration is a lifecycle's duration, written as Go writes one ("90s").
type Duration = store.Duration

// CreateWorkspace makes a workspace in a project as the user or service
// account owner would (it must be allowed to launch there), with the
// project's default environment, hardware tier and tools, and starts its
// first session.
func (s *Server) CreateWorkspace(t testing.TB, owner, projectID, name string) Workspace {
	t.Helper()
	st := s.srv.Store()
	c, err := st.CallerByUserName(owner)
	if err == nil {
		var w Workspace
		if w, err = st.CreateWorkspace(c, projectID, store.WorkspaceInput{Name: name}); err == nil {
			return w
		}
	}
	t.Fatalf("dominotest: %v", err)
	return Workspace{}
}

// Workspace reads a workspace as an administrator: a status read, which
// moves its session on as the lifecycle it started under says.
func (s *Server) Workspace(t testing.TB, projectID, workspaceID string) Workspace {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		var w Workspace
		if w, err = s.srv.Store().Workspace(admin, projectID, workspaceID); err == nil {
			return w
		}
	}
	t.Fatalf("dominotest: %v", err)
	return Workspace{}
}

// StopWorkspace asks a workspace's session to stop, as an administrator.
func (s *Server) StopWorkspace(t testing.TB, projectID, workspaceID string) {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().StopWorkspaceSession(admin, projectID, workspaceID)
	}
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
}

// SetWorkspaceLifecycle changes how workspace sessions started from now on
// move (PUT /__mock/workspaces/lifecycle).
func (s *Server) SetWorkspaceLifecycle(l WorkspaceLifecycle) error {
	_, err := s.srv.Store().SetWorkspaceLifecycle(l)
	return err
}

// AdvanceWorkspace moves a workspace's session one stage on, whatever its
// lifecycle: Queued to Running, Stopping to Stopped.
func (s *Server) AdvanceWorkspace(t testing.TB, workspaceID string) Workspace {
	t.Helper()
	w, err := s.srv.Store().AdvanceWorkspace(workspaceID)
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
	return w
}
