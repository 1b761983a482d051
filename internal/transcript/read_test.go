package transcript

import (
	"strings"
	"testing"
)

func TestReadRefusesWhatIsNotATranscript(t *testing.T) {
	good := `{"time":"2026-11-27T00:00:00Z","method":"GET","host":"h","path":"/version","requestHeaders":{},"status":200,"ms":1}`
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", "holds no exchange"},
		{"not JSON lines", "[" + good + "]", "line 1 is not a JSON object"},
		{"text", "GET /version\n", "line 1 is not a JSON object"},
		{"unknown field", good + "\n" + strings.Replace(good, `"ms":1`, `"ms":1,"colour":"red"`, 1), `line 2: json: unknown field "colour"`},
		{"bad JSON", good + "\n\n" + `{"method":"GET",`, "line 3:"},
		{"two values", good + good, "more than one JSON value"},
		{"no method", `{"path":"/x","requestHeaders":{}}`, "needs a method"},
		{"wrong type", strings.Replace(good, `"status":200`, `"status":"200"`, 1), "line 1:"},
	} {
		_, err := Read(strings.NewReader(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	xs, err := Read(strings.NewReader(good + "\n\n" + good + "\n"))
	if err != nil || len(xs) != 2 || xs[1].Line != 3 || xs[0].Status != 200 {
		t.Fatalf("Read = %+v, %v; want two exchanges, the second on line 3", xs, err)
	}
}
