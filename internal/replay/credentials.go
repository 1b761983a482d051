package replay

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/mockdomino/mockdomino/internal/secret"
)

// Placeholder kinds, as internal/transcript's recorder names them. The
// conformance runner labels the keys it was given admin-api-key and
// user-api-key; a recording proxy sees only api-key.
var placeholderKinds = map[string]string{
	"admin-api-key": "the administrator's API key the recording run was given",
	"user-api-key":  "the non-administrator's API key the recording run was given",
	"api-key":       "an API key (X-Domino-Api-Key, an apiKey field)",
	"jwt":           "a JSON Web Token",
	"token":         "a token field's value",
	"credential":    "an Authorization header's credential",
	"password":      "a password or passphrase",
	"secret":        "a secret field's value",
	"key":           "a private key (PEM)",
	"cookie":        "a cookie",
}

// Credential is what replay sends for a placeholder an option names: the
// target's administrator key (Role "admin"), its user key ("user"), the
// placeholder itself ("recorded": a key the client made up, which no
// target knows), or Value.
type Credential struct {
	Role  string // "admin", "user" or "recorded"; "" when Value is given
	Value string
}

// ParseCredential reads a --credential option, PLACEHOLDER=admin,
// PLACEHOLDER=user, PLACEHOLDER=recorded or PLACEHOLDER=env:VAR (the
// variable's value, read now with getenv). The value of a variable is never
// in an error.
func ParseCredential(spec string, getenv func(string) string) (string, Credential, error) {
	p, what, ok := strings.Cut(spec, "=")
	if !ok || !isPlaceholder(p) {
		return "", Credential{}, fmt.Errorf("--credential %s: want PLACEHOLDER=admin, =user, =recorded or =env:VAR, e.g. '<api-key-3>=user'", shownSpec(spec))
	}
	if _, known := placeholderKinds[placeholderKind(p)]; !known {
		return "", Credential{}, fmt.Errorf("--credential %s: %s is not a kind of placeholder a transcript holds (%s)", shownSpec(spec), placeholderKind(p), strings.Join(kindNames(), ", "))
	}
	switch {
	case what == "admin" || what == "user" || what == "recorded":
		return p, Credential{Role: what}, nil
	case strings.HasPrefix(what, "env:") && len(what) > len("env:"):
		name := strings.TrimPrefix(what, "env:")
		v := getenv(name)
		if v == "" {
			return "", Credential{}, fmt.Errorf("--credential %s: the variable %s is empty or unset", shownSpec(spec), name)
		}
		return p, Credential{Value: v}, nil
	}
	return "", Credential{}, fmt.Errorf("--credential %s: after = want admin, user, recorded or env:VAR", shownSpec(spec))
}

// shownSpec is a --credential option as an error quotes it: not at all when
// it may hold a secret (one given inline, by mistake, rather than by
// env:VAR), as stderr is often a CI job's log.
func shownSpec(spec string) string {
	if secret.MayShow(spec) {
		return strconv.Quote(spec)
	}
	return "(not shown: it may hold a secret; give a secret as PLACEHOLDER=env:VAR)"
}

func kindNames() []string {
	var out []string
	for k := range placeholderKinds {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// credentials resolves the placeholders of requests.
type credentials struct {
	admin, user string
	// labelled: the transcript names the recording run's keys apart
	// (<admin-api-key-N>, <user-api-key-N>), so any other <api-key-N> is a
	// key the client made up (an unknown key), sent as recorded.
	labelled   bool
	explicit   map[string]Credential
	made       map[string]int      // fresh secrets made, by kind
	unresolved map[string][]string // placeholders sent as recorded, by kind, in order met
	seen       map[string]bool
}

func newCredentials(admin, user string, explicit map[string]Credential) *credentials {
	return &credentials{admin: admin, user: user, explicit: explicit, made: map[string]int{},
		unresolved: map[string][]string{}, seen: map[string]bool{}}
}

// given: the options decide this placeholder's value, not the answers.
func (c *credentials) given(p string) bool {
	_, decided := c.fixed(p)
	return decided
}

// fixed is the value the options give a placeholder: an explicit
// --credential, else the keys by kind (a bare api-key is the
// administrator's unless the transcript labels the keys). decided is true
// when the options decide; v is then "" when the placeholder is to be sent
// as recorded (Role "recorded", or a key the target was not given).
func (c *credentials) fixed(p string) (v string, decided bool) {
	role := ""
	if cr, ok := c.explicit[p]; ok {
		if cr.Role == "" {
			return cr.Value, true
		}
		role = cr.Role
	} else {
		switch placeholderKind(p) {
		case "admin-api-key":
			role = "admin"
		case "user-api-key":
			role = "user"
		case "api-key":
			if !c.labelled {
				role = "admin"
			}
		}
	}
	switch role {
	case "admin":
		return c.admin, true
	case "user":
		return c.user, true
	case "recorded":
		return "", true
	}
	return "", false
}

// fresh makes a new secret for a placeholder no answer defined and the
// client therefore made itself (a git credential's password or key, a
// registry password): any value of the same form will do. JWTs, cookies and
// Authorization credentials cannot be made up (the client forged them, or
// got them elsewhere): they are sent as recorded.
func (c *credentials) fresh(p string) (string, bool) {
	kind := placeholderKind(p)
	var v string
	switch kind {
	case "password", "secret", "token":
		v = "replay-" + kind + "-" + randomHex(12)
	case "key":
		v = newPrivateKeyPEM()
	default:
		c.sentAsRecorded(p)
		return "", false
	}
	c.made[kind]++
	return v, true
}

func (c *credentials) sentAsRecorded(p string) {
	if !c.seen[p] {
		c.seen[p] = true
		c.unresolved[placeholderKind(p)] = append(c.unresolved[placeholderKind(p)], p)
	}
}

// notes say which placeholders replay could not re-issue, and which it made.
func (c *credentials) notes() []string {
	var out []string
	if n := sumCounts(c.made); n > 0 {
		out = append(out, fmt.Sprintf("made %d fresh secret(s) for placeholders the client made itself (%s)", n, counts(c.made)))
	}
	total := map[string]int{}
	var all []string
	for k, ps := range c.unresolved {
		total[k] = len(ps)
		all = append(all, ps...)
	}
	if len(all) > 0 {
		sort.Slice(all, func(i, j int) bool { return placeholderNum(all[i]) < placeholderNum(all[j]) })
		shown := all
		if len(shown) > 5 {
			shown = shown[:5]
		}
		more := ""
		if len(all) > len(shown) {
			more = ", …"
		}
		out = append(out, fmt.Sprintf("sent %d placeholder(s) as recorded: no answer made them and no option names them (%s): %s%s",
			len(all), counts(total), strings.Join(shown, ", "), more))
	}
	return out
}

func placeholderNum(p string) int {
	p = strings.TrimSuffix(p, ">")
	n := 0
	if i := strings.LastIndexByte(p, '-'); i >= 0 {
		fmt.Sscan(p[i+1:], &n)
	}
	return n
}

func sumCounts(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// counts is "jwt: 3, password: 1", by name.
func counts(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// newPrivateKeyPEM is a fresh Ed25519 key in OpenSSH's format, the form a
// git credential's key takes.
func newPrivateKeyPEM() string {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	str := func(b []byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
	}
	pubBlob := append(str([]byte("ssh-ed25519")), str(pub)...)
	check := make([]byte, 4)
	rand.Read(check)
	var private []byte
	private = append(private, check...)
	private = append(private, check...)
	private = append(private, pubBlob...)
	private = append(private, str(priv)...)
	private = append(private, str([]byte("replay"))...)
	for i := byte(1); len(private)%8 != 0; i++ {
		private = append(private, i)
	}
	var out []byte
	out = append(out, "openssh-key-v1\x00"...)
	out = append(out, str([]byte("none"))...)
	out = append(out, str([]byte("none"))...)
	out = append(out, str(nil)...)
	out = binary.BigEndian.AppendUint32(out, 1)
	out = append(out, str(pubBlob)...)
	out = append(out, str(private)...)
	return string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: out}))
}
