// Package version says which release of mockdomino a binary is, for
// --version.
package version

import "runtime/debug"

// stamped is set at build time, as the Dockerfile does:
//
//	go build -ldflags "-X github.com/mockdomino/mockdomino/internal/version.stamped=v1.2.3"
var stamped string

// String is the version: the one stamped at build time; else the module's
// version from the build information, which `go install …@v1.2.3` (or
// @latest) records as the tag and `go build` in a git checkout as a
// pseudo-version; else "devel".
func String() string { return resolve(stamped, debug.ReadBuildInfo) }

func resolve(stamped string, buildInfo func() (*debug.BuildInfo, bool)) string {
	if stamped != "" {
		return stamped
	}
	if bi, ok := buildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
