package api

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultJournalSize is how many requests the journal keeps by default.
const DefaultJournalSize = 1000

// journalBodyBytes is how much of each request body the journal keeps.
const journalBodyBytes = 8 << 10

// secretFields are JSON keys whose values never reach the journal.
var secretFields = []string{"token", "password", "key", "passphrase", "apiKey", "secret", "value"}

// isSecretField matches a key as encoding/json matches keys to fields
// (strings.EqualFold: any case, and the Kelvin sign and long s for k and s),
// so a secret the decoder accepts under any spelling is redacted too.
func isSecretField(key string) bool {
	for _, f := range secretFields {
		if strings.EqualFold(key, f) {
			return true
		}
	}
	return false
}

// Journal is a bounded record of the requests the mock served, so a test
// can see what its client actually sent. Secrets are redacted on the way in.
type Journal struct {
	mu      sync.Mutex
	size    int
	entries []JournalEntry // ring buffer
	next    int            // index the next entry goes to
	seq     int64
	dropped int64
}

// JournalEntry is one request.
type JournalEntry struct {
	Seq        int64           `json:"seq"`
	Time       time.Time       `json:"time"`
	Listener   string          `json:"listener"`
	Method     string          `json:"method"`
	Path       string          `json:"path"`
	Query      string          `json:"query,omitempty"`
	Route      string          `json:"route,omitempty"`
	Auth       string          `json:"auth"`
	Caller     string          `json:"caller,omitempty"`
	Status     int             `json:"status"`
	DurationMs float64         `json:"durationMs"`
	RequestID  string          `json:"requestId"`
	Body       json.RawMessage `json:"body,omitempty"`
	BodyText   string          `json:"bodyText,omitempty"`
	Fault      string          `json:"fault,omitempty"`
	// Refusal says why a 401 or 403 was answered (unknown API key, token
	// invalidated, not a collaborator, ...); the answer itself says no more
	// than Domino does. Never a credential.
	Refusal string `json:"refusal,omitempty"`
}

// NewJournal keeps the last size requests; size 0 keeps none.
func NewJournal(size int) *Journal {
	if size < 0 {
		size = 0
	}
	return &Journal{size: size}
}

func (j *Journal) add(e JournalEntry) {
	if j == nil || j.size == 0 {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.Seq = j.seq
	if len(j.entries) < j.size {
		j.entries = append(j.entries, e)
		return
	}
	j.entries[j.next] = e
	j.next = (j.next + 1) % j.size
	j.dropped++
}

// JournalFilter selects entries; empty fields match everything.
type JournalFilter struct {
	Method, PathPrefix, Caller string
	Status                     int
	Limit                      int
}

// Entries returns matching entries, oldest first, and how many were dropped
// from the ring since the last clear.
func (j *Journal) Entries(f JournalFilter) ([]JournalEntry, int64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := []JournalEntry{}
	n := len(j.entries)
	for i := 0; i < n; i++ {
		e := j.entries[(j.next+i)%n]
		if f.Method != "" && !strings.EqualFold(e.Method, f.Method) ||
			f.PathPrefix != "" && !strings.HasPrefix(e.Path, f.PathPrefix) ||
			f.Caller != "" && e.Caller != f.Caller ||
			f.Status != 0 && e.Status != f.Status {
			continue
		}
		out = append(out, e)
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[len(out)-f.Limit:]
	}
	return out, j.dropped
}

// Clear empties the journal.
func (j *Journal) Clear() {
	j.mu.Lock()
	j.entries, j.next, j.dropped = nil, 0, 0
	j.mu.Unlock()
}

// bodyRecorder keeps the first bytes a handler reads from the request body.
type bodyRecorder struct {
	io.ReadCloser
	buf       bytes.Buffer
	truncated bool
}

func (b *bodyRecorder) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := journalBodyBytes - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(n, room)])
		b.truncated = b.truncated || n > room
	} else if n > 0 {
		b.truncated = true
	}
	return n, err
}

// redactedBody returns the body fit for the journal: JSON with every secret
// field replaced, or a short note when it is not JSON.
func (b *bodyRecorder) redactedBody() (json.RawMessage, string) {
	if b == nil || b.buf.Len() == 0 {
		return nil, ""
	}
	var v any
	if b.truncated || json.Unmarshal(b.buf.Bytes(), &v) != nil {
		// Not parseable JSON: it could hold a secret anywhere, so keep none of it.
		return nil, "(" + strconv.Itoa(b.buf.Len()) + " bytes, not shown: not a complete JSON document)"
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.Encode(redact(v))
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), ""
}

func redact(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSecretField(k) {
				if s, ok := val.(string); ok && s == "" {
					continue
				}
				t[k] = "<redacted>"
			} else {
				t[k] = redact(val)
			}
		}
	case []any:
		for i := range t {
			t[i] = redact(t[i])
		}
	}
	return v
}
