package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltIns(t *testing.T) {
	obs := Observed()
	want := Profile{Name: "observed", DuplicateStatus: 500, ReactivatedTokensLackSub: true, CreateTokenStatus: 201,
		InvalidateStatus: 200, DeleteTokenStatus: 200, CreateAccountStatus: 201, DeactivateStatus: 201, ActivateStatus: 201,
		ResetPasswordStatus: 201, PublicDuplicateStatus: 500, PublicPaging: "flat"}
	if obs != want {
		t.Errorf("Observed() = %+v\nwant %+v", obs, want)
	}
	strict := Strict()
	want.Name, want.DuplicateStatus, want.PublicDuplicateStatus, want.ReactivatedTokensLackSub = "strict", 409, 409, false
	if strict != want {
		t.Errorf("Strict() = %+v\nwant %+v", strict, want)
	}
	for name, w := range map[string]Profile{"": Observed(), "observed": Observed(), "strict": Strict()} {
		got, err := Load(name)
		if err != nil || got != w {
			t.Errorf("Load(%q) = %+v, %v; want %+v", name, got, err, w)
		}
	}
	// Changing a returned profile does not change the built-in.
	obs.DuplicateStatus = 418
	if Observed().DuplicateStatus != 500 {
		t.Errorf("Observed() is shared")
	}
}

func TestParse(t *testing.T) {
	cases := []struct {
		name, doc string
		want      func() Profile
	}{
		{"empty object is observed", `{}`, func() Profile { p := Observed(); p.Name = "f"; return p }},
		{"base strict", `{"base":"strict"}`, func() Profile { p := Strict(); p.Name = "f"; return p }},
		{"base observed with override", `{"base":"observed","duplicateStatus":409,"invalidateStatus":204}`, func() Profile {
			p := Observed()
			p.Name, p.DuplicateStatus, p.InvalidateStatus = "f", 409, 204
			return p
		}},
		{"base strict, defect back on", `{"base":"strict","reactivatedTokensLackSub":true,"name":"mine"}`, func() Profile {
			p := Strict()
			p.Name, p.ReactivatedTokensLackSub = "mine", true
			return p
		}},
		{"every field", `{"name":"all","duplicateStatus":400,"reactivatedTokensLackSub":false,"createTokenStatus":200,
			"invalidateStatus":202,"deleteTokenStatus":204,"createAccountStatus":200,"deactivateStatus":200,"activateStatus":200,
			"resetPasswordStatus":200,"publicDuplicateStatus":409,"publicPaging":"nested"}`,
			func() Profile {
				return Profile{Name: "all", DuplicateStatus: 400, CreateTokenStatus: 200, InvalidateStatus: 202, DeleteTokenStatus: 204,
					CreateAccountStatus: 200, DeactivateStatus: 200, ActivateStatus: 200, ResetPasswordStatus: 200,
					PublicDuplicateStatus: 409, PublicPaging: "nested"}
			}},
	}
	for _, tc := range cases {
		got, err := Parse([]byte(tc.doc), "f")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if w := tc.want(); got != w {
			t.Errorf("%s: got %+v\nwant %+v", tc.name, got, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]struct{ doc, want string }{
		"unknown field":            {`{"duplicateStatsu":409}`, "duplicateStatsu"},
		"unknown field with base":  {`{"base":"strict","extra":true}`, "extra"},
		"unknown base":             {`{"base":"lenient"}`, "lenient"},
		"status below 200":         {`{"duplicateStatus":199}`, "duplicateStatus"},
		"status above 599":         {`{"invalidateStatus":600}`, "invalidateStatus"},
		"status zero":              {`{"activateStatus":0}`, "activateStatus"},
		"negative status":          {`{"deleteTokenStatus":-1}`, "deleteTokenStatus"},
		"status as string":         {`{"duplicateStatus":"409"}`, "duplicateStatus"},
		"public status zero":       {`{"publicDuplicateStatus":0}`, "publicDuplicateStatus"},
		"unknown paging":           {`{"publicPaging":"both"}`, "publicPaging"},
		"flag as string":           {`{"reactivatedTokensLackSub":"yes"}`, "reactivatedTokensLackSub"},
		"not JSON":                 {`duplicateStatus: 409`, "profile f"},
		"array":                    {`[]`, "profile f"},
		"trailing data":            {`{} {}`, "profile f"},
		"createAccountStatus 1000": {`{"createAccountStatus":1000}`, "createAccountStatus"},
	}
	for name, tc := range cases {
		p, err := Parse([]byte(tc.doc), "f")
		if err == nil {
			t.Errorf("%s: accepted as %+v", name, p)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "f") {
			t.Errorf("%s: error %q does not mention %q", name, err, tc.want)
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.json")
	if err := os.WriteFile(path, []byte(`{"base":"strict","duplicateStatus":422}`), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Strict()
	want.Name, want.DuplicateStatus = path, 422
	if p != want {
		t.Errorf("Load(file) = %+v\nwant %+v", p, want)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"nope":1}`), 0o644)
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Load(bad file): %v", err)
	}
	_, err = Load(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "neither observed, strict nor a readable file") {
		t.Errorf("Load(missing) = %v", err)
	}
	// A typo of a built-in name is not silently taken as one.
	if _, err := Load("Strict"); err == nil {
		t.Errorf("Load(\"Strict\") succeeded")
	}
}

// A mistake in the JSON itself is reported where it is (line and column
// from 1), and an empty file as empty.
func TestParseSyntaxErrorsSayWhere(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"missing comma", "{\n  \"base\": \"strict\"\n  \"duplicateStatus\": 409\n}", "line 3, column 3"},
		{"cut short", "{\"base\": \"strict\",", "line 1, column 19"},
		{"wrong type", "{\n\"duplicateStatus\": \"409\"}", "line 2"},
		{"empty", "", "is empty"},
		{"only white space", "\n\n", "is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "p.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "profile p.json: ") {
				t.Fatalf("err = %v, want profile p.json: … %s", err, tc.want)
			}
		})
	}
}

// Every status of the table is checked, and of two bad ones the first in
// the table's order is named, whatever the file's order.
func TestParseNamesTheFirstBadStatus(t *testing.T) {
	_, err := Parse([]byte(`{"publicDuplicateStatus":700,"resetPasswordStatus":99,"createTokenStatus":42}`), "f.json")
	if err == nil || !strings.Contains(err.Error(), "createTokenStatus 42 is not an HTTP status") {
		t.Errorf("error %v, want one naming createTokenStatus", err)
	}
	if _, err := Parse([]byte(`{"publicDuplicateStatus":700}`), "f.json"); err == nil {
		t.Error("a bad publicDuplicateStatus was taken")
	}
}
