package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// everyFieldDiffers is a profile in which every behaviour differs from
// observed's.
func everyFieldDiffers() Profile {
	return Profile{Name: "learned from Domino 5.10.0 at https://domino.example.com", DuplicateStatus: 409,
		ReactivatedTokensLackSub: false, CreateTokenStatus: 200, InvalidateStatus: 202, DeleteTokenStatus: 204,
		CreateAccountStatus: 200, DeactivateStatus: 200, ActivateStatus: 202, ResetPasswordStatus: 204,
		PublicDuplicateStatus: 400, PublicPaging: PagingNested}
}

// A learned document survives Marshal and ParseDocument whole: the
// profile, its base, where it was learned and what it disproved.
func TestDocumentRoundTrip(t *testing.T) {
	d := Document{
		FormatVersion: 1, Base: "strict", Profile: everyFieldDiffers(),
		LearnedFrom: &Origin{DominoVersion: "5.10.0", APIHost: "https://domino.example.com",
			Time: time.Date(2025, 6, 1, 12, 30, 0, 0, time.UTC), InferredChecked: 84,
			Notes: []string{"publicPaging kept from strict: no public API"}},
		Disproved: []Disproved{{Feature: "Tokens", Scenario: "A duplicate token name is refused", Message: "Step x: want 409"}},
	}
	data, err := d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseDocument(data, "f.json")
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if !reflect.DeepEqual(got, d) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, d, data)
	}
	// Parse reads the same file as the profile alone.
	if p, err := Parse(data, "f.json"); err != nil || p != d.Profile {
		t.Errorf("Parse = %+v, %v", p, err)
	}
	// Keys come in a fixed order, every behaviour written.
	text := string(data)
	last := -1
	for _, key := range []string{"formatVersion", "name", "base", "learnedFrom", "dominoVersion", "apiHost", "time",
		"notes", "inferredChecked", "duplicateStatus", "reactivatedTokensLackSub", "createTokenStatus", "invalidateStatus",
		"deleteTokenStatus", "createAccountStatus", "deactivateStatus", "activateStatus", "resetPasswordStatus",
		"publicDuplicateStatus", "publicPaging", "disproved", "feature", "scenario", "message"} {
		i := strings.Index(text, `"`+key+`"`)
		if i <= last {
			t.Errorf("key %q at %d, after the previous one (%d):\n%s", key, i, last, text)
		}
		last = i
	}
	if !strings.HasSuffix(text, "}\n") || !strings.Contains(text, "\n  \"name\"") {
		t.Errorf("not indented JSON ending with a newline:\n%s", text)
	}
	// The same document gives the same bytes.
	again, _ := d.Marshal()
	if string(again) != text {
		t.Errorf("Marshal is not stable")
	}
}

// A profile written by hand, with no format, is format 1; its document
// has no origin and nothing disproved.
func TestDocumentWithoutFormatIsFormat1(t *testing.T) {
	d, err := ParseDocument([]byte(`{"base":"strict","duplicateStatus":422}`), "mine.json")
	if err != nil {
		t.Fatal(err)
	}
	want := Strict()
	want.Name, want.DuplicateStatus = "mine.json", 422
	if d.FormatVersion != 1 || d.Base != "strict" || d.Profile != want || d.LearnedFrom != nil || d.Disproved != nil {
		t.Errorf("document %+v", d)
	}
	// Marshal without a format writes the current one.
	data, _ := Document{Profile: Observed()}.Marshal()
	var head struct{ FormatVersion int }
	if json.Unmarshal(data, &head); head.FormatVersion != FormatVersion {
		t.Errorf("Marshal wrote format %d:\n%s", head.FormatVersion, data)
	}
}

func TestDocumentErrors(t *testing.T) {
	for name, tc := range map[string]struct{ doc, want string }{
		"newer format": {`{"formatVersion":2,"duplicateStatus":409}`,
			"profile f is format 2, written by a newer mockdomino; this one reads format 1"},
		"newer format with fields this one does not know": {`{"formatVersion":3,"somethingNew":true}`, "is format 3, written by a newer mockdomino"},
		"format 0":                     {`{"formatVersion":0}`, "formatVersion 0 is not a format"},
		"format as string":             {`{"formatVersion":"1"}`, "formatVersion"},
		"unknown field in learnedFrom": {`{"learnedFrom":{"dominoVersion":"5.10.0","host":"x"}}`, `"host"`},
		"unknown field in a note":      {`{"disproved":[{"feature":"a","scenario":"b","message":"c","why":"d"}]}`, `"why"`},
		"learnedFrom not an object":    {`{"learnedFrom":"5.10.0"}`, "learnedFrom"},
		"time not RFC 3339":            {`{"learnedFrom":{"time":"yesterday"}}`, "yesterday"},
		"disproved not a list":         {`{"disproved":{"feature":"a"}}`, "disproved"},
		"unknown field still refused":  {`{"formatVersion":1,"comment":"x"}`, `"comment"`},
	} {
		_, err := ParseDocument([]byte(tc.doc), "f")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want mention of %q", name, err, tc.want)
		}
	}
}

// Load, which mockdomino --profile and conformance --profile use, refuses
// a newer format too.
func TestLoadRefusesANewerFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "learned.json")
	if err := os.WriteFile(path, []byte(`{"formatVersion":2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if want := "profile " + path + " is format 2, written by a newer mockdomino; this one reads format 1"; err == nil || err.Error() != want {
		t.Errorf("Load = %v, want %q", err, want)
	}
}

func TestDifferences(t *testing.T) {
	if got, want := Observed().Differences(Strict()), []string{"duplicateStatus", "reactivatedTokensLackSub", "publicDuplicateStatus"}; !slices.Equal(got, want) {
		t.Errorf("observed vs strict: %v, want %v", got, want)
	}
	if got := Observed().Differences(Observed()); len(got) != 0 {
		t.Errorf("observed vs itself: %v", got)
	}
	// Only the names differ: no difference.
	p := Observed()
	p.Name = "mine"
	if got := p.Differences(Observed()); len(got) != 0 {
		t.Errorf("renamed: %v", got)
	}
	// Every behaviour, each once.
	if got := everyFieldDiffers().Differences(Observed()); len(got) != reflect.TypeOf(Profile{}).NumField()-1 {
		t.Errorf("every field differs, Differences names %d: %v", len(got), got)
	}
}
