package dominotest

import (
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Model is a model (a Model API) as GET /v1/projects/{owner}/{name}/models
// lists it.
type Model struct {
	ID            string
	ProjectID     string
	Name          string
	LatestVersion int // the number of its latest version, 1 first
	Created       time.Time
}

// ModelVersion is one version of a model.
type ModelVersion struct {
	ID      string
	ModelID string
	Number  int // 1, 2, … in the order they were published
	File    string
	Func    string // the function the version serves
}

// ModelExport is an export of a model version's image to a registry.
type ModelExport struct {
	ID             string
	ModelID        string
	ModelVersionID string
	// Status is "queued", then "building", then "complete" (or "failed"
	// under a lifecycle whose FinalStatus is "Failed" or "Error").
	Status string
}

func versionOf(v store.ModelVersion) ModelVersion {
	return ModelVersion{ID: v.ID, ModelID: v.ModelID, Number: v.Number, File: v.File, Func: v.Function}
}

func exportOf(e store.ModelExport) ModelExport {
	return ModelExport{ID: e.ID, ModelID: e.ModelID, ModelVersionID: e.VersionID, Status: e.Status}
}

// PublishModel publishes a model serving predict.py's predict in a
// project, as an administrator would, with its first version.
func (s *Server) PublishModel(t testing.TB, projectID, name string) (Model, ModelVersion) {
	t.Helper()
	m, v, err := s.PublishModelE(projectID, name)
	check(t, err)
	return m, v
}

// PublishModelE is PublishModel returning its error.
func (s *Server) PublishModelE(projectID, name string) (Model, ModelVersion, error) {
	admin, err := s.admin()
	if err != nil {
		return Model{}, ModelVersion{}, fail("PublishModel", err)
	}
	m, v, err := s.srv.Store().PublishModel(admin, store.ModelInput{ProjectID: projectID, Name: name, File: "predict.py", Function: "predict"})
	if err != nil {
		return Model{}, ModelVersion{}, fail("PublishModel", err)
	}
	return Model{ID: m.ID, ProjectID: m.ProjectID, Name: m.Name, LatestVersion: m.LatestVersion, Created: m.Created.UTC()}, versionOf(v), nil
}

// PublishModelVersion publishes a model's next version, serving file's
// function.
func (s *Server) PublishModelVersion(t testing.TB, modelID, file, function string) ModelVersion {
	t.Helper()
	v, err := s.PublishModelVersionE(modelID, file, function)
	check(t, err)
	return v
}

// PublishModelVersionE is PublishModelVersion returning its error.
func (s *Server) PublishModelVersionE(modelID, file, function string) (ModelVersion, error) {
	admin, err := s.admin()
	if err != nil {
		return ModelVersion{}, fail("PublishModelVersion", err)
	}
	v, err := s.srv.Store().PublishModelVersion(admin, modelID, store.ModelInput{File: file, Function: function})
	if err != nil {
		return ModelVersion{}, fail("PublishModelVersion", err)
	}
	return versionOf(v), nil
}

// ExportModel starts an export of a model version's image to
// registryURL/repository; it moves under the job lifecycle
// (SetJobLifecycle) as a job does.
func (s *Server) ExportModel(t testing.TB, modelID, versionID, registryURL, repository string) ModelExport {
	t.Helper()
	e, err := s.ExportModelE(modelID, versionID, registryURL, repository)
	check(t, err)
	return e
}

// ExportModelE is ExportModel returning its error.
func (s *Server) ExportModelE(modelID, versionID, registryURL, repository string) (ModelExport, error) {
	admin, err := s.admin()
	if err != nil {
		return ModelExport{}, fail("ExportModel", err)
	}
	e, err := s.srv.Store().ExportModelVersion(admin, modelID, versionID, store.ExportInput{
		Target: store.ExportToRegistry, RegistryURL: registryURL, Repository: repository})
	if err != nil {
		return ModelExport{}, fail("ExportModel", err)
	}
	return exportOf(e), nil
}

// AdvanceExport moves an export one stage on, queued to building to its
// end, whatever the lifecycle's mode, and returns its status after the move.
func (s *Server) AdvanceExport(t testing.TB, exportID string) (status string) {
	t.Helper()
	v, err := s.AdvanceExportE(exportID)
	check(t, err)
	return v
}

// AdvanceExportE is AdvanceExport returning its error: no such export, or
// it has ended.
func (s *Server) AdvanceExportE(exportID string) (status string, err error) {
	e, err := s.srv.Store().AdvanceExport(exportID)
	if err != nil {
		return "", fail("AdvanceExport", err)
	}
	return e.Status, nil
}
