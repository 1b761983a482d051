package store

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Workspaces: a user's IDE in a project, run as sessions one at a time. The
// rules, each here once, whatever route a client uses:
//
//   - Whoever may start jobs in a project may create a workspace there, and
//     owns it: the project's owner, administrators, its Contributor and
//     Owner collaborators; not LauncherUser, ResultsConsumer or
//     ProjectImporter (inferred: jobs' rule). An archived project is found
//     by no route, so it gets no new workspace.
//   - A workspace is its owner's. Its owner, the project's managers (its
//     owner and Owner collaborators) and administrators see it, stop it and
//     delete it; only its owner, while still allowed to start jobs there,
//     starts its sessions and changes it (inferred).
//   - A workspace runs at most one session at a time; a session moves
//     Queued → Running (or Failed/Error, as the lifecycle says) and, once
//     stopped, Stopping → Stopped, lazily on reads, as the workspace
//     lifecycle in force when it started says (like jobs' lifecycle).
//   - A workspace whose session has not stopped cannot be deleted; a
//     deleted one is kept (the spec lists them) and starts no session.
//   - What a request leaves out comes from the project's settings: its
//     default environment (with its revision spec), hardware tier and
//     volume size. An environment must be one the project may use (as for
//     jobs); tools must be ones its revision offers.

// Workspace states (the spec's WorkspaceState), derived from the workspace's
// most recent session.
const (
	WorkspaceCreated      = "Created"
	WorkspaceInitializing = "Initializing" // its first session is starting
	WorkspaceStarting     = "Starting"     // a later session is
	WorkspaceStarted      = "Started"
	WorkspaceStopping     = "Stopping"
	WorkspaceStopped      = "Stopped"
	WorkspaceDeleted      = "Deleted"
)

// StatusStopping is a session asked to stop that has not yet.
const StatusStopping = "Stopping"

// sessionStatuses are the statuses a workspace session can have.
var sessionStatuses = []string{StatusQueued, StatusRunning, StatusStopping, StatusStopped, StatusFailed, StatusError}

// WorkspaceLifecycle says how sessions started from now on move: Queued →
// Running (or StartStatus Failed/Error) when started, Stopping → Stopped
// when stopped. Modes are jobs': at the first read (immediate), after
// StartingFor/StoppingFor of mock-clock time (clock), at the Polls-th status
// read (polls), or only when told (manual).
type WorkspaceLifecycle struct {
	Mode        string   `json:"mode"`
	StartingFor Duration `json:"startingFor"`
	StoppingFor Duration `json:"stoppingFor"`
	Polls       int      `json:"polls"`
	StartStatus string   `json:"startStatus"`
}

// DefaultWorkspaceLifecycle: sessions run, and stop, at the next read.
func DefaultWorkspaceLifecycle() WorkspaceLifecycle {
	return WorkspaceLifecycle{Mode: ModeImmediate, Polls: 1, StartStatus: StatusRunning}
}

func (l WorkspaceLifecycle) validate() (WorkspaceLifecycle, error) {
	switch l.Mode {
	case ModeImmediate, ModeClock, ModePolls, ModeManual:
	default:
		return l, errorf(KindInvalid, "mode %q is invalid: must be immediate, clock, polls or manual", clip(l.Mode))
	}
	switch l.StartStatus {
	case "":
		l.StartStatus = StatusRunning
	case StatusRunning, StatusFailed, StatusError:
	default:
		return l, errorf(KindInvalid, "startStatus %q is invalid: must be Running, Failed or Error", clip(l.StartStatus))
	}
	if l.StartingFor < 0 || l.StoppingFor < 0 {
		return l, errorf(KindInvalid, "startingFor and stoppingFor must not be negative")
	}
	if l.Polls < 0 {
		return l, errorf(KindInvalid, "polls must not be negative")
	}
	if l.Polls == 0 {
		l.Polls = 1
	}
	return l, nil
}

// Mockdomino's bounds on what one project's workspaces hold (Domino's are
// not known): deleted workspaces and stopped sessions are kept, so they
// count.
const (
	DefaultMaxWorkspacesPerProject = 1000
	DefaultMaxSessionsPerProject   = 10000
	maxWorkspaceTools              = 16
)

// workspaceState is every workspace of the state.
type workspaceState struct {
	byID      map[string]*workspace
	order     []*workspace            // in creation order
	byProject map[string][]*workspace // by project id, in creation order
	sessions  map[string]*wsSession   // by id
	// executions are the sessions' execution ids, which are ObjectIds too.
	executions map[string]*wsSession
	// sessionCount is how many sessions each project's workspaces hold.
	sessionCount map[string]int
	lifecycle    WorkspaceLifecycle // the one new sessions get
}

func newWorkspaceState() workspaceState {
	return workspaceState{byID: map[string]*workspace{}, byProject: map[string][]*workspace{},
		sessions: map[string]*wsSession{}, executions: map[string]*wsSession{}, sessionCount: map[string]int{},
		lifecycle: DefaultWorkspaceLifecycle()}
}

func (ws *workspaceState) idInUse(id string) bool {
	return ws.byID[id] != nil || ws.sessions[id] != nil || ws.executions[id] != nil
}

func (ws *workspaceState) add(w *workspace) {
	ws.byID[w.id] = w
	ws.order = append(ws.order, w)
	ws.byProject[w.project.id] = append(ws.byProject[w.project.id], w)
}

func (ws *workspaceState) addSession(x *wsSession) {
	x.ws.sessions = append(x.ws.sessions, x)
	ws.sessions[x.id] = x
	ws.executions[x.executionID] = x
	ws.sessionCount[x.ws.project.id]++
}

type workspace struct {
	id        string
	project   *project
	owner     *user
	name      string
	created   time.Time
	deleted   bool
	deletedAt time.Time
	volumeGiB float64
	config    workspaceConfig // what its next session runs with
	sessions  []*wsSession    // in the order they started; only the last may be live
}

// workspaceConfig is what a session runs with: an environment (a revision
// by spec), a hardware tier (by id) and tools (by name).
type workspaceConfig struct {
	env   *environment
	spec  fixtures.RevisionSpec
	tier  string
	tools []string
}

type wsSession struct {
	id, executionID string
	ws              *workspace
	revision        *envRevision // resolved from the spec when it started
	revisionType    string       // Active, Latest, Pinned or Restricted
	tier            string
	tools           []string
	status          string
	// queued: started; running: began to run; stopRequested: asked to
	// stop; ended: stopped, or failed to start. Zero until reached.
	queued, running, stopRequested, ended time.Time
	polls                                 int // status reads that count for ModePolls, in the current phase
	lifecycle                             WorkspaceLifecycle
}

func (x *wsSession) completed() bool {
	switch x.status {
	case StatusStopped, StatusFailed, StatusError:
		return true
	}
	return false
}

func (w *workspace) last() *wsSession {
	if len(w.sessions) == 0 {
		return nil
	}
	return w.sessions[len(w.sessions)-1]
}

// live is its session that has not stopped, or nil.
func (w *workspace) live() *wsSession {
	if x := w.last(); x != nil && !x.completed() {
		return x
	}
	return nil
}

// advance moves a session one stage on: a queued one runs (or fails to
// start), a stopping one stops. A running one runs until it is stopped.
func (x *wsSession) advance(at time.Time) {
	switch x.status {
	case StatusQueued:
		if at = notBefore(at, x.queued); x.lifecycle.StartStatus == StatusRunning {
			x.status, x.running = StatusRunning, at
		} else {
			x.status, x.ended = x.lifecycle.StartStatus, at
		}
	case StatusStopping:
		x.status, x.ended = StatusStopped, notBefore(at, x.stopRequested)
	}
	x.polls = 0
}

// progress brings a session up to date with its lifecycle; poll says
// whether this is a status read that counts for ModePolls.
func (x *wsSession) progress(now time.Time, poll bool) {
	var since time.Time
	var wait Duration
	switch x.status {
	case StatusQueued:
		since, wait = x.queued, x.lifecycle.StartingFor
	case StatusStopping:
		since, wait = x.stopRequested, x.lifecycle.StoppingFor
	default:
		return
	}
	switch x.lifecycle.Mode {
	case ModeImmediate:
		x.advance(since)
	case ModeClock:
		if at := since.Add(time.Duration(wait)); !now.Before(at) {
			x.advance(at)
		}
	case ModePolls:
		if !poll {
			return
		}
		if x.polls++; x.polls >= x.lifecycle.Polls {
			x.advance(now)
		}
	}
}

// stop asks a session that has not stopped to stop; one that never ran
// stops as well (inferred).
func (x *wsSession) stop(now time.Time) {
	if x.completed() || x.status == StatusStopping {
		return
	}
	x.status, x.stopRequested, x.polls = StatusStopping, notBefore(now, cmp.Or(x.running, x.queued)), 0
}

// state is the workspace's state, from its most recent session.
func (w *workspace) state() string {
	if w.deleted {
		return WorkspaceDeleted
	}
	x := w.last()
	if x == nil {
		return WorkspaceCreated
	}
	switch x.status {
	case StatusQueued:
		if len(w.sessions) == 1 {
			return WorkspaceInitializing
		}
		return WorkspaceStarting
	case StatusRunning:
		return WorkspaceStarted
	case StatusStopping:
		return WorkspaceStopping
	}
	return WorkspaceStopped
}

// stateUpdatedAt is when the workspace last changed state.
func (w *workspace) stateUpdatedAt() time.Time {
	if w.deleted {
		return w.deletedAt
	}
	if x := w.last(); x != nil {
		return x.statusUpdatedAt()
	}
	return w.created
}

func (x *wsSession) statusUpdatedAt() time.Time {
	for _, t := range []time.Time{x.ended, x.stopRequested, x.running} {
		if !t.IsZero() {
			return t
		}
	}
	return x.queued
}

// ---- tools ----

// standardWorkspaceTools are what a revision that declares no workspace
// tools offers (inferred: the IDEs of Domino's Standard Environments).
var standardWorkspaceTools = []WorkspaceTool{
	{Name: "jupyter", Title: "Jupyter (Python, R, Julia)", StartScripts: []string{"/opt/domino/workspaces/jupyter/start"}},
	{Name: "jupyterlab", Title: "JupyterLab", StartScripts: []string{"/opt/domino/workspaces/jupyterlab/start"}},
	{Name: "vscode", Title: "VS Code", StartScripts: []string{"/opt/domino/workspaces/vscode/start"}},
	{Name: "rstudio", Title: "RStudio", StartScripts: []string{"/opt/domino/workspaces/rstudio/start"}},
}

// tools are the workspace tools a revision offers.
func (r *envRevision) tools() []WorkspaceTool {
	if len(r.def.WorkspaceTools) > 0 {
		return RevisionDefinition{WorkspaceTools: r.def.WorkspaceTools}.clone().WorkspaceTools
	}
	return RevisionDefinition{WorkspaceTools: standardWorkspaceTools}.clone().WorkspaceTools
}

// WorkspaceTools are the tools workspaces of a project may use with an
// environment ("" names the project's default one), through the revision
// the project's default revision spec (or, for another environment, the
// active revision) picks.
func (s *Store) WorkspaceTools(c Caller, projectID, environmentID string) ([]WorkspaceTool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	if environmentID != "" && s.st.environments[environmentID] == nil {
		return nil, errorf(KindNotFound, "Environment %s not found", clip(environmentID))
	}
	e, spec, err := s.st.workspaceEnvironment(c, p, environmentID, nil)
	if err != nil {
		return nil, err
	}
	r, _, err := e.resolve(spec)
	if err != nil {
		return nil, err
	}
	return r.tools(), nil
}

// workspaceEnvironment is the environment and revision spec a workspace
// of p uses: the named environment (or the project's default one), which p
// must be able to use when c uses it, and the given spec (or, for the
// project's default environment, the project's default spec; else the
// active revision).
func (st *state) workspaceEnvironment(c Caller, p *project, id string, spec *fixtures.RevisionSpec) (*environment, fixtures.RevisionSpec, error) {
	settings := st.settingsOf(p)
	field := "environmentId"
	if id == "" {
		id, field = settings.DefaultEnvironmentID, "the project's default environment"
	}
	e := st.environments[id]
	if e == nil || !e.usable(c, p) {
		if id == "" {
			return nil, fixtures.RevisionSpec{}, errorf(KindInvalid, "environmentId is required: the project has no default environment")
		}
		return nil, fixtures.RevisionSpec{}, errorf(KindInvalid, "%s %q is not an environment this project may use", field, clip(id))
	}
	switch {
	case spec != nil:
		return e, *spec, nil
	case e.id == settings.DefaultEnvironmentID:
		return e, settings.DefaultEnvironmentRevisionSpec, nil
	}
	return e, fixtures.RevisionSpec{Named: "ActiveRevision"}, nil
}

// resolve is the revision of e a spec names now, and its revision type as
// the spec's EnvironmentRevisionSummary says it.
func (e *environment) resolve(spec fixtures.RevisionSpec) (*envRevision, string, error) {
	switch {
	case spec.RevisionID != "":
		r, err := e.revision(spec.RevisionID)
		if err != nil {
			return nil, "", errorf(KindInvalid, "environmentRevisionSpec: revision %s is not a revision of environment %s", clip(spec.RevisionID), e.id)
		}
		return r, "Pinned", nil
	case spec.Named == "LatestRevision":
		return e.latest(), "Latest", nil
	case spec.Named == "RestrictedRevision":
		if r := e.restrictedRevision(); r != nil {
			return r, "Restricted", nil
		}
		return nil, "", errorf(KindInvalid, "environmentRevisionSpec: environment %s has no restricted revision", e.id)
	}
	return e.active(), "Active", nil
}

// checkTools are the tools a workspace runs: those named, which the
// revision must offer, each once; none named is the revision's first.
func checkTools(r *envRevision, names []string) ([]string, error) {
	offered := r.tools()
	if len(names) == 0 {
		if len(offered) == 0 {
			return nil, errorf(KindInvalid, "environment %s offers no workspace tools", r.env.id)
		}
		return []string{offered[0].Name}, nil
	}
	if len(names) > maxWorkspaceTools {
		return nil, errorf(KindInvalid, "tools names %d tools, more than the %d mockdomino keeps", len(names), maxWorkspaceTools)
	}
	var out []string
	for i, n := range names {
		if !slices.ContainsFunc(offered, func(t WorkspaceTool) bool { return t.Name == n }) {
			var known []string
			for _, t := range offered {
				known = append(known, t.Name)
			}
			return nil, errorf(KindInvalid, "tools[%d] %q is not a workspace tool of environment %s revision %d (it offers %s)",
				i, clip(n), r.env.id, r.number, strings.Join(known, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// ---- views ----

// WorkspaceConfig is what a workspace's sessions run with.
type WorkspaceConfig struct {
	EnvironmentID, EnvironmentName string
	RevisionID                     string
	RevisionNumber                 int
	RevisionType                   string // Active, Latest, Pinned or Restricted
	IsRestricted                   bool
	HardwareTierID                 string
	HardwareTierName               string
	Tools                          []string
}

// Workspace is a workspace as the store shows it; the API shapes it.
type Workspace struct {
	ID, ProjectID, ProjectName       string
	ProjectOwnerID, ProjectOwnerName string
	OwnerID, OwnerName, Name         string
	State                            string
	StateUpdatedAt, Created          time.Time
	Deleted                          bool
	DeletedAt                        time.Time // zero unless deleted
	VolumeSizeGiB                    float64
	Config                           WorkspaceConfig // of its next session
	MostRecentSession                *WorkspaceSession
	// Session statistics: the time its sessions ran, the last one's start
	// and end (zero until reached).
	RunTime            time.Duration
	LastStart, LastEnd time.Time
}

// WorkspaceSession is one session of a workspace.
type WorkspaceSession struct {
	ID, ExecutionID, WorkspaceID, ProjectID string
	Config                                  WorkspaceConfig
	Status                                  string
	StatusUpdatedAt                         time.Time
	Queued, Running, Ended                  time.Time // zero until reached
	ExitStatus                              string    // Stopped, Failed or Error once ended; else ""
	// The spec's WorkspaceSessionStatusInfo.
	IsLoading, IsRunning, IsStoppable, IsCompleting bool
	IsFailed, IsSuccessful, IsCompleted             bool
}

func (st *state) tierName(id string) string {
	for _, t := range st.tiers {
		if t.ID == id {
			return t.Name
		}
	}
	return id
}

func (st *state) configView(r *envRevision, revisionType, tier string, tools []string) WorkspaceConfig {
	return WorkspaceConfig{EnvironmentID: r.env.id, EnvironmentName: r.env.name, RevisionID: r.id, RevisionNumber: r.number,
		RevisionType: revisionType, IsRestricted: r.restricted, HardwareTierID: tier, HardwareTierName: st.tierName(tier),
		Tools: slices.Clone(tools)}
}

func (st *state) sessionView(x *wsSession) WorkspaceSession {
	v := WorkspaceSession{ID: x.id, ExecutionID: x.executionID, WorkspaceID: x.ws.id, ProjectID: x.ws.project.id,
		Config: st.configView(x.revision, x.revisionType, x.tier, x.tools), Status: x.status,
		StatusUpdatedAt: x.statusUpdatedAt(), Queued: x.queued, Running: x.running, Ended: x.ended,
		IsLoading: x.status == StatusQueued, IsRunning: x.status == StatusRunning,
		IsStoppable: x.status == StatusQueued || x.status == StatusRunning, IsCompleting: x.status == StatusStopping,
		IsFailed: x.status == StatusFailed || x.status == StatusError, IsSuccessful: x.status == StatusStopped,
		IsCompleted: x.completed()}
	if v.IsCompleted {
		v.ExitStatus = x.status
	}
	return v
}

func (st *state) workspaceView(w *workspace, now time.Time) Workspace {
	v := Workspace{ID: w.id, ProjectID: w.project.id, ProjectName: w.project.name, ProjectOwnerID: w.project.owner.id,
		ProjectOwnerName: w.project.owner.userName, OwnerID: w.owner.id, OwnerName: w.owner.userName, Name: w.name,
		State: w.state(), StateUpdatedAt: w.stateUpdatedAt(), Created: w.created, Deleted: w.deleted, DeletedAt: w.deletedAt,
		VolumeSizeGiB: w.volumeGiB}
	// The template shows the revision its spec names now; one that names
	// none any more (a restriction lifted) shows the active one.
	r, revisionType, err := w.config.env.resolve(w.config.spec)
	if err != nil {
		r, revisionType = w.config.env.active(), "Active"
	}
	v.Config = st.configView(r, revisionType, w.config.tier, w.config.tools)
	for _, x := range w.sessions {
		if x.running.IsZero() {
			continue
		}
		end := x.ended
		if end.IsZero() {
			end = cmp.Or(x.stopRequested, now)
		}
		v.RunTime += max(end.Sub(x.running), 0) // the clock may have moved back
	}
	if x := w.last(); x != nil {
		sv := st.sessionView(x)
		v.MostRecentSession = &sv
		v.LastStart, v.LastEnd = x.running, x.ended
	}
	return v
}

// ---- lookups ----

// canSee: the workspace's owner, the project's managers, administrators.
func (w *workspace) canSee(c Caller) bool {
	return w.owner.id == c.ID || w.project.canManage(c)
}

// canUse: its owner, while still allowed to start jobs in the project.
func (w *workspace) canUse(c Caller) bool {
	return w.owner.id == c.ID && w.project.canStartJobs(c)
}

// visibleWorkspace is a workspace of the project c may see.
func (st *state) visibleWorkspace(c Caller, projectID, id string) (*workspace, error) {
	p, err := st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	w := st.ws.byID[id]
	if w == nil || w.project != p {
		return nil, errorf(KindNotFound, "Workspace %s not found in project %s", clip(id), p.id)
	}
	if !w.canSee(c) {
		return nil, errorf(KindForbidden, "Forbidden: workspace %s is %s's; only its owner, the project's owners and administrators may see it", w.id, w.owner.userName)
	}
	return w, nil
}

// usableWorkspace is a workspace c may start and change: its own, not
// deleted.
func (st *state) usableWorkspace(c Caller, projectID, id string) (*workspace, error) {
	w, err := st.visibleWorkspace(c, projectID, id)
	if err != nil {
		return nil, err
	}
	if !w.canUse(c) {
		return nil, errorf(KindForbidden, "Forbidden: only %s, the owner of workspace %s, may start or change it (while allowed to start jobs in project %s)", w.owner.userName, w.id, w.project.name)
	}
	if w.deleted {
		return nil, errorf(KindInvalid, "Workspace %s is deleted", w.id)
	}
	return w, nil
}

// bringUp brings each workspace's live session up to date and logs those
// that moved; a read still answers if the state directory fails (the
// failure then refuses the next write).
func (s *Store) bringUp(now time.Time, poll bool, ws ...*workspace) {
	var moved []*wsSession
	for _, w := range ws {
		x := w.live()
		if x == nil {
			continue
		}
		before := x.record()
		x.progress(now, poll)
		if !sameSession(before, x.record()) {
			moved = append(moved, x)
		}
	}
	if len(moved) > 0 && s.writable() == nil {
		_ = s.commit(change{wsSessions: moved})
	}
}

func sameSession(a, b WorkspaceSessionRecord) bool {
	return a.Status == b.Status && a.Polls == b.Polls && a.Running.Equal(b.Running) && a.Ended.Equal(b.Ended)
}

// ---- the routes' operations ----

// MayCreateWorkspace says whether c may launch workspaces in the project,
// for the HTTP layer to ask before it reads a body.
func (s *Store) MayCreateWorkspace(c Caller, projectID string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.launchProject(c, projectID)
	return err
}

// MayChangeWorkspace says whether c may start and change the workspace,
// for the HTTP layer to ask before it reads a body.
func (s *Store) MayChangeWorkspace(c Caller, projectID, id string) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.st.usableWorkspace(c, projectID, id)
	return err
}

// launchProject is a project c may launch workspaces in.
func (st *state) launchProject(c Caller, projectID string) (*project, error) {
	p, err := st.readableProject(c, projectID)
	if err != nil {
		return nil, err
	}
	if !p.canStartJobs(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not launch workspaces in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	return p, nil
}

// WorkspaceInput is a new workspace (the spec's CreateWorkspaceRequest), or
// what an update changes; a zero field takes the project's default (create)
// or stays as it is (update).
type WorkspaceInput struct {
	Name           string
	EnvironmentID  string
	RevisionSpec   *fixtures.RevisionSpec
	HardwareTierID string // id or name
	Tools          []string
	VolumeSizeGiB  *float64
	// Volumes to mount: mockdomino has none, so any is refused.
	ExternalVolumeMounts, NetAppVolumeIDs []string
}

func checkWorkspaceName(field, name string) error {
	return invalid(fixtures.CheckEnvironmentName(field, name))
}

func noVolumes(external, netApp []string) error {
	if len(external) > 0 {
		return errorf(KindInvalid, "externalVolumeMounts: external volume %s not found (mockdomino has no external volumes)", clip(external[0]))
	}
	if len(netApp) > 0 {
		return errorf(KindInvalid, "netAppVolumeIds: NetApp volume %s not found (mockdomino has no NetApp volumes)", clip(netApp[0]))
	}
	return nil
}

// CreateWorkspace makes a workspace the caller owns and starts its first
// session (the spec's createAndStartWorkspace).
func (s *Store) CreateWorkspace(c Caller, projectID string, in WorkspaceInput) (Workspace, error) {
	if err := checkWorkspaceName("name", in.Name); err != nil {
		return Workspace{}, err
	}
	if err := noVolumes(in.ExternalVolumeMounts, in.NetAppVolumeIDs); err != nil {
		return Workspace{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.launchProject(c, projectID)
	if err != nil {
		return Workspace{}, err
	}
	owner := s.st.users[c.ID]
	if owner == nil {
		return Workspace{}, errCallerGone
	}
	settings := s.st.settingsOf(p)
	w := &workspace{project: p, owner: owner, name: in.Name, volumeGiB: settings.DefaultVolumeSizeGiB}
	if in.VolumeSizeGiB != nil {
		if err := fixtures.CheckVolumeSize("overrideVolumeSizeGiB", *in.VolumeSizeGiB); err != nil {
			return Workspace{}, invalid(err)
		}
		w.volumeGiB = *in.VolumeSizeGiB
	}
	if w.config, err = s.st.newConfig(c, p, workspaceConfig{tier: settings.DefaultHardwareTierID}, in); err != nil {
		return Workspace{}, err
	}
	if n := len(s.st.ws.byProject[p.id]); n >= s.cfg.Limits.WorkspacesPerProject {
		return Workspace{}, errorf(KindInvalid, "Project %s already holds %d workspaces, deleted ones included: the most one project may hold (mockdomino's limit)", p.name, n)
	}
	if err := s.sessionRoom(p); err != nil {
		return Workspace{}, err
	}
	if err := s.writable(); err != nil {
		return Workspace{}, err
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	w.id, w.created = s.newObjectID(), now
	s.st.ws.add(w)
	x, err := s.newSession(w, now)
	if err != nil { // cannot happen: newConfig resolved the same spec under the same lock
		return Workspace{}, err
	}
	return s.st.workspaceView(w, now), s.commit(change{workspaces: []*workspace{w}, wsSessions: []*wsSession{x}, creates: true})
}

// newConfig is cfg changed by what in names, checked: an environment the
// project may use with a revision its spec names, a hardware tier of the
// catalog, tools the revision offers. A new environment without tools
// named takes its revision's first tool.
func (st *state) newConfig(c Caller, p *project, cfg workspaceConfig, in WorkspaceInput) (workspaceConfig, error) {
	envID := in.EnvironmentID
	if envID == "" && cfg.env != nil {
		envID = cfg.env.id
	}
	spec := in.RevisionSpec
	if spec == nil && cfg.env != nil && cfg.env.id == envID {
		kept := cfg.spec
		spec = &kept
	}
	e, resolvedSpec, err := st.workspaceEnvironment(c, p, envID, spec)
	if err != nil {
		return cfg, err
	}
	r, _, err := e.resolve(resolvedSpec)
	if err != nil {
		return cfg, err
	}
	tools := in.Tools
	if len(tools) == 0 && cfg.env == e {
		tools = cfg.tools
	}
	if tools, err = checkTools(r, tools); err != nil {
		return cfg, err
	}
	tier := cfg.tier
	if in.HardwareTierID != "" {
		tier = in.HardwareTierID
	}
	if tier, err = st.hardwareTier(tier, "hardwareTierId"); err != nil {
		return cfg, err
	}
	if tier == "" {
		return cfg, errorf(KindInvalid, "hardwareTierId is required: there is no default hardware tier")
	}
	return workspaceConfig{env: e, spec: resolvedSpec, tier: tier, tools: tools}, nil
}

// sessionRoom refuses a new session past the project's limit.
func (s *Store) sessionRoom(p *project) error {
	if n := s.st.ws.sessionCount[p.id]; n >= s.cfg.Limits.SessionsPerProject {
		return errorf(KindInvalid, "Project %s's workspaces already hold %d sessions: the most one project's may hold (mockdomino's limit)", p.name, n)
	}
	return nil
}

// newSession starts a session of w with its configuration; the caller
// holds the write lock and has checked that w may start one.
func (s *Store) newSession(w *workspace, now time.Time) (*wsSession, error) {
	r, revisionType, err := w.config.env.resolve(w.config.spec)
	if err != nil {
		return nil, err
	}
	x := &wsSession{id: s.newObjectID(), ws: w, revision: r, revisionType: revisionType, tier: w.config.tier,
		tools: slices.Clone(w.config.tools), status: StatusQueued, queued: now, lifecycle: s.st.ws.lifecycle}
	x.executionID = s.newObjectID()
	s.st.ws.addSession(x)
	return x, nil
}

// Workspace returns a workspace the caller may see, brought up to date;
// each call is a status poll.
func (s *Store) Workspace(c Caller, projectID, id string) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.visibleWorkspace(c, projectID, id)
	if err != nil {
		return Workspace{}, err
	}
	now := s.cfg.Clock.Now()
	s.bringUp(now, true, w)
	return s.st.workspaceView(w, now), nil
}

// WorkspaceQuery selects a page of a project's workspaces.
type WorkspaceQuery struct {
	Offset, Limit int
	Deleted       bool   // the deleted ones instead of the provisioned ones
	OwnerID       string // only this user's; "" for every one the caller may see
}

// Workspaces is one page of a project's workspaces the caller may see, in
// creation order, brought up to date, and how many the query selects.
func (s *Store) Workspaces(c Caller, projectID string, q WorkspaceQuery) ([]Workspace, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return nil, 0, err
	}
	if q.OwnerID != "" {
		if s.st.users[q.OwnerID] == nil {
			return nil, 0, errorf(KindNotFound, "User %s not found", clip(q.OwnerID))
		}
		if q.OwnerID != c.ID && !p.canManage(c) {
			return nil, 0, errorf(KindForbidden, "Forbidden: only the project's owners and administrators may list another user's workspaces")
		}
	}
	var selected []*workspace
	for _, w := range s.st.ws.byProject[p.id] {
		if w.deleted == q.Deleted && w.canSee(c) && (q.OwnerID == "" || w.owner.id == q.OwnerID) {
			selected = append(selected, w)
		}
	}
	return s.workspacePage(selected, q.Offset, q.Limit), len(selected), nil
}

// workspacePage brings a page of ws up to date and shows it.
func (s *Store) workspacePage(ws []*workspace, offset, limit int) []Workspace {
	from := min(max(offset, 0), len(ws))
	to := from + min(max(limit, 0), len(ws)-from)
	page := ws[from:to]
	now := s.cfg.Clock.Now()
	s.bringUp(now, false, page...)
	out := make([]Workspace, 0, len(page))
	for _, w := range page {
		out = append(out, s.st.workspaceView(w, now))
	}
	return out
}

// WorkspaceCount is how many provisioned (not deleted) workspaces of the
// project the caller may see.
func (s *Store) WorkspaceCount(c Caller, projectID string) (int, error) {
	_, n, err := s.Workspaces(c, projectID, WorkspaceQuery{})
	return n, err
}

// WorkspaceSortFields are the sortField values of GET /v4/workspace.
var WorkspaceSortFields = []string{"Name", "ProjectName", "LastStarted", "HardwareTierName", "Status"}

// MyWorkspacesQuery selects a page of the caller's workspaces across
// projects (GET /v4/workspace).
type MyWorkspacesQuery struct {
	Offset, Limit int
	Name          string // only those whose name holds this, in any case
	SortField     string // one of WorkspaceSortFields; "" is LastStarted
	Ascending     bool   // the default is descending
}

// MyWorkspaces is one page of the caller's provisioned workspaces in the
// projects it may still read, and how many the query selects. LastStarted
// orders by the last session's start; workspaces never started come last.
func (s *Store) MyWorkspaces(c Caller, q MyWorkspacesQuery) ([]Workspace, int, error) {
	if q.SortField == "" {
		q.SortField = "LastStarted"
	}
	if !slices.Contains(WorkspaceSortFields, q.SortField) {
		return nil, 0, errorf(KindServerError, "No value found for '%s'", clip(q.SortField))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	needle := strings.ToLower(q.Name)
	var selected []*workspace
	for _, w := range s.st.ws.order {
		if w.owner.id != c.ID || w.deleted || w.project.archived || !w.project.canRead(c) ||
			!strings.Contains(strings.ToLower(w.name), needle) {
			continue
		}
		selected = append(selected, w)
	}
	// Sorting reads states: bring every selected one up to date first.
	s.bringUp(now, false, selected...)
	key := map[string]func(a, b *workspace) int{
		"Name":        func(a, b *workspace) int { return strings.Compare(a.name, b.name) },
		"ProjectName": func(a, b *workspace) int { return strings.Compare(a.project.name, b.project.name) },
		"HardwareTierName": func(a, b *workspace) int {
			return strings.Compare(s.st.tierName(a.config.tier), s.st.tierName(b.config.tier))
		},
		"Status":      func(a, b *workspace) int { return strings.Compare(a.state(), b.state()) },
		"LastStarted": func(a, b *workspace) int { return a.lastStarted().Compare(b.lastStarted()) },
	}[q.SortField]
	slices.SortStableFunc(selected, func(a, b *workspace) int {
		if q.Ascending {
			return key(a, b)
		}
		return key(b, a)
	})
	return s.workspacePage(selected, q.Offset, q.Limit), len(selected), nil
}

func (w *workspace) lastStarted() time.Time {
	if x := w.last(); x != nil {
		return x.queued
	}
	return time.Time{}
}

// StartWorkspaceSession starts a new session of the caller's workspace,
// with its configuration; one whose last session has not stopped is
// refused (one session at a time).
func (s *Store) StartWorkspaceSession(c Caller, projectID, id string, externalVolumes, netAppVolumes []string) (WorkspaceSession, error) {
	if err := noVolumes(externalVolumes, netAppVolumes); err != nil {
		return WorkspaceSession{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.usableWorkspace(c, projectID, id)
	if err != nil {
		return WorkspaceSession{}, err
	}
	now := s.cfg.Clock.Now()
	s.bringUp(now, false, w)
	if x := w.live(); x != nil {
		return WorkspaceSession{}, errorf(KindInvalid, "Workspace %s already has a session that has not stopped (%s): stop it first", w.id, x.status)
	}
	if !w.config.env.usable(c, w.project) {
		return WorkspaceSession{}, errorf(KindInvalid, "environmentId %q is not an environment this project may use", w.config.env.id)
	}
	if err := s.sessionRoom(w.project); err != nil {
		return WorkspaceSession{}, err
	}
	if err := s.writable(); err != nil {
		return WorkspaceSession{}, err
	}
	x, err := s.newSession(w, now.Truncate(time.Millisecond))
	if err != nil {
		return WorkspaceSession{}, err
	}
	return s.st.sessionView(x), s.commit(change{wsSessions: []*wsSession{x}, creates: true})
}

// StopWorkspaceSession asks the workspace's session to stop, and answers
// it; a workspace whose session has stopped answers its last one as it is
// (inferred, as a completed job is), one that never started 400.
func (s *Store) StopWorkspaceSession(c Caller, projectID, id string) (WorkspaceSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.visibleWorkspace(c, projectID, id)
	if err != nil {
		return WorkspaceSession{}, err
	}
	now := s.cfg.Clock.Now()
	s.bringUp(now, false, w)
	x := w.last()
	if x == nil {
		return WorkspaceSession{}, errorf(KindInvalid, "Workspace %s has no session", w.id)
	}
	if x.completed() || x.status == StatusStopping {
		return s.st.sessionView(x), nil
	}
	if err := s.writable(); err != nil {
		return WorkspaceSession{}, err
	}
	x.stop(now.Truncate(time.Millisecond))
	return s.st.sessionView(x), s.commit(change{wsSessions: []*wsSession{x}})
}

// DeleteWorkspace deletes a workspace whose session has stopped; deleting
// one again answers it as it is.
func (s *Store) DeleteWorkspace(c Caller, projectID, id string) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.visibleWorkspace(c, projectID, id)
	if err != nil {
		return Workspace{}, err
	}
	now := s.cfg.Clock.Now()
	s.bringUp(now, false, w)
	if w.deleted {
		return s.st.workspaceView(w, now), nil
	}
	if x := w.live(); x != nil {
		return Workspace{}, errorf(KindInvalid, "Workspace %s has a session that has not stopped (%s): stop it before deleting the workspace", w.id, x.status)
	}
	if err := s.writable(); err != nil {
		return Workspace{}, err
	}
	w.deleted, w.deletedAt = true, now.Truncate(time.Millisecond)
	return s.st.workspaceView(w, now), s.commit(change{workspaces: []*workspace{w}})
}

// UpdateWorkspace changes the caller's workspace: its name, and what its
// next session runs with (a running session keeps what it started with).
func (s *Store) UpdateWorkspace(c Caller, projectID, id string, in WorkspaceInput) (Workspace, error) {
	if in.Name != "" {
		if err := checkWorkspaceName("name", in.Name); err != nil {
			return Workspace{}, err
		}
	}
	if in.VolumeSizeGiB != nil || len(in.ExternalVolumeMounts) > 0 || len(in.NetAppVolumeIDs) > 0 {
		return Workspace{}, errorf(KindInvalid, "a workspace's volumes are set when it is created")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.usableWorkspace(c, projectID, id)
	if err != nil {
		return Workspace{}, err
	}
	cfg, err := s.st.newConfig(c, w.project, w.config, in)
	if err != nil {
		return Workspace{}, err
	}
	if err := s.writable(); err != nil {
		return Workspace{}, err
	}
	w.config = cfg
	if in.Name != "" {
		w.name = in.Name
	}
	return s.st.workspaceView(w, s.cfg.Clock.Now()), s.commit(change{workspaces: []*workspace{w}})
}

// RenameWorkspace changes the caller's workspace's name (its title) alone.
func (s *Store) RenameWorkspace(c Caller, projectID, id, title string) (Workspace, error) {
	if err := checkWorkspaceName("title", title); err != nil {
		return Workspace{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.usableWorkspace(c, projectID, id)
	if err != nil {
		return Workspace{}, err
	}
	if err := s.writable(); err != nil {
		return Workspace{}, err
	}
	w.name = title
	return s.st.workspaceView(w, s.cfg.Clock.Now()), s.commit(change{workspaces: []*workspace{w}})
}

// WorkspaceSessions is a page of a workspace's sessions, newest first.
func (s *Store) WorkspaceSessions(c Caller, projectID, id string, offset, limit int) ([]WorkspaceSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, err := s.st.visibleWorkspace(c, projectID, id)
	if err != nil {
		return nil, err
	}
	s.bringUp(s.cfg.Clock.Now(), false, w)
	n := len(w.sessions)
	from := min(max(offset, 0), n)
	to := from + min(max(limit, 0), n-from)
	out := make([]WorkspaceSession, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, s.st.sessionView(w.sessions[n-1-i]))
	}
	return out, nil
}

// WorkspaceSession returns one session of a workspace the caller may see,
// brought up to date; each call is a status poll.
func (s *Store) WorkspaceSession(c Caller, projectID, sessionID string) (WorkspaceSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.readableProject(c, projectID)
	if err != nil {
		return WorkspaceSession{}, err
	}
	x := s.st.ws.sessions[sessionID]
	if x == nil || x.ws.project != p {
		return WorkspaceSession{}, errorf(KindNotFound, "Workspace session %s not found in project %s", clip(sessionID), p.id)
	}
	if _, err := s.st.visibleWorkspace(c, projectID, x.ws.id); err != nil {
		return WorkspaceSession{}, err
	}
	s.bringUp(s.cfg.Clock.Now(), true, x.ws)
	return s.st.sessionView(x), nil
}

// SetWorkspaceLifecycle changes how sessions started from now on move.
func (s *Store) SetWorkspaceLifecycle(l WorkspaceLifecycle) (WorkspaceLifecycle, error) {
	l, err := l.validate()
	if err != nil {
		return l, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return l, err
	}
	s.st.ws.lifecycle = l
	return l, s.commit(change{wsLifecycle: true})
}

// WorkspaceLifecycle is the lifecycle new sessions get.
func (s *Store) WorkspaceLifecycle() WorkspaceLifecycle {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.st.ws.lifecycle
}

// AdvanceWorkspace moves a workspace's session one stage on (Queued →
// Running or its start status, Stopping → Stopped), whatever its
// lifecycle; for the control plane. A running session runs until stopped.
func (s *Store) AdvanceWorkspace(id string) (Workspace, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.st.ws.byID[id]
	if w == nil {
		return Workspace{}, errorf(KindNotFound, "Workspace %s not found", clip(id))
	}
	x := w.live()
	switch {
	case x == nil:
		return Workspace{}, errorf(KindInvalid, "Workspace %s has no session that has not stopped", w.id)
	case x.status == StatusRunning:
		return Workspace{}, errorf(KindInvalid, "Workspace %s's session is Running, and runs until it is stopped", w.id)
	}
	if err := s.writable(); err != nil {
		return Workspace{}, err
	}
	now := s.cfg.Clock.Now()
	x.advance(now.Truncate(time.Millisecond))
	return s.st.workspaceView(w, now), s.commit(change{wsSessions: []*wsSession{x}})
}

// ---- persistence ----

// WorkspaceRecord is a workspace in a state document and in the log; its
// sessions are apart (WorkspaceSessionRecord), so a new session logs
// itself, not the workspace's history.
type WorkspaceRecord struct {
	ID                      string                `json:"id"`
	ProjectID               string                `json:"projectId"`
	OwnerID                 string                `json:"ownerId"`
	Name                    string                `json:"name"`
	Created                 time.Time             `json:"created"`
	Deleted                 bool                  `json:"deleted,omitempty"`
	DeletedAt               *time.Time            `json:"deletedAt,omitempty"`
	VolumeSizeGiB           float64               `json:"volumeSizeGiB"`
	EnvironmentID           string                `json:"environmentId"`
	EnvironmentRevisionSpec fixtures.RevisionSpec `json:"environmentRevisionSpec"`
	HardwareTierID          string                `json:"hardwareTierId"`
	Tools                   []string              `json:"tools"`
}

// WorkspaceSessionRecord is one session, with its progress and the
// lifecycle it started under.
type WorkspaceSessionRecord struct {
	ID                    string             `json:"id"`
	WorkspaceID           string             `json:"workspaceId"`
	ExecutionID           string             `json:"executionId"`
	EnvironmentRevisionID string             `json:"environmentRevisionId"`
	RevisionType          string             `json:"revisionType"`
	HardwareTierID        string             `json:"hardwareTierId"`
	Tools                 []string           `json:"tools"`
	Status                string             `json:"status"`
	Queued                time.Time          `json:"queued"`
	Running               time.Time          `json:"running"`
	StopRequested         time.Time          `json:"stopRequested"`
	Ended                 time.Time          `json:"ended"`
	Polls                 int                `json:"polls"`
	Lifecycle             WorkspaceLifecycle `json:"lifecycle"`
}

func (w *workspace) record() WorkspaceRecord {
	r := WorkspaceRecord{ID: w.id, ProjectID: w.project.id, OwnerID: w.owner.id, Name: w.name, Created: w.created,
		Deleted: w.deleted, VolumeSizeGiB: w.volumeGiB, EnvironmentID: w.config.env.id,
		EnvironmentRevisionSpec: w.config.spec, HardwareTierID: w.config.tier, Tools: slices.Clone(w.config.tools)}
	if w.deleted {
		t := w.deletedAt
		r.DeletedAt = &t
	}
	return r
}

func (x *wsSession) record() WorkspaceSessionRecord {
	return WorkspaceSessionRecord{ID: x.id, WorkspaceID: x.ws.id, ExecutionID: x.executionID,
		EnvironmentRevisionID: x.revision.id, RevisionType: x.revisionType, HardwareTierID: x.tier,
		Tools: slices.Clone(x.tools), Status: x.status, Queued: x.queued, Running: x.running,
		StopRequested: x.stopRequested, Ended: x.ended, Polls: x.polls, Lifecycle: x.lifecycle}
}

// workspaceRecords puts the workspaces, their sessions and the lifecycle in
// a snapshot; the caller holds at least the read lock.
func (st *state) workspaceRecords(s *Snapshot) {
	for _, w := range st.ws.order {
		s.Workspaces = append(s.Workspaces, w.record())
		for _, x := range w.sessions {
			s.WorkspaceSessions = append(s.WorkspaceSessions, x.record())
		}
	}
	if st.ws.lifecycle != DefaultWorkspaceLifecycle() {
		l := st.ws.lifecycle
		s.WorkspaceLifecycle = &l
	}
}

// logWorkspaces puts a change's workspaces and sessions in its log record.
func (st *state) logWorkspaces(rec *walRecord, c change) {
	for _, w := range c.workspaces {
		rec.Workspaces = append(rec.Workspaces, w.record())
	}
	for _, x := range c.wsSessions {
		rec.WorkspaceSessions = append(rec.WorkspaceSessions, x.record())
	}
	if c.wsLifecycle {
		l := st.ws.lifecycle
		rec.WorkspaceLifecycle = &l
	}
	if c.creates && (len(rec.Workspaces) > 0 || len(rec.WorkspaceSessions) > 0) {
		if rec.Created == nil {
			rec.Created = &createdIDs{}
		}
		for _, w := range rec.Workspaces {
			rec.Created.Workspaces = append(rec.Created.Workspaces, w.ID)
		}
		for _, x := range rec.WorkspaceSessions {
			rec.Created.WorkspaceSessions = append(rec.Created.WorkspaceSessions, x.ID)
		}
	}
}

func workspaceKey(v WorkspaceRecord) string        { return v.ID }
func wsSessionKey(v WorkspaceSessionRecord) string { return v.ID }

// workspaceReplay is what replay keeps of workspaces.
type workspaceReplay struct {
	workspaces orderedMap[WorkspaceRecord]
	sessions   orderedMap[WorkspaceSessionRecord]
	lifecycle  *WorkspaceLifecycle
}

func (r *workspaceReplay) full(s Snapshot) error {
	*r = workspaceReplay{lifecycle: s.WorkspaceLifecycle}
	if err := putAll("workspaces", &r.workspaces, s.Workspaces, workspaceKey); err != nil {
		return err
	}
	return putAll("workspaceSessions", &r.sessions, s.WorkspaceSessions, wsSessionKey)
}

func (r *workspaceReplay) apply(rec walRecord) error {
	if c := rec.Created; c != nil {
		if err := creates("workspace", c.Workspaces, &r.workspaces, rec.Workspaces, workspaceKey); err != nil {
			return err
		}
		if err := creates("workspace session", c.WorkspaceSessions, &r.sessions, rec.WorkspaceSessions, wsSessionKey); err != nil {
			return err
		}
	}
	for _, v := range rec.Workspaces {
		r.workspaces.put(v.ID, v)
	}
	for _, v := range rec.WorkspaceSessions {
		// Workspaces are never removed, so a session of one the log never
		// made is damage.
		if !r.workspaces.has(v.WorkspaceID) {
			return fmt.Errorf("the record holds session %s of workspace %q, which does not exist", v.ID, v.WorkspaceID)
		}
		r.sessions.put(v.ID, v)
	}
	if rec.WorkspaceLifecycle != nil {
		l := *rec.WorkspaceLifecycle
		r.lifecycle = &l
	}
	return nil
}

func (r *workspaceReplay) result(s *Snapshot) {
	s.Workspaces, s.WorkspaceSessions, s.WorkspaceLifecycle = nil, nil, r.lifecycle
	if v := r.workspaces.values(); len(v) > 0 {
		s.Workspaces = v
	}
	if v := r.sessions.values(); len(v) > 0 {
		s.WorkspaceSessions = v
	}
}

// loadWorkspaces checks and builds a state document's workspaces, once its
// users, projects, hardware tiers and environments are in st.
func (st *state) loadWorkspaces(check *fixtures.Checker, snap Snapshot) error {
	if l := snap.WorkspaceLifecycle; l != nil {
		valid, err := l.validate()
		if err != nil {
			return fmt.Errorf("workspaceLifecycle: %v", err)
		}
		st.ws.lifecycle = valid
	}
	tierKnown := func(id string) bool {
		return slices.ContainsFunc(st.tiers, func(t fixtures.HardwareTier) bool { return t.ID == id })
	}
	claim := func(field, id string) error {
		if err := fixtures.CheckObjectID(field, id); err != nil {
			return err
		}
		return check.ID(field, id)
	}
	checkToolNames := func(at string, tools []string) error {
		if len(tools) == 0 || len(tools) > maxWorkspaceTools {
			return fmt.Errorf("%s.tools: a workspace runs 1 to %d tools", at, maxWorkspaceTools)
		}
		for j, t := range tools {
			if strings.TrimSpace(t) == "" || fixtures.HasControl(t) {
				return fmt.Errorf("%s.tools[%d] %q is not a tool's name", at, j, clip(t))
			}
		}
		return nil
	}
	for i, r := range snap.Workspaces {
		at := fmt.Sprintf("workspaces[%d]", i)
		if err := claim(at+".id", r.ID); err != nil {
			return err
		}
		p := st.projects[r.ProjectID]
		if p == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		owner := st.users[r.OwnerID]
		if owner == nil {
			return fmt.Errorf("%s.ownerId %q is not a user", at, clip(r.OwnerID))
		}
		if err := fixtures.CheckEnvironmentName(at+".name", r.Name); err != nil {
			return err
		}
		if err := fixtures.CheckVolumeSize(at+".volumeSizeGiB", r.VolumeSizeGiB); err != nil {
			return err
		}
		e := st.environments[r.EnvironmentID]
		if e == nil {
			return fmt.Errorf("%s.environmentId %q is not an environment", at, clip(r.EnvironmentID))
		}
		spec := r.EnvironmentRevisionSpec
		if spec.Named == "" && spec.RevisionID == "" {
			spec.Named = "ActiveRevision"
		}
		if spec.RevisionID != "" {
			if _, err := e.revision(spec.RevisionID); err != nil {
				return fmt.Errorf("%s.environmentRevisionSpec: %q is not a revision of environment %s", at, clip(spec.RevisionID), e.id)
			}
		}
		if !tierKnown(r.HardwareTierID) {
			return fmt.Errorf("%s.hardwareTierId %q is not a hardware tier", at, clip(r.HardwareTierID))
		}
		if err := checkToolNames(at, r.Tools); err != nil {
			return err
		}
		if r.Deleted != (r.DeletedAt != nil) {
			return fmt.Errorf("%s: a deleted workspace has deletedAt, and only a deleted one", at)
		}
		w := &workspace{id: r.ID, project: p, owner: owner, name: r.Name, created: r.Created, deleted: r.Deleted,
			volumeGiB: r.VolumeSizeGiB, config: workspaceConfig{env: e, spec: spec, tier: r.HardwareTierID, tools: slices.Clone(r.Tools)}}
		if r.DeletedAt != nil {
			w.deletedAt = *r.DeletedAt
		}
		st.ws.add(w)
	}
	for i, r := range snap.WorkspaceSessions {
		at := fmt.Sprintf("workspaceSessions[%d]", i)
		if err := claim(at+".id", r.ID); err != nil {
			return err
		}
		if err := claim(at+".executionId", r.ExecutionID); err != nil {
			return err
		}
		w := st.ws.byID[r.WorkspaceID]
		if w == nil {
			return fmt.Errorf("%s.workspaceId %q is not a workspace", at, clip(r.WorkspaceID))
		}
		if live := w.live(); live != nil {
			return fmt.Errorf("%s: workspace %s's session %s has not stopped, so it can have no later one", at, w.id, live.id)
		}
		rev := st.envRevisions[r.EnvironmentRevisionID]
		if rev == nil {
			return fmt.Errorf("%s.environmentRevisionId %q is not an environment revision", at, clip(r.EnvironmentRevisionID))
		}
		if !slices.Contains([]string{"Active", "Latest", "Pinned", "Restricted"}, r.RevisionType) {
			return fmt.Errorf("%s.revisionType %q is invalid: must be Active, Latest, Pinned or Restricted", at, clip(r.RevisionType))
		}
		if !tierKnown(r.HardwareTierID) {
			return fmt.Errorf("%s.hardwareTierId %q is not a hardware tier", at, clip(r.HardwareTierID))
		}
		if err := checkToolNames(at, r.Tools); err != nil {
			return err
		}
		if !slices.Contains(sessionStatuses, r.Status) {
			return fmt.Errorf("%s.status %q is invalid: must be one of %s", at, clip(r.Status), strings.Join(sessionStatuses, ", "))
		}
		l, err := r.Lifecycle.validate()
		if err != nil {
			return fmt.Errorf("%s.lifecycle: %v", at, err)
		}
		if w.deleted && !slices.Contains([]string{StatusStopped, StatusFailed, StatusError}, r.Status) {
			return fmt.Errorf("%s: workspace %s is deleted, so its sessions have stopped", at, w.id)
		}
		st.ws.addSession(&wsSession{id: r.ID, executionID: r.ExecutionID, ws: w, revision: rev, revisionType: r.RevisionType,
			tier: r.HardwareTierID, tools: slices.Clone(r.Tools), status: r.Status, queued: r.Queued, running: r.Running,
			stopRequested: r.StopRequested, ended: r.Ended, polls: r.Polls, lifecycle: l})
	}
	return nil
}
