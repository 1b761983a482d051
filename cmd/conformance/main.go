// Command conformance checks that a Domino-compatible target — a real Domino
// deployment, a running mockdomino, or an in-process mock (--mock) — behaves
// as the Gherkin scenarios in features/ describe. See --help.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/mockdomino/mockdomino/internal/conformance"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := conformance.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
