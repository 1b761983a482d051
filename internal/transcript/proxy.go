package transcript

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is a reverse proxy to one upstream (a real Domino) that writes
// every exchange it forwards to a Recorder, in the format and with the
// redaction of conformance --record: mockdomino record is this proxy on a
// listener. It streams both ways: a body goes on as it is read, and only a
// copy of at most MaxBody bytes is kept for the transcript (a longer body
// is forwarded whole and left out of the transcript). An exchange's line is
// written when the exchange ends.
//
// Everything the client sends goes upstream as it was (method, path, query,
// headers, body) but for the Host, which becomes the upstream's, and the
// hop-by-hop headers (Connection and those it names, Keep-Alive,
// Transfer-Encoding, …), which a proxy does not forward. The answer comes
// back the same way. No X-Forwarded-* header is added.
type Proxy struct {
	upstream *url.URL
	rec      *Recorder
	rp       *httputil.ReverseProxy
	// Log, when set before the proxy serves, gets one line per exchange,
	// after its transcript line: method, path (its secrets replaced as in
	// the transcript), status and milliseconds to the answer's end.
	Log     io.Writer
	logMu   sync.Mutex
	written atomic.Int64
}

// NewProxy forwards to upstream (scheme, host and an optional base path)
// through transport (nil: http.DefaultTransport) and records to rec.
func NewProxy(upstream *url.URL, rec *Recorder, transport http.RoundTripper) *Proxy {
	p := &Proxy{upstream: upstream, rec: rec}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      transport,
		FlushInterval:  -1, // each piece of an answer goes to the client as it arrives
		ModifyResponse: p.answered,
		ErrorHandler:   p.noAnswer,
		// Its own complaints (an answer cut short) go to Log, not to the
		// process's standard logger.
		ErrorLog: log.New(logWriter{p}, "record: ", 0),
	}
	return p
}

type logWriter struct{ p *Proxy }

func (w logWriter) Write(b []byte) (int, error) {
	w.p.logMu.Lock()
	defer w.p.logMu.Unlock()
	if w.p.Log != nil {
		w.p.Log.Write([]byte(w.p.rec.Scrub(string(b))))
	}
	return len(b), nil
}

// Exchanges is how many exchanges the proxy has written to its Recorder.
func (p *Proxy) Exchanges() int { return int(p.written.Load()) }

// proxied is one exchange in flight.
type proxied struct {
	x        Exchange
	start    time.Time
	req      *keptBody // nil: no request body
	resp     *keptBody // nil: no answer, or no body to keep (101)
	err      error     // the upstream gave no answer
	contentN int64     // the request's Content-Length, -1 unknown
}

type proxiedKey struct{}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	px := &proxied{start: time.Now(), contentN: r.ContentLength}
	px.x = Exchange{Time: px.start.UTC(), Method: r.Method, Host: p.upstream.Host, Path: r.URL.RequestURI(),
		RequestHeaders: r.Header.Clone()}
	r = r.WithContext(context.WithValue(r.Context(), proxiedKey{}, px))
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		px.req = &keptBody{rc: r.Body}
		r.Body = px.req
	}
	// Deferred: the reverse proxy ends an answer cut short by panicking
	// with http.ErrAbortHandler, which the server recovers; the line is
	// written all the same.
	defer p.finish(px)
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.upstream)
	// As the client sent them: the query even where Go would drop a
	// parameter it cannot parse, and the forwarding headers Rewrite strips.
	pr.Out.URL.RawQuery = joinQuery(p.upstream.RawQuery, pr.In.URL.RawQuery)
	for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
		if v, ok := pr.In.Header[h]; ok {
			pr.Out.Header[h] = v
		}
	}
	if px, ok := pr.In.Context().Value(proxiedKey{}).(*proxied); ok {
		px.x.RequestHeaders = pr.Out.Header.Clone() // what goes upstream: no hop-by-hop headers
	}
}

func joinQuery(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "&" + b
}

// answered sees the upstream's answer, hop-by-hop headers already removed,
// before it goes to the client.
func (p *Proxy) answered(res *http.Response) error {
	px, ok := res.Request.Context().Value(proxiedKey{}).(*proxied)
	if !ok {
		return nil
	}
	px.x.Milliseconds = time.Since(px.start).Milliseconds()
	px.x.Status, px.x.ResponseHeaders = res.StatusCode, res.Header.Clone()
	if res.StatusCode != http.StatusSwitchingProtocols { // that body is the upgraded connection
		px.resp = &keptBody{rc: res.Body}
		res.Body = px.resp
	}
	return nil
}

// noAnswer answers 502 when the upstream gave no answer: a short text,
// its cause with any secret the recorder knows replaced.
func (p *Proxy) noAnswer(w http.ResponseWriter, r *http.Request, err error) {
	if px, ok := r.Context().Value(proxiedKey{}).(*proxied); ok {
		px.err = err
		px.x.Milliseconds = time.Since(px.start).Milliseconds()
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintf(w, "mockdomino record: no answer from the upstream: %s\n", p.rec.Scrub(err.Error()))
}

// finish writes the exchange's line, then its log line.
func (p *Proxy) finish(px *proxied) {
	x := &px.x
	var reqBody, respBody []byte
	if px.req != nil {
		reqBody, x.requestBodyOmit = px.req.result(px.contentN)
		if x.requestBodyOmit == "" {
			reqBody, x.requestBodyOmit = decoded(reqBody, x.RequestHeaders.Get("Content-Encoding"))
			undoEncoding(x.RequestHeaders, x.requestBodyOmit)
		}
	}
	switch {
	case px.err != nil:
		x.Status, x.ResponseHeaders = 0, nil
		x.Error = px.err.Error()
	case px.resp != nil:
		respBody, x.responseBodyOmit = px.resp.result(-1)
		if x.responseBodyOmit == "" {
			respBody, x.responseBodyOmit = decoded(respBody, x.ResponseHeaders.Get("Content-Encoding"))
			undoEncoding(x.ResponseHeaders, x.responseBodyOmit)
		}
		if ended, err := px.resp.ended(-1); err != nil {
			x.Error = "the answer was cut short: " + err.Error()
		} else if !ended {
			x.Error = "the answer was cut short: the client stopped reading it, or the proxy stopped"
		}
	}
	failedBefore := p.rec.Err() != nil
	p.rec.write(x, reqBody, respBody) // redacts x
	if err := p.rec.Err(); err != nil {
		// Said at once, not only at exit; the recorder writes nothing more,
		// so the file ends with the last whole line before the failure.
		if !failedBefore && p.Log != nil {
			p.logMu.Lock()
			fmt.Fprintf(p.Log, "record: writing the transcript failed: %v; the exchanges from now on are forwarded but not recorded\n", err)
			p.logMu.Unlock()
		}
		return
	}
	p.written.Add(1)
	if p.Log == nil {
		return
	}
	status := fmt.Sprint(x.Status)
	if x.Error != "" {
		status += " (" + x.Error + ")"
		if x.Status == 0 {
			status = "no answer (" + x.Error + ")"
		}
	}
	p.logMu.Lock()
	defer p.logMu.Unlock()
	fmt.Fprintf(p.Log, "record: %s %s %s %d ms\n", x.Method, x.Path, status, time.Since(px.start).Milliseconds())
}

// keptBody passes a body on as it is read and keeps a copy of its first
// MaxBody bytes. The transport may still read a request's body after the
// handler returns: hence the lock.
type keptBody struct {
	rc       io.ReadCloser
	mu       sync.Mutex
	kept     bytes.Buffer
	n        int64
	overflow bool // longer than MaxBody: kept is dropped
	eof      bool
	err      error
}

func (k *keptBody) Read(b []byte) (int, error) {
	n, err := k.rc.Read(b)
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n += int64(n)
	if !k.overflow {
		if k.kept.Len()+n > MaxBody {
			k.overflow = true
			k.kept = bytes.Buffer{}
		} else {
			k.kept.Write(b[:n])
		}
	}
	switch {
	case err == io.EOF:
		k.eof = true
	case err != nil && k.err == nil:
		k.err = err
	}
	return n, err
}

func (k *keptBody) Close() error { return k.rc.Close() }

// ended says whether the body was read to its end (declared, its length
// when known, counts as its end), or else the error reading it met. An
// error after the end does not count: a transport reads once more after
// the declared length, and may meet the server's body closed by then.
func (k *keptBody) ended(declared int64) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.eof || declared >= 0 && k.n == declared {
		return true, nil
	}
	return false, k.err
}

// result is the body kept, or why it is left out: too long, or not read to
// its end.
func (k *keptBody) result(declared int64) ([]byte, string) {
	if ended, _ := k.ended(declared); !ended {
		return nil, tooLong
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.overflow {
		return nil, tooLong
	}
	return bytes.Clone(k.kept.Bytes()), ""
}

// undoEncoding drops the headers that describe a body's encoded bytes once
// the transcript holds it decoded (omit is ""), so that the line says what
// it holds, and replay does not send a plain body labelled gzip.
func undoEncoding(h http.Header, omit string) {
	if omit != "" || h.Get("Content-Encoding") == "" || strings.EqualFold(h.Get("Content-Encoding"), "identity") {
		return
	}
	h.Del("Content-Encoding")
	h.Del("Content-Length")
}

// decoded undoes a body's Content-Encoding for the transcript, so that its
// secrets are seen and replaced (a compressed JWT would pass unseen) and it
// reads as JSON. An encoding it cannot undo leaves the body out.
func decoded(b []byte, encoding string) ([]byte, string) {
	enc := strings.ToLower(strings.TrimSpace(encoding))
	if enc == "" || enc == "identity" || len(b) == 0 {
		return b, ""
	}
	var r io.Reader
	var err error
	switch enc {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate": // zlib, as RFC 9110 says; some servers send raw deflate
		if r, err = zlib.NewReader(bytes.NewReader(b)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(b)), nil
		}
	default:
		return nil, fmt.Sprintf("Content-Encoding %q, which the recorder does not decode (gzip and deflate only)", encoding)
	}
	if err != nil {
		return nil, fmt.Sprintf("Content-Encoding %s, but not decodable: %v", enc, err)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxBody+1))
	switch {
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Sprintf("Content-Encoding %s, but not decodable: %v", enc, err)
	case err != nil:
		return nil, fmt.Sprintf("Content-Encoding %s, but cut short", enc)
	case len(out) > MaxBody:
		return nil, fmt.Sprintf("longer than %d bytes once decoded (Content-Encoding %s)", MaxBody, enc)
	}
	return out, ""
}
