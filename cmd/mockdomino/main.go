// Command mockdomino serves an offline emulation of the Domino Data Lab API.
// Every flag can also be set by an environment variable MOCKDOMINO_<FLAG>
// (upper case, '-' as '_'); a flag given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/store"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mockdomino:", err)
			os.Exit(1)
		}
	}
}

// envFlags registers flags whose defaults come from MOCKDOMINO_* variables.
// A variable that is set means what the flag with its value means, empty
// included: MOCKDOMINO_PROXY_LISTEN= disables the proxy like --proxy-listen=.
type envFlags struct {
	fs     *flag.FlagSet
	lookup func(string) (string, bool)
	errs   []error
}

func envName(flagName string) string {
	return "MOCKDOMINO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (e *envFlags) String(name, def, usage string) *string {
	if v, ok := e.lookup(envName(name)); ok {
		def = v
	}
	return e.fs.String(name, def, usage+" (env "+envName(name)+")")
}

func (e *envFlags) Duration(name string, def time.Duration, usage string) *time.Duration {
	if v, ok := e.lookup(envName(name)); ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: %w", envName(name), v, err))
		} else {
			def = d
		}
	}
	return e.fs.Duration(name, def, usage+" (env "+envName(name)+")")
}

func checkHealth(base string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	resp, err := client.Get(strings.TrimRight(base, "/") + "/__mock/health")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s", resp.Status)
	}
	return nil
}

func (e *envFlags) Uint64(name string, def uint64, usage string) *uint64 {
	if v, ok := e.lookup(envName(name)); ok {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", envName(name), v))
		} else {
			def = n
		}
	}
	return e.fs.Uint64(name, def, usage+" (env "+envName(name)+")")
}

func (e *envFlags) Int64(name string, def int64, usage string) *int64 {
	if v, ok := e.lookup(envName(name)); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", envName(name), v))
		} else {
			def = n
		}
	}
	return e.fs.Int64(name, def, usage+" (env "+envName(name)+")")
}

func (e *envFlags) Int(name string, def int, usage string) *int {
	if v, ok := e.lookup(envName(name)); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want a whole number", envName(name), v))
		} else {
			def = n
		}
	}
	return e.fs.Int(name, def, usage+" (env "+envName(name)+")")
}

// sizeConfig maps a flag whose 0 means none (--journal-size,
// --max-fault-rules) to server.Config, where 0 means the default and a
// negative number none.
func sizeConfig(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

func run(args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	fs := flag.NewFlagSet("mockdomino", flag.ContinueOnError)
	fs.SetOutput(stderr)
	ef := &envFlags{fs: fs, lookup: lookupEnv}
	listen := ef.String("listen", "127.0.0.1:8080", "API host address (DOMINO_API_HOST); port 0 picks a free port")
	proxyListen := ef.String("proxy-listen", "127.0.0.1:8899", "API proxy address (DOMINO_API_PROXY); empty disables the proxy")
	proxyUser := ef.String("proxy-user", "", "user the API proxy acts as; empty is the fixtures' first administrator")
	fixturesPath := ef.String("fixtures", "", "fixtures file (users, API keys, projects, hardware tiers, environments); empty uses the embedded defaults")
	prof := ef.String("profile", "observed", "behaviour profile: observed, strict, or a profile JSON file")
	ttl := ef.Duration("token-ttl", 120*24*time.Hour, "lifetime of new service-account tokens")
	signingKey := ef.String("signing-key", "", "RSA private key (PEM) that signs tokens; generated at start-up when empty")
	externalURL := ef.String("external-url", "", "base URL in the tokens' iss; default derived from the API address")
	stateDir := ef.String("state", "", "directory that keeps all state (and the signing key) across restarts; empty keeps it in memory")
	journalSize := ef.Int("journal-size", 1000, "requests the journal (GET /__mock/journal) keeps; 0 keeps none")
	readTimeout := ef.Duration("read-timeout", server.DefaultReadTimeout, "how long a client may take to send a request, body included; a body still short of its Content-Length then is answered 400")
	grace := ef.Duration("shutdown-grace", 5*time.Second, "on SIGINT or SIGTERM, how long in-flight requests may take to finish before their connections are closed")
	maxConns := ef.Int("max-connections", server.DefaultMaxConnections, "connections each listener serves at once; more wait, unread, until one closes")
	maxFaultRules := ef.Int("max-fault-rules", api.DefaultMaxFaultRules, "fault rules (POST /__mock/faults) allowed at once; 0 allows none")
	maxSecret := ef.Int("max-git-secret-bytes", store.DefaultMaxGitSecretBytes, "largest git credential token, password, key or passphrase accepted, in bytes")
	maxCreds := ef.Int("max-git-credentials", store.DefaultMaxGitCredentials, "git credentials one user or service account may hold")
	maxTokens := ef.Int("max-tokens", store.DefaultMaxTokensPerAccount, "tokens one service account may hold, valid or not")
	maxJobs := ef.Int("max-jobs", store.DefaultMaxJobsPerProject, "jobs one project may hold (jobs are never deleted)")
	maxFileBytes := ef.Int64("max-file-bytes", store.DefaultMaxFileBytes, "largest file a project upload (PUT /v1/projects/{owner}/{name}/{path}) accepts, in bytes")
	maxFileMemory := ef.Int64("max-file-memory-bytes", store.DefaultMaxFileMemoryBytes, "without --state: the most bytes of file contents held in memory, all projects together")
	maxCommits := ef.Int("max-commits", store.DefaultMaxCommits, "commits one project may hold")
	maxMetricValues := ef.Int("max-metric-values", store.DefaultMaxMetricValues, "custom metric values held, all series together; their series, tags and alerts count one more per 64 bytes")
	seed := ef.Uint64("seed", 0, "non-zero: every generated id and the signing key are derived from this seed, for golden-file tests")
	logLevel := ef.String("log-level", "info", "debug, info, warn or error")
	healthCheck := fs.String("health-check", "", "instead of serving, ask the mock at this base URL for /__mock/health and exit 0 if it answers 200 (for container health checks, where there is no curl)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *healthCheck != "" {
		return checkHealth(*healthCheck)
	}
	if err := errors.Join(ef.errs...); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (all settings are flags)", fs.Args())
	}
	if *readTimeout <= 0 || *grace < 0 {
		return fmt.Errorf("--read-timeout must be positive and --shutdown-grace not negative")
	}
	if *maxConns < 1 {
		return fmt.Errorf("--max-connections %d: want at least 1", *maxConns)
	}
	for _, l := range []struct {
		flag  string
		value int64
	}{{"max-git-secret-bytes", int64(*maxSecret)}, {"max-git-credentials", int64(*maxCreds)}, {"max-tokens", int64(*maxTokens)}, {"max-jobs", int64(*maxJobs)},
		{"max-file-bytes", *maxFileBytes}, {"max-file-memory-bytes", *maxFileMemory}, {"max-commits", int64(*maxCommits)},
		{"max-metric-values", int64(*maxMetricValues)}} {
		if l.value < 1 {
			return fmt.Errorf("--%s %d: must be at least 1", l.flag, l.value)
		}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	// Catch the signals before anything is served: one that arrives as the
	// listeners are announced must shut down gracefully, not kill.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Start(server.Config{
		Listen: *listen, ProxyListen: *proxyListen, ProxyUser: *proxyUser,
		FixturesPath: *fixturesPath, Profile: *prof, TokenTTL: *ttl,
		SigningKeyPath: *signingKey, ExternalURL: *externalURL, Logger: logger,
		Seed: *seed, StateDir: *stateDir, JournalSize: sizeConfig(*journalSize), MaxFaultRules: sizeConfig(*maxFaultRules),
		MaxConnections: *maxConns, ReadTimeout: *readTimeout,
		Limits: store.Limits{GitSecretBytes: *maxSecret, GitCredentialsPerUser: *maxCreds, TokensPerAccount: *maxTokens, JobsPerProject: *maxJobs,
			FileBytes: *maxFileBytes, FileMemoryBytes: *maxFileMemory, CommitsPerProject: *maxCommits,
			MetricValues: *maxMetricValues},
	})
	if err != nil {
		return err
	}
	if exposed := srv.Exposed(); len(exposed) > 0 {
		why := "anyone who reaches it can try credentials, and they travel unencrypted"
		if strings.HasPrefix(exposed[len(exposed)-1], "proxy ") {
			why = "the proxy needs no credentials, acts as the administrator and serves secrets"
		}
		fmt.Fprintf(stderr, "mockdomino: warning: listening without TLS where other machines can reach it (%s): %s; listen on 127.0.0.1 unless this is what you want\n",
			strings.Join(exposed, ", "), why)
	}
	fmt.Fprintf(stdout, "api listening on %s\n", srv.APIURL())
	if srv.ProxyURL() != "" {
		fmt.Fprintf(stdout, "proxy listening on %s\n", srv.ProxyURL())
	}
	logger.Info("mockdomino ready", "profile", srv.Store().Profile().Name, "tokenTTL", srv.Store().TokenTTL().String())

	select {
	case <-ctx.Done():
	case err := <-srv.Err():
		return err
	}
	logger.Info("shutting down: finishing in-flight requests", "grace", grace.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}
