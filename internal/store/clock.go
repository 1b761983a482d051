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

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errorf(KindInvalid, "advance must not be negative: the mock clock only moves forward")
	}
	c.mu.Lock()
	if c.offset > math.MaxInt64-d { // the offset is never negative
		c.mu.Unlock()
		return time.Time{}, errorf(KindInvalid, "advance of %v is too large: the mock clock would overflow", d)
	}
	c.offset += d
	c.mu.Unlock()
	return c.Now(), nil
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
