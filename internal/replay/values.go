package replay

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// What replay maps and what it compares is decided by what a value looks
// like, the same way on every route:
//
//   - a placeholder (<jwt-3>), an id (an ObjectId, a UUID, a hex digest, any
//     opaque token of 16 or more characters holding letters and digits) and a
//     time (RFC 3339) differ from run to run: recorded in an answer, they are
//     mapped to the target's value at the same place, and never compared;
//   - every other string (an enum, a message, a name) carries meaning and is
//     compared, after the ids, times, placeholders and hosts inside it
//     (a message naming an id) are masked on both sides.

// A kind is what a string value is, for mapping and comparing.
type kind int

const (
	kindText        kind = iota // an enum, a message: compared
	kindPlaceholder             // <jwt-3>: a secret the recorder replaced
	kindID                      // an ObjectId, a UUID, an opaque token
	kindTime                    // an RFC 3339 time or a date
)

var (
	placeholderRE = regexp.MustCompile(transcript.Placeholder)
	// timeRE is an RFC 3339 time or a date, the forms Domino writes.
	timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`)
	// idInTextRE finds the ids inside a text: runs of letters, digits, _
	// and - of 16 or more characters (ObjectIds, UUIDs, digests, opaque
	// tokens), kept only when they hold a digit and a letter.
	idInTextRE = regexp.MustCompile(`[A-Za-z0-9_+=-]{16,}`)
)

// minIDLen is the shortest string taken for an opaque id: shorter ones
// ("v2", "deploy", "6.2.0") are values that carry meaning.
const minIDLen = 16

// classify says what kind of value s is.
func classify(s string) kind {
	switch {
	case isPlaceholder(s):
		return kindPlaceholder
	case isTime(s):
		return kindTime
	case isOpaqueID(s):
		return kindID
	}
	return kindText
}

func isPlaceholder(s string) bool {
	return len(s) > 4 && s[0] == '<' && s[len(s)-1] == '>' && placeholderRE.FindString(s) == s
}

func isTime(s string) bool {
	if len(s) < 10 || s[4] != '-' {
		return false
	}
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	return timeRE.FindString(s) == s
}

// isOpaqueID: no white space, at least minIDLen characters, and either all
// hex digits (an ObjectId, a digest) or a letter and a digit among them (a
// UUID, a fingerprint, a key).
func isOpaqueID(s string) bool {
	if len(s) < minIDLen {
		return false
	}
	letter, digit, hex := false, false, true
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return false
		case r >= '0' && r <= '9':
			digit = true
		case r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F':
			letter = true
		case unicode.IsLetter(r):
			letter, hex = true, false
		default:
			hex = false
		}
	}
	return hex || letter && digit
}

// placeholderKind is "jwt" for <jwt-3>, "admin-api-key" for <admin-api-key-1>.
func placeholderKind(p string) string {
	p = strings.TrimSuffix(strings.TrimPrefix(p, "<"), ">")
	if i := strings.LastIndexByte(p, '-'); i > 0 {
		return p[:i]
	}
	return p
}

// mask replaces, in a text, what differs from run to run (times,
// placeholders, ids) by markers, so that two messages compare on their
// words. hosts are the base URLs and host:port of either side.
func mask(s string, hosts *strings.Replacer) string {
	if hosts != nil {
		s = hosts.Replace(s)
	}
	s = placeholderRE.ReplaceAllString(s, "<secret>")
	s = timeRE.ReplaceAllStringFunc(s, func(t string) string {
		if len(t) < 10 {
			return t
		}
		return "<time>"
	})
	return idInTextRE.ReplaceAllStringFunc(s, func(w string) string {
		if isOpaqueID(w) {
			return "<id>"
		}
		return w
	})
}
