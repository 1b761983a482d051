package api

import (
	"net/http"
	"regexp"
)

// Domino binds a path id that must be a Mongo ObjectId before the action
// runs, and answers one that is not 24 lower-case hex characters with 400
// "<id> is not a valid ID" (observed by ksmpartners/domino-java-client's
// integration tests on projects, collaborators, hardware tiers,
// environments, git credentials and jobs, on /v4 and /api alike). These are
// the path variables that carry ObjectIds, by name, across the route table:
// the /v4 spec gives each of them the pattern ^[0-9a-f]{24}$. A well-formed
// id that names nothing is the store's 404.
//
// Not validated: idpIds (UUIDs) and collaboratorId, which the spec leaves
// without a pattern.
var objectIDPathVars = map[string]bool{
	"projectId":       true,
	"userId":          true,
	"credentialId":    true,
	"repoId":          true,
	"jobId":           true,
	"runId":           true, // a job's id in the legacy v1 routes (inferred)
	"tagId":           true,
	"projectToForkId": true,
	"environmentId":   true,
	// Workspaces (workspaces.go).
	"workspaceId":        true,
	"workspaceSessionId": true,
	"ownerId":            true,
}

var objectIDRE = regexp.MustCompile(`^[0-9a-f]{24}$`)

func isObjectID(s string) bool { return objectIDRE.MatchString(s) }

// objectIDVars lists the variables of a route's path that must be ObjectIds.
func objectIDVars(path string) []string {
	var out []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		if objectIDPathVars[m[1]] {
			out = append(out, m[1])
		}
	}
	return out
}

// checkObjectIDs refuses a request whose path carries a malformed id. It
// runs before authentication, as Domino's path binding does (inferred: the
// order was not observed).
func checkObjectIDs(q *request, vars []string) error {
	for _, name := range vars {
		if v := q.vars(name); !isObjectID(v) {
			return &httpError{status: http.StatusBadRequest, msg: clipPath(v) + " is not a valid ID"}
		}
	}
	return nil
}

// bodyObjectID checks an ObjectId field of a JSON body. Domino validates
// bodies with its JSON readers and answers a malformed id with 400 "Json
// validation error" (observed on POST /v4/jobs/start's projectId); the
// field and value are added here so a client sees which one. Empty is left
// to the store, whose message says the field is required.
func bodyObjectID(field, value string) error {
	if value == "" || isObjectID(value) {
		return nil
	}
	return badRequest("Json validation error: %s: %s is not a valid ID", field, clipPath(value))
}

// firstError is the first non-nil error, for checks made in order.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
