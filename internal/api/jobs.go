package api

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

// gitRefV1 is the public API's GitRefV1.
type gitRefV1 struct {
	RefType string `json:"refType"`
	Value   string `json:"value,omitempty"`
}

func (r *gitRefV1) ref() *store.Ref {
	if r == nil {
		return nil
	}
	return &store.Ref{Type: r.RefType, Value: r.Value}
}

func startJobV1(q *request) (int, any, error) {
	var in struct {
		ProjectID      string    `json:"projectId"`
		RunCommand     string    `json:"runCommand"`
		Title          string    `json:"title"`
		HardwareTier   string    `json:"hardwareTier"`
		EnvironmentID  string    `json:"environmentId"`
		CommitID       string    `json:"commitId"`
		MainRepoGitRef *gitRefV1 `json:"mainRepoGitRef"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	j, err := q.st.StartJob(q.caller, store.JobInput{
		ProjectID: in.ProjectID, Command: in.RunCommand, Title: in.Title,
		HardwareTier: in.HardwareTier, EnvironmentID: in.EnvironmentID, CommitID: in.CommitID,
		MainRepoGitRef: in.MainRepoGitRef.ref(), CommandField: "runCommand", HardwareTierField: "hardwareTier",
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"job": jobV1(j), "metadata": metadata(q)}, nil
}

func startJobV4(q *request) (int, any, error) {
	// python-domino sends every field, unset ones as null.
	var in struct {
		ProjectID              string     `json:"projectId"`
		CommandToRun           string     `json:"commandToRun"`
		Title                  string     `json:"title"`
		CommitID               string     `json:"commitId"`
		OverrideHardwareTierID string     `json:"overrideHardwareTierId"`
		EnvironmentID          string     `json:"environmentId"`
		MainRepoGitRef         *store.Ref `json:"mainRepoGitRef"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := firstError(bodyObjectID("projectId", in.ProjectID), bodyObjectID("environmentId", in.EnvironmentID)); err != nil {
		return 0, nil, err
	}
	j, err := q.st.StartJob(q.caller, store.JobInput{
		ProjectID: in.ProjectID, Command: in.CommandToRun, Title: in.Title,
		HardwareTier: in.OverrideHardwareTierID, EnvironmentID: in.EnvironmentID, CommitID: in.CommitID,
		MainRepoGitRef: in.MainRepoGitRef, CommandField: "commandToRun", HardwareTierField: "overrideHardwareTierId",
	})
	return http.StatusOK, jobV4(j), err
}

func stopJob(q *request) (int, any, error) {
	var in struct {
		ProjectID     string `json:"projectId"`
		JobID         string `json:"jobId"`
		CommitResults bool   `json:"commitResults"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := bodyObjectID("jobId", in.JobID); err != nil {
		return 0, nil, err
	}
	j, err := q.st.StopJob(q.caller, in.ProjectID, in.JobID)
	return http.StatusOK, jobV4(j), err
}

func getJob(q *request) (int, any, error) {
	j, err := q.st.Job(q.caller, q.vars("jobId"))
	return http.StatusOK, jobV4(j), err
}

// defaultJobPageSize is the page GET /v4/jobs answers without page_size:
// python-domino's jobs_list documents "default: 3" for the size it leaves
// out (a client's word, not observed).
const defaultJobPageSize = 3

// listJobs serves GET /v4/jobs: a project's jobs, a page at a time
// (page_size, page_no from 1), filtered by status and ordered by order_by
// and sort_by, as the spec's JobSet; archived jobs only with show_archived.
// tag, query, type and dominoStatsSortFieldName are accepted and change
// nothing (the mock keeps no job tags or stats).
func listJobs(q *request) (int, any, error) {
	v := q.URL.Query()
	projectID := v.Get("projectId")
	if projectID != "" && !isObjectID(projectID) { // as a path id would be (inferred)
		return 0, nil, badRequest("%s is not a valid ID", clipPath(projectID))
	}
	size, err := wholeParam(v, "page_size", defaultJobPageSize, 1)
	if err != nil {
		return 0, nil, err
	}
	page, err := wholeParam(v, "page_no", 1, 1)
	if err != nil {
		return 0, nil, err
	}
	showArchived, err := boolParam(q, "show_archived")
	if err != nil {
		return 0, nil, err
	}
	sortBy := strings.ToLower(v.Get("sort_by"))
	switch sortBy {
	case "":
		sortBy = "desc"
	case "asc", "desc":
	default:
		return 0, nil, badRequest("query parameter sort_by must be asc or desc, not %q", clipPath(v.Get("sort_by")))
	}
	orderBy := v.Get("order_by")
	if orderBy == "" {
		orderBy = "number"
	}
	offset := (page - 1) * size
	if page > math.MaxInt32/size {
		offset = math.MaxInt32
	}
	jobs, total, err := q.st.JobsPage(q.caller, projectID, store.JobQuery{Offset: offset, Limit: size,
		Status: v.Get("status"), OrderBy: orderBy, Ascending: sortBy == "asc", ShowArchived: showArchived})
	if err != nil {
		return 0, nil, err
	}
	list := make([]any, 0, len(jobs))
	for _, j := range jobs {
		list = append(list, jobV4(j))
	}
	return http.StatusOK, map[string]any{
		"jobs":              list,
		"totalCount":        total,
		"pagination":        map[string]any{"offset": offset, "limit": size, "sortBy": sortBy, "orderBy": orderBy},
		"dominoStatColumns": []string{},
	}, nil
}

// wholeParam reads a query parameter that must be a whole number from
// least to 2^31-1 (JSON numbers like "3.0" included, as the spec types
// page_size and page_no as number).
func wholeParam(v url.Values, name string, def, least int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || f < float64(least) || f > math.MaxInt32 {
		return 0, badRequest("query parameter %s must be a whole number from %d to %d, not %q", name, least, math.MaxInt32, clipPath(s))
	}
	return int(f), nil
}

func jobStdout(q *request) (int, any, error) {
	j, err := q.st.JobStdout(q.caller, q.vars("owner"), q.vars("name"), q.vars("runId"))
	return http.StatusOK, map[string]string{"stdout": j.Stdout, "setup": j.Setup}, err
}

func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return store.Time(t)
}

func statusBlock(j store.Job) map[string]any {
	return map[string]any{
		"isCompleted": j.IsCompleted, "isArchived": j.Archived, "isScheduled": false,
		"executionStatus": j.Status,
	}
}

// commitDetails is a job's CommitDetails: outputCommitId null until it
// finished (the spec declares it nullable).
func commitDetails(j store.Job) map[string]any {
	return map[string]any{"inputCommitId": j.CommitID, "outputCommitId": nullIfEmpty(j.OutputCommitID)}
}

// mainRepoGitRef is a job's ReferenceDTO, null when it was started with none.
func mainRepoGitRef(j store.Job) any {
	if j.MainRepoGitRef == nil {
		return nil
	}
	return j.MainRepoGitRef
}

// jobV4 is the /v4 Job shape.
func jobV4(j store.Job) map[string]any {
	return map[string]any{
		"id": j.ID, "number": j.Number, "projectId": j.ProjectID,
		"jobRunCommand": j.Command, "title": nullIfEmpty(j.Title),
		"statuses":      statusBlock(j),
		"stageTime":     map[string]any{"submissionTime": millis(j.Submitted), "runStartTime": millis(j.RunStart), "completedTime": millis(j.Completed)},
		"startedBy":     map[string]any{"id": j.StartedByID, "username": j.StartedByUserName},
		"commitDetails": commitDetails(j), "mainRepoGitRef": mainRepoGitRef(j),
		"hardwareTierId": j.HardwareTierID, "environmentId": j.EnvironmentID,
		"tags": []any{}, "commentsCount": 0, "dominoStats": []any{},
		"dependentRepositories": []any{}, "dependentDatasetMounts": []any{}, "dependentProjects": []any{},
		"dependentExternalVolumeMounts": []any{}, "dependentNetAppVolumeMounts": []any{},
		"goalIds": []any{}, "suggestDatasets": false,
		"snapshotDatasetsOnCompletion": false, "snapshotNetAppVolumesOnCompletion": false,
	}
}

// nullIfEmpty: a job started without a title has title null on /v4
// (observed by ksmpartners/domino-java-client's tests).
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jobV1 is the public API's JobDetailsV1 shape: mainRepoGitRef only when
// the job was started with one, outputCommitId once it finished (the spec
// types neither as nullable).
func jobV1(j store.Job) map[string]any {
	commit := map[string]any{"inputCommitId": j.CommitID}
	if j.OutputCommitID != "" {
		commit["outputCommitId"] = j.OutputCommitID
	}
	m := map[string]any{
		"id": j.ID, "number": j.Number, "projectId": j.ProjectID,
		"runCommand": j.Command, "title": j.Title,
		"status":         statusBlock(j),
		"stageTimes":     map[string]any{"submissionTime": rfc3339(j.Submitted), "startTime": rfc3339(j.RunStart), "completedTime": rfc3339(j.Completed)},
		"startedById":    j.StartedByID,
		"commitDetails":  commit,
		"hardwareTierId": j.HardwareTierID, "environmentId": j.EnvironmentID,
		"tags": []any{}, "commentsCount": 0, "dominoStats": []any{},
		"datasetMounts": []any{}, "externalVolumeMounts": []any{}, "gitRepos": []any{},
		"netAppVolumeMounts": []any{}, "projects": []any{}, "goalIds": []any{},
	}
	if r := j.MainRepoGitRef; r != nil {
		m["mainRepoGitRef"] = gitRefV1{RefType: r.Type, Value: r.Value}
	}
	return m
}
