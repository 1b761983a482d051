package api

import "github.com/mockdomino/mockdomino/internal/store"

// routes is the whole table of what the mock serves: Domino's routes first,
// then the mock's own control plane under /__mock/, kept apart.
func routes() []route {
	const sa = "/v4/serviceAccounts/{idpId}"
	const saV1 = "/api/serviceAccounts/v1/serviceAccounts"
	const saV1One = saV1 + "/{serviceAccountIdpId}"
	const realm = "/auth/realms/DominoRealm"
	return []route{
		// Service accounts and their tokens (admin only; the store checks).
		{method: "POST", path: "/v4/serviceAccounts", h: createServiceAccount, body: true, allowed: adminOnly, summary: "Create a service account"},
		{method: "GET", path: "/v4/serviceAccounts", h: listServiceAccounts, allowed: adminOnly, summary: "List service accounts (active only unless includeDeactivated=true)"},
		{method: "POST", path: sa + "/deactivate", h: deactivateServiceAccount, allowed: adminOnly, summary: "Deactivate a service account; all its tokens become invalid"},
		{method: "POST", path: sa + "/activate", h: activateServiceAccount, allowed: adminOnly, summary: "Activate a service account again"},
		{method: "POST", path: sa + "/resetpassword", h: resetServiceAccountPassword, allowed: adminOnly, summary: "Reset a service account's password (its tokens stay)"},
		{method: "POST", path: sa + "/tokens", h: createToken, body: true, allowed: adminOnly, summary: "Create a named token for a service account"},
		{method: "GET", path: sa + "/tokens", h: listTokens, allowed: adminOnly, summary: "List a service account's tokens (never their values)"},
		{method: "GET", path: sa + "/tokens/{name}", h: getToken, allowed: adminOnly, summary: "Get one token, with its value"},
		{method: "POST", path: sa + "/tokens/{name}/invalidate", h: invalidateToken, allowed: adminOnly, summary: "Invalidate a token for good"},
		{method: "DELETE", path: sa + "/tokens/{name}", h: deleteToken, allowed: adminOnly, summary: "Delete a token; its name may be used again"},
		{method: "GET", path: sa + "/gitcredentials", h: listServiceAccountGitCredentials, allowed: adminOnly, summary: "List a service account's git credentials"},
		{method: "POST", path: sa + "/gitcredentials", h: addServiceAccountGitCredential, body: true, allowed: adminOnly, summary: "Add a git credential to a service account"},
		{method: "DELETE", path: sa + "/gitcredentials/{credentialId}", h: deleteServiceAccountGitCredential, allowed: adminOnly, summary: "Delete a service account's git credential"},

		// The same accounts, tokens and git credentials through the public API (Domino 6.2).
		{method: "GET", path: saV1, h: listServiceAccountsV1, allowed: adminOnly, summary: "List service accounts, paged (public API)"},
		{method: "POST", path: saV1, h: createServiceAccountV1, body: true, allowed: adminOnly, summary: "Create a service account (public API)"},
		{method: "POST", path: saV1One + "/activate", h: accountActionV1((*store.Store).ActivateServiceAccount), allowed: adminOnly, summary: "Activate a service account (public API)"},
		{method: "POST", path: saV1One + "/deactivate", h: accountActionV1((*store.Store).DeactivateServiceAccount), allowed: adminOnly, summary: "Deactivate a service account; all its tokens become invalid (public API)"},
		{method: "POST", path: saV1One + "/resetpassword", h: accountActionV1((*store.Store).ResetServiceAccountPassword), allowed: adminOnly, summary: "Reset a service account's password (public API)"},
		{method: "GET", path: saV1One + "/tokens", h: listTokensV1, allowed: adminOnly, summary: "List a service account's tokens, paged, never their values (public API)"},
		{method: "POST", path: saV1One + "/tokens", h: createTokenV1, body: true, allowed: adminOnly, summary: "Create a named token; answers the bare token with its value (public API)"},
		{method: "GET", path: saV1One + "/tokens/{tokenName}", h: getTokenV1, allowed: adminOnly, summary: "Get one token, with its value (public API)"},
		{method: "DELETE", path: saV1One + "/tokens/{tokenName}", h: tokenActionV1((*store.Store).DeleteToken), allowed: adminOnly, summary: "Delete a token (public API)"},
		{method: "POST", path: saV1One + "/tokens/{tokenName}/invalidate", h: tokenActionV1((*store.Store).InvalidateToken), allowed: adminOnly, summary: "Invalidate a token for good (public API)"},
		{method: "GET", path: saV1One + "/gitcredentials", h: listServiceAccountGitCredentialsV1, allowed: adminOnly, summary: "List a service account's git credentials, paged (public API)"},
		{method: "POST", path: saV1One + "/tokengitcredentials", h: addServiceAccountGitCredentialV1("token"), body: true, allowed: adminOnly, summary: "Add a token git credential to a service account (public API)"},
		{method: "POST", path: saV1One + "/passwordgitcredentials", h: addServiceAccountGitCredentialV1("password"), body: true, allowed: adminOnly, summary: "Add a username/password git credential to a service account (public API)"},
		{method: "POST", path: saV1One + "/sshgitcredentials", h: addServiceAccountGitCredentialV1("key"), body: true, allowed: adminOnly, summary: "Add an SSH key git credential to a service account (public API)"},
		{method: "DELETE", path: saV1One + "/gitcredentials/{credentialId}", h: deleteServiceAccountGitCredentialV1, allowed: adminOnly, summary: "Delete a service account's git credential (public API)"},

		// Users and principal.
		{method: "GET", path: "/v4/users/self", h: self, summary: "The caller as a user"},
		{method: "GET", path: "/api/users/v1/self", h: selfV1, summary: "The caller as a user (public API envelope)"},
		{method: "GET", path: "/api/users/v1/users", h: listUsersV1, summary: "List users and service accounts, paged (public API)"},
		{method: "GET", path: "/api/users/beta/credentials/{userId}", h: userGitCredentialsV1, summary: "A user's git credentials, never their secrets (public API, beta)"},
		{method: "PUT", path: "/api/users/v1/user/{userId}/tokenCredentials/{credentialId}", h: updateUserTokenCredentialV1, body: true, allowed: managesCredentials, summary: "Replace a token git credential, keeping its id (public API)"},
		{method: "GET", path: "/v4/users", h: listUsers, summary: "List users and service accounts"},
		{method: "GET", path: "/v4/auth/principal", h: principal, summary: "The caller as a principal"},
		{method: "GET", path: "/version", auth: authNone, h: version, summary: "Domino version (no credentials)"},

		// Projects and collaborators.
		{method: "GET", path: "/v4/projects/{projectId}", h: getProject, summary: "Get a project"},
		{method: "GET", path: "/v4/gateway/projects/findProjectByOwnerAndName", h: findProject, summary: "Find a project by owner and name"},
		{method: "GET", path: "/v4/projects/{projectId}/collaborators", h: listCollaborators, summary: "List a project's collaborators"},
		{method: "POST", path: "/v4/projects/{projectId}/collaborators", h: addCollaborator, body: true, allowed: managesProject, summary: "Add a collaborator or change its role"},
		{method: "DELETE", path: "/v4/projects/{projectId}/collaborators/{collaboratorId}", h: removeCollaborator, allowed: managesProject, summary: "Remove a collaborator"},
		{method: "POST", path: "/api/projects/v1/projects/{projectId}/collaborators", h: addCollaboratorV1, body: true, allowed: managesProject, summary: "Add a collaborator or change its role (public API)"},
		{method: "DELETE", path: "/api/projects/v1/projects/{projectId}/collaborators/{collaboratorId}", h: removeCollaboratorV1, allowed: managesProject, summary: "Remove a collaborator (public API)"},
		{method: "GET", path: "/v4/projects/{projectId}/hardwareTiers", h: hardwareTiers, summary: "Hardware tiers a project may use"},
		{method: "GET", path: "/v4/projects/{projectId}/useableEnvironments", h: useableEnvironments, summary: "Environments a project may use"},
		{method: "POST", path: "/v4/projects", h: createProject, body: true, summary: "Create a project"},
		{method: "GET", path: "/v4/projects", h: listProjects, summary: "List the projects the caller may see, by name and owner"},
		{method: "GET", path: "/v4/gateway/projects", h: gatewayProjects, summary: "List projects by the caller's relationship to them"},
		{method: "DELETE", path: "/v4/projects/{projectId}", h: archiveProject, summary: "Archive a project (owner or administrator)"},
		{method: "POST", path: "/v4/projects/{projectToForkId}/fork", h: forkProject, body: true, summary: "Fork a project"},
		{method: "POST", path: "/v4/projects/{projectId}/tags", h: addProjectTags, body: true, summary: "Tag a project, by tag names"},
		{method: "DELETE", path: "/v4/projects/{projectId}/tags/{tagId}", h: removeProjectTag, summary: "Take a tag off a project"},
		{method: "GET", path: "/v4/projects/{projectId}/settings", h: getProjectSettings, summary: "A project's settings"},
		{method: "PUT", path: "/v4/projects/{projectId}/settings", h: updateProjectSettings, body: true, summary: "Change a project's settings"},
		{method: "GET", path: "/v4/projects/{projectId}/environmentVariables", h: listProjectEnvVars, summary: "A project's environment variables"},
		{method: "POST", path: "/v4/projects/{projectId}/environmentVariables", h: setProjectEnvVar, body: true, summary: "Add or replace a project environment variable"},
		{method: "DELETE", path: "/v4/projects/{projectId}/environmentVariables/{environmentVariableName}", h: deleteProjectEnvVar, summary: "Remove a project environment variable"},
		{method: "POST", path: "/project", h: createProjectLegacy, body: true, summary: "Create a project (legacy form: projectName, ownerOverrideUsername)"},

		// Compute environments and their revisions: /v1, /v4 and the public API.
		{method: "GET", path: "/v1/environments", h: listEnvironmentsV1, summary: "Environments the caller may see (the v1 API python-domino lists them with)"},
		{method: "POST", path: "/v1/environments", h: createEnvironmentV1, body: true, summary: "Create an environment (v1 API)"},
		{method: "GET", path: "/v4/environments/defaultEnvironment", h: defaultEnvironmentV4, summary: "The deployment's default environment"},
		{method: "GET", path: "/v4/environments/{environmentId}", h: getEnvironmentV4, summary: "Get an environment with its latest and active revisions"},
		{method: "PATCH", path: "/v4/environments/{environmentId}", h: patchEnvironmentV4, body: true, summary: "Whether the latest revision is the active one (assignLatestRevisionAsActive)"},
		{method: "DELETE", path: "/v4/environments/{environmentId}", h: archiveEnvironmentV4, summary: "Archive an environment"},
		{method: "POST", path: "/v4/environments/{environmentId}/setactive", h: setActiveRevisionV4, summary: "Make one revision (revisionId) the active one"},
		{method: "GET", path: "/api/environments/beta/environments", h: listEnvironmentsBeta, summary: "Environments the caller may see, paged (public API)"},
		{method: "POST", path: "/api/environments/beta/environments", h: createEnvironmentBeta, body: true, summary: "Create an environment with its first revision (public API)"},
		{method: "POST", path: "/api/environments/beta/environments/{environmentId}/revisions", h: createRevisionBeta, body: true, summary: "Add a revision, numbered after the latest (public API)"},
		{method: "PATCH", path: "/api/environments/beta/environments/{environmentId}/revisions/{revisionId}", h: restrictRevisionBeta, body: true, summary: "Make a revision the restricted one, or not (public API)"},
		{method: "GET", path: "/api/environments/v1/environments/{environmentId}", h: getEnvironmentPublic, summary: "Get an environment (public API)"},
		{method: "DELETE", path: "/api/environments/v1/environments/{environmentId}", h: archiveEnvironmentPublic, summary: "Archive an environment (public API)"},

		// Workspaces and their sessions (workspaces.go), as an IDE client drives them.
		{method: "GET", path: "/v4/workspace/project/{projectId}/workspace", h: listWorkspaces(false), summary: "A project's provisioned (not deleted) workspaces the caller may see, a page at a time (offset, limit)"},
		{method: "POST", path: "/v4/workspace/project/{projectId}/workspace", h: createWorkspace, body: true, allowed: launchesWorkspaces, summary: "Create a workspace and start its first session"},
		{method: "GET", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}", h: getWorkspace, summary: "Get a workspace and its most recent session"},
		{method: "POST", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}", h: updateWorkspace, body: true, allowed: changesWorkspace, summary: "Change a workspace's name and what its next session runs with"},
		{method: "DELETE", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}", h: deleteWorkspace, summary: "Delete a workspace whose session has stopped"},
		{method: "POST", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}/updateTitle", h: updateWorkspaceTitle, body: true, allowed: changesWorkspace, summary: "Rename a workspace"},
		{method: "GET", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions", h: listWorkspaceSessions, summary: "A workspace's sessions, newest first (offset, limit)"},
		{method: "POST", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions", h: startWorkspaceSession, summary: "Start a session of a workspace whose last one has stopped"},
		{method: "POST", path: "/v4/workspace/project/{projectId}/workspace/{workspaceId}/stop", h: stopWorkspaceSession, summary: "Stop a workspace's session"},
		{method: "GET", path: "/v4/workspace/project/{projectId}/sessions/{workspaceSessionId}", h: getWorkspaceSession, summary: "Get one session of a workspace"},
		{method: "GET", path: "/v4/workspace/project/{projectId}/deleted", h: listWorkspaces(true), summary: "A project's deleted workspaces the caller may see (offset, limit)"},
		{method: "GET", path: "/v4/workspace/project/{projectId}/owner/{ownerId}", h: listWorkspaces(false), summary: "One user's provisioned workspaces in a project (offset, limit)"},
		{method: "GET", path: "/v4/workspace/{projectId}/getProvisionedWorkspaceCount", h: workspaceCount, summary: "How many provisioned workspaces of a project the caller may see"},
		{method: "GET", path: "/v4/workspace", h: myWorkspaces, summary: "The caller's provisioned workspaces across projects, a page at a time"},
		{method: "GET", path: "/v4/workspaces/definitions", h: workspaceDefinitions, summary: "The workspace tools (IDEs) of a project's default environment (projectId)"},
		{method: "GET", path: "/v4/workspaces/project/{projectId}/environment/{environmentId}/availableTools", h: availableTools, summary: "The workspace tools an environment offers a project's workspaces"},

		// Git credentials and their mapping to repositories.
		{method: "GET", path: "/v4/accounts/gitproviders", h: gitProviders, summary: "Git service providers"},
		{method: "GET", path: "/v4/accounts/{userId}/gitcredentials", h: listGitCredentials, summary: "List a user's git credentials (never their secrets)"},
		{method: "POST", path: "/v4/accounts/{userId}/gitcredentials", h: addGitCredential, body: true, allowed: managesCredentials, summary: "Add a git credential (token, password or SSH key)"},
		{method: "DELETE", path: "/v4/accounts/{userId}/gitcredentials/{credentialId}", h: deleteGitCredential, allowed: managesCredentials, summary: "Delete a git credential and its mappings"},
		{method: "PUT", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: setCredentialMapping, body: true, allowed: mapsCredential, summary: "Map one of the caller's credentials to a project's repository"},
		{method: "GET", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: getCredentialMapping, summary: "The caller's credential mapped to a repository"},
		{method: "DELETE", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: deleteCredentialMapping, allowed: mapsCredential, summary: "Remove the caller's credential mapping"},

		// Jobs.
		{method: "POST", path: "/api/jobs/v1/jobs", h: startJobV1, body: true, summary: "Start a job (public API)"},
		{method: "POST", path: "/v4/jobs/start", h: startJobV4, body: true, summary: "Start a job (what python-domino calls)"},
		{method: "POST", path: "/v4/jobs/stop", h: stopJob, body: true, summary: "Stop a job"},
		{method: "GET", path: "/v4/jobs", h: listJobs, summary: "List a project's jobs, a page at a time"},
		{method: "GET", path: "/v4/jobs/", h: listJobs, summary: "List a project's jobs (the same, as clients also spell it)"},
		{method: "GET", path: "/v4/jobs/{jobId}", h: getJob, summary: "Get a job and its status"},
		{method: "GET", path: "/v1/projects/{owner}/{name}/run/{runId}/stdout", h: jobStdout, summary: "A run's output"},
		{method: "POST", path: "/v4/jobs/restart", h: restartJob, body: true, summary: "Start a job again, as a new job (jobId, shouldUseOriginalInputCommit)"},
		{method: "POST", path: "/v4/jobs/archive", h: archiveJob, body: true, summary: "Archive a completed job: GET /v4/jobs lists it only with show_archived"},
		{method: "POST", path: "/v4/jobs/{jobId}/name", h: renameJob, body: true, allowed: mayChangeJob, summary: "Rename a job: its title"},
		{method: "GET", path: "/v4/jobs/{jobId}/runtimeExecutionDetails", h: jobRuntimeDetails, summary: "A job's environment revision and hardware tier"},
		{method: "POST", path: "/v1/projects/{owner}/{name}/runs", h: startRunV1, body: true, allowed: mayStartRun, summary: "Start a run, a job (python-domino's runs_start)"},
		{method: "GET", path: "/v1/projects/{owner}/{name}/runs", h: listRunsV1, summary: "A project's runs, newest first (runs_list, get_run_info)"},
		{method: "GET", path: "/v1/projects/{owner}/{name}/runs/{runId}", h: getRunV1, summary: "A run and its status (runs_status)"},

		// Scheduled jobs (scheduledjobs.go): forRequestingUser before the
		// key it would otherwise be.
		{method: "GET", path: "/v4/projects/{projectId}/scheduledjobs", h: listScheduledJobs, summary: "A project's scheduled jobs"},
		{method: "POST", path: "/v4/projects/{projectId}/scheduledjobs", h: createScheduledJob, body: true, allowed: schedulesJobs, summary: "Schedule a job on a Quartz cron schedule"},
		{method: "GET", path: "/v4/projects/{projectId}/scheduledjobs/forRequestingUser", h: listScheduledJobsForUser, summary: "A project's scheduled jobs, each with whether the caller may change it"},
		{method: "GET", path: "/v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}", h: getScheduledJob, summary: "Get a scheduled job"},
		{method: "PUT", path: "/v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}", h: updateScheduledJob, body: true, allowed: editsSchedule, summary: "Change a scheduled job; it fires from now on"},
		{method: "DELETE", path: "/v4/projects/{projectId}/scheduledjobs/{scheduledJobKey}", h: deleteScheduledJob, summary: "Unschedule a job; the jobs it started stay"},
		{method: "GET", path: "/v4/scheduledruns", h: listScheduledRuns, summary: "The scheduled jobs a user scheduled (userId)"},

		// Projects' files and commits (files.go), as python-domino calls them.
		{method: "GET", path: "/v1/projects/{owner}/{name}/commits", h: listProjectCommits, summary: "A project's commits, newest first (python-domino's commits_list)"},
		{method: "GET", path: "/v1/projects/{owner}/{name}/files/{commitId}/{path:.*}", h: listProjectFiles, summary: "The files under a folder at a commit, at any depth (files_list)"},
		{method: "GET", path: "/v1/projects/{owner}/{name}/blobs/{key}", h: getBlob, summary: "A file's content by its key (blobs_get, deprecated)"},
		{method: "PUT", path: "/v1/projects/{owner}/{name}/{path:.+}", h: uploadFile, body: true, fileBody: true, maxBody: maxBodyFiles, summary: "Upload a file, the body its bytes: a new commit (files_upload)"},
		{method: "GET", path: "/api/projects/v1/projects/{projectId}/files/{commitId}/{path:.+}/content", h: getFileContent, summary: "A file's content at a commit (blobs_get_v2, files_download)"},

		// Custom metrics (model monitoring), as python-domino's custom_metrics_client calls them (metrics.go).
		{method: "POST", path: "/api/metricValues/v1", h: logMetricValues, body: true, allowed: usesCustomMetrics, summary: "Log a batch of metric values (public API)"},
		{method: "GET", path: "/api/metricValues/v1/{modelMonitoringId}/{metric}", h: readMetricValues, summary: "A metric's values between two times, both included, in timestamp order (public API)"},
		{method: "POST", path: "/api/metricAlerts/v1", h: sendMetricAlert, body: true, allowed: usesCustomMetrics, summary: "Send a metric alert; the mock records it (GET /__mock/metricAlerts) (public API)"},

		// Keycloak: how JWT libraries find the keys. No credentials.
		{method: "GET", path: realm, auth: authNone, h: realmInfo, summary: "Keycloak realm and its public key (no credentials)"},
		{method: "GET", path: realm + "/protocol/openid-connect/certs", auth: authNone, h: jwks, summary: "JWKS: the keys that verify tokens (no credentials)"},
		{method: "GET", path: realm + "/.well-known/openid-configuration", auth: authNone, h: discovery, summary: "OIDC discovery document (no credentials)"},

		// The API proxy's own route.
		{method: "GET", path: "/access-token", h: accessToken, proxyOnly: true, summary: "A short-lived JWT for the proxy's user (proxy only)"},

		// Legacy routes with a variable in their first two segments: after
		// every route a request could also match (see newRouter).
		{method: "GET", path: "/projectTags/{tagId}", h: projectTagDetails, summary: "A project tag (legacy)"},
		{method: "GET", path: "/{owner}/{project}/collaborators", h: legacyCollaborators, summary: "A project's owner and collaborators, by owner and project name (legacy)"},

		// The mock's control plane.
		{method: "GET", path: "/__mock/health", auth: authNone, h: health, summary: "Mock: ready? (no credentials)"},
		{method: "POST", path: "/__mock/reset", auth: authControl, h: reset, summary: "Mock: back to the fixtures"},
		{method: "GET", path: "/__mock/state", auth: authControl, h: exportState, summary: "Mock: export the whole state"},
		{method: "PUT", path: "/__mock/state", auth: authControl, h: importState, body: true, summary: "Mock: replace the whole state", maxBody: MaxStateBytes},
		{method: "GET", path: "/__mock/clock", auth: authControl, h: getClock, summary: "Mock: the mock's time"},
		{method: "POST", path: "/__mock/clock", auth: authControl, h: advanceClock, body: true, summary: "Mock: move the mock's clock forward"},
		{method: "GET", path: "/__mock/workspaces/lifecycle", auth: authControl, h: getWorkspaceLifecycle, summary: "Mock: how new workspace sessions progress"},
		{method: "PUT", path: "/__mock/workspaces/lifecycle", auth: authControl, h: setWorkspaceLifecycle, body: true, summary: "Mock: set how new workspace sessions progress"},
		{method: "POST", path: "/__mock/workspaces/{workspaceId}/advance", auth: authControl, h: advanceWorkspace, summary: "Mock: move a workspace's session one stage on"},
		{method: "GET", path: "/__mock/jobs/lifecycle", auth: authControl, h: getLifecycle, summary: "Mock: how new jobs progress"},
		{method: "PUT", path: "/__mock/jobs/lifecycle", auth: authControl, h: setLifecycle, body: true, summary: "Mock: set how new jobs progress"},
		{method: "POST", path: "/__mock/jobs/{jobId}/advance", auth: authControl, h: advanceJob, summary: "Mock: move a job one stage on"},
		{method: "GET", path: "/__mock/journal", auth: authControl, h: getJournal, summary: "Mock: the request journal"},
		{method: "DELETE", path: "/__mock/journal", auth: authControl, h: clearJournal, summary: "Mock: clear the request journal"},
		{method: "POST", path: "/__mock/faults", auth: authControl, h: addFault, body: true, summary: "Mock: add a fault or latency rule"},
		{method: "GET", path: "/__mock/faults", auth: authControl, h: listFaults, summary: "Mock: list fault rules"},
		{method: "DELETE", path: "/__mock/faults", auth: authControl, h: clearFaults, summary: "Mock: remove all fault rules"},
		{method: "GET", path: "/__mock/openapi.json", auth: authControl, h: openAPI, summary: "Mock: this OpenAPI document"},
		{method: "GET", path: "/__mock/metricAlerts", auth: authControl, h: listMetricAlerts, summary: "Mock: the metric alerts taken, which Domino would have emailed"},
	}
}
