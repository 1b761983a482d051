package store

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Compute environments and their numbered revisions. The rules, each here
// once, whatever route a client uses (/v1, /v4 or the public API):
//
//   - Anyone may create a Private environment, which they then own; only
//     administrators create Global ones (documented: "Only Admins can make
//     the environment Globally Accessible").
//   - A caller may read Global environments, the Private ones it owns, and
//     as an administrator every one (inferred).
//   - A Private environment is changed (revisions, active revision,
//     archive) by its owner or an administrator, a Global one by
//     administrators (inferred). Only administrators restrict a revision
//     (the spec: the ClassifyEnvironments permission).
//   - Revisions are numbered 1, 2, ... in the order they are made. The
//     active revision, which jobs run with, is the latest unless one was
//     pinned (setactive, or assignLatestRevisionAsActive false).
//   - A project may use the Global environments and the Private ones of
//     its owner and of the caller, none archived (inferred).
//   - An archived environment is listed nowhere, gets no new revision and
//     starts no job; the default environment cannot be archived (inferred).

type environment struct {
	id, name, description, visibility string
	owner                             *user // nil for a Global environment
	isDefault, archived               bool
	revisions                         []*envRevision // revisions[i].number is i+1
	pinned                            *envRevision   // the active revision; nil: the latest is
}

type envRevision struct {
	id         string
	env        *environment
	number     int
	restricted bool
	def        RevisionDefinition
}

// Visibilities of an environment, as /v4 spells them.
const (
	VisibilityGlobal  = "Global"
	VisibilityPrivate = "Private"
)

// ClusterTypes are the compute clusters a revision may support, as /v4
// spells them (the public API spells them in lower case).
var ClusterTypes = []string{"Spark", "Ray", "Dask", "MPI"}

// RevisionDefinition is what a revision is built from.
type RevisionDefinition struct {
	Image                  string                `json:"image,omitempty"`
	DockerfileInstructions string                `json:"dockerfileInstructions,omitempty"`
	PreRunScript           string                `json:"preRunScript,omitempty"`
	PostRunScript          string                `json:"postRunScript,omitempty"`
	PreSetupScript         string                `json:"preSetupScript,omitempty"`
	PostSetupScript        string                `json:"postSetupScript,omitempty"`
	Summary                string                `json:"summary,omitempty"`
	Tags                   []string              `json:"tags,omitempty"`
	SupportedClusters      []string              `json:"supportedClusters,omitempty"`
	EnvironmentVariables   []EnvironmentVariable `json:"environmentVariables,omitempty"`
	WorkspaceTools         []WorkspaceTool       `json:"workspaceTools,omitempty"`
	SkipCache              bool                  `json:"skipCache,omitempty"`
	UseVPN                 bool                  `json:"useVpn,omitempty"`
}

// EnvironmentVariable is a variable of a revision's build. Its value may be
// a credential (a private package index's), so the store never shows it:
// views blank it, exports redact it.
type EnvironmentVariable struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// WorkspaceTool is an IDE a revision offers, as the public API's
// EnvironmentToolV1 describes it.
type WorkspaceTool struct {
	Name                    string       `json:"name"`
	Title                   string       `json:"title"`
	IconURL                 string       `json:"iconUrl,omitempty"`
	StartScripts            []string     `json:"startScripts"`
	SupportedFileExtensions []string     `json:"supportedFileExtensions,omitempty"`
	ProxyConfig             *ProxyConfig `json:"proxyConfig,omitempty"`
}

// ProxyConfig is how a workspace tool is reached.
type ProxyConfig struct {
	InternalPath     string `json:"internalPath"`
	Port             int    `json:"port"`
	RequireSubdomain bool   `json:"requireSubdomain,omitempty"`
	Rewrite          bool   `json:"rewrite,omitempty"`
}

// clone copies d deeply: views and records never share the state's slices.
func (d RevisionDefinition) clone() RevisionDefinition {
	d.Tags = slices.Clone(d.Tags)
	d.SupportedClusters = slices.Clone(d.SupportedClusters)
	d.EnvironmentVariables = slices.Clone(d.EnvironmentVariables)
	tools := make([]WorkspaceTool, len(d.WorkspaceTools))
	for i, t := range d.WorkspaceTools {
		t.StartScripts = slices.Clone(t.StartScripts)
		t.SupportedFileExtensions = slices.Clone(t.SupportedFileExtensions)
		if t.ProxyConfig != nil {
			pc := *t.ProxyConfig
			t.ProxyConfig = &pc
		}
		tools[i] = t
	}
	if d.WorkspaceTools == nil {
		tools = nil
	}
	d.WorkspaceTools = tools
	return d
}

// checkDefinition checks a revision's definition and spells its cluster
// types as /v4 does; at names it in messages ("" for a request).
func checkDefinition(at string, d *RevisionDefinition) error {
	field := func(name string) string {
		if at == "" {
			return name
		}
		return at + "." + name
	}
	for i, c := range d.SupportedClusters {
		j := slices.IndexFunc(ClusterTypes, func(t string) bool { return strings.EqualFold(t, c) })
		if j < 0 {
			return errorf(KindInvalid, "%s[%d] %q is invalid: must be one of %s", field("supportedClusters"), i, clip(c), strings.Join(ClusterTypes, ", "))
		}
		d.SupportedClusters[i] = ClusterTypes[j]
	}
	for i, v := range d.EnvironmentVariables {
		if strings.TrimSpace(v.Name) == "" || fixtures.HasControl(v.Name) {
			return errorf(KindInvalid, "%s[%d]: a variable needs a name without control characters", field("environmentVariables"), i)
		}
	}
	for i, t := range d.WorkspaceTools {
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Title) == "" {
			return errorf(KindInvalid, "%s[%d]: a workspace tool needs a name and a title", field("workspaceTools"), i)
		}
	}
	return nil
}

func (e *environment) latest() *envRevision { return e.revisions[len(e.revisions)-1] }

// active is the revision jobs run with.
func (e *environment) active() *envRevision {
	if e.pinned != nil {
		return e.pinned
	}
	return e.latest()
}

func (e *environment) restrictedRevision() *envRevision {
	for _, r := range e.revisions {
		if r.restricted {
			return r
		}
	}
	return nil
}

func (e *environment) ownedBy(c Caller) bool { return e.owner != nil && e.owner.id == c.ID }

func (e *environment) canRead(c Caller) bool {
	return e.visibility == VisibilityGlobal || c.IsAdmin || e.ownedBy(c)
}

func (e *environment) canChange(c Caller) bool {
	return c.IsAdmin || e.visibility == VisibilityPrivate && e.ownedBy(c)
}

// Environment is an environment as the store shows it; the API shapes it
// for each route.
type Environment struct {
	ID, Name, Description, Visibility string
	OwnerID, OwnerUserName            string // "" for a Global environment
	Archived, IsDefault               bool
	// AssignLatestRevisionAsActive: the latest revision is the active one,
	// and each new one becomes it; false once a revision was pinned.
	AssignLatestRevisionAsActive bool
	Latest, Active               EnvironmentRevision
	Restricted                   *EnvironmentRevision // nil: none is
	RevisionCount                int
}

// EnvironmentRevision is one revision of an environment. The values of its
// environment variables are blank.
type EnvironmentRevision struct {
	ID, EnvironmentID, EnvironmentName string
	Number                             int
	IsRestricted                       bool
	RevisionDefinition
}

func (r *envRevision) view() EnvironmentRevision {
	v := EnvironmentRevision{ID: r.id, EnvironmentID: r.env.id, EnvironmentName: r.env.name, Number: r.number,
		IsRestricted: r.restricted, RevisionDefinition: r.def.clone()}
	for i := range v.EnvironmentVariables {
		v.EnvironmentVariables[i].Value = ""
	}
	return v
}

// view shows e; def is the default environment, which the caller finds
// once for a whole list.
func (e *environment) view(def *environment) Environment {
	v := Environment{ID: e.id, Name: e.name, Description: e.description, Visibility: e.visibility,
		Archived: e.archived, IsDefault: def == e, AssignLatestRevisionAsActive: e.pinned == nil,
		Latest: e.latest().view(), Active: e.active().view(), RevisionCount: len(e.revisions)}
	if e.owner != nil {
		v.OwnerID, v.OwnerUserName = e.owner.id, e.owner.userName
	}
	if r := e.restrictedRevision(); r != nil {
		rv := r.view()
		v.Restricted = &rv
	}
	return v
}

// addEnvironment indexes an environment and its revisions.
func (st *state) addEnvironment(e *environment) {
	st.environments[e.id] = e
	st.envOrder = append(st.envOrder, e)
	for _, r := range e.revisions {
		st.envRevisions[r.id] = r
	}
}

// defaultEnvironment is the one marked the default, or else the first
// Global one not archived; nil if there is none.
func (st *state) defaultEnvironment() *environment {
	var first *environment
	for _, e := range st.envOrder {
		if e.isDefault {
			return e
		}
		if first == nil && e.visibility == VisibilityGlobal && !e.archived {
			first = e
		}
	}
	return first
}

func (st *state) environment(id string) (*environment, error) {
	e := st.environments[id]
	if e == nil {
		return nil, errorf(KindNotFound, "Environment %s not found", clip(id))
	}
	return e, nil
}

func (st *state) readableEnvironment(c Caller, id string) (*environment, error) {
	e, err := st.environment(id)
	if err != nil {
		return nil, err
	}
	if !e.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access environment %s", c.UserName, e.id)
	}
	return e, nil
}

// changeableEnvironment is an environment c may change; archived ones are
// refused unless archivedToo.
func (st *state) changeableEnvironment(c Caller, id string, archivedToo bool) (*environment, error) {
	e, err := st.readableEnvironment(c, id)
	if err != nil {
		return nil, err
	}
	if !e.canChange(c) {
		if e.visibility == VisibilityGlobal {
			return nil, errorf(KindForbidden, "Forbidden: only administrators may change the Global environment %s", e.id)
		}
		return nil, errorf(KindForbidden, "Forbidden: only the owner of environment %s or an administrator may change it", e.id)
	}
	if e.archived && !archivedToo {
		return nil, errorf(KindInvalid, "Environment %s is archived", e.id)
	}
	return e, nil
}

func (e *environment) revision(id string) (*envRevision, error) {
	for _, r := range e.revisions {
		if r.id == id {
			return r, nil
		}
	}
	return nil, errorf(KindNotFound, "Revision %s of environment %s not found", clip(id), e.id)
}

// usable says whether a project may use e when c starts something in it.
func (e *environment) usable(c Caller, p *project) bool {
	if e.archived {
		return false
	}
	return e.visibility == VisibilityGlobal || e.ownedBy(c) || e.owner == p.owner
}

// normalVisibility spells a visibility as /v4 does; the public API spells
// it in lower case, and python-domino's documentation capitalized.
func normalVisibility(v string) (string, error) {
	if v == "" {
		return "", errorf(KindInvalid, "visibility is required: Global or Private")
	}
	for _, known := range fixtures.EnvironmentVisibilities {
		if strings.EqualFold(v, known) {
			return known, nil
		}
	}
	return "", invalid(fixtures.CheckEnvironmentVisibility("visibility", v))
}

// EnvironmentInput is a new environment and its first revision.
type EnvironmentInput struct {
	Name, Description string
	Visibility        string // Global or Private, in any case
	IsRestricted      bool   // its first revision is the restricted one
	OrgOwnerID        string // an organization to own it: mockdomino has none
	Revision          RevisionDefinition
}

// CreateEnvironment makes an environment with its first revision, which
// needs an image.
func (s *Store) CreateEnvironment(c Caller, in EnvironmentInput) (Environment, error) {
	if err := fixtures.CheckEnvironmentName("name", in.Name); err != nil {
		return Environment{}, invalid(err)
	}
	visibility, err := normalVisibility(in.Visibility)
	if err != nil {
		return Environment{}, err
	}
	if visibility == VisibilityGlobal && !c.IsAdmin {
		return Environment{}, errorf(KindForbidden, "Forbidden: only administrators may create Global environments")
	}
	if in.IsRestricted && !c.IsAdmin {
		return Environment{}, errorf(KindForbidden, "Forbidden: only administrators may restrict an environment's revisions")
	}
	if in.OrgOwnerID != "" {
		return Environment{}, errorf(KindNotFound, "Organization %s not found: mockdomino has no organizations", clip(in.OrgOwnerID))
	}
	def := in.Revision.clone()
	if err := checkDefinition("", &def); err != nil {
		return Environment{}, err
	}
	if strings.TrimSpace(def.Image) == "" {
		return Environment{}, errorf(KindInvalid, "image is required: the docker image the environment is built from")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.users[c.ID]
	if u == nil {
		return Environment{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return Environment{}, err
	}
	e := &environment{id: s.newObjectID(), name: in.Name, description: in.Description, visibility: visibility}
	if visibility == VisibilityPrivate {
		e.owner = u
	}
	r := &envRevision{id: s.newObjectID(), env: e, number: 1, restricted: in.IsRestricted, def: def}
	e.revisions = []*envRevision{r}
	s.st.addEnvironment(e)
	return e.view(s.st.defaultEnvironment()), s.commit(change{envs: []*environment{e}, envRevisions: []*envRevision{r}, creates: true})
}

// Environment returns an environment the caller may read.
func (s *Store) Environment(c Caller, id string) (Environment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.st.readableEnvironment(c, id)
	if err != nil {
		return Environment{}, err
	}
	return e.view(s.st.defaultEnvironment()), nil
}

// DefaultEnvironment is the deployment's default environment.
func (s *Store) DefaultEnvironment(c Caller) (Environment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e := s.st.defaultEnvironment()
	if e == nil {
		return Environment{}, errorf(KindNotFound, "No default environment: there is no Global environment")
	}
	return e.view(e), nil
}

// VisibleEnvironments lists the environments the caller may read, archived
// ones left out, in creation order.
func (s *Store) VisibleEnvironments(c Caller) []Environment {
	list, _ := s.EnvironmentsPage(c, 0, math.MaxInt)
	return list
}

// EnvironmentsPage is one page of VisibleEnvironments, and how many there
// are in all.
func (s *Store) EnvironmentsPage(c Caller, offset, limit int) ([]Environment, int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	visible := func(e *environment) bool { return !e.archived && e.canRead(c) }
	total := 0
	for _, e := range s.st.envOrder {
		if visible(e) {
			total++
		}
	}
	// Views are large: the page is allocated once, at its size.
	out := make([]Environment, 0, max(0, min(limit, total-offset)))
	def := s.st.defaultEnvironment()
	forPage(s.st.envOrder, visible, offset, limit, func(e *environment) { out = append(out, e.view(def)) })
	return out, total
}

// ProjectEnvironments lists the environments a project may use when the
// caller uses it, and the one it has selected: the default environment if
// it may use it, else the first (nil if none).
func (s *Store) ProjectEnvironments(c Caller, projectID string) ([]Environment, *Environment, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, nil, err
	}
	out := []Environment{}
	selected := 0
	def := s.st.defaultEnvironment()
	for _, e := range s.st.envOrder {
		if e.usable(c, p) {
			if e == def {
				selected = len(out)
			}
			out = append(out, e.view(def))
		}
	}
	if len(out) == 0 {
		return out, nil, nil
	}
	v := out[selected]
	return out, &v, nil
}

// ArchiveEnvironment archives an environment; archiving one again changes
// nothing.
func (s *Store) ArchiveEnvironment(c Caller, id string) (Environment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.st.changeableEnvironment(c, id, true)
	if err != nil {
		return Environment{}, err
	}
	if e.archived {
		return e.view(s.st.defaultEnvironment()), nil
	}
	if s.st.defaultEnvironment() == e {
		return Environment{}, errorf(KindInvalid, "Environment %s is the default environment and cannot be archived", e.id)
	}
	if err := s.writable(); err != nil {
		return Environment{}, err
	}
	e.archived = true
	return e.view(s.st.defaultEnvironment()), s.commit(change{envs: []*environment{e}})
}

// SetAssignLatestRevisionAsActive makes the latest revision the active one
// from now on (true), or pins the one active now (false).
func (s *Store) SetAssignLatestRevisionAsActive(c Caller, id string, assign bool) (Environment, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.st.changeableEnvironment(c, id, false)
	if err != nil {
		return Environment{}, err
	}
	pinned := e.active()
	if assign {
		pinned = nil
	}
	return s.pin(e, pinned)
}

// SetActiveRevision pins one of an environment's revisions as the active
// one: new revisions no longer become it.
func (s *Store) SetActiveRevision(c Caller, envID, revisionID string) (Environment, error) {
	if revisionID == "" {
		return Environment{}, errorf(KindInvalid, "revisionId is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.st.changeableEnvironment(c, envID, false)
	if err != nil {
		return Environment{}, err
	}
	r, err := e.revision(revisionID)
	if err != nil {
		return Environment{}, err
	}
	return s.pin(e, r)
}

// pin sets e's pinned revision; the caller holds the write lock.
func (s *Store) pin(e *environment, r *envRevision) (Environment, error) {
	if err := s.writable(); err != nil {
		return Environment{}, err
	}
	e.pinned = r
	return e.view(s.st.defaultEnvironment()), s.commit(change{envs: []*environment{e}})
}

// CreateEnvironmentRevision adds a revision, numbered after the latest. A
// definition without an image keeps the latest revision's.
func (s *Store) CreateEnvironmentRevision(c Caller, envID string, def RevisionDefinition) (EnvironmentRevision, error) {
	def = def.clone()
	if err := checkDefinition("", &def); err != nil {
		return EnvironmentRevision{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.st.changeableEnvironment(c, envID, false)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	if strings.TrimSpace(def.Image) == "" {
		def.Image = e.latest().def.Image
	}
	if err := s.writable(); err != nil {
		return EnvironmentRevision{}, err
	}
	r := &envRevision{id: s.newObjectID(), env: e, number: len(e.revisions) + 1, def: def}
	e.revisions = append(e.revisions, r)
	s.st.envRevisions[r.id] = r
	return r.view(), s.commit(change{envRevisions: []*envRevision{r}, creates: true})
}

// RestrictEnvironmentRevision makes a revision the environment's restricted
// one (the one it had before no longer is), or, with false, not.
func (s *Store) RestrictEnvironmentRevision(c Caller, envID, revisionID string, restricted bool) (EnvironmentRevision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.st.readableEnvironment(c, envID)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	if !c.IsAdmin {
		return EnvironmentRevision{}, errorf(KindForbidden, "Forbidden: only administrators may restrict an environment's revisions")
	}
	r, err := e.revision(revisionID)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	if err := s.writable(); err != nil {
		return EnvironmentRevision{}, err
	}
	// Restricting one lifts the one restricted before; lifting one touches
	// no other.
	var changed []*envRevision
	for _, other := range e.revisions {
		want := restricted && other == r || !restricted && other != r && other.restricted
		if other.restricted != want {
			other.restricted = want
			changed = append(changed, other)
		}
	}
	if len(changed) == 0 {
		return r.view(), nil
	}
	return r.view(), s.commit(change{envRevisions: changed})
}

// ActiveRevision is the revision of an environment that jobs started now
// run with.
func (s *Store) ActiveRevision(c Caller, envID string) (EnvironmentRevision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.st.readableEnvironment(c, envID)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	return e.active().view(), nil
}

// EnvironmentRevision returns one revision of an environment the caller may
// read.
func (s *Store) EnvironmentRevision(c Caller, envID, revisionID string) (EnvironmentRevision, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.st.readableEnvironment(c, envID)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	r, err := e.revision(revisionID)
	if err != nil {
		return EnvironmentRevision{}, err
	}
	return r.view(), nil
}

// ---- persistence ----

// EnvironmentRecord is an environment with its revisions, in a state
// document and (without its revisions, which are logged apart) in the log.
type EnvironmentRecord struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Visibility  string `json:"visibility"`
	OwnerID     string `json:"ownerId,omitempty"`
	IsDefault   bool   `json:"isDefault,omitempty"`
	Archived    bool   `json:"archived,omitempty"`
	// ActiveRevision is the number of the pinned revision; 0: the latest.
	ActiveRevision int              `json:"activeRevision,omitempty"`
	Revisions      []RevisionRecord `json:"revisions,omitempty"`
	// Version, in documents written before environments had revisions:
	// that many revisions, with ids derived from the environment's.
	Version int `json:"version,omitempty"`
}

// RevisionRecord is one revision, its variables' values included.
type RevisionRecord struct {
	// EnvironmentID names the revision's environment in the log; in a
	// state document the revision is listed under it instead.
	EnvironmentID string `json:"environmentId,omitempty"`
	ID            string `json:"id"`
	Number        int    `json:"number"`
	IsRestricted  bool   `json:"isRestricted,omitempty"`
	RevisionDefinition
}

func (r *envRevision) record(logged bool) RevisionRecord {
	rec := RevisionRecord{ID: r.id, Number: r.number, IsRestricted: r.restricted, RevisionDefinition: r.def.clone()}
	if logged {
		rec.EnvironmentID = r.env.id
	}
	return rec
}

// record is e as a state document holds it; withRevisions false leaves
// them out, for the log.
func (e *environment) record(withRevisions bool) EnvironmentRecord {
	rec := EnvironmentRecord{ID: e.id, Name: e.name, Description: e.description, Visibility: e.visibility,
		IsDefault: e.isDefault, Archived: e.archived}
	if e.owner != nil {
		rec.OwnerID = e.owner.id
	}
	if e.pinned != nil {
		rec.ActiveRevision = e.pinned.number
	}
	if withRevisions {
		for _, r := range e.revisions {
			rec.Revisions = append(rec.Revisions, r.record(false))
		}
	}
	return rec
}

// namedEnvironment is environments[i] as fixtures write it, its owner by
// user name, so that fixtures.Checker can check it.
func (st *state) namedEnvironment(i int, r EnvironmentRecord) (fixtures.Environment, error) {
	at := fmt.Sprintf("environments[%d]", i)
	fe := fixtures.Environment{ID: r.ID, Name: r.Name, Description: r.Description, Visibility: r.Visibility,
		IsDefault: r.IsDefault, Archived: r.Archived, Version: r.Version, ActiveRevision: r.ActiveRevision}
	if r.Visibility == "" {
		return fe, fmt.Errorf("%s.visibility is required", at)
	}
	if r.OwnerID != "" {
		u := st.users[r.OwnerID]
		if u == nil {
			return fe, fmt.Errorf("%s.ownerId %q is not a user", at, clip(r.OwnerID))
		}
		fe.Owner = u.userName
	}
	for _, rev := range r.Revisions {
		fe.Revisions = append(fe.Revisions, fixtures.EnvironmentRevision{ID: rev.ID, Image: rev.Image, IsRestricted: rev.IsRestricted})
	}
	return fe, nil
}

// checkEnvironmentRecord checks what only a state document's environment
// holds, once fixtures.Checker has checked the rest.
func checkEnvironmentRecord(i int, r EnvironmentRecord) error {
	at := fmt.Sprintf("environments[%d]", i)
	for j := range r.Revisions {
		rev := &r.Revisions[j]
		rat := fmt.Sprintf("%s.revisions[%d]", at, j)
		if rev.Number != j+1 {
			return fmt.Errorf("%s.number %d is not %d: revisions are numbered 1, 2, ... in order", rat, rev.Number, j+1)
		}
		if rev.EnvironmentID != "" && rev.EnvironmentID != r.ID {
			return fmt.Errorf("%s.environmentId %q is not its environment's id", rat, clip(rev.EnvironmentID))
		}
		if err := checkDefinition(rat, &rev.RevisionDefinition); err != nil {
			return err
		}
	}
	return nil
}

// environmentFrom builds a checked record's environment; its owner is in st.
func (st *state) environmentFrom(r EnvironmentRecord) *environment {
	e := &environment{id: r.ID, name: r.Name, description: r.Description, visibility: r.Visibility,
		isDefault: r.IsDefault, archived: r.Archived}
	if e.visibility == "" {
		e.visibility = VisibilityGlobal // fixtures may leave it out
	}
	if r.OwnerID != "" {
		e.owner = st.users[r.OwnerID]
	}
	revisions := r.Revisions
	if len(revisions) == 0 {
		for i, fr := range fixtures.RevisionsOf(fixtures.Environment{ID: r.ID, Version: r.Version}) {
			revisions = append(revisions, RevisionRecord{ID: fr.ID, Number: i + 1})
		}
	}
	for i, rr := range revisions {
		e.revisions = append(e.revisions, &envRevision{id: rr.ID, env: e, number: i + 1, restricted: rr.IsRestricted, def: rr.RevisionDefinition.clone()})
	}
	if r.ActiveRevision > 0 {
		e.pinned = e.revisions[r.ActiveRevision-1]
	}
	return e
}

// fixtureEnvironment is a fixtures environment as a record; its owner is a
// user of st.
func (st *state) fixtureEnvironment(fe fixtures.Environment) EnvironmentRecord {
	r := EnvironmentRecord{ID: fe.ID, Name: fe.Name, Description: fe.Description, Visibility: fe.Visibility,
		IsDefault: fe.IsDefault, Archived: fe.Archived, ActiveRevision: fe.ActiveRevision}
	if u := st.names[strings.ToLower(fe.Owner)]; fe.Owner != "" && u != nil {
		r.OwnerID = u.id
	}
	for i, fr := range fixtures.RevisionsOf(fe) {
		r.Revisions = append(r.Revisions, RevisionRecord{ID: fr.ID, Number: i + 1, IsRestricted: fr.IsRestricted,
			RevisionDefinition: RevisionDefinition{Image: fr.Image}})
	}
	return r
}
