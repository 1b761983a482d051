package transcript

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

// syncBuffer is a transcript written by several handlers at once and read
// by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recording is a transcript being written by a proxy, and its log.
type recording struct {
	syncBuffer
	log syncBuffer
	// ended gets a value as each exchange's handler returns, its line
	// written: a client may have its whole answer a moment before.
	ended chan struct{}
}

// front puts a recording proxy in front of upstream (an httptest TLS
// server, trusted through its own client's transport) and returns the
// proxy's URL and its recording.
func front(t *testing.T, upstream *httptest.Server) (string, *recording) {
	t.Helper()
	u, err := url.Parse(upstream.URL)
	if err != nil {
		t.Fatal(err)
	}
	out := &recording{ended: make(chan struct{}, 1000)}
	p := NewProxy(u, NewRecorder(out), upstream.Client().Transport.(*http.Transport).Clone())
	p.Log = &out.log
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { out.ended <- struct{}{} }()
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, out
}

// lines waits for n exchanges to end and reads the transcript back as
// replay would.
func lines(t *testing.T, out *recording, n int) []Exchange {
	t.Helper()
	for range n {
		<-out.ended
	}
	xs, err := Read(strings.NewReader(out.String()))
	if err != nil {
		t.Fatalf("the transcript does not read back: %v\n%s", err, out)
	}
	return xs
}

// seenRequest is what the upstream received.
type seenRequest struct {
	method, uri, host, proto string
	header                   http.Header
	body                     []byte
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// A request through the proxy reaches the upstream as the same request sent
// directly does (method, path with its query, every header, body), and the
// client gets the same answer (status, headers, body); the transcript holds
// each exchange, with the upstream's host.
func TestProxyForwardsAsDirect(t *testing.T) {
	var mu sync.Mutex
	var last seenRequest
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream reading the body: %v", err)
		}
		mu.Lock()
		last = seenRequest{r.Method, r.RequestURI, r.Host, r.Proto, r.Header.Clone(), body}
		mu.Unlock()
		status, _ := strconv.Atoi(r.Header.Get("X-Want-Status"))
		w.Header()["X-Answer"] = []string{"a", "b"}
		w.Header().Set("Content-Type", "application/json")
		if status == http.StatusFound {
			w.Header().Set("Location", "/elsewhere")
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"echo":%q,"bytes":%d}`, r.Method+" "+r.RequestURI, len(body))
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	direct := up.Client()
	direct.CheckRedirect = noRedirects
	viaProxy := &http.Client{CheckRedirect: noRedirects}

	cases := []struct {
		method, path, contentType string
		body                      []byte
		status                    int
	}{
		{"GET", "/v4/users/self?a=1&b=%2F&c=x;y&c=z", "", nil, 200},
		{"POST", "/v4/serviceAccounts", "application/json", []byte(`{"username":"sa","email":"sa@example.com"}`), 201},
		{"PUT", "/v1/projects/o/p/blob.bin", "application/octet-stream", []byte{0, 0xff, 0xfe, 'x', 0x80}, 200},
		{"PATCH", "/v4/things/64b7f0a1c2d3e4f5a6b7c801", "text/plain", []byte("plain text"), 409},
		{"DELETE", "/v4/serviceAccounts/6f1c2a3e/tokens/t1", "", nil, 204},
		{"HEAD", "/version", "", nil, 200},
		{"GET", "/login", "", nil, 302}, // not followed: the client sees the redirect
	}
	type answer struct {
		status int
		header http.Header
		body   []byte
		seen   seenRequest
	}
	do := func(c *http.Client, base string, i int) answer {
		tc := cases[i]
		req, err := http.NewRequest(tc.method, base+tc.path, bytes.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		if tc.body == nil {
			req.Body, req.ContentLength = nil, 0
		}
		req.Header["X-Domino-Api-Key"] = []string{"admin-key-0123456789"}
		req.Header["Accept"] = []string{"application/json", "text/plain;q=0.5"}
		req.Header.Set("X-Want-Status", strconv.Itoa(tc.status))
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		resp.Header.Del("Date") // the only header the same answer may change
		mu.Lock()
		defer mu.Unlock()
		return answer{resp.StatusCode, resp.Header, body, last}
	}
	for i, tc := range cases {
		want, got := do(direct, up.URL, i), do(viaProxy, proxyURL, i)
		name := tc.method + " " + tc.path
		if got.status != want.status || got.status != tc.status {
			t.Errorf("%s: status %d through the proxy, %d direct, want %d", name, got.status, want.status, tc.status)
		}
		if !equalHeaders(got.header, want.header) {
			t.Errorf("%s: answer's headers through the proxy %v, direct %v", name, got.header, want.header)
		}
		if !bytes.Equal(got.body, want.body) {
			t.Errorf("%s: body through the proxy %q, direct %q", name, got.body, want.body)
		}
		g, w := got.seen, want.seen
		if g.method != w.method || g.uri != w.uri || g.host != w.host || g.proto != w.proto || !bytes.Equal(g.body, w.body) {
			t.Errorf("%s: the upstream got %s %s (host %s, %s, body %q) through the proxy, %s %s (host %s, %s, body %q) direct",
				name, g.method, g.uri, g.host, g.proto, g.body, w.method, w.uri, w.host, w.proto, w.body)
		}
		if !equalHeaders(g.header, w.header) {
			t.Errorf("%s: the upstream got the headers %v through the proxy, %v direct", name, g.header, w.header)
		}
	}

	xs := lines(t, out, len(cases))
	if len(xs) != len(cases) {
		t.Fatalf("%d exchanges recorded, want %d:\n%s", len(xs), len(cases), out)
	}
	host := strings.TrimPrefix(up.URL, "https://")
	for i, x := range xs {
		tc := cases[i]
		if x.Method != tc.method || x.Path != tc.path || x.Host != host || x.Status != tc.status || x.Error != "" {
			t.Errorf("line %d: %s %s on %s, %d %q; want %s %s on %s, %d", x.Line, x.Method, x.Path, x.Host, x.Status, x.Error, tc.method, tc.path, host, tc.status)
		}
		if k := x.RequestHeaders.Get("X-Domino-Api-Key"); k != "<api-key-1>" {
			t.Errorf("line %d: the key is recorded as %q", x.Line, k)
		}
		if got := x.ResponseHeaders.Values("X-Answer"); len(got) != 2 {
			t.Errorf("line %d: X-Answer recorded as %v", x.Line, got)
		}
	}
	if b := string(xs[1].RequestBody); b != `{"email":"sa@example.com","username":"sa"}` {
		t.Errorf("the POST's body is recorded as %s", b)
	}
	if b, _ := json.Marshal(xs[1].ResponseBody); !strings.Contains(string(b), `"bytes":42`) {
		t.Errorf("the POST's answer is recorded as %s", b)
	}
	if xs[2].RequestBodyBase64 != "AP/+eIA=" {
		t.Errorf("the binary body is recorded as %q", xs[2].RequestBodyBase64)
	}
	if string(xs[3].RequestBody) != `"plain text"` {
		t.Errorf("the text body is recorded as %s", xs[3].RequestBody)
	}
}

// equalHeaders compares headers, values in order.
func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb := b[k]
		if strings.Join(va, "\x00") != strings.Join(vb, "\x00") || len(va) != len(vb) {
			return false
		}
	}
	return true
}

// A proxy does not forward hop-by-hop headers, either way: Connection and
// the headers it names, Keep-Alive, Proxy-Authorization.
func TestProxyDropsHopByHopHeaders(t *testing.T) {
	seen := make(chan http.Header, 1)
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Clone()
		w.Header().Set("Connection", "X-Answer-Hop")
		w.Header().Set("X-Answer-Hop", "1")
		w.Header().Set("X-Kept", "1")
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	req, _ := http.NewRequest("GET", proxyURL+"/v4/users/self", nil)
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "1")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("Proxy-Authorization", "Basic cHJveHk6cGFzc3dvcmQ=")
	req.Header.Set("X-Kept", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	h := <-seen
	for _, name := range []string{"Connection", "X-Hop", "Keep-Alive", "Proxy-Authorization"} {
		if _, ok := h[name]; ok {
			t.Errorf("the upstream got the hop-by-hop header %s: %v", name, h)
		}
	}
	if h.Get("X-Kept") != "1" || resp.Header.Get("X-Kept") != "1" {
		t.Errorf("an end-to-end header was lost: upstream got %v, client got %v", h, resp.Header)
	}
	if resp.Header.Get("X-Answer-Hop") != "" {
		t.Errorf("the client got the answer's hop-by-hop header: %v", resp.Header)
	}
	if x := lines(t, out, 1)[0]; x.RequestHeaders.Get("X-Hop") != "" || x.ResponseHeaders.Get("X-Answer-Hop") != "" {
		t.Errorf("the transcript records what was not forwarded: %v %v", x.RequestHeaders, x.ResponseHeaders)
	}
}

// The client gets each piece of a chunked answer as the upstream sends it:
// the first piece arrives while the upstream still holds the second. The
// exchange's line is written once the answer has ended.
func TestProxyStreamsTheAnswer(t *testing.T) {
	release := make(chan struct{})
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first piece;")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "second piece")
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	resp, err := http.Get(proxyURL + "/v4/jobs/1/stdout")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, len("first piece;"))
	// Blocks for ever if the proxy buffers the answer: the upstream sends
	// the rest only after release.
	if _, err := io.ReadFull(resp.Body, first); err != nil || string(first) != "first piece;" {
		t.Fatalf("first piece %q, %v", first, err)
	}
	if out.String() != "" {
		t.Errorf("the line was written before the answer ended: %s", out)
	}
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || string(rest) != "second piece" {
		t.Fatalf("the rest %q, %v", rest, err)
	}
	if x := lines(t, out, 1)[0]; string(x.ResponseBody) != `"first piece;second piece"` || x.Error != "" {
		t.Errorf("recorded %s (error %q), want the whole answer", x.ResponseBody, x.Error)
	}
}

// An upload goes upstream as the client sends it: the upstream reads its
// first piece before the client has sent the second.
func TestProxyStreamsTheUpload(t *testing.T) {
	gotFirst := make(chan string)
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first := make([]byte, len("first piece;"))
		if _, err := io.ReadFull(r.Body, first); err != nil {
			t.Errorf("upstream: %v", err)
		}
		gotFirst <- string(first)
		rest, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s%s", first, rest)
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	pr, pw := io.Pipe()
	answered := make(chan string, 1)
	go func() {
		resp, err := http.Post(proxyURL+"/v1/projects/o/p/upload.txt", "text/plain", pr)
		if err != nil {
			answered <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- string(b)
	}()
	io.WriteString(pw, "first piece;")
	// Blocks for ever if the proxy reads the whole upload before sending it.
	if got := <-gotFirst; got != "first piece;" {
		t.Fatalf("the upstream got %q first", got)
	}
	io.WriteString(pw, "second piece")
	pw.Close()
	if got := <-answered; got != "first piece;second piece" {
		t.Fatalf("answer %q", got)
	}
	if x := lines(t, out, 1)[0]; string(x.RequestBody) != `"first piece;second piece"` {
		t.Errorf("recorded the upload as %s (omitted: %q)", x.RequestBody, x.RequestBodyOmitted)
	}
}

// A body longer than MaxBody, either way, is forwarded whole and left out
// of the transcript, which says why.
func TestProxyForwardsBodiesOverMaxBodyWhole(t *testing.T) {
	const n = MaxBody + 1
	big := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		got, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Upload", fmt.Sprintf("%d %x", got, h.Sum(nil)))
		w.Write(big)
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	resp, err := http.Post(proxyURL+"/v1/projects/o/p/big.bin", "application/octet-stream", bytes.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(body, big) {
		t.Fatalf("the download: %d bytes (%v), want %d", len(body), err, n)
	}
	if want := fmt.Sprintf("%d %x", n, sha256.Sum256(big)); resp.Header.Get("X-Upload") != want {
		t.Errorf("the upstream got %q, want %q", resp.Header.Get("X-Upload"), want)
	}
	x := lines(t, out, 1)[0]
	if x.RequestBody != nil || x.RequestBodyOmitted == "" || x.ResponseBody != nil || x.ResponseBodyOmitted == "" || x.Error != "" {
		t.Errorf("recorded request body %d bytes (omitted %q), answer %d bytes (omitted %q), error %q; want both omitted",
			len(x.RequestBody), x.RequestBodyOmitted, len(x.ResponseBody), x.ResponseBodyOmitted, x.Error)
	}
}

// An upstream that does not answer: the client gets a 502 saying so, and
// the line has Error set and no status. One that stops in the middle of an
// answer: the client's answer is cut, the line says so.
func TestProxyWithoutAnAnswer(t *testing.T) {
	t.Run("no answer", func(t *testing.T) {
		up := httptest.NewTLSServer(http.NotFoundHandler())
		proxyURL, out := front(t, up)
		up.Close()
		req, _ := http.NewRequest("GET", proxyURL+"/v4/users/self", nil)
		req.Header.Set("X-Domino-Api-Key", "admin-key-0123456789")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "no answer from the upstream") {
			t.Errorf("%d %q, want 502 saying the upstream gave no answer", resp.StatusCode, body)
		}
		x := lines(t, out, 1)[0]
		if x.Error == "" || x.Status != 0 || x.ResponseHeaders != nil {
			t.Errorf("recorded status %d, error %q; want an error and no status", x.Status, x.Error)
		}
		if !strings.Contains(out.log.String(), "GET /v4/users/self no answer") {
			t.Errorf("log %q", out.log.String())
		}
	})
	t.Run("cut short", func(t *testing.T) {
		up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "ten bytes;")
			w.(http.Flusher).Flush()
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
		}))
		defer up.Close()
		proxyURL, out := front(t, up)
		resp, err := http.Get(proxyURL + "/v4/jobs/1/stdout")
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil || string(body) != "ten bytes;" {
			t.Errorf("the client read %q, %v; want the ten bytes, then an error", body, err)
		}
		x := lines(t, out, 1)[0]
		if x.Status != 200 || !strings.Contains(x.Error, "cut short") || x.ResponseBodyOmitted == "" {
			t.Errorf("recorded %d, error %q, omitted %q; want 200, cut short, the body left out", x.Status, x.Error, x.ResponseBodyOmitted)
		}
	})
}

// A compressed body is forwarded as it is, and recorded decoded, so that
// the secrets in it are found and replaced (a gzipped JWT is not a JWT to a
// pattern) and it reads as JSON. An encoding the proxy cannot decode is
// left out of the transcript.
func TestProxyRecordsCompressedBodiesDecoded(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzYSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	io.WriteString(zw, `{"id":"64b7f0a1c2d3e4f5a6b7c801","token":"`+jwt+`"}`)
	zw.Close()
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", r.URL.Query().Get("encoding"))
		w.Write(zipped.Bytes())
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	for _, enc := range []string{"gzip", "br"} {
		req, _ := http.NewRequest("POST", proxyURL+"/v4/serviceAccounts/sa/tokens?encoding="+enc, strings.NewReader(`{"name":"t"}`))
		req.Header.Set("Accept-Encoding", "gzip, br") // set by hand: Go's client then leaves the body as it came
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(body, zipped.Bytes()) {
			t.Errorf("%s: the client got other bytes than the upstream sent", enc)
		}
	}
	xs := lines(t, out, 2)
	if got := string(xs[0].ResponseBody); got != `{"id":"64b7f0a1c2d3e4f5a6b7c801","token":"<jwt-1>"}` {
		t.Errorf("gzip: recorded %s (omitted %q)", got, xs[0].ResponseBodyOmitted)
	}
	if xs[1].ResponseBody != nil || xs[1].ResponseBodyBase64 != "" || !strings.Contains(xs[1].ResponseBodyOmitted, `"br"`) {
		t.Errorf("br: recorded %s %s, omitted %q; want it left out, saying why", xs[1].ResponseBody, xs[1].ResponseBodyBase64, xs[1].ResponseBodyOmitted)
	}
	if strings.Contains(out.String(), jwt) {
		t.Errorf("the transcript holds the JWT:\n%s", out)
	}
}

// Exchanges in flight at once are each written whole, one a line.
func TestProxyRecordsConcurrentExchanges(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resp, err := http.Post(fmt.Sprintf("%s/v4/echo/%d", proxyURL, i), "application/json", strings.NewReader(fmt.Sprintf(`{"n":%d}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()
	xs := lines(t, out, n)
	seen := map[string]bool{}
	for _, x := range xs {
		if want := fmt.Sprintf(`{"n":%s}`, strings.TrimPrefix(x.Path, "/v4/echo/")); string(x.RequestBody) != want || string(x.ResponseBody) != want {
			t.Errorf("line %d: %s sent %s, answered %s", x.Line, x.Path, x.RequestBody, x.ResponseBody)
		}
		seen[x.Path] = true
	}
	if len(xs) != n || len(seen) != n {
		t.Errorf("%d lines for %d paths, want %d", len(xs), len(seen), n)
	}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if !json.Valid(sc.Bytes()) {
			t.Errorf("a line is not JSON: %s", sc.Text())
		}
	}
}

// closedAfterEnd is a request body as a server gives it: its end, then an
// error if read again once the server has closed it.
type closedAfterEnd struct {
	r     io.Reader
	ended bool
}

func (c *closedAfterEnd) Read(b []byte) (int, error) {
	if c.ended {
		return 0, errors.New("http: invalid Read on closed Body")
	}
	n, err := c.r.Read(b)
	if err == io.EOF {
		c.ended = true
	}
	return n, err
}

func (c *closedAfterEnd) Close() error { return nil }

// A body read to its end is kept, whatever a later read meets (a transport
// reads once more after the declared length); one that errs before its end
// is not.
func TestKeptBodyEnds(t *testing.T) {
	for _, c := range []struct {
		name     string
		body     io.ReadCloser
		declared int64
		reads    int
		whole    bool
	}{
		{"read past its end", &closedAfterEnd{r: strings.NewReader("0123456789")}, 10, 3, true},
		{"its declared length read", io.NopCloser(iotest.ErrReader(errors.New("never"))), 0, 0, true},
		{"cut", io.NopCloser(io.MultiReader(strings.NewReader("01234"), iotest.ErrReader(errors.New("reset")))), 10, 2, false},
		{"not read to its end", io.NopCloser(strings.NewReader("0123456789")), -1, 0, false},
	} {
		k := &keptBody{rc: c.body}
		buf := make([]byte, 64)
		for range c.reads {
			k.Read(buf)
		}
		b, omit := k.result(c.declared)
		if c.whole != (omit == "") || c.whole && string(b) != "0123456789"[:len(b)] {
			t.Errorf("%s: kept %q, omitted %q; want whole %v", c.name, b, omit, c.whole)
		}
	}
}

// A gzip upload is recorded decoded, and its line then says so: without
// Content-Encoding (and the encoded bytes' Content-Length), so that replay
// sends the plain body as plain; a decoded answer likewise. An encoding the
// recorder does not decode keeps its headers beside the omitted body.
func TestProxyRecordsDecodedBodiesWithoutTheirEncoding(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	io.WriteString(zw, `{"name":"deploy"}`)
	zw.Close()
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Encoding", r.URL.Query().Get("encoding"))
		w.Write(zipped.Bytes())
	}))
	defer up.Close()
	proxyURL, out := front(t, up)
	for _, enc := range []string{"gzip", "br"} {
		req, _ := http.NewRequest("POST", proxyURL+"/v4/x?encoding="+enc, bytes.NewReader(zipped.Bytes()))
		req.Header.Set("Content-Encoding", "gzip")
		req.Header.Set("Accept-Encoding", "gzip, br")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	xs := lines(t, out, 2)
	if string(xs[0].RequestBody) != `{"name":"deploy"}` || xs[0].RequestHeaders.Get("Content-Encoding") != "" || xs[0].RequestHeaders.Get("Content-Length") != "" {
		t.Errorf("the gzip upload is recorded as %s with headers %v; want it decoded, without Content-Encoding and Content-Length", xs[0].RequestBody, xs[0].RequestHeaders)
	}
	if string(xs[0].ResponseBody) != `{"name":"deploy"}` || xs[0].ResponseHeaders.Get("Content-Encoding") != "" {
		t.Errorf("the gzip answer is recorded as %s with headers %v", xs[0].ResponseBody, xs[0].ResponseHeaders)
	}
	if xs[1].ResponseBodyOmitted == "" || xs[1].ResponseHeaders.Get("Content-Encoding") != "br" {
		t.Errorf("the br answer: omitted %q, headers %v; want it left out with its Content-Encoding", xs[1].ResponseBodyOmitted, xs[1].ResponseHeaders)
	}
}

// failingWriter fails its (n+1)th write only: a disk full for a moment.
type failingWriter struct {
	mu     sync.Mutex
	n      int
	writes int
	lines  []string
}

func (f *failingWriter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.writes == f.n+1 {
		return 0, errors.New("no space left on device")
	}
	f.lines = append(f.lines, string(b))
	return len(b), nil
}

// A transcript write that fails is said at once, once; the proxy goes on
// forwarding but records nothing more, so the file ends with the last whole
// line before the failure, never a line after a hole.
func TestProxyStopsRecordingAfterAFailedWrite(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	defer up.Close()
	u, _ := url.Parse(up.URL)
	fw := &failingWriter{n: 1}
	rec := NewRecorder(fw)
	p := NewProxy(u, rec, up.Client().Transport.(*http.Transport).Clone())
	var log syncBuffer
	p.Log = &log
	srv := httptest.NewServer(p)
	defer srv.Close()
	for i := range 4 {
		resp, err := http.Get(fmt.Sprintf("%s/v4/n/%d", srv.URL, i))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != "ok" {
			t.Fatalf("exchange %d: %d %q; the proxy must go on forwarding", i, resp.StatusCode, body)
		}
	}
	srv.Close() // every handler has returned
	if len(fw.lines) != 1 || !strings.Contains(fw.lines[0], `"/v4/n/0"`) || rec.Err() == nil || p.Exchanges() != 1 {
		t.Errorf("lines %q, error %v, %d counted; want the first line only and the error kept", fw.lines, rec.Err(), p.Exchanges())
	}
	if n := strings.Count(log.String(), "writing the transcript failed: no space left on device"); n != 1 {
		t.Errorf("the failure is said %d times, want once, at once:\n%s", n, log.String())
	}
}
