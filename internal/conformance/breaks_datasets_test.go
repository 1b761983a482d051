package conformance

// Deliberate breaks of the dataset behaviours (datasets.feature), joining
// breakRules: each is caught by the scenarios aimed at it.

import (
	"net/http"
	"strings"
)

func init() { breakRules = append(breakRules, datasetBreakRules...) }

var (
	datasetCreateRE   = re(`^/v4/datasetrw$`)
	datasetLegacyRE   = re(`^/dataset$`)
	datasetLegacyOne  = re(`^/dataset/[^/]+$`)
	datasetRE         = re(`^/v4/datasetrw/datasets/[^/]+$`)
	datasetSnapsRE    = re(`^/v4/datasetrw/snapshots/[^/]+$`)
	datasetRawRE      = re(`^/v4/datasetrw/snapshot/[^/]+/file/raw$`)
	datasetFilesRE    = re(`^/v4/datasetrw/files/[^/]+$`)
	datasetStartRE    = re(`^/v4/datasetrw/datasets/[^/]+/snapshot/file/start$`)
	datasetTestRE     = re(`^/v4/datasetrw/datasets/[^/]+/snapshot/file/test$`)
	datasetsV2RE      = re(`^/v4/datasetrw/datasets-v2$`)
	datasetMountsRE   = re(`^/v4/datasetrw/mounts-v2/[^/]+/shared$`)
	datasetIDRoutesRE = re(`^/v4/datasetrw/(datasets|snapshots|snapshot|files)/`)
)

var datasetBreakRules = []breakRule{
	{name: "python-domino's dataset list leaves out new datasets", tags: "@datasets", scenarios: `python-domino lists it`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetLegacyRE) && r.StatusCode == 200 {
				respond(r, 200, []any{})
			}
		}},
	{name: "a new dataset has no snapshot", tags: "@datasets", scenarios: `python-domino lists it`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", datasetCreateRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) { o["snapshotIds"] = []any{} })
			}
		}},
	{name: "a duplicate dataset name is created", tags: "@datasets", scenarios: `name is unique`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", datasetCreateRE) && r.StatusCode >= 409 {
				respond(r, 200, map[string]any{"id": randomObjectID(), "name": "dup", "snapshotIds": []any{}})
			}
		}},
	{name: "a dataset's file loses its last byte", tags: "@datasets", scenarios: `out of order`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetRawRE) && r.StatusCode == 200 {
				if body := peekBody(r); len(body) > 0 {
					setBody(r, body[:len(body)-1])
				}
			}
		}},
	{name: "an ended upload leaves the first snapshot the read-write one", tags: "@datasets", scenarios: `out of order`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetRE) && r.StatusCode == 200 {
				eachObject(r, func(o map[string]any) {
					if ids, ok := o["snapshotIds"].([]any); ok && len(ids) > 0 {
						o["readWriteSnapshotId"] = ids[0]
					}
				})
			}
		}},
	{name: "an upload never ended makes a snapshot", tags: "@datasets", scenarios: `never ended`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetSnapsRE) && r.StatusCode == 200 {
				editJSON(r, func(v any) any {
					if l, ok := v.([]any); ok && len(l) > 0 {
						return append(l, l[len(l)-1])
					}
					return v
				})
			}
		}},
	{name: "the chunk test asks for every chunk", tags: "@datasets", scenarios: `which chunks the session holds`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetTestRE) && r.StatusCode == 200 {
				r.StatusCode = http.StatusNoContent
			}
		}},
	{name: "anyone reads a dataset", tags: "@datasets", scenarios: `Grants decide`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetRE) && r.StatusCode == 403 {
				respond(r, 200, map[string]any{"id": strings.TrimPrefix(r.Request.URL.Path, "/v4/datasetrw/datasets/")})
			}
		}},
	{name: "a dataset reader may start an upload", tags: "@datasets", scenarios: `Grants decide`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "POST", datasetStartRE) && r.StatusCode == 403 {
				respond(r, 200, "a-key")
			}
		}},
	{name: "a dataset path that names no file answers 404", tags: "@datasets", scenarios: `names no file`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if (is(r.Request, "GET", datasetRawRE) || is(r.Request, "GET", datasetFilesRE)) && r.StatusCode == 400 &&
				strings.Contains(string(peekBody(r)), "does not exist") {
				respond(r, 404, map[string]any{"message": "not found", "success": false})
			}
		}},
	{name: "a dataset path of a lone slash reads the root", tags: "@datasets", scenarios: `names no file`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if (is(r.Request, "GET", datasetRawRE) || is(r.Request, "GET", datasetFilesRE)) && r.StatusCode == 400 &&
				strings.Contains(string(peekBody(r)), "Invalid path input") {
				respond(r, 200, map[string]any{"rows": []any{}})
			}
		}},
	{name: "a malformed dataset id is not found", tags: "@datasets", scenarios: `malformed dataset or snapshot id`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if datasetIDRoutesRE.MatchString(r.Request.URL.Path) && r.StatusCode == 400 && strings.Contains(string(peekBody(r)), "not a valid ID") {
				respond(r, 404, map[string]any{"message": "not found", "success": false})
			}
		}},
	{name: "an unknown dataset id is a bad request", tags: "@datasets", scenarios: `malformed dataset or snapshot id`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if datasetIDRoutesRE.MatchString(r.Request.URL.Path) && r.StatusCode == 404 {
				respond(r, 400, map[string]any{"message": "bad", "success": false})
			}
		}},
	{name: "datasets-v2 ignores its filters", tags: "@datasets", scenarios: `datasets-v2`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "GET", datasetsV2RE) {
				out.URL.RawQuery = ""
			}
			return body
		}},
	{name: "a legacy rename is ignored", tags: "@datasets", scenarios: `renames a dataset`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "PATCH", datasetLegacyOne) {
				return []byte("{}")
			}
			return body
		}},
	{name: "a removed dataset is still found", tags: "@datasets", scenarios: `renames a dataset and removes it`,
		request: func(b *breaker, out *http.Request, body []byte) []byte {
			if is(out, "DELETE", datasetLegacyOne) {
				out.Method = http.MethodGet
			}
			return body
		}},
	{name: "a shared dataset is not mounted", tags: "@datasets", scenarios: `shared into another project`,
		response: func(b *breaker, r *http.Response, _ []byte) {
			if is(r.Request, "GET", datasetMountsRE) && r.StatusCode == 200 {
				respond(r, 200, []any{})
			}
		}},
}
