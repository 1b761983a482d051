package bare

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHandlerAnswersTheBytesForEachCaller(t *testing.T) {
	bodies := Bodies{
		"GET /v4/users/self bearer": []byte(`{"userName":"sa"}`),
		"GET /v4/users/self apikey": []byte(`{"userName":"admin"}`),
	}
	h := Handler(bodies)
	for _, tc := range []struct {
		header, value, want string
		code                int
	}{
		{"Authorization", "Bearer x", `{"userName":"sa"}`, 200},
		{"X-Domino-Api-Key", "k", `{"userName":"admin"}`, 200},
		{"", "", "404 page not found\n", 404},
	} {
		r := httptest.NewRequest("GET", "/v4/users/self", nil)
		if tc.header != "" {
			r.Header.Set(tc.header, tc.value)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != tc.code || w.Body.String() != tc.want {
			t.Errorf("%s: %d %q, want %d %q", tc.header, w.Code, w.Body, tc.code, tc.want)
		}
		if tc.code == 200 && w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", tc.header, w.Header().Get("Content-Type"))
		}
	}
	if got := Key("GET", "/__mock/health", http.Header{}); got != HealthKey {
		t.Errorf("health key %q, want %q", got, HealthKey)
	}
}
