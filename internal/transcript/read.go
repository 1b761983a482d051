package transcript

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mockdomino/mockdomino/internal/jsonerr"
)

// maxLine bounds one line of a transcript: two bodies of MaxBody, in base64
// at worst, and the rest.
const maxLine = 3*MaxBody + 1<<20

// Read reads a transcript: one Exchange a line, blank lines allowed. A line
// that is not a JSON object, has a field an Exchange lacks, or lacks a
// method or path is an error naming the line, so a file that is not a
// transcript (or was edited wrongly) is refused rather than half replayed.
func Read(r io.Reader) ([]Exchange, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	var out []Exchange
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if line[0] != '{' {
			return nil, fmt.Errorf("line %d is not a JSON object: a transcript has one exchange a line (JSON lines), as conformance --record and mockdomino record write it", n)
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var x Exchange
		if err := dec.Decode(&x); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, jsonerr.Describe(line, err))
		}
		if dec.More() {
			return nil, fmt.Errorf("line %d holds more than one JSON value: a transcript has one exchange a line", n)
		}
		if x.Method == "" || !strings.HasPrefix(x.Path, "/") {
			return nil, fmt.Errorf("line %d is not an exchange: it needs a method and a path starting with /", n)
		}
		x.Line = n
		out = append(out, x)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("after line %d: %w", n, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("the transcript holds no exchange")
	}
	return out, nil
}

// ReadFile reads the transcript in a file.
func ReadFile(path string) ([]Exchange, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	xs, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return xs, nil
}

// Drift is one difference between a recorded answer and a target's, as
// replay reports it.
type Drift struct {
	Line     int    `json:"line"` // the exchange's line in the transcript, from 1
	Scenario string `json:"scenario,omitempty"`
	Method   string `json:"method"`
	Path     string `json:"path"` // as recorded
	// Kind is what differs: "status", "shape" (a field missing, added or of
	// another type), "value" (a boolean, number, enum or message), or
	// "error" (the target gave no answer).
	Kind     string `json:"kind"`
	Field    string `json:"field,omitempty"` // where in the body, e.g. $.metadata.totalCount
	Recorded string `json:"recorded"`
	Got      string `json:"got"`
}

// String is the drift as a report's line.
func (d Drift) String() string {
	where := d.Kind
	if d.Field != "" {
		where += " " + d.Field
	}
	return fmt.Sprintf("line %d %s %s: %s: recorded %s, got %s", d.Line, d.Method, d.Path, where, d.Recorded, d.Got)
}
