package store

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

type project struct {
	id, name, description, visibility string
	owner                             *user
	repo                              *repository
	collaborators                     []collaborator
	tags                              []*projectTag // in the order they were added
	envVars                           []envVar      // in the order they were first set
	settings                          fixtures.ProjectSettings
	// archived projects are kept (their jobs and mappings still name them)
	// but no route finds them: st.project refuses them.
	archived         bool
	created, updated time.Time
	billingTag       *billingTag // nil: none (cost.go)
}

type repository struct {
	id, uri, serviceProvider, refType, refValue string
}

type collaborator struct {
	user *user
	role string
}

// projectTag is one tag, shared by every project that carries it.
type projectTag struct {
	id, name  string
	lastAdded time.Time // when it was last added to a project
}

type envVar struct{ name, value string }

// projectIndex finds the live (not archived) projects without a scan: the
// lists clients filter by name and by owner stay as fast with 10,000
// projects as with one.
type projectIndex struct {
	byKey   map[string]*project   // owner id + "/" + name
	byName  map[string][]*project // in creation order
	byOwner map[string][]*project // by owner id, in creation order
	repos   map[string]*project   // by main repository id, archived ones too
}

func newProjectIndex() projectIndex {
	return projectIndex{byKey: map[string]*project{}, byName: map[string][]*project{},
		byOwner: map[string][]*project{}, repos: map[string]*project{}}
}

func projectKey(ownerID, name string) string { return ownerID + "/" + name }

// addProject adds a built project to the state and, unless archived, to
// the index.
func (st *state) addProject(p *project) {
	st.projects[p.id] = p
	st.projectOrder = append(st.projectOrder, p)
	if p.repo != nil {
		st.repos[p.repo.id] = p
	}
	if !p.archived {
		st.byKey[projectKey(p.owner.id, p.name)] = p
		st.byName[p.name] = append(st.byName[p.name], p)
		st.byOwner[p.owner.id] = append(st.byOwner[p.owner.id], p)
	}
}

// unindex takes an archived project out of the index.
func (st *state) unindex(p *project) {
	delete(st.byKey, projectKey(p.owner.id, p.name))
	drop := func(m map[string][]*project, k string) {
		l := slices.DeleteFunc(m[k], func(q *project) bool { return q == p })
		if len(l) == 0 {
			delete(m, k)
		} else {
			m[k] = l
		}
	}
	drop(st.byName, p.name)
	drop(st.byOwner, p.owner.id)
}

// liveProject is the live project an owner (by user name, any case) holds
// under a name, or nil.
func (st *state) liveProject(ownerName, name string) *project {
	owner := st.names[strings.ToLower(ownerName)]
	if owner == nil {
		return nil
	}
	return st.byKey[projectKey(owner.id, name)]
}

// fixturesEpoch is when the projects of fixtures, and those of state
// documents written before projects kept their times, were created: the
// same every time, so that a reset gives back the very same state.
var fixturesEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// projectFromFixture builds a fixtures project; the document it is in has
// been checked. Its tags' ids derive from their names (fixtures.TagID).
func (st *state) projectFromFixture(fp fixtures.Project) *project {
	p := &project{
		id: fp.ID, name: fp.Name, owner: st.names[strings.ToLower(fp.Owner)],
		description: fp.Description, visibility: fp.Visibility, archived: fp.Archived,
		created: fixturesEpoch, updated: fixturesEpoch,
	}
	if r := fp.MainRepository; r != nil {
		p.repo = newRepository(r.ID, r.URI, r.ServiceProvider, r.DefaultRef.Type, r.DefaultRef.Value)
	}
	for _, c := range fp.Collaborators {
		p.collaborators = append(p.collaborators, collaborator{user: st.names[strings.ToLower(c.UserName)], role: c.Role})
	}
	for _, name := range fp.Tags {
		t := st.tagsByName[name]
		if t == nil {
			t = &projectTag{id: fixtures.TagID(name), name: name, lastAdded: fixturesEpoch}
			st.addTag(t)
		}
		p.tags = append(p.tags, t)
	}
	for _, v := range fp.EnvironmentVariables {
		p.envVars = append(p.envVars, envVar{name: v.Name, value: v.Value})
	}
	if fp.Settings != nil {
		p.settings = *fp.Settings
	}
	return p
}

func newRepository(id, uri, provider, refType, refValue string) *repository {
	r := &repository{id: id, uri: uri, serviceProvider: provider, refType: refType, refValue: refValue}
	if r.refType == "" {
		r.refType = "head"
	}
	if r.serviceProvider == "" {
		r.serviceProvider = "unknown"
	}
	return r
}

func (st *state) addTag(t *projectTag) {
	st.tags[t.id] = t
	st.tagsByName[t.name] = t
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

// canEdit: read and write environment variables, change the default
// environment and hardware tier (documented: Contributors may, as owners
// do; Results Consumers, Launcher Users and Project Importers may not), and
// tag the project (inferred: the same).
func (p *project) canEdit(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || p.role(c) == "Contributor" || p.role(c) == "Owner"
}

// canArchive: "Owners … are the only users who can archive a project"
// (documented), and administrators.
func (p *project) canArchive(c Caller) bool { return c.IsAdmin || p.owner.id == c.ID }

// isMember: owner or collaborator (any role), or an admin. Credential
// mappings need it.
func (p *project) isMember(c Caller) bool {
	return c.IsAdmin || p.owner.id == c.ID || p.role(c) != ""
}

// Project is a project as GET /v4/projects/{id} shows it (the spec's
// ProjectSummary, with the fields of its Project too).
type Project struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Description     string         `json:"description"`
	Visibility      string         `json:"visibility"`
	OwnerID         string         `json:"ownerId"`
	OwnerUsername   string         `json:"ownerUsername"`
	Created         Time           `json:"created"`
	ProjectType     string         `json:"projectType"`
	MainRepository  *Repository    `json:"mainRepository,omitempty"`
	ImportedGitRepo []Repository   `json:"importedGitRepos"`
	ImportedRepos   []Repository   `json:"importedGitRepositories"`
	CollaboratorIDs []string       `json:"collaboratorIds"`
	Collaborators   []Collaborator `json:"collaborators"`
	Tags            []ProjectTag   `json:"tags"`
	StageID         string         `json:"stageId"`
	Status          ProjectStatus  `json:"status"`
	Owner           ProjectOwner   `json:"owner"`
	BillingTag      *BillingTag    `json:"billingTag,omitempty"` // the spec's ProjectSummary.billingTag (cost.go)
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

// ProjectTag is a tag as a project lists it (the spec's ProjectTagDTO).
// Tags are never approved: the mock has no tag curators (inferred).
type ProjectTag struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IsApproved bool   `json:"isApproved"`
}

func (t *projectTag) view() ProjectTag { return ProjectTag{ID: t.id, Name: t.name} }

func tagViews(tags []*projectTag) []ProjectTag {
	out := make([]ProjectTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.view())
	}
	return out
}

func (p *project) view() Project {
	v := Project{
		ID: p.id, Name: p.name, Description: p.description, Visibility: p.visibility,
		OwnerID: p.owner.id, OwnerUsername: p.owner.userName, Created: Time(p.created), ProjectType: "Analytic",
		ImportedGitRepo: []Repository{}, ImportedRepos: []Repository{}, CollaboratorIDs: []string{}, Collaborators: []Collaborator{},
		Tags: tagViews(p.tags), StageID: "", Status: ProjectStatus{Status: "active"},
		Owner: ProjectOwner{ID: p.owner.id, UserName: p.owner.userName},
	}
	if p.billingTag != nil {
		t := p.billingTag.view()
		v.BillingTag = &t
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

// project is a live project by id; an archived one is not found.
func (st *state) project(id string) (*project, error) {
	p := st.projects[id]
	if p == nil || p.archived {
		return nil, errorf(KindNotFound, "Project %s not found", clip(id))
	}
	return p, nil
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

// MayManageProject says whether c may change the project's collaborators
// (its owner, a collaborator with the Owner role, or an administrator), for
// the HTTP layer to ask before it reads a body.
func (s *Store) MayManageProject(c Caller, projectID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.managedProject(c, projectID)
	return err
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

// editableProject is a project whose settings, environment variables and
// tags c may change.
func (st *state) editableProject(c Caller, id string) (*project, error) {
	p, err := st.readableProject(c, id)
	if err != nil {
		return nil, err
	}
	if !p.canEdit(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not change project %s (needs to be its owner, a Contributor or an administrator)", c.UserName, p.name)
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
	p := s.st.liveProject(ownerName, projectName)
	if p == nil {
		return Project{}, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
	}
	if !p.canRead(c) {
		return Project{}, errorf(KindForbidden, "Forbidden: %s may not access project %s/%s", c.UserName, clip(ownerName), clip(projectName))
	}
	return p.view(), nil
}

// ProjectFilter narrows GET /v4/projects; the zero value lists every
// project the caller may see.
type ProjectFilter struct {
	Name          string // exactly this name
	OwnerUsername string // owned by this user (any case, as user names are unique so)
}

// Projects lists the live projects the caller may see that match f, in
// creation order. A filter is looked up in the index, never by a scan.
func (s *Store) Projects(c Caller, f ProjectFilter) []Project {
	s.mu.RLock()
	defer s.mu.RUnlock()
	st := s.st
	var candidates []*project
	switch {
	case f.OwnerUsername != "":
		owner := st.names[strings.ToLower(f.OwnerUsername)]
		switch {
		case owner == nil:
		case f.Name != "":
			if p := st.byKey[projectKey(owner.id, f.Name)]; p != nil {
				candidates = []*project{p}
			}
		default:
			candidates = st.byOwner[owner.id]
		}
	case f.Name != "":
		candidates = st.byName[f.Name]
	default:
		candidates = st.projectOrder
	}
	out := make([]Project, 0, len(candidates))
	for _, p := range candidates {
		if !p.archived && p.canRead(c) {
			out = append(out, p.view())
		}
	}
	return out
}

// ProjectInput is a new project, as POST /v4/projects (the spec's
// NewProject) and the legacy POST /project describe it.
type ProjectInput struct {
	Name        string
	Description string
	Visibility  string // "" is Public
	// OwnerID, or OwnerUserName (the legacy route's ownerOverrideUsername),
	// names the owner; neither is the caller.
	OwnerID, OwnerUserName string
	Collaborators          []Collaborator
	TagNames               []string
	MainRepository         *RepositoryInput
	BillingTag             string // an active billing tag's name, or "" (cost.go)
}

// RepositoryInput is a new project's main git repository.
type RepositoryInput struct {
	URI, ServiceProvider string
	DefaultRef           Ref
}

// DefaultVisibility is a new project's visibility when the request gives
// none: Domino's defaultProjectVisibility, whose documented value is Public.
const DefaultVisibility = "Public"

// CreateProject makes a project. Anyone may make one for themselves (a
// service account then owns it); making one for another user needs an
// administrator. An owner's live projects have distinct names.
func (s *Store) CreateProject(c Caller, in ProjectInput) (Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, created, err := s.newProject(c, in)
	if err != nil {
		return Project{}, err
	}
	return s.commitNewProject(p, created)
}

// newProject builds and checks a new project; it is not yet in the state.
// created are the tags it makes; the caller holds the write lock.
func (s *Store) newProject(c Caller, in ProjectInput) (*project, []*projectTag, error) {
	st := s.st
	if err := fixtures.CheckProjectName("name", in.Name); err != nil {
		return nil, nil, invalid(err)
	}
	if in.Visibility == "" {
		in.Visibility = DefaultVisibility
	}
	if err := fixtures.CheckVisibility("visibility", in.Visibility); err != nil {
		return nil, nil, invalid(err)
	}
	owner, err := st.newOwner(c, in)
	if err != nil {
		return nil, nil, err
	}
	if st.byKey[projectKey(owner.id, in.Name)] != nil {
		return nil, nil, errorf(KindDuplicate, "A project with the name %s already exists for %s.", in.Name, owner.userName)
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	p := &project{name: in.Name, description: in.Description, visibility: in.Visibility, owner: owner, created: now, updated: now}
	for i, col := range in.Collaborators {
		u, err := st.checkCollaborator(p, col.CollaboratorID, col.ProjectRole, fmtIndex("collaborators", i))
		if err != nil {
			return nil, nil, err
		}
		p.putCollaborator(u, col.ProjectRole)
	}
	for i, name := range in.TagNames {
		if err := fixtures.CheckTagName(fmtIndex("tags.tagNames", i), name); err != nil {
			return nil, nil, invalid(err)
		}
	}
	if r := in.MainRepository; r != nil {
		if strings.TrimSpace(r.URI) == "" || fixtures.HasControl(r.URI) {
			return nil, nil, errorf(KindInvalid, "mainRepository.uri is required, with no control characters")
		}
		if r.ServiceProvider == "" {
			r.ServiceProvider = "unknown"
		}
		if err := fixtures.CheckGitProvider("mainRepository.serviceProvider", r.ServiceProvider); err != nil {
			return nil, nil, invalid(err)
		}
		if r.DefaultRef.Type == "" {
			r.DefaultRef.Type = "head"
		}
		if err := fixtures.CheckGitRef("mainRepository.defaultRef", r.DefaultRef.Type, r.DefaultRef.Value); err != nil {
			return nil, nil, invalid(err)
		}
		p.repo = newRepository("", r.URI, r.ServiceProvider, r.DefaultRef.Type, r.DefaultRef.Value)
	}
	if p.billingTag, err = st.cost.newProjectBillingTag(in.BillingTag); err != nil {
		return nil, nil, err
	}
	if err := s.writable(); err != nil {
		return nil, nil, err
	}
	// Ids are drawn only once nothing can refuse the project.
	p.id = s.newObjectID()
	if p.repo != nil {
		p.repo.id = s.newObjectID()
	}
	created := s.tagProject(p, in.TagNames, now)
	return p, created, nil
}

// newOwner is the owner a new project asks for, if the caller may give
// it one: itself, or anyone for an administrator.
func (st *state) newOwner(c Caller, in ProjectInput) (*user, error) {
	var owner *user
	switch {
	case in.OwnerUserName != "":
		owner = st.names[strings.ToLower(in.OwnerUserName)]
		if owner == nil || !owner.active {
			return nil, errorf(KindNotFound, "User %s not found", clip(in.OwnerUserName))
		}
	case in.OwnerID != "":
		owner = st.users[in.OwnerID]
		if owner == nil || !owner.active {
			return nil, errorf(KindNotFound, "User %s not found (ownerId is the user's id)", clip(in.OwnerID))
		}
	default:
		owner = st.users[c.ID]
		if owner == nil {
			return nil, errCallerGone
		}
	}
	if owner.id != c.ID && !c.IsAdmin {
		return nil, errorf(KindForbidden, "Forbidden: only an administrator may create a project for another user")
	}
	return owner, nil
}

// checkCollaborator is the user (by Mongo id) a project may get as a
// collaborator with a role; at prefixes the fields in errors ("" for none).
func (st *state) checkCollaborator(p *project, userID, role, at string) (*user, error) {
	field := func(f string) string {
		if at == "" {
			return f
		}
		return at + "." + f
	}
	if userID == "" {
		return nil, errorf(KindInvalid, "%s is required", field("collaboratorId"))
	}
	if err := fixtures.CheckProjectRole(field("projectRole"), role); err != nil {
		return nil, invalid(err)
	}
	u := st.users[userID]
	if u == nil {
		return nil, errorf(KindNotFound, "User %s not found (collaboratorId is the user's id, not its idpId)", clip(userID))
	}
	if u == p.owner {
		return nil, errorf(KindInvalid, "%s owns project %s and cannot also be a collaborator", u.userName, p.name)
	}
	return u, nil
}

// putCollaborator adds a collaborator to a project, or changes its role if
// it is already there (inferred).
func (p *project) putCollaborator(u *user, role string) {
	for i := range p.collaborators {
		if p.collaborators[i].user == u {
			p.collaborators[i].role = role
			return
		}
	}
	p.collaborators = append(p.collaborators, collaborator{user: u, role: role})
}

// fmtIndex is "at[i]".
func fmtIndex(at string, i int) string { return at + "[" + strconv.Itoa(i) + "]" }

// tagProject puts the named tags on a project, making the tags that do not
// exist yet; it returns those. Names are checked; the caller holds the
// write lock and has checked the store is writable.
func (s *Store) tagProject(p *project, names []string, now time.Time) (created []*projectTag) {
	for _, name := range names {
		t := s.st.tagsByName[name]
		if t == nil {
			t = &projectTag{id: s.newObjectID(), name: name}
			s.st.addTag(t)
			created = append(created, t)
		}
		t.lastAdded = now
		if !slices.Contains(p.tags, t) {
			p.tags = append(p.tags, t)
		}
	}
	return created
}

// commitNewProject adds a new project to the state and logs it with the
// tags it made and those it was tagged with.
func (s *Store) commitNewProject(p *project, created []*projectTag, commits ...*commit) (Project, error) {
	s.st.addProject(p)
	return p.view(), s.commit(change{projects: []*project{p}, creates: true, tags: p.tags, createdTags: created, commits: commits})
}

// ForkInput is what POST /v4/projects/{id}/fork (the spec's
// ForkOrCopyProject) may set; what it leaves out comes from the project.
type ForkInput struct {
	Name          string
	Description   *string
	Visibility    string
	OwnerID       string
	Collaborators []Collaborator
	TagNames      *[]string
	BillingTag    *string // nil: the source's, while it is active (cost.go)
}

// ForkProject makes a new project from one the caller may read: its
// description, visibility, tags, main repository (under a new id),
// environment variables and settings, unless the request gives others
// (inferred: what a fork copies is not documented); no collaborators but
// those the request names. Its files are the source's newest ones, in one
// commit of the fork's own (Domino documents a fork as a copy of the
// project's files; the source's history is not copied, inferred).
func (s *Store) ForkProject(c Caller, id string, in ForkInput) (Project, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	src, err := s.st.readableProject(c, id)
	if err != nil {
		return Project{}, err
	}
	pin := ProjectInput{Name: in.Name, Description: src.description, Visibility: in.Visibility, OwnerID: in.OwnerID,
		Collaborators: in.Collaborators, BillingTag: s.st.cost.forkBillingTag(src, in.BillingTag)}
	if in.Description != nil {
		pin.Description = *in.Description
	}
	if pin.Visibility == "" {
		pin.Visibility = src.visibility
	}
	if in.TagNames != nil {
		pin.TagNames = *in.TagNames
	} else {
		for _, t := range src.tags {
			pin.TagNames = append(pin.TagNames, t.name)
		}
	}
	if r := src.repo; r != nil {
		pin.MainRepository = &RepositoryInput{URI: r.uri, ServiceProvider: r.serviceProvider, DefaultRef: Ref{Type: r.refType, Value: r.refValue}}
	}
	p, created, err := s.newProject(c, pin)
	if err != nil {
		return Project{}, err
	}
	p.envVars = slices.Clone(src.envVars)
	p.settings = src.settings
	var commits []*commit
	if files := s.st.files.headCopy(src.id); len(files) > 0 {
		commits = append(commits, s.newCommit(p, s.st.users[c.ID], "Fork of "+src.owner.userName+"/"+src.name, files))
	}
	return s.commitNewProject(p, created, commits...)
}

// ArchiveProject archives a project: no route finds it afterwards, new
// runs are refused, and its name is free again (inferred). Only its owner
// and administrators may.
func (s *Store) ArchiveProject(c Caller, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fireDue() // its schedules' firings due before it is archived
	p, err := s.st.readableProject(c, id)
	if err != nil {
		return err
	}
	if !p.canArchive(c) {
		return errorf(KindForbidden, "Forbidden: only the project's owner or an administrator may archive project %s", p.name)
	}
	if err := s.writable(); err != nil {
		return err
	}
	p.archived = true
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
	s.st.unindex(p)
	return s.commit(change{projects: []*project{p}})
}

// Relationships are the values of GET /v4/gateway/projects?relationship=.
var Relationships = []string{"Collaborating", "Popular", "OwnedAndCollaborating", "Suggested", "Owned"}

// GatewayFilter is what GET /v4/gateway/projects asks for.
type GatewayFilter struct {
	Relationship  string
	ShowCompleted bool // every project is active, so this changes nothing
	Limit         int  // at most this many; < 0: no limit
	// IncludeSearchableAndPublic adds the public and searchable projects to
	// OwnedAndCollaborating ("only supported" there, says the spec).
	IncludeSearchableAndPublic bool
}

// ProjectSummary is one project of the gateway's list (the spec's
// ProjectGatewaySummary).
type ProjectSummary struct {
	ID                    string         `json:"id"`
	Name                  string         `json:"name"`
	OwnerID               string         `json:"ownerId"`
	OwnerName             string         `json:"ownerName"`
	Description           string         `json:"description"`
	Visibility            string         `json:"visibility"`
	Tags                  []ProjectTag   `json:"tags"`
	RunCounts             []RunCount     `json:"runCounts"`
	Relationship          string         `json:"relationship"`
	ProjectType           string         `json:"projectType"`
	StageID               string         `json:"stageId"`
	Status                ProjectStatus  `json:"status"`
	Details               ProjectDetails `json:"details"`
	MainGitRepositoryURI  *string        `json:"mainGitRepositoryUri"`
	ServiceProvider       *string        `json:"serviceProvider"`
	LatestResultRunID     *string        `json:"latestResultRunId"`
	LatestResultTimestamp *Time          `json:"latestResultTimestamp"`
	IsPinned              bool           `json:"isPinned"`
}

// RunCount is how many runs of a type a project has executing and stopped.
type RunCount struct {
	RunType        string `json:"runType"`
	ExecutingCount int    `json:"executingCount"`
	StoppedCount   int    `json:"stoppedCount"`
}

// ProjectDetails is a gateway summary's details block.
type ProjectDetails struct {
	UpdatedAt    Time `json:"updatedAt"`
	IsRestricted bool `json:"isRestricted"`
}

// GatewayProjects lists projects by the caller's relationship to them, most
// recently updated first: Owned (the caller owns them), Collaborating (the
// caller is a collaborator), OwnedAndCollaborating (both, and with
// IncludeSearchableAndPublic every public and searchable one), Popular
// (every public and searchable one: the mock counts no popularity) and
// Suggested (the public and searchable ones the caller neither owns nor
// collaborates on). The last three are inferred. A relationship Domino
// does not know is its observed 500, "No value found for '<value>'".
func (s *Store) GatewayProjects(c Caller, f GatewayFilter) ([]ProjectSummary, error) {
	if f.Relationship == "" {
		return nil, errorf(KindInvalid, "Missing parameter: relationship (one of %s)", strings.Join(Relationships, ", "))
	}
	if !slices.Contains(Relationships, f.Relationship) {
		return nil, errorf(KindServerError, "No value found for '%s'", clip(f.Relationship))
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	type found struct {
		p   *project
		rel string
	}
	var list []found
	consider := func(p *project) {
		owned, collab, open := p.owner.id == c.ID, p.role(c) != "", p.visibility != "Private"
		rel := ""
		switch f.Relationship {
		case "Owned":
			if owned {
				rel = "Owned"
			}
		case "Collaborating":
			if collab {
				rel = "Collaborating"
			}
		case "OwnedAndCollaborating":
			switch {
			case owned:
				rel = "Owned"
			case collab:
				rel = "Collaborating"
			case open && f.IncludeSearchableAndPublic:
				rel = "Popular"
			}
		case "Popular":
			if open {
				rel = "Popular"
			}
		case "Suggested":
			if open && !owned && !collab {
				rel = "Suggested"
			}
		}
		if rel != "" {
			list = append(list, found{p, rel})
		}
	}
	if f.Relationship == "Owned" {
		for _, p := range s.st.byOwner[c.ID] {
			consider(p)
		}
	} else {
		for _, p := range s.st.projectOrder {
			if !p.archived {
				consider(p)
			}
		}
	}
	// Most recently updated first; of two updated at once, the newer first.
	order := make(map[*project]int, len(list))
	for i, x := range list {
		order[x.p] = i
	}
	sort.SliceStable(list, func(a, b int) bool {
		pa, pb := list[a].p, list[b].p
		if !pa.updated.Equal(pb.updated) {
			return pa.updated.After(pb.updated)
		}
		return order[pa] > order[pb]
	})
	if f.Limit >= 0 && len(list) > f.Limit {
		list = list[:f.Limit]
	}
	out := make([]ProjectSummary, 0, len(list))
	for _, x := range list {
		out = append(out, x.p.summary(x.rel))
	}
	return out, nil
}

func (p *project) summary(rel string) ProjectSummary {
	v := ProjectSummary{
		ID: p.id, Name: p.name, OwnerID: p.owner.id, OwnerName: p.owner.userName, Description: p.description,
		Visibility: p.visibility, Tags: tagViews(p.tags), RunCounts: []RunCount{}, Relationship: rel,
		ProjectType: "Analytic", Status: ProjectStatus{Status: "active"},
		Details: ProjectDetails{UpdatedAt: Time(p.updated)},
	}
	if p.repo != nil {
		uri, provider := p.repo.uri, p.repo.serviceProvider
		v.MainGitRepositoryURI, v.ServiceProvider = &uri, &provider
	}
	return v
}

// AddProjectTags puts tags on a project, by name, making those that do not
// exist yet. It answers the tags named, in the order named (a list, as
// python-domino reads it; the spec declares one ProjectTagDTO). A tag the
// project already has stays once.
func (s *Store) AddProjectTags(c Caller, projectID string, names []string) ([]ProjectTag, error) {
	if names == nil {
		return nil, errorf(KindInvalid, "tagNames is required")
	}
	for i, name := range names {
		if err := fixtures.CheckTagName(fmtIndex("tagNames", i), name); err != nil {
			return nil, invalid(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.editableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	if err := s.writable(); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	created := s.tagProject(p, names, now)
	p.updated = now
	out := []ProjectTag{}
	var named []*projectTag
	for _, name := range names {
		if t := s.st.tagsByName[name]; !slices.Contains(named, t) {
			named = append(named, t)
			out = append(out, t.view())
		}
	}
	return out, s.commit(change{projects: []*project{p}, tags: named, createdTags: created})
}

// RemoveProjectTag takes a tag off a project; the tag itself stays.
func (s *Store) RemoveProjectTag(c Caller, projectID, tagID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.editableProject(c, projectID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.tags, func(t *projectTag) bool { return t.id == tagID })
	if i < 0 {
		return errorf(KindNotFound, "Tag %s is not a tag of project %s", clip(tagID), p.name)
	}
	if err := s.writable(); err != nil {
		return err
	}
	p.tags = slices.Delete(slices.Clone(p.tags), i, i+1)
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
	return s.commit(change{projects: []*project{p}})
}

// TagDetails is a tag as the legacy GET /projectTags/{id} shows it, with
// the keys python-domino reads: "_id", "name", "lastAdded".
type TagDetails struct {
	ID         string `json:"_id"`
	Name       string `json:"name"`
	IsApproved bool   `json:"isApproved"`
	LastAdded  Time   `json:"lastAdded"`
}

// ProjectTagDetails is one tag; tags are shared, so any caller may read
// them (inferred).
func (s *Store) ProjectTagDetails(c Caller, tagID string) (TagDetails, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.st.tags[tagID]
	if t == nil {
		return TagDetails{}, errorf(KindNotFound, "Tag %s not found", clip(tagID))
	}
	return TagDetails{ID: t.id, Name: t.name, LastAdded: Time(t.lastAdded)}, nil
}

// ProjectSettings is a project's settings (the spec's ProjectSettingsDto),
// defaults filled in.
type ProjectSettings struct {
	DefaultEnvironmentID           string                `json:"defaultEnvironmentId"`
	DefaultEnvironmentRevisionSpec fixtures.RevisionSpec `json:"defaultEnvironmentRevisionSpec"`
	DefaultHardwareTierID          string                `json:"defaultHardwareTierId"`
	SparkClusterMode               string                `json:"sparkClusterMode"`
	DefaultVolumeSizeGiB           float64               `json:"defaultVolumeSizeGiB"`
	MaxVolumeSizeGiB               float64               `json:"maxVolumeSizeGiB"`
	MinVolumeSizeGiB               float64               `json:"minVolumeSizeGiB"`
	RecommendedVolumeSizeGiB       float64               `json:"recommendedVolumeSizeGiB"`
}

func (st *state) settingsOf(p *project) ProjectSettings {
	v := ProjectSettings{
		DefaultEnvironmentID: p.settings.DefaultEnvironmentID, DefaultHardwareTierID: p.settings.DefaultHardwareTierID,
		DefaultEnvironmentRevisionSpec: fixtures.RevisionSpec{Named: "ActiveRevision"}, SparkClusterMode: "Local",
		DefaultVolumeSizeGiB: p.settings.DefaultVolumeSizeGiB, MaxVolumeSizeGiB: fixtures.MaxVolumeSizeGiB,
		MinVolumeSizeGiB: fixtures.MinVolumeSizeGiB, RecommendedVolumeSizeGiB: fixtures.DefaultVolumeSizeGiB,
	}
	if r := p.settings.DefaultEnvironmentRevisionSpec; r != nil {
		v.DefaultEnvironmentRevisionSpec = *r
	}
	if e := st.defaultEnvironment(); v.DefaultEnvironmentID == "" && e != nil {
		v.DefaultEnvironmentID = e.id
	}
	if v.DefaultHardwareTierID == "" {
		v.DefaultHardwareTierID, _ = st.hardwareTier("", "")
	}
	if v.DefaultVolumeSizeGiB == 0 {
		v.DefaultVolumeSizeGiB = fixtures.DefaultVolumeSizeGiB
	}
	return v
}

// ProjectSettings returns a project's settings to any caller who may read
// the project (inferred).
func (s *Store) ProjectSettings(c Caller, projectID string) (ProjectSettings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return ProjectSettings{}, err
	}
	return s.st.settingsOf(p), nil
}

// SettingsInput changes a project's settings (the spec's
// ProjectSettingsUpdateDto); a nil field stays as it is.
type SettingsInput struct {
	DefaultEnvironmentID           *string
	DefaultEnvironmentRevisionSpec *fixtures.RevisionSpec
	DefaultHardwareTierID          *string
	DefaultVolumeSizeGiB           *float64
}

// UpdateProjectSettings changes a project's defaults: an environment and a
// hardware tier the project may use, a volume size within the bounds.
func (s *Store) UpdateProjectSettings(c Caller, projectID string, in SettingsInput) (ProjectSettings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.editableProject(c, projectID)
	if err != nil {
		return ProjectSettings{}, err
	}
	next := p.settings
	if id := in.DefaultEnvironmentID; id != nil {
		if e := s.st.environments[*id]; e == nil || !e.usable(c, p) {
			return ProjectSettings{}, errorf(KindInvalid, "defaultEnvironmentId %q is not an environment this project may use", clip(*id))
		}
		next.DefaultEnvironmentID = *id
	}
	if id := in.DefaultHardwareTierID; id != nil {
		if !slices.ContainsFunc(s.st.tiers, func(t fixtures.HardwareTier) bool { return t.ID == *id }) {
			return ProjectSettings{}, errorf(KindInvalid, "defaultHardwareTierId %q is not a hardware tier this project may use", clip(*id))
		}
		next.DefaultHardwareTierID = *id
	}
	if v := in.DefaultVolumeSizeGiB; v != nil {
		if err := fixtures.CheckVolumeSize("defaultVolumeSizeGiB", *v); err != nil {
			return ProjectSettings{}, invalid(err)
		}
		next.DefaultVolumeSizeGiB = *v
	}
	if r := in.DefaultEnvironmentRevisionSpec; r != nil {
		spec := *r
		next.DefaultEnvironmentRevisionSpec = &spec
	}
	if err := s.writable(); err != nil {
		return ProjectSettings{}, err
	}
	p.settings = next
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
	return s.st.settingsOf(p), s.commit(change{projects: []*project{p}})
}

// EnvVar is one project environment variable (the spec's EnvironmentVariable).
type EnvVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// envVarProject is the project of the environment-variable routes. Domino
// was observed to answer an unknown project there with 500, not 404
// (ksmpartners/domino-java-client's tests, on all three routes).
func (st *state) envVarProject(c Caller, id string) (*project, error) {
	p, err := st.editableProject(c, id)
	if KindOf(err) == KindNotFound {
		return nil, errorf(KindServerError, "Project %s not found", clip(id))
	}
	return p, err
}

// ProjectEnvVars lists a project's environment variables, values included,
// to those who may change them (documented: Contributors read and write
// them).
func (s *Store) ProjectEnvVars(c Caller, projectID string) ([]EnvVar, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.envVarProject(c, projectID)
	if err != nil {
		return nil, err
	}
	out := make([]EnvVar, 0, len(p.envVars))
	for _, v := range p.envVars {
		out = append(out, EnvVar{Name: v.name, Value: v.value})
	}
	return out, nil
}

// SetProjectEnvVar adds or replaces one environment variable; nil is a
// field the request left out. A missing value is refused first, with the
// observed "Invalid 'value' for EnvironmentVariable", even when the name is
// missing too.
func (s *Store) SetProjectEnvVar(c Caller, projectID string, name, value *string) (EnvVar, error) {
	if value == nil {
		return EnvVar{}, errorf(KindInvalid, "Invalid 'value' for EnvironmentVariable")
	}
	if name == nil || *name == "" {
		return EnvVar{}, errorf(KindInvalid, "Invalid 'name' for EnvironmentVariable")
	}
	if err := fixtures.CheckEnvVarName("name", *name); err != nil {
		return EnvVar{}, invalid(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.envVarProject(c, projectID)
	if err != nil {
		return EnvVar{}, err
	}
	if err := s.writable(); err != nil {
		return EnvVar{}, err
	}
	v := envVar{name: *name, value: *value}
	if i := slices.IndexFunc(p.envVars, func(e envVar) bool { return e.name == v.name }); i >= 0 {
		p.envVars = slices.Clone(p.envVars)
		p.envVars[i] = v
	} else {
		p.envVars = append(p.envVars, v)
	}
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
	return EnvVar{Name: v.name, Value: v.value}, s.commit(change{projects: []*project{p}})
}

// DeleteProjectEnvVar removes one environment variable; one that does not
// exist is removed already (observed: 2xx).
func (s *Store) DeleteProjectEnvVar(c Caller, projectID, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.envVarProject(c, projectID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(p.envVars, func(e envVar) bool { return e.name == name })
	if i < 0 {
		return nil
	}
	if err := s.writable(); err != nil {
		return err
	}
	p.envVars = slices.Delete(slices.Clone(p.envVars), i, i+1)
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
	return s.commit(change{projects: []*project{p}})
}

// projectByOwnerAndName is FindProject without the access check, for the
// stdout route, which checks access itself.
func (st *state) projectByOwnerAndName(ownerName, projectName string) *project {
	return st.liveProject(ownerName, projectName)
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

// LegacyCollaborator is one entry of the legacy GET
// /{owner}/{project}/collaborators, which python-domino's collaborators_get
// reads: the key "username" (as its tests have it), the others inferred.
type LegacyCollaborator struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	FullName    string `json:"fullName"`
	Email       string `json:"email"`
	ProjectRole string `json:"projectRole"`
}

// LegacyCollaborators lists a project, found by owner and name, as the
// legacy route does: the owner first (role Owner), then the collaborators.
func (s *Store) LegacyCollaborators(c Caller, ownerName, projectName string) ([]LegacyCollaborator, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.st.liveProject(ownerName, projectName)
	if p == nil {
		return nil, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
	}
	if !p.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access project %s/%s", c.UserName, clip(ownerName), clip(projectName))
	}
	entry := func(u *user, role string) LegacyCollaborator {
		return LegacyCollaborator{ID: u.id, Username: u.userName, FullName: u.fullName(), Email: u.email, ProjectRole: role}
	}
	out := []LegacyCollaborator{entry(p.owner, "Owner")}
	for _, col := range p.collaborators {
		out = append(out, entry(col.user, col.role))
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
	u, err := s.st.checkCollaborator(p, collaboratorID, role, "")
	if err != nil {
		return Collaborator{}, err
	}
	if err := s.writable(); err != nil {
		return Collaborator{}, err
	}
	p.putCollaborator(u, role)
	p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
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
			p.updated = s.cfg.Clock.Now().Truncate(time.Millisecond)
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
