package api

import (
	"net/http"
	"time"

	"github.com/mockdomino/mockdomino/internal/store"
)

func startJobV1(q *request) (int, any, error) {
	var in struct {
		ProjectID     string `json:"projectId"`
		RunCommand    string `json:"runCommand"`
		Title         string `json:"title"`
		HardwareTier  string `json:"hardwareTier"`
		EnvironmentID string `json:"environmentId"`
		CommitID      string `json:"commitId"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	j, err := q.st.StartJob(q.caller, store.JobInput{
		ProjectID: in.ProjectID, Command: in.RunCommand, Title: in.Title,
		HardwareTier: in.HardwareTier, EnvironmentID: in.EnvironmentID, CommitID: in.CommitID,
		CommandField: "runCommand", HardwareTierField: "hardwareTier",
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"job": jobV1(j), "metadata": metadata(q)}, nil
}

func startJobV4(q *request) (int, any, error) {
	// python-domino sends every field, unset ones as null.
	var in struct {
		ProjectID              string `json:"projectId"`
		CommandToRun           string `json:"commandToRun"`
		Title                  string `json:"title"`
		CommitID               string `json:"commitId"`
		OverrideHardwareTierID string `json:"overrideHardwareTierId"`
		EnvironmentID          string `json:"environmentId"`
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
		CommandField: "commandToRun", HardwareTierField: "overrideHardwareTierId",
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

func listJobs(q *request) (int, any, error) {
	jobs, err := q.st.Jobs(q.caller, q.URL.Query().Get("projectId"))
	if err != nil {
		return 0, nil, err
	}
	list := make([]any, 0, len(jobs))
	for _, j := range jobs {
		list = append(list, jobV4(j))
	}
	return http.StatusOK, map[string]any{
		"jobs":              list,
		"totalCount":        len(list),
		"pagination":        map[string]any{"offset": 0, "limit": len(list), "sortBy": "desc", "orderBy": "number"},
		"dominoStatColumns": []string{},
	}, nil
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
		"isCompleted": j.IsCompleted, "isArchived": false, "isScheduled": false,
		"executionStatus": j.Status,
	}
}

// jobV4 is the /v4 Job shape.
func jobV4(j store.Job) map[string]any {
	return map[string]any{
		"id": j.ID, "number": j.Number, "projectId": j.ProjectID,
		"jobRunCommand": j.Command, "title": nullIfEmpty(j.Title),
		"statuses":       statusBlock(j),
		"stageTime":      map[string]any{"submissionTime": millis(j.Submitted), "runStartTime": millis(j.RunStart), "completedTime": millis(j.Completed)},
		"startedBy":      map[string]any{"id": j.StartedByID, "username": j.StartedByUserName},
		"commitDetails":  map[string]any{"inputCommitId": j.CommitID},
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

// jobV1 is the public API's JobDetailsV1 shape.
func jobV1(j store.Job) map[string]any {
	return map[string]any{
		"id": j.ID, "number": j.Number, "projectId": j.ProjectID,
		"runCommand": j.Command, "title": j.Title,
		"status":         statusBlock(j),
		"stageTimes":     map[string]any{"submissionTime": rfc3339(j.Submitted), "startTime": rfc3339(j.RunStart), "completedTime": rfc3339(j.Completed)},
		"startedById":    j.StartedByID,
		"commitDetails":  map[string]any{"inputCommitId": j.CommitID},
		"hardwareTierId": j.HardwareTierID, "environmentId": j.EnvironmentID,
		"tags": []any{}, "commentsCount": 0, "dominoStats": []any{},
		"datasetMounts": []any{}, "externalVolumeMounts": []any{}, "gitRepos": []any{},
		"netAppVolumeMounts": []any{}, "projects": []any{}, "goalIds": []any{},
	}
}
