// Package transcript records HTTP exchanges as JSON lines with every secret
// replaced by a placeholder, and reads them back. The conformance runner
// (--record), the recording proxy (mockdomino record) and replay share it.
package transcript

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// A transcript (conformance --record FILE, mockdomino record) is every HTTP exchange of a run,
// one JSON object a line, so a run against a real Domino can be read,
// compared with the mock's answers and kept. It must never hold a usable
// credential: every secret is replaced by a placeholder, the same secret
// always by the same one (<jwt-3> in a header and in a body is one token),
// while ids and everything else stay as they were.

// Exchange is one line of a transcript.
type Exchange struct {
	Time     time.Time `json:"time"`
	Scenario string    `json:"scenario,omitempty"` // "" outside a scenario: checks before the run, the mock's save and restore
	Method   string    `json:"method"`
	Host     string    `json:"host"` // which listener: the API host's or the API proxy's host:port
	Path     string    `json:"path"` // with its query
	// Bodies are the JSON value when the body is JSON, else its text, else
	// (bytes that are not UTF-8) BodyBase64; Omitted says why a body is left out.
	RequestHeaders      http.Header     `json:"requestHeaders"`
	RequestBody         json.RawMessage `json:"requestBody,omitempty"`
	RequestBodyBase64   string          `json:"requestBodyBase64,omitempty"`
	RequestBodyOmitted  string          `json:"requestBodyOmitted,omitempty"`
	Status              int             `json:"status,omitempty"`
	ResponseHeaders     http.Header     `json:"responseHeaders,omitempty"`
	ResponseBody        json.RawMessage `json:"responseBody,omitempty"`
	ResponseBodyBase64  string          `json:"responseBodyBase64,omitempty"`
	ResponseBodyOmitted string          `json:"responseBodyOmitted,omitempty"`
	Milliseconds        int64           `json:"ms"`
	Error               string          `json:"error,omitempty"` // the call failed: no answer
	// Line is the exchange's line in the file Read read it from; not written.
	Line int `json:"-"`
	// requestBodyOmit and responseBodyOmit, when set, leave that body out
	// and say why (RequestBodyOmitted, ResponseBodyOmitted).
	requestBodyOmit, responseBodyOmit string
}

// tooLong is why a body over MaxBody, or cut, is left out: left out, not
// cut, since a cut could split a secret past recognising.
var tooLong = fmt.Sprintf("longer than %d bytes, or not read in full", MaxBody)

// MaxBody is the longest body a transcript holds (16 MiB), asked or
// answered: as long as the longest answer the conformance client reads.
const MaxBody = 16 << 20

// Recorder writes a transcript. Its methods may be called concurrently.
type Recorder struct {
	mu      sync.Mutex
	w       io.Writer
	red     redactor
	err     error
	observe func(Exchange)
}

// Observe has f called with each exchange once it is redacted, before (and
// whether or not) its line is written: a report keeps a run's last calls
// so, without reading the lines back. Set it before the first exchange.
func (r *Recorder) Observe(f func(Exchange)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observe = f
}

// NewRecorder writes a transcript to w.
func NewRecorder(w io.Writer) *Recorder {
	return &Recorder{w: w, red: redactor{secrets: map[string]string{}}}
}

// Secret makes s a secret from the start, e.g. the API keys the run was
// given, so it is replaced wherever it appears, even before a header shows it.
func (r *Recorder) Secret(kind, s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.red.learn(kind, s)
}

// Err is the first error writing the transcript.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Client returns c (nil: a client with a 30 s timeout) with every exchange
// it makes recorded.
func (r *Recorder) Client(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	cc := *c
	cc.Transport = recordingTransport{rec: r, next: next}
	return &cc
}

type recordingTransport struct {
	rec  *Recorder
	next http.RoundTripper
}

func (t recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	x := &Exchange{Time: time.Now().UTC(), Method: req.Method, Host: req.URL.Host, Path: req.URL.RequestURI(),
		RequestHeaders: req.Header.Clone()}
	x.Scenario = ScenarioOf(req.Context())
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if reqBody, err = readBody(req); err != nil {
			return nil, err
		}
		if len(reqBody) > MaxBody {
			// Sent whole, left out of the line: a line must stay short
			// enough for Read.
			reqBody, x.requestBodyOmit = nil, tooLong
		}
	}
	resp, err := t.next.RoundTrip(req)
	x.Milliseconds = time.Since(x.Time).Milliseconds()
	if err != nil {
		x.Error = err.Error()
		t.rec.write(x, reqBody, nil)
		return nil, err
	}
	x.Status, x.ResponseHeaders = resp.StatusCode, resp.Header.Clone()
	// Read as much as the transcript keeps, then give the client the whole
	// body back: what was read, then the rest.
	respBody, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if rerr != nil || len(respBody) > MaxBody {
		x.responseBodyOmit = tooLong
	}
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(respBody), errReader{rerr}, resp.Body), resp.Body}
	t.rec.write(x, reqBody, respBody)
	return resp, nil
}

// errReader hands the client the error reading the answer met, if any.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	return 0, io.EOF
}

// readBody reads a request's body and leaves the request able to send it.
func readBody(req *http.Request) ([]byte, error) {
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

// write redacts the exchange and writes it as one line.
func (r *Recorder) write(x *Exchange, reqBody, respBody []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	red := &r.red
	// Learn every secret of the exchange first, so that a secret is
	// replaced in the request it was sent in even when only the answer
	// shows it for what it is.
	reqForm, respForm := isForm(x.RequestHeaders), isForm(x.ResponseHeaders)
	red.learnHeaders(x.RequestHeaders)
	red.learnHeaders(x.ResponseHeaders)
	path, query, _ := strings.Cut(x.Path, "?")
	red.learnForm(query)
	red.learnBody(reqBody, reqForm)
	if x.responseBodyOmit == "" {
		red.learnBody(respBody, respForm)
	}
	if query != "" {
		path += "?" + red.redactForm(query)
	}
	x.Path = red.scrub(path)
	x.Error = red.scrub(x.Error)
	red.redactHeaders(x.RequestHeaders)
	red.redactHeaders(x.ResponseHeaders)
	x.RequestBody, x.RequestBodyBase64, x.RequestBodyOmitted = red.body(reqBody, x.requestBodyOmit, reqForm)
	x.ResponseBody, x.ResponseBodyBase64, x.ResponseBodyOmitted = red.body(respBody, x.responseBodyOmit, respForm)
	if r.observe != nil {
		r.observe(*x)
	}
	if r.err != nil {
		// After a failed write nothing more: a line after a hole (or after
		// a torn line) would make a transcript that reads as whole and is not.
		return
	}
	line, err := Marshal(x)
	if err == nil {
		_, err = r.w.Write(append(line, '\n'))
	}
	if err != nil && r.err == nil {
		r.err = err
	}
}

// scenarioKey carries the running scenario's name in the context of its
// steps and hooks, down to the calls they make.
type scenarioKey struct{}

// WithScenario names the scenario whose calls ctx carries; a recorded
// exchange says which scenario made it.
func WithScenario(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, scenarioKey{}, name)
}

// ScenarioOf is the scenario WithScenario named in ctx, or "".
func ScenarioOf(ctx context.Context) string {
	s, _ := ctx.Value(scenarioKey{}).(string)
	return s
}

// ---- redaction ----

// redactor maps each secret it has met to its placeholder.
type redactor struct {
	secrets map[string]string
	n       int
	// long are the secrets long enough to be replaced wherever they occur
	// (in a path, a text, a message), longest first; a shorter one ("x")
	// is replaced only where it is a secret: its header or its field.
	long     []string
	replacer *strings.Replacer
}

// minSecretLen is the shortest secret replaced as a substring anywhere.
const minSecretLen = 8

var (
	// JWT is a JSON Web Token: header.payload.signature, the header JSON
	// in base64url ("eyJ"); the signature may be empty (alg none).
	JWT = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	// PEMKey is a private key in PEM, as an SSH git credential carries one.
	PEMKey = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----`)
	// placeholderRE is what learn makes, or a value someone already
	// redacted (the mock's "<redacted>"): never a secret.
	placeholderRE = regexp.MustCompile(`^<[a-z-]+(-\d+)?>$`)
)

// Placeholder is the form of the placeholders learn makes, <kind-N>, as a
// regular expression without anchors (replay finds them inside texts).
const Placeholder = `<[a-z]+(?:-[a-z]+)*-\d+>`

// Kinds are the kinds of placeholder a recorder makes by itself; a caller
// of Secret may name others (the conformance runner's admin-api-key and
// user-api-key).
func Kinds() []string {
	set := map[string]bool{"jwt": true, "key": true, "credential": true}
	for _, k := range transcriptSecretFields {
		set[k] = true
	}
	for _, k := range secretHeaders {
		set[k] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// transcriptSecretFields are JSON keys whose string values are secrets: tokens' and
// git credentials' values, passwords, API keys, and the secrets of the
// mock's own state document. Matched by secretField, ignoring case, "_"
// and "-". "key" and "value" are not among them: blob keys, upload
// keys and environment variables' values are not credentials, and the
// secrets that do come under those names (a token's value, an SSH key) are
// JWTs and PEM keys, which are recognised anywhere.
var transcriptSecretFields = map[string]string{
	"token": "token", "password": "password", "passphrase": "password", "apikey": "api-key",
	"secret": "secret", "accesstoken": "token", "refreshtoken": "token", "idtoken": "token",
	"clientsecret": "secret", "privatekey": "key",
	// Cloud credentials a client may send or get (an S3 data source, an
	// AWS-style temporary credential).
	"secretaccesskey": "secret", "sessiontoken": "token", "secretkey": "secret",
}

// secretHeaders are the headers whose whole value (after an Authorization
// scheme) is a credential.
var secretHeaders = map[string]string{
	"Authorization": "credential", "Proxy-Authorization": "credential", "X-Domino-Api-Key": "api-key",
	"Cookie": "cookie", "Set-Cookie": "cookie",
	// The API-key headers of other services a client may send through the proxy.
	"X-Api-Key": "api-key", "X-Auth-Token": "credential",
}

// secretField is the kind of secret a field of that name holds, if any.
// Case, "_" and "-" are ignored: OAuth and Keycloak spell the same fields
// access_token, refresh_token and client_secret.
func secretField(field string) (kind string, secret bool) {
	kind, secret = transcriptSecretFields[strings.ToLower(fieldSeparators.Replace(field))]
	return kind, secret
}

var fieldSeparators = strings.NewReplacer("_", "", "-", "")

func (r *redactor) learn(kind, s string) string {
	if s == "" || placeholderRE.MatchString(s) {
		return s
	}
	if p, ok := r.secrets[s]; ok {
		return p
	}
	if JWT.FindString(s) == s {
		kind = "jwt"
	}
	r.n++
	p := fmt.Sprintf("<%s-%d>", kind, r.n)
	r.secrets[s] = p
	if len(s) >= minSecretLen {
		r.long = append(r.long, s)
		sort.SliceStable(r.long, func(i, j int) bool { return len(r.long[i]) > len(r.long[j]) })
		r.replacer = nil
	}
	return p
}

// learnText learns the secrets recognisable in any text.
func (r *redactor) learnText(s string) {
	for _, m := range PEMKey.FindAllString(s, -1) {
		r.learn("key", m)
	}
	for _, m := range JWT.FindAllString(s, -1) {
		r.learn("jwt", m)
	}
}

func (r *redactor) learnHeaders(h http.Header) {
	// In order of name, so that a run's placeholders are numbered alike
	// each time.
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		kind, secret := secretHeaders[http.CanonicalHeaderKey(name)]
		for _, v := range h[name] {
			r.learnText(v)
			if secret {
				r.learn(kind, credentialOf(name, v))
			}
		}
	}
}

// credentialOf is a header's credential: an Authorization header's after
// its scheme ("Bearer", "Basic"), another's whole value.
func credentialOf(name, v string) string {
	if strings.HasSuffix(http.CanonicalHeaderKey(name), "Authorization") {
		if scheme, cred, ok := strings.Cut(v, " "); ok && scheme != "" {
			return strings.TrimSpace(cred)
		}
	}
	return v
}

func (r *redactor) learnBody(b []byte, form bool) {
	if form {
		r.learnForm(string(b))
	}
	if v, ok := DecodeJSON(b); ok {
		r.walk(v, func(field, s string) string {
			if kind, secret := secretField(field); secret {
				r.learn(kind, s)
			}
			r.learnText(s)
			return s
		})
		return
	}
	r.learnText(string(b))
}

// isForm says whether a body is application/x-www-form-urlencoded, whose
// parameters are fields like a JSON object's (Keycloak's token endpoint
// takes password and client_secret so).
func isForm(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

// forEachSecretParam calls f on the unescaped value of every parameter of a
// query or form whose name is a secret field's, and puts what f returns
// (a placeholder) in its place; the rest stays byte for byte.
func forEachSecretParam(s string, f func(kind, v string) string) string {
	if !strings.Contains(s, "=") {
		return s
	}
	params := strings.Split(s, "&")
	for i, p := range params {
		name, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		kind, secret := secretField(name)
		if !secret || v == "" {
			continue
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		params[i] = p[:strings.IndexByte(p, '=')+1] + f(kind, v)
	}
	return strings.Join(params, "&")
}

// redactForm learns the secret parameters of a query or a form and
// replaces them by their placeholders, short ones too: there they are
// secrets by their name.
func (r *redactor) redactForm(s string) string {
	return forEachSecretParam(s, r.learn)
}

// learnForm learns the secret parameters of a query or a form.
func (r *redactor) learnForm(s string) { r.redactForm(s) }

// scrub replaces every secret it knows, and any JWT or PEM key, in a text.
func (r *redactor) scrub(s string) string {
	if s == "" {
		return s
	}
	r.learnText(s)
	if r.replacer == nil {
		pairs := make([]string, 0, 2*len(r.long))
		for _, sec := range r.long {
			pairs = append(pairs, sec, r.secrets[sec])
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r.replacer.Replace(s)
}

func (r *redactor) redactHeaders(h http.Header) {
	for name, values := range h {
		_, secret := secretHeaders[http.CanonicalHeaderKey(name)]
		for i, v := range values {
			if secret {
				cred := credentialOf(name, v)
				v = strings.TrimSuffix(v, cred) + r.learn("credential", cred)
			}
			values[i] = r.scrub(v)
		}
	}
}

// body is a body as the transcript holds it: JSON with every secret field's
// value and every secret in a string replaced; text scrubbed; other bytes
// scrubbed and in base64.
func (r *redactor) body(b []byte, omit string, form bool) (value json.RawMessage, b64, omitted string) {
	switch {
	case omit != "":
		return nil, "", omit
	case len(b) == 0:
		return nil, "", ""
	}
	if v, ok := DecodeJSON(b); ok {
		v = r.walk(v, func(field, s string) string {
			if kind, secret := secretField(field); secret {
				return r.learn(kind, s)
			}
			return r.scrub(s)
		})
		out, err := Marshal(v)
		if err == nil {
			return out, "", ""
		}
	}
	if utf8.Valid(b) {
		text := string(b)
		if form {
			text = r.redactForm(text)
		}
		out, _ := Marshal(r.scrub(text))
		return out, "", ""
	}
	return nil, base64.StdEncoding.EncodeToString([]byte(r.scrub(string(b)))), ""
}

// Marshal is json.Marshal that leaves <, > and & as they are, so a
// placeholder reads <jwt-3> and not \u003cjwt-3\u003e.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// DecodeJSON decodes a JSON body, keeping numbers as they were written.
func DecodeJSON(b []byte) (any, bool) {
	if !json.Valid(b) {
		return nil, false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, false
	}
	return v, true
}

// walk calls f on every string of a JSON value with the key it is under
// ("" in an array or at the top) and puts back what f returns.
func (r *redactor) walk(v any, f func(field, s string) string) any {
	var rec func(field string, v any) any
	rec = func(field string, v any) any {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				t[k] = rec(k, x)
			}
		case []any:
			for i, x := range t {
				t[i] = rec(field, x)
			}
		case string:
			return f(field, t)
		}
		return v
	}
	return rec("", v)
}
