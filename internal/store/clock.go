package store

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Clock is the mock's time: the wall clock plus an offset, or a time it is
// frozen at. Tests move it (forward or back), set it, freeze it and let it
// run again, so tokens expire and jobs finish without waiting.
type Clock struct {
	mu    sync.RWMutex
	state ClockState
	wall  func() time.Time
}

// ClockState is where a clock stands: following the wall clock at Offset,
// or frozen at FrozenAt (non-zero), where only a move takes it.
type ClockState struct {
	Offset   time.Duration // while running: ahead of (negative: behind) the wall clock
	FrozenAt time.Time     // non-zero: frozen at this time (Offset is then 0)
}

// Frozen says whether the clock stands still.
func (s ClockState) Frozen() bool { return !s.FrozenAt.IsZero() }

func (s ClockState) now(wall time.Time) time.Time {
	if s.Frozen() {
		return s.FrozenAt.UTC()
	}
	return wall.Add(s.Offset).UTC()
}

// MinClockTime is the earliest time the mock's clock may show: tokens count
// their times (iat, exp) in seconds from it.
var MinClockTime = time.Unix(0, 0).UTC()

// StoppedClock is a clock frozen at t, for a mock started at a given time
// (--start-time); t must be a time the clock may show.
func StoppedClock(t time.Time) (*Clock, error) {
	c := NewClock(nil)
	yes := true
	s, err := c.after(ClockMove{Set: &t, Frozen: &yes})
	if err != nil {
		return nil, err
	}
	c.Set(s)
	return c, nil
}

// NewClock returns a clock that follows wall (time.Now when nil).
func NewClock(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{wall: wall}
}

// Now is the current mock time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.state.now(c.wall())
}

// Offset is how far the clock is from the wall clock: ahead, or behind
// when negative. A frozen clock's changes as the wall clock runs.
func (c *Clock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.state.Frozen() {
		return c.state.FrozenAt.Sub(c.wall())
	}
	return c.state.Offset
}

// State is where the clock stands.
func (c *Clock) State() ClockState {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.state
}

// Set puts the clock where s says (a state loaded or imported, a move
// worked out by after): back as well as forward.
func (c *Clock) Set(s ClockState) {
	c.mu.Lock()
	c.state = s
	c.mu.Unlock()
}

// SetOffset makes the clock run at offset d from the wall clock.
func (c *Clock) SetOffset(d time.Duration) { c.Set(ClockState{Offset: d}) }

// ClockMove is one change of the mock's clock: a move by Advance (negative:
// back) or to Set, then, when Frozen is given, freezing or resuming it.
type ClockMove struct {
	Advance time.Duration
	Set     *time.Time // to this time (Advance must then be 0)
	Frozen  *bool      // nil: as it was; true: stands still; false: follows the wall clock from there
}

// after is the state a move would give, or why it cannot be made. Every
// position is one the clock could run from: not before MinClockTime, and
// within an offset's reach (about 292 years) of the wall clock.
func (c *Clock) after(m ClockMove) (ClockState, error) {
	if m.Set != nil && m.Advance != 0 {
		return ClockState{}, errorf(KindInvalid, "give advance or set, not both")
	}
	c.mu.RLock()
	cur, wall := c.state, c.wall()
	c.mu.RUnlock()
	now := cur.now(wall)
	// The messages leave out times the wall clock gives: they would differ
	// from one attempt to the next.
	to, what := now.Add(m.Advance), fmt.Sprintf("advance of %v", m.Advance)
	if m.Set != nil {
		to = m.Set.UTC()
		what = "set " + to.Format(time.RFC3339Nano)
	}
	if to.Before(MinClockTime) {
		return ClockState{}, errorf(KindInvalid, "%s would take the mock clock before %s (tokens count their times from it)",
			what, MinClockTime.Format(time.RFC3339))
	}
	offset := to.Sub(wall)
	if offset == math.MaxInt64 || offset == math.MinInt64 { // Sub saturates
		return ClockState{}, errorf(KindInvalid, "%s is too far from the wall clock: the mock clock would overflow (it reaches about 292 years either way)", what)
	}
	frozen := cur.Frozen()
	if m.Frozen != nil {
		frozen = *m.Frozen
	}
	if frozen {
		return ClockState{FrozenAt: to}, nil
	}
	return ClockState{Offset: offset}, nil
}

// goesBack says whether putting the clock at to moves it back.
func (c *Clock) goesBack(to ClockState) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	wall := c.wall()
	return to.now(wall).Before(c.state.now(wall))
}

// check says why a state loaded or imported cannot be the clock's, if it cannot.
func (c *Clock) check(s ClockState) error {
	wall := c.wall()
	at := s.now(wall)
	if at.Before(MinClockTime) {
		return errorf(KindInvalid, "the mock clock would show %s, before %s (tokens count their times from it)",
			at.Format(time.RFC3339Nano), MinClockTime.Format(time.RFC3339))
	}
	if off := at.Sub(wall); s.Frozen() && (off == math.MaxInt64 || off == math.MinInt64) {
		return errorf(KindInvalid, "the mock clock would show %s, too far from the wall clock to run from (about 292 years either way)",
			at.Format(time.RFC3339Nano))
	}
	return nil
}

// notBefore is t, or earliest when t is before it: a stage reached after
// the clock moved back is stamped no earlier than the stage before it.
func notBefore(t, earliest time.Time) time.Time {
	if t.Before(earliest) {
		return earliest
	}
	return t
}

// catchUp brings everything the clock drives up to now, as a read at now
// would, before the clock moves back: progress is lazy, and what the time
// passed has done must stay done. The caller holds the write lock.
func (s *Store) catchUp(now time.Time) {
	s.fireDue()
	var jobs []*job
	for _, j := range s.st.jobs {
		if !j.completedStatus() {
			jobs = append(jobs, j)
		}
	}
	slices.SortFunc(jobs, func(a, b *job) int { return strings.Compare(a.id, b.id) }) // a stable log
	for _, j := range jobs {
		s.progress(j, now, false)
	}
	var ws []*workspace
	for _, w := range s.st.ws.byID {
		if w.live() != nil {
			ws = append(ws, w)
		}
	}
	slices.SortFunc(ws, func(a, b *workspace) int { return strings.Compare(a.id, b.id) })
	s.bringUp(now, false, ws...)
	for _, id := range slices.Sorted(maps.Keys(s.st.apps)) {
		s.progressApp(s.st.apps[id], now, false)
	}
	for _, id := range slices.Sorted(maps.Keys(s.st.exports)) {
		e := s.st.exports[id]
		before := *e
		e.progress(now, false)
		if *e != before && s.writable() == nil {
			_ = s.commit(change{exports: []*modelExport{e}})
		}
	}
}
