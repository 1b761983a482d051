package api

import (
	"strings"
	"testing"
)

// TestFramerFindsTheRefusedRequest: the framer follows request framing
// (Content-Length and chunked bodies, extensions and trailers, blank lines
// between requests) however the bytes are split, and names the target of
// the first request that never reached the router.
func TestFramerFindsTheRefusedRequest(t *testing.T) {
	stream := "GET /v4/a HTTP/1.1\r\nHost: x\r\n\r\n" +
		"\r\n" + // a blank line between requests
		"POST /v4/b HTTP/1.1\r\nHost: x\r\ncontent-length: 30\r\n\r\n" + "GET /api/fake HTTP/1.1\r\n\r\n...." +
		"POST /v4/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"1a;ext=1\r\nGET /api/fake HTTP/1.1\r\n\r\n\r\n0\r\nTrailer: GET /api/x HTTP/1.1\r\n\r\n" +
		"GET /api/d%zz?q HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /v4/e HTTP/1.1\r\n"
	want := []string{"/v4/a", "/v4/b", "/v4/c", "/api/d%zz?q", "/v4/e"}
	for _, chunk := range []int{1, 3, 7, len(stream)} {
		var f framer
		for i := 0; i < len(stream); i += chunk {
			f.feed([]byte(stream[i:min(i+chunk, len(stream))]))
		}
		if f.state == frameLost || f.seen != uint64(len(want)) {
			t.Fatalf("chunks of %d: state %d, %d requests seen", chunk, f.state, f.seen)
		}
		for handled, target := range want {
			if got := f.target(uint64(handled)); got != target {
				t.Errorf("chunks of %d: after %d handled, target %q, want %q", chunk, handled, got, target)
			}
		}
	}

	// Framing net/http does differently from a naive reading: lost (the
	// legacy shape) when a continuation line changes a framing header.
	for stream, wantLost := range map[string]bool{
		"POST /x HTTP/1.1\r\nContent-Length: 2\r\n 3\r\n\r\n":                                              true,
		"POST /x HTTP/1.1\r\nTransfer-Encoding: gzip,\r\n chunked\r\n\r\n":                                 true,
		"POST /x HTTP/1.1\r\nX-A: 1\r\n Content-Length: 3\r\n\r\n":                                         false,
		"POST /x HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n":                      false,
		"POST /x HTTP/1.1\r\nTransfer-Encoding: " + strings.Repeat(" ", maxFramerLine) + "chunked\r\n\r\n": true,
		"POST /x HTTP/1.1\r\nContent-Length: 1" + strings.Repeat("0", maxFramerLine) + "\r\n\r\n":          true,
		"POST /x HTTP/1.1\r\ncontent-length:" + strings.Repeat("0", 3*maxFramerLine) + "\r\n\r\n":          false,
	} {
		var f framer
		f.feed([]byte(stream))
		if lost := f.state == frameLost; lost != wantLost || !lost && f.state != frameRequestLine {
			t.Errorf("%.60q: state %d, want lost %v", stream, f.state, wantLost)
		}
	}

	// A request line too long to end: its start.
	var f framer
	f.feed([]byte("GET /api/" + strings.Repeat("x", 100<<10)))
	if got := f.target(0); !strings.HasPrefix(got, "/api/xxx") || len(got) > maxFramerTarget {
		t.Errorf("unfinished request line: %.20q (%d bytes)", got, len(got))
	}
	// Too far behind the router, or not read: unknown.
	f = framer{}
	for range framerTargets + 1 {
		f.feed([]byte("GET /v4/x HTTP/1.1\r\n\r\n"))
	}
	if f.target(0) != "" || f.target(framerTargets+1) != "" || f.target(1) != "/v4/x" {
		t.Errorf("targets out of the window: %q %q %q", f.target(0), f.target(framerTargets+1), f.target(1))
	}
}

func TestNetHTTPRefusalIsRecognisedExactly(t *testing.T) {
	for raw, want := range map[string]int{
		"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request":                                                             400,
		"HTTP/1.1 400 Bad Request: missing required Host header\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request: missing required Host header": 400,
		"HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nUnsupported transfer encoding":                                           501,
		"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n431 Request Header Fields Too Large":                     431,
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Fri, 27 Nov 2026 18:18:08 GMT\r\nContent-Length: 0\r\n\r\n":                                                    417,
		// Not net/http's own: a handler's answers, a 1xx, a body that differs.
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\nDate: Fri, 27 Nov 2026 18:18:08 GMT\r\nX-Request-Id: x\r\n\r\n": 0,
		"HTTP/1.1 400 Bad Request\r\nContent-Length: 15\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request":       0,
		"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request and more":                    0,
		"HTTP/1.1 100 Continue\r\n\r\n": 0,
		"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n200 OK": 0,
		"{\"message\":\"x\"}": 0,
	} {
		got, _, ok := netHTTPRefusal([]byte(raw))
		if !ok {
			got = 0
		}
		if got != want {
			t.Errorf("%q: %d, want %d", raw, got, want)
		}
	}
}
