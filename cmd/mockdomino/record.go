package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mockdomino/mockdomino/internal/secret"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// recordUsage is the one line `mockdomino --help` gives the subcommand.
const recordUsage = "  mockdomino record --upstream URL --out FILE [--listen ADDR]: a recording proxy to a real Domino (mockdomino record --help)"

// exitError is an error with the exit status main gives it: 2 for what the
// command line asked that cannot be done, as flag's own errors.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// exitCode is the status main exits with for err.
func exitCode(err error) int {
	var e exitError
	if errors.As(err, &e) {
		return e.code
	}
	return 1
}

func usageErr(format string, args ...any) error {
	return exitError{2, fmt.Errorf(format, args...)}
}

// runRecord is `mockdomino record`: a proxy on --listen that forwards every
// request to --upstream (a real Domino) and writes each exchange to --out as
// a transcript (transcript.Proxy), until ctx ends (SIGINT, SIGTERM); then it
// lets the exchanges in flight finish (--shutdown-grace), cuts the rest,
// closes the transcript and returns nil. Start-up refusals are exitError 2.
func runRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mockdomino record", flag.ContinueOnError)
	fs.SetOutput(redactingWriter{stderr})
	upstreamFlag := fs.String("upstream", "", "base URL of the Domino to forward to, https://… (required)")
	listen := fs.String("listen", "127.0.0.1:8090", "address the proxy listens on, plain HTTP; port 0 picks a free port (printed)")
	out := fs.String("out", "", "the transcript to write, one exchange a line, secrets replaced by placeholders; created 0600, truncated if it exists (required)")
	insecure := fs.Bool("insecure-upstream", false, "allow an http:// upstream (a local mock, a test): its traffic, credentials included, is not encrypted. It never turns off certificate checks")
	caFile := fs.String("upstream-ca", "", "PEM file of CA certificates trusted for the upstream, besides this machine's (a private CA, or mockdomino --tls's tls-ca.pem)")
	grace := fs.Duration("shutdown-grace", 5*time.Second, "on SIGINT or SIGTERM, how long exchanges in flight may take to finish before they are cut")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: mockdomino record --upstream https://domino.example.com --out FILE [--listen ADDR]

A proxy that forwards every request to the upstream Domino as it is, streams
the answer back, and writes each exchange to FILE in the transcript format of
conformance --record, every credential replaced by a placeholder. Point a
client (python-domino, a script) at http://ADDR instead of the Domino.
Ctrl-C stops it and closes the transcript.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{2, errors.New(secret.Redact(err.Error()))}
	}
	if fs.NArg() > 0 {
		return usageErr("record: unexpected arguments %s (all settings are flags)", shownArgs(fs.Args()))
	}
	upstream, err := upstreamURL(*upstreamFlag, *insecure)
	if err != nil {
		return exitError{2, err}
	}
	if *out == "" {
		return usageErr("record: --out FILE is required: where to write the transcript")
	}
	if *grace < 0 {
		return usageErr("record: --shutdown-grace %s: must not be negative", *grace)
	}
	transport, err := upstreamTransport(*caFile)
	if err != nil {
		return exitError{2, err}
	}
	if err := checkUpstream(ctx, upstream, transport); err != nil {
		return exitError{2, err}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return usageErr("record: --listen %s: %w", *listen, err)
	}
	defer ln.Close()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err == nil {
		err = f.Chmod(0o600) // a file that was there keeps its mode otherwise
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		return usageErr("record: --out: %w", err)
	}
	defer f.Close()

	rec := transcript.NewRecorder(f)
	proxy := transcript.NewProxy(upstream, rec, transport)
	proxy.Log = stderr
	var flight inflight
	baseCtx, cut := context.WithCancel(context.Background())
	defer cut()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			flight.add()
			defer flight.done()
			proxy.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 30 * time.Second,
		// Cancelled to cut the exchanges still in flight after the grace:
		// their upstream requests end, and so do their handlers.
		BaseContext: func(net.Listener) context.Context { return baseCtx },
		ErrorLog:    log.New(redactingWriter{stderr}, "record: ", 0),
	}
	if !isLoopback(ln.Addr()) {
		fmt.Fprintf(stderr, "mockdomino: warning: record listening where other machines can reach it (%s), without TLS: the credentials its clients send travel unencrypted; listen on 127.0.0.1 unless this is what you want\n", ln.Addr())
	}
	fmt.Fprintf(stderr, "record: forwarding to %s, writing the transcript to %s\n", upstream.Redacted(), *out)
	fmt.Fprintf(stdout, "record listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-served:
	}
	fmt.Fprintf(stderr, "record: stopping: finishing the exchanges in flight (grace %s)\n", *grace)
	graceCtx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		cut()
		srv.Close()
		select {
		case <-flight.idle():
		case <-time.After(10 * time.Second): // a handler deaf to both: write what is there
			fmt.Fprintln(stderr, "record: some exchanges did not end; the transcript lacks them")
		}
	}
	err = rec.Err()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record: writing the transcript %s: %w", *out, err)
	}
	fmt.Fprintf(stderr, "record: wrote %d exchanges to %s\n", proxy.Exchanges(), *out)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("record: serving: %w", serveErr)
	}
	return nil
}

// upstreamURL checks --upstream: an https:// base URL (http:// only with
// --insecure-upstream), without credentials, query or fragment.
func upstreamURL(s string, insecure bool) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("record: --upstream URL is required: the base URL of the Domino to forward to, e.g. https://domino.example.com")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Scheme != "https" && u.Scheme != "http" {
		return nil, errors.New("record: --upstream: want a base URL such as https://domino.example.com")
	}
	if u.User != nil {
		return nil, errors.New("record: --upstream: the URL holds credentials (user:password@); leave them out: the client sends its own")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("record: --upstream %s: a base URL has no query or fragment", u.Redacted())
	}
	if u.Scheme == "http" && !insecure {
		return nil, fmt.Errorf("record: --upstream %s is not HTTPS: the API keys and tokens the client sends would cross the network unencrypted; use https://, or give --insecure-upstream for a local test upstream", u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// upstreamTransport is http.DefaultTransport's settings (proxy from the
// environment, HTTP/2), trusting caFile's certificates besides the system's.
func upstreamTransport(caFile string) (*http.Transport, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile == "" {
		return tr, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("record: --upstream-ca: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("record: --upstream-ca %s holds no PEM certificate", caFile)
	}
	tr.TLSClientConfig.RootCAs = pool
	return tr, nil
}

// checkUpstream asks the upstream for GET /version (not recorded), through
// the transport the proxy uses: any answer will do, a failure to connect,
// or to trust its certificate, is said now rather than at the first request.
func checkUpstream(ctx context.Context, u *url.URL, tr http.RoundTripper) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", u.String()+"/version", nil)
	if err != nil {
		return fmt.Errorf("record: --upstream %s: %w", u.Redacted(), err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		hint := ""
		var unknownCA x509.UnknownAuthorityError
		var invalid x509.CertificateInvalidError
		var hostname x509.HostnameError
		var notTLS tls.RecordHeaderError
		switch {
		case errors.As(err, &unknownCA):
			hint = "; if it uses a private CA, give its certificate with --upstream-ca FILE"
		case errors.As(err, &hostname), errors.As(err, &invalid):
			hint = "; its certificate does not fit it (a wrong name or an expired certificate): use the name it was issued for"
		case errors.As(err, &notTLS):
			hint = "; it serves plain HTTP: use http:// with --insecure-upstream if that is what you want"
		}
		return fmt.Errorf("record: the upstream %s is unreachable: %v%s", u.Redacted(), err, hint)
	}
	resp.Body.Close() // unread: an answer's headers are enough
	return nil
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// inflight counts the exchanges being served, so that shutdown can wait
// for their lines after cutting them.
type inflight struct {
	mu   sync.Mutex
	n    int
	zero chan struct{}
}

func (f *inflight) add() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		f.zero = make(chan struct{})
	}
	f.n++
}

func (f *inflight) done() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n--; f.n == 0 {
		close(f.zero)
	}
}

// idle is closed when no exchange is in flight.
func (f *inflight) idle() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return f.zero
}
