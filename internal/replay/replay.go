// Package replay sends a transcript's requests again, in order, to a
// target (a mockdomino, a Domino) and reports where the target's answers
// drift from the recorded ones: the status, the body's shape, and the
// values that carry meaning. Ids, times and secrets differ from run to run:
// replay maps them (an id a recorded answer gave, sent again later, becomes
// the id the target gave) instead of comparing them. See
// docs/verification-replay.md.
package replay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// Controls says what replay does with a transcript's /__mock/ calls (the
// conformance runner's saving and restoring of a mock, its clock, job
// lifecycle and fault rules).
type Controls int

const (
	// ControlsAuto replays them when the target's API host answers
	// GET /__mock/health as a mockdomino, and skips them otherwise.
	ControlsAuto Controls = iota
	// ControlsReplay replays them: the target is a mockdomino.
	ControlsReplay
	// ControlsSkip skips them.
	ControlsSkip
)

// Options says where to replay and what to leave out.
type Options struct {
	// APIHost and APIProxy are the target's base URLs. The transcript's
	// host whose calls carry credentials goes to APIHost, one whose calls
	// carry none to APIProxy (see Hosts).
	APIHost, APIProxy string
	// Hosts sends a recorded host (host:port, as the transcript names it)
	// to a base URL, overriding the guess.
	Hosts map[string]string
	// Client makes the calls; nil: one with a 30 s timeout. Replay never
	// follows redirects (each hop is an exchange of its own) and keeps no
	// cookies.
	Client *http.Client
	// AdminAPIKey and UserAPIKey are the target's keys: <admin-api-key-N>
	// and <api-key-N> placeholders become the first, <user-api-key-N> the
	// second.
	AdminAPIKey, UserAPIKey string
	// Credentials gives placeholders their values explicitly (--credential).
	Credentials map[string]Credential
	// Ignore are fields left out of the comparison (see ParseIgnore).
	Ignore   []string
	Controls Controls
}

// Skip counts the exchanges not replayed for one reason.
type Skip struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// Result is what a replay found.
type Result struct {
	Exchanges int                `json:"exchanges"` // in the transcript
	Replayed  int                `json:"replayed"`
	Skipped   int                `json:"skipped"`
	Skips     []Skip             `json:"skips,omitempty"`
	Drifted   int                `json:"drifted"` // exchanges with at least one difference
	Drifts    []transcript.Drift `json:"drifts"`
	// Notes say what replay could not do as the recording did: placeholders
	// it sent as recorded, secrets it made afresh.
	Notes    []string      `json:"notes,omitempty"`
	Hosts    []HostMapping `json:"hosts"`
	Mock     bool          `json:"mock"` // the target is a mockdomino: its control calls were replayed
	Duration time.Duration `json:"durationNs"`
}

// OK is true when nothing drifted.
func (r Result) OK() bool { return len(r.Drifts) == 0 }

// Summary is the report's last line.
func (r Result) Summary() string {
	return fmt.Sprintf("%d exchanges replayed (%d skipped), %d drifted, %d differences", r.Replayed, r.Skipped, r.Drifted, len(r.Drifts))
}

// WriteText writes the report for people: one line per difference, the
// notes, what was skipped, and the summary.
func (r Result) WriteText(w io.Writer) error {
	var b bytes.Buffer
	for _, d := range r.Drifts {
		fmt.Fprintln(&b, d.String())
	}
	for _, s := range r.Skips {
		fmt.Fprintf(&b, "skipped %d exchange(s): %s\n", s.Count, s.Reason)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	fmt.Fprintln(&b, r.Summary())
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes the result as one JSON document, for tools.
func (r Result) WriteJSON(w io.Writer) error {
	if r.Drifts == nil {
		r.Drifts = []transcript.Drift{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ErrUnreachable wraps the error of a target that does not answer.
var ErrUnreachable = errors.New("the target does not answer")

// DefaultIgnore are left out of every comparison: a profile's name is a
// label a mock was started with (a file's path, "learned from …"), not a
// behaviour; its settings beside it are compared.
var DefaultIgnore = []string{"GET /__mock/health $.profile", "GET /__mock/health $.profileSettings.name"}

// Run replays xs against the target, one request at a time, in order. It
// returns an error, with what was found so far, when the options are wrong
// or the target stops answering (it cannot connect); a call that fails in
// another way (a timeout) is a difference of kind "error".
func Run(ctx context.Context, xs []transcript.Exchange, opt Options) (Result, error) {
	start := time.Now()
	res := Result{Exchanges: len(xs)}
	var ignores []Ignore
	for _, s := range append(append([]string(nil), DefaultIgnore...), opt.Ignore...) {
		ig, err := ParseIgnore(s)
		if err != nil {
			return res, err
		}
		ignores = append(ignores, ig)
	}
	for p, c := range opt.Credentials {
		if _, ok := placeholderKinds[placeholderKind(p)]; !ok || !isPlaceholder(p) {
			return res, fmt.Errorf("credential for %q: not a placeholder a transcript holds", p)
		}
		if c.Role != "" && c.Role != "admin" && c.Role != "user" && c.Role != "recorded" {
			return res, fmt.Errorf("credential for %s: role %q is not admin, user or recorded", p, c.Role)
		}
	}
	for _, base := range []string{opt.APIHost, opt.APIProxy} {
		if base != "" {
			if err := checkBaseURL(base); err != nil {
				return res, err
			}
		}
	}
	hosts, err := mapHosts(xs, opt)
	if err != nil {
		return res, err
	}
	res.Hosts = hosts
	client := noRedirects(opt.Client)

	switch opt.Controls {
	case ControlsReplay:
		res.Mock = true
	case ControlsAuto:
		// One question to each listener: does it answer, and is the API
		// host a mockdomino?
		for _, h := range hosts {
			isMock, err := probe(ctx, client, h.URL)
			if err != nil {
				return res, fmt.Errorf("%w: %s (%s): %v", ErrUnreachable, h.URL, h.Role, err)
			}
			if h.Role == "API host" || len(hosts) == 1 {
				res.Mock = isMock
			}
		}
	}

	creds := newCredentials(opt.AdminAPIKey, opt.UserAPIKey, opt.Credentials)
	creds.labelled = labelsKeys(xs)
	r := &run{
		opt: opt, client: client, res: &res, ignores: ignores,
		target: map[string]string{}, echoes: map[[32]byte][]byte{},
		m:        &mapping{values: map[string]string{}, hosts: hostReplacer(hosts), creds: creds},
		hostMask: maskHosts(hosts),
	}
	for _, h := range hosts {
		r.target[h.Recorded] = h.URL
	}
	skips := map[string]int{}
	for i := range xs {
		if err := ctx.Err(); err != nil {
			return r.finish(skips, start), err
		}
		x := &xs[i]
		if why := r.skip(x); why != "" {
			skips[why]++
			continue
		}
		if err := r.exchange(ctx, x); err != nil {
			return r.finish(skips, start), err
		}
	}
	return r.finish(skips, start), nil
}

// labelsKeys: some request carries the recording run's keys under their own
// labels, <admin-api-key-N> or <user-api-key-N>.
func labelsKeys(xs []transcript.Exchange) bool {
	for i := range xs {
		for _, values := range xs[i].RequestHeaders {
			for _, v := range values {
				if strings.Contains(v, "<admin-api-key-") || strings.Contains(v, "<user-api-key-") {
					return true
				}
			}
		}
	}
	return false
}

// run is one replay under way.
type run struct {
	opt      Options
	client   *http.Client
	res      *Result
	ignores  []Ignore
	target   map[string]string // recorded host → base URL
	m        *mapping
	hostMask *strings.Replacer
	// echoes are the target's answers to GETs, by the recorded answer's
	// hash: a later request whose body is a recorded answer (a client
	// saving something and putting it back) sends the target's instead.
	echoes map[[32]byte][]byte
	// scrubber replaces the target's secrets in what a report shows.
	scrubber    *strings.Replacer
	scrubberFor int
}

func (r *run) finish(skips map[string]int, start time.Time) Result {
	res := r.res
	var reasons []string
	for why := range skips {
		reasons = append(reasons, why)
	}
	sort.Strings(reasons)
	for _, why := range reasons {
		res.Skips = append(res.Skips, Skip{Reason: why, Count: skips[why]})
		res.Skipped += skips[why]
	}
	res.Notes = append(res.Notes, r.m.creds.notes()...)
	res.Duration = time.Since(start)
	return *res
}

// skip says why an exchange is not replayed, or "".
func (r *run) skip(x *transcript.Exchange) string {
	switch {
	case x.Error != "" || x.Status == 0:
		return "the recorded call got no answer"
	case x.RequestBodyOmitted != "":
		return "the transcript left the request's body out"
	case strings.HasPrefix(x.Path, "/__mock/") && !r.res.Mock:
		return "mockdomino control calls (/__mock/), and the target is not a mockdomino"
	}
	return ""
}

// hopHeaders are not the client's to send: the transport sets them.
var hopHeaders = map[string]bool{
	"host": true, "content-length": true, "connection": true, "transfer-encoding": true, "accept-encoding": true,
	"keep-alive": true, "proxy-connection": true, "te": true, "trailer": true, "upgrade": true,
}

func (r *run) exchange(ctx context.Context, x *transcript.Exchange) error {
	reqBody, err := r.requestBody(x)
	if err != nil {
		return fmt.Errorf("line %d: %v", x.Line, err)
	}
	req, err := http.NewRequestWithContext(ctx, x.Method, r.target[x.Host]+r.m.apply(x.Path), bytes.NewReader(reqBody))
	if err != nil {
		return fmt.Errorf("line %d: %v", x.Line, err)
	}
	if len(reqBody) == 0 {
		req.Body, req.GetBody, req.ContentLength = http.NoBody, nil, 0
	}
	for name, values := range x.RequestHeaders {
		if hopHeaders[strings.ToLower(name)] {
			continue
		}
		for _, v := range values {
			req.Header.Add(name, r.m.apply(v))
		}
	}
	// The ignores that apply to this route; one without a field leaves
	// the route's answers out entirely, status and errors included (the
	// answer still maps ids and credentials for later calls).
	var ignores []Ignore
	leftOut := false
	for _, ig := range r.ignores {
		if ig.appliesTo(x.Method, x.Path) {
			ignores = append(ignores, ig)
			leftOut = leftOut || ig.field == nil
		}
	}
	report := func(ds []diff) {
		if !leftOut {
			r.report(x, ds)
		}
	}
	r.res.Replayed++
	resp, err := r.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return fmt.Errorf("%w: line %d, %s %s: %v", ErrUnreachable, x.Line, x.Method, r.target[x.Host], err)
		}
		report([]diff{{kind: "error", recorded: fmt.Sprintf("status %d", x.Status), got: r.scrub(err.Error())}})
		return nil
	}
	got, rerr := io.ReadAll(io.LimitReader(resp.Body, transcript.MaxBody+1))
	resp.Body.Close()
	if rerr != nil {
		report([]diff{{kind: "error", recorded: fmt.Sprintf("status %d", x.Status), got: "reading the answer: " + r.scrub(rerr.Error())}})
		return nil
	}
	if resp.StatusCode != x.Status {
		// A body of another status has another shape: the status says it.
		// A success of another number (201 for 200) still made what the
		// recorded one made: learn its ids and tokens, or every later call
		// that uses them would drift too.
		if resp.StatusCode/100 == 2 && x.Status/100 == 2 {
			r.learnHeaders(x.ResponseHeaders, resp.Header)
			if recorded, ok := recordedBody(x); ok && len(got) <= transcript.MaxBody {
				(&comparer{m: r.m, maskHosts: r.hostMask, scrub: r.scrub}).bodies(recorded, bodyOf(got))
			}
		}
		report([]diff{{kind: "status", recorded: fmt.Sprint(x.Status), got: fmt.Sprint(resp.StatusCode)}})
		return nil
	}
	r.learnHeaders(x.ResponseHeaders, resp.Header)
	c := &comparer{m: r.m, maskHosts: r.hostMask, scrub: r.scrub, ignores: ignores}
	recorded, comparable := recordedBody(x)
	target := bodyOf(got)
	if len(got) > transcript.MaxBody {
		comparable = false
	}
	if comparable {
		c.bodies(recorded, target)
	}
	if x.Method == http.MethodGet && len(x.ResponseBody) > 2 && (x.ResponseBody[0] == '{' || x.ResponseBody[0] == '[') {
		r.echoes[sha256.Sum256(x.ResponseBody)] = got
	}
	report(c.diffs)
	return nil
}

// requestBody is the body to send: the recorded one with every mapped value
// replaced; a recorded answer sent back, as the target gave it.
func (r *run) requestBody(x *transcript.Exchange) ([]byte, error) {
	switch {
	case x.RequestBodyBase64 != "":
		return base64.StdEncoding.DecodeString(x.RequestBodyBase64)
	case len(x.RequestBody) == 0:
		return nil, nil
	}
	if b, ok := r.echoes[sha256.Sum256(x.RequestBody)]; ok {
		return b, nil
	}
	v, ok := transcript.DecodeJSON(x.RequestBody)
	if !ok {
		return nil, fmt.Errorf("the request body is not JSON")
	}
	if s, isText := v.(string); isText {
		// The recorder keeps a body that is not JSON as a JSON string.
		return []byte(r.m.apply(s)), nil
	}
	return transcript.Marshal(r.m.applyJSON(v))
}

// recordedBody is the recorded answer's body, and whether it can be compared.
func recordedBody(x *transcript.Exchange) (body, bool) {
	switch {
	case x.ResponseBodyOmitted != "":
		return body{}, false
	case x.ResponseBodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(x.ResponseBodyBase64)
		if err != nil {
			return body{}, false
		}
		return bodyOf(b), true
	case len(x.ResponseBody) == 0:
		return body{}, true
	}
	v, ok := transcript.DecodeJSON(x.ResponseBody)
	if !ok {
		return body{}, false
	}
	return body{present: true, value: v}, true
}

// learnHeaders maps the secrets an answer's headers carried (a header
// whose whole recorded value is a placeholder) to the target's.
func (r *run) learnHeaders(rec, got http.Header) {
	for name, values := range rec {
		if len(values) == 1 && isPlaceholder(values[0]) {
			if g := got.Get(name); g != "" {
				r.m.learn(values[0], g)
			}
		}
	}
}

func (r *run) report(x *transcript.Exchange, diffs []diff) {
	if len(diffs) == 0 {
		return
	}
	r.res.Drifted++
	for _, d := range diffs {
		r.res.Drifts = append(r.res.Drifts, transcript.Drift{Line: x.Line, Scenario: x.Scenario, Method: x.Method, Path: x.Path,
			Kind: d.kind, Field: d.field, Recorded: d.recorded, Got: d.got})
	}
}

// scrub replaces the target's secrets in a text a report shows: the values
// replay learned for placeholders, the keys it was given, any JWT or
// private key.
func (r *run) scrub(s string) string {
	if len(r.m.values) != r.scrubberFor || r.scrubber == nil {
		var pairs []string
		for rec, got := range r.m.values {
			if isPlaceholder(rec) && len(got) >= 4 {
				pairs = append(pairs, got, rec)
			}
		}
		for _, k := range []string{r.opt.AdminAPIKey, r.opt.UserAPIKey} {
			if k != "" {
				pairs = append(pairs, k, "<api-key>")
			}
		}
		for p, c := range r.opt.Credentials {
			if c.Value != "" {
				pairs = append(pairs, c.Value, p)
			}
		}
		r.scrubber, r.scrubberFor = strings.NewReplacer(pairs...), len(r.m.values)
	}
	s = r.scrubber.Replace(s)
	s = transcript.JWT.ReplaceAllString(s, "<jwt>")
	return transcript.PEMKey.ReplaceAllString(s, "<key>")
}

func noRedirects(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	cc := *c
	cc.Jar = nil
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// probe asks a listener GET /__mock/health: an error when it does not
// answer at all, and whether it answers as a mockdomino (200, or 503 while
// it refuses changes, with a JSON status).
func probe(ctx context.Context, c *http.Client, base string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__mock/health", nil)
	if err != nil {
		return false, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	var h struct {
		Status string `json:"status"`
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return false, nil
	}
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&h) != nil {
		return false, nil
	}
	return h.Status != "", nil
}
