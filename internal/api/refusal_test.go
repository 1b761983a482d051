package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/mockdomino/mockdomino/internal/api"
	"github.com/mockdomino/mockdomino/internal/profile"
	"github.com/mockdomino/mockdomino/internal/store"
)

// lockedBuffer is a log destination the handlers may write concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestJournalSaysWhyARequestWasRefused: every 401 and 403 says why in its
// journal entry (refusal) and in the debug log line, which check refused
// it, while the answer says no more than before (every 401 the one generic
// message) and no credential reaches the journal or the log (issue 12,
// item 12).
func TestJournalSaysWhyARequestWasRefused(t *testing.T) {
	var logs lockedBuffer
	st := store.New(store.Config{Keys: keys(t), ExternalURL: "http://mock.test", Profile: profile.Observed()})
	o := api.Options{Store: st, Journal: api.NewJournal(100), Faults: api.NewFaults(1),
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	e := &env{t: t, st: st, api: api.New(o, api.APIHost), proxy: api.New(o, api.Proxy)}

	bot, tok := e.saWithToken("refused-bot", "")
	invalidated := e.createToken(bot.IdpID, "old")
	e.must(200, e.proxy, "POST", "/v4/serviceAccounts/"+bot.IdpID+"/tokens/old/invalidate", "")
	deleted := e.createToken(bot.IdpID, "gone")
	e.must(200, e.proxy, "DELETE", "/v4/serviceAccounts/"+bot.IdpID+"/tokens/gone", "")
	off, offTok := e.saWithToken("off-bot", "")
	e.must(201, e.proxy, "POST", "/v4/serviceAccounts/"+off.IdpID+"/deactivate", "")
	altered := tok[:len(tok)-2] + map[bool]string{true: "AA", false: "BB"}[!strings.HasSuffix(tok, "AA")]
	e.must(201, e.proxy, "POST", "/__mock/faults", `{"match":{"route":"/v4/auth/principal"},"effect":{"status":401},"times":1}`)
	secrets := []string{tok, invalidated, deleted, offTok, altered, "nope-secret-key-123", "not-a-jwt-secret", "c2VjcmV0OnNlY3JldA=="}

	cases := []struct {
		name, path string
		hdr        []string
		status     int
		refusal    string
	}{
		{"no credentials", "/v4/users/self", noAuth, 401, "no credentials"},
		{"not a bearer token", "/v4/users/self", []string{"Authorization", "Basic c2VjcmV0OnNlY3JldA=="}, 401, "not a bearer token"},
		{"unknown API key", "/v4/users/self", []string{"X-Domino-Api-Key", "nope-secret-key-123"}, 401, "unknown API key"},
		{"not a JWT", "/v4/users/self", bearer("not-a-jwt-secret"), 401, "not a token"},
		{"bad signature", "/v4/users/self", bearer(altered), 401, "does not match"},
		{"deleted", "/v4/users/self", bearer(deleted), 401, "unknown token"},
		{"invalidated", "/v4/users/self", bearer(invalidated), 401, `token "old" of service account refused-bot was invalidated`},
		{"deactivated", "/v4/users/self", bearer(offTok), 401, "service account off-bot is deactivated"},
		{"not a collaborator", "/v4/projects/" + projectID, bearer(tok), 403, "refused-bot may not access project"},
		{"not an administrator", "/v4/serviceAccounts", asAlice, 403, "only administrators"},
		{"a fault rule", "/v4/auth/principal", asAdmin, 401, "fault-1"},
	}
	check := func(name, path string, hdr []string, status int, refusal string) {
		t.Helper()
		r := e.do(e.api, "GET", path, "", hdr...)
		if r.code != status {
			t.Fatalf("%s: %s, want %d", name, r, status)
		}
		if status == 401 && !strings.Contains(refusal, "fault") && !strings.Contains(string(r.body), store.ErrUnauthenticated.Message) {
			t.Errorf("%s: answer %s, want the one generic 401 message", name, r.body)
		}
		if status == 401 && !strings.Contains(refusal, "fault") && strings.Contains(string(r.body), refusal) {
			t.Errorf("%s: the answer tells the caller why: %s", name, r.body)
		}
		var j struct{ Entries []map[string]any }
		if err := json.Unmarshal(e.must(200, e.proxy, "GET", "/__mock/journal?limit=1", "").body, &j); err != nil || len(j.Entries) != 1 {
			t.Fatalf("%s: journal %v %v", name, j, err)
		}
		if got := str(j.Entries[0]["refusal"]); !strings.Contains(got, refusal) {
			t.Errorf("%s: journal refusal %q, want it to say %q", name, got, refusal)
		}
		line := ""
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, str(j.Entries[0]["requestId"])) {
				line = l
			}
		}
		if !strings.Contains(line, "refusal=") || !strings.Contains(line, strings.Split(refusal, `"`)[0]) {
			t.Errorf("%s: debug log line %q, want the refusal", name, line)
		}
	}
	for _, c := range cases {
		check(c.name, c.path, c.hdr, c.status, c.refusal)
	}
	// Expiry is judged by the mock's clock.
	fresh := e.createToken(bot.IdpID, "fresh")
	secrets = append(secrets, fresh)
	e.must(200, e.proxy, "POST", "/__mock/clock", `{"advance":"2881h"}`)
	check("expired", "/v4/users/self", bearer(fresh), 401, `token "fresh" of service account refused-bot expired at`)

	journal := string(e.must(200, e.proxy, "GET", "/__mock/journal", "").body)
	for _, s := range secrets {
		if strings.Contains(journal, s) || strings.Contains(logs.String(), s) {
			t.Errorf("a credential reached the journal or the log: %.20s…", s)
		}
	}
	// Requests that were not refused say nothing of a refusal.
	e.must(200, e.api, "GET", "/v4/users/self", "", asAdmin...)
	if j := string(e.must(200, e.proxy, "GET", "/__mock/journal?limit=1", "").body); strings.Contains(j, "refusal") {
		t.Errorf("a served request has a refusal: %s", j)
	}
}
