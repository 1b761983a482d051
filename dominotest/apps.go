package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// App is an app (a model product of type APP) as GET /v4/modelProducts/{id}
// shows it.
type App struct {
	ID        string
	ProjectID string
	Name      string
	// Status is the latest instance's: "Pending", "Running", "Stopped" or
	// "Failed"; "Stopped" before the first start.
	Status string
	// InstanceID is the latest instance's id, "" before the first start.
	InstanceID string
	Created    time.Time
}

func appOf(a store.App) App {
	return App{ID: a.ID, ProjectID: a.ProjectID, Name: a.Name, Status: a.Status, InstanceID: a.InstanceID, Created: a.Created.UTC()}
}

// CreateApp makes an app in a project, as an administrator would; it is
// "Stopped" until StartApp publishes it. A project's apps have distinct
// names.
func (s *Server) CreateApp(t testing.TB, projectID, name string) App {
	t.Helper()
	v, err := s.CreateAppE(projectID, name)
	check(t, err)
	return v
}

// CreateAppE is CreateApp returning its error.
func (s *Server) CreateAppE(projectID, name string) (App, error) {
	admin, err := s.admin()
	if err != nil {
		return App{}, fail("CreateApp", err)
	}
	a, err := s.srv.Store().CreateApp(admin, store.AppInput{ProjectID: projectID, Name: name})
	if err != nil {
		return App{}, fail("CreateApp", err)
	}
	return appOf(a), nil
}

// StartApp publishes an app: a new instance, "Pending", which then moves
// under the job lifecycle (SetJobLifecycle) as a job does, to "Running"
// (or, with a FinalStatus of "Failed" or "Error", on to "Failed").
func (s *Server) StartApp(t testing.TB, appID string) App {
	t.Helper()
	v, err := s.StartAppE(appID)
	check(t, err)
	return v
}

// StartAppE is StartApp returning its error: no such app, or it is
// already pending or running.
func (s *Server) StartAppE(appID string) (App, error) {
	admin, err := s.admin()
	if err != nil {
		return App{}, fail("StartApp", err)
	}
	a, err := s.srv.Store().StartApp(admin, appID, store.AppStart{})
	if err != nil {
		return App{}, fail("StartApp", err)
	}
	return appOf(a), nil
}

// StopApp stops an app's instance; an app that is not running stays as it is.
func (s *Server) StopApp(t testing.TB, appID string) App {
	t.Helper()
	v, err := s.StopAppE(appID)
	check(t, err)
	return v
}

// StopAppE is StopApp returning its error.
func (s *Server) StopAppE(appID string) (App, error) {
	admin, err := s.admin()
	if err != nil {
		return App{}, fail("StopApp", err)
	}
	a, err := s.srv.Store().StopApp(admin, appID)
	if err != nil {
		return App{}, fail("StopApp", err)
	}
	return appOf(a), nil
}

// AdvanceApp moves an app's instance one stage on, Pending to Running (to
// Failed after that under a failing lifecycle), whatever the lifecycle's
// mode, and returns its status after the move.
func (s *Server) AdvanceApp(t testing.TB, appID string) (status string) {
	t.Helper()
	v, err := s.AdvanceAppE(appID)
	check(t, err)
	return v
}

// AdvanceAppE is AdvanceApp returning its error: no such app, it is not
// pending or running, or it runs until stopped.
func (s *Server) AdvanceAppE(appID string) (status string, err error) {
	a, err := s.srv.Store().AdvanceApp(appID)
	if err != nil {
		return "", fail("AdvanceApp", err)
	}
	return a.Status, nil
}
