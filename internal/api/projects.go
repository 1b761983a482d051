package api

import (
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/fixtures"
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

// newProjectBody is POST /v4/projects' body, the spec's NewProject. The
// fields it marks required are not: a project needs a name alone, its owner
// is then the caller (the 6.2 public API's documented default) and its
// visibility Public (the documented defaultProjectVisibility).
type newProjectBody struct {
	Name           string               `json:"name"`
	Description    string               `json:"description"`
	Visibility     string               `json:"visibility"`
	OwnerID        string               `json:"ownerId"`
	Collaborators  []store.Collaborator `json:"collaborators"`
	Tags           *tagNamesBody        `json:"tags"`
	MainRepository *repositoryBody      `json:"mainRepository"`
	BillingTag     *store.BillingTag    `json:"billingTag"` // python-domino's project_create_v4 billing_tag (cost.go)
}

type tagNamesBody struct {
	TagNames []string `json:"tagNames"`
}

// repositoryBody is a new project's main repository (ProjectGitRepositoryTemp).
type repositoryBody struct {
	URI             string    `json:"uri"`
	ServiceProvider string    `json:"serviceProvider"`
	DefaultRef      store.Ref `json:"defaultRef"`
	CredentialID    string    `json:"credentialId"`
}

func (b *repositoryBody) input() *store.RepositoryInput {
	if b == nil {
		return nil
	}
	return &store.RepositoryInput{URI: b.URI, ServiceProvider: b.ServiceProvider, DefaultRef: b.DefaultRef}
}

// billingTagName is the name a body's billingTag gives, "" for none (null).
func billingTagName(b *store.BillingTag) string {
	if b == nil {
		return ""
	}
	return b.Tag
}

func (b *tagNamesBody) names() []string {
	if b == nil {
		return nil
	}
	return b.TagNames
}

func createProject(q *request) (int, any, error) {
	var in newProjectBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	var credentialID string
	if in.MainRepository != nil {
		credentialID = in.MainRepository.CredentialID
	}
	if err := firstError(bodyObjectID("ownerId", in.OwnerID), bodyObjectID("mainRepository.credentialId", credentialID)); err != nil {
		return 0, nil, err
	}
	p, err := q.st.CreateProject(q.caller, store.ProjectInput{
		Name: in.Name, Description: in.Description, Visibility: in.Visibility, OwnerID: in.OwnerID,
		Collaborators: in.Collaborators, TagNames: in.Tags.names(), MainRepository: in.MainRepository.input(),
		BillingTag: billingTagName(in.BillingTag),
	})
	return http.StatusOK, p, err
}

// createProjectLegacy is python-domino's project_create: POST /project with
// a form (projectName, and ownerOverrideUsername to make it for another
// user), answered 200 (python-domino's tests against a live Domino) with
// the project (inferred). A JSON body with the same keys is taken too.
func createProjectLegacy(q *request) (int, any, error) {
	var in struct {
		ProjectName           string `json:"projectName"`
		OwnerOverrideUsername string `json:"ownerOverrideUsername"`
	}
	mt, _, _ := mime.ParseMediaType(q.Header.Get("Content-Type"))
	if mt == "application/x-www-form-urlencoded" {
		form, err := readForm(q)
		if err != nil {
			return 0, nil, err
		}
		in.ProjectName, in.OwnerOverrideUsername = form.Get("projectName"), form.Get("ownerOverrideUsername")
	} else if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.ProjectName == "" {
		return 0, nil, badRequest("projectName is required")
	}
	p, err := q.st.CreateProject(q.caller, store.ProjectInput{Name: in.ProjectName, OwnerUserName: in.OwnerOverrideUsername})
	return http.StatusOK, p, err
}

// readForm reads a URL-encoded form body, within the route's limit.
func readForm(q *request) (url.Values, error) {
	data, err := io.ReadAll(q.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, err
	case err != nil:
		return nil, badRequest("request body could not be read")
	}
	form, err := url.ParseQuery(string(data))
	if err != nil || !utf8.Valid(data) {
		return nil, badRequest("request body is not a valid URL-encoded form")
	}
	return form, nil
}

func listProjects(q *request) (int, any, error) {
	v := q.URL.Query()
	return http.StatusOK, q.st.Projects(q.caller, store.ProjectFilter{Name: v.Get("name"), OwnerUsername: v.Get("ownerUsername")}), nil
}

// gatewayProjects parses the query as Play binds it: booleans true, false,
// 1 or 0 and an int32 limit, else 400 (inferred); the relationship is the
// store's to judge.
func gatewayProjects(q *request) (int, any, error) {
	v := q.URL.Query()
	f := store.GatewayFilter{Relationship: v.Get("relationship"), ShowCompleted: true, Limit: -1}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"showCompleted", &f.ShowCompleted}, {"includeSearchableAndPublic", &f.IncludeSearchableAndPublic}} {
		switch s := v.Get(b.name); s {
		case "":
		case "true", "1":
			*b.dst = true
		case "false", "0":
			*b.dst = false
		default:
			return 0, nil, badRequest("Cannot parse parameter %s as Boolean: should be true, false, 0 or 1, not %q", b.name, clipPath(s))
		}
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return 0, nil, badRequest("Cannot parse parameter limit as Int: a whole number from 0 to %d, not %q", math.MaxInt32, clipPath(s))
		}
		f.Limit = int(n)
	}
	list, err := q.st.GatewayProjects(q.caller, f)
	return http.StatusOK, list, err
}

// archiveProject answers 200 with no body, as the spec declares none.
func archiveProject(q *request) (int, any, error) {
	return http.StatusOK, noContent{}, q.st.ArchiveProject(q.caller, q.vars("projectId"))
}

func forkProject(q *request) (int, any, error) {
	var in struct {
		Name          *string              `json:"name"`
		Description   *string              `json:"description"`
		Visibility    *string              `json:"visibility"`
		OwnerID       *string              `json:"ownerId"`
		Collaborators []store.Collaborator `json:"collaborators"`
		Tags          *tagNamesBody        `json:"tags"`
		BillingTag    *store.BillingTag    `json:"billingTag"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	if err := bodyObjectID("ownerId", deref(in.OwnerID)); err != nil {
		return 0, nil, err
	}
	fi := store.ForkInput{Name: deref(in.Name), Description: in.Description, Visibility: deref(in.Visibility),
		OwnerID: deref(in.OwnerID), Collaborators: in.Collaborators}
	if in.Tags != nil {
		names := in.Tags.names()
		if names == nil {
			names = []string{}
		}
		fi.TagNames = &names
	}
	if in.BillingTag != nil {
		fi.BillingTag = &in.BillingTag.Tag
	}
	p, err := q.st.ForkProject(q.caller, q.vars("projectToForkId"), fi)
	return http.StatusOK, p, err
}

func addProjectTags(q *request) (int, any, error) {
	var in tagNamesBody
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	tags, err := q.st.AddProjectTags(q.caller, q.vars("projectId"), in.TagNames)
	return http.StatusOK, tags, err
}

func removeProjectTag(q *request) (int, any, error) {
	return http.StatusOK, noContent{}, q.st.RemoveProjectTag(q.caller, q.vars("projectId"), q.vars("tagId"))
}

func projectTagDetails(q *request) (int, any, error) {
	t, err := q.st.ProjectTagDetails(q.caller, q.vars("tagId"))
	return http.StatusOK, t, err
}

func getProjectSettings(q *request) (int, any, error) {
	s, err := q.st.ProjectSettings(q.caller, q.vars("projectId"))
	return http.StatusOK, s, err
}

// updateProjectSettings answers 200 with no body, as the spec declares none.
func updateProjectSettings(q *request) (int, any, error) {
	// A pointer, so that null (which would change nothing) is told from {}.
	var in *struct {
		DefaultEnvironmentID           *string                `json:"defaultEnvironmentId"`
		DefaultEnvironmentRevisionSpec *fixtures.RevisionSpec `json:"defaultEnvironmentRevisionSpec"`
		DefaultHardwareTierID          *string                `json:"defaultHardwareTierId"`
		DefaultVolumeSizeGiB           *float64               `json:"defaultVolumeSizeGiB"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in == nil {
		return 0, nil, badRequest("request body must be a JSON object, not null")
	}
	if id := in.DefaultEnvironmentID; id != nil {
		if err := bodyObjectID("defaultEnvironmentId", *id); err != nil {
			return 0, nil, err
		}
	}
	_, err := q.st.UpdateProjectSettings(q.caller, q.vars("projectId"), store.SettingsInput{
		DefaultEnvironmentID: in.DefaultEnvironmentID, DefaultEnvironmentRevisionSpec: in.DefaultEnvironmentRevisionSpec,
		DefaultHardwareTierID: in.DefaultHardwareTierID, DefaultVolumeSizeGiB: in.DefaultVolumeSizeGiB,
	})
	return http.StatusOK, noContent{}, err
}

func listProjectEnvVars(q *request) (int, any, error) {
	vars, err := q.st.ProjectEnvVars(q.caller, q.vars("projectId"))
	return http.StatusOK, vars, err
}

func setProjectEnvVar(q *request) (int, any, error) {
	var in struct {
		Name  *string `json:"name"`
		Value *string `json:"value"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	v, err := q.st.SetProjectEnvVar(q.caller, q.vars("projectId"), in.Name, in.Value)
	return http.StatusOK, v, err
}

// deleteProjectEnvVar answers 200 with no body, as the spec declares none.
func deleteProjectEnvVar(q *request) (int, any, error) {
	return http.StatusOK, noContent{}, q.st.DeleteProjectEnvVar(q.caller, q.vars("projectId"), q.vars("environmentVariableName"))
}

func legacyCollaborators(q *request) (int, any, error) {
	list, err := q.st.LegacyCollaborators(q.caller, q.vars("owner"), q.vars("project"))
	return http.StatusOK, list, err
}
