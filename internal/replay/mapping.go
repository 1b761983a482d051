package replay

import (
	"regexp"
	"strings"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// mapping is what replay learned, recorded value → the target's: ids and
// secrets from answers, hosts, and the credentials of the options.
type mapping struct {
	values map[string]string
	hosts  *strings.Replacer // recorded host URLs and host:ports → the target's
	creds  *credentials
}

// learn maps a recorded value to the target's, unless it is mapped already
// (the first answer that showed a value made it) or is a credential the
// options give.
func (m *mapping) learn(recorded, got string) {
	if _, ok := m.values[recorded]; ok {
		return
	}
	if m.creds != nil && m.creds.given(recorded) {
		return
	}
	m.values[recorded] = got
}

// lookup is the target's value for a recorded one: a credential the options
// give, a value an answer mapped, a fresh secret for a placeholder the
// client made itself; false when there is none (send it as recorded).
func (m *mapping) lookup(s string) (string, bool) {
	if s[0] == '<' && m.creds != nil {
		if v, decided := m.creds.fixed(s); decided {
			if v == "" {
				m.creds.sentAsRecorded(s)
				return "", false
			}
			return v, true
		}
	}
	if v, ok := m.values[s]; ok {
		return v, true
	}
	if s[0] == '<' && m.creds != nil && isPlaceholder(s) {
		if v, ok := m.creds.fresh(s); ok {
			m.values[s] = v
			return v, true
		}
	}
	return "", false
}

// wordRE finds what may be a mapped value inside a text: a placeholder, or
// a run of id characters.
var wordRE = regexp.MustCompile(transcript.Placeholder + `|[A-Za-z0-9_-]{16,}`)

// apply maps every recorded value in s to the target's: the whole string,
// or the hosts, placeholders and ids inside it.
func (m *mapping) apply(s string) string {
	if s == "" {
		return s
	}
	if v, ok := m.lookup(s); ok {
		return v
	}
	if m.hosts != nil {
		s = m.hosts.Replace(s)
	}
	if !strings.ContainsAny(s, "<0123456789") {
		return s
	}
	return replaceWords(s, m.lookup)
}

// replaceWords replaces each word of s (wordRE) that f maps. A word right
// after a "%" begins with the two hex digits of a percent-escape (ids
// joined by %2C in a query, a path escaped with %2F): when the whole word
// is not mapped, those stay and the rest of the word is looked up.
func replaceWords(s string, f func(string) (string, bool)) string {
	var b strings.Builder
	last := 0
	for _, at := range wordRE.FindAllStringIndex(s, -1) {
		start, end := at[0], at[1]
		v, ok := f(s[start:end])
		if !ok && start > 0 && s[start-1] == '%' && end-start > 2 && isHexDigit(s[start]) && isHexDigit(s[start+1]) {
			start += 2
			v, ok = f(s[start:end])
		}
		if ok {
			b.WriteString(s[last:start])
			b.WriteString(v)
			last = end
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// applyJSON maps every string of a decoded JSON value, keys included.
func (m *mapping) applyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[m.apply(k)] = m.applyJSON(x)
		}
		return out
	case []any:
		for i, x := range t {
			t[i] = m.applyJSON(x)
		}
		return t
	case string:
		return m.apply(t)
	}
	return v
}

// expect is a recorded text as the target would write it: the values
// answers mapped and the hosts replaced (no credential is resolved).
func (m *mapping) expect(s string) string {
	if v, ok := m.values[s]; ok {
		return v
	}
	if m.hosts != nil {
		s = m.hosts.Replace(s)
	}
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	return replaceWords(s, func(w string) (string, bool) {
		v, ok := m.values[w]
		return v, ok
	})
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
