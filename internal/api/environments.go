package api

import (
	"net/http"
)

// orEmpty keeps a list a JSON array when it has nothing.
func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// projectEnvironmentV4 is the spec's ProjectEnvironmentDTO.
type projectEnvironmentV4 struct {
	ID                       string           `json:"id"`
	Name                     string           `json:"name"`
	Archived                 bool             `json:"archived"`
	Version                  int              `json:"version"`
	Visibility               string           `json:"visibility"`
	SupportedClusters        []string         `json:"supportedClusters"`
	Owner                    *projectEnvOwner `json:"owner"`
	ActiveRevisionID         string           `json:"activeRevisionId"`
	ActiveRevisionNumber     int              `json:"activeRevisionNumber"`
	ActiveRevisionTags       []string         `json:"activeRevisionTags"`
	RestrictedRevisionID     *string          `json:"restrictedRevisionId"`
	RestrictedRevisionNumber *int             `json:"restrictedRevisionNumber"`
	IsCurated                bool             `json:"isCurated"`
}

type projectEnvOwner struct {
	ID       string `json:"id"`
	Username string `json:"username"`
}

// selectedEnvironV4 is the spec's SelectedEnvironmentDTO.
type selectedEnvironV4 struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	SupportedClusters  []string `json:"supportedClusters"`
	ActiveRevisionTags []string `json:"activeRevisionTags"`
	IsCurated          bool     `json:"isCurated"`
}

type useableEnvironmentsV4 struct {
	CurrentlySelectedEnvironment *selectedEnvironV4     `json:"currentlySelectedEnvironment"`
	Environments                 []projectEnvironmentV4 `json:"environments"`
}

// useableEnvironments answers the spec's UseableProjectEnvironmentsDTO; a
// live Domino was seen to give a selected environment and a non-empty list.
func useableEnvironments(q *request) (int, any, error) {
	envs, selected, err := q.st.ProjectEnvironments(q.caller, q.vars("projectId"))
	if err != nil {
		return 0, nil, err
	}
	out := useableEnvironmentsV4{Environments: []projectEnvironmentV4{}}
	for _, e := range envs {
		v := projectEnvironmentV4{ID: e.ID, Name: e.Name, Archived: e.Archived, Version: e.Latest.Number, Visibility: e.Visibility,
			SupportedClusters: orEmpty(e.Active.SupportedClusters), ActiveRevisionID: e.Active.ID,
			ActiveRevisionNumber: e.Active.Number, ActiveRevisionTags: orEmpty(e.Active.Tags)}
		if e.OwnerID != "" {
			v.Owner = &projectEnvOwner{ID: e.OwnerID, Username: e.OwnerUserName}
		}
		if r := e.Restricted; r != nil {
			v.RestrictedRevisionID, v.RestrictedRevisionNumber = &r.ID, &r.Number
		}
		out.Environments = append(out.Environments, v)
	}
	if selected != nil {
		out.CurrentlySelectedEnvironment = &selectedEnvironV4{ID: selected.ID, Name: selected.Name,
			SupportedClusters: orEmpty(selected.Active.SupportedClusters), ActiveRevisionTags: orEmpty(selected.Active.Tags)}
	}
	return http.StatusOK, out, nil
}
