package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mockdomino/mockdomino/internal/server"
)

// mockdomino --profile refuses a profile file of a newer format, saying so
// (issue 13).
func TestProfileFileOfANewerFormatIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "learned.json")
	if err := os.WriteFile(path, []byte(`{"formatVersion":2,"duplicateStatus":409}`), 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		done <- run([]string{"--profile", path, "--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0"}, &stdout, &stderr,
			func(string) (string, bool) { return "", false })
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("mockdomino started with a profile of a newer format") // it serves until a signal
	}
	want := "profile " + path + " is format 2, written by a newer mockdomino; this one reads format 1"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// A learned profile file loads; the health answer names it and carries
// its settings, which is how a conformance runner given only the URL
// knows what to expect.
func TestProfileFileLearnedLoads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "learned.json")
	doc := `{"formatVersion": 1, "name": "learned from Domino 5.10.0 at https://domino.example.com", "base": "observed",
		"learnedFrom": {"dominoVersion": "5.10.0", "apiHost": "https://domino.example.com", "time": "2025-06-01T12:00:00Z", "inferredChecked": 1},
		"duplicateStatus": 409, "disproved": [{"feature": "F", "scenario": "S", "message": "M"}]}`
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := server.Start(server.Config{Listen: "127.0.0.1:0", ProxyListen: "127.0.0.1:0", Profile: path})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	resp, err := http.Get(srv.APIURL() + "/__mock/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h struct {
		Profile  string `json:"profile"`
		Settings struct {
			Name            string `json:"name"`
			DuplicateStatus int    `json:"duplicateStatus"`
		} `json:"profileSettings"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	const name = "learned from Domino 5.10.0 at https://domino.example.com"
	if h.Profile != name || h.Settings.Name != name || h.Settings.DuplicateStatus != 409 {
		t.Errorf("health %+v", h)
	}
}
