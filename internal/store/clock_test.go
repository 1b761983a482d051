package store

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// advance moves c by d as the store does: the new state is worked out
// first and set only if the move can be made.
func advance(c *Clock, d time.Duration) (time.Time, error) {
	return move(c, ClockMove{Advance: d})
}

func move(c *Clock, m ClockMove) (time.Time, error) {
	to, err := c.after(m)
	if err != nil {
		return time.Time{}, err
	}
	c.Set(to)
	return c.Now(), nil
}

func TestClock(t *testing.T) {
	wall := time.Date(2025, 9, 4, 19, 28, 34, 0, time.FixedZone("X", 3600))
	c := NewClock(func() time.Time { return wall })
	if got := c.Now(); !got.Equal(wall) || got.Location() != time.UTC {
		t.Errorf("Now() = %v, want %v in UTC", got, wall)
	}
	now := must(advance(c, 90*time.Minute)).ok(t)
	if !now.Equal(wall.Add(90*time.Minute)) || !c.Now().Equal(now) || c.Offset() != 90*time.Minute {
		t.Errorf("after advance(90m): returned %v, Now %v, Offset %v", now, c.Now(), c.Offset())
	}
	must(advance(c, 0)).ok(t)
	// Back, and back past the wall clock.
	if now := must(advance(c, -2*time.Hour)).ok(t); !now.Equal(wall.Add(-30*time.Minute)) || c.Offset() != -30*time.Minute {
		t.Errorf("after advance(-2h): %v, offset %v", now, c.Offset())
	}
	c.SetOffset(time.Hour) // back as well as forward
	if c.Offset() != time.Hour {
		t.Errorf("SetOffset(1h) gave %v", c.Offset())
	}
	// The clock follows the wall clock.
	wall = wall.Add(time.Second)
	if got := c.Now(); !got.Equal(wall.Add(time.Hour)) {
		t.Errorf("Now() does not follow the wall clock: %v", got)
	}
}

// TestClockMoves: each move from a running clock at offset 1h (wall
// 2025-09-04T18:28:34Z), where it leaves the clock, and the moves refused,
// which leave it where it was.
func TestClockMoves(t *testing.T) {
	wall := time.Date(2025, 9, 4, 18, 28, 34, 0, time.UTC)
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	yes, no := true, false
	cases := []struct {
		name   string
		from   ClockState // zero: running at offset 1h
		move   ClockMove
		want   string // the time after, RFC 3339; "" for a refusal
		frozen bool
		err    string
	}{
		{name: "advance", move: ClockMove{Advance: 2904 * time.Hour}, want: "2026-01-03T19:28:34Z"},
		{name: "back", move: ClockMove{Advance: -25 * time.Hour}, want: "2025-09-03T18:28:34Z"},
		{name: "set later", move: ClockMove{Set: at("2026-01-01T00:00:00Z")}, want: "2026-01-01T00:00:00Z"},
		{name: "set earlier", move: ClockMove{Set: at("2001-02-03T04:05:06.789Z")}, want: "2001-02-03T04:05:06.789Z"},
		{name: "set the epoch", move: ClockMove{Set: at("1970-01-01T00:00:00Z")}, want: "1970-01-01T00:00:00Z"},
		{name: "set in another zone", move: ClockMove{Set: at("2026-01-01T01:00:00+01:00")}, want: "2026-01-01T00:00:00Z"},
		{name: "freeze", move: ClockMove{Frozen: &yes}, want: "2025-09-04T19:28:34Z", frozen: true},
		{name: "set and freeze", move: ClockMove{Set: at("2026-01-01T00:00:00Z"), Frozen: &yes}, want: "2026-01-01T00:00:00Z", frozen: true},
		{name: "resume a running clock", move: ClockMove{Frozen: &no}, want: "2025-09-04T19:28:34Z"},
		{name: "advance a frozen clock", from: ClockState{FrozenAt: *at("2026-01-01T00:00:00Z")}, move: ClockMove{Advance: time.Hour},
			want: "2026-01-01T01:00:00Z", frozen: true},
		{name: "move a frozen clock back", from: ClockState{FrozenAt: *at("2026-01-01T00:00:00Z")}, move: ClockMove{Advance: -time.Hour},
			want: "2025-12-31T23:00:00Z", frozen: true},
		{name: "resume", from: ClockState{FrozenAt: *at("2026-01-01T00:00:00Z")}, move: ClockMove{Frozen: &no}, want: "2026-01-01T00:00:00Z"},
		{name: "before the epoch", move: ClockMove{Advance: -56 * 366 * 24 * time.Hour}, err: "before 1970-01-01T00:00:00Z"},
		{name: "set before the epoch", move: ClockMove{Set: at("1969-12-31T23:59:59Z")}, err: "before 1970"},
		{name: "overflow", move: ClockMove{Advance: math.MaxInt64}, err: "overflow"},
		{name: "set past an offset's reach", move: ClockMove{Set: at("2400-01-01T00:00:00Z")}, err: "overflow"},
		{name: "set and advance", move: ClockMove{Set: at("2026-01-01T00:00:00Z"), Advance: time.Hour}, err: "not both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := NewClock(func() time.Time { return wall })
			from := c.from
			if from == (ClockState{}) {
				from = ClockState{Offset: time.Hour}
			}
			clk.Set(from)
			now, err := move(clk, c.move)
			if c.err != "" {
				wantErrContains(t, c.name, err, c.err)
				wantKind(t, c.name, err, KindInvalid)
				if clk.State() != from {
					t.Errorf("a refused move changed the clock to %+v", clk.State())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := now.Format(time.RFC3339Nano); got != c.want || clk.State().Frozen() != c.frozen {
				t.Errorf("now %s, frozen %v; want %s, frozen %v", got, clk.State().Frozen(), c.want, c.frozen)
			}
			// A frozen clock stands still; a running one follows the wall clock.
			wall := wall
			clk.wall = func() time.Time { return wall.Add(time.Minute) }
			want := now.Add(time.Minute)
			if c.frozen {
				want = now
			}
			if !clk.Now().Equal(want) {
				t.Errorf("a minute later the clock shows %v, want %v", clk.Now(), want)
			}
		})
	}
}

func TestStoreAdvanceClock(t *testing.T) {
	s := newStore(t)
	before := s.Clock().Now()
	now := must(s.AdvanceClock(48 * time.Hour)).ok(t)
	if d := now.Sub(before); d < 48*time.Hour || d > 48*time.Hour+time.Minute {
		t.Errorf("AdvanceClock(48h) moved the clock by %v", d)
	}
	must(s.AdvanceClock(-time.Hour)).ok(t)
	_, err := s.AdvanceClock(math.MaxInt64)
	wantKind(t, "AdvanceClock(max)", err, KindInvalid)
	if s.Clock().Offset() != 47*time.Hour {
		t.Errorf("offset = %v", s.Clock().Offset())
	}
	// Stores have their own clocks.
	if other := newStore(t); other.Clock().Offset() != 0 {
		t.Errorf("a new store's clock starts advanced by %v", other.Clock().Offset())
	}
}

func TestSeededIDs(t *testing.T) {
	a, b, c := SeededIDs(42), SeededIDs(42), SeededIDs(43)
	seen := map[string]bool{}
	var sameAsC int
	for i := 0; i < 50; i++ {
		oa, ob, oc := a.ObjectID(), b.ObjectID(), c.ObjectID()
		ua, ub, uc := a.UUID(), b.UUID(), c.UUID()
		if oa != ob || ua != ub {
			t.Fatalf("seed 42 gave %s/%s and %s/%s at step %d", oa, ua, ob, ub, i)
		}
		if oa == oc || ua == uc {
			sameAsC++
		}
		if !objectIDRE.MatchString(oa) || !uuidV4RE.MatchString(ua) {
			t.Fatalf("bad ids %q %q", oa, ua)
		}
		if seen[oa] || seen[ua] {
			t.Fatalf("id repeated: %s %s", oa, ua)
		}
		seen[oa], seen[ua] = true, true
	}
	if sameAsC != 0 {
		t.Errorf("seeds 42 and 43 agreed %d times", sameAsC)
	}
	r := RandomIDs()
	if x, y := r.ObjectID(), r.ObjectID(); x == y || !objectIDRE.MatchString(x) {
		t.Errorf("random ObjectIDs %q %q", x, y)
	}
	if u := r.UUID(); !uuidV4RE.MatchString(u) {
		t.Errorf("random UUID %q", u)
	}
}

func TestSeededStoresAgree(t *testing.T) {
	run := func() (ServiceAccount, GitCredential, Job) {
		s := newStoreWith(t, Config{IDs: SeededIDs(7)})
		admin := caller(t, s, "admin")
		sa := must(s.CreateServiceAccount(admin, "bot", "bot@example.com")).ok(t)
		cr := must(s.AddGitCredential(admin, sa.ID, tokenCred("c"))).ok(t)
		j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
		return sa, cr, j
	}
	sa1, cr1, j1 := run()
	sa2, cr2, j2 := run()
	if sa1 != sa2 || cr1 != cr2 || j1.ID != j2.ID || j1.CommitID != j2.CommitID {
		t.Errorf("two stores with seed 7 disagree:\n%+v %+v %s %s\n%+v %+v %s %s",
			sa1, cr1, j1.ID, j1.CommitID, sa2, cr2, j2.ID, j2.CommitID)
	}
}

func TestResetRestoresFixtures(t *testing.T) {
	s := newStore(t)
	admin := caller(t, s, "admin")
	fresh, _ := json.Marshal(newStore(t).Export(true))

	sa := newAccount(t, s, "bot")
	tok := newToken(t, s, sa, "t1")
	access := must(s.IssueAccessToken(caller(t, s, "alice"))).ok(t)
	must(s.AddCollaborator(admin, defProjectID, defAliceID, "Contributor")).ok(t)
	cr := must(s.AddGitCredential(admin, defAdminID, tokenCred("c"))).ok(t)
	must(s.SetCredentialMapping(admin, defProjectID, defRepoID, cr.ID)).ok(t)
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	j := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(time.Hour)).ok(t)

	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if l := must(s.ServiceAccounts(admin, true)).ok(t); len(l) != 0 {
		t.Errorf("service accounts after reset: %+v", l)
	}
	authRefused(t, s, "token after reset", tok.Token)
	authRefused(t, s, "access token after reset", access)
	if p := must(s.Project(admin, defProjectID)).ok(t); len(p.Collaborators) != 0 {
		t.Errorf("collaborators after reset: %+v", p.Collaborators)
	}
	_, err := s.Project(caller(t, s, "alice"), defProjectID)
	wantKind(t, "alice after reset", err, KindForbidden)
	if l := must(s.GitCredentials(admin, defAdminID)).ok(t); len(l) != 0 {
		t.Errorf("credentials after reset: %+v", l)
	}
	_, err = s.CredentialMapping(admin, defProjectID, defRepoID)
	wantKind(t, "mapping after reset", err, KindNotFound)
	_, err = s.Job(admin, j.ID)
	wantKind(t, "job after reset", err, KindNotFound)
	if l := s.JobLifecycle(); l != DefaultJobLifecycle() {
		t.Errorf("lifecycle after reset: %+v", l)
	}
	// The clock keeps its time; everything else is the fixtures again.
	if s.Clock().Offset() != time.Hour {
		t.Errorf("reset moved the clock: offset %v", s.Clock().Offset())
	}
	snap := s.Export(true)
	snap.ClockOffset = 0
	got, _ := json.Marshal(snap)
	if string(got) != string(fresh) {
		t.Errorf("state after reset differs from a new store's:\n got  %s\n want %s", got, fresh)
	}
	// The name is free again and the fixtures' keys work.
	newAccount(t, s, "bot")
	if c, err := s.AuthenticateAPIKey("mockdomino-alice-key-1e8b6d2f9a0c7e35"); err != nil || c.ID != defAliceID {
		t.Errorf("alice's key after reset: %+v %v", c, err)
	}
}

// TestImportRestoresTheClock is issue 12's item 7: a snapshot taken at
// offset 0 and imported after the clock moved 2,904 h on brings the clock
// back with the state, so the tokens it holds are usable again.
func TestImportRestoresTheClock(t *testing.T) {
	s := newStore(t)
	sa := newAccount(t, s, "bot")
	tok := newToken(t, s, sa, "t1")
	snap := s.Export(true)
	must(s.AdvanceClock(2904 * time.Hour)).ok(t)
	authRefused(t, s, "token after 2904h", tok.Token)
	if err := s.Import(snap); err != nil {
		t.Fatal(err)
	}
	if off := s.Clock().Offset(); off != 0 {
		t.Errorf("after the import the clock's offset is %v, want the snapshot's 0s", off)
	}
	authOK(t, s, "token after the import", tok.Token, sa.ID)
}

// TestClockMovedBack: moving the clock back undoes nothing, and what
// happens afterwards is stamped no earlier than what came before it, so a
// job never completes before it ran nor a session stops before it started.
func TestClockMovedBack(t *testing.T) {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := newStoreWith(t, Config{Clock: NewClock(func() time.Time { return start })})
	admin := caller(t, s, "admin")

	// A job under the clock lifecycle keeps the stage it reached, and the
	// next stage comes when the clock reaches it again.
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeClock, QueuedFor: Duration(time.Minute), RunFor: Duration(10 * time.Minute)})).ok(t)
	clocked := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(2 * time.Minute)).ok(t)
	must(s.AdvanceClock(-90 * time.Second)).ok(t) // to before the job ran, the clock still ahead of the wall
	if j := must(s.Job(admin, clocked.ID)).ok(t); j.Status != StatusRunning {
		t.Errorf("a running job after the clock went back: %s", j.Status)
	}
	must(s.AdvanceClock(10*time.Minute + 30*time.Second)).ok(t)
	if j := must(s.Job(admin, clocked.ID)).ok(t); j.Status != StatusSucceeded || !j.Completed.Equal(start.Add(11*time.Minute)) {
		t.Errorf("the job once the clock reached its end again: %s at %v", j.Status, j.Completed)
	}

	// Stages reached by reads, by the control routes and by a stop.
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModePolls, Polls: 2, FinalStatus: StatusSucceeded})).ok(t)
	polled := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(-24 * time.Hour)).ok(t)
	must(s.Job(admin, polled.ID)).ok(t)
	must(s.AdvanceClock(-time.Hour)).ok(t)
	j := must(s.Job(admin, polled.ID)).ok(t)
	if j.Status != StatusSucceeded || j.RunStart.Before(j.Submitted) || j.Completed.Before(j.RunStart) {
		t.Errorf("polled job: %s submitted %v, ran %v, completed %v", j.Status, j.Submitted, j.RunStart, j.Completed)
	}
	must(s.SetJobLifecycle(JobLifecycle{Mode: ModeManual})).ok(t)
	held := must(s.StartJob(admin, JobInput{ProjectID: defProjectID, Command: "x"})).ok(t)
	must(s.AdvanceClock(-time.Hour)).ok(t)
	must(s.AdvanceJob(held.ID)).ok(t)
	must(s.AdvanceClock(-time.Hour)).ok(t)
	j = must(s.StopJob(admin, defProjectID, held.ID)).ok(t)
	if j.Status != StatusStopped || j.RunStart.Before(j.Submitted) || j.Completed.Before(j.RunStart) {
		t.Errorf("stopped job: %s submitted %v, ran %v, completed %v", j.Status, j.Submitted, j.RunStart, j.Completed)
	}

	// A workspace session, and the time its workspace ran.
	w := newWorkspace(t, s, admin, defProjectID, "ide")
	must(s.Workspace(admin, w.ProjectID, w.ID)).ok(t) // runs at the next read
	must(s.AdvanceClock(-time.Hour)).ok(t)
	must(s.StopWorkspaceSession(admin, w.ProjectID, w.ID)).ok(t)
	got := must(s.Workspace(admin, w.ProjectID, w.ID)).ok(t)
	x := got.MostRecentSession
	if x.Status != StatusStopped || x.Running.Before(x.Queued) || x.Ended.Before(x.Running) || got.RunTime < 0 {
		t.Errorf("session: %s queued %v, running %v, ended %v; workspace ran %v", x.Status, x.Queued, x.Running, x.Ended, got.RunTime)
	}
}
