// Command mockdomino serves an offline emulation of the Domino Data Lab API.
// Every flag can also be set by an environment variable MOCKDOMINO_<FLAG>
// (upper case, '-' as '_'); a flag given on the command line wins.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
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
	"github.com/mockdomino/mockdomino/internal/secret"
	"github.com/mockdomino/mockdomino/internal/server"
	"github.com/mockdomino/mockdomino/internal/store"
	"github.com/mockdomino/mockdomino/internal/version"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mockdomino:", err)
			os.Exit(exitCode(err))
		}
	}
}

// envFlags registers flags whose defaults come from MOCKDOMINO_* variables.
// A variable that is set means what the flag with its value means, empty
// included: MOCKDOMINO_PROXY_LISTEN= disables the proxy like --proxy-listen=.
type envFlags struct {
	fs      *flag.FlagSet
	lookup  func(string) (string, bool)
	errs    []error
	secrets []func(given map[string]bool) // Secret's variables, applied after parsing
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

// Secret is String for a flag whose value may be a secret (a key, or its
// path). Its variable is applied after parsing, not as the flag's default,
// so that the usage text, which prints defaults, never shows it.
func (e *envFlags) Secret(name, usage string) *string {
	p := e.fs.String(name, "", usage+" (env "+envName(name)+")")
	if v, ok := e.lookup(envName(name)); ok {
		e.secrets = append(e.secrets, func(given map[string]bool) {
			if !given[name] {
				*p = v
			}
		})
	}
	return p
}

// parse parses args, then applies the secret flags' variables. Its errors,
// and what the flag package writes, never show key material: a key given
// where a flag was expected is echoed by flag's "bad flag syntax".
func (e *envFlags) parse(args []string) error {
	if err := e.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errors.New(secret.Redact(err.Error()))
	}
	given := map[string]bool{}
	e.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, apply := range e.secrets {
		apply(given)
	}
	return nil
}

// redactingWriter is the flag package's output, which echoes a mistyped
// argument whole.
type redactingWriter struct{ w io.Writer }

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(r.w, secret.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// shownArgs quotes stray arguments, leaving out any that may be a secret.
func shownArgs(args []string) string {
	shown := make([]string, len(args))
	for i, a := range args {
		shown[i] = strconv.Quote(a)
		if !secret.MayShow(a) {
			shown[i] = "<an argument not shown: it may be key material>"
		}
	}
	return "[" + strings.Join(shown, " ") + "]"
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

// checkHealth asks base for /__mock/health. With TLS on (--tls, or
// MOCKDOMINO_TLS in a container's environment) it asks over HTTPS whatever
// base's scheme, so one HEALTHCHECK line serves both. It does not verify
// the certificate: it sends no credentials and reads only a status, and
// the mock's CA may be in a temporary directory it cannot know.
func checkHealth(base string, tlsOn bool) error {
	if rest, ok := strings.CutPrefix(base, "http://"); ok && tlsOn {
		base = "https://" + rest
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if strings.HasPrefix(base, "https://") {
		client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	}
	resp, err := client.Get(strings.TrimRight(base, "/") + "/__mock/health")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		// A mockdomino says why it is unhealthy (it refuses every change).
		var h struct{ Reason string }
		if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h) == nil && h.Reason != "" {
			return fmt.Errorf("health check: %s: %s", resp.Status, h.Reason)
		}
		return fmt.Errorf("health check: %s", resp.Status)
	}
	return nil
}

func (e *envFlags) Bool(name string, def bool, usage string) *bool {
	if v, ok := e.lookup(envName(name)); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s=%q: want true or false", envName(name), v))
		} else {
			def = b
		}
	}
	return e.fs.Bool(name, def, usage+" (env "+envName(name)+")")
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
	if len(args) > 0 && args[0] == "record" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return runRecord(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("mockdomino", flag.ContinueOnError)
	fs.SetOutput(redactingWriter{stderr})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage of mockdomino:\n  mockdomino [flags]: serve the mock\n%s\n", recordUsage)
		fs.PrintDefaults()
	}
	ef := &envFlags{fs: fs, lookup: lookupEnv}
	listen := ef.String("listen", "127.0.0.1:8080", "API host address (DOMINO_API_HOST); port 0 picks a free port")
	proxyListen := ef.String("proxy-listen", "127.0.0.1:8899", "API proxy address (DOMINO_API_PROXY); empty disables the proxy")
	proxyUser := ef.String("proxy-user", "", "user the API proxy acts as; empty is the fixtures' first administrator")
	fixturesPath := ef.String("fixtures", "", "fixtures file (users, API keys, projects, hardware tiers, environments); empty uses the embedded defaults")
	prof := ef.String("profile", "observed", "behaviour profile: observed, strict, or a profile JSON file")
	ttl := ef.Duration("token-ttl", 120*24*time.Hour, "lifetime of new service-account tokens")
	signingKey := ef.Secret("signing-key", "RSA private key that signs tokens: a PEM file, or the PEM itself (-----BEGIN…); generated at start-up when empty")
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
	useTLS := ef.Bool("tls", false, "serve both listeners over HTTPS, with a CA and a server certificate the mock makes (kept in --state)")
	tlsCert := ef.Secret("tls-cert", "serve HTTPS with this certificate (chain) instead: a PEM file, or the PEM itself; implies --tls")
	tlsKey := ef.Secret("tls-key", "the private key of --tls-cert: a PEM file, or the PEM itself (-----BEGIN…)")
	tlsCAOut := ef.String("tls-ca-out", "", "where --tls writes its CA's certificate, for clients to trust; default DIR/tls-ca.pem with --state, else a temporary file (the path is printed)")
	maxDatasets := ef.Int("max-datasets", store.DefaultMaxDatasetsPerProject, "datasets one project may hold")
	seed := ef.Uint64("seed", 0, "non-zero: every generated id and the signing key are derived from this seed, for golden-file tests")
	startTime := ef.String("start-time", "", "RFC 3339 time (2026-01-01T00:00:00Z) the mock's clock starts frozen at, so that with --seed two runs of the same requests get the same answers; empty: the wall clock's time, or the fixtures' startTime")
	logLevel := ef.String("log-level", "info", "debug, info, warn or error")
	healthCheck := fs.String("health-check", "", "instead of serving, ask the mock at this base URL for /__mock/health and exit 0 if it answers 200 (for container health checks, where there is no curl)")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := ef.parse(args); err != nil {
		return err
	}
	if *showVersion {
		fmt.Fprintln(stdout, "mockdomino", version.String())
		return nil
	}
	if *healthCheck != "" {
		return checkHealth(*healthCheck, *useTLS || *tlsCert != "")
	}
	if err := errors.Join(ef.errs...); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %s (all settings are flags)", shownArgs(fs.Args()))
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
		{"max-datasets", int64(*maxDatasets)},

		{"max-metric-values", int64(*maxMetricValues)}} {
		if l.value < 1 {
			return fmt.Errorf("--%s %d: must be at least 1", l.flag, l.value)
		}
	}
	var start time.Time
	if *startTime != "" {
		t, err := time.Parse(time.RFC3339Nano, *startTime)
		if err != nil {
			return fmt.Errorf("--start-time %q: want an RFC 3339 time such as 2026-01-01T00:00:00Z", *startTime)
		}
		start = t
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
		SigningKey: *signingKey, ExternalURL: *externalURL, Logger: logger,
		Seed: *seed, StartTime: start, StateDir: *stateDir, JournalSize: sizeConfig(*journalSize), MaxFaultRules: sizeConfig(*maxFaultRules),
		MaxConnections: *maxConns, ReadTimeout: *readTimeout,
		TLS: *useTLS, TLSCert: *tlsCert, TLSKey: *tlsKey, TLSCAOut: *tlsCAOut,
		Limits: store.Limits{GitSecretBytes: *maxSecret, GitCredentialsPerUser: *maxCreds, TokensPerAccount: *maxTokens, JobsPerProject: *maxJobs,
			FileBytes: *maxFileBytes, FileMemoryBytes: *maxFileMemory, CommitsPerProject: *maxCommits,
			DatasetsPerProject: *maxDatasets, MetricValues: *maxMetricValues},
	})
	if err != nil {
		return err
	}
	if exposed := srv.Exposed(); len(exposed) > 0 {
		why := "anyone who reaches it can try credentials, and they travel unencrypted"
		if strings.HasPrefix(exposed[len(exposed)-1], "proxy ") {
			why = "the proxy needs no credentials, acts as the administrator and serves secrets"
		}
		where := "without TLS where other machines can reach it"
		if srv.TLS() {
			where = "where other machines can reach it"
		}
		fmt.Fprintf(stderr, "mockdomino: warning: listening %s (%s): %s; listen on 127.0.0.1 unless this is what you want\n",
			where, strings.Join(exposed, ", "), why)
	}
	// Before the listeners' lines: a script that waits for them has it.
	if ca := srv.TLSCAPath(); ca != "" {
		fmt.Fprintf(stdout, "tls ca certificate at %s\n", ca)
	}
	fmt.Fprintf(stdout, "api listening on %s\n", srv.APIURL())
	if srv.ProxyURL() != "" {
		fmt.Fprintf(stdout, "proxy listening on %s\n", srv.ProxyURL())
	}
	logger.Info("mockdomino ready", "version", version.String(), "profile", srv.Store().Profile().Name, "tokenTTL", srv.Store().TokenTTL().String())

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
