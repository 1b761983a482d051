package server

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/mockdomino/mockdomino/fixtures"
)

// rawConn sends raw bytes to base and reads the answers with net/http's
// own response parser.
type rawConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, base string) *rawConn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return newRawConn(t, conn)
}

func newRawConn(t *testing.T, conn net.Conn) *rawConn {
	t.Cleanup(func() { conn.Close() })
	// A guard against a hang, not a measure: each answer comes at once.
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	return &rawConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *rawConn) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatal(err)
	}
}

type rawAnswer struct {
	status int
	header http.Header
	body   []byte
	close  bool // Connection: close
}

// read reads one answer to a request of method.
func (c *rawConn) read(method string) *rawAnswer {
	c.t.Helper()
	resp, err := http.ReadResponse(c.r, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading an answer: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("reading an answer's body: %v", err)
	}
	return &rawAnswer{status: resp.StatusCode, header: resp.Header, body: body, close: resp.Close}
}

// closed reports whether the server closed the connection with nothing more to say.
func (c *rawConn) closed() bool {
	_, err := c.r.ReadByte()
	return err == io.EOF
}

// errorShape checks an error answer against the shape of path's routes
// (the legacy {"message","success":false} or /api's
// {"requestId","errors"}) and returns its message.
func errorShape(t *testing.T, a *rawAnswer, path string) string {
	t.Helper()
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%d answer with Content-Type %q: %s", a.status, ct, a.body)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("%d answer is not a JSON object: %s", a.status, a.body)
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	})
	if strings.HasPrefix(path, "/api/") && (a.status == 400 || a.status == 404 || a.status == 500) {
		var msg string
		if !slices.Equal(keys, []string{"error"}) || json.Unmarshal(m["error"], &msg) != nil || msg == "" {
			t.Fatalf("%d answer for %s is not in the public API's {\"error\"} shape: %s", a.status, path, a.body)
		}
		return msg
	}
	if strings.HasPrefix(path, "/api/") {
		var id string
		var errs []string
		if !slices.Equal(keys, []string{"errors", "requestId"}) || json.Unmarshal(m["requestId"], &id) != nil || uuid.Validate(id) != nil ||
			id != a.header.Get("X-Request-Id") || json.Unmarshal(m["errors"], &errs) != nil || len(errs) != 1 || errs[0] == "" {
			t.Fatalf("%d answer for %s is not in the public API's shape: %s (X-Request-Id %q)", a.status, path, a.body, a.header.Get("X-Request-Id"))
		}
		return errs[0]
	}
	var msg string
	if !slices.Equal(keys, []string{"message", "success"}) || json.Unmarshal(m["message"], &msg) != nil || msg == "" || string(m["success"]) != "false" {
		t.Fatalf("%d answer for %s is not in the legacy shape: %s", a.status, path, a.body)
	}
	return msg
}

// netHTTPRefusal is a request net/http refuses before any handler runs, and
// the answer it must get instead.
type netHTTPRefusal struct {
	name, raw, path string
	status          int
	message         string
}

var adminKeyHeader = "X-Domino-Api-Key: " + fixtures.DefaultAdminAPIKey + "\r\n"

var netHTTPRefusals = []netHTTPRefusal{
	{"bad escape, legacy route", "GET /v4/projects/%zz HTTP/1.1\r\nHost: x\r\n\r\n", "/v4/projects/%zz", 400, `invalid URL escape "%zz"`},
	{"bad escape, public API route", "GET /api/users/v1/%zz?x=1 HTTP/1.1\r\nHost: x\r\n" + adminKeyHeader + "\r\n", "/api/users/v1/%zz", 400, `invalid URL escape "%zz"`},
	{"bad escape, absolute form", "GET http://x/api/jobs/v1/%G1 HTTP/1.1\r\nHost: x\r\n\r\n", "/api/jobs/v1/%G1", 400, "invalid URL escape"},
	{"control character in the path", "GET /v4/users/\x01 HTTP/1.1\r\nHost: x\r\n\r\n", "/v4/users/", 400, "malformed"},
	{"no Host", "GET /api/users/v1/self HTTP/1.1\r\n\r\n", "/api/users/v1/self", 400, "missing required Host header"},
	{"malformed header", "GET /v4/users/self HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", "/v4/users/self", 400, "malformed"},
	{"unknown transfer coding", "POST /v4/serviceAccounts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "/v4/serviceAccounts", 501, "Transfer-Encoding"},
	{"unknown expectation", "POST /api/jobs/v1/jobs HTTP/1.1\r\nHost: x\r\nExpect: bogus\r\nContent-Length: 2\r\n\r\n{}", "/api/jobs/v1/jobs", 417, "Expect"},
	{"HTTP/2.0 in the clear", "GET /api/users/v1/self HTTP/2.0\r\nHost: x\r\n\r\n", "/api/users/v1/self", 505, "unsupported protocol version"},
	{"headers over the limit", "GET /api/users/v1/self HTTP/1.1\r\nHost: x\r\nX-Junk: " + strings.Repeat("j", 2<<20) + "\r\n\r\n", "/api/users/v1/self", 431, "too large"},
}

// check sends the request on conn and checks the answer.
func (c netHTTPRefusal) check(t *testing.T, conn *rawConn) {
	t.Helper()
	conn.send(c.raw)
	a := conn.read("GET")
	if a.status != c.status {
		t.Fatalf("status %d, want %d: %s", a.status, c.status, a.body)
	}
	if msg := errorShape(t, a, c.path); !strings.Contains(msg, c.message) {
		t.Errorf("message %q, want it to mention %q", msg, c.message)
	}
	if !a.close || !conn.closed() {
		t.Errorf("connection not closed after the refusal")
	}
}

// TestRequestsNetHTTPRefusesAreAnsweredInTheRoutesShape: net/http refuses
// some requests before any handler runs (bad percent-encoding in the path,
// no Host, headers over the limit, an unknown transfer coding, HTTP/2.0
// without TLS) and used to answer them in plain text. They are answered in
// the error shape of the route the path names, on a real socket, alone,
// after a keep-alive request and behind pipelined ones.
func TestRequestsNetHTTPRefusesAreAnsweredInTheRoutesShape(t *testing.T) {
	srv := start(t, Config{})
	for _, c := range netHTTPRefusals {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, dialRaw(t, srv.APIURL()))
		})
	}

	t.Run("after a keep-alive request", func(t *testing.T) {
		conn := dialRaw(t, srv.ProxyURL())
		conn.send("GET /access-token HTTP/1.1\r\nHost: x\r\n\r\n")
		a := conn.read("GET")
		if a.status != 200 || a.header.Get("Content-Type") != "text/plain; charset=utf-8" || strings.Count(string(a.body), ".") != 2 {
			t.Fatalf("a handler's plain-text answer was changed: %d %q %s", a.status, a.header.Get("Content-Type"), a.body)
		}
		conn.send("GET /api/users/v1/self HTTP/1.1\r\nHost: x\r\n\r\n")
		if a := conn.read("GET"); a.status != 200 {
			t.Fatalf("second request: %d %s", a.status, a.body)
		}
		// net/http's own answer to OPTIONS * was a bare 200; it reaches the router.
		conn.send("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
		if a := conn.read("OPTIONS"); a.status != 404 {
			t.Fatalf("OPTIONS *: %d %s", a.status, a.body)
		} else {
			errorShape(t, a, "*")
		}
		conn.send("GET /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n")
		a = conn.read("GET")
		if a.status != 400 {
			t.Fatalf("%d %s", a.status, a.body)
		}
		errorShape(t, a, "/api/")
	})

	t.Run("a handler's answers with the same statuses pass unchanged", func(t *testing.T) {
		conn := dialRaw(t, srv.ProxyURL())
		for _, status := range []int{400, 431, 501, 505} {
			rule := `{"match":{"route":"/version"},"effect":{"status":` + strconv.Itoa(status) + `,"message":"from the handler"},"times":1}`
			conn.send("POST /__mock/faults HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(rule)) + "\r\n\r\n" + rule)
			if a := conn.read("POST"); a.status != 201 {
				t.Fatalf("adding a fault: %d %s", a.status, a.body)
			}
			conn.send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
			a := conn.read("GET")
			if a.status != status || a.close || errorShape(t, a, "/version") != "from the handler" {
				t.Fatalf("fault %d answered %d %s (connection close: %v)", status, a.status, a.body, a.close)
			}
		}
	})

	t.Run("framed as net/http frames it", func(t *testing.T) {
		// Requests whose framing is easy to get wrong, each followed by a
		// refused one: the refusal has the shape of the refused request's
		// route only if the connection framed the first as net/http did.
		body := `{"advance":"1s"}` + "\r\n" // a line end: read as a request line if misframed
		clock := "POST /__mock/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
		for name, first := range map[string]string{
			// Leading zeros beyond the framer's line limit.
			"a long Content-Length": clock + "Content-Length: " + strings.Repeat("0", 9000) + strconv.Itoa(len(body)) + "\r\n\r\n" + body,
			// net/http ignores Transfer-Encoding on HTTP/1.0 and reads Content-Length.
			"HTTP/1.0 with Transfer-Encoding": strings.Replace(clock, "HTTP/1.1", "HTTP/1.0", 1) +
				"Connection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body,
			// A folded line belongs to X-Foo's value, not a Content-Length.
			"an obs-fold line": "GET /version HTTP/1.1\r\nHost: x\r\nX-Foo: a\r\n Content-Length: 5\r\n\r\n",
		} {
			t.Run(name, func(t *testing.T) {
				conn := dialRaw(t, srv.ProxyURL())
				conn.send(first + "GET /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n")
				if a := conn.read("POST"); a.status != 200 {
					t.Fatalf("first request: %d %s", a.status, a.body)
				}
				a := conn.read("GET")
				if a.status != 400 {
					t.Fatalf("refused request: %d %s", a.status, a.body)
				}
				errorShape(t, a, "/api/")
			})
		}
	})

	t.Run("pipelined behind requests with bodies", func(t *testing.T) {
		// Two requests whose bodies hold what looks like a request line for
		// another route, one chunked, then the bad request, then one that
		// is never read: net/http closes the connection after a refusal.
		fakeLine := "GET /api/%zz HTTP/1.1\r\n\r\n"
		body := `{"advance":"1s","x":"` + "\r\n" + fakeLine + `"}`
		conn := dialRaw(t, srv.ProxyURL())
		conn.send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n" +
			"POST /__mock/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body +
			"POST /__mock/clock HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n" +
			"GET /v4/users/%zz HTTP/1.1\r\nHost: x\r\n\r\n" +
			"GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
		for i, want := range []int{200, 400, 400} {
			// The bodies are not JSON (a request line sits in them): 400.
			if a := conn.read("GET"); a.status != want {
				t.Fatalf("answer %d: %d %s", i+1, a.status, a.body)
			}
		}
		a := conn.read("GET")
		if a.status != 400 || !strings.Contains(errorShape(t, a, "/v4/users/%zz"), "%zz") {
			t.Fatalf("the bad request: %d %s", a.status, a.body)
		}
		if !conn.closed() {
			t.Error("connection still open after the refusal")
		}
	})
}

// TestConnectionLimit: beyond MaxConnections a connection waits, unread,
// until one of those served closes.
func TestConnectionLimit(t *testing.T) {
	srv := start(t, Config{MaxConnections: 2})
	// Two connections that have sent nothing yet hold both slots: a third
	// waits, unread, until one closes.
	var opened []*rawConn
	for range 2 {
		opened = append(opened, dialRaw(t, srv.APIURL()))
	}
	waiting := dialRaw(t, srv.APIURL()) // the kernel completes the handshake
	waiting.send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
	waiting.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := waiting.r.Peek(1); err == nil {
		t.Fatal("a third connection was served while two were open")
	}
	opened[0].conn.Close()
	waiting.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if a := waiting.read("GET"); a.status != 200 {
		t.Fatalf("after a slot freed: %d %s", a.status, a.body)
	}
	// Now the slots are held by two idle keep-alive connections (waiting
	// and opened[1] once it has been served): a new one is served at once,
	// the oldest idle one closed to make room (the adversarial review's
	// D12: 512 idle connections kept every other client out for the
	// 2-minute idle timeout).
	opened[1].send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
	if a := opened[1].read("GET"); a.status != 200 {
		t.Fatalf("%d %s", a.status, a.body)
	}
	third := dialRaw(t, srv.APIURL())
	third.send("GET /version HTTP/1.1\r\nHost: x\r\n\r\n")
	third.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if a := third.read("GET"); a.status != 200 {
		t.Fatalf("a new connection while two were idle: %d %s", a.status, a.body)
	}
	waiting.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	if !waiting.closed() {
		t.Error("the oldest idle connection was not the one closed")
	}
}

// TestHeaderLimit: a request's line and headers may take MaxHeaderBytes
// (net/http allows 4 KiB more); beyond, 431 in the route's shape.
func TestHeaderLimit(t *testing.T) {
	srv := start(t, Config{})
	for _, c := range []struct {
		size, status int
	}{{MaxHeaderBytes - 1024, 401}, {MaxHeaderBytes + 8<<10, 431}} {
		conn := dialRaw(t, srv.APIURL())
		conn.send("GET /api/users/v1/self HTTP/1.1\r\nHost: x\r\nX-Junk: " + strings.Repeat("j", c.size) + "\r\n\r\n")
		a := conn.read("GET")
		if a.status != c.status {
			t.Errorf("%d bytes of headers: %d %s, want %d", c.size, a.status, a.body, c.status)
		}
		errorShape(t, a, "/api/users/v1/self")
	}
}

// TestShortBodyIsAnswered: a client that stops sending before its
// Content-Length is reached gets a 400 in the route's shape once the read
// timeout has passed, not silence: the answer has WriteTimeout more.
func TestShortBodyIsAnswered(t *testing.T) {
	srv := start(t, Config{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond})
	for _, c := range []struct{ listener, method, path, creds string }{
		{srv.ProxyURL(), "POST", "/v4/serviceAccounts", ""},
		{srv.ProxyURL(), "POST", "/api/jobs/v1/jobs", ""},
		{srv.ProxyURL(), "GET", "/v4/users/self", ""}, // a route that takes no body reads it too
		{srv.APIURL(), "PUT", "/__mock/state", "X-Domino-Api-Key: " + fixtures.DefaultAdminAPIKey + "\r\n"},
	} {
		conn := dialRaw(t, c.listener)
		conn.send(c.method + " " + c.path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + c.creds +
			"Content-Length: 100\r\n\r\n{\"username\":")
		a := conn.read(c.method)
		if a.status != 400 || !strings.Contains(errorShape(t, a, c.path), "could not be read") {
			t.Errorf("%s %s: %d %s", c.method, c.path, a.status, a.body)
		}
	}
}

// TestDelayLongerThanTheTimeouts: a fault delay longer than the read and
// write timeouts is answered, once the delay is over, and the journal
// says what the client got.
func TestDelayLongerThanTheTimeouts(t *testing.T) {
	srv := start(t, Config{ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	proxy := srv.ProxyURL()
	post := func(path, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(proxy+path, "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, body := post("/__mock/faults", `{"match":{"route":"/v4/serviceAccounts","method":"POST"},"effect":{"delay":"1s"},"times":1}`); code != 201 {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := post("/__mock/faults", `{"match":{"route":"/version"},"effect":{"delay":"1s","status":503,"message":"later"},"times":1}`); code != 201 {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := post("/v4/serviceAccounts", `{"username":"slow-sa","email":"slow@example.com"}`); code != 201 {
		t.Errorf("delayed creation: %d %s", code, body)
	}
	resp, err := http.Get(proxy + "/version")
	if err != nil || resp.StatusCode != 503 {
		t.Errorf("delayed 503: %v %v", resp, err)
	}
	var journal struct {
		Entries []struct {
			Path   string
			Status int
			Fault  string
		}
	}
	resp, err = http.Get(proxy + "/__mock/journal")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&journal)
	resp.Body.Close()
	got := map[string]int{}
	for _, e := range journal.Entries {
		got[e.Path+" "+e.Fault] = e.Status
	}
	if got["/v4/serviceAccounts fault-1"] != 201 || got["/version fault-2"] != 503 {
		t.Errorf("journal: %+v", journal.Entries)
	}
}

// TestClientGoneDuringDelay: a client that gives up during a delay does not
// stop the request (a server finishes what it started), and the journal
// records that no answer reached it (status 0).
func TestClientGoneDuringDelay(t *testing.T) {
	srv := start(t, Config{})
	proxy := srv.ProxyURL()
	resp, err := http.Post(proxy+"/__mock/faults", "application/json",
		strings.NewReader(`{"match":{"route":"/v4/serviceAccounts","method":"POST"},"effect":{"delay":"30s"},"times":1}`))
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("%v %v", resp, err)
	}
	client := &http.Client{Timeout: 300 * time.Millisecond}
	if resp, err := client.Post(proxy+"/v4/serviceAccounts", "application/json", strings.NewReader(`{"username":"gone-sa","email":"gone@example.com"}`)); err == nil {
		resp.Body.Close()
		t.Fatalf("answered before the delay: %s", resp.Status)
	}
	// The request is served as soon as the mock sees the client gone.
	var entries []struct {
		Path   string
		Status int
		Fault  string
	}
	for deadline := time.Now().Add(20 * time.Second); len(entries) == 0 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(proxy + "/__mock/journal?path=/v4/serviceAccounts")
		if err != nil {
			t.Fatal(err)
		}
		var j struct {
			Entries []struct {
				Path   string
				Status int
				Fault  string
			}
		}
		json.NewDecoder(resp.Body).Decode(&j)
		resp.Body.Close()
		entries = j.Entries
	}
	if len(entries) != 1 || entries[0].Status != 0 || entries[0].Fault != "fault-1" {
		t.Fatalf("journal: %+v, want the request with status 0 (no answer)", entries)
	}
	resp, err = http.Get(proxy + "/v4/serviceAccounts")
	if err != nil {
		t.Fatal(err)
	}
	list, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(list), `"gone-sa"`) {
		t.Errorf("the request was not served: %s", list)
	}
}
