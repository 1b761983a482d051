package store

import (
	"strings"

	"github.com/mockdomino/mockdomino/fixtures"
)

type project struct {
	id, name, description, visibility string
	owner                             *user
	repo                              *repository
	collaborators                     []collaborator
}

type repository struct {
	id, uri, serviceProvider, refType, refValue string
}

type collaborator struct {
	user *user
	role string
}

// Project roles that may start jobs (inferred: Contributor and Owner may,
// LauncherUser and ResultsConsumer may not).
var jobStartingRoles = map[string]bool{"Contributor": true, "Owner": true, "ProjectImporter": false}

func (p *project) role(c Caller) string {
	for _, col := range p.collaborators {
		if col.user.id == c.ID {
			return col.role
		}
	}
	return ""
}

func (p *project) canRead(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || p.role(c) != "" || p.visibility != "Private"
}

func (p *project) canManage(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || p.role(c) == "Owner"
}

func (p *project) canStartJobs(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || jobStartingRoles[p.role(c)]
}

// isMember: owner or collaborator (any role), or an admin. Credential
// mappings need it.
func (p *project) isMember(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || p.role(c) != ""
}

// Project is a project as GET /v4/projects/{id} shows it.
type Project struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	Visibility      string         `json:"visibility"`
	OwnerID         string         `json:"ownerId"`
	OwnerUsername   string         `json:"ownerUsername"`
	MainRepository  *Repository    `json:"mainRepository,omitempty"`
	ImportedGitRepo []Repository   `json:"importedGitRepos"`
	CollaboratorIDs []string       `json:"collaboratorIds"`
	Collaborators   []Collaborator `json:"collaborators"`
	Tags            []string       `json:"tags"`
	StageID         string         `json:"stageId"`
	Status          ProjectStatus  `json:"status"`
	Owner           ProjectOwner   `json:"owner"`
}

// ProjectStatus is a project's status block. (Structs rather than maps for
// these small blocks: encoding a map sorts its keys on every request.)
type ProjectStatus struct {
	IsBlocked bool   `json:"isBlocked"`
	Status    string `json:"status"`
}

// Ref is a repository's default ref: {"type":"head"} or {"type":"branches","value":"main"}.
type Ref struct {
	Type  string `json:"type"`
	Value string `json:"value,omitempty"`
}

// ProjectOwner is the owner block of findProjectByOwnerAndName.
type ProjectOwner struct {
	ID       string `json:"id"`
	UserName string `json:"userName"`
}

// Repository is a project's main git repository.
type Repository struct {
	ID              string `json:"id"`
	URI             string `json:"uri"`
	URIHost         string `json:"uriHost"`
	URIPath         string `json:"uriPath"`
	ServiceProvider string `json:"serviceProvider"`
	DefaultRef      Ref    `json:"defaultRef"`
}

// Collaborator is one collaborator entry.
type Collaborator struct {
	CollaboratorID string `json:"collaboratorId"`
	ProjectRole    string `json:"projectRole"`
}

func (p *project) view() Project {
	v := Project{
		ID: p.id, Name: p.name, Description: p.description, Visibility: p.visibility,
		OwnerID: p.owner.id, OwnerUsername: p.owner.userName,
		ImportedGitRepo: []Repository{}, CollaboratorIDs: []string{}, Collaborators: []Collaborator{},
		Tags: []string{}, StageID: "", Status: ProjectStatus{Status: "active"},
		Owner: ProjectOwner{ID: p.owner.id, UserName: p.owner.userName},
	}
	if r := p.repo; r != nil {
		host, path := splitURI(r.uri)
		v.MainRepository = &Repository{ID: r.id, URI: r.uri, URIHost: host, URIPath: path, ServiceProvider: r.serviceProvider,
			DefaultRef: Ref{Type: r.refType, Value: r.refValue}}
	}
	for _, c := range p.collaborators {
		v.CollaboratorIDs = append(v.CollaboratorIDs, c.user.id)
		v.Collaborators = append(v.Collaborators, Collaborator{CollaboratorID: c.user.id, ProjectRole: c.role})
	}
	return v
}

func splitURI(uri string) (host, path string) {
	rest := uri
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[:i], rest[i+1:]
	}
	return rest, ""
}

// managedProject is a project whose collaborators c may change.
func (st *state) managedProject(c Caller, id string) (*project, error) {
	p, err := st.project(id)
	if err != nil {
		return nil, err
	}
	if !p.canManage(c) {
		return nil, errorf(KindForbidden, "Forbidden: only the project's owner or an administrator may change its collaborators")
	}
	return p, nil
}

func (st *state) project(id string) (*project, error) {
	p := st.projects[id]
	if p == nil {
		return nil, errorf(KindNotFound, "Project %s not found", clip(id))
	}
	return p, nil
}

func (st *state) readableProject(c Caller, id string) (*project, error) {
	p, err := st.project(id)
	if err != nil {
		return nil, err
	}
	if !p.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access project %s", c.UserName, p.id)
	}
	return p, nil
}

// Project returns a project the caller may read.
func (s *Store) Project(c Caller, id string) (Project, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, id)
	if err != nil {
		return Project{}, err
	}
	return p.view(), nil
}

// FindProject looks a project up by owner user name and project name.
func (s *Store) FindProject(c Caller, ownerName, projectName string) (Project, error) {
	if ownerName == "" || projectName == "" {
		return Project{}, errorf(KindInvalid, "ownerName and projectName are required")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, p := range s.st.projectOrder {
		if strings.EqualFold(p.owner.userName, ownerName) && p.name == projectName {
			if !p.canRead(c) {
				return Project{}, errorf(KindForbidden, "Forbidden: %s may not access project %s/%s", c.UserName, clip(ownerName), clip(projectName))
			}
			return p.view(), nil
		}
	}
	return Project{}, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
}

// projectByOwnerAndName is FindProject without the access check, for the
// stdout route, which checks access itself.
func (st *state) projectByOwnerAndName(ownerName, projectName string) *project {
	for _, p := range st.projectOrder {
		if strings.EqualFold(p.owner.userName, ownerName) && p.name == projectName {
			return p
		}
	}
	return nil
}

// Collaborators lists a project's owner and collaborators as users.
func (s *Store) Collaborators(c Caller, projectID string) ([]User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	// The owner is listed first (observed by the third-party client's tests:
	// a project without collaborators lists exactly one user); the project's
	// own collaborators field leaves the owner out.
	out := make([]User, 0, 1+len(p.collaborators))
	out = append(out, p.owner.view())
	for _, col := range p.collaborators {
		out = append(out, col.user.view())
	}
	return out, nil
}

// AddCollaborator adds a user or service account (by Mongo id) to a project,
// or changes its role if it is already there (inferred).
func (s *Store) AddCollaborator(c Caller, projectID, collaboratorID, role string) (Collaborator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.managedProject(c, projectID)
	if err != nil {
		return Collaborator{}, err
	}
	if collaboratorID == "" {
		return Collaborator{}, errorf(KindInvalid, "collaboratorId is required")
	}
	if err := fixtures.CheckProjectRole("projectRole", role); err != nil {
		return Collaborator{}, invalid(err)
	}
	u := s.st.users[collaboratorID]
	if u == nil {
		return Collaborator{}, errorf(KindNotFound, "User %s not found (collaboratorId is the user's id, not its idpId)", clip(collaboratorID))
	}
	if u == p.owner {
		return Collaborator{}, errorf(KindInvalid, "%s owns project %s and cannot also be a collaborator", u.userName, p.name)
	}
	if err := s.writable(); err != nil {
		return Collaborator{}, err
	}
	found := false
	for i := range p.collaborators {
		if p.collaborators[i].user == u {
			p.collaborators[i].role, found = role, true
		}
	}
	if !found {
		p.collaborators = append(p.collaborators, collaborator{user: u, role: role})
	}
	return Collaborator{CollaboratorID: u.id, ProjectRole: role}, s.commit(change{projects: []*project{p}})
}

// RemoveCollaborator takes a collaborator off a project.
func (s *Store) RemoveCollaborator(c Caller, projectID, collaboratorID string) (Collaborator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.managedProject(c, projectID)
	if err != nil {
		return Collaborator{}, err
	}
	if err := s.writable(); err != nil {
		return Collaborator{}, err
	}
	for i, col := range p.collaborators {
		if col.user.id == collaboratorID {
			p.collaborators = append(p.collaborators[:i:i], p.collaborators[i+1:]...)
			return Collaborator{CollaboratorID: col.user.id, ProjectRole: col.role}, s.commit(change{projects: []*project{p}})
		}
	}
	return Collaborator{}, errorf(KindNotFound, "User %s is not a collaborator of project %s", clip(collaboratorID), p.name)
}

// HardwareTiers lists the tiers a project may use.
func (s *Store) HardwareTiers(c Caller, projectID string) ([]fixtures.HardwareTier, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, err := s.st.readableProject(c, projectID); err != nil {
		return nil, err
	}
	return append([]fixtures.HardwareTier{}, s.st.tiers...), nil
}
