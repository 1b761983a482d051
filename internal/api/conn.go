package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// net/http answers some requests itself, before any handler runs: a
// request line or header it cannot parse (a path with bad percent-encoding
// such as %zz, a control character, no Host), headers over the limit
// (431), an unknown transfer coding (501), an HTTP version it does not
// serve (505), an Expect other than 100-continue (417). It writes that
// answer as plain text (or, for 417, empty), in one Write straight to the
// connection, and closes it.
//
// WrapListener's connections replace exactly that write with the same
// status in the error shape of the route the request named. A connection
// wrapper is the robust place for it: it changes nothing net/http reads
// (rewriting a bad request line on the way in would mean finding request
// boundaries in the byte stream and handing net/http something other than
// what was sent, the stuff of request smuggling), and it cannot touch a
// handler's answer: net/http's own has exactly the headers
// "Content-Type: text/plain; charset=utf-8" and "Connection: close" (the
// 417: Connection, Date, Content-Length: 0), while every answer a handler
// writes also carries X-Request-Id and Content-Length.
//
// To choose the shape the connection needs the refused request's path. It
// follows the framing of what it reads (request line, headers, a
// Content-Length or chunked body) and remembers the targets of the last
// requests; the router tells the connection when a request reaches it, so
// the first remembered target that never did is the refused one. If the
// framing is lost the legacy shape is used.

// WrapListener returns ln with its connections wrapped as above. The
// http.Server serving it must set ConnContext to this package's.
func WrapListener(ln net.Listener) net.Listener { return shapingListener{ln} }

// ConnContext is for http.Server.ConnContext: it lets the router find the
// connection a request came on.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if sc, ok := c.(*shapingConn); ok {
		return context.WithValue(ctx, shapingConnKey{}, sc)
	}
	return ctx
}

type shapingConnKey struct{}

// reachedRouter tells r's connection, if it is wrapped, that r reached a handler.
func reachedRouter(r *http.Request) {
	if sc, ok := r.Context().Value(shapingConnKey{}).(*shapingConn); ok {
		sc.mu.Lock()
		sc.handled++
		sc.mu.Unlock()
	}
}

type shapingListener struct{ net.Listener }

func (l shapingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapingConn{Conn: c}, nil
}

type shapingConn struct {
	net.Conn
	mu      sync.Mutex // Read runs on net/http's background reader too
	frames  framer
	handled uint64 // requests that reached the router
}

func (c *shapingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.frames.feed(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

func (c *shapingConn) Write(p []byte) (int, error) {
	status, reason, ok := netHTTPRefusal(p)
	if !ok {
		return c.Conn.Write(p)
	}
	c.mu.Lock()
	target := c.frames.target(c.handled)
	c.mu.Unlock()
	if _, err := c.Conn.Write(shapedRefusal(status, reason, target)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite keeps net/http's half-close before it closes a connection
// whose request it did not read to the end.
func (c *shapingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// plainRefusalHeaders follow the status line of every answer net/http
// writes itself (net/http/server.go, conn.serve).
var plainRefusalHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// expectationFailed is net/http's answer to an Expect header other than
// 100-continue (response.sendExpectationFailed): a handler's 417 would
// carry X-Request-Id and Content-Type.
var expectationFailed = regexp.MustCompile("^HTTP/1\\.1 417 Expectation Failed\r\nConnection: close\r\nDate: [^\r\n]+\r\nContent-Length: 0\r\n\r\n$")

// netHTTPRefusal recognises one of net/http's own error answers: the status
// line, plainRefusalHeaders, and as body the status line again (or, for
// 501, "Unsupported transfer encoding"); or expectationFailed. reason is
// the text after the status's name ("missing required Host header"), if
// any.
func netHTTPRefusal(p []byte) (status int, reason string, ok bool) {
	rest, found := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !found || len(p) > 1024 {
		return 0, "", false
	}
	if bytes.HasPrefix(rest, []byte("417 ")) && expectationFailed.Match(p) {
		return http.StatusExpectationFailed, "", true
	}
	end := bytes.IndexByte(rest, '\r')
	if end < 3 || !bytes.HasPrefix(rest[end:], plainRefusalHeaders) {
		return 0, "", false
	}
	statusLine, body := string(rest[:end]), string(rest[end+len(plainRefusalHeaders):])
	status, err := strconv.Atoi(statusLine[:3])
	if err != nil || status < 400 || status > 599 ||
		body != statusLine && (status != http.StatusNotImplemented || body != "Unsupported transfer encoding") {
		return 0, "", false
	}
	_, reason, _ = strings.Cut(statusLine, ": ")
	return status, reason, true
}

// shapedRefusal is the answer to write instead: the same status, in the
// shape of target's route, and the connection closes as net/http's did.
func shapedRefusal(status int, reason, target string) []byte {
	msg := reason
	switch {
	case status == http.StatusRequestHeaderFieldsTooLarge:
		msg = "request headers are too large"
	case status == http.StatusNotImplemented:
		msg = "unsupported Transfer-Encoding: send the body with Content-Length or chunked"
	case status == http.StatusExpectationFailed:
		msg = "unsupported Expect header: only 100-continue is supported"
	case msg == "":
		msg = "malformed request"
		var ue *url.Error
		if _, err := url.ParseRequestURI(target); errors.As(err, &ue) {
			msg = "malformed request target: " + clipPath(ue.Err.Error())
		}
	}
	id := uuid.NewString()
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // as writeBody
	enc.Encode(errorBody(targetPath(target), status, id, msg))
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Length: %d\r\nContent-Type: application/json\r\nDate: %s\r\nX-Request-Id: %s\r\n\r\n%s",
		status, http.StatusText(status), body.Len()-1, time.Now().UTC().Format(http.TimeFormat), id, bytes.TrimSuffix(body.Bytes(), []byte("\n")))
}

// targetPath is the path of a request target, origin ("/a?b") or absolute
// ("http://host/a") form, without decoding it.
func targetPath(target string) string {
	if _, rest, ok := strings.Cut(target, "://"); ok {
		i := strings.IndexByte(rest, '/')
		if i < 0 {
			return "/"
		}
		target = rest[i:]
	}
	path, _, _ := strings.Cut(target, "?")
	return path
}

// framer follows HTTP/1.1 request framing in the bytes a connection reads,
// only to remember each request's target; it never changes what is read.
type framer struct {
	state   frameState
	line    []byte // the current line, its first maxFramerLine bytes
	cut     bool   // the current line was longer than that
	left    int64  // bytes of a body or chunk still to come
	length  int64
	chunked bool
	http10  bool       // the request is HTTP/1.0: net/http ignores its Transfer-Encoding
	last    headerKind // the header the next continuation line would extend
	seen    uint64     // request lines read
	targets [framerTargets]string
}

// headerKind is what a header line means to framing.
type headerKind int

const (
	otherHeader headerKind = iota
	lengthHeader
	codingHeader
)

// framerTargets is how many requests may be read ahead of the router (pipelining).
const framerTargets = 16

// maxFramerLine is how much of a line is kept: a target longer than this
// is cut, its path's start is all the shape needs.
const maxFramerLine = 8 << 10

type frameState int

const (
	frameRequestLine frameState = iota
	frameHeaders
	frameBody
	frameChunkSize
	frameChunkData
	frameChunkEnd
	frameTrailers
	frameLost // something net/http will refuse anyway, or does not frame like this
)

func (f *framer) feed(b []byte) {
	for len(b) > 0 && f.state != frameLost {
		if f.state == frameBody || f.state == frameChunkData {
			n := min(int64(len(b)), f.left)
			b, f.left = b[n:], f.left-n
			switch {
			case f.left > 0:
			case f.state == frameBody:
				f.state = frameRequestLine
			default:
				f.state = frameChunkEnd
			}
			continue
		}
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			f.keep(b)
			return
		}
		f.keep(b[:i])
		b = b[i+1:]
		f.endLine(bytes.TrimSuffix(f.line, []byte("\r")))
		f.line, f.cut = f.line[:0], false
	}
}

func (f *framer) keep(b []byte) {
	for len(b) > 0 {
		if len(f.line) == maxFramerLine && !f.dropLeadingZeros() {
			f.cut = true
			return
		}
		n := min(len(b), maxFramerLine-len(f.line))
		f.line, b = append(f.line, b[:n]...), b[n:]
	}
}

// dropLeadingZeros shortens a full line that is a Content-Length header
// whose value starts with zeros to one leading zero: net/http reads such a
// value (it allows a header line up to its header limit, far longer than
// maxFramerLine), so the framer must read the same number.
func (f *framer) dropLeadingZeros() bool {
	const name = "content-length:"
	if f.state != frameHeaders || len(f.line) < len(name) || !bytes.EqualFold(f.line[:len(name)], []byte(name)) {
		return false
	}
	start := len(name)
	for start < len(f.line) && (f.line[start] == ' ' || f.line[start] == '\t') {
		start++
	}
	zeros := 0
	for start+zeros < len(f.line) && f.line[start+zeros] == '0' {
		zeros++
	}
	if zeros < 2 {
		return false
	}
	f.line = append(f.line[:start+1], f.line[start+zeros:]...)
	return true
}

func (f *framer) endLine(line []byte) {
	switch f.state {
	case frameRequestLine:
		if len(line) == 0 {
			return // blank lines between requests
		}
		f.targets[f.seen%framerTargets] = requestTarget(line)
		f.seen++
		f.state, f.length, f.chunked, f.last = frameHeaders, 0, false, otherHeader
		f.http10 = bytes.HasSuffix(line, []byte(" HTTP/1.0"))
	case frameHeaders:
		if len(line) == 0 {
			switch {
			case f.chunked:
				f.state = frameChunkSize
			case f.length > 0:
				f.state, f.left = frameBody, f.length
			default:
				f.state = frameRequestLine
			}
			return
		}
		if line[0] == ' ' || line[0] == '\t' {
			// An obs-fold continuation: net/http adds it to the previous
			// header's value, which must then not be one that frames.
			if f.last != otherHeader {
				f.state = frameLost
			}
			return
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimSpace(value)
		f.last = otherHeader
		switch {
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || f.cut {
				f.state = frameLost
			}
			f.length, f.last = n, lengthHeader
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("Transfer-Encoding")):
			if f.cut {
				f.state = frameLost
			}
			// net/http ignores Transfer-Encoding on HTTP/1.0 (issue 12785).
			f.chunked = !f.http10 && bytes.Contains(bytes.ToLower(value), []byte("chunked"))
			f.last = codingHeader
		}
	case frameChunkSize:
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		switch {
		case err != nil || n < 0:
			f.state = frameLost
		case n == 0:
			f.state = frameTrailers
		default:
			f.state, f.left = frameChunkData, n
		}
	case frameChunkEnd:
		f.state = frameChunkSize
		if len(line) != 0 {
			f.state = frameLost
		}
	case frameTrailers:
		if len(line) == 0 {
			f.state = frameRequestLine
		}
	}
}

// requestTarget is the second field of a request line, its first
// maxFramerTarget bytes: enough for the shape (the path's start) and the
// message, and 16 of them per connection stay small.
func requestTarget(line []byte) string {
	_, rest, _ := bytes.Cut(line, []byte(" "))
	target, _, _ := bytes.Cut(rest, []byte(" "))
	return string(target[:min(len(target), maxFramerTarget)])
}

const maxFramerTarget = 1 << 10

// target returns the target of the request after the first handled ones,
// which net/http refused, or "" if it is not known.
func (f *framer) target(handled uint64) string {
	switch {
	case handled < f.seen && f.seen-handled <= framerTargets:
		return f.targets[handled%framerTargets]
	case handled == f.seen && f.state == frameRequestLine:
		return requestTarget(f.line) // a request line too long to end
	}
	return ""
}
