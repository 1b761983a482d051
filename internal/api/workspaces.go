package api

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// Workspaces (the /v4 spec's Workspace and Workspaces families): the rules
// are the store's (workspaces.go); these decode, call it and shape its
// answers as the spec's WorkspaceDto, WorkspaceSessionDto and pages.

// launchesWorkspaces and changesWorkspace are the permissions asked before
// a body is read.
func launchesWorkspaces(q *request) error {
	return q.st.MayCreateWorkspace(q.caller, q.vars("projectId"))
}

func changesWorkspace(q *request) error {
	return q.st.MayChangeWorkspace(q.caller, q.vars("projectId"), q.vars("workspaceId"))
}

// localDataPlaneID is the id the mock gives its one (local) data plane, as
// its hardware tiers do.
const localDataPlaneID = "000000000000000000000000"

// tierIdentifier is the spec's HardwareTierIdentifier, {"value": "<id>"};
// the id alone, as a string, is taken too (inferred: clients of the
// project settings send it so).
type tierIdentifier string

func (t *tierIdentifier) UnmarshalJSON(data []byte) error {
	var s string
	if json.Unmarshal(data, &s) == nil {
		*t = tierIdentifier(s)
		return nil
	}
	var v struct {
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.Value == nil {
		return errBadTier
	}
	*t = tierIdentifier(*v.Value)
	return nil
}

var errBadTier = &httpError{status: http.StatusBadRequest, msg: `must be {"value": "<hardware tier id>"}`}

// workspaceBody is the spec's CreateWorkspaceRequest and
// UpdateWorkspaceRequest. The fields it marks required are not: what is
// left out comes from the project's settings (create) or stays (update).
type workspaceBody struct {
	Name                    string                 `json:"name"`
	EnvironmentID           string                 `json:"environmentId"`
	EnvironmentRevisionSpec *fixtures.RevisionSpec `json:"environmentRevisionSpec"`
	HardwareTierID          tierIdentifier         `json:"hardwareTierId"`
	Tools                   []string               `json:"tools"`
	ExternalVolumeMounts    []string               `json:"externalVolumeMounts"`
	NetAppVolumeIDs         []string               `json:"netAppVolumeIds"`
	OverrideVolumeSizeGiB   *float64               `json:"overrideVolumeSizeGiB"`
	// Compute clusters: mockdomino runs none, so asking for one is refused.
	ClusterConfig        json.RawMessage `json:"clusterConfig"`
	ComputeClusterConfig json.RawMessage `json:"computeClusterConfig"`
}

func (b workspaceBody) input() (store.WorkspaceInput, error) {
	checks := []error{bodyObjectID("environmentId", b.EnvironmentID)}
	for _, id := range b.ExternalVolumeMounts {
		checks = append(checks, bodyObjectID("externalVolumeMounts", id))
	}
	for _, raw := range []json.RawMessage{b.ClusterConfig, b.ComputeClusterConfig} {
		if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
			checks = append(checks, badRequest("mockdomino runs no compute clusters: send clusterConfig and computeClusterConfig as null, or not at all"))
		}
	}
	if err := firstError(checks...); err != nil {
		return store.WorkspaceInput{}, err
	}
	return store.WorkspaceInput{Name: b.Name, EnvironmentID: b.EnvironmentID, RevisionSpec: b.EnvironmentRevisionSpec,
		HardwareTierID: string(b.HardwareTierID), Tools: b.Tools, VolumeSizeGiB: b.OverrideVolumeSizeGiB,
		ExternalVolumeMounts: b.ExternalVolumeMounts, NetAppVolumeIDs: b.NetAppVolumeIDs}, nil
}

func createWorkspace(q *request) (int, any, error) {
	var b workspaceBody
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	in, err := b.input()
	if err != nil {
		return 0, nil, err
	}
	w, err := q.st.CreateWorkspace(q.caller, q.vars("projectId"), in)
	return http.StatusOK, workspaceV4(w), err
}

func updateWorkspace(q *request) (int, any, error) {
	var b workspaceBody
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	in, err := b.input()
	if err != nil {
		return 0, nil, err
	}
	w, err := q.st.UpdateWorkspace(q.caller, q.vars("projectId"), q.vars("workspaceId"), in)
	return http.StatusOK, workspaceV4(w), err
}

func updateWorkspaceTitle(q *request) (int, any, error) {
	var b struct {
		Title string `json:"title"`
	}
	if err := decode(q, &b); err != nil {
		return 0, nil, err
	}
	w, err := q.st.RenameWorkspace(q.caller, q.vars("projectId"), q.vars("workspaceId"), b.Title)
	return http.StatusOK, workspaceV4(w), err
}

func getWorkspace(q *request) (int, any, error) {
	w, err := q.st.Workspace(q.caller, q.vars("projectId"), q.vars("workspaceId"))
	return http.StatusOK, workspaceV4(w), err
}

func deleteWorkspace(q *request) (int, any, error) {
	w, err := q.st.DeleteWorkspace(q.caller, q.vars("projectId"), q.vars("workspaceId"))
	return http.StatusOK, workspaceV4(w), err
}

// listWorkspaces serves the three project lists: provisioned workspaces,
// deleted ones, and one owner's (the spec's WorkspacePageDto).
func listWorkspaces(deleted bool) handler {
	return func(q *request) (int, any, error) {
		offset, limit, err := requiredPage(q)
		if err != nil {
			return 0, nil, err
		}
		list, total, err := q.st.Workspaces(q.caller, q.vars("projectId"),
			store.WorkspaceQuery{Offset: offset, Limit: limit, Deleted: deleted, OwnerID: q.vars("ownerId")})
		if err != nil {
			return 0, nil, err
		}
		out := make([]any, 0, len(list))
		for _, w := range list {
			out = append(out, workspaceV4(w))
		}
		return http.StatusOK, map[string]any{"workspaces": out, "totalWorkspaceCount": total, "offset": offset, "limit": limit}, nil
	}
}

// requiredPage reads offset and limit, which the spec's workspace lists
// require: a missing one is 400 as Play's binders answer (inferred, as for
// the gateway's relationship). offset counts workspaces, not pages
// (inferred).
func requiredPage(q *request) (offset, limit int, err error) {
	v := q.URL.Query()
	for _, p := range []struct {
		name string
		dst  *int
	}{{"offset", &offset}, {"limit", &limit}} {
		s := v.Get(p.name)
		if s == "" {
			return 0, 0, badRequest("Missing parameter: %s", p.name)
		}
		if *p.dst, err = int32Param(p.name, s); err != nil {
			return 0, 0, err
		}
	}
	return offset, limit, nil
}

// int32Param is a query value that must be a whole number from 0 to 2^31-1.
func int32Param(name, s string) (int, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		return 0, badRequest("Cannot parse parameter %s as Int: a whole number from 0 to %d, not %q", name, math.MaxInt32, clipPath(s))
	}
	return int(n), nil
}

// optionalInt is a query value from least to 2^31-1, def when absent.
func optionalInt(v url.Values, name string, def, least int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := int32Param(name, s)
	if err == nil && n < least {
		err = badRequest("Cannot parse parameter %s as Int: a whole number from %d to %d, not %q", name, least, math.MaxInt32, clipPath(s))
	}
	return n, err
}

func workspaceCount(q *request) (int, any, error) {
	n, err := q.st.WorkspaceCount(q.caller, q.vars("projectId"))
	return http.StatusOK, n, err
}

// myWorkspaces serves GET /v4/workspace: the caller's workspaces across
// projects, a page at a time (the spec's WorkspacePageCollectionDto).
func myWorkspaces(q *request) (int, any, error) {
	v := q.URL.Query()
	size, err := optionalInt(v, "pageSize", 10, 1)
	if err != nil {
		return 0, nil, err
	}
	page, err := optionalInt(v, "pageNumber", 1, 1)
	if err != nil {
		return 0, nil, err
	}
	order := v.Get("sortOrder")
	switch order {
	case "":
		order = "desc"
	case "asc", "desc":
	default:
		// As Domino answers an enum value it does not know (observed on
		// the gateway's relationship).
		return 0, nil, &store.Error{Kind: store.KindServerError, Message: "No value found for '" + clipPath(order) + "'"}
	}
	offset := (page - 1) * size
	if page > math.MaxInt32/size {
		offset = math.MaxInt32
	}
	list, total, err := q.st.MyWorkspaces(q.caller, store.MyWorkspacesQuery{Offset: offset, Limit: size, Name: v.Get("q"),
		SortField: v.Get("sortField"), Ascending: order == "asc"})
	if err != nil {
		return 0, nil, err
	}
	out := make([]any, 0, len(list))
	for _, w := range list {
		out = append(out, workspaceV4(w))
	}
	return http.StatusOK, map[string]any{"items": out, "totalCount": total,
		"paginationDetails": map[string]any{"pageSize": size, "pageNumber": page, "sortOrder": order}}, nil
}

func listWorkspaceSessions(q *request) (int, any, error) {
	v := q.URL.Query()
	offset, err := optionalInt(v, "offset", 0, 0)
	if err != nil {
		return 0, nil, err
	}
	limit, err := optionalInt(v, "limit", 5, 0)
	if err != nil {
		return 0, nil, err
	}
	list, err := q.st.WorkspaceSessions(q.caller, q.vars("projectId"), q.vars("workspaceId"), offset, limit)
	if err != nil {
		return 0, nil, err
	}
	out := make([]any, 0, len(list))
	for _, x := range list {
		out = append(out, sessionV4(x))
	}
	return http.StatusOK, out, nil
}

// startWorkspaceSession takes its volumes from the query, as the spec has
// it: each externalVolumeMounts value an ObjectId.
func startWorkspaceSession(q *request) (int, any, error) {
	v := q.URL.Query()
	external := v["externalVolumeMounts"]
	for _, id := range external {
		if !isObjectID(id) {
			return 0, nil, badRequest("%s is not a valid ID", clipPath(id))
		}
	}
	x, err := q.st.StartWorkspaceSession(q.caller, q.vars("projectId"), q.vars("workspaceId"), external, v["netAppVolumeIds"])
	return http.StatusOK, sessionV4(x), err
}

func stopWorkspaceSession(q *request) (int, any, error) {
	x, err := q.st.StopWorkspaceSession(q.caller, q.vars("projectId"), q.vars("workspaceId"))
	return http.StatusOK, sessionV4(x), err
}

func getWorkspaceSession(q *request) (int, any, error) {
	x, err := q.st.WorkspaceSession(q.caller, q.vars("projectId"), q.vars("workspaceSessionId"))
	return http.StatusOK, sessionV4(x), err
}

// workspaceDefinitions serves GET /v4/workspaces/definitions?projectId=:
// the tools of the project's default environment.
func workspaceDefinitions(q *request) (int, any, error) {
	projectID := q.URL.Query().Get("projectId")
	switch {
	case projectID == "":
		return 0, nil, badRequest("Missing parameter: projectId")
	case !isObjectID(projectID):
		return 0, nil, badRequest("%s is not a valid ID", clipPath(projectID))
	}
	tools, err := q.st.WorkspaceTools(q.caller, projectID, "")
	return http.StatusOK, definitionsV4(tools), err
}

func availableTools(q *request) (int, any, error) {
	tools, err := q.st.WorkspaceTools(q.caller, q.vars("projectId"), q.vars("environmentId"))
	return http.StatusOK, map[string]any{"workspaceTools": definitionsV4(tools)}, err
}

// definitionsV4 are tools as the spec's WorkspaceDefinitionDto: a tool is
// named by its name, which is its id.
func definitionsV4(tools []store.WorkspaceTool) []any {
	out := make([]any, 0, len(tools))
	for _, t := range tools {
		out = append(out, map[string]any{"id": t.Name, "name": t.Name, "title": t.Title, "iconUrl": nullIfEmpty(t.IconURL)})
	}
	return out
}

// ---- shapes ----

func workspaceConfigV4(c store.WorkspaceConfig) map[string]any {
	return map[string]any{
		"environment": map[string]any{"id": c.EnvironmentID, "name": c.EnvironmentName, "revisionId": c.RevisionID,
			"revisionNumber": c.RevisionNumber, "revisionType": c.RevisionType, "isRestricted": c.IsRestricted},
		"hardwareTier": map[string]any{"id": map[string]string{"value": c.HardwareTierID}, "name": c.HardwareTierName},
		"tools":        orEmpty(c.Tools),
		"capacityType": nil, "clusterProps": nil, "computeClusterResponseProps": nil, "dataPlane": nil,
		"persistence": nil, "ssh": nil,
	}
}

// sessionV4 is the spec's WorkspaceSessionDto. start is when it began to
// run, end when it stopped (or failed to start).
func sessionV4(x store.WorkspaceSession) map[string]any {
	m := map[string]any{
		"id": x.ID, "executionId": x.ExecutionID, "config": workspaceConfigV4(x.Config),
		"datasetMounts": []any{}, "externalVolumeMounts": []any{}, "netAppVolumeMounts": []any{},
		"queuedWorkspaceHistoryDetails": map[string]string{"expectedWait": "", "explanation": "", "helpText": ""},
		"sessionStatusInfo": map[string]any{
			"rawExecutionDisplayStatus": x.Status, "rawExecutionDisplayStatusUpdatedAt": store.Time(x.StatusUpdatedAt),
			"isLoading": x.IsLoading, "isRunning": x.IsRunning, "isStoppable": x.IsStoppable, "isCompleting": x.IsCompleting,
			"isFailed": x.IsFailed, "isSuccessful": x.IsSuccessful, "isCompleted": x.IsCompleted,
		},
		"start": nil, "end": nil, "diskUsage": nil,
	}
	if !x.Running.IsZero() {
		m["start"] = map[string]any{"time": x.Running.UnixMilli()}
	}
	if !x.Ended.IsZero() {
		m["end"] = map[string]any{"time": x.Ended.UnixMilli(), "exitStatus": x.ExitStatus, "repoDirty": false}
	}
	return m
}

// workspaceV4 is the spec's WorkspaceDto.
func workspaceV4(w store.Workspace) map[string]any {
	var recent any
	if w.MostRecentSession != nil {
		recent = sessionV4(*w.MostRecentSession)
	}
	return map[string]any{
		"id": w.ID, "deleted": w.Deleted, "projectId": w.ProjectID, "ownerId": w.OwnerID, "ownerName": w.OwnerName,
		"name": w.Name, "state": w.State, "stateUpdatedAt": store.Time(w.StateUpdatedAt), "createdAt": store.Time(w.Created),
		"initConfig":       map[string]any{"volumeSize": map[string]any{"value": w.VolumeSizeGiB, "unit": "GiB"}},
		"configTemplate":   workspaceConfigV4(w.Config),
		"importedProjects": []any{}, "importedGitRepos": []any{}, "dataPlaneId": localDataPlaneID,
		"sessionStats": map[string]any{"runTimeSec": int64(w.RunTime.Seconds()), "lastStartTime": millis(w.LastStart),
			"lastEndTime": millis(w.LastEnd)},
		"isLegacy": false, "isReproduced": false, "mostRecentSession": recent,
		"project": map[string]any{"id": w.ProjectID, "name": w.ProjectName,
			"owner": map[string]string{"id": w.ProjectOwnerID, "userName": w.ProjectOwnerName}},
		"codeBranchName": nil, "dfsBranchName": nil, "lastCommitTime": nil, "markedForDeleteTime": rfc3339(w.DeletedAt),
	}
}

// ---- the mock's control of sessions ----

func getWorkspaceLifecycle(q *request) (int, any, error) {
	return http.StatusOK, q.st.WorkspaceLifecycle(), nil
}

func setWorkspaceLifecycle(q *request) (int, any, error) {
	var in store.WorkspaceLifecycle
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	l, err := q.st.SetWorkspaceLifecycle(in)
	return http.StatusOK, l, err
}

func advanceWorkspace(q *request) (int, any, error) {
	w, err := q.st.AdvanceWorkspace(q.vars("workspaceId"))
	return http.StatusOK, workspaceV4(w), err
}
