package api

// routes is the whole table of what the mock serves: Domino's routes first,
// then the mock's own control plane under /__mock/, kept apart.
func routes() []route {
	const sa = "/v4/serviceAccounts/{idpId}"
	const realm = "/auth/realms/DominoRealm"
	return []route{
		// Service accounts and their tokens (admin only; the store checks).
		{method: "POST", path: "/v4/serviceAccounts", h: createServiceAccount},
		{method: "GET", path: "/v4/serviceAccounts", h: listServiceAccounts},
		{method: "POST", path: sa + "/deactivate", h: deactivateServiceAccount},
		{method: "POST", path: sa + "/activate", h: activateServiceAccount},
		{method: "POST", path: sa + "/tokens", h: createToken},
		{method: "GET", path: sa + "/tokens", h: listTokens},
		{method: "GET", path: sa + "/tokens/{name}", h: getToken},
		{method: "POST", path: sa + "/tokens/{name}/invalidate", h: invalidateToken},
		{method: "DELETE", path: sa + "/tokens/{name}", h: deleteToken},
		{method: "GET", path: sa + "/gitcredentials", h: listServiceAccountGitCredentials},
		{method: "POST", path: sa + "/gitcredentials", h: addServiceAccountGitCredential},
		{method: "DELETE", path: sa + "/gitcredentials/{credentialId}", h: deleteServiceAccountGitCredential},

		// Users and principal.
		{method: "GET", path: "/v4/users/self", h: self},
		{method: "GET", path: "/api/users/v1/self", h: selfV1},
		{method: "GET", path: "/v4/users", h: listUsers},
		{method: "GET", path: "/v4/auth/principal", h: principal},
		{method: "GET", path: "/version", auth: authNone, h: version},

		// Projects and collaborators.
		{method: "GET", path: "/v4/projects/{projectId}", h: getProject},
		{method: "GET", path: "/v4/gateway/projects/findProjectByOwnerAndName", h: findProject},
		{method: "GET", path: "/v4/projects/{projectId}/collaborators", h: listCollaborators},
		{method: "POST", path: "/v4/projects/{projectId}/collaborators", h: addCollaborator},
		{method: "DELETE", path: "/v4/projects/{projectId}/collaborators/{collaboratorId}", h: removeCollaborator},
		{method: "GET", path: "/v4/projects/{projectId}/hardwareTiers", h: hardwareTiers},
		{method: "GET", path: "/v4/projects/{projectId}/useableEnvironments", h: useableEnvironments},

		// Git credentials and their mapping to repositories.
		{method: "GET", path: "/v4/accounts/gitproviders", h: gitProviders},
		{method: "GET", path: "/v4/accounts/{userId}/gitcredentials", h: listGitCredentials},
		{method: "POST", path: "/v4/accounts/{userId}/gitcredentials", h: addGitCredential},
		{method: "DELETE", path: "/v4/accounts/{userId}/gitcredentials/{credentialId}", h: deleteGitCredential},
		{method: "PUT", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: setCredentialMapping},
		{method: "GET", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: getCredentialMapping},
		{method: "DELETE", path: "/v4/projects/{projectId}/repository/{repoId}/credentialMapping", h: deleteCredentialMapping},

		// Jobs.
		{method: "POST", path: "/api/jobs/v1/jobs", h: startJobV1},
		{method: "POST", path: "/v4/jobs/start", h: startJobV4},
		{method: "POST", path: "/v4/jobs/stop", h: stopJob},
		{method: "GET", path: "/v4/jobs", h: listJobs},
		{method: "GET", path: "/v4/jobs/{jobId}", h: getJob},
		{method: "GET", path: "/v1/projects/{owner}/{name}/run/{runId}/stdout", h: jobStdout},

		// Keycloak: how JWT libraries find the keys. No credentials.
		{method: "GET", path: realm, auth: authNone, h: realmInfo},
		{method: "GET", path: realm + "/protocol/openid-connect/certs", auth: authNone, h: jwks},
		{method: "GET", path: realm + "/.well-known/openid-configuration", auth: authNone, h: discovery},

		// The API proxy's own route.
		{method: "GET", path: "/access-token", h: accessToken, proxyOnly: true},

		// The mock's control plane.
		{method: "GET", path: "/__mock/health", auth: authNone, h: health},
		{method: "POST", path: "/__mock/reset", auth: authControl, h: reset},
		{method: "GET", path: "/__mock/state", auth: authControl, h: exportState},
		{method: "PUT", path: "/__mock/state", auth: authControl, h: importState},
		{method: "GET", path: "/__mock/clock", auth: authControl, h: getClock},
		{method: "POST", path: "/__mock/clock", auth: authControl, h: advanceClock},
		{method: "GET", path: "/__mock/jobs/lifecycle", auth: authControl, h: getLifecycle},
		{method: "PUT", path: "/__mock/jobs/lifecycle", auth: authControl, h: setLifecycle},
		{method: "POST", path: "/__mock/jobs/{jobId}/advance", auth: authControl, h: advanceJob},
	}
}
