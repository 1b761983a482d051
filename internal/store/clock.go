package store

import (
	"math"
	"sync"
	"time"
)

// Clock is the mock's time: the wall clock plus an offset that only grows,
// so tests can make tokens expire and jobs finish without waiting.
type Clock struct {
	mu     sync.RWMutex
	offset time.Duration
	wall   func() time.Time
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
	return c.wall().Add(c.offset).UTC()
}

// offsetAfter is the offset an advance by d would give, or why it cannot be made.
func (c *Clock) offsetAfter(d time.Duration) (time.Duration, error) {
	if d < 0 {
		return 0, errorf(KindInvalid, "advance must not be negative: the mock clock only moves forward")
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.offset > math.MaxInt64-d { // the offset is never negative
		return 0, errorf(KindInvalid, "advance of %v is too large: the mock clock would overflow", d)
	}
	return c.offset + d, nil
}

// Offset is how far the clock has been advanced in total.
func (c *Clock) Offset() time.Duration {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.offset
}

// SetOffset restores an offset (used when state is loaded); it never moves the clock back.
func (c *Clock) SetOffset(d time.Duration) {
	c.mu.Lock()
	if d > c.offset {
		c.offset = d
	}
	c.mu.Unlock()
}
