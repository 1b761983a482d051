// Package api is mockdomino's HTTP layer: the route table, authentication,
// request decoding, and the one place that turns errors into Domino's two
// error body shapes. Handlers decode, call the store, and return a value.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/mockdomino/mockdomino/internal/store"
)

// MaxBodyBytes is the largest request body accepted (413 beyond).
const MaxBodyBytes = 1 << 20

// Listener says which of Domino's two ways in a handler serves.
type Listener int

const (
	// APIHost requires credentials on every request (DOMINO_API_HOST).
	APIHost Listener = iota
	// Proxy acts as a configured user when a request brings no credentials
	// (DOMINO_API_PROXY).
	Proxy
)

// Options configure the HTTP layer.
type Options struct {
	Store     *store.Store
	Logger    *slog.Logger
	ProxyUser string   // the user the proxy acts as
	Journal   *Journal // shared by both listeners; nil keeps no journal
	Faults    *Faults  // shared by both listeners; nil injects none
	// The http.Server's timeouts: a request has ReadTimeout to arrive and
	// its answer WriteTimeout more. A fault's delay pushes both back.
	ReadTimeout, WriteTimeout time.Duration
	// RequestIDs draws the request ids (X-Request-Id, the public API's
	// requestId); nil draws random ones.
	RequestIDs *store.IDs
}

// auth says what a route needs from the caller.
type auth int

const (
	authUser    auth = iota // any authenticated caller
	authNone                // no credentials needed
	authControl             // the mock's control plane: admin on the API host, anyone on the proxy
)

// request is what a handler gets.
type request struct {
	*http.Request
	caller    store.Caller
	requestID string
	listener  Listener
	st        *store.Store
	journal   *Journal
	faults    *Faults
	bodyLimit int64        // the largest body the route accepts
	takesBody bool         // the route reads a JSON body (route.body)
	tracked   *trackedBody // the request's body, nil for none
	refused   bool         // refused before its body may be read
	// observed500: answered with a 500 Domino was observed to answer, which
	// is no failure of the mock's (logged at debug level).
	observed500 bool
	fileBody    bool // the body is a file's bytes (route.fileBody)
	w           http.ResponseWriter
	refusal     string // why it was answered 401 or 403 (writeError), for the journal and the debug log

	readTimeout, writeTimeout time.Duration // Options'
}

func (q *request) vars(name string) string { return mux.Vars(q.Request)[name] }

// handler returns the status and value to write, or an error.
type handler func(q *request) (int, any, error)

// route is one row of the route table.
type route struct {
	method, path string
	auth         auth
	h            handler
	proxyOnly    bool
	summary      string // for the OpenAPI document
	body         bool   // the handler reads a JSON body (decode); others' bodies are read and ignored
	maxBody      int64  // the largest body accepted; 0 is MaxBodyBytes
	fileBody     bool   // the body is a file's bytes, streamed to the store and never journaled (files.go)
	// allowed asks the store whether the caller may use the route at all,
	// before any of a body is read: for the routes whose permission does
	// not depend on what the body says.
	allowed func(q *request) error
}

// The permissions routes ask before their bodies are read; each is the
// store's own rule.
func adminOnly(q *request) error { return store.RequireAdmin(q.caller) }

func managesProject(q *request) error { return q.st.MayManageProject(q.caller, q.vars("projectId")) }

func managesCredentials(q *request) error {
	return q.st.MayManageCredentials(q.caller, q.vars("userId"))
}

func mapsCredential(q *request) error {
	return q.st.MayMapCredential(q.caller, q.vars("projectId"), q.vars("repoId"))
}

// text is a response body written as text/plain rather than JSON.
type text string

// Request ids are UUIDs from a buffered pool of crypto/rand bytes rather
// than one read of the system's randomness per request. It is switched on in
// init because the switch is not safe while ids are being made.
func init() { uuid.EnableRandPool() }

// New returns the handler for one listener.
func New(o Options, l Listener) http.Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ProxyUser == "" {
		o.ProxyUser = "admin"
	}
	if o.Journal == nil {
		o.Journal = NewJournal(0)
	}
	if o.Faults == nil {
		o.Faults = NewFaults(0)
	}
	s := &server{o: o, listener: l}
	notFound := s.wrap(route{auth: authNone, h: func(q *request) (int, any, error) {
		return 0, nil, &httpError{status: http.StatusNotFound, msg: fmt.Sprintf("No route for %s %s", q.Method, clipPath(q.URL.Path))}
	}})
	methodNotAllowed := s.wrap(route{auth: authNone, h: func(q *request) (int, any, error) {
		return 0, nil, &httpError{status: http.StatusMethodNotAllowed, msg: fmt.Sprintf("Method %s is not allowed on %s", q.Method, clipPath(q.URL.Path))}
	}})
	var served []route
	for _, rt := range routes() {
		if !rt.proxyOnly || l == Proxy {
			served = append(served, rt)
		}
	}
	return newRouter(served, s.wrap, notFound, methodNotAllowed)
}

// newRouter routes to handle(rt) for each route, as one gorilla/mux router
// holding them all in this order would. Routes whose first two path
// segments are not both literal (/{owner}/{project}/collaborators) must come
// after every route a request could also match: they are tried only once
// the request's group has no route for it.
func newRouter(rts []route, handle func(route) http.Handler, notFound, methodNotAllowed http.Handler) *router {
	rr := &router{groups: map[string]*mux.Router{}, notFound: notFound, methodNotAllowed: methodNotAllowed}
	// A group that has no route for a request hands it to the routes that
	// no group holds.
	groupNotFound := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rr.tryRest(w, r, false) })
	groupNotAllowed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rr.tryRest(w, r, true) })
	for _, rt := range rts {
		k := routeKey(rt.path)
		if strings.Contains(k, "{") {
			if rr.rest == nil {
				rr.rest = mux.NewRouter()
				rr.rest.SkipClean(true)
			}
			rr.rest.Handle(rt.path, handle(rt)).Methods(rt.method)
			continue
		}
		g := rr.groups[k]
		if g == nil {
			g = mux.NewRouter()
			g.SkipClean(true) // never redirect: an odd path is a 404, as the API would answer
			g.NotFoundHandler, g.MethodNotAllowedHandler = groupNotFound, groupNotAllowed
			rr.groups[k] = g
			rr.keys = append(rr.keys, k)
		}
		g.Handle(rt.path, handle(rt)).Methods(rt.method)
	}
	return rr
}

// router sends a request to the gorilla/mux router holding the routes that
// share its first two path segments. gorilla/mux tries its routes one by one
// with a regexp each, which cost the project route (the 19th) four
// microseconds; a group holds at most a dozen.
type router struct {
	groups map[string]*mux.Router
	keys   []string // the groups in route-table order, for walk
	// rest holds the routes with a variable in their first two segments,
	// which no group can hold; nil if there are none.
	rest                       *mux.Router
	notFound, methodNotAllowed http.Handler
}

func (rr *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reachedRouter(r)
	if r.Method == http.MethodHead {
		// HEAD is answered exactly as GET would be, status, headers and
		// Content-Length included; net/http sends no body. Only the journal
		// and the log say HEAD.
		r = r.WithContext(context.WithValue(r.Context(), headRequest{}, true))
		r.Method = http.MethodGet
	}
	if g, ok := rr.groups[routeKey(r.URL.Path)]; ok {
		g.ServeHTTP(w, r)
		return
	}
	rr.tryRest(w, r, false)
}

// tryRest serves a request no group has a route for: by a route of rest,
// else 405 if some route has its path (mismatch: a group's has), else 404.
func (rr *router) tryRest(w http.ResponseWriter, r *http.Request, mismatch bool) {
	if rr.rest != nil {
		var m mux.RouteMatch
		if rr.rest.Match(r, &m) {
			rr.rest.ServeHTTP(w, r)
			return
		}
		mismatch = mismatch || m.MatchErr == mux.ErrMethodMismatch
	}
	if mismatch {
		rr.methodNotAllowed.ServeHTTP(w, r)
		return
	}
	rr.notFound.ServeHTTP(w, r)
}

// headRequest marks, in its context, a HEAD request being served as GET.
type headRequest struct{}

// clientMethod is the method the client sent.
func clientMethod(r *http.Request) string {
	if r.Method == http.MethodGet && r.Context().Value(headRequest{}) != nil {
		return http.MethodHead
	}
	return r.Method
}

// walk visits every registered route, those of rest last.
func (rr *router) walk(fn mux.WalkFunc) error {
	for _, k := range rr.keys {
		if err := rr.groups[k].Walk(fn); err != nil {
			return err
		}
	}
	if rr.rest != nil {
		return rr.rest.Walk(fn)
	}
	return nil
}

// routeKey is a path's first two segments ("v4/projects"), or its first if it
// has one. A route whose first two segments are literal can only match
// requests with its own key: a route's {variable} never spans a "/".
func routeKey(path string) string {
	p := strings.TrimPrefix(path, "/")
	first := strings.IndexByte(p, '/')
	if first < 0 {
		return p
	}
	if second := strings.IndexByte(p[first+1:], '/'); second >= 0 {
		return p[:first+1+second]
	}
	return p
}

type server struct {
	o        Options
	listener Listener
}

// httpError is an HTTP-level error (route, method, body) with no domain kind.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func (s *server) newRequestID() string {
	if s.o.RequestIDs != nil {
		return s.o.RequestIDs.UUID()
	}
	return uuid.NewString()
}

// wrap adapts a handler: request id, authentication, writing, logging.
func (s *server) wrap(rt route) http.Handler {
	ids := objectIDVars(rt.path)
	pattern := specPath(rt.path) // as openapi.json, fault rules and the journal name the route
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		q := &request{Request: r, requestID: s.newRequestID(), listener: s.listener, st: s.o.Store,
			journal: s.o.Journal, faults: s.o.Faults, readTimeout: s.o.ReadTimeout, writeTimeout: s.o.WriteTimeout,
			fileBody: rt.fileBody, w: w}
		w.Header().Set("X-Request-Id", q.requestID)
		var body *trackedBody
		if r.Body != nil && r.Body != http.NoBody {
			body = &trackedBody{ReadCloser: r.Body}
			r.Body = body
		}
		q.tracked = body
		q.bodyLimit = rt.maxBody
		switch q.bodyLimit {
		case 0:
			q.bodyLimit = MaxBodyBytes
		case maxBodyFiles:
			q.bodyLimit = s.o.Store.Limits().FileBytes
		}
		// Nothing of a body is read before the caller is known to be allowed
		// the route. A body declared over the limit is refused first, on
		// every route and whoever sends it, as the API's front proxy does.
		var refused error
		if r.ContentLength > q.bodyLimit {
			refused = &http.MaxBytesError{Limit: q.bodyLimit}
		} else if refused = checkObjectIDs(q, ids); refused != nil {
			// A malformed id in the path: Domino's path binding refuses it
			// before the action looks at credentials.
		} else if refused = s.authenticate(q, rt.auth); refused == nil && rt.allowed != nil {
			refused = rt.allowed(q)
		}
		if refused == nil && r.Body != nil {
			// One of undeclared length (chunked) is refused once it passes
			// the limit; handlers stream it (decode), never holding more.
			r.Body = http.MaxBytesReader(w, r.Body, q.bodyLimit)
		}
		q.refused = refused != nil
		journaled := !strings.HasPrefix(r.URL.Path, "/__mock/")
		var rec *bodyRecorder
		if journaled && r.Body != nil && !rt.fileBody { // a file's bytes are not the journal's
			rec = &bodyRecorder{ReadCloser: r.Body}
			r.Body = rec
		}
		var status int
		var answer any
		fault, faulted := s.o.Faults.take(q, pattern)
		handled, err := false, error(nil)
		injected := false // the answer is the fault's
		if faulted {
			handled, err = fault.apply(w, q)
			injected = err != nil
		}
		switch {
		case handled:
		case err == nil && refused != nil:
			err = refused
		case err == nil:
			status, answer, err = s.serve(q, rt)
		}
		if !handled {
			if body != nil && !body.done {
				// Answered with the body unread: net/http would read up to
				// 256 KiB of it before answering (and wait for a client
				// that stopped short); closing the connection after the
				// answer needs neither.
				w.Header().Set("Connection", "close")
			}
			if err != nil {
				status = s.writeError(w, q, err)
				if injected && q.refusal != "" {
					q.refusal = "answered by fault rule " + fault.ID
				}
			} else {
				writeBody(w, status, answer)
			}
			if faulted && fault.Do.Delay > 0 && q.Context().Err() != nil {
				// The client went away during the delay (net/http saw its
				// connection close), or the server closed it: the journal
				// says what the client got, nothing.
				status = 0
			}
		}
		if journaled {
			if rec != nil && !handled && body != nil && !body.done && r.Header.Get("Expect") == "" {
				// A request refused before its body was read still shows
				// what was sent: the first bytes that have come within a
				// second (the connection closes after this answer, so its
				// deadline may change). A client waiting for 100 Continue
				// has sent none.
				http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Second))
				io.CopyN(io.Discard, rec, journalBodyBytes)
			}
			e := JournalEntry{
				Time: start.UTC(), Listener: s.listenerName(), Method: clientMethod(r), Path: clipPath(r.URL.Path),
				Query: clipPath(r.URL.RawQuery), Route: pattern, Auth: authKind(r, s.listener), Caller: q.caller.UserName,
				Status: status, DurationMs: float64(time.Since(start).Microseconds()) / 1000, RequestID: q.requestID,
			}
			e.Body, e.BodyText = rec.redactedBody()
			if rt.fileBody && r.Body != nil && r.Body != http.NoBody {
				e.BodyText = "(a file's content: not kept)"
			}
			if faulted {
				e.Fault = fault.ID
			}
			e.Refusal = q.refusal
			s.o.Journal.add(e)
		}
		level := slog.LevelDebug
		if status >= 500 && !q.observed500 && s.o.Store.Profile().DuplicateStatus != status && s.o.Store.Profile().PublicDuplicateStatus != status {
			level = slog.LevelError
		}
		// Never log headers or bodies: they carry tokens, keys and git secrets.
		// (Enabled first: building the arguments costs more than the request's auth.)
		if s.o.Logger.Enabled(r.Context(), level) {
			args := []any{"method", clientMethod(r), "path", clipPath(r.URL.Path), "status", status,
				"caller", q.caller.UserName, "duration", time.Since(start), "requestId", q.requestID}
			if q.refusal != "" {
				args = append(args, "refusal", q.refusal) // which check refused it; never the credential
			}
			s.o.Logger.Log(r.Context(), level, "request", args...)
		}
	})
}

// trackedBody notes whether a request's body was read to its end.
type trackedBody struct {
	io.ReadCloser
	started, done bool
}

func (b *trackedBody) Read(p []byte) (int, error) {
	b.started = true
	n, err := b.ReadCloser.Read(p)
	b.done = b.done || err == io.EOF
	return n, err
}

// drainBody reads what is left of the request's body, for routes that
// take none and after a handler's error: a body over the route's limit is
// refused (413) whatever else is wrong with the request, even when its
// size is known only by reading it.
func drainBody(q *request) error {
	if q.Body == nil || q.Body == http.NoBody {
		return nil
	}
	_, err := io.Copy(io.Discard, q.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case err != nil:
		return badRequest("request body could not be read")
	}
	return nil
}

func (s *server) serve(q *request, rt route) (status int, body any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.o.Logger.Error("handler panic", "path", clipPath(q.URL.Path), "panic", fmt.Sprint(p))
			status, body, err = 0, nil, &httpError{status: http.StatusInternalServerError, msg: "internal error in mockdomino (please report it)"}
		}
	}()
	if !rt.body {
		if err := drainBody(q); err != nil {
			return 0, nil, err
		}
		return rt.h(q)
	}
	q.takesBody = true
	status, body, err = rt.h(q)
	// A body the handler began to read and refused is read to its end: one
	// over the limit is a 413 whatever else is wrong with it. One it refused
	// before reading (the caller may not do that) is left unread, and the
	// connection closed after the answer. A file of up to --max-file-bytes
	// is not read to be thrown away: the refused upload's connection is
	// closed instead (wrap).
	if err != nil && !rt.fileBody && q.tracked != nil && q.tracked.started {
		var mbe *http.MaxBytesError
		if derr := drainBody(q); errors.As(derr, &mbe) {
			err = derr
		}
	}
	return status, body, err
}

func (s *server) listenerName() string {
	if s.listener == Proxy {
		return "proxy"
	}
	return "api"
}

// authKind names how a request authenticated, never with the credential.
func authKind(r *http.Request, l Listener) string {
	switch {
	case r.Header.Get("Authorization") != "":
		return "bearer"
	case r.Header.Get("X-Domino-Api-Key") != "":
		return "api-key"
	case l == Proxy:
		return "proxy"
	}
	return "none"
}

// authenticate sets q.caller as the route requires.
func (s *server) authenticate(q *request, need auth) error {
	if need == authNone {
		return nil
	}
	authz := q.Header.Get("Authorization")
	key := q.Header.Get("X-Domino-Api-Key")
	var err error
	switch {
	case authz != "":
		scheme, raw, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
			return store.Unauthenticated("the Authorization header is not a bearer token (Bearer <token>)")
		}
		q.caller, err = s.o.Store.AuthenticateBearer(strings.TrimSpace(raw))
	case key != "":
		q.caller, err = s.o.Store.AuthenticateAPIKey(key)
	case s.listener == Proxy:
		// The proxy adds its user's credentials to requests that bring none
		// (a request with its own credentials is authenticated with them: inferred).
		q.caller, err = s.o.Store.ProxyCaller(s.o.ProxyUser)
		// The control routes need no user here: they are how a state the
		// proxy's user is missing from gets repaired.
		if err != nil && need != authControl {
			return store.Unauthenticated("the proxy's user %q cannot be acted as: %s", s.o.ProxyUser, err.Error())
		}
		return nil
	default:
		return store.Unauthenticated("no credentials: neither an Authorization header nor an X-Domino-Api-Key")
	}
	if err != nil {
		return err
	}
	if need == authControl && s.listener == APIHost && !q.caller.IsAdmin {
		return &store.Error{Kind: store.KindForbidden, Message: "Forbidden: the mock's control routes need an administrator on the API host"}
	}
	return nil
}

// writeError is the one place errors become statuses and bodies.
func (s *server) writeError(w http.ResponseWriter, q *request, err error) int {
	status, msg := s.statusOf(q, err)
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="DominoRealm"`)
	}
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		q.refusal = refusalOf(err, msg)
	}
	writeBody(w, status, errorBody(q.URL.Path, status, q.requestID, msg))
	return status
}

// refusalOf says why a request was refused 401 or 403, for the journal
// and the debug log: the store's reason (a 401 answers only the generic
// message), else what the caller was answered.
func refusalOf(err error, answered string) string {
	var se *store.Error
	if errors.As(err, &se) && se.Reason != "" {
		return se.Reason
	}
	return strings.TrimPrefix(answered, "Forbidden: ")
}

// errorBody is an error in the shape of the route's family:
//   - /v4 and the other legacy routes: {"message","success":false} (observed);
//   - the public API (/api/...), as its 6.2 spec gives them: 400, 404 and
//     500 as {"error"}; 401, 403, 413, 422 and 429 as
//     {"requestId","errors":[...]}. The spec declares no other status; they
//     take the second shape, the public API's failure envelope (inferred).
func errorBody(path string, status int, requestID, msg string) any {
	if !isPublicAPI(path) {
		return legacyError{Message: msg}
	}
	switch status {
	case http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError:
		return publicError{Error: msg}
	}
	return failureEnvelope{RequestID: requestID, Errors: []string{msg}}
}

func isPublicAPI(path string) bool { return strings.HasPrefix(path, "/api/") }

type legacyError struct {
	Message string `json:"message"`
	Success bool   `json:"success"`
}

type publicError struct {
	Error string `json:"error"`
}

type failureEnvelope struct {
	RequestID string   `json:"requestId"`
	Errors    []string `json:"errors"`
}

func (s *server) statusOf(q *request, err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)
	}
	var re *store.ReadError
	if errors.As(err, &re) {
		return http.StatusBadRequest, "request body could not be read"
	}
	var se *store.Error
	if errors.As(err, &se) {
		switch se.Kind {
		case store.KindInvalid:
			return http.StatusBadRequest, se.Message
		case store.KindUnauthenticated:
			return http.StatusUnauthorized, store.ErrUnauthenticated.Message
		case store.KindForbidden:
			return http.StatusForbidden, se.Message
		case store.KindNotFound:
			return http.StatusNotFound, se.Message
		case store.KindDuplicate:
			if isPublicAPI(q.URL.Path) {
				return s.o.Store.Profile().PublicDuplicateStatus, se.Message
			}
			return s.o.Store.Profile().DuplicateStatus, se.Message
		case store.KindUnavailable:
			return http.StatusServiceUnavailable, se.Message
		case store.KindServerError:
			q.observed500 = true
			return http.StatusInternalServerError, se.Message
		case store.KindTooLarge:
			return http.StatusRequestEntityTooLarge, se.Message
		}
	}
	s.o.Logger.Error("unexpected error", "error", err.Error())
	return http.StatusInternalServerError, "internal error in mockdomino (please report it)"
}

// streamedAnswer writes itself as it reads what it sends: a file
// (files.go), an archive (datasets.go).
type streamedAnswer interface {
	write(w http.ResponseWriter, status int)
}

// noContent is a success with no body: the public API's actions whose spec
// declares none (activate, invalidate, delete...).
type noContent struct{}

func writeBody(w http.ResponseWriter, status int, body any) {
	if a, ok := body.(streamedAnswer); ok {
		a.write(w, status)
		return
	}
	if _, ok := body.(noContent); ok {
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	// Content-Length is set here, not left to net/http, which sets it only
	// for small bodies and never for HEAD: a HEAD answer has the GET's.
	if t, ok := body.(text); ok {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(t)))
		w.WriteHeader(status)
		io.WriteString(w, string(t))
		return
	}
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer putBodyBuffer(buf)
	var data []byte
	var err error
	if jw, ok := body.(jsonWriter); ok {
		jw.writeJSON(buf)
		data = buf.Bytes()
	} else {
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false) // "<redacted>", not "\u003credacted\u003e"
		err = enc.Encode(body)
		data = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"message":"internal error encoding the response","success":false}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	w.Write(data)
}

// bodyBuffers keeps response buffers between requests: growing a fresh one
// for every body was a tenth of a request's time.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledBuffer keeps one huge answer (an export, 100,000 accounts) from
// being held for good by the pool.
const maxPooledBuffer = 64 << 10

func putBodyBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledBuffer {
		return
	}
	b.Reset()
	bodyBuffers.Put(b)
}

// MaxStateBytes bounds an imported state document, which may be large.
const MaxStateBytes = 256 << 20

// decode reads a JSON object body into dst, with errors that name what is
// wrong. wrap has refused a body over the route's limit, and decode reads
// through a reader that stops at it; a body that may be larger than
// MaxBodyBytes (the state import) is streamed, never held whole.
func decode(q *request, dst any) error {
	if !q.takesBody {
		// A route's table row must say it takes a body (route.body), or wrap
		// would have read and dropped it.
		panic("decode on a route without body: true")
	}
	if ct := q.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &httpError{status: http.StatusUnsupportedMediaType, msg: fmt.Sprintf("Content-Type %q is not supported: send application/json", clipPath(ct))}
		}
	}
	if q.bodyLimit > MaxBodyBytes {
		return decodeStream(q.Body, dst)
	}
	// Read the whole (small) body first, so that a refused value can be
	// traced back to its field.
	data, err := io.ReadAll(q.Body)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return err
	case err != nil:
		return badRequest("request body could not be read")
	}
	// JSON is UTF-8 (RFC 8259); encoding/json would silently turn invalid
	// bytes into U+FFFD and store names the client never sent.
	if !utf8.Valid(data) {
		return badRequest("request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(dst); err != nil {
		return decodeError(err, data, dst)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("request body must hold exactly one JSON object")
	}
	return nil
}

func decodeError(err error, data []byte, dst any) error {
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, io.EOF):
		return badRequest("request body is required: send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("request body is truncated JSON")
	case errors.As(err, &syn):
		return badRequest("request body is malformed JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("request body must be a JSON object, not %s", typ.Value)
		}
		return badRequest("field %s must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	// An UnmarshalJSON method refused a value; encoding/json does not say
	// which field held it, so find it.
	if field := refusedField(data, reflect.TypeOf(dst)); field != "" {
		return badRequest("field %s is invalid: %s", field, clipPath(err.Error()))
	}
	return badRequest("request body is not valid: %s", clipPath(err.Error()))
}

// refusedField returns the (dotted) JSON name of the field of an object of
// type t whose value does not decode, or "".
func refusedField(data []byte, t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var obj map[string]json.RawMessage
	if t == nil || t.Kind() != reflect.Struct || json.Unmarshal(data, &obj) != nil {
		return ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		for key, raw := range obj {
			if !strings.EqualFold(key, name) || json.Unmarshal(raw, reflect.New(f.Type).Interface()) == nil {
				continue
			}
			if sub := refusedField(raw, f.Type); sub != "" {
				return key + "." + sub
			}
			return key
		}
	}
	return ""
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int64", "float64":
		return "a number"
	case "slice":
		return "an array"
	}
	return "an object"
}

// clipPath keeps client-controlled text in messages and logs short and printable.
func clipPath(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '\uFFFD'
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
