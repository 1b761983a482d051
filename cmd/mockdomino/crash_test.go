package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestCrashRecovery is the proof of issue 5: every write answered 2xx is on
// disk before the answer. It runs the real binary with --state, has several
// clients write through the proxy, kills the process with SIGKILL at a
// random moment in the middle of their writes, restarts it on the same
// directory (which must always succeed), and checks every write ever
// acknowledged after each restart (see verify). Every third kill also
// leaves a torn record at the end of the log, as a power cut in the middle
// of an append would; it must be cut off, and start-up must not fail.
// Every fourth round, instead of the writers, one client imports the whole
// state again and again (PUT /__mock/state, each time naming the import in
// the job lifecycle's stdout): an import is written as a new snapshot, so
// the kill lands in the middle of one, and the state must then be the last
// import acknowledged, or the one interrupted.
//
// MOCKDOMINO_CRASH_ROUNDS sets the number of kills (default 15; each takes
// a fraction of a second, growing with the state).
func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	rounds := 15
	if v := os.Getenv("MOCKDOMINO_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("MOCKDOMINO_CRASH_ROUNDS=%q: want a positive whole number", v)
		}
		rounds = n
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	l := &crashLedger{}
	start := func() *crashRun {
		cmd, api, proxy, stderr := startBinary(t, bin, nil,
			"--state", dir, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--log-level", "warn",
			// Tokens' iss is derived from the API address unless set, and
			// port 0 gives a new address at each restart.
			"--external-url", "http://mockdomino.crash.test")
		return &crashRun{cmd: cmd, api: api, proxy: proxy, stderr: stderr,
			client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
	}

	run := start()
	began := time.Now()
	for round := 1; round <= rounds && !t.Failed(); round++ {
		l.round = round
		// Writers (or the importer), then SIGKILL after a random 10 to 150 ms.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var inFlight atomic.Int64
		importing := round%4 == 2
		for w := 0; w < crashWriters; w++ {
			if importing && w > 0 {
				break // imports replace the whole state: no writes beside them
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if importing {
					l.importLoop(t, run, stop, &inFlight)
					return
				}
				l.write(t, run, w, stop, &inFlight)
			}()
		}
		time.Sleep(time.Duration(10+rand.IntN(141)) * time.Millisecond)
		busy := inFlight.Load()
		if err := run.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("round %d: the mock had already exited before the kill: %v\n%s", round, err, run.stderr)
		}
		run.cmd.Wait()
		close(stop)
		wg.Wait()
		run.client.CloseIdleConnections()
		l.kills++
		if busy > 0 {
			l.killsMidWrite++
			if importing {
				l.killsMidImport++
			}
		}
		if bytes.Contains(run.stderr.Bytes(), []byte("panic")) {
			t.Fatalf("round %d: the mock panicked:\n%s", round, run.stderr)
		}

		// What a power cut in the middle of an append leaves, on top of what
		// the kill left: a torn last record that was never acknowledged.
		walPath := filepath.Join(dir, "wal.log")
		if data, err := os.ReadFile(walPath); err != nil {
			t.Fatalf("round %d: %v", round, err)
		} else if len(data) > 0 && data[len(data)-1] != '\n' {
			l.naturalTorn++
		}
		if round%3 == 0 {
			crashTear(t, walPath, round)
			l.tornAdded++
		}

		// The restart must succeed whatever the kill interrupted.
		t.Logf("round %d: restarting after kill %d", round, l.kills)
		run = start()
		l.verify(t, run, round%50 == 0 || round == rounds)
	}
	if !t.Failed() {
		// And a clean stop still works on the recovered directory.
		run.cmd.Process.Signal(syscall.SIGTERM)
		if err := run.cmd.Wait(); err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, run.stderr)
		}
	}
	t.Logf("crash test: %d rounds, %d SIGKILLs (%d with requests in flight, %d of them in an import), %d restarts, all succeeded; "+
		"%d torn tails left by kills, %d added by the test; "+
		"%d writes acknowledged (%d service accounts, %d tokens, %d invalidations, %d git credentials, %d collaborators, %d whole-state imports), "+
		"%d writes unanswered at a kill (of them %d service-account creations, %d found applied), %d acknowledged-write checks (%d more on per-account routes, %d bearer authentications), %d lost; %s",
		l.round, l.kills, l.killsMidWrite, l.killsMidImport, l.kills, l.naturalTorn, l.tornAdded,
		l.acked(), len(l.accounts), l.nTokens, l.nInvalidated, l.nCreds, l.nCollabs, l.nImports,
		l.unanswered, len(l.maybe), l.maybeApplied, l.checks, l.publicChecks, l.bearerChecks, l.lost, time.Since(began).Round(time.Millisecond))
	if l.lost > 0 {
		t.Errorf("%d acknowledged writes were lost", l.lost)
	}
}

const (
	crashWriters   = 4
	crashAdminID   = "64b7f0a1c2d3e4f5a6b7c801"
	crashProjectID = "64b7f0a1c2d3e4f5a6b7c901"
)

var crashRoles = []string{"Contributor", "LauncherUser", "ResultsConsumer", "ProjectImporter", "Owner"}

type crashRun struct {
	cmd        *exec.Cmd
	api, proxy string
	stderr     *bytes.Buffer
	client     *http.Client
}

// do sends one request; ok is false when no answer came (the mock died).
func (r *crashRun) do(method, url, bearer string, body any, out any) (status int, ok bool) {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		panic(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		// The status line arrived, so a 2xx was an acknowledgement; the
		// caller records what it knows without the body.
		return resp.StatusCode, true
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, true
		}
	}
	return resp.StatusCode, true
}

// crashLedger is every write that was acknowledged, across all rounds.
type crashLedger struct {
	mu       sync.Mutex
	round    int
	seq      int
	accounts []*crashAccount
	tokens   []*crashToken
	admin    crashAccount // holds the admin's git credentials
	maybe    []string     // service accounts whose creation was never answered
	bodyless []string     // service accounts acknowledged without a readable body

	// The last import acknowledged, and one sent but never answered.
	importAcked, importMaybe int

	kills, killsMidWrite, killsMidImport     int
	naturalTorn, tornAdded                   int
	nTokens, nInvalidated, nCreds, nCollabs  int
	nImports                                 int
	unanswered, maybeApplied                 int
	checks, publicChecks, bearerChecks, lost int
	errorsReported                           int
}

type crashAccount struct {
	name, id, idp string
	creds         []crashCred
	role          string // acknowledged collaborator role
	collabTried   bool
	tokens        []*crashToken
}

type crashCred struct {
	id, name string
	round    int
}

type crashToken struct {
	acct           *crashAccount
	name, value    string
	invalidateSent bool // an invalidation was sent: the token may be either
	invalidated    bool // an invalidation was acknowledged
	round          int  // when it was created
	invRound       int  // when it was invalidated
}

func (l *crashLedger) acked() int {
	return len(l.accounts) + len(l.bodyless) + l.nTokens + l.nInvalidated + l.nCreds + l.nCollabs + l.nImports
}

func (l *crashLedger) next() int {
	l.seq++
	return l.seq
}

// write runs one writer until the mock dies or stop is closed.
func (l *crashLedger) write(t *testing.T, run *crashRun, w int, stop <-chan struct{}, inFlight *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		inFlight.Add(1)
		answered := l.writeOne(t, run, w)
		inFlight.Add(-1)
		if !answered {
			return // the mock is gone
		}
	}
}

// importLoop puts the whole state back, changed only in the job
// lifecycle's stdout, which names the import, until the mock dies or stop
// is closed.
func (l *crashLedger) importLoop(t *testing.T, run *crashRun, stop <-chan struct{}, inFlight *atomic.Int64) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		var state map[string]json.RawMessage
		status, ok := run.do("GET", run.proxy+"/__mock/state?secrets=true", "", nil, &state)
		if !ok {
			return
		}
		if status != http.StatusOK {
			t.Errorf("round %d: GET /__mock/state answered %d", l.round, status)
			return
		}
		if state == nil {
			return // killed while the state was being sent: do saw the status line only
		}
		var lifecycle map[string]any
		if err := json.Unmarshal(state["jobLifecycle"], &lifecycle); err != nil {
			t.Errorf("round %d: jobLifecycle: %v", l.round, err)
			return
		}
		l.mu.Lock()
		n := l.next()
		l.mu.Unlock()
		lifecycle["stdout"] = fmt.Sprintf("import-%d", n)
		state["jobLifecycle"], _ = json.Marshal(lifecycle)
		inFlight.Add(1)
		status, ok = run.do("PUT", run.proxy+"/__mock/state", "", state, nil)
		inFlight.Add(-1)
		l.mu.Lock()
		switch {
		case !ok:
			l.unanswered++
			l.importMaybe = n
		case status/100 == 2:
			l.importAcked = n
			l.nImports++
		default:
			l.unexpected(t, "import", status)
		}
		l.mu.Unlock()
		if !ok {
			return
		}
	}
}

func (l *crashLedger) writeOne(t *testing.T, run *crashRun, w int) bool {
	l.mu.Lock()
	n := l.next()
	p := rand.Float64()
	var acct *crashAccount
	if len(l.accounts) > 0 {
		acct = l.accounts[rand.IntN(len(l.accounts))]
	}
	switch {
	case acct == nil || p < 0.30:
		l.mu.Unlock()
		return l.createAccount(t, run, fmt.Sprintf("crash-%d-%d-%d", l.round, w, n))
	case p < 0.55:
		l.mu.Unlock()
		return l.createToken(t, run, acct, fmt.Sprintf("t-%d", n))
	case p < 0.70:
		var tok *crashToken
		for i := 0; i < 8 && len(l.tokens) > 0; i++ {
			if c := l.tokens[rand.IntN(len(l.tokens))]; !c.invalidateSent {
				tok = c
				break
			}
		}
		if tok == nil {
			l.mu.Unlock()
			return l.createToken(t, run, acct, fmt.Sprintf("t-%d", n))
		}
		tok.invalidateSent = true
		l.mu.Unlock()
		return l.invalidate(t, run, tok)
	case p < 0.85:
		if rand.IntN(3) == 0 {
			acct = &l.admin
		}
		l.mu.Unlock()
		return l.addCredential(t, run, acct, fmt.Sprintf("cred-%d", n))
	default:
		if acct.collabTried {
			l.mu.Unlock()
			return l.createAccount(t, run, fmt.Sprintf("crash-%d-%d-%d", l.round, w, n))
		}
		acct.collabTried = true
		l.mu.Unlock()
		return l.addCollaborator(t, run, acct, crashRoles[rand.IntN(len(crashRoles))])
	}
}

// unexpected reports a write refused for no reason; the caller holds l.mu.
func (l *crashLedger) unexpected(t *testing.T, what string, status int) {
	l.errorsReported++
	if l.errorsReported <= 20 {
		t.Errorf("round %d: %s answered %d", l.round, what, status)
	}
}

func (l *crashLedger) createAccount(t *testing.T, run *crashRun, name string) bool {
	var sa struct{ ID, IdpID string }
	status, ok := run.do("POST", run.proxy+"/v4/serviceAccounts", "",
		map[string]string{"username": name, "email": name + "@example.com"}, &sa)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !ok:
		l.unanswered++
		l.maybe = append(l.maybe, name)
	case status/100 == 2 && sa.IdpID == "":
		l.bodyless = append(l.bodyless, name) // acknowledged, but its body was cut off
	case status/100 == 2:
		l.accounts = append(l.accounts, &crashAccount{name: name, id: sa.ID, idp: sa.IdpID})
	default:
		l.unexpected(t, "create service account "+name, status)
	}
	return ok
}

func (l *crashLedger) createToken(t *testing.T, run *crashRun, acct *crashAccount, name string) bool {
	var tok struct{ Token string }
	status, ok := run.do("POST", run.proxy+"/v4/serviceAccounts/"+acct.idp+"/tokens", "", map[string]string{"name": name}, &tok)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !ok:
		l.unanswered++
	case status/100 == 2:
		ct := &crashToken{acct: acct, name: name, value: tok.Token, round: l.round}
		acct.tokens = append(acct.tokens, ct)
		l.tokens = append(l.tokens, ct)
		l.nTokens++
	default:
		l.unexpected(t, "create token "+name, status)
	}
	return ok
}

func (l *crashLedger) invalidate(t *testing.T, run *crashRun, tok *crashToken) bool {
	status, ok := run.do("POST", run.proxy+"/v4/serviceAccounts/"+tok.acct.idp+"/tokens/"+url.PathEscape(tok.name)+"/invalidate", "", nil, nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !ok:
		l.unanswered++
	case status/100 == 2:
		tok.invalidated, tok.invRound = true, l.round
		l.nInvalidated++
	default:
		l.unexpected(t, "invalidate token "+tok.name, status)
	}
	return ok
}

func (l *crashLedger) addCredential(t *testing.T, run *crashRun, acct *crashAccount, name string) bool {
	u := run.proxy + "/v4/accounts/" + crashAdminID + "/gitcredentials"
	if acct != &l.admin {
		u = run.proxy + "/v4/serviceAccounts/" + acct.idp + "/gitcredentials"
	}
	var cr struct{ ID string }
	status, ok := run.do("POST", u, "", map[string]string{
		"name": name, "gitServiceProvider": "github", "accessType": "token", "token": "ghp_" + name}, &cr)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !ok:
		l.unanswered++
	case status/100 == 2:
		acct.creds = append(acct.creds, crashCred{id: cr.ID, name: name, round: l.round})
		l.nCreds++
	default:
		l.unexpected(t, "add git credential "+name, status)
	}
	return ok
}

func (l *crashLedger) addCollaborator(t *testing.T, run *crashRun, acct *crashAccount, role string) bool {
	status, ok := run.do("POST", run.proxy+"/v4/projects/"+crashProjectID+"/collaborators", "",
		map[string]string{"collaboratorId": acct.id, "projectRole": role}, nil)
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case !ok:
		l.unanswered++
	case status/100 == 2:
		acct.role = role
		l.nCollabs++
	default:
		l.unexpected(t, "add collaborator "+acct.name, status)
	}
	return ok
}

// verify checks every acknowledged write against the restarted mock.
//
// Every round, every acknowledged write is checked: service accounts,
// collaborators and the admin's credentials on their public list routes,
// and tokens (value and validity) and the service accounts' credentials in
// the state export (one request instead of one per account). The public
// per-account routes and bearer authentication are used for every write
// of the round just killed, for a random sample of older ones, and for
// all of them when full is set (every 50 rounds and the last).
func (l *crashLedger) verify(t *testing.T, run *crashRun, full bool) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	lose := func(format string, args ...any) {
		t.Helper()
		l.lost++
		if l.lost <= 30 {
			t.Errorf("round %d: lost: "+format, append([]any{l.round}, args...)...)
		}
	}
	get := func(path string, out any) {
		t.Helper()
		status, ok := run.do("GET", run.proxy+path, "", nil, out)
		if !ok || status != http.StatusOK {
			t.Fatalf("round %d: GET %s: status %d, answered %v\n%s", l.round, path, status, ok, run.stderr)
		}
	}
	// deep: whether to check an item on its public per-account route too.
	const sampleOlder = 0.02
	deep := func(round int) bool { return full || round == l.round || rand.Float64() < sampleOlder }

	// Service accounts, deactivated ones included.
	var list []struct{ Username, ID, IdpID string }
	get("/v4/serviceAccounts?includeDeactivated=true", &list)
	byName := map[string]struct{ Username, ID, IdpID string }{}
	for _, sa := range list {
		byName[sa.Username] = sa
	}
	for _, a := range l.accounts {
		l.checks++
		if sa, ok := byName[a.name]; !ok || sa.ID != a.id || sa.IdpID != a.idp {
			lose("service account %s (%s) is %+v", a.name, a.idp, sa)
		}
	}
	for _, name := range l.bodyless {
		l.checks++
		if _, ok := byName[name]; !ok {
			lose("service account %s", name)
		}
	}
	applied := 0
	for _, name := range l.maybe {
		if _, ok := byName[name]; ok {
			applied++
		}
	}
	l.maybeApplied = applied
	// A torn record the test appended was never acknowledged: it must be
	// cut off, not applied.
	for name := range byName {
		if strings.HasPrefix(name, "torn-") {
			t.Errorf("round %d: the torn record %s was applied", l.round, name)
		}
	}

	// Collaborators of the project, with their roles.
	var project struct {
		Collaborators []struct{ CollaboratorID, ProjectRole string }
	}
	get("/v4/projects/"+crashProjectID, &project)
	roles := map[string]string{}
	for _, c := range project.Collaborators {
		roles[c.CollaboratorID] = c.ProjectRole
	}
	for _, a := range l.accounts {
		if a.role == "" {
			continue
		}
		l.checks++
		if roles[a.id] != a.role {
			lose("collaborator %s as %s: the project has it as %q", a.name, a.role, roles[a.id])
		}
	}

	// Git credentials on their list routes.
	checkCreds := func(a *crashAccount, path string) {
		var creds []struct{ ID, Name string }
		get(path, &creds)
		have := map[string]string{}
		for _, c := range creds {
			have[c.Name] = c.ID
		}
		for _, c := range a.creds {
			if a != &l.admin {
				l.publicChecks++
			}
			if id, ok := have[c.name]; !ok || (c.id != "" && id != c.id) {
				lose("git credential %s (%s) of %s is not listed", c.name, c.id, a.name)
			}
		}
	}
	l.checks += len(l.admin.creds)
	checkCreds(&l.admin, "/v4/accounts/"+crashAdminID+"/gitcredentials")

	// The whole state, for what is listed per account.
	var state struct {
		Tokens []struct {
			Name, AccountID, Value string
			IsValid                bool
		}
		GitCredentials []struct{ ID, Name, OwnerID string }
		JobLifecycle   struct{ Stdout string }
	}
	get("/__mock/state?secrets=true", &state)
	// The last import acknowledged, or the one a kill interrupted; whichever
	// it is, it is the state from now on.
	if l.importAcked != 0 || l.importMaybe != 0 {
		l.checks++
		acked, maybe := fmt.Sprintf("import-%d", l.importAcked), fmt.Sprintf("import-%d", l.importMaybe)
		switch got := state.JobLifecycle.Stdout; {
		case got == maybe:
			l.importAcked = l.importMaybe
		case l.importAcked == 0 && got == "":
			// No import was acknowledged and the one a kill interrupted
			// never landed: the state is still the one before any import.
		case got != acked:
			lose("import %d: the state is that of %q", l.importAcked, got)
		}
		l.importMaybe = 0
	}
	type tokenState struct {
		value string
		valid bool
	}
	tokens := map[string]tokenState{}
	for _, tk := range state.Tokens {
		tokens[tk.AccountID+"/"+tk.Name] = tokenState{tk.Value, tk.IsValid}
	}
	creds := map[string]string{}
	for _, c := range state.GitCredentials {
		creds[c.OwnerID+"/"+c.Name] = c.ID
	}
	for _, a := range l.accounts {
		for _, c := range a.creds {
			l.checks++
			if id, ok := creds[a.id+"/"+c.name]; !ok || (c.id != "" && id != c.id) {
				lose("git credential %s (%s) of %s", c.name, c.id, a.name)
			}
		}
		for _, tk := range a.tokens {
			l.checks++
			if tk.invalidated {
				l.checks++ // the invalidation
			}
			got, ok := tokens[a.id+"/"+tk.name]
			switch {
			case !ok:
				lose("token %s of %s", tk.name, a.name)
			case tk.value != "" && got.value != tk.value:
				lose("token %s of %s has another value", tk.name, a.name)
			case tk.invalidated && got.valid:
				lose("invalidation of token %s of %s: it is valid again", tk.name, a.name)
			case !tk.invalidateSent && !got.valid:
				lose("token %s of %s is invalid, but no invalidation was sent", tk.name, a.name)
			}
		}
	}

	// The public per-account routes: tokens listed with the right validity,
	// credentials listed.
	for _, a := range l.accounts {
		deepTokens := false
		for _, tk := range a.tokens {
			deepTokens = deepTokens || deep(tk.round) || (tk.invalidated && deep(tk.invRound))
		}
		if deepTokens {
			var toks []struct {
				Name    string
				IsValid bool
			}
			get("/v4/serviceAccounts/"+a.idp+"/tokens", &toks)
			valid := map[string]bool{}
			for _, tk := range toks {
				valid[tk.Name] = tk.IsValid
			}
			for _, tk := range a.tokens {
				l.publicChecks++
				v, ok := valid[tk.name]
				switch {
				case !ok:
					lose("token %s of %s is not listed", tk.name, a.name)
				case tk.invalidated && v:
					lose("invalidation of token %s of %s: it is listed valid", tk.name, a.name)
				case !tk.invalidateSent && !v:
					lose("token %s of %s is listed invalid, but no invalidation was sent", tk.name, a.name)
				}
			}
		}
		deepCreds := false
		for _, c := range a.creds {
			deepCreds = deepCreds || deep(c.round)
		}
		if deepCreds {
			checkCreds(a, "/v4/serviceAccounts/"+a.idp+"/gitcredentials")
		}
	}

	// Bearer authentication on the API host: the signing key survived, and
	// invalidated tokens stay refused.
	type bearer struct {
		tok  *crashToken
		want int
	}
	var jobs []bearer
	for _, tk := range l.tokens {
		switch {
		case tk.value == "":
		case tk.invalidated && deep(tk.invRound):
			jobs = append(jobs, bearer{tk, http.StatusUnauthorized})
		case !tk.invalidateSent && deep(tk.round):
			jobs = append(jobs, bearer{tk, http.StatusOK})
		}
	}
	var next atomic.Int64
	var mu sync.Mutex
	var failures []string
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				b := jobs[i]
				var me struct{ UserName string }
				status, ok := run.do("GET", run.api+"/v4/users/self", b.tok.value, nil, &me)
				if !ok || status != b.want || (b.want == http.StatusOK && me.UserName != b.tok.acct.name) {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("bearer token %s of %s: status %d (answered %v) as %q, want %d",
						b.tok.name, b.tok.acct.name, status, ok, me.UserName, b.want))
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	l.bearerChecks += len(jobs)
	for _, f := range failures {
		lose("%s", f)
	}
}

// crashTear appends a record that a crash cut short: alternately half a
// line, and a whole line but its newline. (A line that has its newline was
// written whole, so damage to it stops start-up instead: see
// TestPersistCorruptDirectoryStopsOpen in internal/store.)
func crashTear(t *testing.T, path string, round int) {
	t.Helper()
	data := []byte(fmt.Sprintf(`{"seq":999999999,"users":[{"id":"torn","idpId":"torn-%d","userName":"torn-%d","active":true}]}`, round, round))
	line := []byte(fmt.Sprintf("%08x %s\n", crc32.ChecksumIEEE(data), data))
	if round%2 == 0 {
		line = line[:len(line)/2]
	} else {
		line = line[:len(line)-1]
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(line); err != nil {
		t.Fatal(err)
	}
}

// TestCrashDuringFirstStart kills the binary at random moments of its first
// start on a new directory (taking the lock, writing the signing key, the
// first snapshot, which says no log exists yet, the log, the snapshot
// again), then starts it again: that must always succeed, and tokens issued
// then must verify after another kill and restart. Half the rounds bring
// their own key (--signing-key), so that the kill lands among the state
// files' writes rather than in the key's generation.
func TestCrashDuringFirstStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	args := func(dir string) []string {
		return []string{"--state", dir, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0",
			"--log-level", "warn", "--external-url", "http://mockdomino.crash.test"}
	}
	// A key of its own, and how long a first start takes with and without it.
	keyDir := t.TempDir()
	began := time.Now()
	cmd, _, _, _ := startBinary(t, bin, nil, args(keyDir)...)
	slow := time.Since(began)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	keyPath := filepath.Join(keyDir, "signing-key.pem")
	began = time.Now()
	cmd, _, _, _ = startBinary(t, bin, nil, append(args(t.TempDir()), "--signing-key", keyPath)...)
	fast := time.Since(began)
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()

	const rounds = 16
	seen := map[string]int{} // what the directory held at each kill
	for round := 0; round < rounds && !t.Failed(); round++ {
		dir := filepath.Join(t.TempDir(), "state")
		a, took := args(dir), slow
		if round%2 == 1 {
			a, took = append(a, "--signing-key", keyPath), fast
		}
		cmd := exec.Command(bin, a...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.Int64N(int64(took) * 5 / 4)))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		seen[crashDirState(dir)]++

		cmd, _, proxy, stderr := startBinary(t, bin, nil, a...)
		run := &crashRun{cmd: cmd, proxy: proxy, stderr: stderr, client: &http.Client{Timeout: 10 * time.Second}}
		var sa struct{ IdpID string }
		var tok struct{ Token string }
		if status, _ := run.do("POST", proxy+"/v4/serviceAccounts", "", map[string]string{"username": "first", "email": "first@example.com"}, &sa); status != http.StatusCreated {
			t.Fatalf("round %d: create account: %d\n%s", round, status, stderr)
		}
		if status, _ := run.do("POST", proxy+"/v4/serviceAccounts/"+sa.IdpID+"/tokens", "", map[string]string{"name": "t"}, &tok); status != http.StatusCreated {
			t.Fatalf("round %d: create token: %d\n%s", round, status, stderr)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		cmd, api, _, stderr := startBinary(t, bin, nil, a...)
		run = &crashRun{cmd: cmd, stderr: stderr, client: &http.Client{Timeout: 10 * time.Second}}
		var me struct{ UserName string }
		if status, _ := run.do("GET", api+"/v4/users/self", tok.Token, nil, &me); status != http.StatusOK || me.UserName != "first" {
			t.Errorf("round %d: the token after a restart: %d as %q\n%s", round, status, me.UserName, stderr)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
	t.Logf("first start (%v, %v with --signing-key) killed %d times; the directory held, at the kill: %v", slow.Round(time.Millisecond), fast.Round(time.Millisecond), rounds, seen)
}

// crashDirState names what a state directory holds, for the test's log.
func crashDirState(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "no directory"
	}
	var names []string
	for _, e := range entries {
		name := e.Name()
		if name == "snapshot.json" {
			if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil && bytes.Contains(data, []byte(`"logWas":"none"`)) {
				name += "(no log yet)"
			}
		}
		names = append(names, name)
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, "+")
}

// TestCrashTwoStartsTogether starts two mocks at once on a new directory:
// one is refused, and must have changed nothing there; the survivor's
// tokens verify after it is killed and started again.
func TestCrashTwoStartsTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	for round := 0; round < 5 && !t.Failed(); round++ {
		dir := filepath.Join(t.TempDir(), "state")
		args := []string{"--state", dir, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--log-level", "warn",
			"--external-url", "http://mockdomino.crash.test"}
		type started struct {
			cmd    *exec.Cmd
			proxy  string
			stderr *bytes.Buffer
			exited bool
		}
		results := make(chan started, 2)
		for i := 0; i < 2; i++ {
			go func() {
				cmd := exec.Command(bin, args...)
				stderr := &bytes.Buffer{}
				cmd.Stderr = stderr
				out, err := cmd.StdoutPipe()
				if err != nil {
					panic(err)
				}
				if err := cmd.Start(); err != nil {
					panic(err)
				}
				sc := bufio.NewScanner(out)
				for sc.Scan() {
					if p, ok := strings.CutPrefix(sc.Text(), "proxy listening on "); ok {
						go io.Copy(io.Discard, out)
						results <- started{cmd: cmd, proxy: p, stderr: stderr}
						return
					}
				}
				cmd.Wait()
				results <- started{cmd: cmd, stderr: stderr, exited: true}
			}()
		}
		var survivor, refused *started
		for i := 0; i < 2; i++ {
			r := <-results
			if r.exited {
				refused = &r
			} else {
				t.Cleanup(func() { r.cmd.Process.Kill(); r.cmd.Wait() })
				survivor = &r
			}
		}
		if survivor == nil || refused == nil {
			t.Fatalf("round %d: want one mock serving and one refused; refused: %v", round, refused != nil)
		}
		if !strings.Contains(refused.stderr.String(), "in use") {
			t.Errorf("round %d: the refused mock said %q", round, refused.stderr)
		}
		run := &crashRun{cmd: survivor.cmd, proxy: survivor.proxy, stderr: survivor.stderr, client: &http.Client{Timeout: 10 * time.Second}}
		var sa struct{ IdpID string }
		var tok struct{ Token string }
		if status, _ := run.do("POST", run.proxy+"/v4/serviceAccounts", "", map[string]string{"username": "kept", "email": "kept@example.com"}, &sa); status != http.StatusCreated {
			t.Fatalf("round %d: create account: %d", round, status)
		}
		if status, _ := run.do("POST", run.proxy+"/v4/serviceAccounts/"+sa.IdpID+"/tokens", "", map[string]string{"name": "t"}, &tok); status != http.StatusCreated {
			t.Fatalf("round %d: create token: %d", round, status)
		}
		survivor.cmd.Process.Signal(syscall.SIGKILL)
		survivor.cmd.Wait()
		cmd, api, _, stderr := startBinary(t, bin, nil, args...)
		again := &crashRun{cmd: cmd, stderr: stderr, client: &http.Client{Timeout: 10 * time.Second}}
		var me struct{ UserName string }
		if status, _ := again.do("GET", api+"/v4/users/self", tok.Token, nil, &me); status != http.StatusOK || me.UserName != "kept" {
			t.Errorf("round %d: the survivor's token after its restart: %d as %q\n%s", round, status, me.UserName, stderr)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
}
