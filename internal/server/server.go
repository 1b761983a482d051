// Package server assembles a running mockdomino: it binds the API and proxy
// listeners, loads fixtures, profile and signing key, builds the store and
// serves. The binary and the in-process test helpers both use it.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mockdomino/mockdomino/fixtures"
	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/secret"
	"github.com/mockdomino/mockdomino/internal/signing"
	"github.com/mockdomino/mockdomino/internal/store"
)

// Config is everything a server is built from. The zero value plus Listen
// gives the embedded defaults.
type Config struct {
	Listen         string        // API host address; "127.0.0.1:0" picks a free port
	ProxyListen    string        // API proxy address; "" disables the proxy
	ProxyUser      string        // user the proxy acts as; default the fixtures' first administrator
	FixturesPath   string        // "" = embedded defaults
	Profile        string        // observed (default), strict, or a profile file
	TokenTTL       time.Duration // 0 = 120 days
	SigningKey     string        // a PEM file's path, or PEM content; "" = generate at start-up
	ExternalURL    string        // base of the tokens' iss; "" = derived from the API address
	Logger         *slog.Logger  // nil = discard
	Seed           uint64        // non-zero: deterministic ids and signing key, for golden files
	StartTime      time.Time     // non-zero: the clock starts frozen at this time (else at the fixtures' startTime, if any)
	StateDir       string        // "": in memory; else state (and the signing key) persist here
	JournalSize    int           // requests the journal keeps; 0 = api.DefaultJournalSize, negative = none
	Limits         store.Limits  // what one owner may store; zero fields take the defaults
	MaxFaultRules  int           // fault rules allowed at once; 0 = api.DefaultMaxFaultRules, negative = none
	MaxConnections int           // connections served at once on each listener; 0 = DefaultMaxConnections
	ReadTimeout    time.Duration // how long a request may take to arrive, body included; 0 = DefaultReadTimeout
	WriteTimeout   time.Duration // how long its answer may then take; 0 = DefaultWriteTimeout
	TLS            bool          // serve both listeners over TLS, with a CA and certificate the mock makes (tls.go)
	TLSCert        string        // instead, this certificate (chain): a PEM file's path or PEM content; implies TLS
	TLSKey         string        // and its key, the same way
	TLSCAOut       string        // where to write the made CA's certificate; "" = the state directory, else a temporary one
}

// Defaults of Config's timeouts.
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 30 * time.Second
)

// DefaultMaxConnections bounds the connections each listener serves at
// once, and with MaxHeaderBytes the memory that clients sending headers
// (before any authentication) can take.
const DefaultMaxConnections = 512

// MaxHeaderBytes bounds a request's line and headers (431 beyond).
const MaxHeaderBytes = 64 << 10

// Server is a running mock.
type Server struct {
	store     *store.Store
	journal   *api.Journal // for in-process callers (dominotest)
	faults    *api.Faults
	api       *http.Server
	proxy     *http.Server
	apiAddr   net.Addr
	proxyAddr net.Addr
	apiURL    string
	proxyURL  string
	errc      chan error
	logger    *slog.Logger
	inflight  inflight
	// cancel ends every request's context when Shutdown gives up waiting,
	// so that fault delays end with their connections.
	cancel context.CancelFunc
	tls    *tlsSetup // nil without TLS
}

// Start builds the mock and serves it in the background.
func Start(cfg Config) (_ *Server, err error) {
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	fx, err := fixtures.Load(cfg.FixturesPath)
	if err != nil {
		return nil, err
	}
	prof, err := profile.Load(cfg.Profile)
	if err != nil {
		return nil, err
	}
	// A state directory that holds a state keeps its clock, as it keeps
	// everything else the fixtures would give.
	var clock *store.Clock // nil: the wall clock's time
	if startTime, from := cfg.StartTime, "start time"; !startTime.IsZero() || fx.StartTime != nil {
		if startTime.IsZero() {
			startTime, from = *fx.StartTime, "the fixtures' startTime"
		}
		if clock, err = store.StoppedClock(startTime); err != nil {
			return nil, fmt.Errorf("%s: %v", from, err)
		}
	}
	if cfg.MaxConnections < 0 {
		return nil, fmt.Errorf("max connections %d must be positive", cfg.MaxConnections)
	}
	if cfg.TokenTTL < 0 {
		return nil, fmt.Errorf("token TTL %s must be positive", cfg.TokenTTL)
	}
	proxyUser := cfg.ProxyUser
	if proxyUser == "" {
		proxyUser = fx.FirstAdmin()
	}
	if cfg.ProxyListen != "" {
		if proxyUser == "" {
			return nil, fmt.Errorf("the fixtures have no administrator (role SysAdmin) for the proxy to act as: add one, or name a user with --proxy-user")
		}
		if !hasUser(fx, proxyUser) {
			return nil, fmt.Errorf("proxy user %q is not a user in the fixtures", proxyUser)
		}
	}
	// The state directory is locked before anything in it is read or
	// written: a mock refused it must leave it as the running one keeps it.
	var dir *store.Dir
	if cfg.StateDir != "" {
		if dir, err = store.LockDir(cfg.StateDir); err != nil {
			return nil, err
		}
		defer func() {
			if dir != nil { // not handed to the store: start-up failed
				dir.Close()
			}
		}()
	}
	keys, newKey, err := loadKeys(cfg, dir)
	if err != nil {
		return nil, err
	}
	var ts *tlsSetup
	if cfg.TLS || cfg.TLSCert != "" || cfg.TLSKey != "" {
		if ts, err = prepareTLS(cfg, dir); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil { // start-up failed
				ts.cleanup()
			}
		}()
	} else if cfg.TLSCAOut != "" {
		return nil, errors.New("--tls-ca-out is for --tls")
	}

	apiLn, err := net.Listen("tcp", orDefault(cfg.Listen, "127.0.0.1:8080"))
	if err != nil {
		return nil, fmt.Errorf("api listener: %w", err)
	}
	var proxyLn net.Listener
	if cfg.ProxyListen != "" {
		if proxyLn, err = net.Listen("tcp", cfg.ProxyListen); err != nil {
			apiLn.Close()
			return nil, fmt.Errorf("proxy listener: %w", err)
		}
	}
	s := &Server{apiAddr: apiLn.Addr(), apiURL: urlOf(apiLn.Addr(), ts != nil), errc: make(chan error, 2), logger: logger, tls: ts}
	external := cfg.ExternalURL
	if external == "" {
		external = s.apiURL
	}
	ids := store.RandomIDs()
	if cfg.Seed != 0 {
		ids = store.SeededIDs(cfg.Seed)
	}
	storeCfg := store.Config{
		Fixtures: fx, Profile: prof, Keys: keys, ExternalURL: external,
		TokenTTL: cfg.TokenTTL, IDs: ids, Limits: cfg.Limits,
	}
	storeCfg.Clock = clock
	if cfg.ProxyListen != "" {
		storeCfg.ProxyUser = proxyUser
	}
	if dir != nil {
		// A new key is kept only once the state has loaded with it: a
		// start that fails writes no key.
		if s.store, err = store.OpenDir(storeCfg, dir); err == nil && newKey {
			if err = dir.WriteFile(keyFile, keys.PEM()); err != nil {
				s.store.Close()
				err = fmt.Errorf("saving the signing key: %w", err)
			}
		}
		if err == nil && ts != nil {
			if err = ts.finish(dir); err != nil {
				s.store.Close()
			}
		}
		if err != nil {
			apiLn.Close()
			if proxyLn != nil {
				proxyLn.Close()
			}
			return nil, err
		}
		dir = nil // the store's now
	} else {
		s.store = store.New(storeCfg)
		if ts != nil {
			if err = ts.finish(nil); err != nil {
				apiLn.Close()
				if proxyLn != nil {
					proxyLn.Close()
				}
				return nil, err
			}
		}
	}
	// A state directory may hold a state the proxy's user cannot act in
	// (one written before imports were checked, or with another
	// --proxy-user). The mock starts anyway: the proxy's control routes
	// need no user, so a reset or an import repairs it without deleting
	// the directory.
	if err := s.store.ProxyUserProblem(); err != nil {
		logger.Warn("the API proxy cannot act as its user in the loaded state, so through the proxy only the /__mock/ routes answer without credentials: POST /__mock/reset or PUT /__mock/state repairs it",
			"problem", err.Error(), "state", cfg.StateDir)
	}
	journalSize := cfg.JournalSize
	if journalSize == 0 {
		journalSize = api.DefaultJournalSize
	}
	faults := api.NewFaults(cfg.Seed)
	if cfg.MaxFaultRules != 0 {
		faults.SetMaxRules(cfg.MaxFaultRules)
	}
	opts := api.Options{Store: s.store, Logger: logger, ProxyUser: proxyUser,
		Journal: api.NewJournal(journalSize), Faults: faults,
		ReadTimeout: orDefault(cfg.ReadTimeout, DefaultReadTimeout), WriteTimeout: orDefault(cfg.WriteTimeout, DefaultWriteTimeout)}
	if cfg.Seed != 0 {
		opts.RequestIDs = store.SeededRequestIDs(cfg.Seed)
	}
	s.journal, s.faults = opts.Journal, opts.Faults
	maxConns := cfg.MaxConnections
	if maxConns == 0 {
		maxConns = DefaultMaxConnections
	}
	base, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.api = s.newHTTPServer(base, api.New(opts, api.APIHost), opts)
	apiIdle := newIdleConns()
	s.api.ConnState = apiIdle.track
	go s.serve(s.api, s.wrap(apiLn, maxConns, apiIdle))
	if proxyLn != nil {
		s.proxyAddr, s.proxyURL = proxyLn.Addr(), urlOf(proxyLn.Addr(), ts != nil)
		s.proxy = s.newHTTPServer(base, api.New(opts, api.Proxy), opts)
		proxyIdle := newIdleConns()
		s.proxy.ConnState = proxyIdle.track
		go s.serve(s.proxy, s.wrap(proxyLn, maxConns, proxyIdle))
	}
	return s, nil
}

// wrap is what a listener's connections go through: the connection limit
// on the plain connection, then TLS, then the shaping of net/http's own
// answers, which must see them before they are encrypted.
func (s *Server) wrap(ln net.Listener, maxConns int, idle *idleConns) net.Listener {
	var l net.Listener = newLimitListener(ln, maxConns, idle)
	if s.tls != nil {
		l = tlsListener{l, s.tls.config}
	}
	return api.WrapListener(l)
}

// newHTTPServer sets timeouts so that slow or stuck clients cannot hold the
// server. A request has ReadTimeout to arrive, body included, and its
// answer WriteTimeout more: a body that stops short is answered 400 when
// the read times out, rather than cut off with the write. (A fault's
// delay pushes both back: api.FaultRule.apply.)
func (s *Server) newHTTPServer(base context.Context, h http.Handler, o api.Options) *http.Server {
	return &http.Server{
		Handler:           s.inflight.track(h),
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: min(10*time.Second, o.ReadTimeout),
		ReadTimeout:       o.ReadTimeout,
		WriteTimeout:      o.ReadTimeout + o.WriteTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelDebug),
		// Requests net/http would answer itself in plain text reach the
		// router, or are answered in the route's error shape (api.WrapListener).
		ConnContext:                  api.ConnContext,
		DisableGeneralOptionsHandler: true,
	}
}

func (s *Server) serve(hs *http.Server, ln net.Listener) {
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		s.errc <- err
	}
}

// Err delivers an error if a listener stops serving unexpectedly.
func (s *Server) Err() <-chan error { return s.errc }

// APIURL is the API host's base URL, e.g. http://127.0.0.1:8080
// (https with TLS).
func (s *Server) APIURL() string { return s.apiURL }

// TLSCAPath is where the certificate of the CA the mock made for TLS is,
// or "" (no TLS, or the user's own certificate).
func (s *Server) TLSCAPath() string {
	if s.tls == nil {
		return ""
	}
	return s.tls.caOut
}

// TLS says whether the listeners serve TLS.
func (s *Server) TLS() bool { return s.tls != nil }

// ProxyURL is the API proxy's base URL, or "" when disabled.
func (s *Server) ProxyURL() string { return s.proxyURL }

// Exposed names the listeners bound beyond the loopback interface that
// are a risk there, as "api 0.0.0.0:8080": the API host when it does not
// encrypt (no TLS), and the proxy, which needs no credentials, always.
func (s *Server) Exposed() []string {
	var out []string
	for _, l := range []struct {
		name string
		addr net.Addr
	}{{"api", s.apiAddr}, {"proxy", s.proxyAddr}} {
		if l.name == "api" && s.tls != nil {
			continue
		}
		if tcp, ok := l.addr.(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
			out = append(out, l.name+" "+tcp.String())
		}
	}
	return out
}

// Store gives in-process callers direct access to the state.
func (s *Server) Store() *store.Store { return s.store }

// Journal is the record of requests that GET /__mock/journal reads.
func (s *Server) Journal() *api.Journal { return s.journal }

// Faults are the rules that /__mock/faults manages.
func (s *Server) Faults() *api.Faults { return s.faults }

// Shutdown stops accepting connections and waits for in-flight requests
// until ctx is done (the grace period); then it closes the connections
// still open, whose requests end unanswered. Once every handler has
// returned it releases the state directory. Giving up waiting is not an
// error: only failing to release the state is.
func (s *Server) Shutdown(ctx context.Context) error {
	servers := []*http.Server{s.api}
	if s.proxy != nil {
		servers = append(servers, s.proxy)
	}
	var wg sync.WaitGroup
	var expired atomic.Bool
	for _, hs := range servers {
		wg.Go(func() {
			if hs.Shutdown(ctx) != nil {
				expired.Store(true)
			}
		})
	}
	wg.Wait()
	if expired.Load() {
		s.logger.Info("shutdown grace period over: closing the connections still open")
		s.cancel()
		for _, hs := range servers {
			hs.Close()
		}
	}
	s.inflight.closeAndWait()
	s.cancel()
	s.tls.cleanup()
	return s.store.Close()
}

// inflight counts the handlers running, so that the state is released only
// after the last one (http.Server.Close does not wait for them).
type inflight struct {
	mu      sync.Mutex
	closing bool
	wg      sync.WaitGroup
}

func (f *inflight) track(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		if f.closing {
			f.mu.Unlock()
			panic(http.ErrAbortHandler) // shutting down: drop the connection
		}
		f.wg.Add(1)
		f.mu.Unlock()
		defer f.wg.Done()
		h.ServeHTTP(w, r)
	})
}

func (f *inflight) closeAndWait() {
	f.mu.Lock()
	f.closing = true
	f.mu.Unlock()
	f.wg.Wait()
}

// keyFile is where --state keeps the signing key, so tokens verify after a restart.
const keyFile = "signing-key.pem"

// loadKeys returns the signing key: --signing-key's, the state directory's,
// or a new one (seeded with --seed); fresh says it is new and, with a state
// directory, still to be saved there.
func loadKeys(cfg Config, dir *store.Dir) (keys *signing.Keys, fresh bool, err error) {
	if cfg.SigningKey != "" {
		data, name, err := secret.ReadPEM(cfg.SigningKey, "the signing key (--signing-key)")
		if err != nil {
			return nil, false, err
		}
		keys, err = signing.ParsePEM(data, name)
		return keys, false, err
	}
	if dir != nil {
		data, err := dir.ReadFile(keyFile)
		if err == nil {
			keys, err = signing.ParsePEM(data, filepath.Join(dir.Path(), keyFile))
			return keys, false, err
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, false, fmt.Errorf("reading the signing key: %w", err)
		}
	}
	switch {
	case cfg.Seed != 0:
		keys, err = signing.GenerateFrom(store.SeededReader(cfg.Seed, 1))
	case dir == nil:
		// Nothing to save: let start-up finish while the key is made.
		return signing.GenerateAsync(), true, nil
	default:
		keys, err = signing.Generate()
	}
	return keys, true, err
}

// Close shuts down, waiting at most 5 seconds for in-flight requests.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Shutdown(ctx)
}

func hasUser(fx *fixtures.Set, name string) bool {
	for _, u := range fx.Users {
		if strings.EqualFold(u.UserName, name) {
			return true
		}
	}
	return false
}

func orDefault[T comparable](v, d T) T {
	var zero T
	if v == zero {
		return d
	}
	return v
}

func urlOf(a net.Addr, tls bool) string {
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return scheme + a.String()
	}
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return scheme + net.JoinHostPort(host, fmt.Sprint(tcp.Port))
}
