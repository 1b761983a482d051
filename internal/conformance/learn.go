package conformance

// Learning a profile (conformance --learn-profile FILE, issue 13): probe a
// target for every behaviour the profile table covers, with the calls the
// scenarios make, then check the suite's @inferred scenarios against it with
// what was learned, and write a profile file that mockdomino --profile
// loads, so the mock then behaves like that deployment.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/mockdomino/mockdomino/features"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// LearnOptions configure ProbeProfile and LearnProfile.
type LearnOptions struct {
	// Base is the profile whose value a field keeps when the target lacks
	// what its probe needs (a deployment without the public API); the zero
	// Profile means observed.
	Base profile.Profile
	// Prefix starts every name the probes and scenarios create; "" makes a
	// random one.
	Prefix string
	// Tags and Scenarios narrow the @inferred scenarios checked with the
	// learned profile, as Options' do (Tags is AND-ed with @inferred).
	Tags, Scenarios string
	// Features holds the .feature files; nil means the embedded ones.
	Features fs.FS
	// JobTimeout bounds how long a scenario's job may take (Options').
	JobTimeout time.Duration
	// RestoreMock: against a mockdomino, save its state before the first
	// probe and put it back after the last scenario, as Options'
	// RestoreMock does for a run; AllowMockChanges as Options'.
	RestoreMock, AllowMockChanges bool
	// Log receives warnings (a cleanup that failed); nil: discarded.
	Log io.Writer
	// Now stamps the file; nil is time.Now.
	Now func() time.Time
}

// Learned is what LearnProfile found.
type Learned struct {
	// Document is the profile file to write: the learned profile, where it
	// was learned, and the guesses the target disproved.
	Document profile.Document
	// Inferred is the run of the @inferred scenarios against the target with
	// the learned profile; zero when the selection held none.
	Inferred Result
	// RestoreErr is what could not be put back in a mock (RestoreMock).
	RestoreErr error
}

// LearnProfile probes the target (ProbeProfile), then runs the selected
// @inferred scenarios against it expecting the learned profile, and notes
// each one that fails as a guess the target disproved. It writes nothing;
// WriteProfileFile does. A probe that cannot decide is an error, and so is
// a run of the scenarios that could not start or was interrupted.
func LearnProfile(ctx context.Context, t Target, opt LearnOptions) (learned Learned, err error) {
	if opt.Prefix == "" {
		opt.Prefix = newPrefix()
	}
	fsys := opt.Features
	if fsys == nil {
		fsys = features.FS
	}
	tags := InferredTag
	if strings.TrimSpace(opt.Tags) != "" {
		tags = InferredTag + " and (" + opt.Tags + ")"
	}
	// A mistake in the selection is found before any probe.
	n, err := countSelected(fsys, tags, opt.Scenarios)
	if err != nil {
		return Learned{}, err
	}
	t, scrub := scrubbing(t)
	restore, err := keepMockWhileLearning(ctx, t, opt)
	if err != nil {
		return Learned{}, err
	}
	defer func() { learned.RestoreErr = restore() }()
	doc, err := probeProfile(ctx, t, opt, scrub)
	if err != nil {
		return Learned{}, err
	}
	learned.Document = doc
	if n == 0 {
		doc.LearnedFrom.Notes = append(doc.LearnedFrom.Notes, fmt.Sprintf("no @inferred scenario was checked: the selection (%s) holds none", tags))
		learned.Document = doc
		return learned, nil
	}
	expect := doc.Profile
	res, err := Run(ctx, Options{
		Target: t, Expect: &expect, Tags: tags, Scenarios: opt.Scenarios, Features: opt.Features,
		Format: "progress", Output: io.Discard, Log: opt.Log, JobTimeout: opt.JobTimeout, Prefix: opt.Prefix, NoColors: true,
		// The mock is put back here, after the probes and the run.
		RestoreMock: false,
	})
	learned.Inferred = res
	if err != nil {
		return learned, fmt.Errorf("checking the @inferred scenarios with the learned profile: %w", err)
	}
	if res.Interrupted {
		return learned, fmt.Errorf("checking the @inferred scenarios with the learned profile: %w", context.Canceled)
	}
	for _, f := range res.Failures {
		doc.Disproved = append(doc.Disproved, profile.Disproved{Feature: f.Feature, Scenario: f.Scenario, Message: scrub.Scrub(f.Message)})
	}
	doc.LearnedFrom.InferredChecked = res.Passed + res.Failed
	learned.Document = doc
	return learned, nil
}

// ProbeProfile learns the profile alone: the version the target names
// (GET /version) and every field of the profile table, each from the
// smallest sequence of the calls the scenarios make; no scenario runs.
// The probes need the administrator's API key. What they create is named
// with the prefix and removed (tokens) or deactivated (service accounts)
// afterwards, as the scenarios' After hooks do.
func ProbeProfile(ctx context.Context, t Target, opt LearnOptions) (doc profile.Document, err error) {
	if opt.Prefix == "" {
		opt.Prefix = newPrefix()
	}
	t, scrub := scrubbing(t)
	restore, err := keepMockWhileLearning(ctx, t, opt)
	if err != nil {
		return doc, err
	}
	defer func() {
		if rerr := restore(); rerr != nil {
			err = errors.Join(err, fmt.Errorf("the mock is not as the probes found it: %w", rerr))
		}
	}()
	return probeProfile(ctx, t, opt, scrub)
}

// keepMockWhileLearning saves, with RestoreMock and a mockdomino target,
// what the probes and the scenarios change in it (its state, with the API
// proxy), and gives what puts it back; before any probe, so that a mock
// that cannot be put back is refused before anything changes in it.
func keepMockWhileLearning(ctx context.Context, t Target, opt LearnOptions) (restore func() error, err error) {
	nothing := func() error { return nil }
	if !opt.RestoreMock {
		return nothing, nil
	}
	if _, isMock := t.MockHealth(ctx); !isMock {
		return nothing, nil
	}
	log := opt.Log
	if log == nil {
		log = io.Discard
	}
	r := &run{target: t, client: NewClient(t), log: log, ctx: ctx, restoreMock: true, allowMockChanges: opt.AllowMockChanges}
	k, err := r.prepareMock(ctx)
	if err != nil {
		return nil, err
	}
	return func() error { return k.restore(ctx) }, nil
}

// scrubbing has the target's calls pass through a transcript recorder that
// writes nothing: it learns the secrets they carry, so that no text the
// learned file keeps (a failure message, an error) holds one.
func scrubbing(t Target) (Target, *transcript.Recorder) {
	rec := transcript.NewRecorder(io.Discard)
	return recordCalls(t, rec), rec
}

func probeProfile(ctx context.Context, t Target, opt LearnOptions, scrub *transcript.Recorder) (doc profile.Document, err error) {
	base := opt.Base
	if base.Name == "" {
		base = profile.Observed()
	}
	if err := checkBaseURL("--api-host", t.APIHost); err != nil {
		return doc, err
	}
	if t.APIHost == "" {
		return doc, errors.New("no API host: give --api-host or DOMINO_API_HOST, or --mock")
	}
	if t.AdminAPIKey == "" {
		return doc, errors.New("learning a profile needs an administrator's API key (--admin-api-key, DOMINO_USER_API_KEY): the probes create service accounts")
	}
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	pr := &prober{c: NewClient(t), admin: APIKey(t.AdminAPIKey, "the administrator"), prefix: opt.Prefix, log: opt.Log, learned: base}
	defer pr.cleanUp(ctx)
	defer func() {
		// An answer quoted in an error may hold a secret.
		if err != nil && ctx.Err() == nil {
			err = errors.New(scrub.Scrub(err.Error()))
		}
	}()

	version, err := pr.version(ctx)
	if err != nil {
		return doc, err
	}
	if err := pr.probeAll(ctx); err != nil {
		return doc, err
	}
	host := displayURL(t.APIHost)
	p := pr.learned
	p.Name = fmt.Sprintf("learned from Domino %s at %s", version, host)
	doc = profile.Document{
		FormatVersion: profile.FormatVersion, Profile: p,
		LearnedFrom: &profile.Origin{DominoVersion: version, APIHost: host, Time: now().UTC().Truncate(time.Second), Notes: pr.notes},
	}
	if base.Name == "observed" || base.Name == "strict" {
		doc.Base = base.Name
	}
	return doc, nil
}

// displayURL is a base URL without credentials in it, nor a trailing slash.
func displayURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.User = nil
	return strings.TrimRight(u.String(), "/")
}

// prober makes the probes' calls as the administrator and undoes what they
// made.
type prober struct {
	c       *Client
	admin   Credential
	prefix  string
	log     io.Writer
	undo    []cleanup
	learned profile.Profile // the base, field by field replaced by what was learned
	notes   []string
}

func (p *prober) name(alias string) string { return p.prefix + "-learn-" + alias }

// call makes a probe's call; an error is only a call that got no answer.
func (p *prober) call(ctx context.Context, probe, method, path string, body any) (*Response, error) {
	r, err := p.c.Do(ctx, method, path, p.admin, body)
	if err != nil {
		return nil, fmt.Errorf("probe %s: the target does not answer: %w", probe, err)
	}
	return r, nil
}

// success makes a call that must succeed: the profile holds only success
// statuses for these actions.
func (p *prober) success(ctx context.Context, probe, method, path string, body any) (*Response, error) {
	r, err := p.call(ctx, probe, method, path, body)
	if err != nil {
		return nil, err
	}
	if r.Status/100 != 2 {
		return nil, fmt.Errorf("probe %s: %s: not a success, which is all a profile can say of this action", probe, r)
	}
	return r, nil
}

// refused makes a call that must be refused as a duplicate, and gives the
// status. A success means the target took the duplicate: no status a
// profile can hold says that.
func (p *prober) refused(ctx context.Context, probe, method, path string, body any, public bool) (int, error) {
	r, err := p.call(ctx, probe, method, path, body)
	if err != nil {
		return 0, err
	}
	if r.Status/100 == 2 {
		if strings.HasSuffix(path, "/serviceAccounts") {
			p.deactivateLater(r, public)
		}
		return 0, fmt.Errorf("probe %s: the target accepted the duplicate (%d): no profile says that", probe, r.Status)
	}
	if !plausibleRefusal(r.Status) {
		return 0, fmt.Errorf("probe %s: %s: not an answer to a duplicate a profile can hold", probe, r)
	}
	return r.Status, nil
}

// plausibleRefusal tells whether a status can be how a target refuses a
// duplicate: a client error that is not about credentials, the route, the
// method or the rate, or the observed 500.
func plausibleRefusal(status int) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusRequestTimeout, http.StatusTooManyRequests:
		return false
	}
	return status/100 == 4 || status == http.StatusInternalServerError
}

// version is what GET /version names, as python-domino reads it.
func (p *prober) version(ctx context.Context) (string, error) {
	r, err := p.c.Do(ctx, http.MethodGet, "/version", p.admin, nil)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("nothing answers at the API host: GET /version: %v", err)
	}
	if r.Status != http.StatusOK {
		return "", fmt.Errorf("probe dominoVersion: %s: want 200 with the version", r)
	}
	o, err := r.Object()
	if err == nil {
		var v string
		if v, err = o.nonEmpty("version"); err == nil {
			return v, nil
		}
	}
	return "", fmt.Errorf("probe dominoVersion: GET /version: %v", err)
}

// probeAll learns every field, in an order that needs one service account
// and two tokens: create the account (createAccountStatus); create it
// again by username and by email (duplicateStatus); a token
// (createTokenStatus), again (duplicateStatus); invalidate and delete it;
// reset the password; the public API's list (publicPaging) and a
// duplicate through it (publicDuplicateStatus); deactivate, activate, and
// a token made then (activateStatus, deactivateStatus,
// reactivatedTokensLackSub).
func (p *prober) probeAll(ctx context.Context) error {
	v4 := surfaceV4
	username := p.name("probe")
	email := username + "@example.com"
	r, err := p.success(ctx, "createAccountStatus", http.MethodPost, v4.accounts(), map[string]string{"username": username, "email": email})
	if err != nil {
		return err
	}
	idp := p.deactivateLater(r, false)
	if idp == "" {
		return fmt.Errorf("probe createAccountStatus: the answer has no idpId: %s", r)
	}
	p.learned.CreateAccountStatus = r.Status

	var dupUsername, dupEmail int
	for _, d := range []struct {
		what, username, email string
		into                  *int
	}{
		{"username", username, p.name("other") + "@example.com", &dupUsername},
		{"email", p.name("other"), email, &dupEmail},
	} {
		s, err := p.refused(ctx, "duplicateStatus (a duplicate "+d.what+")", http.MethodPost, v4.accounts(),
			map[string]string{"username": d.username, "email": d.email}, false)
		if err != nil {
			return err
		}
		*d.into = s
	}

	token := p.name("token")
	tokens := v4.account(idp, "tokens")
	r, err = p.success(ctx, "createTokenStatus", http.MethodPost, tokens, map[string]string{"name": token})
	if err != nil {
		return err
	}
	p.deleteLater(v4.account(idp, "tokens", token))
	p.learned.CreateTokenStatus = r.Status
	dupToken, err := p.refused(ctx, "duplicateStatus (a duplicate token name)", http.MethodPost, tokens, map[string]string{"name": token}, false)
	if err != nil {
		return err
	}
	if dupEmail != dupUsername || dupToken != dupUsername {
		return fmt.Errorf("probe duplicateStatus: the target answers a duplicate username %d, a duplicate email %d and a duplicate token name %d; a profile holds one status for all three",
			dupUsername, dupEmail, dupToken)
	}
	p.learned.DuplicateStatus = dupUsername

	for _, a := range []struct {
		probe, method, path string
		into                *int
	}{
		{"invalidateStatus", http.MethodPost, v4.account(idp, "tokens", token, "invalidate"), &p.learned.InvalidateStatus},
		{"deleteTokenStatus", http.MethodDelete, v4.account(idp, "tokens", token), &p.learned.DeleteTokenStatus},
		{"resetPasswordStatus", http.MethodPost, v4.account(idp, "resetpassword"), &p.learned.ResetPasswordStatus},
	} {
		r, err := p.success(ctx, a.probe, a.method, a.path, nil)
		if err != nil {
			return err
		}
		*a.into = r.Status
	}

	if err := p.probePublic(ctx, username); err != nil {
		return err
	}

	for _, a := range []struct {
		probe, action string
		into          *int
	}{
		{"deactivateStatus", "deactivate", &p.learned.DeactivateStatus},
		{"activateStatus", "activate", &p.learned.ActivateStatus},
	} {
		r, err := p.success(ctx, a.probe, http.MethodPost, v4.account(idp, a.action), nil)
		if err != nil {
			return err
		}
		*a.into = r.Status
	}
	after := p.name("after")
	r, err = p.success(ctx, "reactivatedTokensLackSub", http.MethodPost, tokens, map[string]string{"name": after})
	if err != nil {
		return err
	}
	p.deleteLater(v4.account(idp, "tokens", after))
	o, err := r.Object()
	var value string
	if err == nil {
		value, err = o.nonEmpty("token")
	}
	var claims obj
	if err == nil {
		_, claims, err = decodeJWT(value)
	}
	if err != nil {
		// Not the answer itself: it may hold a token.
		return fmt.Errorf("probe reactivatedTokensLackSub: the token made after deactivate and activate is not a JWT (%v)", err)
	}
	sub, _ := claims["sub"].(string)
	p.learned.ReactivatedTokensLackSub = sub == ""
	return nil
}

// probePublic learns publicPaging from a one-item page of the public API's
// service accounts, and publicDuplicateStatus from creating the probe's
// account again through it. A target without the public API (404) keeps
// the base's values, and the file says so.
func (p *prober) probePublic(ctx context.Context, username string) error {
	pub := surfacePublic
	r, err := p.call(ctx, "publicPaging", http.MethodGet, pub.accounts()+"?limit=1", nil)
	if err != nil {
		return err
	}
	if r.Status == http.StatusNotFound {
		p.notes = append(p.notes, fmt.Sprintf("publicPaging and publicDuplicateStatus are %s's (%s, %d): GET %s answered 404, the target has no public API",
			p.learned.Name, p.learned.PublicPaging, p.learned.PublicDuplicateStatus, pub.accounts()))
		return nil
	}
	if r.Status != http.StatusOK {
		return fmt.Errorf("probe publicPaging: %s: want 200, or 404 where there is no public API", r)
	}
	paging, err := pagingKind(r)
	if err != nil {
		return fmt.Errorf("probe publicPaging: %v", err)
	}
	s, err := p.refused(ctx, "publicDuplicateStatus", http.MethodPost, pub.accounts(),
		map[string]string{"username": username, "email": p.name("public") + "@example.com"}, true)
	if err != nil {
		return err
	}
	p.learned.PublicPaging, p.learned.PublicDuplicateStatus = paging, s
	return nil
}

// pagingKind says where a public API list's metadata puts offset, limit
// and totalCount: flat in it, or nested under "pagination".
func pagingKind(r *Response) (string, error) {
	o, err := r.Object()
	if err != nil {
		return "", err
	}
	md, err := o.object("metadata")
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, r)
	}
	layout, err := pagingLayout(md)
	if err != nil {
		return "", fmt.Errorf("%v; a profile says one: %s", err, r)
	}
	return layout, nil
}

// deactivateLater schedules the deactivation of the service account an
// answer created, and gives its idpId ("" when it names none).
func (p *prober) deactivateLater(r *Response, public bool) string {
	o, err := r.Object()
	if err != nil {
		return ""
	}
	sf := surfaceV4
	if public {
		sf = surfacePublic
		if inner, err := o.object("serviceAccount"); err == nil {
			o = inner
		}
	}
	idp, _ := o.str("idpId")
	if idp != "" {
		p.later("deactivate service account "+idp, http.MethodPost, sf.account(idp, "deactivate"))
	}
	return idp
}

func (p *prober) deleteLater(path string) { p.later("delete "+path, http.MethodDelete, path) }

func (p *prober) later(what, method, path string) {
	p.undo = append(p.undo, cleanup{what: what, do: func(ctx context.Context) error {
		r, err := p.c.Do(ctx, method, path, p.admin, nil)
		if err != nil {
			return err
		}
		if r.Status >= 300 && r.Status != http.StatusNotFound {
			return fmt.Errorf("%s", r)
		}
		return nil
	}})
}

// cleanUp undoes what the probes made, newest first, even when the run was
// interrupted; a failure is a warning.
func (p *prober) cleanUp(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	for i := len(p.undo) - 1; i >= 0; i-- {
		if err := p.undo[i].do(ctx); err != nil && p.log != nil {
			fmt.Fprintf(p.log, "warning: cleanup of the probes: %s: %v\n", p.undo[i].what, err)
		}
	}
	p.undo = nil
}

// countSelected is how many scenarios (examples of an outline apart) the
// tags and the name pattern select.
func countSelected(fsys fs.FS, tags, names string) (int, error) {
	selected, err := selectTags(fsys, tags)
	if err != nil {
		return 0, err
	}
	var rx *regexp.Regexp
	if names != "" {
		if rx, err = regexp.Compile(names); err != nil {
			return 0, fmt.Errorf("scenario name pattern: %w", err)
		}
	}
	n := 0
	err = eachPickle(fsys, []string{"."}, selected, func(pk *messages.Pickle, _ int64) {
		if rx == nil || rx.MatchString(pk.Name) {
			n++
		}
	})
	return n, err
}

// WriteProfileFile writes a profile file atomically: a temporary file in
// the same directory, renamed over path once whole; readable by all (0644).
func WriteProfileFile(path string, d profile.Document) error {
	data, err := d.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing the profile: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Chmod(0o644)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("writing the profile: %w", err)
	}
	return nil
}

// checkWritable tells, before any probe, whether a profile file can be
// written at path: not a directory, in a directory that takes new files.
func checkWritable(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("--learn-profile %s is a directory: give a file name", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--learn-profile %s cannot be written: %w", path, err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}
