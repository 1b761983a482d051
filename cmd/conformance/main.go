// Command conformance checks that a Domino-compatible target — a real Domino
// deployment, a running mockdomino, or an in-process mock (--mock) — behaves
// as the Gherkin scenarios in features/ describe. See --help.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mockdomino/mockdomino/internal/conformance"
)

// The first SIGINT (Ctrl-C) or SIGTERM (docker stop, a cancelled CI job)
// stops the run: the scenario under way is cut short and cleaned up, the
// rest do not run, a mock is put back, and the command exits 128+signal. A
// second one exits at once, leaving what the run made.
func main() {
	ctx, stop := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	caught := make(chan os.Signal, 1)
	go func() {
		sig := <-signals
		caught <- sig
		fmt.Fprintf(os.Stderr, "\nconformance: %v: stopping once what the run made is cleaned up (once more to exit at once, without cleaning up)\n", sig)
		stop()
		sig = <-signals
		fmt.Fprintf(os.Stderr, "\nconformance: %v again: exiting without cleaning up\n", sig)
		os.Exit(exitStatus(sig))
	}()
	code := conformance.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	if code == conformance.ExitInterrupted {
		select {
		case sig := <-caught:
			code = exitStatus(sig)
		default:
		}
	}
	os.Exit(code)
}

// exitStatus is a shell's status for a command a signal ended: 128+signal.
func exitStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return conformance.ExitInterrupted
}
