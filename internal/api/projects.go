package api

import (
	"net/http"

	"github.com/mockdomino/mockdomino/internal/store"
)

func getProject(q *request) (int, any, error) {
	p, err := q.st.Project(q.caller, q.vars("projectId"))
	return http.StatusOK, p, err
}

func findProject(q *request) (int, any, error) {
	v := q.URL.Query()
	p, err := q.st.FindProject(q.caller, v.Get("ownerName"), v.Get("projectName"))
	return http.StatusOK, p, err
}

func listCollaborators(q *request) (int, any, error) {
	list, err := q.st.Collaborators(q.caller, q.vars("projectId"))
	return http.StatusOK, list, err
}

func addCollaborator(q *request) (int, any, error) {
	var in store.Collaborator
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	c, err := q.st.AddCollaborator(q.caller, q.vars("projectId"), in.CollaboratorID, in.ProjectRole)
	return http.StatusOK, c, err
}

func removeCollaborator(q *request) (int, any, error) {
	c, err := q.st.RemoveCollaborator(q.caller, q.vars("projectId"), q.vars("collaboratorId"))
	return http.StatusOK, c, err
}

func hardwareTiers(q *request) (int, any, error) {
	tiers, err := q.st.HardwareTiers(q.caller, q.vars("projectId"))
	if err != nil {
		return 0, nil, err
	}
	out := make([]any, 0, len(tiers))
	for _, t := range tiers {
		gib := func(v float64) map[string]any { return map[string]any{"value": v, "unit": "GiB"} }
		out = append(out, map[string]any{
			"hardwareTier": map[string]any{
				"id":   t.ID,
				"name": t.Name,
				"hwtResources": map[string]any{
					"cores": t.Cores, "memory": gib(t.MemoryGiB), "allowSharedMemoryToExceedDefault": false,
				},
				"hwtFlags": map[string]any{
					"isDefault": t.IsDefault, "isVisible": true, "isGlobal": true, "isArchived": false,
					"isFree": t.CentsPerMinute == 0, "isDataAnalystTier": false, "isAllowedDuringTrial": true,
				},
				"clusterType":      "Kubernetes",
				"centsPerMinute":   t.CentsPerMinute,
				"creationTime":     "2025-01-01T00:00:00.000Z",
				"updateTime":       "2025-01-01T00:00:00.000Z",
				"podCustomization": map[string]any{},
				"metadata":         map[string]any{},
				"dataPlaneId":      "000000000000000000000000",
			},
			"capacity":  map[string]any{"currentNumberOfExecutors": 0, "maximumNumberOfExecutors": 10, "numberOfExecutorsNeeded": 0, "capacityLevel": "CanExecuteWithCurrentInstances"},
			"dataPlane": map[string]any{"id": "000000000000000000000000", "name": "Local", "isLocal": true},
		})
	}
	return http.StatusOK, out, nil
}

var providerLabels = map[string]string{
	"github": "GitHub", "gitlab": "GitLab", "githubEnterprise": "GitHub Enterprise",
	"gitlabEnterprise": "GitLab Enterprise", "bitbucket": "Bitbucket",
	"bitbucketServer": "Bitbucket Server", "unknown": "Other",
}

// gitProviders answers with the spec's GitProvidersDto.
func gitProviders(q *request) (int, any, error) {
	access := []map[string]string{
		{"accessType": "token", "label": "Personal Access Token"},
		{"accessType": "password", "label": "Username and Password"},
		{"accessType": "key", "label": "SSH Key"},
	}
	out := []map[string]any{}
	for _, p := range store.GitProviders {
		out = append(out, map[string]any{
			"value": p, "label": providerLabels[p],
			"requiresDomain": p != "github" && p != "gitlab" && p != "bitbucket",
			"accessTypes":    access,
		})
	}
	return http.StatusOK, map[string]any{"providers": out}, nil
}

func listGitCredentials(q *request) (int, any, error) {
	list, err := q.st.GitCredentials(q.caller, q.vars("userId"))
	return http.StatusOK, list, err
}

func addGitCredential(q *request) (int, any, error) {
	var in store.GitCredentialInput
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	c, err := q.st.AddGitCredential(q.caller, q.vars("userId"), in)
	return http.StatusOK, c, err
}

func deleteGitCredential(q *request) (int, any, error) {
	c, err := q.st.DeleteGitCredential(q.caller, q.vars("userId"), q.vars("credentialId"))
	return http.StatusOK, c, err
}

func setCredentialMapping(q *request) (int, any, error) {
	var in struct {
		CredentialID string `json:"credentialId"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if err := bodyObjectID("credentialId", in.CredentialID); err != nil {
		return 0, nil, err
	}
	m, err := q.st.SetCredentialMapping(q.caller, q.vars("projectId"), q.vars("repoId"), in.CredentialID)
	return http.StatusOK, m, err
}

func getCredentialMapping(q *request) (int, any, error) {
	id, err := q.st.CredentialMapping(q.caller, q.vars("projectId"), q.vars("repoId"))
	return http.StatusOK, map[string]string{"raw": id}, err
}

func deleteCredentialMapping(q *request) (int, any, error) {
	m, err := q.st.DeleteCredentialMapping(q.caller, q.vars("projectId"), q.vars("repoId"))
	return http.StatusOK, m, err
}
