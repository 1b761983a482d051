package store

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/signing"
)

// SnapshotVersion is the format version of Snapshot documents. Version 1
// held a copy of its lifecycle in each job; version 2 lists each lifecycle
// once and jobs refer to it. Both load.
const SnapshotVersion = 2

// Redacted replaces secrets in an export without ?secrets=true.
const Redacted = "<redacted>"

// Snapshot is the whole state as one document: GET/PUT /__mock/state
// exchange it, and --state keeps it on disk (with secrets).
type Snapshot struct {
	Version       int                     `json:"version"`
	ClockOffset   Duration                `json:"clockOffset"`             // running: the clock's offset from the wall clock
	ClockFrozenAt *time.Time              `json:"clockFrozenAt,omitempty"` // frozen: its time (clockOffset is then 0s)
	Lifecycle     JobLifecycle            `json:"jobLifecycle"`            // the one new jobs start under
	Lifecycles    []LifecycleRecord       `json:"jobLifecycles,omitempty"` // the others jobs started under
	Users         []UserRecord            `json:"users"`
	Tokens        []TokenRecord           `json:"tokens"`
	AccessTokens  []AccessTokenRecord     `json:"accessTokens"`
	Projects      []ProjectRecord         `json:"projects"`
	ProjectTags   []TagRecord             `json:"projectTags,omitempty"`
	HardwareTiers []fixtures.HardwareTier `json:"hardwareTiers"`
	Environments  []EnvironmentRecord     `json:"environments"`
	Credentials   []CredentialRecord      `json:"gitCredentials"`
	Mappings      []MappingRecord         `json:"credentialMappings"`
	Jobs          []JobRecord             `json:"jobs"`
	Commits       []CommitRecord          `json:"commits,omitempty"`      // projects' files (files.go)
	MetricSeries  []MetricSeriesRecord    `json:"metricSeries,omitempty"` // custom metrics (metrics.go)
	MetricAlerts  []MetricAlertRecord     `json:"metricAlerts,omitempty"`
	ScheduledJobs []ScheduledJobRecord    `json:"scheduledJobs,omitempty"`
	// Workspaces and their sessions (workspaces.go); no lifecycle: the default.
	Workspaces         []WorkspaceRecord        `json:"workspaces,omitempty"`
	WorkspaceSessions  []WorkspaceSessionRecord `json:"workspaceSessions,omitempty"`
	WorkspaceLifecycle *WorkspaceLifecycle      `json:"workspaceLifecycle,omitempty"`
	Cost               *CostRecord              `json:"cost,omitempty"` // budgets and billing tags (cost.go)
	Apps               []AppRecord              `json:"apps,omitempty"` // apps and their latest instances (apps.go)
	// Models, their versions (in order, numbered from 1), exports and
	// projects' legacy API endpoints (models.go).
	Models        []ModelRecord        `json:"models,omitempty"`
	ModelVersions []ModelVersionRecord `json:"modelVersions,omitempty"`
	ModelExports  []ModelExportRecord  `json:"modelExports,omitempty"`
	Endpoints     []EndpointRecord     `json:"endpoints,omitempty"`
	// Datasets and their snapshots (datasets.go).
	Datasets         []DatasetRecord         `json:"datasets,omitempty"`
	DatasetSnapshots []DatasetSnapshotRecord `json:"datasetSnapshots,omitempty"`
}

// UserRecord is a user or service account with everything about it: a
// fixtures user (its fields inline in JSON) and what the API changes.
type UserRecord struct {
	fixtures.User
	ServiceAccount bool `json:"serviceAccount"`
	Active         bool `json:"active"`
	Reactivated    bool `json:"reactivated"`
	// PasswordResetAt is when a service account's password was last reset.
	PasswordResetAt *time.Time `json:"passwordResetAt,omitempty"`
}

// TokenRecord is a service-account token, its value included.
type TokenRecord struct {
	JTI       string    `json:"jti"`
	Name      string    `json:"name"`
	AccountID string    `json:"accountId"`
	Value     string    `json:"value"`
	Valid     bool      `json:"isValid"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	HasSub    bool      `json:"hasSub"`
}

// AccessTokenRecord is a short-lived token the proxy handed out.
type AccessTokenRecord struct {
	JTI       string    `json:"jti"`
	UserID    string    `json:"userId"`
	Value     string    `json:"value"`
	ExpiresAt time.Time `json:"expiresAt"`
	// TokenJTI is the service-account token it was obtained with (directly
	// or through other access tokens): it is usable only while that is.
	TokenJTI string `json:"tokenJti,omitempty"`
}

// ProjectRecord is a project with its collaborators, tags, environment
// variables (their values are secrets) and settings. The fields after
// Collaborators came with the project routes; a document without them
// still loads.
type ProjectRecord struct {
	ID                   string                         `json:"id"`
	Name                 string                         `json:"name"`
	OwnerID              string                         `json:"ownerId"`
	Description          string                         `json:"description"`
	Visibility           string                         `json:"visibility"`
	Repository           *RepositoryRecord              `json:"mainRepository,omitempty"`
	Collaborators        []CollaboratorRecord           `json:"collaborators"`
	Archived             bool                           `json:"archived,omitempty"`
	Created              *time.Time                     `json:"created,omitempty"`
	Updated              *time.Time                     `json:"updated,omitempty"`
	TagIDs               []string                       `json:"tagIds,omitempty"`
	EnvironmentVariables []fixtures.EnvironmentVariable `json:"environmentVariables,omitempty"`
	Settings             *fixtures.ProjectSettings      `json:"settings,omitempty"`
	BillingTagID         string                         `json:"billingTagId,omitempty"` // one of cost.billingTags
}

// TagRecord is a project tag, shared by the projects that list its id.
type TagRecord struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	LastAdded time.Time `json:"lastAdded"`
}

// RepositoryRecord is a project's main repository.
type RepositoryRecord struct {
	ID              string `json:"id"`
	URI             string `json:"uri"`
	ServiceProvider string `json:"serviceProvider"`
	RefType         string `json:"refType"`
	RefValue        string `json:"refValue,omitempty"`
}

// CollaboratorRecord is one collaborator of a project.
type CollaboratorRecord struct {
	UserID string `json:"userId"`
	Role   string `json:"projectRole"`
}

// CredentialRecord is a git credential, its secret included.
type CredentialRecord struct {
	GitCredential
	OwnerID    string `json:"ownerId"`
	AccessType string `json:"accessType"`
	Secret     string `json:"secret"`
}

// MappingRecord is one credential mapping.
type MappingRecord struct {
	UserID       string `json:"userId"`
	ProjectID    string `json:"projectId"`
	RepoID       string `json:"repoId"`
	CredentialID string `json:"credentialId"`
}

// JobRecord is a job with its progress.
type JobRecord struct {
	ID            string `json:"id"`
	ProjectID     string `json:"projectId"`
	Number        int    `json:"number"`
	Command       string `json:"command"`
	Title         string `json:"title"`
	HardwareTier  string `json:"hardwareTierId"`
	EnvironmentID string `json:"environmentId"`
	// EnvironmentRevisionID is the revision of its environment it runs
	// with; absent in documents written before jobs recorded it.
	EnvironmentRevisionID string    `json:"environmentRevisionId,omitempty"`
	CommitID              string    `json:"commitId"`
	StartedByID           string    `json:"startedById"`
	Submitted             time.Time `json:"submitted"`
	RunStart              time.Time `json:"runStart"`
	Completed             time.Time `json:"completed"`
	Status                string    `json:"status"`
	// LifecycleID names the lifecycle the job started under: jobLifecycle's
	// or one of jobLifecycles'. Version 1 held the lifecycle itself instead,
	// in Lifecycle; with neither, the job follows jobLifecycle.
	LifecycleID string        `json:"lifecycleId,omitempty"`
	Lifecycle   *JobLifecycle `json:"lifecycle,omitempty"`
	Polls       int           `json:"polls"`
	// How its revision was chosen (absent: ActiveRevision), the main
	// repository's ref it was started from, and whether it was archived;
	// absent in documents written before jobs kept them.
	EnvironmentRevisionSpec *fixtures.RevisionSpec `json:"environmentRevisionSpec,omitempty"`
	MainRepoGitRef          *Ref                   `json:"mainRepoGitRef,omitempty"`
	Archived                bool                   `json:"archived,omitempty"`
	// OutputCommitID is the commit of its results (a commit of its
	// project), once it finished; absent before, and in documents written
	// before jobs made one.
	OutputCommitID string `json:"outputCommitId,omitempty"`
}

func (u *user) record() UserRecord {
	r := UserRecord{
		User: fixtures.User{ID: u.id, IdpID: u.idpID, UserName: u.userName, FirstName: u.firstName, LastName: u.lastName,
			Email: u.email, Roles: append([]string{}, u.roles...), APIKey: u.apiKey},
		ServiceAccount: u.serviceAccount, Active: u.active, Reactivated: u.reactivated,
	}
	if !u.passwordResetAt.IsZero() {
		t := u.passwordResetAt
		r.PasswordResetAt = &t
	}
	return r
}

func (t *token) record() TokenRecord {
	return TokenRecord{JTI: t.jti, Name: t.name, AccountID: t.account.id, Value: t.value, Valid: t.valid,
		CreatedAt: t.createdAt, ExpiresAt: t.expiresAt, HasSub: t.hasSub}
}

func (a *accessToken) record(jti string) AccessTokenRecord {
	return AccessTokenRecord{JTI: jti, UserID: a.user.id, Value: a.value, ExpiresAt: a.expiresAt, TokenJTI: a.tokenJTI}
}

func (p *project) record() ProjectRecord {
	r := ProjectRecord{ID: p.id, Name: p.name, OwnerID: p.owner.id, Description: p.description,
		Visibility: p.visibility, Collaborators: []CollaboratorRecord{}, Archived: p.archived}
	if p.repo != nil {
		r.Repository = &RepositoryRecord{ID: p.repo.id, URI: p.repo.uri, ServiceProvider: p.repo.serviceProvider,
			RefType: p.repo.refType, RefValue: p.repo.refValue}
	}
	for _, c := range p.collaborators {
		r.Collaborators = append(r.Collaborators, CollaboratorRecord{UserID: c.user.id, Role: c.role})
	}
	created, updated := p.created, p.updated
	r.Created, r.Updated = &created, &updated
	for _, t := range p.tags {
		r.TagIDs = append(r.TagIDs, t.id)
	}
	for _, v := range p.envVars {
		r.EnvironmentVariables = append(r.EnvironmentVariables, fixtures.EnvironmentVariable{Name: v.name, Value: v.value})
	}
	if p.settings != (fixtures.ProjectSettings{}) {
		st := p.settings
		if st.DefaultEnvironmentRevisionSpec != nil {
			spec := *st.DefaultEnvironmentRevisionSpec
			st.DefaultEnvironmentRevisionSpec = &spec
		}
		r.Settings = &st
	}
	if p.billingTag != nil {
		r.BillingTagID = p.billingTag.id
	}
	return r
}

func (t *projectTag) record() TagRecord {
	return TagRecord{ID: t.id, Name: t.name, LastAdded: t.lastAdded}
}

func (c *gitCredential) record() CredentialRecord {
	return CredentialRecord{GitCredential: c.GitCredential, OwnerID: c.owner.id, AccessType: c.accessType, Secret: c.secret}
}

func (k mappingKey) record(credID string) MappingRecord {
	return MappingRecord{UserID: k.userID, ProjectID: k.projectID, RepoID: k.repoID, CredentialID: credID}
}

func (j *job) record() JobRecord {
	r := JobRecord{ID: j.id, ProjectID: j.projectID, Number: j.number, Command: j.command, Title: j.title,
		HardwareTier: j.hardwareTier, EnvironmentID: j.environmentID, CommitID: j.commitID,
		StartedByID: j.startedBy.id, Submitted: j.submitted, RunStart: j.runStart, Completed: j.completed,
		Status: j.status, LifecycleID: j.lifecycle.id, Polls: j.polls}
	if j.revision != nil {
		r.EnvironmentRevisionID = j.revision.id
	}
	if j.revisionSpec != (fixtures.RevisionSpec{}) {
		spec := j.revisionSpec
		r.EnvironmentRevisionSpec = &spec
	}
	if j.gitRef != nil {
		ref := *j.gitRef
		r.MainRepoGitRef = &ref
	}
	r.Archived, r.OutputCommitID = j.archived, j.outputCommit
	return r
}

// clockState is where the document puts the clock.
func (s Snapshot) clockState() ClockState {
	if s.ClockFrozenAt != nil {
		return ClockState{FrozenAt: s.ClockFrozenAt.UTC()}
	}
	return ClockState{Offset: time.Duration(s.ClockOffset)}
}

// clockFields are a clock state's fields in a document or a log record.
func clockFields(c ClockState) (Duration, *time.Time) {
	if c.Frozen() {
		at := c.FrozenAt
		return 0, &at
	}
	return Duration(c.Offset), nil
}

// snapshot copies the whole state; the caller holds at least the read lock.
func (st *state) snapshot(clock ClockState) Snapshot {
	s := Snapshot{
		Version: SnapshotVersion, Lifecycle: st.lifecycle.JobLifecycle,
		Users: []UserRecord{}, Tokens: []TokenRecord{}, AccessTokens: []AccessTokenRecord{},
		Projects: []ProjectRecord{}, Credentials: []CredentialRecord{}, Mappings: []MappingRecord{},
		Jobs:          []JobRecord{},
		HardwareTiers: append([]fixtures.HardwareTier{}, st.tiers...),
		Environments:  []EnvironmentRecord{},
	}
	s.ClockOffset, s.ClockFrozenAt = clockFields(clock)
	for _, e := range st.envOrder {
		s.Environments = append(s.Environments, e.record(true))
	}
	for _, u := range st.userOrder {
		s.Users = append(s.Users, u.record())
	}
	// Each account's tokens in creation order, which is their listing order.
	for _, u := range st.userOrder {
		for t := range u.liveTokens {
			s.Tokens = append(s.Tokens, t.record())
		}
	}
	for _, id := range sortedKeys(st.accessTokens) {
		s.AccessTokens = append(s.AccessTokens, st.accessTokens[id].record(id))
	}
	for _, p := range st.projectOrder {
		s.Projects = append(s.Projects, p.record())
	}
	for _, id := range sortedKeys(st.tags) {
		s.ProjectTags = append(s.ProjectTags, st.tags[id].record())
	}
	for _, id := range sortedKeys(st.creds) {
		s.Credentials = append(s.Credentials, st.creds[id].record())
	}
	for k, id := range st.mappings {
		s.Mappings = append(s.Mappings, k.record(id))
	}
	sort.Slice(s.Mappings, func(a, b int) bool {
		x, y := s.Mappings[a], s.Mappings[b]
		return x.UserID+x.ProjectID+x.RepoID < y.UserID+y.ProjectID+y.RepoID
	})
	s.Commits = st.commitRecords()
	s.MetricSeries, s.MetricAlerts = st.metrics.records()
	for _, sj := range st.sched.order {
		s.ScheduledJobs = append(s.ScheduledJobs, sj.record())
	}
	st.workspaceRecords(&s)
	s.Cost = st.cost.record()
	s.Datasets, s.DatasetSnapshots = st.datasetRecords()
	listed := map[string]bool{st.lifecycle.id: true}
	for _, id := range sortedKeys(st.jobs) {
		j := st.jobs[id]
		s.Jobs = append(s.Jobs, j.record())
		if l := j.lifecycle; !listed[l.id] {
			listed[l.id] = true
			s.Lifecycles = append(s.Lifecycles, LifecycleRecord{ID: l.id, JobLifecycle: l.JobLifecycle})
		}
	}
	for _, id := range sortedKeys(st.apps) {
		a := st.apps[id]
		s.Apps = append(s.Apps, a.record())
		if i := a.instance; i != nil && !listed[i.lifecycle.id] {
			listed[i.lifecycle.id] = true
			s.Lifecycles = append(s.Lifecycles, LifecycleRecord{ID: i.lifecycle.id, JobLifecycle: i.lifecycle.JobLifecycle})
		}
	}
	// Models in creation order, each followed by nothing: versions are
	// listed apart, model by model, each model's in number order.
	for _, p := range st.projectOrder {
		for _, m := range st.projectModels[p.id] {
			s.Models = append(s.Models, m.record())
			for _, v := range m.versions {
				s.ModelVersions = append(s.ModelVersions, v.record())
			}
		}
	}
	for _, id := range sortedKeys(st.exports) {
		e := st.exports[id]
		s.ModelExports = append(s.ModelExports, e.record())
		if l := e.lifecycle; !listed[l.id] {
			listed[l.id] = true
			s.Lifecycles = append(s.Lifecycles, LifecycleRecord{ID: l.id, JobLifecycle: l.JobLifecycle})
		}
	}
	for _, id := range sortedKeys(st.endpoints) {
		s.Endpoints = append(s.Endpoints, st.endpoints[id].record())
	}
	return s
}

// redact blanks every secret of a snapshot.
func (s *Snapshot) redact() {
	for i := range s.Users {
		if s.Users[i].APIKey != "" {
			s.Users[i].APIKey = Redacted
		}
	}
	for i := range s.Tokens {
		s.Tokens[i].Value = Redacted
	}
	for i := range s.Credentials {
		s.Credentials[i].Secret = Redacted
	}
	for i := range s.AccessTokens {
		s.AccessTokens[i].Value = Redacted
	}
	for i := range s.Projects {
		// A project's environment variables hold its credentials.
		vars := slices.Clone(s.Projects[i].EnvironmentVariables)
		for j := range vars {
			vars[j].Value = Redacted
		}
		s.Projects[i].EnvironmentVariables = vars
	}
	for i := range s.Environments {
		for j := range s.Environments[i].Revisions {
			for k := range s.Environments[i].Revisions[j].EnvironmentVariables {
				s.Environments[i].Revisions[j].EnvironmentVariables[k].Value = Redacted
			}
		}
	}
}

// Export returns the whole state; secrets are redacted unless withSecrets.
func (s *Store) Export(withSecrets bool) Snapshot {
	s.mu.Lock()
	s.fireDue()
	snap := s.st.snapshot(s.cfg.Clock.State())
	s.mu.Unlock()
	if !withSecrets {
		snap.redact()
	}
	return snap
}

// Import replaces the whole state with a snapshot, after checking that it
// is consistent. A redacted secret leaves the API key, token or credential
// unusable, as it would be for anyone who never saw it.
func (s *Store) Import(snap Snapshot) error {
	st, err := stateFromSnapshot(snap, s.cfg.Keys)
	if err != nil {
		return err
	}
	if err := s.cfg.Clock.check(snap.clockState()); err != nil {
		field := "clockOffset"
		if snap.ClockFrozenAt != nil {
			field = "clockFrozenAt"
		}
		return errorf(KindInvalid, "state document: %s: %s", field, err.Error())
	}
	// The proxy's control routes work without their user, but the proxy
	// itself would answer 401 to every other request until a reset.
	if problem := st.proxyUserProblem(s.cfg.ProxyUser); problem != "" {
		return errorf(KindInvalid, "state document: %s; keep that user active, and not a service account", problem)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.writable(); err != nil {
		return err
	}
	if err := s.checkBlobs(st); err != nil {
		return err
	}
	old := s.st
	s.st = st
	clock := snap.clockState() // back too: the document's time is restored with its state
	if err := s.commit(change{full: true, clock: &clock}); err != nil {
		s.st = old
		return err
	}
	s.sweepAfterReplace()
	return nil
}

// issuedBy checks that a stored token value is one this key signed for the
// record: requests are then authenticated by comparing strings alone.
func issuedBy(keys *signing.Keys, value, jti string, exp time.Time, sub string, hasSub bool) error {
	c, err := keys.Verify(value)
	switch {
	case err != nil:
		return fmt.Errorf("its value is not signed by this mock's key (give the same --signing-key, or keep it in the --state directory)")
	case c.ID != jti:
		return fmt.Errorf("its value carries jti %q", c.ID)
	case c.ExpiresAt != exp.Unix():
		return fmt.Errorf("its value expires at %d, not at expiresAt", c.ExpiresAt)
	case c.NotBefore != 0 && c.NotBefore > c.IssuedAt:
		return fmt.Errorf("its value is not valid before %d", c.NotBefore)
	case c.Subject != "" && c.Subject != sub, c.Subject == "" && hasSub:
		return fmt.Errorf("its value's sub %q is not the account's", c.Subject)
	}
	return nil
}

// jobStatuses are the statuses a job can have; a job in any other would
// never complete.
var jobStatuses = []string{StatusQueued, StatusRunning, StatusSucceeded, StatusFailed, StatusError, StatusStopped}

// stateFromSnapshot builds the state a document describes, after checking
// it whole: imports and the --state directory at start-up go through it.
// Users, projects, hardware tiers and environments are checked by the rules
// fixtures are checked by (fixtures.Checker), with the same messages; what
// only a state holds is checked by the rules the store's routes apply.
func stateFromSnapshot(snap Snapshot, keys *signing.Keys) (*state, error) {
	bad := func(format string, args ...any) error {
		return errorf(KindInvalid, "state document: "+format, args...)
	}
	if snap.Version != SnapshotVersion && snap.Version != 1 {
		return nil, bad("version %d is not supported (want %d, or 1)", snap.Version, SnapshotVersion)
	}
	if snap.ClockFrozenAt != nil && snap.ClockOffset != 0 {
		return nil, bad("clockOffset %s and clockFrozenAt: a frozen clock has no offset, give one of them", time.Duration(snap.ClockOffset))
	}
	lc, err := snap.Lifecycle.validate()
	if err != nil {
		return nil, bad("jobLifecycle: %v", err)
	}
	check := fixtures.NewChecker()
	st := newState()
	st.lifecycle = newSharedLifecycle(lc)
	lifecycles, err := lifecyclesOf(snap, st.lifecycle)
	if err != nil {
		return nil, err
	}
	for i, r := range snap.Users {
		fu := r.User
		if fu.APIKey == Redacted {
			fu.APIKey = "" // unusable, so shared with no one
		}
		if err := check.User(i, fu, r.ServiceAccount); err != nil {
			return nil, bad("%v", err)
		}
		u := &user{id: r.ID, idpID: r.IdpID, userName: r.UserName, firstName: r.FirstName, lastName: r.LastName,
			email: r.Email, roles: append([]string(nil), r.Roles...), apiKey: fu.APIKey, serviceAccount: r.ServiceAccount,
			active: r.Active, reactivated: r.Reactivated}
		if r.PasswordResetAt != nil {
			u.passwordResetAt = *r.PasswordResetAt
		}
		if u.serviceAccount {
			u.tokens = map[string]*token{}
		}
		st.addUser(u)
	}
	if err := st.loadCost(check, snap.Cost); err != nil {
		return nil, bad("%v", err)
	}
	for i, r := range snap.ProjectTags {
		if err := st.checkTag(check, i, r); err != nil {
			return nil, bad("%v", err)
		}
		st.addTag(&projectTag{id: r.ID, name: r.Name, lastAdded: r.LastAdded})
	}
	named := make([]fixtures.Project, len(snap.Projects))
	for i, r := range snap.Projects {
		fp, err := st.namedProject(i, r)
		if err != nil {
			return nil, bad("%v", err)
		}
		if err := check.Project(i, fp); err != nil {
			return nil, bad("%v", err)
		}
		if err := st.checkProjectBillingTag(i, r); err != nil {
			return nil, bad("%v", err)
		}
		named[i] = fp
		st.addProject(st.projectFromRecord(r))
	}
	envs := make([]fixtures.Environment, len(snap.Environments))
	for i, r := range snap.Environments {
		if envs[i], err = st.namedEnvironment(i, r); err != nil {
			return nil, bad("%v", err)
		}
	}
	if err := check.Catalog(snap.HardwareTiers, envs); err != nil {
		return nil, bad("%v", err)
	}
	for i, fp := range named {
		if err := check.ProjectSettings(i, fp, snap.HardwareTiers, envs); err != nil {
			return nil, bad("%v", err)
		}
	}
	st.tiers = append(st.tiers, snap.HardwareTiers...)
	for i, r := range snap.Environments {
		if err := checkEnvironmentRecord(i, r); err != nil {
			return nil, bad("%v", err)
		}
		st.addEnvironment(st.environmentFrom(r))
	}

	jtis := map[string]string{} // every token's and access token's jti → its entry
	claimJTI := func(at, jti string) error {
		if jti == "" {
			return fmt.Errorf("%s.jti is required", at)
		}
		if prev, ok := jtis[jti]; ok {
			return fmt.Errorf("%s.jti %q is already the jti of %s", at, clip(jti), prev)
		}
		jtis[jti] = at
		return nil
	}
	for i, r := range snap.Tokens {
		at := fmt.Sprintf("tokens[%d]", i)
		u := st.users[r.AccountID]
		if u == nil || !u.serviceAccount {
			return nil, bad("%s.accountId %q is not a service account", at, clip(r.AccountID))
		}
		if err := claimJTI(at, r.JTI); err != nil {
			return nil, bad("%v", err)
		}
		if err := checkTokenName(at+".name", r.Name); err != nil {
			return nil, bad("%v", err)
		}
		if u.tokens[r.Name] != nil {
			return nil, bad("%s.name %q is already the name of another token of %s", at, r.Name, u.userName)
		}
		t := &token{jti: r.JTI, name: r.Name, account: u, value: r.Value, valid: r.Valid,
			createdAt: r.CreatedAt, expiresAt: r.ExpiresAt, hasSub: r.HasSub}
		if r.Value == Redacted || r.Value == "" {
			// Unknown value: the token can never be presented again.
			t.value, t.valid = "", false
		} else if err := issuedBy(keys, r.Value, r.JTI, r.ExpiresAt, u.idpID, r.HasSub); err != nil {
			return nil, bad("tokens[%d] (%q): %v", i, r.Name, err)
		}
		u.addToken(t)
		st.tokens[r.JTI] = t
	}
	for i, r := range snap.AccessTokens {
		at := fmt.Sprintf("accessTokens[%d]", i)
		u := st.users[r.UserID]
		if u == nil {
			return nil, bad("%s.userId %q is not a user", at, clip(r.UserID))
		}
		if err := claimJTI(at, r.JTI); err != nil {
			return nil, bad("%v", err)
		}
		if r.TokenJTI != "" {
			if t := st.tokens[r.TokenJTI]; t == nil || t.account != u {
				return nil, bad("%s.tokenJti %q is not a token of %s", at, clip(r.TokenJTI), u.userName)
			}
		}
		a := &accessToken{user: u, expiresAt: r.ExpiresAt, tokenJTI: r.TokenJTI}
		if r.Value != Redacted && r.Value != "" {
			if err := issuedBy(keys, r.Value, r.JTI, r.ExpiresAt, u.idpID, true); err != nil {
				return nil, bad("accessTokens[%d]: %v", i, err)
			}
			a.value = r.Value
		}
		st.accessTokens[r.JTI] = a
	}
	for i, r := range snap.Credentials {
		if err := st.checkCredential(check, i, r); err != nil {
			return nil, bad("%v", err)
		}
		c := &gitCredential{GitCredential: r.GitCredential, owner: st.users[r.OwnerID], accessType: r.AccessType, secret: r.Secret}
		if r.Secret == Redacted {
			c.secret = ""
		}
		st.addCred(c)
	}
	mapped := map[mappingKey]int{}
	for i, r := range snap.Mappings {
		if err := st.checkMapping(i, r); err != nil {
			return nil, bad("%v", err)
		}
		k := mappingKey{userID: r.UserID, projectID: r.ProjectID, repoID: r.RepoID}
		if prev, ok := mapped[k]; ok {
			return nil, bad("credentialMappings[%d] is for the same user, project and repository as credentialMappings[%d]", i, prev)
		}
		mapped[k] = i
		st.mappings[k] = r.CredentialID
	}
	for i, r := range snap.Jobs {
		at := fmt.Sprintf("jobs[%d]", i)
		if err := fixtures.CheckObjectID(at+".id", r.ID); err != nil {
			return nil, bad("%v", err)
		}
		if err := check.ID(at+".id", r.ID); err != nil {
			return nil, bad("%v", err)
		}
		if st.projects[r.ProjectID] == nil {
			return nil, bad("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		u := st.users[r.StartedByID]
		if u == nil {
			return nil, bad("%s.startedById %q is not a user", at, clip(r.StartedByID))
		}
		if !slices.Contains(jobStatuses, r.Status) {
			return nil, bad("%s.status %q is invalid: must be one of %s", at, clip(r.Status), strings.Join(jobStatuses, ", "))
		}
		l, err := lifecycles.of(r)
		if err != nil {
			return nil, bad("jobs[%d]: %v", i, err)
		}
		var rev *envRevision
		if r.EnvironmentRevisionID != "" {
			if rev = st.envRevisions[r.EnvironmentRevisionID]; rev == nil || rev.env.id != r.EnvironmentID {
				return nil, bad("%s.environmentRevisionId %q is not a revision of its environment %q", at, clip(r.EnvironmentRevisionID), clip(r.EnvironmentID))
			}
		}
		if r.Number < 1 {
			return nil, bad("%s.number %d must be at least 1", at, r.Number)
		}
		j := &job{id: r.ID, projectID: r.ProjectID, number: r.Number, command: r.Command, title: r.Title,
			hardwareTier: r.HardwareTier, environmentID: r.EnvironmentID, commitID: r.CommitID, startedBy: u,
			submitted: r.Submitted, runStart: r.RunStart, completed: r.Completed, status: r.Status,
			lifecycle: l, polls: r.Polls, revision: rev, archived: r.Archived, outputCommit: r.OutputCommitID}
		if r.EnvironmentRevisionSpec != nil {
			j.revisionSpec = *r.EnvironmentRevisionSpec
		}
		if ref := r.MainRepoGitRef; ref != nil {
			if err := fixtures.CheckGitRef(at+".mainRepoGitRef", ref.Type, ref.Value); err != nil {
				return nil, bad("%v", err)
			}
			g := *ref
			j.gitRef = &g
		}
		st.addJob(j)
	}
	// Each project's jobs in the order of their numbers, which are unique in it.
	for _, jobs := range st.projectJobs {
		slices.SortFunc(jobs, func(a, b *job) int { return a.number - b.number })
		for i := 1; i < len(jobs); i++ {
			if jobs[i].number == jobs[i-1].number {
				return nil, bad("jobs %s and %s of project %s have the same number %d", jobs[i-1].id, jobs[i].id, jobs[i].projectID, jobs[i].number)
			}
		}
	}
	if err := st.loadCommits(snap.Commits); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.loadMetrics(snap.MetricSeries, snap.MetricAlerts); err != nil {
		return nil, bad("%v", err)
	}
	for i, r := range snap.Jobs {
		if cm := st.files.commits[r.OutputCommitID]; r.OutputCommitID != "" && (cm == nil || cm.projectID != r.ProjectID) {
			return nil, bad("jobs[%d].outputCommitId %q is not a commit of its project", i, clip(r.OutputCommitID))
		}
	}
	if err := st.loadSchedules(check, snap.ScheduledJobs, envs); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.loadWorkspaces(check, snap); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.loadApps(check, lifecycles, snap.Apps); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.loadModels(check, lifecycles, snap); err != nil {
		return nil, bad("%v", err)
	}
	if err := st.loadDatasets(snap.Datasets, snap.DatasetSnapshots); err != nil {
		return nil, bad("%v", err)
	}
	return st, nil
}

// namedProject is projects[i] as fixtures write a project: its owner and
// collaborators by user name and its tags by name, so that
// fixtures.Checker can check it.
func (st *state) namedProject(i int, r ProjectRecord) (fixtures.Project, error) {
	at := fmt.Sprintf("projects[%d]", i)
	owner := st.users[r.OwnerID]
	if owner == nil {
		return fixtures.Project{}, fmt.Errorf("%s.ownerId %q is not a user", at, clip(r.OwnerID))
	}
	fp := fixtures.Project{ID: r.ID, Name: r.Name, Owner: owner.userName, Description: r.Description, Visibility: r.Visibility,
		Archived: r.Archived, EnvironmentVariables: r.EnvironmentVariables, Settings: r.Settings}
	for j, id := range r.TagIDs {
		t := st.tags[id]
		if t == nil {
			return fixtures.Project{}, fmt.Errorf("%s.tagIds[%d] %q is not in projectTags", at, j, clip(id))
		}
		fp.Tags = append(fp.Tags, t.name)
	}
	if rr := r.Repository; rr != nil {
		fp.MainRepository = &fixtures.Repository{ID: rr.ID, URI: rr.URI, ServiceProvider: rr.ServiceProvider}
		fp.MainRepository.DefaultRef.Type, fp.MainRepository.DefaultRef.Value = rr.RefType, rr.RefValue
	}
	for j, c := range r.Collaborators {
		u := st.users[c.UserID]
		if u == nil {
			return fixtures.Project{}, fmt.Errorf("%s.collaborators[%d].userId %q is not a user", at, j, clip(c.UserID))
		}
		fp.Collaborators = append(fp.Collaborators, fixtures.Collaborator{UserName: u.userName, Role: c.Role})
	}
	return fp, nil
}

// projectFromRecord builds projects[i] once namedProject's version of it
// is checked.
func (st *state) projectFromRecord(r ProjectRecord) *project {
	p := &project{id: r.ID, name: r.Name, owner: st.users[r.OwnerID], description: r.Description,
		visibility: r.Visibility, archived: r.Archived}
	if rr := r.Repository; rr != nil {
		p.repo = newRepository(rr.ID, rr.URI, rr.ServiceProvider, rr.RefType, rr.RefValue)
	}
	for _, c := range r.Collaborators {
		p.collaborators = append(p.collaborators, collaborator{user: st.users[c.UserID], role: c.Role})
	}
	// A document written before projects kept their times has none.
	p.created = fixturesEpoch
	if r.Created != nil {
		p.created = *r.Created
	}
	p.updated = p.created
	if r.Updated != nil {
		p.updated = *r.Updated
	}
	for _, id := range r.TagIDs {
		p.tags = append(p.tags, st.tags[id])
	}
	for _, v := range r.EnvironmentVariables {
		p.envVars = append(p.envVars, envVar{name: v.Name, value: v.Value})
	}
	if r.Settings != nil {
		p.settings = *r.Settings
	}
	p.billingTag = st.cost.tagsByID[r.BillingTagID]
	return p
}

// checkTag checks projectTags[i]: an id of its own, a valid name no other
// tag has.
func (st *state) checkTag(check *fixtures.Checker, i int, r TagRecord) error {
	at := fmt.Sprintf("projectTags[%d]", i)
	if err := fixtures.CheckObjectID(at+".id", r.ID); err != nil {
		return err
	}
	if err := check.ID(at+".id", r.ID); err != nil {
		return err
	}
	if err := fixtures.CheckTagName(at+".name", r.Name); err != nil {
		return err
	}
	if t := st.tagsByName[r.Name]; t != nil {
		return fmt.Errorf("%s.name %q is already the name of tag %s", at, r.Name, t.id)
	}
	return nil
}

// checkCredential checks gitCredentials[i] by the rules a new credential
// follows.
func (st *state) checkCredential(check *fixtures.Checker, i int, r CredentialRecord) error {
	at := fmt.Sprintf("gitCredentials[%d]", i)
	if err := fixtures.CheckObjectID(at+".id", r.ID); err != nil {
		return err
	}
	if err := check.ID(at+".id", r.ID); err != nil {
		return err
	}
	if st.users[r.OwnerID] == nil {
		return fmt.Errorf("%s.ownerId %q is not a user", at, clip(r.OwnerID))
	}
	if err := checkCredentialName(at+".name", r.Name); err != nil {
		return err
	}
	if err := fixtures.CheckGitProvider(at+".gitServiceProvider", r.GitServiceProvider); err != nil {
		return err
	}
	if err := checkAccessType(at+".accessType", r.AccessType); err != nil {
		return err
	}
	return checkDomain(at+".domain", r.GitServiceProvider, r.Domain)
}

// checkMapping checks credentialMappings[i]: what SetCredentialMapping
// allows, the user's own credential on the project's main repository.
func (st *state) checkMapping(i int, r MappingRecord) error {
	at := fmt.Sprintf("credentialMappings[%d]", i)
	u := st.users[r.UserID]
	if u == nil {
		return fmt.Errorf("%s.userId %q is not a user", at, clip(r.UserID))
	}
	p := st.projects[r.ProjectID]
	if p == nil {
		return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
	}
	if p.repo == nil || p.repo.id != r.RepoID {
		return fmt.Errorf("%s.repoId %q is not the main repository of project %s", at, clip(r.RepoID), p.name)
	}
	cr := st.creds[r.CredentialID]
	if cr == nil {
		return fmt.Errorf("%s.credentialId %q is not a git credential", at, clip(r.CredentialID))
	}
	if cr.owner != u {
		return fmt.Errorf("%s.credentialId %q is a git credential of %s, not of %s", at, r.CredentialID, cr.owner.userName, u.userName)
	}
	return nil
}

// lifecycleTable resolves jobs' lifecycles while a state document is
// loaded. Equal lifecycles become one shared value, so a version 1
// document's copies (one per job) are held once.
type lifecycleTable struct {
	current *sharedLifecycle
	byRef   map[string]*sharedLifecycle // by the ids jobs refer to them by
	byID    map[string]*sharedLifecycle // by content
}

func lifecyclesOf(snap Snapshot, current *sharedLifecycle) (*lifecycleTable, error) {
	t := &lifecycleTable{current: current,
		byRef: map[string]*sharedLifecycle{current.id: current}, byID: map[string]*sharedLifecycle{current.id: current}}
	for i, r := range snap.Lifecycles {
		if r.ID == "" || t.byRef[r.ID] != nil {
			return nil, errorf(KindInvalid, "state document: jobLifecycles[%d]: id %q is missing or used twice", i, clip(r.ID))
		}
		l, err := t.intern(r.JobLifecycle)
		if err != nil {
			return nil, errorf(KindInvalid, "state document: jobLifecycles[%d]: %v", i, err)
		}
		t.byRef[r.ID] = l
	}
	return t, nil
}

func (t *lifecycleTable) intern(l JobLifecycle) (*sharedLifecycle, error) {
	l, err := l.validate()
	if err != nil {
		return nil, err
	}
	shared := newSharedLifecycle(l)
	if have := t.byID[shared.id]; have != nil {
		return have, nil
	}
	t.byID[shared.id] = shared
	return shared, nil
}

// of is the lifecycle a job record started under.
func (t *lifecycleTable) of(r JobRecord) (*sharedLifecycle, error) {
	switch {
	case r.Lifecycle != nil && r.LifecycleID != "":
		return nil, fmt.Errorf("give lifecycleId or (as version 1 did) lifecycle, not both")
	case r.Lifecycle != nil:
		l, err := t.intern(*r.Lifecycle)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: %v", err)
		}
		return l, nil
	case r.LifecycleID != "":
		if l := t.byRef[r.LifecycleID]; l != nil {
			return l, nil
		}
		return nil, fmt.Errorf("lifecycleId %q is neither jobLifecycle's nor in jobLifecycles", clip(r.LifecycleID))
	}
	return t.current, nil
}

// named is the lifecycle of an app instance record: jobLifecycle's for "".
func (t *lifecycleTable) named(id string) (*sharedLifecycle, error) {
	if id == "" {
		return t.current, nil
	}
	if l := t.byRef[id]; l != nil {
		return l, nil
	}
	return nil, fmt.Errorf("lifecycleId %q is neither jobLifecycle's nor in jobLifecycles", clip(id))
}

// String names a snapshot in errors.
func (s Snapshot) String() string {
	return fmt.Sprintf("state v%d: %d users, %d tokens, %d projects", s.Version, len(s.Users), len(s.Tokens), len(s.Projects))
}
