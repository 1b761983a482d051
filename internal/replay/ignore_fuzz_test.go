package replay

import (
	"strings"
	"testing"
)

// FuzzParseIgnore: --ignore is user input; ParseIgnore accepts it or says
// why, never panics, and what it accepts can be applied to any request.
func FuzzParseIgnore(f *testing.F) {
	for _, s := range []string{"$.metadata.requestId", "$..lastModified", "GET /v4/users/self $.avatarUrl", "POST /v4/x", "$.a[*].b", "$.a[3].*", "$[", "GET"} {
		f.Add(s, "GET", "/v4/users/self?x=1")
	}
	f.Fuzz(func(t *testing.T, s, method, path string) {
		ig, err := ParseIgnore(s)
		if err != nil {
			if err.Error() == "" || strings.Contains(err.Error(), "\n\n") {
				t.Fatalf("an error that says nothing: %q", err)
			}
			return
		}
		ig.appliesTo(method, path)
	})
}
