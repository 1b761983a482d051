package dominotest

import (
	"testing"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Project is a project as GET /v4/projects/{id} answers it.
type Project = store.Project

// ProjectOptions are what CreateProject may set besides the name; the zero
// value makes a Public project owned by the fixtures' admin.
type ProjectOptions struct {
	Owner         string // the owner's user name; "" is the admin
	Visibility    string // Private, Public or Searchable; "" is Public
	Description   string
	Tags          []string
	RepositoryURI string // a git-backed project's main repository (provider unknown, at HEAD)
}

// CreateProject makes a project, as an administrator would.
func (s *Server) CreateProject(t testing.TB, name string, o ProjectOptions) Project {
	t.Helper()
	p, err := s.CreateProjectE(name, o)
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
	return p
}

// CreateProjectE is CreateProject for code without a testing.TB.
func (s *Server) CreateProjectE(name string, o ProjectOptions) (Project, error) {
	admin, err := s.admin()
	if err != nil {
		return Project{}, err
	}
	in := store.ProjectInput{Name: name, OwnerUserName: o.Owner, Visibility: o.Visibility, Description: o.Description, TagNames: o.Tags}
	if o.RepositoryURI != "" {
		in.MainRepository = &store.RepositoryInput{URI: o.RepositoryURI}
	}
	return s.srv.Store().CreateProject(admin, in)
}

// ArchiveProject archives a project: no route finds it afterwards.
func (s *Server) ArchiveProject(t testing.TB, projectID string) {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		err = s.srv.Store().ArchiveProject(admin, projectID)
	}
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
}

// SetProjectEnvVar adds or replaces a project environment variable.
func (s *Server) SetProjectEnvVar(t testing.TB, projectID, name, value string) {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().SetProjectEnvVar(admin, projectID, &name, &value)
	}
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
}

// TagProject puts tags on a project, by name.
func (s *Server) TagProject(t testing.TB, projectID string, tags ...string) {
	t.Helper()
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().AddProjectTags(admin, projectID, tags)
	}
	if err != nil {
		t.Fatalf("dominotest: %v", err)
	}
}

func (s *Server) admin() (store.Caller, error) { return s.srv.Store().CallerByUserName("admin") }
