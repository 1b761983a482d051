package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// Credential says how a call authenticates and through which listener it goes.
// The zero value is an unauthenticated call to the API host.
type Credential struct {
	apiKey   string
	bearer   string
	viaProxy bool
	label    string // for messages: who is calling
}

// Anonymous calls the API host without credentials.
func Anonymous() Credential { return Credential{label: "an unauthenticated caller"} }

// APIKey calls the API host with the legacy X-Domino-Api-Key header.
func APIKey(key, label string) Credential { return Credential{apiKey: key, label: label} }

// Bearer calls the API host with "Authorization: Bearer <token>".
func Bearer(token, label string) Credential { return Credential{bearer: token, label: label} }

// ViaProxy returns the same credential sent through the API proxy instead.
func (c Credential) ViaProxy() Credential {
	c.viaProxy = true
	c.label += " through the API proxy"
	return c
}

func (c Credential) String() string { return c.label }

// Response is one answer, read fully.
type Response struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

// Client is the only place that knows how a call is made: base URLs,
// headers and bodies. Steps speak in routes and credentials.
type Client struct {
	target Target
	http   *http.Client
}

// NewClient returns a client for t.
func NewClient(t Target) *Client { return &Client{target: t, http: t.httpClient()} }

// FileBytes is a body sent as it is with no Content-Type, as python-domino
// sends a file it uploads.
type FileBytes []byte

// MultipartFile is a body of one file part, multipart/form-data, as
// python-domino's datasets_upload_files sends a chunk (requests' files=).
type MultipartFile struct {
	Field, Name string
	Data        []byte
}

// Do sends one request. body is nil (no body), []byte (sent as is, as JSON),
// url.Values (sent as a form), FileBytes, MultipartFile, or any value to
// encode as JSON.
func (c *Client) Do(ctx context.Context, method, path string, cred Credential, body any) (*Response, error) {
	return c.do(ctx, method, path, cred, body, maxAnswerBytes)
}

// maxAnswerBytes bounds the answers the scenarios read: what a transcript holds.
const maxAnswerBytes = transcript.MaxBody

// do is Do with a bound on the answer's size; a longer answer is an error.
func (c *Client) do(ctx context.Context, method, path string, cred Credential, body any, limit int64) (*Response, error) {
	base := c.target.APIHost
	if cred.viaProxy {
		if c.target.APIProxy == "" {
			return nil, fmt.Errorf("%s: no API proxy is configured", cred)
		}
		base = c.target.APIProxy
	}
	var rd io.Reader
	form, isForm := body.(url.Values)
	if isForm {
		body = []byte(form.Encode())
	}
	file, isFile := body.(FileBytes)
	part, isPart := body.(MultipartFile)
	var partType string
	if isPart {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile(part.Field, part.Name)
		if err != nil {
			return nil, err
		}
		fw.Write(part.Data)
		mw.Close()
		file, isFile, partType = FileBytes(buf.Bytes()), true, mw.FormDataContentType()
	}
	if isFile {
		rd = bytes.NewReader(file)
	} else if body != nil {
		raw, ok := body.([]byte)
		if !ok {
			var err error
			if raw, err = json.Marshal(body); err != nil {
				return nil, err
			}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	switch {
	case isPart:
		req.Header.Set("Content-Type", partType)
	case isFile:
	case isForm:
		// As python-domino posts its legacy forms.
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Csrf-Token", "nocheck")
	case body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if cred.apiKey != "" {
		req.Header.Set("X-Domino-Api-Key", cred.apiKey)
	}
	if cred.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cred.bearer)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s as %s: %w", method, path, cred, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s as %s: reading the answer: %w", method, path, cred, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s %s as %s: the answer is longer than %d bytes", method, path, cred, limit)
	}
	return &Response{Method: method, Path: path, Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

func (r *Response) String() string {
	body := string(r.Body)
	if len(body) > 600 {
		body = body[:600] + "…"
	}
	return fmt.Sprintf("%s %s answered %d %s", r.Method, r.Path, r.Status, body)
}

// isPublicAPI tells whether the route belongs to the /api public API, whose
// errors have their own shape.
func (r *Response) isPublicAPI() bool { return strings.HasPrefix(r.Path, "/api/") }

// Object decodes the body as one JSON object.
func (r *Response) Object() (obj, error) {
	var o map[string]any
	if err := json.Unmarshal(r.Body, &o); err != nil || o == nil {
		return nil, fmt.Errorf("expected a JSON object: %s", r)
	}
	return o, nil
}

// Array decodes the body as a JSON array of objects.
func (r *Response) Array() ([]obj, error) {
	var a []map[string]any
	if err := json.Unmarshal(r.Body, &a); err != nil || a == nil {
		return nil, fmt.Errorf("expected a JSON array of objects: %s", r)
	}
	out := make([]obj, len(a))
	for i, o := range a {
		out[i] = o
	}
	return out, nil
}
