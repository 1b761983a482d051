package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Project is a project as CreateProject made it: the fields of
// GET /v4/projects/{id} that tests check.
type Project struct {
	ID            string
	Name          string
	OwnerID       string // the owner's user id
	OwnerUsername string
	Description   string
	Visibility    string // "Private", "Public" or "Searchable"
	Created       time.Time
	// MainRepository is a git-backed project's repository; nil for a
	// project that keeps its files in Domino.
	MainRepository *Repository
	Collaborators  []Collaborator
	Tags           []Tag
}

// Repository is a project's main git repository.
type Repository struct {
	ID              string
	URI             string
	ServiceProvider string // "github", "gitlab", … or "unknown"
}

// Collaborator is a user or service account working on a project, and its role.
type Collaborator struct {
	CollaboratorID string // the user's id
	ProjectRole    string // e.g. "Contributor", "ResultsConsumer"
}

// Tag is a project's tag.
type Tag struct {
	ID   string
	Name string
}

func projectOf(p store.Project) Project {
	out := Project{ID: p.ID, Name: p.Name, OwnerID: p.OwnerID, OwnerUsername: p.OwnerUsername, Description: p.Description,
		Visibility: p.Visibility, Created: time.Time(p.Created).UTC()}
	if r := p.MainRepository; r != nil {
		out.MainRepository = &Repository{ID: r.ID, URI: r.URI, ServiceProvider: r.ServiceProvider}
	}
	for _, c := range p.Collaborators {
		out.Collaborators = append(out.Collaborators, Collaborator{CollaboratorID: c.CollaboratorID, ProjectRole: c.ProjectRole})
	}
	for _, t := range p.Tags {
		out.Tags = append(out.Tags, Tag{ID: t.ID, Name: t.Name})
	}
	return out
}

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
	v, err := s.CreateProjectE(name, o)
	check(t, err)
	return v
}

// CreateProjectE is CreateProject returning its error.
func (s *Server) CreateProjectE(name string, o ProjectOptions) (Project, error) {
	admin, err := s.admin()
	if err != nil {
		return Project{}, fail("CreateProject", err)
	}
	in := store.ProjectInput{Name: name, OwnerUserName: o.Owner, Visibility: o.Visibility, Description: o.Description, TagNames: o.Tags}
	if o.RepositoryURI != "" {
		in.MainRepository = &store.RepositoryInput{URI: o.RepositoryURI}
	}
	p, err := s.srv.Store().CreateProject(admin, in)
	if err != nil {
		return Project{}, fail("CreateProject", err)
	}
	return projectOf(p), nil
}

// ArchiveProject archives a project: no route finds it afterwards.
func (s *Server) ArchiveProject(t testing.TB, projectID string) {
	t.Helper()
	check(t, s.ArchiveProjectE(projectID))
}

// ArchiveProjectE is ArchiveProject returning its error.
func (s *Server) ArchiveProjectE(projectID string) error {
	admin, err := s.admin()
	if err == nil {
		err = s.srv.Store().ArchiveProject(admin, projectID)
	}
	return fail("ArchiveProject", err)
}

// SetProjectEnvVar adds or replaces a project environment variable.
func (s *Server) SetProjectEnvVar(t testing.TB, projectID, name, value string) {
	t.Helper()
	check(t, s.SetProjectEnvVarE(projectID, name, value))
}

// SetProjectEnvVarE is SetProjectEnvVar returning its error.
func (s *Server) SetProjectEnvVarE(projectID, name, value string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().SetProjectEnvVar(admin, projectID, &name, &value)
	}
	return fail("SetProjectEnvVar", err)
}

// TagProject puts tags on a project, by name.
func (s *Server) TagProject(t testing.TB, projectID string, tags ...string) {
	t.Helper()
	check(t, s.TagProjectE(projectID, tags...))
}

// TagProjectE is TagProject returning its error.
func (s *Server) TagProjectE(projectID string, tags ...string) error {
	admin, err := s.admin()
	if err == nil {
		_, err = s.srv.Store().AddProjectTags(admin, projectID, tags)
	}
	return fail("TagProject", err)
}
