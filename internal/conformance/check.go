package conformance

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// obj is a decoded JSON object with typed accessors that fail with a message
// naming the field, so a missing or mistyped field reads clearly in a report.
type obj map[string]any

func (o obj) str(key string) (string, error) {
	v, ok := o[key]
	if !ok {
		return "", fmt.Errorf("field %q is missing in %v", key, map[string]any(o))
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("field %q is %T %v, want a string", key, v, v)
	}
	return s, nil
}

func (o obj) nonEmpty(key string) (string, error) {
	s, err := o.str(key)
	if err == nil && s == "" {
		err = fmt.Errorf("field %q is empty", key)
	}
	return s, err
}

func (o obj) boolean(key string) (bool, error) {
	v, ok := o[key]
	if !ok {
		return false, fmt.Errorf("field %q is missing in %v", key, map[string]any(o))
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("field %q is %T %v, want a boolean", key, v, v)
	}
	return b, nil
}

func (o obj) number(key string) (float64, error) {
	v, ok := o[key]
	if !ok {
		return 0, fmt.Errorf("field %q is missing in %v", key, map[string]any(o))
	}
	n, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("field %q is %T %v, want a number", key, v, v)
	}
	return n, nil
}

func (o obj) object(key string) (obj, error) {
	v, ok := o[key]
	if !ok {
		return nil, fmt.Errorf("field %q is missing in %v", key, map[string]any(o))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("field %q is %T %v, want an object", key, v, v)
	}
	return m, nil
}

func (o obj) list(key string) ([]any, error) {
	v, ok := o[key]
	if !ok {
		return nil, fmt.Errorf("field %q is missing in %v", key, map[string]any(o))
	}
	l, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("field %q is %T %v, want a list", key, v, v)
	}
	return l, nil
}

// equal checks that a string field has the wanted value.
func (o obj) equal(key, want string) error {
	got, err := o.str(key)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("field %q is %q, want %q", key, got, want)
	}
	return nil
}

// checker runs a series of field checks on one object and keeps the first
// failure, with the message the obj accessor gives; once a check has failed
// the later ones are skipped, as an early return would. Checkers made by in
// share their parent's failure, so one err() reports the first failure of
// the whole tree.
type checker struct {
	o     obj
	first *error
}

// check starts a series of checks on o.
func (o obj) check() *checker { return &checker{o: o, first: new(error)} }

// err is the first failure, or nil.
func (c *checker) err() error { return *c.first }

// failed reports whether a check has failed.
func (c *checker) failed() bool { return *c.first != nil }

// fail records err unless an earlier check has failed.
func (c *checker) fail(err error) *checker {
	if !c.failed() {
		*c.first = err
	}
	return c
}

// fields runs one accessor on every key until one fails.
func fields[T any](c *checker, get func(obj, string) (T, error), keys []string) *checker {
	for _, k := range keys {
		if c.failed() {
			break
		}
		_, err := get(c.o, k)
		c.fail(err)
	}
	return c
}

// The field checks: each key must be there with the accessor's type (and
// form: non-empty, ObjectId, UUID).
func (c *checker) str(keys ...string) *checker      { return fields(c, obj.str, keys) }
func (c *checker) nonEmpty(keys ...string) *checker { return fields(c, obj.nonEmpty, keys) }
func (c *checker) boolean(keys ...string) *checker  { return fields(c, obj.boolean, keys) }
func (c *checker) number(keys ...string) *checker   { return fields(c, obj.number, keys) }
func (c *checker) list(keys ...string) *checker     { return fields(c, obj.list, keys) }
func (c *checker) objectID(keys ...string) *checker { return fields(c, obj.objectID, keys) }
func (c *checker) uuid(keys ...string) *checker     { return fields(c, obj.uuid, keys) }

// equal checks that a string field has the wanted value.
func (c *checker) equal(key, want string) *checker {
	if !c.failed() {
		c.fail(c.o.equal(key, want))
	}
	return c
}

// in checks that a field is an object and returns a checker of that object
// which shares this one's failure.
func (c *checker) in(key string) *checker {
	sub := &checker{first: c.first}
	if !c.failed() {
		var err error
		sub.o, err = c.o.object(key)
		c.fail(err)
	}
	return sub
}

// apply runs a check of the whole object unless one has failed already.
func (c *checker) apply(check func(obj) error) *checker {
	if !c.failed() {
		c.fail(check(c.o))
	}
	return c
}

var (
	objectIDRE = regexp.MustCompile(`^[0-9a-f]{24}$`)
	// millisRE is RFC 3339 UTC with exactly three fractional digits, as
	// Domino lists token times.
	millisRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	// utcRE is RFC 3339 UTC with optional fractional digits.
	utcRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$`)
)

func (o obj) objectID(key string) (string, error) {
	s, err := o.str(key)
	if err == nil && !objectIDRE.MatchString(s) {
		err = fmt.Errorf("field %q is %q, want a Mongo ObjectId (24 hex characters)", key, s)
	}
	return s, err
}

func (o obj) uuid(key string) (string, error) {
	s, err := o.str(key)
	if err != nil {
		return s, err
	}
	if _, perr := uuid.Parse(s); perr != nil || len(s) != 36 {
		return s, fmt.Errorf("field %q is %q, want a UUID", key, s)
	}
	return s, nil
}

// utcTime reads an RFC 3339 UTC time; millis demands exactly milliseconds.
func (o obj) utcTime(key string, millis bool) (time.Time, error) {
	s, err := o.str(key)
	if err != nil {
		return time.Time{}, err
	}
	re, what := utcRE, "RFC 3339 UTC"
	if millis {
		re, what = millisRE, "RFC 3339 UTC with milliseconds"
	}
	if !re.MatchString(s) {
		return time.Time{}, fmt.Errorf("field %q is %q, want %s", key, s, what)
	}
	return time.Parse(time.RFC3339Nano, s)
}

// expectStatus checks the status, and for an error status the error shape
// of the route's family.
func expectStatus(r *Response, want int) error {
	if r == nil {
		return fmt.Errorf("no call has been made")
	}
	if r.Status != want {
		return fmt.Errorf("want status %d %s: %s", want, http.StatusText(want), r)
	}
	if want >= 400 {
		_, err := errorMessages(r)
		return err
	}
	return nil
}

// errorMessages checks the error body shape and returns its message(s):
// {"message","success":false} on v4 and legacy routes; on /api routes, as
// the public API's spec gives them, {"error"} for 400, 404 and 500 and
// {"requestId":"<uuid>","errors":[...]} for the other statuses.
func errorMessages(r *Response) ([]string, error) {
	if r == nil {
		return nil, fmt.Errorf("no call has been made")
	}
	if r.isPublicAPI() {
		switch r.Status {
		case http.StatusBadRequest, http.StatusNotFound, http.StatusInternalServerError:
			return publicAPIError(r)
		}
		return publicAPIErrors(r)
	}
	return v4Error(r)
}

func publicAPIError(r *Response) ([]string, error) {
	o, err := r.Object()
	if err != nil {
		return nil, fmt.Errorf("want a public API %d error body {\"error\"}: %w", r.Status, err)
	}
	msg, err := o.nonEmpty("error")
	if err != nil {
		return nil, fmt.Errorf("public API %d error body: %w", r.Status, err)
	}
	if len(o) != 1 {
		return nil, fmt.Errorf("public API %d error body has fields besides error: %s", r.Status, r)
	}
	return []string{msg}, nil
}

func v4Error(r *Response) ([]string, error) {
	o, err := r.Object()
	if err != nil {
		return nil, fmt.Errorf("want a v4 error body {\"message\",\"success\":false}: %w", err)
	}
	msg, err := o.nonEmpty("message")
	if err != nil {
		return nil, fmt.Errorf("v4 error body: %w", err)
	}
	ok, err := o.boolean("success")
	if err != nil {
		return nil, fmt.Errorf("v4 error body: %w", err)
	}
	if ok {
		return nil, fmt.Errorf("v4 error body says success:true: %s", r)
	}
	return []string{msg}, nil
}

func publicAPIErrors(r *Response) ([]string, error) {
	o, err := r.Object()
	if err != nil {
		return nil, fmt.Errorf("want a public API error body {\"requestId\",\"errors\"}: %w", err)
	}
	if _, err := o.uuid("requestId"); err != nil {
		return nil, fmt.Errorf("public API error body: %w", err)
	}
	list, err := o.list("errors")
	if err != nil {
		return nil, fmt.Errorf("public API error body: %w", err)
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("public API error body has no errors: %s", r)
	}
	var msgs []string
	for _, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("public API error body: errors holds %T %v, want non-empty strings", e, e)
		}
		msgs = append(msgs, s)
	}
	return msgs, nil
}

// mentions reports whether any message contains s (case-insensitive).
func mentions(msgs []string, s string) bool {
	for _, m := range msgs {
		if strings.Contains(strings.ToLower(m), strings.ToLower(s)) {
			return true
		}
	}
	return false
}

// find returns the first object of a list answer whose string field key is
// value, or nil when none is.
func find(r *Response, key, value string) (obj, error) {
	list, err := r.Array()
	if err != nil {
		return nil, err
	}
	for _, o := range list {
		if s, _ := o.str(key); s == value {
			return o, nil
		}
	}
	return nil, nil
}

// okObject checks that a call answered 200 and returns its JSON object.
func okObject(r *Response) (obj, error) {
	if err := expectStatus(r, http.StatusOK); err != nil {
		return nil, err
	}
	return r.Object()
}
