package api

import (
	"net/http"
	"strings"

	"github.com/mockdomino/mockdomino/internal/store"
)

// Compute environments through three of Domino's surfaces, one codec each
// over the same store calls: /v1 (python-domino's environments_list), /v4
// (Domino's own; a project's usable environments), and the public API
// (/api/environments, python-domino's other environment methods). No rule
// is decided here.

// Values the specs require and the mock has no source for: revisions are
// never built, so each is at once what a successful build leaves.
const (
	revisionStatusV4   = "Succeeded"
	revisionStatusV1   = "succeeded"
	imageTypeV4        = "CustomImage"
	rebuildOnBaseV1    = "never"
	ownerTypeV4        = "Individual"
	ownerTypeV1        = "individual"
	defaultEnvPageSize = 10 // the spec: "Defaults to 10"
)

func environmentID(q *request) string { return q.vars("environmentId") }

// orEmpty keeps a list a JSON array when it has nothing.
func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// ---- /v1 ----

// environmentItemV1 is an environment in /v1's list: python-domino reads id,
// name and visibility (Global or Private).
type environmentItemV1 struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Visibility string `json:"visibility"`
}

// environmentListV1 is /v1's list envelope, as python-domino's tests against
// a live Domino read it.
type environmentListV1 struct {
	ObjectType string              `json:"objectType"`
	URI        string              `json:"uri"`
	Data       []environmentItemV1 `json:"data"`
}

// createdEnvironmentV1 is /v1's answer to a create: the list's item, its
// id spelled both ways clients read it (inferred).
type createdEnvironmentV1 struct {
	MongoID string `json:"_id"`
	environmentItemV1
}

func itemV1(e store.Environment) environmentItemV1 {
	return environmentItemV1{ID: e.ID, Name: e.Name, Visibility: e.Visibility}
}

func listEnvironmentsV1(q *request) (int, any, error) {
	out := environmentListV1{ObjectType: "list", URI: "/v1/environments", Data: []environmentItemV1{}}
	for _, e := range q.st.VisibleEnvironments(q.caller) {
		out.Data = append(out.Data, itemV1(e))
	}
	return http.StatusOK, out, nil
}

func createEnvironmentV1(q *request) (int, any, error) {
	var in struct {
		Name        string `json:"name"`
		Visibility  string `json:"visibility"`
		Description string `json:"description"`
		Image       string `json:"image"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.Visibility == "" {
		in.Visibility = store.VisibilityPrivate // documented: "the visibility is Private by default"
	}
	e, err := q.st.CreateEnvironment(q.caller, store.EnvironmentInput{Name: in.Name, Description: in.Description,
		Visibility: in.Visibility, Revision: store.RevisionDefinition{Image: in.Image}})
	return http.StatusOK, createdEnvironmentV1{MongoID: e.ID, environmentItemV1: itemV1(e)}, err
}

// ---- /v4 ----

type environmentOwnerV4 struct {
	ID                   string `json:"id"`
	Username             string `json:"username"`
	EnvironmentOwnerType string `json:"environmentOwnerType"`
}

type proxyConfigV4 struct {
	InternalPath     string `json:"internalPath"`
	Port             int    `json:"port"`
	Rewrite          bool   `json:"rewrite"`
	RequireSubdomain bool   `json:"requireSubdomain"`
}

type workspaceToolV4 struct {
	ID                      string         `json:"id"`
	Name                    string         `json:"name"`
	Title                   string         `json:"title"`
	IconURL                 string         `json:"iconUrl,omitempty"`
	Start                   []string       `json:"start"`
	SupportedFileExtensions []string       `json:"supportedFileExtensions,omitempty"`
	ProxyConfig             *proxyConfigV4 `json:"proxyConfig,omitempty"`
}

// revisionOverviewV4 is the spec's RevisionOverview.
type revisionOverviewV4 struct {
	ID             string            `json:"id"`
	Number         int               `json:"number"`
	URL            string            `json:"url"`
	Status         string            `json:"status"`
	IsRestricted   bool              `json:"isRestricted"`
	Tags           []string          `json:"tags"`
	AvailableTools []workspaceToolV4 `json:"availableTools"`
}

// revisionDetailsV4 is the spec's EnvironmentRevision. A build variable
// shows its name only: its value may be a credential (inferred).
type revisionDetailsV4 struct {
	ID                         string              `json:"id"`
	EnvironmentID              string              `json:"environmentId"`
	EnvironmentName            string              `json:"environmentName"`
	Number                     int                 `json:"number"`
	ImageType                  string              `json:"imageType"`
	DockerImage                string              `json:"dockerImage"`
	DockerfileInstructions     string              `json:"dockerfileInstructions"`
	DockerArguments            []string            `json:"dockerArguments"`
	BuildEnvironmentVariables  []map[string]string `json:"buildEnvironmentVariables"`
	PreRunScript               string              `json:"preRunScript"`
	PostRunScript              string              `json:"postRunScript"`
	PreSetupScript             string              `json:"preSetupScript"`
	PostSetupScript            string              `json:"postSetupScript"`
	Summary                    string              `json:"summary"`
	ClusterTypes               []string            `json:"clusterTypes"`
	IsRestricted               bool                `json:"isRestricted"`
	IsBuilt                    bool                `json:"isBuilt"`
	ShouldUseVPN               bool                `json:"shouldUseVPN"`
	SupportsPackagePersistence bool                `json:"supportsPackagePersistence"`
}

// environmentDetailsV4 is the spec's EnvironmentDetails.
type environmentDetailsV4 struct {
	ID                           string              `json:"id"`
	Name                         string              `json:"name"`
	Description                  string              `json:"description"`
	Visibility                   string              `json:"visibility"`
	Archived                     bool                `json:"archived"`
	Owner                        *environmentOwnerV4 `json:"owner"`
	SupportedClusters            []string            `json:"supportedClusters"`
	ActiveRevisionTags           []string            `json:"activeRevisionTags"`
	IsCurated                    bool                `json:"isCurated"`
	AssignLatestRevisionAsActive bool                `json:"assignLatestRevisionAsActive"`
	LatestRevision               revisionOverviewV4  `json:"latestRevision"`
	SelectedRevision             revisionOverviewV4  `json:"selectedRevision"`
	RestrictedRevision           *revisionOverviewV4 `json:"restrictedRevision"`
	LatestRevisionDetails        revisionDetailsV4   `json:"latestRevisionDetails"`
}

func toolsV4(tools []store.WorkspaceTool) []workspaceToolV4 {
	out := []workspaceToolV4{}
	for _, t := range tools {
		v := workspaceToolV4{ID: t.Name, Name: t.Name, Title: t.Title, IconURL: t.IconURL, Start: orEmpty(t.StartScripts),
			SupportedFileExtensions: t.SupportedFileExtensions}
		if pc := t.ProxyConfig; pc != nil {
			v.ProxyConfig = &proxyConfigV4{InternalPath: pc.InternalPath, Port: pc.Port, Rewrite: pc.Rewrite, RequireSubdomain: pc.RequireSubdomain}
		}
		out = append(out, v)
	}
	return out
}

func overviewV4(r store.EnvironmentRevision) revisionOverviewV4 {
	return revisionOverviewV4{ID: r.ID, Number: r.Number, URL: "/environments/revisions/" + r.ID, Status: revisionStatusV4,
		IsRestricted: r.IsRestricted, Tags: orEmpty(r.Tags), AvailableTools: toolsV4(r.WorkspaceTools)}
}

func revisionDetails(r store.EnvironmentRevision) revisionDetailsV4 {
	vars := []map[string]string{}
	for _, v := range r.EnvironmentVariables {
		vars = append(vars, map[string]string{"name": v.Name})
	}
	return revisionDetailsV4{ID: r.ID, EnvironmentID: r.EnvironmentID, EnvironmentName: r.EnvironmentName, Number: r.Number,
		ImageType: imageTypeV4, DockerImage: r.Image, DockerfileInstructions: r.DockerfileInstructions, DockerArguments: []string{},
		BuildEnvironmentVariables: vars, PreRunScript: r.PreRunScript, PostRunScript: r.PostRunScript,
		PreSetupScript: r.PreSetupScript, PostSetupScript: r.PostSetupScript, Summary: r.Summary,
		ClusterTypes: orEmpty(r.SupportedClusters), IsRestricted: r.IsRestricted, IsBuilt: true, ShouldUseVPN: r.UseVPN}
}

func detailsV4(e store.Environment) environmentDetailsV4 {
	v := environmentDetailsV4{ID: e.ID, Name: e.Name, Description: e.Description, Visibility: e.Visibility, Archived: e.Archived,
		SupportedClusters: orEmpty(e.Active.SupportedClusters), ActiveRevisionTags: orEmpty(e.Active.Tags),
		AssignLatestRevisionAsActive: e.AssignLatestRevisionAsActive,
		LatestRevision:               overviewV4(e.Latest), SelectedRevision: overviewV4(e.Active),
		LatestRevisionDetails: revisionDetails(e.Latest)}
	if e.OwnerID != "" {
		v.Owner = &environmentOwnerV4{ID: e.OwnerID, Username: e.OwnerUserName, EnvironmentOwnerType: ownerTypeV4}
	}
	if e.Restricted != nil {
		o := overviewV4(*e.Restricted)
		v.RestrictedRevision = &o
	}
	return v
}

func defaultEnvironmentV4(q *request) (int, any, error) {
	e, err := q.st.DefaultEnvironment(q.caller)
	return http.StatusOK, detailsV4(e), err
}

func getEnvironmentV4(q *request) (int, any, error) {
	e, err := q.st.Environment(q.caller, environmentID(q))
	return http.StatusOK, detailsV4(e), err
}

// patchEnvironmentV4 takes the spec's EnvironmentPatch; a body without
// assignLatestRevisionAsActive changes nothing.
func patchEnvironmentV4(q *request) (int, any, error) {
	var in struct {
		AssignLatestRevisionAsActive *bool `json:"assignLatestRevisionAsActive"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	var e store.Environment
	var err error
	if in.AssignLatestRevisionAsActive == nil {
		e, err = q.st.Environment(q.caller, environmentID(q))
	} else {
		e, err = q.st.SetAssignLatestRevisionAsActive(q.caller, environmentID(q), *in.AssignLatestRevisionAsActive)
	}
	return http.StatusOK, detailsV4(e), err
}

// archiveEnvironmentV4 answers the spec's 204.
func archiveEnvironmentV4(q *request) (int, any, error) {
	_, err := q.st.ArchiveEnvironment(q.caller, environmentID(q))
	return http.StatusNoContent, noContent{}, err
}

// setActiveRevisionV4 pins ?revisionId= (an ObjectId, as the spec gives
// it) and answers the spec's 204.
func setActiveRevisionV4(q *request) (int, any, error) {
	rev := q.URL.Query().Get("revisionId")
	if rev != "" && !isObjectID(rev) {
		return 0, nil, badRequest("%s is not a valid ID", clipPath(rev))
	}
	_, err := q.st.SetActiveRevision(q.caller, environmentID(q), rev)
	return http.StatusNoContent, noContent{}, err
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

// ---- the public API ----

type environmentOwnerV1 struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	OwnerType string `json:"ownerType"`
}

// revisionV1 is the spec's EnvironmentRevisionV1.
type revisionV1 struct {
	ID             string                `json:"id"`
	Number         int                   `json:"number"`
	Status         string                `json:"status"`
	AvailableTools []store.WorkspaceTool `json:"availableTools"`
}

// environmentV1 is the spec's EnvironmentV1: visibility and cluster types
// in lower case, as the public API spells them.
type environmentV1 struct {
	ID                   string              `json:"id"`
	Name                 string              `json:"name"`
	Visibility           string              `json:"visibility"`
	Archived             bool                `json:"archived"`
	Owner                *environmentOwnerV1 `json:"owner,omitempty"`
	SupportedClusters    []string            `json:"supportedClusters"`
	RebuildOnBaseChanges string              `json:"rebuildOnBaseChanges"`
	ActiveRevisionTags   []string            `json:"activeRevisionTags"`
	InternalTags         []string            `json:"internalTags"`
	IsCurated            bool                `json:"isCurated"`
	LatestRevision       revisionV1          `json:"latestRevision"`
	SelectedRevision     revisionV1          `json:"selectedRevision"`
	RestrictedRevision   *revisionV1         `json:"restrictedRevision,omitempty"`
}

type environmentEnvelopeV1 struct {
	Environment environmentV1 `json:"environment"`
	Metadata    metadataV1    `json:"metadata"`
}

type environmentsPageV1 struct {
	Environments []environmentV1 `json:"environments"`
	Metadata     pagedMetadataV1 `json:"metadata"`
}

type revisionEnvelopeV1 struct {
	EnvironmentRevision revisionV1 `json:"environmentRevision"`
	Metadata            metadataV1 `json:"metadata"`
}

// revisionUpdateV1 is the spec's EnvironmentRevisionUpdateEnvelopeV1: the
// revision's id alone.
type revisionUpdateV1 struct {
	ID string `json:"id"`
}

func lowerAll(l []string) []string {
	out := make([]string, len(l))
	for i, s := range l {
		out[i] = strings.ToLower(s)
	}
	return out
}

func revisionOfV1(r store.EnvironmentRevision) revisionV1 {
	return revisionV1{ID: r.ID, Number: r.Number, Status: revisionStatusV1, AvailableTools: orEmpty(r.WorkspaceTools)}
}

func environmentOfV1(e store.Environment) environmentV1 {
	v := environmentV1{ID: e.ID, Name: e.Name, Visibility: strings.ToLower(e.Visibility), Archived: e.Archived,
		SupportedClusters: lowerAll(e.Active.SupportedClusters), RebuildOnBaseChanges: rebuildOnBaseV1,
		ActiveRevisionTags: orEmpty(e.Active.Tags), InternalTags: []string{},
		LatestRevision: revisionOfV1(e.Latest), SelectedRevision: revisionOfV1(e.Active)}
	if e.OwnerID != "" {
		v.Owner = &environmentOwnerV1{ID: e.OwnerID, Username: e.OwnerUserName, OwnerType: ownerTypeV1}
	}
	if e.Restricted != nil {
		r := revisionOfV1(*e.Restricted)
		v.RestrictedRevision = &r
	}
	return v
}

// revisionInV1 is the spec's NewEnvironmentRevisionV1. A variable is
// {key, value} in the spec and {name, value} in python-domino's
// documentation; either is taken (inferred).
type revisionInV1 struct {
	Image                  string `json:"image"`
	DockerfileInstructions string `json:"dockerfileInstructions"`
	EnvironmentVariables   []struct {
		Key   string `json:"key"`
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"environmentVariables"`
	PreRunScript      string                `json:"preRunScript"`
	PostRunScript     string                `json:"postRunScript"`
	PreSetupScript    string                `json:"preSetupScript"`
	PostSetupScript   string                `json:"postSetupScript"`
	SkipCache         bool                  `json:"skipCache"`
	Summary           string                `json:"summary"`
	SupportedClusters []string              `json:"supportedClusters"`
	Tags              []string              `json:"tags"`
	UseVPN            bool                  `json:"useVpn"`
	WorkspaceTools    []store.WorkspaceTool `json:"workspaceTools"`
}

func (in revisionInV1) definition() store.RevisionDefinition {
	d := store.RevisionDefinition{Image: in.Image, DockerfileInstructions: in.DockerfileInstructions,
		PreRunScript: in.PreRunScript, PostRunScript: in.PostRunScript, PreSetupScript: in.PreSetupScript,
		PostSetupScript: in.PostSetupScript, Summary: in.Summary, Tags: in.Tags, SupportedClusters: in.SupportedClusters,
		WorkspaceTools: in.WorkspaceTools, SkipCache: in.SkipCache, UseVPN: in.UseVPN}
	for _, v := range in.EnvironmentVariables {
		name := v.Key
		if name == "" {
			name = v.Name
		}
		d.EnvironmentVariables = append(d.EnvironmentVariables, store.EnvironmentVariable{Name: name, Value: v.Value})
	}
	return d
}

func listEnvironmentsBeta(q *request) (int, any, error) {
	p, err := pageParams(q, defaultEnvPageSize)
	if err != nil {
		return 0, nil, err
	}
	list, total := q.st.EnvironmentsPage(q.caller, p.offset, p.limit)
	out := environmentsPageV1{Environments: []environmentV1{}, Metadata: pagedMetadata(q, p, total)}
	for _, e := range list {
		out.Environments = append(out.Environments, environmentOfV1(e))
	}
	return http.StatusOK, out, nil
}

// createEnvironmentBeta takes the spec's NewEnvironmentV1.
func createEnvironmentBeta(q *request) (int, any, error) {
	var in struct {
		revisionInV1
		Name                       string `json:"name"`
		Description                string `json:"description"`
		Visibility                 string `json:"visibility"`
		IsRestricted               bool   `json:"isRestricted"`
		OrgOwnerID                 string `json:"orgOwnerId"`
		DuplicateFromEnvironmentID string `json:"duplicateFromEnvironmentId"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.DuplicateFromEnvironmentID != "" {
		return 0, nil, badRequest("duplicateFromEnvironmentId is not supported by mockdomino: create the environment from its definition")
	}
	e, err := q.st.CreateEnvironment(q.caller, store.EnvironmentInput{Name: in.Name, Description: in.Description,
		Visibility: in.Visibility, IsRestricted: in.IsRestricted, OrgOwnerID: in.OrgOwnerID, Revision: in.definition()})
	return http.StatusOK, environmentEnvelopeV1{Environment: environmentOfV1(e), Metadata: metadata(q)}, err
}

func createRevisionBeta(q *request) (int, any, error) {
	var in revisionInV1
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	r, err := q.st.CreateEnvironmentRevision(q.caller, environmentID(q), in.definition())
	return http.StatusOK, revisionEnvelopeV1{EnvironmentRevision: revisionOfV1(r), Metadata: metadata(q)}, err
}

// restrictRevisionBeta takes the spec's UpdateEnvironmentRevisionV1, whose
// isRestricted is required.
func restrictRevisionBeta(q *request) (int, any, error) {
	var in struct {
		IsRestricted *bool `json:"isRestricted"`
	}
	if err := decode(q, &in); err != nil {
		return 0, nil, err
	}
	if in.IsRestricted == nil {
		return 0, nil, badRequest("isRestricted is required")
	}
	r, err := q.st.RestrictEnvironmentRevision(q.caller, environmentID(q), q.vars("revisionId"), *in.IsRestricted)
	return http.StatusOK, revisionUpdateV1{ID: r.ID}, err
}

func getEnvironmentPublic(q *request) (int, any, error) {
	e, err := q.st.Environment(q.caller, environmentID(q))
	return http.StatusOK, environmentEnvelopeV1{Environment: environmentOfV1(e), Metadata: metadata(q)}, err
}

// archiveEnvironmentPublic answers the archived environment, as the spec
// has it.
func archiveEnvironmentPublic(q *request) (int, any, error) {
	e, err := q.st.ArchiveEnvironment(q.caller, environmentID(q))
	return http.StatusOK, environmentEnvelopeV1{Environment: environmentOfV1(e), Metadata: metadata(q)}, err
}
