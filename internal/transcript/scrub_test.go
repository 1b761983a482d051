package transcript

import (
	"io"
	"strings"
	"testing"
)

func TestScrub(t *testing.T) {
	rec := NewRecorder(io.Discard)
	rec.Secret("api-key", "mockdomino-admin-key-7c3f0e9a")
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	got := rec.Scrub("as key mockdomino-admin-key-7c3f0e9a: the answer holds " + jwt + " twice: " + jwt)
	if strings.Contains(got, "mockdomino-admin-key") || strings.Contains(got, "eyJ") {
		t.Errorf("Scrub left a secret: %q", got)
	}
	if !strings.Contains(got, "<api-key-1>") || strings.Count(got, "<jwt-2>") != 2 {
		t.Errorf("Scrub = %q, want the placeholders <api-key-1> and <jwt-2> (twice)", got)
	}
}
