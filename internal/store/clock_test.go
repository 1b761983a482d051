package store

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// advance moves c forward by d as the store does: the new offset is worked
// out first and set only if the advance can be made.
func advance(c *Clock, d time.Duration) (time.Time, error) {
	offset, err := c.offsetAfter(d)
	if err != nil {
		return time.Time{}, err
	}
	c.SetOffset(offset)
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
	for _, d := range []time.Duration{-1, -time.Hour, math.MinInt64} {
		_, err := advance(c, d)
		wantKind(t, "advance("+d.String()+")", err, KindInvalid)
	}
	if c.Offset() != 90*time.Minute {
		t.Errorf("refused advances changed the offset to %v", c.Offset())
	}
	c.SetOffset(time.Hour) // never back
	if c.Offset() != 90*time.Minute {
		t.Errorf("SetOffset moved the clock back to %v", c.Offset())
	}
	c.SetOffset(2 * time.Hour)
	if c.Offset() != 2*time.Hour {
		t.Errorf("SetOffset(2h) gave %v", c.Offset())
	}
	// The clock follows the wall clock.
	wall = wall.Add(time.Second)
	if got := c.Now(); !got.Equal(wall.Add(2 * time.Hour)) {
		t.Errorf("Now() does not follow the wall clock: %v", got)
	}
}

func TestClockNeverGoesBack(t *testing.T) {
	c := NewClock(nil)
	before := c.Now()
	must(advance(c, math.MaxInt64/2)).ok(t)
	mid := c.Now()
	// An advance that would overflow the offset is refused rather than
	// wrapping it negative.
	_, err := advance(c, math.MaxInt64)
	wantKind(t, "advance past the largest offset", err, KindInvalid)
	if after := c.Now(); after.Before(mid) || !mid.After(before) {
		t.Errorf("clock went back: %v, %v, %v", before, mid, after)
	}
}

func TestStoreAdvanceClock(t *testing.T) {
	s := newStore(t)
	before := s.Clock().Now()
	now := must(s.AdvanceClock(48 * time.Hour)).ok(t)
	if d := now.Sub(before); d < 48*time.Hour || d > 48*time.Hour+time.Minute {
		t.Errorf("AdvanceClock(48h) moved the clock by %v", d)
	}
	_, err := s.AdvanceClock(-time.Second)
	wantKind(t, "AdvanceClock(-1s)", err, KindInvalid)
	if s.Clock().Offset() != 48*time.Hour {
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
