package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
)

// Models (Model APIs) and their numbered versions, as python-domino's v1
// routes reach them; exports of a version's image to a registry, which
// progress under the shared job lifecycle as jobs do; and the legacy
// per-project API endpoint (/v1/{owner}/{project}/endpoint). Every rule is
// here, once. Who may publish apps (mayPublish) publishes models, their
// versions, exports and the endpoint; whoever reads the project reads them.

// Export statuses, as python-domino's export example waits for them
// ("complete" or "failed"; the two before are inferred).
const (
	ExportQueued   = "queued"
	ExportBuilding = "building"
	ExportComplete = "complete"
	ExportFailed   = "failed"
)

// exportJobStatuses are the job statuses an export moves through (no
// route stops one).
var exportJobStatuses = []string{StatusQueued, StatusRunning, StatusSucceeded, StatusFailed, StatusError}

// Export targets: the two routes that start an export.
const (
	ExportToRegistry  = "registry"
	ExportToSagemaker = "sagemaker"
)

// What one project, model or version may hold: Domino's limits are not
// known; these bound what clients can make the mock hold (inferred).
const (
	maxModelsPerProject   = 1000
	maxVersionsPerModel   = 1000
	maxExportsPerVersion  = 100
	maxExcludeFiles       = 1000
	maxModelNameBytes     = 256
	maxModelFieldBytes    = 1 << 10 // a file, function, registry, repository, tag or user name
	maxModelTextBytes     = 8 << 10 // a description
	maxEndpointFieldBytes = 1 << 10
)

type model struct {
	id, projectID     string
	name, description string
	createdBy         *user
	created           time.Time
	versions          []*modelVersion // by number, 1 first
}

type modelVersion struct {
	id             string
	model          *model
	number         int
	description    string
	file, function string
	environmentID  string
	excludeFiles   []string
	commitID       string
	createdBy      *user
	created        time.Time
	exports        int // how many exports it has had
}

type modelExport struct {
	id                       string
	version                  *modelVersion
	target                   string
	registryURL, repository  string
	tag, username            string
	startedBy                *user
	started, runStart, ended time.Time
	status                   string // a job status: Queued, Running, Succeeded, Failed, Error
	lifecycle                *sharedLifecycle
	polls                    int
}

type endpoint struct {
	projectID      string
	published      bool
	commitID       string
	file, function string
	publishedBy    *user
	publishedAt    time.Time
}

// Model is a model with its latest version's number.
type Model struct {
	ID, ProjectID     string
	Name, Description string
	CreatedByID       string
	Created           time.Time
	Updated           time.Time // when its latest version was published
	LatestVersion     int
}

// ModelVersion is one version of a model.
type ModelVersion struct {
	ID, ModelID, ProjectID string
	Number                 int
	Description            string
	File, Function         string
	EnvironmentID          string
	ExcludeFiles           []string
	CommitID               string
	CreatedByID            string
	Created                time.Time
}

// ModelExport is an export of a version's image, brought up to date.
type ModelExport struct {
	ID, ModelID, VersionID string
	Target                 string
	RegistryURL            string
	Repository, Tag        string
	Status                 string // queued, building, complete or failed
	Started, Ended         time.Time
	Logs                   string
}

// Endpoint is a project's legacy API endpoint.
type Endpoint struct {
	ProjectID      string
	IsPublished    bool
	Status         string // Running while published, else Stopped (inferred)
	CommitID       string
	File, Function string
	PublishedByID  string
	PublishedAt    time.Time // zero before the first publish
}

func (m *model) view() Model {
	v := Model{ID: m.id, ProjectID: m.projectID, Name: m.name, Description: m.description,
		CreatedByID: m.createdBy.id, Created: m.created, Updated: m.created}
	if n := len(m.versions); n > 0 {
		v.LatestVersion, v.Updated = m.versions[n-1].number, m.versions[n-1].created
	}
	return v
}

func (v *modelVersion) view() ModelVersion {
	return ModelVersion{ID: v.id, ModelID: v.model.id, ProjectID: v.model.projectID, Number: v.number,
		Description: v.description, File: v.file, Function: v.function, EnvironmentID: v.environmentID,
		ExcludeFiles: slices.Clone(v.excludeFiles), CommitID: v.commitID, CreatedByID: v.createdBy.id, Created: v.created}
}

func (e *modelExport) view() ModelExport {
	v := ModelExport{ID: e.id, ModelID: e.version.model.id, VersionID: e.version.id, Target: e.target,
		RegistryURL: e.registryURL, Repository: e.repository, Tag: e.tag, Started: e.started, Ended: e.ended}
	image := e.registryURL + "/" + e.repository
	if e.tag != "" {
		image += ":" + e.tag
	}
	logs := []string{fmt.Sprintf("Export %s of model %s version %d to %s queued", e.id, e.version.model.name, e.version.number, image)}
	switch e.status {
	case StatusQueued:
		v.Status = ExportQueued
	case StatusRunning:
		v.Status = ExportBuilding
	case StatusSucceeded:
		v.Status = ExportComplete
	default:
		v.Status = ExportFailed
	}
	if e.status != StatusQueued {
		logs = append(logs, "Building the image (mockdomino builds nothing)")
	}
	switch v.Status {
	case ExportComplete:
		logs = append(logs, "Pushed "+image)
	case ExportFailed:
		logs = append(logs, "Export failed (the mock's job lifecycle ends in "+e.status+")")
	}
	v.Logs = strings.Join(logs, "\n") + "\n"
	return v
}

func (e *endpoint) view() Endpoint {
	v := Endpoint{ProjectID: e.projectID, IsPublished: e.published, Status: "Stopped", CommitID: e.commitID,
		File: e.file, Function: e.function, PublishedAt: e.publishedAt}
	if e.published {
		v.Status = "Running"
	}
	if e.publishedBy != nil {
		v.PublishedByID = e.publishedBy.id
	}
	return v
}

// advance moves an export one stage on, queued → running → its
// lifecycle's final status, each stage no earlier than the one before.
func (e *modelExport) advance(at time.Time) {
	switch e.status {
	case StatusQueued:
		e.status, e.runStart = StatusRunning, notBefore(at, e.started)
	case StatusRunning:
		e.status, e.ended = e.lifecycle.FinalStatus, notBefore(at, e.runStart)
	}
}

// progress moves an export queued → running → its lifecycle's final
// status as a job moves (job.progress).
func (e *modelExport) progress(now time.Time, poll bool) {
	if e.status != StatusQueued && e.status != StatusRunning {
		return
	}
	e.lifecycle.step(e.started, now, poll, &e.polls, func() stage { return stageOf(e.status) }, e.advance)
}

func checkModelField(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return errorf(KindInvalid, "%s is required", field)
	}
	if len(v) > max {
		return errorf(KindInvalid, "%s is longer than %d bytes, the most mockdomino keeps", field, max)
	}
	if max <= maxModelFieldBytes && hasControl(v) {
		return errorf(KindInvalid, "%s %q holds a control character", field, clip(v))
	}
	return nil
}

// ModelInput is a new model, or a new version (Name unused), from
// POST /v1/models and POST /v1/models/{id}/versions.
type ModelInput struct {
	ProjectID     string
	Name          string
	Description   string
	File          string
	Function      string
	EnvironmentID string // "": the default environment
	ExcludeFiles  []string
}

func (in ModelInput) check(withName bool) error {
	errs := []error{
		checkModelField("description", in.Description, maxModelTextBytes, false),
		checkModelField("file", in.File, maxModelFieldBytes, true),
		checkModelField("function", in.Function, maxModelFieldBytes, true),
	}
	if withName {
		errs = append([]error{checkModelField("name", in.Name, maxModelNameBytes, true)}, errs...)
	}
	if len(in.ExcludeFiles) > maxExcludeFiles {
		errs = append(errs, errorf(KindInvalid, "excludeFiles holds %d entries, more than the %d mockdomino keeps", len(in.ExcludeFiles), maxExcludeFiles))
	}
	for i, f := range in.ExcludeFiles {
		errs = append(errs, checkModelField(fmt.Sprintf("excludeFiles[%d]", i), f, maxModelFieldBytes, false))
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// newVersion makes m's next version from in; the caller holds the lock
// and has checked in.
func (s *Store) newVersion(c Caller, p *project, m *model, in ModelInput, now time.Time) (*modelVersion, error) {
	env, err := s.st.jobEnvironment(c, p, in.EnvironmentID)
	if err != nil {
		return nil, err
	}
	if len(m.versions) >= maxVersionsPerModel {
		return nil, errorf(KindInvalid, "Model %s already has %d versions, the most one model may have (mockdomino's limit)", m.id, len(m.versions))
	}
	v := &modelVersion{id: s.newObjectID(), model: m, number: len(m.versions) + 1, description: in.Description,
		file: in.File, function: in.Function, excludeFiles: slices.Clone(in.ExcludeFiles),
		commitID: s.st.files.repos[p.id].headID(), createdBy: s.st.users[c.ID], created: now}
	if v.excludeFiles == nil {
		v.excludeFiles = []string{}
	}
	if env != nil {
		v.environmentID = env.id
	}
	if v.createdBy == nil {
		return nil, errCallerGone
	}
	return v, nil
}

// PublishModel makes a model with its first version, in a project where
// the caller may publish.
func (s *Store) PublishModel(c Caller, in ModelInput) (Model, ModelVersion, error) {
	if in.ProjectID == "" {
		return Model{}, ModelVersion{}, errorf(KindInvalid, "projectId is required")
	}
	if err := in.check(true); err != nil {
		return Model{}, ModelVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.publishableProject(c, in.ProjectID)
	if err != nil {
		return Model{}, ModelVersion{}, err
	}
	if n := len(s.st.projectModels[p.id]); n >= maxModelsPerProject {
		return Model{}, ModelVersion{}, errorf(KindInvalid, "Project %s already holds %d models, the most one project may hold (mockdomino's limit)", p.name, n)
	}
	if err := s.writable(); err != nil {
		return Model{}, ModelVersion{}, err
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	m := &model{id: s.newObjectID(), projectID: p.id, name: in.Name, description: in.Description,
		createdBy: s.st.users[c.ID], created: now}
	if m.createdBy == nil {
		return Model{}, ModelVersion{}, errCallerGone
	}
	v, err := s.newVersion(c, p, m, in, now)
	if err != nil {
		return Model{}, ModelVersion{}, err
	}
	s.st.addModel(m)
	s.st.addModelVersion(v)
	return m.view(), v.view(), s.commit(change{models: []*model{m}, modelVersions: []*modelVersion{v}, creates: true})
}

// PublishModelVersion adds a version, numbered after the latest.
func (s *Store) PublishModelVersion(c Caller, modelID string, in ModelInput) (ModelVersion, error) {
	if err := in.check(false); err != nil {
		return ModelVersion{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, p, err := s.st.readableModel(c, modelID)
	if err != nil {
		return ModelVersion{}, err
	}
	if !p.mayPublish(c) {
		return ModelVersion{}, errorf(KindForbidden, "Forbidden: %s may not publish models in project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	if in.ProjectID != "" && in.ProjectID != p.id {
		return ModelVersion{}, errorf(KindInvalid, "projectId %s is not the project of model %s", clip(in.ProjectID), m.id)
	}
	if err := s.writable(); err != nil {
		return ModelVersion{}, err
	}
	now := s.cfg.Clock.Now().Truncate(time.Millisecond)
	v, err := s.newVersion(c, p, m, in, now)
	if err != nil {
		return ModelVersion{}, err
	}
	s.st.addModelVersion(v)
	return v.view(), s.commit(change{modelVersions: []*modelVersion{v}, creates: true})
}

func (st *state) addModel(m *model) {
	st.models[m.id] = m
	st.projectModels[m.projectID] = append(st.projectModels[m.projectID], m)
}

func (st *state) addModelVersion(v *modelVersion) {
	st.modelVersions[v.id] = v
	v.model.versions = append(v.model.versions, v)
}

func (st *state) readableModel(c Caller, id string) (*model, *project, error) {
	m := st.models[id]
	if m == nil {
		return nil, nil, errorf(KindNotFound, "Model %s not found", clip(id))
	}
	p, err := st.project(m.projectID)
	if err != nil {
		return nil, nil, errorf(KindNotFound, "Model %s not found", clip(id))
	}
	if !p.canRead(c) {
		return nil, nil, errorf(KindForbidden, "Forbidden: %s may not access model %s", c.UserName, m.id)
	}
	return m, p, nil
}

// Models lists a project's models, found by owner and name, in the order
// they were made.
func (s *Store) Models(c Caller, ownerName, projectName string) ([]Model, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.st.projectByOwnerAndName(ownerName, projectName)
	if p == nil {
		return nil, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
	}
	if !p.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access project %s", c.UserName, p.id)
	}
	out := []Model{}
	for _, m := range s.st.projectModels[p.id] {
		out = append(out, m.view())
	}
	return out, nil
}

// ModelVersions lists a model's versions, 1 first.
func (s *Store) ModelVersions(c Caller, modelID string) ([]ModelVersion, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m, _, err := s.st.readableModel(c, modelID)
	if err != nil {
		return nil, err
	}
	out := make([]ModelVersion, 0, len(m.versions))
	for _, v := range m.versions {
		out = append(out, v.view())
	}
	return out, nil
}

// ExportInput is what the export routes take; the password is checked
// for length and never kept.
type ExportInput struct {
	Target      string // ExportToRegistry or ExportToSagemaker
	RegistryURL string
	Repository  string
	Tag         string
	Username    string
	Password    string
}

// ExportModelVersion starts an export of a version's image.
func (s *Store) ExportModelVersion(c Caller, modelID, versionID string, in ExportInput) (ModelExport, error) {
	if in.Target != ExportToRegistry && in.Target != ExportToSagemaker {
		return ModelExport{}, errorf(KindInvalid, "export target %q is invalid", clip(in.Target))
	}
	for _, err := range []error{
		checkModelField("registryUrl", in.RegistryURL, maxModelFieldBytes, true),
		checkModelField("repository", in.Repository, maxModelFieldBytes, true),
		checkModelField("tag", in.Tag, maxModelFieldBytes, false),
		checkModelField("username", in.Username, maxModelFieldBytes, false),
	} {
		if err != nil {
			return ModelExport{}, err
		}
	}
	if len(in.Password) > s.cfg.Limits.GitSecretBytes {
		return ModelExport{}, errorf(KindInvalid, "password is longer than %d bytes, the most mockdomino takes (--max-git-secret-bytes)", s.cfg.Limits.GitSecretBytes)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, p, err := s.st.readableModel(c, modelID)
	if err != nil {
		return ModelExport{}, err
	}
	v := s.st.modelVersions[versionID]
	if v == nil || v.model != m {
		return ModelExport{}, errorf(KindNotFound, "Model version %s of model %s not found", clip(versionID), m.id)
	}
	if !p.mayPublish(c) {
		return ModelExport{}, errorf(KindForbidden, "Forbidden: %s may not export models of project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	if v.exports >= maxExportsPerVersion {
		return ModelExport{}, errorf(KindInvalid, "Model version %s has been exported %d times, the most mockdomino allows", v.id, v.exports)
	}
	starter := s.st.users[c.ID]
	if starter == nil {
		return ModelExport{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return ModelExport{}, err
	}
	e := &modelExport{id: s.newObjectID(), version: v, target: in.Target, registryURL: in.RegistryURL,
		repository: in.Repository, tag: in.Tag, username: in.Username, startedBy: starter,
		started: s.cfg.Clock.Now().Truncate(time.Millisecond), status: StatusQueued, lifecycle: s.st.lifecycle}
	s.st.addExport(e)
	return e.view(), s.commit(change{exports: []*modelExport{e}, creates: true})
}

func (st *state) addExport(e *modelExport) {
	st.exports[e.id] = e
	e.version.exports++
}

// ModelExport returns an export, brought up to date; each call is a
// status poll.
func (s *Store) ModelExport(c Caller, exportID string) (ModelExport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.exports[exportID]
	if e == nil {
		return ModelExport{}, errorf(KindNotFound, "Export %s not found", clip(exportID))
	}
	if _, _, err := s.st.readableModel(c, e.version.model.id); err != nil {
		if KindOf(err) == KindNotFound {
			return ModelExport{}, errorf(KindNotFound, "Export %s not found", clip(exportID))
		}
		return ModelExport{}, err
	}
	before := *e
	e.progress(s.cfg.Clock.Now(), true)
	if *e != before && s.writable() == nil {
		_ = s.commit(change{exports: []*modelExport{e}})
	}
	return e.view(), nil
}

// EndpointState is a project's legacy API endpoint, found by owner and
// name; a project that never published one has an unpublished one.
func (s *Store) EndpointState(c Caller, ownerName, projectName string) (Endpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, err := s.st.readableByName(c, ownerName, projectName)
	if err != nil {
		return Endpoint{}, err
	}
	if e := s.st.endpoints[p.id]; e != nil {
		return e.view(), nil
	}
	return (&endpoint{projectID: p.id}).view(), nil
}

func (st *state) readableByName(c Caller, ownerName, projectName string) (*project, error) {
	p := st.projectByOwnerAndName(ownerName, projectName)
	if p == nil {
		return nil, errorf(KindNotFound, "Project %s/%s not found", clip(ownerName), clip(projectName))
	}
	if !p.canRead(c) {
		return nil, errorf(KindForbidden, "Forbidden: %s may not access project %s", c.UserName, p.id)
	}
	return p, nil
}

// EndpointInput is POST …/endpoint/publishRelease's body.
type EndpointInput struct {
	CommitID       string // "": the project's latest commit
	File, Function string
}

// PublishEndpoint publishes (or republishes) a project's legacy API
// endpoint; it is Running at once (inferred).
func (s *Store) PublishEndpoint(c Caller, ownerName, projectName string, in EndpointInput) (Endpoint, error) {
	for _, err := range []error{
		checkModelField("commitId", in.CommitID, maxCommitIDBytes, false),
		checkModelField("bindingDefinition.file", in.File, maxEndpointFieldBytes, true),
		checkModelField("bindingDefinition.function", in.Function, maxEndpointFieldBytes, true),
	} {
		if err != nil {
			return Endpoint{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.readableByName(c, ownerName, projectName)
	if err != nil {
		return Endpoint{}, err
	}
	if !p.mayPublish(c) {
		return Endpoint{}, errorf(KindForbidden, "Forbidden: %s may not publish the endpoint of project %s (needs to be a collaborator with the Contributor or Owner role)", c.UserName, p.name)
	}
	u := s.st.users[c.ID]
	if u == nil {
		return Endpoint{}, errCallerGone
	}
	if err := s.writable(); err != nil {
		return Endpoint{}, err
	}
	commit := in.CommitID
	if commit == "" {
		commit = s.st.files.repos[p.id].headID()
	}
	e := &endpoint{projectID: p.id, published: true, commitID: commit, file: in.File, function: in.Function,
		publishedBy: u, publishedAt: s.cfg.Clock.Now().Truncate(time.Millisecond)}
	s.st.endpoints[p.id] = e
	return e.view(), s.commit(change{endpoints: []*endpoint{e}})
}

// UnpublishEndpoint stops a project's legacy API endpoint; one that is
// not published stays so (inferred).
func (s *Store) UnpublishEndpoint(c Caller, ownerName, projectName string) (Endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.st.readableByName(c, ownerName, projectName)
	if err != nil {
		return Endpoint{}, err
	}
	if !p.mayPublish(c) {
		return Endpoint{}, errorf(KindForbidden, "Forbidden: %s may not unpublish the endpoint of project %s", c.UserName, p.name)
	}
	e := s.st.endpoints[p.id]
	if e == nil || !e.published {
		if e == nil {
			e = &endpoint{projectID: p.id}
		}
		return e.view(), nil
	}
	if err := s.writable(); err != nil {
		return Endpoint{}, err
	}
	e.published = false
	return e.view(), s.commit(change{endpoints: []*endpoint{e}})
}

// ---- persistence ----

// ModelRecord is a model; its versions are ModelVersionRecords.
type ModelRecord struct {
	ID          string    `json:"id"`
	ProjectID   string    `json:"projectId"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	CreatedByID string    `json:"createdById"`
	Created     time.Time `json:"created"`
}

// ModelVersionRecord is one version of a model.
type ModelVersionRecord struct {
	ID            string    `json:"id"`
	ModelID       string    `json:"modelId"`
	Number        int       `json:"number"`
	Description   string    `json:"description,omitempty"`
	File          string    `json:"file"`
	Function      string    `json:"function"`
	EnvironmentID string    `json:"environmentId,omitempty"`
	ExcludeFiles  []string  `json:"excludeFiles,omitempty"`
	CommitID      string    `json:"commitId,omitempty"`
	CreatedByID   string    `json:"createdById"`
	Created       time.Time `json:"created"`
}

// ModelExportRecord is an export with its progress; the registry password
// was never kept.
type ModelExportRecord struct {
	ID          string    `json:"id"`
	VersionID   string    `json:"modelVersionId"`
	Target      string    `json:"target"`
	RegistryURL string    `json:"registryUrl"`
	Repository  string    `json:"repository"`
	Tag         string    `json:"tag,omitempty"`
	Username    string    `json:"username,omitempty"`
	StartedByID string    `json:"startedById"`
	Started     time.Time `json:"started"`
	RunStart    time.Time `json:"runStart"`
	Ended       time.Time `json:"ended"`
	Status      string    `json:"status"` // a job status
	LifecycleID string    `json:"lifecycleId,omitempty"`
	Polls       int       `json:"polls"`
}

// EndpointRecord is a project's legacy API endpoint.
type EndpointRecord struct {
	ProjectID     string     `json:"projectId"`
	Published     bool       `json:"published"`
	CommitID      string     `json:"commitId,omitempty"`
	File          string     `json:"file"`
	Function      string     `json:"function"`
	PublishedByID string     `json:"publishedById,omitempty"`
	PublishedAt   *time.Time `json:"publishedAt,omitempty"`
}

func (m *model) record() ModelRecord {
	return ModelRecord{ID: m.id, ProjectID: m.projectID, Name: m.name, Description: m.description,
		CreatedByID: m.createdBy.id, Created: m.created}
}

func (v *modelVersion) record() ModelVersionRecord {
	return ModelVersionRecord{ID: v.id, ModelID: v.model.id, Number: v.number, Description: v.description,
		File: v.file, Function: v.function, EnvironmentID: v.environmentID, ExcludeFiles: slices.Clone(v.excludeFiles),
		CommitID: v.commitID, CreatedByID: v.createdBy.id, Created: v.created}
}

func (e *modelExport) record() ModelExportRecord {
	return ModelExportRecord{ID: e.id, VersionID: e.version.id, Target: e.target, RegistryURL: e.registryURL,
		Repository: e.repository, Tag: e.tag, Username: e.username, StartedByID: e.startedBy.id,
		Started: e.started, RunStart: e.runStart, Ended: e.ended, Status: e.status, LifecycleID: e.lifecycle.id, Polls: e.polls}
}

func (e *endpoint) record() EndpointRecord {
	r := EndpointRecord{ProjectID: e.projectID, Published: e.published, CommitID: e.commitID, File: e.file, Function: e.function}
	if e.publishedBy != nil {
		r.PublishedByID = e.publishedBy.id
		at := e.publishedAt
		r.PublishedAt = &at
	}
	return r
}

// loadModels adds a state document's models, versions, exports and
// endpoints, checked by the rules the routes apply.
func (st *state) loadModels(check *fixtures.Checker, lifecycles *lifecycleTable, snap Snapshot) error {
	userOf := func(at, id string) (*user, error) {
		if u := st.users[id]; u != nil {
			return u, nil
		}
		return nil, fmt.Errorf("%s %q is not a user", at, clip(id))
	}
	newID := func(at, id string) error {
		if err := fixtures.CheckObjectID(at, id); err != nil {
			return err
		}
		return check.ID(at, id)
	}
	plain := func(err error) error {
		if e, ok := err.(*Error); ok {
			return fmt.Errorf("%s", e.Message)
		}
		return err
	}
	for i, r := range snap.Models {
		at := fmt.Sprintf("models[%d]", i)
		if err := newID(at+".id", r.ID); err != nil {
			return err
		}
		if st.projects[r.ProjectID] == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		u, err := userOf(at+".createdById", r.CreatedByID)
		if err != nil {
			return err
		}
		for _, err := range []error{
			checkModelField(at+".name", r.Name, maxModelNameBytes, true),
			checkModelField(at+".description", r.Description, maxModelTextBytes, false),
		} {
			if err != nil {
				return plain(err)
			}
		}
		st.addModel(&model{id: r.ID, projectID: r.ProjectID, name: r.Name, description: r.Description,
			createdBy: u, created: r.Created})
	}
	for i, r := range snap.ModelVersions {
		at := fmt.Sprintf("modelVersions[%d]", i)
		if err := newID(at+".id", r.ID); err != nil {
			return err
		}
		m := st.models[r.ModelID]
		if m == nil {
			return fmt.Errorf("%s.modelId %q is not a model", at, clip(r.ModelID))
		}
		if r.Number != len(m.versions)+1 {
			return fmt.Errorf("%s.number is %d, but it is version %d of model %s (a model's versions are listed in order, numbered from 1)", at, r.Number, len(m.versions)+1, m.id)
		}
		u, err := userOf(at+".createdById", r.CreatedByID)
		if err != nil {
			return err
		}
		in := ModelInput{Description: r.Description, File: r.File, Function: r.Function, ExcludeFiles: r.ExcludeFiles}
		if err := in.check(false); err != nil {
			return fmt.Errorf("%s: %v", at, plain(err))
		}
		if r.EnvironmentID != "" && st.environments[r.EnvironmentID] == nil {
			return fmt.Errorf("%s.environmentId %q is not an environment", at, clip(r.EnvironmentID))
		}
		v := &modelVersion{id: r.ID, model: m, number: r.Number, description: r.Description, file: r.File,
			function: r.Function, environmentID: r.EnvironmentID, excludeFiles: slices.Clone(r.ExcludeFiles),
			commitID: r.CommitID, createdBy: u, created: r.Created}
		if v.excludeFiles == nil {
			v.excludeFiles = []string{}
		}
		st.addModelVersion(v)
	}
	for i, r := range snap.ModelExports {
		at := fmt.Sprintf("modelExports[%d]", i)
		if err := newID(at+".id", r.ID); err != nil {
			return err
		}
		v := st.modelVersions[r.VersionID]
		if v == nil {
			return fmt.Errorf("%s.modelVersionId %q is not a model version", at, clip(r.VersionID))
		}
		u, err := userOf(at+".startedById", r.StartedByID)
		if err != nil {
			return err
		}
		if r.Target != ExportToRegistry && r.Target != ExportToSagemaker {
			return fmt.Errorf("%s.target %q is invalid: must be %s or %s", at, clip(r.Target), ExportToRegistry, ExportToSagemaker)
		}
		if !slices.Contains(exportJobStatuses, r.Status) {
			return fmt.Errorf("%s.status %q is invalid: must be one of %s", at, clip(r.Status), strings.Join(exportJobStatuses, ", "))
		}
		l, err := lifecycles.named(r.LifecycleID)
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		st.addExport(&modelExport{id: r.ID, version: v, target: r.Target, registryURL: r.RegistryURL,
			repository: r.Repository, tag: r.Tag, username: r.Username, startedBy: u, started: r.Started,
			runStart: r.RunStart, ended: r.Ended, status: r.Status, lifecycle: l, polls: r.Polls})
	}
	for i, r := range snap.Endpoints {
		at := fmt.Sprintf("endpoints[%d]", i)
		if st.projects[r.ProjectID] == nil {
			return fmt.Errorf("%s.projectId %q is not a project", at, clip(r.ProjectID))
		}
		if st.endpoints[r.ProjectID] != nil {
			return fmt.Errorf("%s.projectId %q already has an endpoint", at, clip(r.ProjectID))
		}
		e := &endpoint{projectID: r.ProjectID, published: r.Published, commitID: r.CommitID, file: r.File, function: r.Function}
		if r.PublishedByID != "" {
			u, err := userOf(at+".publishedById", r.PublishedByID)
			if err != nil {
				return err
			}
			e.publishedBy = u
			if r.PublishedAt != nil {
				e.publishedAt = *r.PublishedAt
			}
		}
		st.endpoints[r.ProjectID] = e
	}
	return nil
}

// AdvanceExport moves an export one stage on (queued → building → its
// lifecycle's final status), whatever its lifecycle; for the control plane.
func (s *Store) AdvanceExport(id string) (ModelExport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.st.exports[id]
	if e == nil {
		return ModelExport{}, errorf(KindNotFound, "Export %s not found", clip(id))
	}
	if e.status != StatusQueued && e.status != StatusRunning {
		return ModelExport{}, errorf(KindInvalid, "Export %s has already ended: %s", id, e.view().Status)
	}
	if err := s.writable(); err != nil {
		return ModelExport{}, err
	}
	e.advance(s.cfg.Clock.Now())
	return e.view(), s.commit(change{exports: []*modelExport{e}})
}
