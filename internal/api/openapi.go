package api

import (
	"maps"
	"net/http"
	"regexp"
	"strings"
)

// queryParams documents the query parameters each route reads.
var queryParams = map[string][]string{
	"GET /v4/serviceAccounts":                     {"includeDeactivated"},
	"GET /v4/users":                               {"userName", "userId", "query", "listOnlyUsers"},
	"GET /api/serviceAccounts/v1/serviceAccounts": {"includeDeactivated", "offset", "limit"},
	"GET /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/tokens":         {"offset", "limit"},
	"GET /api/serviceAccounts/v1/serviceAccounts/{serviceAccountIdpId}/gitcredentials": {"offset", "limit"},
	"GET /api/users/v1/users":                               {"offset", "limit"},
	"GET /v4/gateway/projects/findProjectByOwnerAndName":    {"ownerName", "projectName"},
	"GET /v4/projects":                                      {"name", "ownerUsername"},
	"GET /v4/gateway/projects":                              {"relationship", "showCompleted", "limit", "includeSearchableAndPublic"},
	"GET /v4/jobs":                                          {"projectId", "page_size", "page_no", "sort_by", "order_by", "status", "show_archived", "tag", "query", "type", "dominoStatsSortFieldName"},
	"GET /v4/jobs/":                                         {"projectId", "page_size", "page_no", "sort_by", "order_by", "status", "show_archived", "tag", "query", "type", "dominoStatsSortFieldName"},
	"GET /__mock/state":                                     {"secrets"},
	"GET /__mock/journal":                                   {"method", "path", "status", "caller", "limit"},
	"GET /api/environments/beta/environments":               {"offset", "limit"},
	"POST /v4/environments/{environmentId}/setactive":       {"revisionId"},
	"GET /api/metricValues/v1/{modelMonitoringId}/{metric}": {"startingReferenceTimestampInclusive", "endingReferenceTimestampInclusive"},
	"GET /v4/scheduledruns":                                 {"userId"},
	// Workspaces (workspaces.go).
	"GET /v4/workspace/project/{projectId}/workspace":                         {"offset", "limit"},
	"GET /v4/workspace/project/{projectId}/deleted":                           {"offset", "limit"},
	"GET /v4/workspace/project/{projectId}/owner/{ownerId}":                   {"offset", "limit"},
	"GET /v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions":  {"offset", "limit"},
	"POST /v4/workspace/project/{projectId}/workspace/{workspaceId}/sessions": {"externalVolumeMounts", "netAppVolumeIds"},
	"GET /v4/workspace":                            {"pageSize", "pageNumber", "q", "sortField", "sortOrder"},
	"GET /v4/workspaces/definitions":               {"projectId"},
	"GET /v4/projects/billingtags/projects":        {"billingTag", "offset", "pageSize", "checkpointProjectId", "nameFilter", "sortBy", "sortOrder", "missingBillingTagOnly"},
	"GET /v4/modelProducts":                        {"projectId", "type"},
	"POST /v4/modelProducts/{modelProductId}/stop": {"force"},
	"GET /dataset":                                 {"projectId"},
	"GET /v4/datasetrw/datasets-v2": {"includeProjectInfo", "includeHasProjectAccess", "includeStorageInfo", "minimumPermission",
		"projectIdsToExclude", "projectIdsToInclude", "datasetIds"},
	"GET /v4/datasetrw/datasets/name/{datasetName}":    {"projectOwner", "projectName"},
	"GET /v4/datasetrw/snapshot/{snapshotId}":          {"includeStorageInfo"},
	"GET /v4/datasetrw/files/{snapshotId}":             {"path"},
	"GET /v4/datasetrw/snapshot/{snapshotId}/file/raw": {"path", "download"},
	"GET /v4/datasetrw/datasets/{datasetId}/snapshot/file/test": {"key", "resumableChunkNumber", "resumableTotalChunks",
		"resumableIdentifier", "checksum"},
	"POST /v4/datasetrw/datasets/{datasetId}/snapshot/file": {"key", "resumableChunkNumber", "resumableTotalChunks",
		"resumableIdentifier", "resumableRelativePath", "resumableChunkSize", "resumableCurrentChunkSize", "checksum"},
	"GET /v4/datasetrw/datasets/{datasetId}/snapshot/file/end/{uploadKey}": {"targetRelativePath"},
}

// pathParam matches a route's path variable, {name} or {name:regexp}
// (a file path, which spans "/").
var pathParam = regexp.MustCompile(`\{(\w+)(?::[^{}]*)?\}`)

// specPath is a route's path as OpenAPI writes it: {name}, with no regexp.
func specPath(p string) string { return pathParam.ReplaceAllString(p, "{$1}") }

// openAPI describes exactly the routes of the route table, so it cannot
// list a route the mock does not serve or miss one it does.
func openAPI(q *request) (int, any, error) {
	paths := map[string]map[string]any{}
	for _, rt := range routes() {
		if rt.proxyOnly && q.listener != Proxy {
			continue
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		for _, name := range queryParams[rt.method+" "+rt.path] {
			params = append(params, map[string]any{"name": name, "in": "query", "schema": map[string]string{"type": "string"}})
		}
		errShape := "#/components/schemas/LegacyError"
		if strings.HasPrefix(rt.path, "/api/") {
			errShape = "#/components/schemas/PublicAPIError"
		}
		op := map[string]any{
			"operationId": operationID(rt),
			"summary":     rt.summary,
			"responses": map[string]any{
				"2XX": map[string]any{"description": "success"},
				"4XX": map[string]any{"description": "refused", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": errShape}}}},
			},
		}
		if params != nil {
			op["parameters"] = params
		}
		switch rt.auth {
		case authNone:
			op["security"] = []any{}
		case authControl:
			op["description"] = "Open on the API proxy; needs an administrator on the API host."
		}
		switch {
		case rt.fileBody && strings.HasPrefix(rt.path, "/v4/datasetrw/"):
			op["requestBody"] = map[string]any{"content": map[string]any{"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object"}}}}
		case rt.fileBody:
			op["requestBody"] = map[string]any{"content": map[string]any{"application/octet-stream": map[string]any{"schema": map[string]string{"type": "string", "format": "binary"}}}}
		case rt.body:
			op["requestBody"] = map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"type": "object"}}}}
		}
		p := specPath(rt.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.method)] = op
		if rt.method == http.MethodGet {
			// The router answers HEAD as GET, without the body.
			head := maps.Clone(op)
			head["operationId"] = operationID(route{method: http.MethodHead, path: rt.path})
			head["summary"] = rt.summary + " (HEAD: the GET's status and headers, no body)"
			paths[p]["head"] = head
		}
	}
	return http.StatusOK, map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "mockdomino",
			"version":     DominoVersion,
			"description": "The routes this mockdomino serves: a subset of Domino's /v4 and public APIs, Keycloak's key endpoints, and the mock's control routes under /__mock/.",
		},
		"paths": paths,
		"security": []any{
			map[string]any{"DominoApiKey": []string{}},
			map[string]any{"BearerJWT": []string{}},
		},
		"components": map[string]any{
			"securitySchemes": map[string]any{
				"DominoApiKey": map[string]string{"type": "apiKey", "in": "header", "name": "X-Domino-Api-Key"},
				"BearerJWT":    map[string]string{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
			},
			"schemas": map[string]any{
				"LegacyError": map[string]any{"type": "object", "required": []string{"message", "success"}, "properties": map[string]any{
					"message": map[string]string{"type": "string"}, "success": map[string]any{"type": "boolean", "enum": []bool{false}}}},
				"PublicAPIError": map[string]any{"type": "object", "required": []string{"requestId", "errors"}, "properties": map[string]any{
					"requestId": map[string]string{"type": "string"}, "errors": map[string]any{"type": "array", "items": map[string]string{"type": "string"}}}},
			},
		},
	}, nil
}

func operationID(rt route) string {
	id := strings.ToLower(rt.method) + pathParam.ReplaceAllString(rt.path, "By_$1")
	return strings.NewReplacer("/", "_", ".", "_", "-", "_").Replace(id)
}
