// Package features embeds the Gherkin conformance scenarios, so that the
// conformance runner carries them wherever it is built and run.
package features

import "embed"

// FS holds every *.feature file of this directory.
//
//go:embed *.feature
var FS embed.FS
