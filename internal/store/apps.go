package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Apps (Domino's "model products" of type APP, /v4/modelProducts): each
// belongs to a project, has a name no other app of the project has, and
// runs as instances. Starting an app (publishing it) makes a new instance,
// which moves Pending → Running under the shared job lifecycle (the one
// /__mock/jobs/lifecycle sets, in force when the instance started), and a
// stop ends it. Every rule is here, once.

// App statuses: an instance's, and an app's (its latest instance's).
const (
	AppPending = "Pending" // started, not yet serving
	AppRunning = "Running"
	AppStopped = "Stopped" // stopped, or never started (inferred)
	AppFailed  = "Failed"  // the lifecycle's finalStatus was Failed or Error
)

// appStatuses are the statuses an app instance can have.
var appStatuses = []string{AppPending, AppRunning, AppStopped, AppFailed}

// AppTypes are the spec's modelProductType values; an app is "APP".
var AppTypes = []string{"APP", "BATCH", "REPORT", "SCORER"}

// AppVisibilities are the spec's PermissionsData visibilities.
var AppVisibilities = []string{"PUBLIC", "AUTHENTICATED", "GRANT_BASED", "GRANT_BASED_STRICT"}

// What one app may hold and one project may hold of apps: Domino's limits
// are not known; these bound what clients can make the mock hold (inferred).
const (
	maxAppsPerProject   = 1000
	maxAppNameBytes     = 256
	maxAppTextBytes     = 8 << 10 // a description or entry point
	defaultAppVisiblity = "GRANT_BASED"
)

type app struct {
	id, projectID     string
	name, description string
	kind              string // modelProductType
	visibility        string
	hardwareTier      string // "" until given
	environmentID     string // "" until given
	entryPoint        string
	publisher         *user // who created it
	created, updated  time.Time
	instance          *appInstance // the latest; nil until first started
}

type appInstance struct {
	id                          string
	startedBy                   *user
	commitID                    string
	hardwareTier, environmentID string
	started, runStart, stopped  time.Time
	status                      string
	lifecycle                   *sharedLifecycle // in force when it started
	polls                       int
}

// App is an app as the store sees it; the API shapes it.
type App struct {
	ID, ProjectID     string
	Name, Description string
	Type, Visibility  string
	HardwareTierID    string
	EnvironmentID     string
	EntryPoint        string
	PublisherID       string
	PublisherUserName string
	Created, Updated  time.Time
	Status            string // the latest instance's; Stopped before the first start
	// The latest instance, zero before the first start.
	InstanceID             string
	InstanceStarted        time.Time
	InstanceRunStart       time.Time // zero until Running
	InstanceStopped        time.Time // zero until Stopped or Failed
	InstanceStartedByID    string
	InstanceStartedByName  string
	RunningCommitID        string
	InstanceHardwareTierID string
	InstanceEnvironmentID  string
}

func (a *app) view() App {
	v := App{ID: a.id, ProjectID: a.projectID, Name: a.name, Description: a.description, Type: a.kind,
		Visibility: a.visibility, HardwareTierID: a.hardwareTier, EnvironmentID: a.environmentID,
		EntryPoint: a.entryPoint, PublisherID: a.publisher.id, PublisherUserName: a.publisher.userName,
		Created: a.created, Updated: a.updated, Status: AppStopped}
	if i := a.instance; i != nil {
		v.Status, v.InstanceID, v.InstanceStarted, v.InstanceRunStart, v.InstanceStopped = i.status, i.id, i.started, i.runStart, i.stopped
		v.InstanceStartedByID, v.InstanceStartedByName = i.startedBy.id, i.startedBy.userName
		v.RunningCommitID, v.InstanceHardwareTierID, v.InstanceEnvironmentID = i.commitID, i.hardwareTier, i.environmentID
	}
	return v
}

func (i *appInstance) ended() bool { return i.status == AppStopped || i.status == AppFailed }

// advance moves an instance one stage on: Pending → Running, and Running →
// Failed when its lifecycle ends in failure (an app that succeeds keeps
// running until it is stopped).
func (i *appInstance) advance(at time.Time) bool {
	switch {
	case i.status == AppPending:
		i.status, i.runStart = AppRunning, notBefore(at, i.started)
	case i.status == AppRunning && i.lifecycle.FinalStatus != StatusSucceeded:
		i.status, i.stopped = AppFailed, notBefore(at, i.runStart)
	default:
		return false
	}
	return true
}

// progress brings an instance up to date with its lifecycle, as a job's:
// immediate at once, clock after queuedFor (and runFor to fail), polls at
// the first status read (and the polls-th to fail), manual only when told.
func (i *appInstance) progress(now time.Time, poll bool) {
	if i.ended() {
		return
	}
	i.lifecycle.step(i.started, now, poll, &i.polls, func() stage {
		switch i.status {
		case AppPending:
			return stageWaiting
		case AppRunning:
			return stageRunning
		}
		return stageOther
	}, func(at time.Time) { i.advance(at) })
}

// AppInput is a new app, from POST /v4/modelProducts.
type AppInput struct {
	ProjectID     string
	Name          string
	Description   string
	Type          string // "" is APP
	Visibility    string // "" is GRANT_BASED
	HardwareTier  string // id or name; "" leaves it to each start
	EnvironmentID string
	EntryPoint    string
}

// AppStart is what POST /v4/modelProducts/{id}/start may choose. Its
// external volumes and dataset configuration are accepted and change
// nothing, as a job's are: the mock has none.
type AppStart struct {
	HardwareTier  string // "": the app's, else the default tier
	EnvironmentID string // "": the app's, else the default environment
	CommitID      string // "": a new one, as a job's
}

// mayPublish is the rule for creating, starting and stopping apps: the
// roles that may start jobs (inferred: Domino documents publishing as a
// Contributor's and an Owner's right).
func (p *project) mayPublish(c Caller) bool { return p.canStartJobs(c) }

func (st *state) publishableProject(c Caller, id string) (*project, error) {
	p, err := st.project(id)
	if err != nil {
		return nil, err
	}
	if !p.mayPublish(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not publish apps in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	return p, nil
}

func checkAppText(field, v string, max int) error {
	if len(v) > max {
		return errorf(KindInvalid, "%s is longer than %d bytes, the most mockdomino keeps", field, max)
	}
	return nil
}

// checkAppName: any name (python-domino sends ""), up to 256 bytes, no
// control characters (inferred).
func checkAppName(field, name string) error {
	if err := checkAppText(field, name, maxAppNameBytes); err != nil {
		return err
	}
	if hasControl(name) {
		return errorf(KindInvalid, "%s %q holds a control character", field, clip(name))
	}
	return nil
}

func oneOfKind(field, v string, allowed []string) error {
	if !slices.Contains(allowed, v) {
		return errorf(KindInvalid, "%s %q is invalid: must be one of %s", field, clip(v), strings.Join(allowed, ", "))
	}
	return nil
}

// CreateApp makes an app in a project; the caller needs a role that may
// publish. Its name is one no other app of the project has.
func (s *Store) CreateApp(c Caller, in AppInput) (App, error) {
	if in.ProjectID == "" {
		return App{}, errorf(KindInvalid, "projectId is required")
	}
	if in.Type == "" {
		in.Type = "APP"
	}
	if in.Visibility == "" {
		in.Visibility = defaultAppVisiblity
	}
	for _, err := range []error{
		checkAppName("name", in.Name),
		checkAppText("description", in.Description, maxAppTextBytes),
		checkAppText("entryPoint", in.EntryPoint, maxAppTextBytes),
		oneOfKind("modelProductType", in.Type, AppTypes),
		oneOfKind("permissionsData.visibility", in.Visibility, AppVisibilities),
	} {
		if err != nil {
			return App{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.publishableProject(c, in.ProjectID)
	if err != nil {
		return App{}, err
	}
	a := &app{projectID: p.id, name: in.Name, description: in.Description, kind: in.Type,
		visibility: in.Visibility, entryPoint: in.EntryPoint, publisher: s.st.users[c.ID]}
	if a.publisher == nil {
		return App{}, errCallerGone
	}
	if in.HardwareTier != "" {
		if a.hardwareTier, err = s.st.hardwareTier(in.HardwareTier, "hardwareTierId"); err != nil {
			return App{}, err
		}
	}
	if in.EnvironmentID != "" {
		env, err := s.st.jobEnvironment(c, p, in.EnvironmentID)
		if err != nil {
			return App{}, err
		}
		a.environmentID = env.id
	}
	apps := s.st.projectApps[p.id]
	for _, other := range apps {
		if other.name == in.Name {
			return App{}, errorf(KindDuplicate, "An app with the name %q already exists in project %s.", clip(in.Name), p.name)
		}
	}
	if len(apps) >= maxAppsPerProject {
		return App{}, errorf(KindInvalid, "Project %s already holds %d apps, the most one project may hold (mockdomino's limit)", p.name, len(apps))
	}
	if err := s.writable(); err != nil {
		return App{}, err
	}
	a.id = s.newObjectID()
	a.created = s.cfg.Clock.Now().Truncate(time.Millisecond)
	a.updated = a.created
	s.st.addApp(a)
	return a.view(), s.commit(change{apps: []*app{a}, creates: true})
}

func (st *state) addApp(a *app) {
	st.apps[a.id] = a
	st.projectApps[a.projectID] = append(st.projectApps[a.projectID], a)
}

// readableApp is an app of a project the caller may read.
func (st *state) readableApp(c Caller, id string) (*app, *project, error) {
	a := st.apps[id]
	if a == nil {
		return nil, nil, errorf(KindNotFound, "App %s not found", clip(id))
	}
	p, err := st.project(a.projectID)
	if err != nil { // an archived project's apps are found no more
		return nil, nil, errorf(KindNotFound, "App %s not found", clip(id))
	}
	if !p.canRead(c) {
		return nil, nil, errorf(KindForbidden, "Forbidden: %s may not access app %s", c.UserName, a.id)
	}
	return a, p, nil
}

// App returns an app, brought up to date; each call is a status poll.
func (s *Store) App(c Caller, id string) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, _, err := s.st.readableApp(c, id)
	if err != nil {
		return App{}, err
	}
	s.progressApp(a, s.cfg.Clock.Now(), true)
	return a.view(), nil
}

// Apps lists a project's apps in the order they were made, those of one
// type only if kind is given.
func (s *Store) Apps(c Caller, projectID, kind string) ([]App, error) {
	if projectID == "" {
		return nil, errorf(KindInvalid, "projectId is required")
	}
	if kind != "" {
		if err := oneOfKind("type", kind, AppTypes); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.st.readableProject(c, projectID); err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	out := []App{}
	for _, a := range s.st.projectApps[projectID] {
		if kind != "" && a.kind != kind {
			continue
		}
		s.progressApp(a, now, false)
		out = append(out, a.view())
	}
	return out, nil
}

// maxCommitIDBytes bounds a commitId an app or a model version names (a
// commit id is 40 hex digits; a job's must name a commit of its project).
const maxCommitIDBytes = 256

// StartApp publishes an app: a new instance, Pending. An app whose latest
// instance has not ended is refused (inferred: python-domino's app_publish
// stops it first).
func (s *Store) StartApp(c Caller, id string, in AppStart) (App, error) {
	if err := checkAppText("commitId", in.CommitID, maxCommitIDBytes); err != nil {
		return App{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, p, err := s.st.readableApp(c, id)
	if err != nil {
		return App{}, err
	}
	if !p.mayPublish(c) {
		return App{}, errorf(KindForbidden, "Forbidden: %s may not publish apps in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	now := s.cfg.Clock.Now()
	if i := a.instance; i != nil {
		s.progressApp(a, now, false)
		if !i.ended() {
			return App{}, errorf(KindInvalid, "App %s is already %s: stop it before starting it again", a.id, strings.ToLower(i.status))
		}
	}
	tierID := in.HardwareTier
	if tierID == "" {
		tierID = a.hardwareTier
	}
	tier, err := s.st.hardwareTier(tierID, "hardwareTierId")
	if err != nil {
		return App{}, err
	}
	envID := in.EnvironmentID
	if envID == "" {
		envID = a.environmentID
	}
	env, err := s.st.jobEnvironment(c, p, envID)
	if err != nil {
		return App{}, err
	}
	starter := s.st.users[c.ID]
	if starter == nil {
		return App{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return App{}, err
	}
	commit := in.CommitID
	if commit == "" {
		commit = s.cfg.IDs.ObjectID() + s.cfg.IDs.ObjectID()[:16] // 40 hex, like a git sha
	}
	i := &appInstance{id: s.newObjectID(), startedBy: starter, commitID: commit, hardwareTier: tier,
		started: now.Truncate(time.Millisecond), status: AppPending, lifecycle: s.st.lifecycle}
	if env != nil {
		i.environmentID = env.id
	}
	a.instance = i
	a.updated = i.started
	return a.view(), s.commit(change{apps: []*app{a}})
}

// StopApp stops an app's latest instance; an app that is not running is
// answered as it is (inferred, as a completed job's stop is).
func (s *Store) StopApp(c Caller, id string) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, p, err := s.st.readableApp(c, id)
	if err != nil {
		return App{}, err
	}
	if !p.mayPublish(c) {
		return App{}, errorf(KindForbidden, "Forbidden: %s may not stop apps in project %s", c.UserName, p.name)
	}
	if err := s.writable(); err != nil {
		return App{}, err
	}
	now := s.cfg.Clock.Now()
	i := a.instance
	if i == nil {
		return a.view(), nil
	}
	i.progress(now, false)
	if !i.ended() {
		if i.runStart.IsZero() {
			i.runStart = notBefore(now, i.started)
		}
		i.status, i.stopped = AppStopped, notBefore(now, i.runStart)
		a.updated = now
	}
	return a.view(), s.commit(change{apps: []*app{a}})
}

// AdvanceApp moves an app's latest instance one stage on, whatever its
// lifecycle; for the control plane.
func (s *Store) AdvanceApp(id string) (App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.apps[id]
	if a == nil {
		return App{}, errorf(KindNotFound, "App %s not found", clip(id))
	}
	i := a.instance
	if i == nil || i.ended() {
		return App{}, errorf(KindInvalid, "App %s is not starting or running (its status is %s)", id, a.view().Status)
	}
	if err := s.writable(); err != nil {
		return App{}, err
	}
	if !i.advance(s.cfg.Clock.Now()) {
		return App{}, errorf(KindInvalid, "App %s is running, and its lifecycle (finalStatus %s) keeps it so until it is stopped", id, i.lifecycle.FinalStatus)
	}
	return a.view(), s.commit(change{apps: []*app{a}})
}

// progressApp brings an app's instance up to date during a read and keeps
// the result when it changed (as progress does for jobs).
func (s *Store) progressApp(a *app, now time.Time, poll bool) {
	i := a.instance
	if i == nil {
		return
	}
	before := *i
	i.progress(now, poll)
	if *i != before && s.writable() == nil {
		_ = s.commit(change{apps: []*app{a}})
	}
}

// AppRecord is an app with its latest instance.
type AppRecord struct {
	ID             string             `json:"id"`
	ProjectID      string             `json:"projectId"`
	Name           string             `json:"name"`
	Description    string             `json:"description,omitempty"`
	Type           string             `json:"modelProductType"`
	Visibility     string             `json:"visibility"`
	HardwareTierID string             `json:"hardwareTierId,omitempty"`
	EnvironmentID  string             `json:"environmentId,omitempty"`
	EntryPoint     string             `json:"entryPoint,omitempty"`
	PublisherID    string             `json:"publisherId"`
	Created        time.Time          `json:"created"`
	Updated        time.Time          `json:"lastUpdated"`
	Instance       *AppInstanceRecord `json:"instance,omitempty"`
}

// AppInstanceRecord is an app's latest instance with its progress.
type AppInstanceRecord struct {
	ID             string    `json:"id"`
	StartedByID    string    `json:"startedById"`
	CommitID       string    `json:"commitId"`
	HardwareTierID string    `json:"hardwareTierId"`
	EnvironmentID  string    `json:"environmentId,omitempty"`
	Started        time.Time `json:"started"`
	RunStart       time.Time `json:"runStart"`
	Stopped        time.Time `json:"stopped"`
	Status         string    `json:"status"`
	// LifecycleID names the lifecycle it started under, as a job's does;
	// "" is jobLifecycle.
	LifecycleID string `json:"lifecycleId,omitempty"`
	Polls       int    `json:"polls"`
}

func (a *app) record() AppRecord {
	r := AppRecord{ID: a.id, ProjectID: a.projectID, Name: a.name, Description: a.description, Type: a.kind,
		Visibility: a.visibility, HardwareTierID: a.hardwareTier, EnvironmentID: a.environmentID,
		EntryPoint: a.entryPoint, PublisherID: a.publisher.id, Created: a.created, Updated: a.updated}
	if i := a.instance; i != nil {
		r.Instance = &AppInstanceRecord{ID: i.id, StartedByID: i.startedBy.id, CommitID: i.commitID,
			HardwareTierID: i.hardwareTier, EnvironmentID: i.environmentID, Started: i.started,
			RunStart: i.runStart, Stopped: i.stopped, Status: i.status, LifecycleID: i.lifecycle.id, Polls: i.polls}
	}
	return r
}

// loadApps adds a state document's apps, checked by the rules the routes
// apply; ids must be new to check.
func (st *state) loadApps(check *fixtures.Checker, lifecycles *lifecycleTable, apps []AppRecord) error {
	for i, r := range apps {
		at := fmt.Sprintf("apps[%d]", i)
		if err := fixtures.CheckObjectID(at+".id", r.ID); err != nil {
			return err
		}
		if err := check.ID(at+".id", r.ID); err != nil {
			return err
		}
		if st.projects[r.ProjectID] == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		u := st.users[r.PublisherID]
		if u == nil {
			return fmt.Errorf("%s.publisherId %q is not a user", at, clip(r.PublisherID))
		}
		for _, err := range []error{
			checkAppName(at+".name", r.Name),
			checkAppText(at+".description", r.Description, maxAppTextBytes),
			checkAppText(at+".entryPoint", r.EntryPoint, maxAppTextBytes),
			oneOfKind(at+".modelProductType", r.Type, AppTypes),
			oneOfKind(at+".visibility", r.Visibility, AppVisibilities),
		} {
			if err != nil {
				return fmt.Errorf("%s", err.(*Error).Message)
			}
		}
		if r.EnvironmentID != "" && st.environments[r.EnvironmentID] == nil {
			return fmt.Errorf("%s.environmentId %q is not an environment", at, clip(r.EnvironmentID))
		}
		for _, other := range st.projectApps[r.ProjectID] {
			if other.name == r.Name {
				return fmt.Errorf("%s.name %q is already the name of app %s of its project", at, clip(r.Name), other.id)
			}
		}
		a := &app{id: r.ID, projectID: r.ProjectID, name: r.Name, description: r.Description, kind: r.Type,
			visibility: r.Visibility, hardwareTier: r.HardwareTierID, environmentID: r.EnvironmentID,
			entryPoint: r.EntryPoint, publisher: u, created: r.Created, updated: r.Updated}
		if ri := r.Instance; ri != nil {
			at := at + ".instance"
			if err := fixtures.CheckObjectID(at+".id", ri.ID); err != nil {
				return err
			}
			if err := check.ID(at+".id", ri.ID); err != nil {
				return err
			}
			starter := st.users[ri.StartedByID]
			if starter == nil {
				return fmt.Errorf("%s.startedById %q is not a user", at, clip(ri.StartedByID))
			}
			if !slices.Contains(appStatuses, ri.Status) {
				return fmt.Errorf("%s.status %q is invalid: must be one of %s", at, clip(ri.Status), strings.Join(appStatuses, ", "))
			}
			l, err := lifecycles.named(ri.LifecycleID)
			if err != nil {
				return fmt.Errorf("%s: %v", at, err)
			}
			a.instance = &appInstance{id: ri.ID, startedBy: starter, commitID: ri.CommitID, hardwareTier: ri.HardwareTierID,
				environmentID: ri.EnvironmentID, started: ri.Started, runStart: ri.RunStart, stopped: ri.Stopped,
				status: ri.Status, lifecycle: l, polls: ri.Polls}
		}
		st.addApp(a)
	}
	return nil
}
