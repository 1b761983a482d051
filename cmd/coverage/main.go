// Command coverage writes docs/COVERAGE.md: which operations of Domino's
// OpenAPI documents the mock serves, area by area. Run it from the
// repository's root:
//
//	go run ./cmd/coverage
//
// With -extract-v4 and -extract-public it first rewrites the embedded
// extracts (internal/coverage/specs/) from the full documents, as Domino
// publishes them (domino-v4-openapi.json, domino-public-api-6.2.json).
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/coverage"
)

func main() {
	out := flag.String("o", "docs/COVERAGE.md", "where to write the report")
	v4 := flag.String("extract-v4", "", "the /v4 OpenAPI document to extract from (optional)")
	public := flag.String("extract-public", "", "the public API OpenAPI document to extract from (optional)")
	flag.Parse()
	if err := run(*out, *v4, *public); err != nil {
		fmt.Fprintln(os.Stderr, "coverage:", err)
		os.Exit(1)
	}
}

func run(out, v4, public string) error {
	for i, doc := range []string{v4, public} {
		if doc == "" {
			continue
		}
		if err := extract(doc, filepath.Join("internal/coverage", coverage.SpecFiles[i])); err != nil {
			return err
		}
	}
	specs, err := readSpecs()
	if err != nil {
		return err
	}
	return os.WriteFile(out, coverage.Measure(specs, api.Routes()).Markdown(), 0o644)
}

func extract(doc, to string) error {
	b, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	s, err := coverage.Extract(filepath.Base(doc), hex.EncodeToString(sum[:]), b)
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	j, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(to, append(j, '\n'), 0o644)
}

// readSpecs reads the extracts from disk, not from the binary: an extract
// just rewritten counts at once.
func readSpecs() ([]coverage.Spec, error) {
	var out []coverage.Spec
	for _, name := range coverage.SpecFiles {
		b, err := os.ReadFile(filepath.Join("internal/coverage", name))
		if err != nil {
			return nil, err
		}
		var s coverage.Spec
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}
