package profile

import (
	"testing"
)

// FuzzParse: a profile file is user input to mockdomino --profile; Parse
// accepts it or says why, never panics, and what it accepts has statuses
// that are HTTP statuses and a known paging, and survives Marshal and Parse
// unchanged.
func FuzzParse(f *testing.F) {
	f.Add(`{"base":"strict","deleteTokenStatus":202,"publicPaging":"nested"}`)
	f.Add(`{"formatVersion":1,"name":"x","learnedFrom":{"dominoVersion":"6.2.0","apiHost":"https://d","time":"2026-01-01T00:00:00Z"},"disproved":[{"feature":"f","scenario":"s","message":"m"}]}`)
	f.Add(`{"formatVersion":2}`)
	f.Add(`{"duplicateStatus":99}`)
	f.Fuzz(func(t *testing.T, in string) {
		doc, err := ParseDocument([]byte(in), "fuzz.json")
		if err != nil {
			return
		}
		p := doc.Profile
		for _, s := range []int{p.DuplicateStatus, p.CreateTokenStatus, p.InvalidateStatus, p.DeleteTokenStatus, p.CreateAccountStatus,
			p.DeactivateStatus, p.ActivateStatus, p.ResetPasswordStatus, p.PublicDuplicateStatus} {
			if s < 200 || s > 599 {
				t.Fatalf("accepted status %d in %s", s, in)
			}
		}
		if p.PublicPaging != PagingFlat && p.PublicPaging != PagingNested {
			t.Fatalf("accepted paging %q", p.PublicPaging)
		}
		out, err := doc.Marshal()
		if err != nil {
			t.Fatalf("Marshal of an accepted document: %v", err)
		}
		again, err := ParseDocument(out, "fuzz.json")
		if err != nil {
			t.Fatalf("what Marshal wrote does not parse: %v\n%s", err, out)
		}
		if d := again.Profile.Differences(p); len(d) != 0 {
			t.Fatalf("a round trip changed %v", d)
		}
	})
}
