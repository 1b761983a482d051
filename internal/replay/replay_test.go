package replay_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockdomino/mockdomino/internal/conformance"
	"github.com/mockdomino/mockdomino/internal/replay"
	"github.com/mockdomino/mockdomino/internal/transcript"
)

// replayOnFreshMock replays a transcript against a new in-process mock.
func replayOnFreshMock(t *testing.T, xs []transcript.Exchange, opt replay.Options) replay.Result {
	t.Helper()
	m, err := conformance.StartMock("observed")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tg := m.Target()
	opt.APIHost, opt.APIProxy, opt.AdminAPIKey, opt.UserAPIKey = tg.APIHost, tg.APIProxy, tg.AdminAPIKey, tg.UserAPIKey
	opt.Controls = replay.ControlsReplay
	res, err := replay.Run(context.Background(), xs, opt)
	if err != nil {
		t.Fatalf("replay: %v", err)
	}
	return res
}

func readTestdata(t *testing.T, name string) []transcript.Exchange {
	t.Helper()
	xs, err := transcript.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return xs
}

func driftLines(res replay.Result) string {
	var b strings.Builder
	for _, d := range res.Drifts {
		b.WriteString(d.String() + "\n")
	}
	return b.String()
}

// testdata/mock.jsonl was recorded from the mock itself (conformance --mock
// --record, the scenarios about tokens, service accounts, collaborators, git
// credentials, projects and the public API): replayed against a fresh mock,
// nothing drifts, although every id, token and time the fresh mock gives
// differs from the recorded ones.
func TestTranscriptOfTheMockReplaysWithNoDrift(t *testing.T) {
	xs := readTestdata(t, "mock.jsonl")
	res := replayOnFreshMock(t, xs, replay.Options{})
	if !res.OK() {
		t.Errorf("%d differences replaying the mock's own transcript:\n%s", len(res.Drifts), driftLines(res))
	}
	if res.Replayed != len(xs) || res.Skipped != 0 {
		t.Errorf("%s; want all %d exchanges replayed", res.Summary(), len(xs))
	}
	// The transcript uses both listeners and the tokens its answers gave.
	if len(res.Hosts) != 2 {
		t.Errorf("hosts %+v, want the API host and the API proxy", res.Hosts)
	}
}

// testdata/edited.jsonl is mock.jsonl edited by hand in three places (see
// testdata/README.md): each is reported, on a line of its own, and
// nothing else is.
func TestEditedTranscriptReportsEachDifference(t *testing.T) {
	xs := readTestdata(t, "edited.jsonl")
	res := replayOnFreshMock(t, xs, replay.Options{})
	want := []string{
		`line 205 GET /v4/users/self: shape $.avatarUrl: recorded no such field, got a string`,
		`line 869 POST /v4/serviceAccounts/6d60e061-ce61-4af7-a6a7-6127ec7577fa/tokens: status: recorded 409, got 500`,
		`line 1032 POST /v4/serviceAccounts/84cafe8b-1bc2-414b-bb8d-4463184e58ce/tokens: value $.message: recorded "the token's name is required", got "name is required"`,
	}
	var out bytes.Buffer
	if err := res.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if len(res.Drifts) != len(want) || res.Drifted != len(want) {
		t.Errorf("%d differences in %d exchanges, want %d:\n%s", len(res.Drifts), res.Drifted, len(want), out.String())
	}
	for i, w := range want {
		if i >= len(lines) || lines[i] != w {
			t.Errorf("report line %d:\n got %q\nwant %q", i+1, lines[i], w)
		}
	}
	if sum := lines[len(lines)-2]; sum != "1103 exchanges replayed (0 skipped), 3 drifted, 3 differences" {
		t.Errorf("summary %q", sum)
	}
}

// A fresh recording of the areas the committed transcript leaves out (JWTs,
// the API proxy, users, jobs, runs, scheduled jobs, workspaces,
// environments, credential mappings: clocks moved, lifecycles set, forged
// tokens) replays against a fresh mock with no drift: the mapping rules
// hold beyond the committed transcript. (The whole suite, replayed by hand,
// shows none either: docs/verification-replay.md.)
func TestFreshRecordingReplaysWithNoDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("records a run of the suite")
	}
	file := filepath.Join(t.TempDir(), "run.jsonl")
	var stdout, stderr bytes.Buffer
	tags := "@jwt or @proxy or @users or @jobs or @runs or @scheduled-jobs or @workspaces or @environments or @credential-mapping"
	if code := conformance.Main(context.Background(), []string{"--mock", "--record", file, "--tags", tags}, &stdout, &stderr, func(string) string { return "" }); code != 0 {
		t.Fatalf("recording: exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	xs, err := transcript.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	res := replayOnFreshMock(t, xs, replay.Options{})
	if !res.OK() {
		t.Errorf("%s:\n%s", res.Summary(), driftLines(res))
	}
	if res.Replayed != len(xs) || len(xs) < 500 {
		t.Errorf("%s of %d exchanges; want them all, and a broad run", res.Summary(), len(xs))
	}
	t.Logf("%s in %s", res.Summary(), res.Duration)
}
