package api_test

// The route cases of the project routes (issue 10), kept apart from
// routes_test.go's table, which they join.

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/profile"
)

func init() {
	for k, c := range projectRouteCases {
		if routeCases[k] != nil {
			panic("two route cases for " + k)
		}
		routeCases[k] = c
	}
}

var projectFields = map[string]string{"id": "id", "name": "string", "description": "string", "visibility": "string",
	"ownerId": "id", "ownerUsername": "string", "created": "time", "collaborators": "array", "collaboratorIds": "array",
	"tags": "array", "status": "object", "projectType": "string", "importedGitRepos": "array"}

// createProject makes a project as the admin through the proxy and returns its id.
func (e *env) createProject(body string) string {
	e.t.Helper()
	return str(e.must(200, e.proxy, "POST", "/v4/projects", body).obj(e.t)["id"])
}

// listNames is "owner/name" of each project of a list.
func listNames(l []map[string]any) string {
	var out []string
	for _, p := range l {
		owner := str(p["ownerUsername"])
		if owner == "" {
			owner = str(p["ownerName"])
		}
		out = append(out, owner+"/"+str(p["name"]))
	}
	return strings.Join(out, ",")
}

var projectRouteCases = map[string]routeCase{
	"POST /v4/projects": func(t *testing.T, e *env) {
		p := "/v4/projects"
		// What python-domino's project_create_v4 sends, collaborators and tags included.
		body := fmt.Sprintf(`{"name":"v4-made","visibility":"Private","ownerId":%q,"description":"d","collaborators":[{"collaboratorId":%q,"projectRole":"Contributor"}],"tags":{"tagNames":["ml"]}}`, adminID, aliceID)
		m := e.must(200, e.api, "POST", p, body, asAdmin...).obj(t)
		fields(t, "created project", m, projectFields)
		if m["name"] != "v4-made" || m["ownerId"] != adminID || m["visibility"] != "Private" || m["description"] != "d" {
			t.Errorf("created %v", m)
		}
		if tags, _ := m["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "ml" {
			t.Errorf("tags %v", m["tags"])
		}
		exactFields(t, "tag", m["tags"].([]any)[0].(map[string]any), map[string]string{"id": "id", "name": "string", "isApproved": "bool"})
		// The spec's main repository.
		r := e.must(200, e.api, "POST", p, `{"name":"git-made","mainRepository":{"uri":"https://github.com/org/repo.git","serviceProvider":"github","defaultRef":{"type":"branches","value":"main"},"credentials":{"credentialType":"Individual"}}}`, asAdmin...).obj(t)
		repo, _ := r["mainRepository"].(map[string]any)
		fields(t, "mainRepository", repo, map[string]string{"id": "id", "uri": "string", "serviceProvider": "string", "defaultRef": "object"})
		if r["visibility"] != "Public" || repo["uri"] != "https://github.com/org/repo.git" {
			t.Errorf("defaults and repository: %v", r)
		}
		// Alice makes her own; a service account owns what it makes.
		if m := e.must(200, e.api, "POST", p, `{"name":"alices"}`, asAlice...).obj(t); m["ownerUsername"] != "alice" {
			t.Errorf("alice's project %v", m)
		}
		a, tok := e.saWithToken("maker", "")
		if m := e.must(200, e.api, "POST", p, `{"name":"bots"}`, bearer(tok)...).obj(t); m["ownerId"] != a.ID {
			t.Errorf("a service account's project %v", m)
		}
		wantError(t, e.do(e.api, "POST", p, fmt.Sprintf(`{"name":"for-admin","ownerId":%q}`, adminID), asAlice...), 403, "administrator")
		wantError(t, e.do(e.api, "POST", p, `{"name":"v4-made"}`, asAdmin...), 500, "A project with the name v4-made already exists for admin.")
		wantError(t, e.do(e.api, "POST", p, `{"name":"has space"}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"description":"no name"}`, asAdmin...), 400, "name is required")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","visibility":"public"}`, asAdmin...), 400, "visibility")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","ownerId":"invalid"}`, asAdmin...), 400, "Json validation error", "ownerId")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","ownerId":"`+unknownObjectID+`"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","collaborators":[{"collaboratorId":"`+aliceID+`","projectRole":"Boss"}]}`, asAdmin...), 400, "collaborators[0].projectRole")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","tags":{"tagNames":[""]}}`, asAdmin...), 400, "tags.tagNames[0]")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x","mainRepository":{"uri":"u","serviceProvider":"svn"}}`, asAdmin...), 400, "serviceProvider")
		wantError(t, e.do(e.api, "POST", p, `{"name":5}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":"x"}`), 401)
		// Strict profile: a duplicate is 409.
		s := newEnvProfile(t, profile.Strict())
		s.must(200, s.api, "POST", p, `{"name":"twice"}`, asAdmin...)
		wantError(t, s.do(s.api, "POST", p, `{"name":"twice"}`, asAdmin...), 409, "twice")
	},

	"POST /project": func(t *testing.T, e *env) {
		form := []string{"Content-Type", "application/x-www-form-urlencoded"}
		// python-domino's project_create: a form, with the CSRF header.
		m := e.must(200, e.api, "POST", "/project", "projectName=legacy-made", append(append(form, "Csrf-Token", "nocheck"), asAlice...)...).obj(t)
		if m["ownerUsername"] != "alice" || m["name"] != "legacy-made" {
			t.Errorf("legacy create %v", m)
		}
		m = e.must(200, e.api, "POST", "/project", "projectName=for-alice&ownerOverrideUsername=alice", append(form, asAdmin...)...).obj(t)
		if m["ownerUsername"] != "alice" {
			t.Errorf("owner override %v", m)
		}
		if m := e.must(200, e.api, "POST", "/project", `{"projectName":"as-json"}`, asAdmin...).obj(t); m["ownerUsername"] != "admin" {
			t.Errorf("JSON body %v", m)
		}
		wantError(t, e.do(e.api, "POST", "/project", "projectName=x&ownerOverrideUsername=admin", append(form, asAlice...)...), 403)
		wantError(t, e.do(e.api, "POST", "/project", "projectName=legacy-made", append(form, asAlice...)...), 500, "already exists")
		wantError(t, e.do(e.api, "POST", "/project", "ownerOverrideUsername=alice", append(form, asAdmin...)...), 400, "projectName")
		wantError(t, e.do(e.api, "POST", "/project", "projectName=%zz", append(form, asAdmin...)...), 400, "form")
		wantError(t, e.do(e.api, "POST", "/project", "projectName=x", append([]string{"Content-Type", "text/plain"}, asAdmin...)...), 415)
		wantError(t, e.do(e.api, "POST", "/project", "projectName=x", form...), 401)
	},

	"GET /v4/projects": func(t *testing.T, e *env) {
		e.createProject(`{"name":"quick-start","ownerId":"` + aliceID + `","visibility":"Private"}`)
		e.createProject(`{"name":"open","visibility":"Public"}`)
		l := e.must(200, e.api, "GET", "/v4/projects", "", asAdmin...).list(t)
		if got := listNames(l); got != "admin/quick-start,alice/quick-start,admin/open" {
			t.Errorf("all: %s", got)
		}
		fields(t, "listed project", l[0], projectFields)
		for _, c := range []struct {
			who         []string
			query, want string
		}{
			{asAdmin, "name=quick-start", "admin/quick-start,alice/quick-start"},
			{asAdmin, "name=quick-start&ownerUsername=alice", "alice/quick-start"},
			{asAdmin, "ownerUsername=ADMIN", "admin/quick-start,admin/open"},
			{asAdmin, "name=nothing", ""},
			{asAlice, "", "alice/quick-start,admin/open"},
			{asAlice, "name=quick-start", "alice/quick-start"},
			{asAlice, "ownerUsername=admin", "admin/open"},
		} {
			if got := listNames(e.must(200, e.api, "GET", "/v4/projects?"+c.query, "", c.who...).list(t)); got != c.want {
				t.Errorf("?%s: %s, want %s", c.query, got, c.want)
			}
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects", ""), 401)
	},

	"GET /v4/gateway/projects": func(t *testing.T, e *env) {
		p := "/v4/gateway/projects"
		l := e.must(200, e.api, "GET", p+"?relationship=Owned&showCompleted=true", "", asAdmin...).list(t)
		if len(l) != 1 || l[0]["name"] != "quick-start" || l[0]["relationship"] != "Owned" {
			t.Fatalf("owned %v", l)
		}
		fields(t, "gateway summary", l[0], map[string]string{"id": "id", "name": "string", "ownerId": "id", "ownerName": "string",
			"description": "string", "visibility": "string", "tags": "array", "runCounts": "array", "relationship": "string",
			"projectType": "string", "status": "object", "details": "object", "mainGitRepositoryUri": "string", "isPinned": "bool"})
		e.createProject(`{"name":"newer"}`)
		if got := listNames(e.must(200, e.api, "GET", p+"?relationship=Owned", "", asAdmin...).list(t)); got != "admin/newer,admin/quick-start" {
			t.Errorf("most recently updated first: %s", got)
		}
		if got := listNames(e.must(200, e.api, "GET", p+"?relationship=Owned&limit=1", "", asAdmin...).list(t)); got != "admin/newer" {
			t.Errorf("limit=1: %s", got)
		}
		if got := listNames(e.must(200, e.api, "GET", p+"?relationship=Popular", "", asAlice...).list(t)); got != "admin/newer" {
			t.Errorf("popular, as alice: %s", got)
		}
		if got := listNames(e.must(200, e.api, "GET", p+"?relationship=OwnedAndCollaborating&includeSearchableAndPublic=true", "", asAlice...).list(t)); got != "admin/newer" {
			t.Errorf("with the public ones, as alice: %s", got)
		}
		if l := e.must(200, e.api, "GET", p+"?relationship=Collaborating&showCompleted=false", "", asAlice...).list(t); len(l) != 0 {
			t.Errorf("alice collaborates on %v", l)
		}
		// Observed: an unknown relationship is a 500 naming it.
		if msg := wantError(t, e.do(e.api, "GET", p+"?relationship=invalid&showCompleted=true", "", asAdmin...), 500); msg != "No value found for 'invalid'" {
			t.Errorf("message %q", msg)
		}
		wantError(t, e.do(e.api, "GET", p+"?relationship=Suggesting", "", asAdmin...), 500, "No value found for 'Suggesting'")
		wantError(t, e.do(e.api, "GET", p, "", asAdmin...), 400, "relationship")
		wantError(t, e.do(e.api, "GET", p+"?relationship=Owned&showCompleted=yes", "", asAdmin...), 400, "showCompleted")
		wantError(t, e.do(e.api, "GET", p+"?relationship=Owned&limit=-1", "", asAdmin...), 400, "limit")
		wantError(t, e.do(e.api, "GET", p+"?relationship=Owned&limit=x", "", asAdmin...), 400, "limit")
		wantError(t, e.do(e.api, "GET", p+"?relationship=Owned&includeSearchableAndPublic=2", "", asAdmin...), 400, "includeSearchableAndPublic")
		wantError(t, e.do(e.api, "GET", p+"?relationship=Owned", ""), 401)
	},

	"DELETE /v4/projects/{projectId}": func(t *testing.T, e *env) {
		id := e.createProject(`{"name":"to-archive","ownerId":"` + aliceID + `"}`)
		a, tok := e.saWithToken("arch", "")
		e.must(200, e.proxy, "POST", "/v4/projects/"+id+"/collaborators", fmt.Sprintf(`{"collaboratorId":%q,"projectRole":"Owner"}`, a.ID))
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+id, "", bearer(tok)...), 403, "archive")
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+projectID, "", asAlice...), 403)
		r := e.must(200, e.api, "DELETE", "/v4/projects/"+id, "", asAlice...)
		if len(r.body) != 0 {
			t.Errorf("archive answers %s", r.body)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+id, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+id, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/jobs/start", `{"projectId":"`+id+`","commandToRun":"ls"}`, asAdmin...), 404)
		if l := e.must(200, e.api, "GET", "/v4/projects?name=to-archive", "", asAdmin...).list(t); len(l) != 0 {
			t.Errorf("an archived project is listed: %v", l)
		}
		// python-domino's project_archive finds it by name through the gateway; it is gone there too.
		if l := e.must(200, e.api, "GET", "/v4/gateway/projects?relationship=Owned&showCompleted=true", "", asAlice...).list(t); len(l) != 0 {
			t.Errorf("gateway lists %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+projectID, ""), 401)
	},

	"POST /v4/projects/{projectToForkId}/fork": func(t *testing.T, e *env) {
		e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/environmentVariables", `{"name":"K","value":"v"}`)
		m := e.must(200, e.api, "POST", "/v4/projects/"+projectID+"/fork", `{"name":"forked"}`, asAdmin...).obj(t)
		fields(t, "fork", m, projectFields)
		if m["name"] != "forked" || m["id"] == projectID || m["visibility"] != "Private" || m["mainRepository"] == nil {
			t.Errorf("fork %v", m)
		}
		if l := e.must(200, e.api, "GET", "/v4/projects/"+str(m["id"])+"/environmentVariables", "", asAdmin...).list(t); len(l) != 1 {
			t.Errorf("fork's variables %v", l)
		}
		open := e.createProject(`{"name":"open-src","visibility":"Public"}`)
		if m := e.must(200, e.api, "POST", "/v4/projects/"+open+"/fork", `{"name":"alices-fork","description":"mine","visibility":"Searchable"}`, asAlice...).obj(t); m["ownerUsername"] != "alice" ||
			m["description"] != "mine" || m["visibility"] != "Searchable" {
			t.Errorf("alice's fork %v", m)
		}
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/fork", `{"name":"x"}`, asAlice...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/fork", `{"name":"forked"}`, asAdmin...), 500, "already exists")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/fork", `{}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/fork", `{"name":"y","ownerId":"bad"}`, asAdmin...), 400, "Json validation error")
		wantError(t, e.do(e.api, "POST", "/v4/projects/invalid/fork", `{"name":"z"}`, asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/fork", `{"name":"z"}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+projectID+"/fork", `{"name":"z"}`), 401)
	},

	"POST /v4/projects/{projectId}/tags": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/tags"
		// A list of the tags named, as python-domino reads it (tags_add(...).json()[0]["id"]).
		l := e.must(200, e.api, "POST", p, `{"tagNames":["new","old"]}`, asAdmin...).list(t)
		if len(l) != 2 || l[0]["name"] != "new" || l[1]["name"] != "old" {
			t.Fatalf("added %v", l)
		}
		exactFields(t, "tag", l[0], map[string]string{"id": "id", "name": "string", "isApproved": "bool"})
		again := e.must(200, e.api, "POST", p, `{"tagNames":["new","old"]}`, asAdmin...).list(t)
		if again[0]["id"] != l[0]["id"] {
			t.Errorf("the same name is another tag: %v, %v", again, l)
		}
		proj := e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAdmin...).obj(t)
		if tags, _ := proj["tags"].([]any); len(tags) != 2 {
			t.Errorf("project tags %v", proj["tags"])
		}
		wantError(t, e.do(e.api, "POST", p, `{}`, asAdmin...), 400, "tagNames")
		wantError(t, e.do(e.api, "POST", p, `{"tagNames":[" x"]}`, asAdmin...), 400, "tagNames[0]")
		wantError(t, e.do(e.api, "POST", p, `{"tagNames":"x"}`, asAdmin...), 400, "tagNames")
		wantError(t, e.do(e.api, "POST", p, `{"tagNames":["x"]}`, asAlice...), 403)
		_, tok := e.saWithToken("tag-reader", "ResultsConsumer")
		wantError(t, e.do(e.api, "POST", p, `{"tagNames":["x"]}`, bearer(tok)...), 403)
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/tags", `{"tagNames":["x"]}`, asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/v4/projects/invalid/tags", `{"tagNames":["x"]}`, asAdmin...), 400, "invalid is not a valid ID")
	},

	"DELETE /v4/projects/{projectId}/tags/{tagId}": func(t *testing.T, e *env) {
		l := e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/tags", `{"tagNames":["a","b"]}`).list(t)
		p := "/v4/projects/" + projectID + "/tags/" + str(l[0]["id"])
		wantError(t, e.do(e.api, "DELETE", p, "", asAlice...), 403)
		if r := e.must(200, e.api, "DELETE", p, "", asAdmin...); len(r.body) != 0 {
			t.Errorf("removal answers %s", r.body)
		}
		proj := e.must(200, e.api, "GET", "/v4/projects/"+projectID, "", asAdmin...).obj(t)
		if tags, _ := proj["tags"].([]any); len(tags) != 1 || tags[0].(map[string]any)["name"] != "b" {
			t.Errorf("after removal %v", proj["tags"])
		}
		wantError(t, e.do(e.api, "DELETE", p, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+projectID+"/tags/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+unknownObjectID+"/tags/"+str(l[1]["id"]), "", asAdmin...), 404)
	},

	"GET /projectTags/{tagId}": func(t *testing.T, e *env) {
		l := e.must(200, e.proxy, "POST", "/v4/projects/"+projectID+"/tags", `{"tagNames":["detailed"]}`).list(t)
		m := e.must(200, e.api, "GET", "/projectTags/"+str(l[0]["id"]), "", asAlice...).obj(t)
		exactFields(t, "tag details", m, map[string]string{"_id": "id", "name": "string", "isApproved": "bool", "lastAdded": "time"})
		if m["_id"] != l[0]["id"] || m["name"] != "detailed" {
			t.Errorf("details %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/projectTags/"+unknownObjectID, "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/projectTags/invalid", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", "/projectTags/"+unknownObjectID, ""), 401)
	},

	"GET /v4/projects/{projectId}/settings": func(t *testing.T, e *env) {
		m := e.must(200, e.api, "GET", "/v4/projects/"+projectID+"/settings", "", asAdmin...).obj(t)
		exactFields(t, "settings", m, map[string]string{"defaultEnvironmentId": "id", "defaultEnvironmentRevisionSpec": "string",
			"defaultHardwareTierId": "string", "sparkClusterMode": "string", "defaultVolumeSizeGiB": "number",
			"maxVolumeSizeGiB": "number", "minVolumeSizeGiB": "number", "recommendedVolumeSizeGiB": "number"})
		if m["defaultEnvironmentId"] != envID || m["defaultHardwareTierId"] != "small-k8s" || m["defaultEnvironmentRevisionSpec"] != "ActiveRevision" {
			t.Errorf("settings %v", m)
		}
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+projectID+"/settings", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/settings", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/projects/invalid/settings", "", asAdmin...), 400, "invalid is not a valid ID")
	},

	"PUT /v4/projects/{projectId}/settings": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/settings"
		r := e.must(200, e.api, "PUT", p, `{"defaultHardwareTierId":"medium-k8s","defaultEnvironmentRevisionSpec":{"revisionId":"r1"},"defaultVolumeSizeGiB":20,"defaultEnvironmentId":"`+envID+`"}`, asAdmin...)
		if len(r.body) != 0 {
			t.Errorf("update answers %s", r.body)
		}
		m := e.must(200, e.api, "GET", p, "", asAdmin...).obj(t)
		if m["defaultHardwareTierId"] != "medium-k8s" || m["defaultVolumeSizeGiB"] != 20.0 {
			t.Errorf("after update %v", m)
		}
		if spec, _ := m["defaultEnvironmentRevisionSpec"].(map[string]any); spec["revisionId"] != "r1" {
			t.Errorf("revision spec %v", m["defaultEnvironmentRevisionSpec"])
		}
		e.must(200, e.api, "PUT", p, `{}`, asAdmin...) // nothing to change
		wantError(t, e.do(e.api, "PUT", p, `{"defaultHardwareTierId":"huge"}`, asAdmin...), 400, "defaultHardwareTierId")
		wantError(t, e.do(e.api, "PUT", p, `{"defaultEnvironmentId":"bad"}`, asAdmin...), 400, "Json validation error", "defaultEnvironmentId")
		wantError(t, e.do(e.api, "PUT", p, `{"defaultEnvironmentId":"`+unknownObjectID+`"}`, asAdmin...), 400, "defaultEnvironmentId")
		wantError(t, e.do(e.api, "PUT", p, `{"defaultEnvironmentRevisionSpec":"Newest"}`, asAdmin...), 400, "defaultEnvironmentRevisionSpec")
		wantError(t, e.do(e.api, "PUT", p, `{"defaultVolumeSizeGiB":1000}`, asAdmin...), 400, "defaultVolumeSizeGiB")
		wantError(t, e.do(e.api, "PUT", p, `{}`, asAlice...), 403)
		_, tok := e.saWithToken("settings-reader", "LauncherUser")
		wantError(t, e.do(e.api, "PUT", p, `{}`, bearer(tok)...), 403)
		wantError(t, e.do(e.api, "PUT", "/v4/projects/"+unknownObjectID+"/settings", `{}`, asAdmin...), 404)
	},

	"GET /v4/projects/{projectId}/environmentVariables": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/environmentVariables"
		if r := e.must(200, e.api, "GET", p, "", asAdmin...); compact(t, r.body) != `[]` {
			t.Errorf("fresh: %s", r.body)
		}
		e.must(200, e.proxy, "POST", p, `{"name":"ISQUICKSTART","value":"true"}`)
		l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t)
		if len(l) != 1 {
			t.Fatalf("list %v", l)
		}
		exactFields(t, "variable", l[0], map[string]string{"name": "string", "value": "string"})
		// Observed: an unknown project is a 500, a malformed id a 400.
		wantError(t, e.do(e.api, "GET", "/v4/projects/"+unknownObjectID+"/environmentVariables", "", asAdmin...), 500)
		wantError(t, e.do(e.api, "GET", "/v4/projects/invalid/environmentVariables", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "GET", p, "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", p, ""), 401)
	},

	"POST /v4/projects/{projectId}/environmentVariables": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/environmentVariables"
		body := `{"name":"ISQUICKSTART","value":"true"}`
		if r := e.must(200, e.api, "POST", p, body, asAdmin...); compact(t, r.body) != body {
			t.Errorf("upsert answers %s", r.body)
		}
		// Observed: a missing value, even with the name missing too, is this 400.
		wantError(t, e.do(e.api, "POST", p, `{"name":"ISQUICKSTART"}`, asAdmin...), 400, "Invalid 'value' for EnvironmentVariable")
		wantError(t, e.do(e.api, "POST", p, `{}`, asAdmin...), 400, "Invalid 'value' for EnvironmentVariable")
		wantError(t, e.do(e.api, "POST", p, `{"value":"v"}`, asAdmin...), 400, "Invalid 'name' for EnvironmentVariable")
		wantError(t, e.do(e.api, "POST", p, `{"name":"A=B","value":"v"}`, asAdmin...), 400, "name")
		wantError(t, e.do(e.api, "POST", p, `{"name":"A","value":5}`, asAdmin...), 400, "value")
		wantError(t, e.do(e.api, "POST", "/v4/projects/"+unknownObjectID+"/environmentVariables", body, asAdmin...), 500)
		wantError(t, e.do(e.api, "POST", "/v4/projects/invalid/environmentVariables", body, asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "POST", p, body, asAlice...), 403)
		// A Contributor may; the upsert replaces.
		_, tok := e.saWithToken("env-writer", "Contributor")
		e.must(200, e.api, "POST", p, `{"name":"ISQUICKSTART","value":"false"}`, bearer(tok)...)
		if l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t); len(l) != 1 || l[0]["value"] != "false" {
			t.Errorf("after the upsert %v", l)
		}
	},

	"DELETE /v4/projects/{projectId}/environmentVariables/{environmentVariableName}": func(t *testing.T, e *env) {
		p := "/v4/projects/" + projectID + "/environmentVariables"
		e.must(200, e.proxy, "POST", p, `{"name":"INTEGRATION_0_VAL","value":"a"}`)
		e.must(200, e.proxy, "POST", p, `{"name":"a b/c","value":"b"}`)
		if r := e.must(200, e.api, "DELETE", p+"/INTEGRATION_0_VAL", "", asAdmin...); len(r.body) != 0 {
			t.Errorf("delete answers %s", r.body)
		}
		e.must(200, e.api, "DELETE", p+"/"+url.PathEscape("a b"), "", asAdmin...) // not there: fine
		// Observed: deleting a variable that does not exist succeeds.
		e.must(200, e.api, "DELETE", p+"/invalid", "", asAdmin...)
		if l := e.must(200, e.api, "GET", p, "", asAdmin...).list(t); len(l) != 1 || l[0]["name"] != "a b/c" {
			t.Errorf("after deletes %v", l)
		}
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/"+unknownObjectID+"/environmentVariables/ISQUICKSTART", "", asAdmin...), 500)
		wantError(t, e.do(e.api, "DELETE", "/v4/projects/invalid/environmentVariables/ISQUICKSTART", "", asAdmin...), 400, "invalid is not a valid ID")
		wantError(t, e.do(e.api, "DELETE", p+"/X", "", asAlice...), 403)
	},

	"GET /{owner}/{project}/collaborators": func(t *testing.T, e *env) {
		a := e.createSA("legacy-collab")
		e.addCollaborator(a.ID, "ResultsConsumer")
		l := e.must(200, e.api, "GET", "/admin/quick-start/collaborators", "", asAdmin...).list(t)
		if len(l) != 2 || l[0]["username"] != "admin" || l[0]["projectRole"] != "Owner" || l[1]["username"] != a.Username {
			t.Errorf("legacy collaborators %v", l)
		}
		exactFields(t, "legacy collaborator", l[1], map[string]string{"id": "id", "username": "string", "fullName": "string", "email": "string", "projectRole": "string"})
		wantError(t, e.do(e.api, "GET", "/admin/quick-start/collaborators", "", asAlice...), 403)
		wantError(t, e.do(e.api, "GET", "/admin/nope/collaborators", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "GET", "/v4/nope/collaborators", "", asAdmin...), 404)
		wantError(t, e.do(e.api, "POST", "/admin/quick-start/collaborators", "", asAdmin...), 405)
		wantError(t, e.do(e.api, "GET", "/admin/quick-start/collaborators", ""), 401)
	},
}
