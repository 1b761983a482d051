package replay

import (
	"fmt"
	"strconv"
	"strings"
)

// An ignore leaves fields out of the comparison: [METHOD PATH ]FIELD.
//
// FIELD is a path into the JSON body, as drift lines name them:
//
//	$.metadata.requestId   one field (and everything under it)
//	$..lastModified        a field of that name at any depth
//	$.items[*].id          every element of a list; $.items[0].id the first
//	$.*.id                 any field
//
// With a route first, the ignore applies to that route's answers only:
// METHOD is an HTTP method or *, PATH the request's path (no query) with *
// for one segment and ** at the end for any rest:
//
//	GET /v4/projects/* $.created
//	* /api/** $.metadata
//
// A route with no FIELD leaves those answers out entirely, status included.

// Ignore is one parsed --ignore.
type Ignore struct {
	method  string   // "" or "*": any
	route   []string // path segments, "*" one, "**" (last) any rest; nil: any route
	field   []step   // nil: the whole answer
	literal string
}

// step is one element of a field path.
type step struct {
	name    string // a field, or "*" for any
	index   int    // an element, with isIndex
	isIndex bool
	any     bool // [*]
	descend bool // ..: any depth, then the rest
}

// ParseIgnore reads one --ignore option.
func ParseIgnore(s string) (Ignore, error) {
	ig := Ignore{literal: s}
	s = strings.TrimSpace(s)
	if s == "" {
		return ig, fmt.Errorf("--ignore: empty; want a field such as $.metadata.requestId, optionally after a route such as 'GET /v4/projects/*'")
	}
	if !strings.HasPrefix(s, "$") {
		parts := strings.Fields(s)
		if len(parts) < 2 || len(parts) > 3 || !strings.HasPrefix(parts[1], "/") {
			return ig, fmt.Errorf("--ignore %q: want [METHOD PATH ]FIELD, e.g. '$.metadata.requestId' or 'GET /v4/projects/* $.created'", ig.literal)
		}
		ig.method = strings.ToUpper(parts[0])
		ig.route = strings.Split(strings.Trim(parts[1], "/"), "/")
		for i, seg := range ig.route {
			if seg == "**" && i != len(ig.route)-1 {
				return ig, fmt.Errorf("--ignore %q: ** may only end a route", ig.literal)
			}
		}
		if len(parts) == 2 {
			return ig, nil
		}
		s = parts[2]
		if !strings.HasPrefix(s, "$") {
			return ig, fmt.Errorf("--ignore %q: a field starts with $, e.g. $.metadata.requestId", ig.literal)
		}
	}
	steps, err := parseField(s)
	if err != nil {
		return ig, fmt.Errorf("--ignore %q: %v", ig.literal, err)
	}
	ig.field = steps
	return ig, nil
}

func parseField(s string) ([]step, error) {
	rest := strings.TrimPrefix(s, "$")
	steps := []step{} // not nil: "$" alone is the whole body
	for rest != "" {
		var st step
		switch {
		case strings.HasPrefix(rest, ".."):
			st.descend = true
			rest = rest[2:]
			if rest == "" || rest[0] == '.' {
				return nil, fmt.Errorf(".. must be followed by a field name, * or [")
			}
			if rest[0] != '[' {
				rest = "." + rest
			}
			steps = append(steps, st)
			continue
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			if end == 0 {
				return nil, fmt.Errorf("an empty field name")
			}
			st.name, rest = rest[:end], rest[end:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("a [ without ]")
			}
			in := rest[1:end]
			rest = rest[end+1:]
			if in == "*" {
				st.any = true
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("[%s]: want [*] or an index", in)
				}
				st.index, st.isIndex = n, true
			}
		default:
			return nil, fmt.Errorf("unexpected %q: fields are .name, ..name, [N] or [*]", rest)
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// appliesTo: the ignore's route matches the request.
func (ig Ignore) appliesTo(method, path string) bool {
	if ig.method != "" && ig.method != "*" && ig.method != method {
		return false
	}
	if ig.route == nil {
		return true
	}
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, p := range ig.route {
		if p == "**" {
			return true
		}
		if i >= len(segs) || p != "*" && p != segs[i] {
			return false
		}
	}
	return len(segs) == len(ig.route)
}

// elem is one step of a concrete place in a body: a field or an index.
type elem struct {
	name  string
	index int // -1 for a field
}

// matches: the ignore's field is the place or one of its parents.
func (ig Ignore) matches(at []elem) bool {
	return matchSteps(ig.field, at)
}

func matchSteps(steps []step, at []elem) bool {
	if len(steps) == 0 {
		return true
	}
	st := steps[0]
	if st.descend {
		for k := 0; k <= len(at); k++ {
			if matchSteps(steps[1:], at[k:]) {
				return true
			}
		}
		return false
	}
	if len(at) == 0 {
		return false
	}
	e := at[0]
	switch {
	case st.any:
		if e.index < 0 {
			return false
		}
	case st.isIndex:
		if e.index != st.index {
			return false
		}
	default:
		if e.index >= 0 || st.name != "*" && st.name != e.name {
			return false
		}
	}
	return matchSteps(steps[1:], at[1:])
}

// fieldString is a place as drift lines write it: $.items[0].name.
func fieldString(at []elem) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, e := range at {
		if e.index >= 0 {
			fmt.Fprintf(&b, "[%d]", e.index)
		} else {
			b.WriteByte('.')
			b.WriteString(e.name)
		}
	}
	return b.String()
}
