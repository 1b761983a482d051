package api

import (
	"net/http"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Models (Model APIs), their versions, exports of a version's image, and
// the legacy per-project API endpoint, as python-domino reaches them.
// The v1 answers take the shape python-domino's examples read against a
// live Domino: lists as {"objectType":"list","uri","data":[…]}, a publish
// as {"data":{…}}, ids as both "_id" and "id", a version's number in
// metadata.number.

// modelBody is what model_publish and model_version_publish send.
type modelBody struct {
	Name          string   `json:"name"`
	Description   string   `json:"description"`
	ProjectID     string   `json:"projectId"`
	File          string   `json:"file"`
	Function      string   `json:"function"`
	ExcludeFiles  []string `json:"excludeFiles"`
	EnvironmentID string   `json:"environmentId"`
}

func (b modelBody) input() store.ModelInput {
	return store.ModelInput{ProjectID: b.ProjectID, Name: b.Name, Description: b.Description, File: b.File,
		Function: b.Function, EnvironmentID: b.EnvironmentID, ExcludeFiles: b.ExcludeFiles}
}

func decodeModelBody(q *request) (modelBody, error) {
	var in modelBody
	if err := decode(q, &in); err != nil {
		return in, err
	}
	return in, firstError(bodyObjectID("projectId", in.ProjectID), bodyObjectID("environmentId", in.EnvironmentID))
}

func listModels(q *request) (int, any, error) {
	models, err := q.st.Models(q.caller, q.vars("owner"), q.vars("name"))
	if err != nil {
		return 0, nil, err
	}
	data := make([]any, 0, len(models))
	for _, m := range models {
		data = append(data, modelV1(m))
	}
	return http.StatusOK, v1List(q, data), nil
}

func publishModel(q *request) (int, any, error) {
	in, err := decodeModelBody(q)
	if err != nil {
		return 0, nil, err
	}
	m, v, err := q.st.PublishModel(q.caller, in.input())
	if err != nil {
		return 0, nil, err
	}
	out := modelV1(m)
	out["version"] = modelVersionV1(v)
	return http.StatusOK, map[string]any{"data": out}, nil
}

func listModelVersions(q *request) (int, any, error) {
	versions, err := q.st.ModelVersions(q.caller, q.vars("modelId"))
	if err != nil {
		return 0, nil, err
	}
	data := make([]any, 0, len(versions))
	for _, v := range versions {
		data = append(data, modelVersionV1(v))
	}
	return http.StatusOK, v1List(q, data), nil
}

func publishModelVersion(q *request) (int, any, error) {
	in, err := decodeModelBody(q)
	if err != nil {
		return 0, nil, err
	}
	v, err := q.st.PublishModelVersion(q.caller, q.vars("modelId"), in.input())
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"data": modelVersionV1(v)}, nil
}

// exportModel serves both export routes: the spec's ExportModelImageApiRequest
// and ExportImageForSagemakerApiRequest are the same fields. It answers 202
// (the spec's status) with the export's status, an object, as python-domino's
// export example reads it (the spec wraps it in an array).
func exportModel(target string) handler {
	return func(q *request) (int, any, error) {
		var in struct {
			RegistryURL string `json:"registryUrl"`
			Repository  string `json:"repository"`
			Tag         string `json:"tag"`
			Username    string `json:"username"`
			Password    string `json:"password"`
		}
		if err := decode(q, &in); err != nil {
			return 0, nil, err
		}
		e, err := q.st.ExportModelVersion(q.caller, q.vars("modelId"), q.vars("modelVersionId"), store.ExportInput{
			Target: target, RegistryURL: in.RegistryURL, Repository: in.Repository, Tag: in.Tag,
			Username: in.Username, Password: in.Password,
		})
		return http.StatusAccepted, exportStatus(e), err
	}
}

func getExportStatus(q *request) (int, any, error) {
	e, err := q.st.ModelExport(q.caller, q.vars("exportId"))
	return http.StatusOK, exportStatus(e), err
}

func getExportLogs(q *request) (int, any, error) {
	e, err := q.st.ModelExport(q.caller, q.vars("exportId"))
	out := exportStatus(e)
	delete(out, "errorMessage")
	out["logs"] = e.Logs
	return http.StatusOK, out, err
}

func advanceExport(q *request) (int, any, error) {
	e, err := q.st.AdvanceExport(q.vars("exportId"))
	return http.StatusOK, exportStatus(e), err
}

func endpointState(q *request) (int, any, error) {
	e, err := q.st.EndpointState(q.caller, q.vars("owner"), q.vars("project"))
	return http.StatusOK, endpointV1(e), err
}

func publishEndpoint(q *request) (int, any, error) {
	// python-domino's endpoint_publish; commitId may be null.
	var in struct {
		CommitID          string `json:"commitId"`
		BindingDefinition struct {
			File     string `json:"file"`
			Function string `json:"function"`
		} `json:"bindingDefinition"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	e, err := q.st.PublishEndpoint(q.caller, q.vars("owner"), q.vars("project"), store.EndpointInput{
		CommitID: in.CommitID, File: in.BindingDefinition.File, Function: in.BindingDefinition.Function,
	})
	return http.StatusOK, endpointV1(e), err
}

func unpublishEndpoint(q *request) (int, any, error) {
	e, err := q.st.UnpublishEndpoint(q.caller, q.vars("owner"), q.vars("project"))
	return http.StatusOK, endpointV1(e), err
}

// v1List is the v1 API's list envelope (as /v1/environments answers).
func v1List(q *request, data []any) map[string]any {
	return map[string]any{"objectType": "list", "uri": q.URL.Path, "data": data}
}

func modelV1(m store.Model) map[string]any {
	return map[string]any{
		"_id": m.ID, "id": m.ID, "name": m.Name, "description": m.Description, "projectId": m.ProjectID,
		"createdBy": m.CreatedByID, "created": millis(m.Created), "lastModified": millis(m.Updated),
		"latestVersion": m.LatestVersion, "isArchived": false,
	}
}

func modelVersionV1(v store.ModelVersion) map[string]any {
	return map[string]any{
		"_id": v.ID, "id": v.ID, "modelId": v.ModelID, "projectId": v.ProjectID,
		"metadata": map[string]any{"number": v.Number, "description": v.Description,
			"created": millis(v.Created), "createdBy": v.CreatedByID},
		"file": v.File, "function": v.Function, "environmentId": nullIfEmpty(v.EnvironmentID),
		"excludeFiles": v.ExcludeFiles, "commitId": nullIfEmpty(v.CommitID),
	}
}

// exportStatus is the spec's ModelExportVersionStatusApiResponse.
func exportStatus(e store.ModelExport) map[string]any {
	out := map[string]any{"modelId": e.ModelID, "modelVersionId": e.VersionID, "exportId": e.ID,
		"status": e.Status, "errorMessage": nil}
	if e.Status == store.ExportFailed {
		out["errorMessage"] = "the export failed (the mock's job lifecycle ends in failure)"
	}
	return out
}

func endpointV1(e store.Endpoint) map[string]any {
	return map[string]any{
		"projectId": e.ProjectID, "isPublished": e.IsPublished, "status": e.Status,
		"commitId":          nullIfEmpty(e.CommitID),
		"bindingDefinition": map[string]any{"file": e.File, "function": e.Function},
		"publishedAt":       millis(e.PublishedAt), "publishedBy": nullIfEmpty(e.PublishedByID),
	}
}
