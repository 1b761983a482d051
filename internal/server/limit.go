package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// limitListener serves at most n connections at a time. The connections
// beyond wait in the kernel's listen backlog, unread, costing the process
// nothing, but for the one Accept has taken and holds, unread, until a slot
// frees. While it waits, the keep-alive connection idle the longest is
// closed to make room: a client holding many idle connections cannot keep
// the others out until the idle timeout.
type limitListener struct {
	net.Listener
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	idle      *idleConns
}

func newLimitListener(ln net.Listener, n int, idle *idleConns) *limitListener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, n), done: make(chan struct{}), idle: idle}
}

// reclaimEvery is how often a waiting Accept looks for an idle connection
// to close: one may go idle while it waits.
const reclaimEvery = 50 * time.Millisecond

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tick := time.NewTicker(reclaimEvery)
	defer tick.Stop()
	for {
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		default:
		}
		l.idle.closeOldest()
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
		case <-l.done:
			c.Close()
			return nil, net.ErrClosed
		case <-tick.C:
		}
	}
}

func (l *limitListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// CloseWrite keeps net/http's half-close of a connection it stops reading.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// idleConns are the keep-alive connections waiting for their next request,
// oldest first, as http.Server's ConnState reports them.
type idleConns struct {
	mu    sync.Mutex
	conns map[net.Conn]time.Time
}

func newIdleConns() *idleConns { return &idleConns{conns: map[net.Conn]time.Time{}} }

// track is an http.Server's ConnState hook.
func (ic *idleConns) track(c net.Conn, state http.ConnState) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	if state == http.StateIdle {
		ic.conns[c] = time.Now()
	} else {
		delete(ic.conns, c)
	}
}

// closeOldest closes the connection idle the longest, if any; the server
// then closes its side and the slot is free.
func (ic *idleConns) closeOldest() {
	ic.mu.Lock()
	var oldest net.Conn
	var since time.Time
	for c, t := range ic.conns {
		if oldest == nil || t.Before(since) {
			oldest, since = c, t
		}
	}
	delete(ic.conns, oldest)
	ic.mu.Unlock()
	if oldest != nil {
		oldest.Close()
	}
}
