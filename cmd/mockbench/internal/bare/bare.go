// Package bare is mockbench's baseline: a plain net/http handler writing
// fixed bytes, with no routing library, authentication, journal or logging.
// Every ratio mockbench reports is against it.
package bare

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
)

// Bodies maps Key(method, path, header) to the bytes a request answers.
type Bodies map[string][]byte

// HealthKey is /__mock/health, which the start-up measure polls.
const HealthKey = "GET /__mock/health none"

// Key names a response: the same path answers different bytes to a service
// account's bearer token and to the admin's API key.
func Key(method, path string, h http.Header) string {
	auth := "none"
	switch {
	case h.Get("Authorization") != "":
		auth = "bearer"
	case h.Get("X-Domino-Api-Key") != "":
		auth = "apikey"
	}
	return method + " " + path + " " + auth
}

// Handler answers each known request with its bytes, anything else 404.
func Handler(bodies Bodies) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := bodies[Key(r.Method, r.URL.Path, r.Header)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	})
}

// Serve reads the bodies (a JSON object of Key to base64 bytes; "" for
// none), listens, announces "api listening on URL" as mockdomino does, and
// serves until the process is stopped. Under FilesPrefix it serves files
// (Files), and under DatasetsPrefix a dataset upload's chunks (Datasets),
// kept in filesDir or, when it is "", in memory.
func Serve(listen, bodiesPath, filesDir string, stdout io.Writer) error {
	bodies := Bodies{}
	if bodiesPath != "" {
		data, err := os.ReadFile(bodiesPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &bodies); err != nil {
			return fmt.Errorf("%s: %w", bodiesPath, err)
		}
	}
	if _, ok := bodies[HealthKey]; !ok {
		bodies[HealthKey] = []byte(`{"profile":"observed","status":"ok"}`)
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "api listening on http://%s\n", ln.Addr())
	files, datasets, answers := NewFiles(filesDir), NewDatasets(filesDir), Handler(bodies)
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, FilesPrefix) {
			files.ServeHTTP(w, r)
			return
		}
		if strings.HasPrefix(r.URL.Path, DatasetsPrefix) {
			datasets.ServeHTTP(w, r)
			return
		}
		answers.ServeHTTP(w, r)
	}))
}
