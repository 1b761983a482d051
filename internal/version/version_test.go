package version

import (
	"runtime/debug"
	"testing"
)

func TestResolve(t *testing.T) {
	info := func(v string, ok bool) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			if !ok {
				return nil, false
			}
			return &debug.BuildInfo{Main: debug.Module{Path: "github.com/mockdomino/mockdomino", Version: v}}, true
		}
	}
	for _, tc := range []struct {
		name, stamped string
		info          func() (*debug.BuildInfo, bool)
		want          string
	}{
		{"stamped by -ldflags -X", "v1.4.0", info("v1.3.0", true), "v1.4.0"},
		{"go install …@latest", "", info("v1.3.0", true), "v1.3.0"},
		{"go build in a checkout", "", info("v0.0.0-20260101000000-abcdef123456+dirty", true), "v0.0.0-20260101000000-abcdef123456+dirty"},
		{"go run", "", info("(devel)", true), "devel"},
		{"no build information", "", info("", false), "devel"},
	} {
		if got := resolve(tc.stamped, tc.info); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
