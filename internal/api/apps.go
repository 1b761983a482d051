package api

import (
	"net/http"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// Apps: the v4 spec's model products (/v4/modelProducts), as
// python-domino's app_publish, app_unpublish and app_get_status reach them.

// appBody is the spec's ModelProduct as a create reads it. python-domino
// sends every field, created and lastUpdated as nanosecond numbers where the
// spec has date-times, and an id of zeros: what the server decides is not
// declared here, so it is ignored whatever its type.
type appBody struct {
	ProjectID        string `json:"projectId"`
	ModelProductType string `json:"modelProductType"`
	Name             string `json:"name"`
	Description      string `json:"description"`
	HardwareTierID   string `json:"hardwareTierId"`
	EnvironmentID    string `json:"environmentId"`
	EntryPoint       string `json:"entryPoint"`
	PermissionsData  struct {
		Visibility string `json:"visibility"`
	} `json:"permissionsData"`
}

func createApp(q *request) (int, any, error) {
	var in appBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := firstError(bodyObjectID("projectId", in.ProjectID), bodyObjectID("environmentId", in.EnvironmentID)); err != nil {
		return 0, nil, err
	}
	a, err := q.st.CreateApp(q.caller, store.AppInput{
		ProjectID: in.ProjectID, Name: in.Name, Description: in.Description, Type: in.ModelProductType,
		Visibility: in.PermissionsData.Visibility, HardwareTier: in.HardwareTierID,
		EnvironmentID: in.EnvironmentID, EntryPoint: in.EntryPoint,
	})
	return http.StatusOK, appV4(q, a), err
}

func listApps(q *request) (int, any, error) {
	v := q.URL.Query()
	projectID := v.Get("projectId")
	if projectID != "" && !isObjectID(projectID) { // as a path id would be (inferred)
		return 0, nil, badRequest("%s is not a valid ID", clipPath(projectID))
	}
	apps, err := q.st.Apps(q.caller, projectID, v.Get("type"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]any, 0, len(apps))
	for _, a := range apps {
		out = append(out, appV4(q, a))
	}
	return http.StatusOK, out, nil
}

func getApp(q *request) (int, any, error) {
	a, err := q.st.App(q.caller, q.vars("modelProductId"))
	return http.StatusOK, appV4(q, a), err
}

// startApp answers the spec's DominoId: the new instance's id.
func startApp(q *request) (int, any, error) {
	// The spec's StartParams; python-domino leaves out the fields it has no
	// value for.
	var in struct {
		HardwareTierID         string   `json:"hardwareTierId"`
		EnvironmentID          string   `json:"environmentId"`
		CommitID               string   `json:"commitId"`
		ExternalVolumeMountIDs []string `json:"externalVolumeMountIds"`
		MainRepoGitRef         *struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"mainRepoGitRef"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	errs := []error{bodyObjectID("environmentId", in.EnvironmentID)}
	for _, id := range in.ExternalVolumeMountIDs {
		errs = append(errs, bodyObjectID("externalVolumeMountIds", id))
	}
	if err := firstError(errs...); err != nil {
		return 0, nil, err
	}
	commit := in.CommitID
	if ref := in.MainRepoGitRef; ref != nil {
		if err := fixtures.CheckGitRef("mainRepoGitRef", ref.Type, ref.Value); err != nil {
			return 0, nil, badRequest("%s", err.Error())
		}
		if ref.Type == "commitId" && commit == "" {
			commit = ref.Value
		}
	}
	a, err := q.st.StartApp(q.caller, q.vars("modelProductId"), store.AppStart{
		HardwareTier: in.HardwareTierID, EnvironmentID: in.EnvironmentID, CommitID: commit,
	})
	return http.StatusOK, a.InstanceID, err
}

// stopApp answers the spec's DominoId: the stopped instance's id (the
// app's own before its first start).
func stopApp(q *request) (int, any, error) {
	if _, err := boolParam(q, "force"); err != nil {
		return 0, nil, err
	}
	a, err := q.st.StopApp(q.caller, q.vars("modelProductId"))
	if a.InstanceID == "" {
		return http.StatusOK, a.ID, err
	}
	return http.StatusOK, a.InstanceID, err
}

func advanceApp(q *request) (int, any, error) {
	a, err := q.st.AdvanceApp(q.vars("appId"))
	return http.StatusOK, appV4(q, a), err
}

// appV4 is the spec's ModelProduct.
func appV4(q *request, a store.App) map[string]any {
	url := q.st.ExternalURL() + "/modelproducts/" + a.ID
	m := map[string]any{
		"id": a.ID, "projectId": a.ProjectID, "modelProductType": a.Type, "name": a.Name,
		"description": a.Description, "created": rfc3339(a.Created), "lastUpdated": rfc3339(a.Updated),
		"status": a.Status, "media": []any{}, "tags": []any{}, "stats": map[string]any{"usageCount": 0},
		"openUrl": url, "appExtension": map[string]any{"appType": ""},
		"permissionsData": map[string]any{
			"visibility": a.Visibility, "accessRequestStatuses": map[string]any{}, "pendingInvitations": []any{},
			"discoverable": true, "appAccessStatus": "ALLOWED",
		},
		"publisher":      map[string]any{"id": a.PublisherID, "userName": a.PublisherUserName},
		"hardwareTierId": nullIfEmpty(a.HardwareTierID), "environmentId": nullIfEmpty(a.EnvironmentID),
		"entryPoint": nullIfEmpty(a.EntryPoint), "goalIds": []any{}, "vanityUrl": nil,
		"latestAppInstanceId": nullIfEmpty(a.InstanceID), "runningCommitId": nil, "runningAppUrl": nil,
	}
	if a.Status == store.AppRunning {
		m["runningCommitId"], m["runningAppUrl"] = a.RunningCommitID, url+"/"
	}
	return m
}
