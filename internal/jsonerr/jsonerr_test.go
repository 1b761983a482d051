package jsonerr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	var v struct{ A []int }
	for _, tc := range []struct{ name, doc, want string }{
		{"bad character", "{\n  \"A\": [1, x]\n}", "line 2, column 12: invalid character 'x'"},
		{"after a multi-byte character", "{\"é\": 1 2}", "line 1, column 9: invalid character '2'"},
		{"wrong type", "{\n\"A\": \"no\"}", "line 2, column 9: json: cannot unmarshal string"},
		{"empty", "", ErrEmpty.Error()},
		{"white space", " \r\n ", ErrEmpty.Error()},
		{"cut short", "{\"A\": [1,", "line 1, column 10: the document ends too soon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for how, err := range map[string]error{
				"Unmarshal": json.Unmarshal([]byte(tc.doc), &v),
				"Decoder":   json.NewDecoder(strings.NewReader(tc.doc)).Decode(&v),
			} {
				got := Describe([]byte(tc.doc), err)
				if got == nil || !strings.HasPrefix(got.Error(), tc.want) {
					t.Errorf("%s: %v, want %q…", how, got, tc.want)
				}
			}
		})
	}
	plain := errors.New("json: unknown field \"x\"")
	if got := Describe([]byte(`{"x":1}`), plain); got != plain {
		t.Errorf("an error without a position became %v", got)
	}
}

func TestTrailing(t *testing.T) {
	doc := []byte("{}\n\n  }")
	if got := Trailing(doc, 2).Error(); got != "line 3, column 3: data after the end of the document" {
		t.Errorf("Trailing = %q", got)
	}
}
