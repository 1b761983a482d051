package api

import (
	"net/http"
	"strings"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/store"
)

// Scheduled jobs: /v4/projects/{projectId}/scheduledjobs and the legacy
// /v4/scheduledruns, in the v4 spec's shapes (domino.scheduledjob.api.*).

// schedulesJobs asks, before a body is read, whether the caller may
// schedule jobs in the project.
func schedulesJobs(q *request) error { return q.st.MayScheduleJobs(q.caller, q.vars("projectId")) }

// editsSchedule asks the same of changing one scheduled job.
func editsSchedule(q *request) error {
	return q.st.MayEditScheduledJob(q.caller, q.vars("projectId"), q.vars("scheduledJobKey"))
}

// scheduledJobBody is the spec's NewScheduledJobDto and
// UpdatedScheduledJobDTO, which have the same fields. The pointers are the
// fields the spec requires: absent (or null) is refused.
type scheduledJobBody struct {
	Title    *string `json:"title"`
	Command  *string `json:"command"`
	Schedule *struct {
		CronString *string `json:"cronString"`
		IsCustom   *bool   `json:"isCustom"`
	} `json:"schedule"`
	TimezoneID                     *string                   `json:"timezoneId"`
	IsPaused                       *bool                     `json:"isPaused"`
	AllowConcurrentExecution       *bool                     `json:"allowConcurrentExecution"`
	HardwareTierIdentifier         *string                   `json:"hardwareTierIdentifier"`
	EnvironmentRevisionSpec        *fixtures.JobRevisionSpec `json:"environmentRevisionSpec"`
	ScheduledByUserID              *string                   `json:"scheduledByUserId"`
	NotifyOnCompleteEmailAddresses *[]string                 `json:"notifyOnCompleteEmailAddresses"`

	OverrideEnvironmentID             string     `json:"overrideEnvironmentId"`
	CapacityType                      string     `json:"capacityType"`
	DatasetConfig                     string     `json:"datasetConfig"`
	SnapshotDatasetsOnCompletion      bool       `json:"snapshotDatasetsOnCompletion"`
	SnapshotNetAppVolumesOnCompletion bool       `json:"snapshotNetAppVolumesOnCompletion"`
	MainRepoGitRef                    *store.Ref `json:"mainRepoGitRef"`

	// Ids the spec gives a pattern, checked as POST /v4/jobs/start's are.
	// The mock has no clusters, Model APIs or volumes: the rest of what
	// the spec declares (computeClusterProperties, netAppVolumeIds,
	// volumeSpecificationOverride) is ignored, as decode ignores any field
	// it does not use, and answered null or empty.
	PublishModelID       string   `json:"publishModelId"`
	ExternalVolumeMounts []string `json:"externalVolumeMounts"`
}

// input checks the body's fields and ids and turns it into the store's
// input; the store checks the values.
func (b *scheduledJobBody) input() (store.ScheduledJobInput, error) {
	var missing string
	switch {
	case b.Title == nil:
		missing = "title"
	case b.Command == nil:
		missing = "command"
	case b.Schedule == nil:
		missing = "schedule"
	case b.Schedule.CronString == nil:
		missing = "schedule.cronString"
	case b.Schedule.IsCustom == nil:
		missing = "schedule.isCustom"
	case b.TimezoneID == nil || *b.TimezoneID == "":
		missing = "timezoneId"
	case b.IsPaused == nil:
		missing = "isPaused"
	case b.AllowConcurrentExecution == nil:
		missing = "allowConcurrentExecution"
	case b.HardwareTierIdentifier == nil || *b.HardwareTierIdentifier == "":
		missing = "hardwareTierIdentifier"
	case b.EnvironmentRevisionSpec == nil:
		missing = "environmentRevisionSpec"
	case b.ScheduledByUserID == nil || *b.ScheduledByUserID == "":
		missing = "scheduledByUserId"
	case b.NotifyOnCompleteEmailAddresses == nil:
		missing = "notifyOnCompleteEmailAddresses"
	}
	if missing != "" {
		return store.ScheduledJobInput{}, badRequest("%s is required", missing)
	}
	if err := firstError(bodyObjectID("scheduledByUserId", *b.ScheduledByUserID),
		bodyObjectID("overrideEnvironmentId", b.OverrideEnvironmentID), bodyObjectID("publishModelId", b.PublishModelID)); err != nil {
		return store.ScheduledJobInput{}, err
	}
	for _, id := range b.ExternalVolumeMounts {
		if err := bodyObjectID("externalVolumeMounts", id); err != nil {
			return store.ScheduledJobInput{}, err
		}
	}
	return store.ScheduledJobInput{
		Title: *b.Title, Command: *b.Command, CronString: *b.Schedule.CronString, IsCustom: *b.Schedule.IsCustom,
		TimezoneID: *b.TimezoneID, IsPaused: *b.IsPaused, AllowConcurrentExecution: *b.AllowConcurrentExecution,
		HardwareTier: *b.HardwareTierIdentifier, EnvironmentID: b.OverrideEnvironmentID,
		EnvironmentRevisionSpec: b.EnvironmentRevisionSpec.RevisionSpec, ScheduledByID: *b.ScheduledByUserID,
		Notify: *b.NotifyOnCompleteEmailAddresses, CapacityType: b.CapacityType, DatasetConfig: b.DatasetConfig,
		SnapshotDatasetsOnCompletion: b.SnapshotDatasetsOnCompletion, SnapshotNetAppVolumesOnCompletion: b.SnapshotNetAppVolumesOnCompletion,
		MainRepoGitRef: b.MainRepoGitRef,
	}, nil
}

func decodeScheduledJob(q *request) (store.ScheduledJobInput, error) {
	var b scheduledJobBody
	if err := decode(q, &b); err != nil {
		return store.ScheduledJobInput{}, err
	}
	return b.input()
}

func createScheduledJob(q *request) (int, any, error) {
	in, err := decodeScheduledJob(q)
	if err != nil {
		return 0, nil, err
	}
	sj, err := q.st.CreateScheduledJob(q.caller, q.vars("projectId"), in)
	return http.StatusOK, scheduledJobV4(sj), err
}

func listScheduledJobs(q *request) (int, any, error) {
	list, err := q.st.ScheduledJobs(q.caller, q.vars("projectId"))
	out := make([]scheduledJobDTO, 0, len(list))
	for _, sj := range list {
		out = append(out, scheduledJobV4(sj))
	}
	return http.StatusOK, out, err
}

// scheduledJobForUser is the spec's ScheduledJobForRequestingUserDto.
type scheduledJobForUser struct {
	ScheduledJob scheduledJobDTO `json:"scheduledJob"`
	CanEdit      bool            `json:"canEdit"`
}

func listScheduledJobsForUser(q *request) (int, any, error) {
	list, err := q.st.ScheduledJobs(q.caller, q.vars("projectId"))
	out := make([]scheduledJobForUser, 0, len(list))
	for _, sj := range list {
		out = append(out, scheduledJobForUser{ScheduledJob: scheduledJobV4(sj), CanEdit: sj.CanEdit})
	}
	return http.StatusOK, out, err
}

func getScheduledJob(q *request) (int, any, error) {
	sj, err := q.st.ScheduledJob(q.caller, q.vars("projectId"), q.vars("scheduledJobKey"))
	return http.StatusOK, scheduledJobV4(sj), err
}

func updateScheduledJob(q *request) (int, any, error) {
	in, err := decodeScheduledJob(q)
	if err != nil {
		return 0, nil, err
	}
	sj, err := q.st.UpdateScheduledJob(q.caller, q.vars("projectId"), q.vars("scheduledJobKey"), in)
	return http.StatusOK, scheduledJobV4(sj), err
}

// deleteScheduledJob answers 200 with no body, as the spec declares none.
func deleteScheduledJob(q *request) (int, any, error) {
	return http.StatusOK, noContent{}, q.st.DeleteScheduledJob(q.caller, q.vars("projectId"), q.vars("scheduledJobKey"))
}

// listScheduledRuns serves GET /v4/scheduledruns?userId=: the scheduled
// jobs a user scheduled, in the spec's LegacyScheduledRunDTO. Without
// userId, the caller's (inferred); a malformed one is refused as a path id
// would be (inferred).
func listScheduledRuns(q *request) (int, any, error) {
	userID := q.URL.Query().Get("userId")
	if userID != "" && !isObjectID(userID) {
		return 0, nil, badRequest("%s is not a valid ID", clipPath(userID))
	}
	list, err := q.st.ScheduledRuns(q.caller, userID)
	out := make([]scheduledRunDTO, 0, len(list))
	for _, sj := range list {
		r := scheduledRunDTO{ID: sj.ID, SchedulingUserName: sj.ScheduledByUserName, ScheduleTime: sj.HumanReadableCronString,
			HardwareTierName: sj.HardwareTierName, LaunchBehavior: "Sequential",
			ProjectIdentity: sj.ProjectOwnerName + "/" + sj.ProjectName}
		if sj.AllowConcurrentExecution {
			r.LaunchBehavior = "Concurrent"
		}
		if sj.Title != "" {
			r.Title = &sj.Title
		}
		if emails := strings.Join(sj.NotifyOnCompleteEmailAddresses, ","); emails != "" {
			r.EmailsToNotify = &emails
		}
		out = append(out, r)
	}
	return http.StatusOK, out, err
}

// scheduledRunDTO is the spec's LegacyScheduledRunDTO.
type scheduledRunDTO struct {
	ID                 string  `json:"id"`
	SchedulingUserName string  `json:"schedulingUserName"`
	ScheduleTime       string  `json:"scheduleTime"`
	HardwareTierName   string  `json:"hardwareTierName"`
	LaunchBehavior     string  `json:"launchBehavior"` // Concurrent or Sequential
	ProjectIdentity    string  `json:"projectIdentity"`
	Title              *string `json:"title"`
	EmailsToNotify     *string `json:"emailsToNotify"`
}

// scheduledJobDTO is the spec's ScheduledJobDto.
type scheduledJobDTO struct {
	ID                             string                `json:"id"`
	Created                        store.Time            `json:"created"`
	ProjectID                      string                `json:"projectId"`
	Title                          string                `json:"title"`
	Command                        string                `json:"command"`
	Schedule                       cronScheduleDTO       `json:"schedule"`
	TimezoneID                     string                `json:"timezoneId"`
	IsPaused                       bool                  `json:"isPaused"`
	AllowConcurrentExecution       bool                  `json:"allowConcurrentExecution"`
	HardwareTierIdentifier         string                `json:"hardwareTierIdentifier"`
	HardwareTierName               string                `json:"hardwareTierName"`
	EnvironmentRevisionSpec        fixtures.RevisionSpec `json:"environmentRevisionSpec"`
	OverrideEnvironmentID          *string               `json:"overrideEnvironmentId"`
	ScheduledByUserID              string                `json:"scheduledByUserId"`
	ScheduledByUserName            string                `json:"scheduledByUserName"`
	NotifyOnCompleteEmailAddresses []string              `json:"notifyOnCompleteEmailAddresses"`
	DataConfig                     dataConfigDTO         `json:"dataConfig"`
	CapacityType                   *string               `json:"capacityType"`
	MainRepoGitRef                 *store.Ref            `json:"mainRepoGitRef"`
	ComputeClusterProperties       any                   `json:"computeClusterProperties"`
	PublishModelID                 any                   `json:"publishModelId"`
	VolumeSpecificationOverride    any                   `json:"volumeSpecificationOverride"`
}

// cronScheduleDTO is the spec's CronScheduleDTO.
type cronScheduleDTO struct {
	CronString              string `json:"cronString"`
	IsCustom                bool   `json:"isCustom"`
	HumanReadableCronString string `json:"humanReadableCronString"`
}

// dataConfigDTO is the spec's DataConfigDto.
type dataConfigDTO struct {
	DatasetConfig                     *string  `json:"datasetConfig"`
	ExternalVolumeMounts              []string `json:"externalVolumeMounts"`
	NetAppVolumeIDs                   []string `json:"netAppVolumeIds"`
	SnapshotDatasetsOnCompletion      bool     `json:"snapshotDatasetsOnCompletion"`
	SnapshotNetAppVolumesOnCompletion bool     `json:"snapshotNetAppVolumesOnCompletion"`
}

func scheduledJobV4(sj store.ScheduledJob) scheduledJobDTO {
	v := scheduledJobDTO{
		ID: sj.ID, Created: store.Time(sj.Created), ProjectID: sj.ProjectID, Title: sj.Title, Command: sj.Command,
		Schedule:   cronScheduleDTO{CronString: sj.CronString, IsCustom: sj.IsCustom, HumanReadableCronString: sj.HumanReadableCronString},
		TimezoneID: sj.TimezoneID, IsPaused: sj.IsPaused, AllowConcurrentExecution: sj.AllowConcurrentExecution,
		HardwareTierIdentifier: sj.HardwareTierID, HardwareTierName: sj.HardwareTierName,
		EnvironmentRevisionSpec: sj.EnvironmentRevisionSpec, ScheduledByUserID: sj.ScheduledByID,
		ScheduledByUserName: sj.ScheduledByUserName, NotifyOnCompleteEmailAddresses: sj.NotifyOnCompleteEmailAddresses,
		DataConfig: dataConfigDTO{ExternalVolumeMounts: []string{}, NetAppVolumeIDs: []string{},
			SnapshotDatasetsOnCompletion: sj.SnapshotDatasetsOnCompletion, SnapshotNetAppVolumesOnCompletion: sj.SnapshotNetAppVolumesOnCompletion},
		MainRepoGitRef: sj.MainRepoGitRef,
	}
	if v.NotifyOnCompleteEmailAddresses == nil {
		v.NotifyOnCompleteEmailAddresses = []string{}
	}
	if sj.EnvironmentID != "" {
		v.OverrideEnvironmentID = &sj.EnvironmentID
	}
	if sj.CapacityType != "" {
		v.CapacityType = &sj.CapacityType
	}
	if sj.DatasetConfig != "" {
		v.DataConfig.DatasetConfig = &sj.DatasetConfig
	}
	return v
}
