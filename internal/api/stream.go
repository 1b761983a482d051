package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// decodeStream decodes a JSON object into the struct dst field by field,
// and the arrays among its fields element by element, so that only one
// element's JSON is held at a time: json.Decoder.Decode reads a whole value
// into memory before decoding it, and a state document may be 256 MiB.
// Its result is encoding/json's for the flat structs it is used for (the
// state snapshot): names match exactly or else case-insensitively, unknown
// fields are skipped, a later duplicate replaces an earlier one, null
// makes a slice nil and leaves a struct as it is.
func decodeStream(body io.Reader, dst any) error {
	src := &jsonReader{r: body}
	sd := &streamDecoder{dec: json.NewDecoder(src), left: MaxStreamElements}
	dec := sd.dec
	err := sd.decodeFields(reflect.ValueOf(dst).Elem())
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			return nil
		}
		if !errors.Is(err, errInvalidUTF8) && !errors.Is(err, errBodyRead) && !errors.As(err, new(*http.MaxBytesError)) {
			return badRequest("request body must hold exactly one JSON object")
		}
	}
	var mbe *http.MaxBytesError
	var he *httpError
	switch {
	case errors.As(err, &mbe), errors.As(err, &he):
		return err
	case errors.Is(err, errInvalidUTF8):
		return badRequest("request body is not valid UTF-8")
	case errors.Is(err, errBodyRead):
		return badRequest("request body could not be read")
	}
	return decodeError(err, nil, dst)
}

// MaxStreamElements bounds the array elements of one streamed document (a
// state import's users, tokens, jobs...): each costs a few hundred bytes
// decoded, whatever its size on the wire, and 16 MiB of "{}," made 5.6
// million of them, 4 GB (the adversarial review); 250,000 empty jobs take
// about 200 MB. It holds a mock of 100,000 accounts each with a token.
const MaxStreamElements = 250_000

// streamDecoder is decodeStream's state: the decoder and how many more
// array elements it may decode.
type streamDecoder struct {
	dec  *json.Decoder
	left int
}

func (sd *streamDecoder) decodeFields(v reflect.Value) error {
	dec := sd.dec
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		return nil // null, as encoding/json
	case tok != json.Delim('{'):
		return &json.UnmarshalTypeError{Value: jsonTokenKind(tok), Type: v.Type()}
	}
	err = sd.decodeMembers(v)
	if err == io.EOF {
		return io.ErrUnexpectedEOF // the object was opened
	}
	return err
}

func (sd *streamDecoder) decodeMembers(v reflect.Value) error {
	dec := sd.dec
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // the decoder checks that an object's keys are strings
		f := fieldByJSONName(v, key)
		switch {
		case !f.IsValid():
			err = skipValue(dec)
		case f.Kind() == reflect.Slice && f.Type().Elem().Kind() != reflect.Uint8:
			err = sd.decodeElements(f, key)
		default:
			err = fieldError(dec.Decode(f.Addr().Interface()), key)
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}

// decodeElements decodes a JSON array into the slice f one element at a time.
func (sd *streamDecoder) decodeElements(f reflect.Value, key string) error {
	dec := sd.dec
	tok, err := dec.Token()
	switch {
	case err != nil:
		return err
	case tok == nil:
		f.Set(reflect.Zero(f.Type())) // as encoding/json sets a slice to nil
		return nil
	case tok != json.Delim('['):
		return &json.UnmarshalTypeError{Value: jsonTokenKind(tok), Type: f.Type(), Field: key}
	}
	elems := reflect.MakeSlice(f.Type(), 0, 0)
	for dec.More() {
		if sd.left--; sd.left < 0 {
			return badRequest("the document holds more than %d entries in its lists, the most mockdomino reads in one (at %s)", MaxStreamElements, key)
		}
		e := reflect.New(f.Type().Elem())
		if err := dec.Decode(e.Interface()); err != nil {
			return fieldError(err, key)
		}
		elems = reflect.Append(elems, e.Elem())
	}
	if _, err := dec.Token(); err != nil { // ]
		return err
	}
	f.Set(elems)
	return nil
}

// fieldError names key in an error from decoding its value.
func fieldError(err error, key string) error {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case err == nil, errors.As(err, &syn), err == io.EOF, errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, errInvalidUTF8), errors.Is(err, errBodyRead):
		return err
	case errors.As(err, &typ):
		if typ.Field == "" {
			typ.Field = key
		} else {
			typ.Field = key + "." + typ.Field
		}
		return typ
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	// An UnmarshalJSON method refused the value.
	return badRequest("field %s is invalid: %s", key, clipPath(err.Error()))
}

// skipValue reads past one JSON value token by token, holding no more than
// one token (a string, at most the body's limit) at a time.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// fieldByJSONName is the field of struct v that encoding/json would decode
// key into: the exact name first, else one equal under case folding.
func fieldByJSONName(v reflect.Value, key string) reflect.Value {
	var folded reflect.Value
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return v.Field(i)
		}
		if !folded.IsValid() && strings.EqualFold(name, key) {
			folded = v.Field(i)
		}
	}
	return folded
}

func jsonTokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

var (
	errInvalidUTF8 = errors.New("request body is not valid UTF-8")
	errBodyRead    = errors.New("request body could not be read")
)

// jsonReader passes a JSON body through to a json.Decoder, failing with
// errInvalidUTF8 at the first byte that is not UTF-8 (encoding/json would
// silently turn it into U+FFFD) and turning read errors other than the
// body limit into errBodyRead. It also shortens each run of whitespace
// outside strings to its first byte: json.Decoder keeps a run of
// whitespace in memory until the next token, rescanning it at every read,
// so 200 MiB of spaces took minutes and as much memory. One byte
// separates tokens as well as many, so no document changes meaning.
type jsonReader struct {
	r        io.Reader
	tail     [utf8.UTFMax]byte // the start of a rune the last read cut
	nt       int
	inString bool // inside a JSON string
	escaped  bool // after a backslash inside a string
	space    bool // the last byte passed on was whitespace outside a string
}

func (j *jsonReader) Read(p []byte) (int, error) {
	for {
		n, err := j.r.Read(p)
		if verr := j.validate(p[:n], err == io.EOF); verr != nil {
			return 0, verr
		}
		n = j.squeeze(p[:n])
		var mbe *http.MaxBytesError
		switch {
		case err == nil && n == 0:
			continue // all whitespace: read on rather than answer nothing
		case err == nil, err == io.EOF, errors.As(err, &mbe):
			return n, err
		}
		return n, errBodyRead
	}
}

// validate checks b as the next bytes of a UTF-8 text; a rune cut at its
// end is checked when the rest comes.
func (j *jsonReader) validate(b []byte, atEOF bool) error {
	for j.nt > 0 && len(b) > 0 {
		j.tail[j.nt], j.nt, b = b[0], j.nt+1, b[1:]
		if utf8.FullRune(j.tail[:j.nt]) {
			if r, size := utf8.DecodeRune(j.tail[:j.nt]); r == utf8.RuneError && size == 1 {
				return errInvalidUTF8
			}
			j.nt = 0
		}
	}
	if j.nt == 0 {
		whole := len(b)
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					whole = i
				}
				break
			}
		}
		if !utf8.Valid(b[:whole]) {
			return errInvalidUTF8
		}
		j.nt = copy(j.tail[:], b[whole:])
	}
	if atEOF && j.nt > 0 {
		return errInvalidUTF8
	}
	return nil
}

// squeeze drops, in place, every whitespace byte outside strings that
// follows another, and returns the length left.
func (j *jsonReader) squeeze(b []byte) int {
	w := 0
	for _, c := range b {
		switch {
		case j.inString:
			j.inString = j.escaped || c != '"'
			j.escaped = !j.escaped && c == '\\'
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if j.space {
				continue
			}
			j.space = true
		default:
			j.space, j.inString = false, c == '"'
		}
		b[w] = c
		w++
	}
	return w
}
