package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mockdomino/mockdomino/internal/store"
)

// The legacy runs routes, as python-domino calls them (runs_start,
// runs_list, runs_status; runs_start_blocking and get_run_info through the
// list), a second codec over the store's jobs; and the /v4 jobs routes that
// act on a job once started: restart, rename, archive, runtime details.

// runCommand is runs_start's command: a list of strings, the program and
// its arguments (python-domino's documentation), or one string (what its
// own tests send); it runs as the words joined by spaces.
type runCommand string

func (c *runCommand) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*c = runCommand(one)
		return nil
	}
	var words []string
	if err := json.Unmarshal(data, &words); err != nil {
		return errors.New("must be a list of strings, the command and its arguments")
	}
	*c = runCommand(strings.Join(words, " "))
	return nil
}

// startRunV1 serves runs_start: it answers the new run's id as runId, which
// runs_start_blocking and the Airflow operator read (the /v4 spec's RunDTO
// of its own run start is {"runId"} too), and a message (inferred).
// isDirect and publishApiEndpoint are taken and change nothing: the mock
// runs no command and publishes no endpoint.
func startRunV1(q *request) (int, any, error) {
	var in struct {
		Command            runCommand `json:"command"`
		IsDirect           *bool      `json:"isDirect"`
		CommitID           string     `json:"commitId"`
		Title              string     `json:"title"`
		Tier               string     `json:"tier"`
		PublishAPIEndpoint *bool      `json:"publishApiEndpoint"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	owner, name := q.vars("owner"), q.vars("name")
	j, err := q.st.StartRun(q.caller, owner, name, store.JobInput{
		Command: string(in.Command), Title: in.Title, HardwareTier: in.Tier, CommitID: in.CommitID,
		CommandField: "command", HardwareTierField: "tier",
	})
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"runId":   j.ID,
		"message": "Run #" + strconv.Itoa(j.Number) + " for project " + clipPath(owner) + "/" + clipPath(name) + " started.",
	}, nil
}

func mayStartRun(q *request) error {
	return q.st.MayStartRun(q.caller, q.vars("owner"), q.vars("name"))
}

// listRunsV1 serves runs_list: {"objectType":"list","uri","data":[…]}, newest
// first (python-domino's README: "most-recently queued first").
func listRunsV1(q *request) (int, any, error) {
	list, err := q.st.Runs(q.caller, q.vars("owner"), q.vars("name"))
	if err != nil {
		return 0, nil, err
	}
	data := make([]any, 0, len(list))
	for _, j := range list {
		data = append(data, runV1(j))
	}
	return http.StatusOK, map[string]any{"objectType": "list", "uri": q.URL.Path, "data": data}, nil
}

// getRunV1 serves runs_status.
func getRunV1(q *request) (int, any, error) {
	j, err := q.st.Run(q.caller, q.vars("owner"), q.vars("name"), q.vars("runId"))
	return http.StatusOK, runV1(j), err
}

// runV1 is a legacy run: the fields python-domino reads (id, status,
// outputCommitId; its examples also queued, started, completed,
// postProcessedTimestamp, diagnosticStatistics) and the others of the v1
// API's example run (times in milliseconds, null until reached). The mock
// has no executor and gathers no diagnostic statistics: both null.
func runV1(j store.Job) map[string]any {
	return map[string]any{
		"id": j.ID, "projectId": j.ProjectID, "number": j.Number, "startingUserId": j.StartedByID,
		"queued": millis(j.Submitted), "started": millis(j.RunStart), "completed": millis(j.Completed),
		"status": j.Status, "commitId": j.CommitID, "executor": nil, "outputCommitId": nullIfEmpty(j.OutputCommitID),
		"title": nullIfEmpty(j.Title), "isArchived": j.Archived, "postProcessedTimestamp": millis(j.Completed),
		"diagnosticStatistics": nil, "isCompleted": j.IsCompleted, "hardwareTierId": j.HardwareTierID,
	}
}

// restartJob serves POST /v4/jobs/restart (python-domino's job_restart):
// both fields are required, as the spec's JobRestartOperationRequest has
// them.
func restartJob(q *request) (int, any, error) {
	var in struct {
		JobID                        string `json:"jobId"`
		ShouldUseOriginalInputCommit *bool  `json:"shouldUseOriginalInputCommit"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := bodyObjectID("jobId", in.JobID); err != nil {
		return 0, nil, err
	}
	if in.ShouldUseOriginalInputCommit == nil && in.JobID != "" {
		return 0, nil, badRequest("shouldUseOriginalInputCommit is required: true or false")
	}
	original := in.ShouldUseOriginalInputCommit != nil && *in.ShouldUseOriginalInputCommit
	j, err := q.st.RestartJob(q.caller, in.JobID, original)
	return http.StatusOK, jobV4(j), err
}

// renameJob serves POST /v4/jobs/{jobId}/name {"name"}: the job, titled.
func renameJob(q *request) (int, any, error) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	j, err := q.st.RenameJob(q.caller, q.vars("jobId"), in.Name)
	return http.StatusOK, jobV4(j), err
}

func mayChangeJob(q *request) error { return q.st.MayChangeJob(q.caller, q.vars("jobId")) }

// archiveJob serves POST /v4/jobs/archive {"jobId"}.
func archiveJob(q *request) (int, any, error) {
	var in struct {
		JobID string `json:"jobId"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := bodyObjectID("jobId", in.JobID); err != nil {
		return 0, nil, err
	}
	j, err := q.st.ArchiveJob(q.caller, in.JobID)
	return http.StatusOK, jobV4(j), err
}

// jobRuntimeDetails serves GET /v4/jobs/{jobId}/runtimeExecutionDetails:
// the spec's JobRuntimeExecutionDetails. executorInfo is null (nothing
// executes); environmentRevisionId and revisionNumber are null for a job
// that recorded no revision.
func jobRuntimeDetails(q *request) (int, any, error) {
	d, err := q.st.JobRuntimeDetails(q.caller, q.vars("jobId"))
	if err != nil {
		return 0, nil, err
	}
	env := map[string]any{
		"environmentId": d.EnvironmentID, "environmentName": d.EnvironmentName,
		"environmentRevisionId": nullIfEmpty(d.RevisionID), "environmentRevisionSpec": d.RevisionSpec,
		"revisionNumber": nil,
	}
	if d.RevisionNumber > 0 {
		env["revisionNumber"] = d.RevisionNumber
	}
	return http.StatusOK, map[string]any{
		"environment":  env,
		"hardwareTier": map[string]any{"id": d.HardwareTierID, "name": d.HardwareTierName, "isArchived": false},
		"executorInfo": nil,
	}, nil
}
