package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/mockdomino/mockdomino/internal/jsonerr"
)

// FormatVersion is the profile file format this mockdomino reads and
// writes. A file without "formatVersion" is format 1; a file of a higher
// format is refused, not read as far as it goes: a newer field the reader
// does not know could change what the others mean.
const FormatVersion = 1

// Document is a profile file: the profile, the built-in it starts from,
// and, for a profile learned from a deployment (conformance
// --learn-profile), where and when it was learned and which of the mock's
// guesses the deployment disproved. Only Profile changes how a mock
// behaves; the rest is for the people who read the file.
type Document struct {
	FormatVersion int
	// Base is the built-in profile the file starts from: "", observed or strict.
	Base    string
	Profile Profile
	// LearnedFrom is nil for a profile written by hand.
	LearnedFrom *Origin
	// Disproved are the @inferred scenarios that failed on the deployment
	// with the learned profile: one note each.
	Disproved []Disproved
}

// Origin is the deployment a profile was learned from.
type Origin struct {
	// DominoVersion is the "version" GET /version answered (what
	// python-domino reads).
	DominoVersion string `json:"dominoVersion"`
	// APIHost is the base URL the probes called.
	APIHost string    `json:"apiHost"`
	Time    time.Time `json:"time"`
	// Notes say what could not be learned there and why, e.g. a field
	// kept from the base profile because the deployment has no public API.
	Notes []string `json:"notes,omitempty"`
	// InferredChecked is how many @inferred scenarios ran against the
	// deployment with the learned profile (each example of an outline once).
	InferredChecked int `json:"inferredChecked"`
}

// Disproved is one @inferred scenario that failed on the deployment: a
// guess of the mock's that the deployment does not bear out.
type Disproved struct {
	Feature  string `json:"feature"`
	Scenario string `json:"scenario"`
	Message  string `json:"message"`
}

// ParseDocument reads a profile file; name is used in errors and as the
// profile's name when the file gives none. Unknown fields are an error, as
// is a format newer than FormatVersion.
func ParseDocument(data []byte, name string) (Document, error) {
	var head struct {
		Base          string `json:"base"`
		FormatVersion *int   `json:"formatVersion"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Document{}, fmt.Errorf("profile %s: %w", name, jsonerr.Describe(data, err))
	}
	version := 1
	if head.FormatVersion != nil {
		version = *head.FormatVersion
	}
	switch {
	case version > FormatVersion:
		return Document{}, fmt.Errorf("profile %s is format %d, written by a newer mockdomino; this one reads format %d", name, version, FormatVersion)
	case version < 1:
		return Document{}, fmt.Errorf("profile %s: formatVersion %d is not a format; this mockdomino reads format %d", name, version, FormatVersion)
	}
	var p Profile
	switch head.Base {
	case "", "observed":
		p = Observed()
	case "strict":
		p = Strict()
	default:
		return Document{}, fmt.Errorf("profile %s: base %q is not observed or strict", name, head.Base)
	}
	p.Name = name
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc struct {
		Profile
		Base          string      `json:"base"`
		FormatVersion int         `json:"formatVersion"`
		LearnedFrom   *Origin     `json:"learnedFrom"`
		Disproved     []Disproved `json:"disproved"`
	}
	doc.Profile = p
	if err := dec.Decode(&doc); err != nil {
		return Document{}, fmt.Errorf("profile %s: %w", name, jsonerr.Describe(data, err))
	}
	p = doc.Profile
	// Every int of the table is a status, checked in the table's order so
	// that the first bad one is named.
	for _, b := range p.Behaviours() {
		if s, isInt := b.Value.(int); isInt && (s < 200 || s > 599) {
			return Document{}, fmt.Errorf("profile %s: %s %d is not an HTTP status", name, b.Field, s)
		}
	}
	if p.PublicPaging != PagingFlat && p.PublicPaging != PagingNested {
		return Document{}, fmt.Errorf("profile %s: publicPaging %q is not %s or %s", name, p.PublicPaging, PagingFlat, PagingNested)
	}
	return Document{FormatVersion: version, Base: head.Base, Profile: p, LearnedFrom: doc.LearnedFrom, Disproved: doc.Disproved}, nil
}

// Marshal writes the document as a profile file that ParseDocument reads
// back: indented JSON, keys in a fixed order (formatVersion, name, base,
// learnedFrom, every behaviour, disproved), ending with a newline. Every
// behaviour is written, whatever the base, so the file says all it does.
func (d Document) Marshal() ([]byte, error) {
	if d.FormatVersion == 0 {
		d.FormatVersion = FormatVersion
	}
	// encoding/json writes fields in their order here, an embedded
	// struct's where it is embedded; the outer Name hides Profile's.
	out := struct {
		FormatVersion int     `json:"formatVersion"`
		Name          string  `json:"name"`
		Base          string  `json:"base,omitempty"`
		LearnedFrom   *Origin `json:"learnedFrom,omitempty"`
		Profile
		Disproved []Disproved `json:"disproved,omitempty"`
	}{d.FormatVersion, d.Profile.Name, d.Base, d.LearnedFrom, d.Profile, d.Disproved}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Behaviour is one field of a profile's table: its JSON name and value.
type Behaviour struct {
	Field string
	Value any
}

// Behaviours lists the profile's behaviours in the table's order, its
// name left out.
func (p Profile) Behaviours() []Behaviour {
	var out []Behaviour
	v := reflect.ValueOf(p)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if f.Name == "Name" {
			continue
		}
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, Behaviour{Field: tag, Value: v.Field(i).Interface()})
	}
	return out
}

// Differences names the behaviours (by their JSON field) in which p and q
// differ, in the table's order; the names of the profiles do not count.
func (p Profile) Differences(q Profile) []string {
	var fields []string
	theirs := q.Behaviours()
	for i, b := range p.Behaviours() {
		if b.Value != theirs[i].Value {
			fields = append(fields, b.Field)
		}
	}
	return fields
}
