package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/internal/store"
)

// TestDecodeStreamMatchesEncodingJSON: the state import's streaming decoder
// gives what encoding/json gives, whole or read one byte at a time.
func TestDecodeStreamMatchesEncodingJSON(t *testing.T) {
	st := newTestStoreForOpenAPI(t)
	exported, err := json.Marshal(st.Export(true))
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{
		string(exported),
		`{}`, `null`, ` { "version" : 2 , "users" : null } `,
		`{"VERSION":3,"version":4}`,                             // exact name wins, case-insensitive otherwise
		`{"users":[{"userName":"a"}],"users":[]}`,               // a later duplicate replaces
		`{"users":[{"userName":"a"}],"Users":null}`,             // null makes a slice nil
		`{"unknown":{"a":[1,{"b":"}"}],"c":"\"]"},"version":5}`, // skipped whole
		`{"jobLifecycle":{"mode":"polls","polls":3}}`,
		"{\"users\":[{\"userName\":\"a  b\\\"  \\\\\",\"email\":\"\\u00e9 x\"}],\n\n\t  \"version\":1}",
	}
	for _, doc := range docs {
		var want store.Snapshot
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("%.80s: %v", doc, err)
		}
		for _, r := range []io.Reader{strings.NewReader(doc), iotest.OneByteReader(strings.NewReader(doc))} {
			var got store.Snapshot
			if err := decodeStream(r, &got); err != nil {
				t.Fatalf("%.80s: %v", doc, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%.80s: streamed %+v\nencoding/json %+v", doc, got, want)
			}
		}
	}
}

func TestDecodeStreamErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`[]`, "must be a JSON object, not array"},
		{`"x"`, "must be a JSON object, not string"},
		{`{"users":{}}`, "field users must be an array, not object"},
		{`{"users":[{"userName":5}]}`, "userName must be a string, not number"}, // encoding/json names users.User.userName
		{`{"version":"1"}`, "field version must be a number, not string"},
		{`{"clockOffset":"soon"}`, "field clockOffset is invalid"},
		{`{"version":1} {}`, "exactly one JSON object"},
		{`{"version":1}x`, "exactly one JSON object"},
		{`{"version":1`, "truncated"},
		{`{"version":`, "truncated"},
		{`{"users":[{"userName":"a"}`, "truncated"},
		{`{"unknown":[1,`, "truncated"},
		{``, "required"},
		{`{"version":1,}`, "malformed JSON"},
		{"{\"users\":[{\"userName\":\"\xff\"}]}", "not valid UTF-8"},
		{"{\"users\":[{\"userName\":\"\xe2\x82\"}]}", "not valid UTF-8"},
		{"{\"users\":[{\"userName\":\"\xe2\x82", "not valid UTF-8"},
	} {
		for _, r := range []io.Reader{strings.NewReader(c.doc), iotest.OneByteReader(strings.NewReader(c.doc))} {
			var snap store.Snapshot
			err := decodeStream(r, &snap)
			var he *httpError
			if !errors.As(err, &he) || he.status != 400 || !strings.Contains(he.msg, c.want) {
				t.Errorf("%q: %v, want 400 mentioning %q", c.doc, err, c.want)
			}
		}
	}
	// A rune split between two reads is valid.
	var snap store.Snapshot
	if err := decodeStream(iotest.OneByteReader(strings.NewReader(`{"users":[{"userName":"€"}]}`)), &snap); err != nil {
		t.Fatal(err)
	}
}

// TestJSONReaderSqueezesWhitespaceOutsideStrings: runs of whitespace
// between tokens become one byte; inside strings nothing changes.
func TestJSONReaderSqueezesWhitespaceOutsideStrings(t *testing.T) {
	in := "{  \"a  b\" :\n\n [1 ,\t\t2] , \"c\\\"  d\":\"\\\\\"  ,\"e\":\" \\\\\\\"  \"   }   "
	want := "{ \"a  b\" :\n[1 ,\t2] , \"c\\\"  d\":\"\\\\\" ,\"e\":\" \\\\\\\"  \" } "
	for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
		got, err := io.ReadAll(&jsonReader{r: r})
		if err != nil || string(got) != want {
			t.Errorf("got %q, %v\nwant %q", got, err, want)
		}
	}
	// 64 MiB of spaces pass as one byte.
	got, err := io.ReadAll(&jsonReader{r: io.MultiReader(strings.NewReader("{"), bytes.NewReader(bytes.Repeat([]byte(" "), 64<<20)), strings.NewReader("}"))})
	if err != nil || string(got) != "{ }" {
		t.Errorf("%.20q, %v", got, err)
	}
}

// FuzzDecodeStream: for every UTF-8 input, the streaming decoder accepts
// what encoding/json accepts, with the same result, and refuses the rest.
func FuzzDecodeStream(f *testing.F) {
	for _, seed := range []string{`{}`, `null`, `{"version":1,"users":[{"userName":"a"}]}`, `{"users":{}}`,
		`{"clockOffset":"1h","jobLifecycle":{"mode":"polls"}}`, `{"x":[1,{"y":"}"}]}`, `[1]`, `{"version":1}{}`, " {\n \"a\" : \"b  c\" } "} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !utf8.Valid(data) {
			return // refused by decodeStream, replaced by encoding/json
		}
		var want, got store.Snapshot
		wantErr := json.Unmarshal(data, &want)
		gotErr := decodeStream(bytes.NewReader(data), &got)
		switch {
		case wantErr == nil && gotErr != nil:
			t.Fatalf("%q: encoding/json accepts it, decodeStream says %v", data, gotErr)
		case wantErr != nil && gotErr == nil:
			t.Fatalf("%q: encoding/json refuses it (%v), decodeStream accepts it", data, wantErr)
		case wantErr == nil && !reflect.DeepEqual(got, want):
			t.Fatalf("%q: streamed %+v\nencoding/json %+v", data, got, want)
		}
	})
}

// TestDecodeStreamBoundsEntries: a document of more list entries than
// MaxStreamElements is refused at the first one past it, however small
// each is on the wire (16 MiB of empty jobs took the mock to 4 GB).
func TestDecodeStreamBoundsEntries(t *testing.T) {
	for _, key := range []string{"jobs", "users", "tokens"} {
		n := MaxStreamElements/2 + 1
		doc := `{"version":2,"users":[` + strings.Repeat("{},", n-1) + `{}],"` + key + `":[` + strings.Repeat("{},", n-1) + `{}]}`
		var snap store.Snapshot
		err := decodeStream(strings.NewReader(doc), &snap)
		var he *httpError
		if !errors.As(err, &he) || he.status != 400 || !strings.Contains(he.msg, fmt.Sprint(MaxStreamElements)) {
			t.Errorf("%s: %d + %d entries: %v, want a 400 naming the limit", key, n, n, err)
		}
	}
	var snap store.Snapshot
	if err := decodeStream(strings.NewReader(`{"version":2,"users":[`+strings.Repeat("{},", MaxStreamElements-1)+`{}]}`), &snap); err != nil || len(snap.Users) != MaxStreamElements {
		t.Errorf("exactly the limit: %v, %d users", err, len(snap.Users))
	}
}
