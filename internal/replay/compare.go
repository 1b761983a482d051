package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/mockdomino/mockdomino/internal/transcript"
)

// body is an answer's body as replay compares it: a JSON value (numbers
// as written), a text, or bytes.
type body struct {
	present bool
	value   any // JSON, or the text as a string
	binary  []byte
	isBin   bool
}

// bodyOf is a target's answer body.
func bodyOf(b []byte) body {
	switch {
	case len(b) == 0:
		return body{}
	case utf8.Valid(b):
		if v, ok := transcript.DecodeJSON(b); ok {
			return body{present: true, value: v}
		}
		return body{present: true, value: string(b)}
	}
	return body{present: true, binary: b, isBin: true}
}

// a diff is one difference inside an answer.
type diff struct {
	kind, field, recorded, got string
}

// comparer walks a recorded answer and the target's side by side: it
// learns the mapping of every id, time and placeholder, and notes every
// difference that carries meaning.
type comparer struct {
	m         *mapping
	ignores   []Ignore // those that apply to this exchange's route
	maskHosts *strings.Replacer
	scrub     func(string) string
	diffs     []diff
}

func (c *comparer) ignored(at []elem) bool {
	for _, ig := range c.ignores {
		if ig.matches(at) {
			return true
		}
	}
	return false
}

func (c *comparer) add(kind string, at []elem, recorded, got string) {
	if c.ignored(at) {
		return
	}
	c.diffs = append(c.diffs, diff{kind: kind, field: fieldString(at), recorded: recorded, got: got})
}

func (c *comparer) bodies(rec, got body) {
	switch {
	case !rec.present && !got.present:
		return
	case !rec.present || !got.present || rec.isBin != got.isBin:
		c.add("shape", nil, bodyType(rec), bodyType(got))
		return
	case rec.isBin:
		if !bytes.Equal(rec.binary, got.binary) {
			c.add("value", nil, fmt.Sprintf("%d bytes", len(rec.binary)), fmt.Sprintf("%d other bytes", len(got.binary)))
		}
		return
	}
	c.walk(nil, rec.value, got.value, true)
}

func bodyType(b body) string {
	switch {
	case !b.present:
		return "no body"
	case b.isBin:
		return "bytes"
	}
	return typeName(b.value)
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

// walk compares rec and got at a place. learn is false when the two are
// not the same thing (the first elements of lists of different lengths):
// their shapes are compared, their ids not mapped.
func (c *comparer) walk(at []elem, rec, got any, learn bool) {
	if typeName(rec) != typeName(got) {
		c.add("shape", at, typeName(rec), typeName(got))
		return
	}
	switch r := rec.(type) {
	case map[string]any:
		g := got.(map[string]any)
		for _, k := range sortedKeys(r) {
			here := append(at[:len(at):len(at)], elem{name: k, index: -1})
			if gv, ok := g[k]; ok {
				c.walk(here, r[k], gv, learn)
			} else {
				c.add("shape", here, typeName(r[k]), "no such field")
			}
		}
		for _, k := range sortedKeys(g) {
			if _, ok := r[k]; !ok {
				c.add("shape", append(at[:len(at):len(at)], elem{name: k, index: -1}), "no such field", typeName(g[k]))
			}
		}
	case []any:
		g := got.([]any)
		if len(r) != len(g) {
			if learn {
				c.add("value", at, fmt.Sprintf("%d elements", len(r)), fmt.Sprintf("%d elements", len(g)))
			}
			if len(r) > 0 && len(g) > 0 {
				c.walk(append(at[:len(at):len(at)], elem{index: 0}), r[0], g[0], false)
			}
			return
		}
		for i, j := range c.pair(r, g) {
			c.walk(append(at[:len(at):len(at)], elem{index: i}), r[i], g[j], learn)
		}
	case string:
		c.str(at, r, got.(string), learn)
	case json.Number:
		if learn && !sameNumber(r, got.(json.Number)) && !timeNumber(at, r) {
			c.add("value", at, r.String(), got.(json.Number).String())
		}
	case bool:
		if learn && r != got.(bool) {
			c.add("value", at, fmt.Sprint(r), fmt.Sprint(got))
		}
	}
}

// str compares two strings: ids, times and placeholders are mapped, not
// compared; other strings are compared with the ids and hosts inside them
// mapped and masked.
func (c *comparer) str(at []elem, r, g string, learn bool) {
	if r == g || !learn {
		return
	}
	if classify(r) != kindText {
		if g != "" {
			c.m.learn(r, g)
		}
		return
	}
	want := c.m.expect(r)
	if want == g || mask(want, c.maskHosts) == mask(g, c.maskHosts) {
		return
	}
	c.add("value", at, quote(r), quote(c.scrub(g)))
}

// pair says which of got's elements each of rec's is compared with: the
// one with the same identity (an id-like field whose recorded value maps to
// the element's), else the next in order. So a list the target orders by
// its own ids compares element by element.
func (c *comparer) pair(rec, got []any) []int {
	out := make([]int, len(rec))
	for i := range out {
		out[i] = i
	}
	if len(rec) < 2 {
		return out
	}
	index := map[string]int{}
	for j, e := range got {
		o, ok := e.(map[string]any)
		if !ok {
			return out
		}
		for k, v := range o {
			if s, ok := v.(string); ok && classify(s) != kindText {
				key := k + "\x00" + s
				if _, dup := index[key]; dup {
					index[key] = -1
				} else {
					index[key] = j
				}
			}
		}
	}
	used := make([]bool, len(got))
	paired := make([]bool, len(rec))
	for i, e := range rec {
		o, ok := e.(map[string]any)
		if !ok {
			return out
		}
		for _, k := range sortedKeys(o) {
			s, ok := o[k].(string)
			if !ok || classify(s) == kindText {
				continue
			}
			want, ok := c.m.values[s]
			if !ok {
				want = s
			}
			if j, ok := index[k+"\x00"+want]; ok && j >= 0 && !used[j] {
				out[i], used[j], paired[i] = j, true, true
				break
			}
		}
	}
	next := 0
	for i := range rec {
		if paired[i] {
			continue
		}
		for used[next] {
			next++
		}
		out[i], used[next] = next, true
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sameNumber(a, b json.Number) bool {
	if a == b {
		return true
	}
	x, err1 := a.Float64()
	y, err2 := b.Float64()
	return err1 == nil && err2 == nil && x == y
}

// timeNumber: a number that is a time, not a count: epoch milliseconds
// (1973 to 5138), or a field named as a time or a duration.
func timeNumber(at []elem, n json.Number) bool {
	if f, err := n.Float64(); err == nil && math.Abs(f) >= 1e11 && math.Abs(f) < 1e14 {
		return true
	}
	if len(at) == 0 || at[len(at)-1].index >= 0 {
		return false
	}
	name := at[len(at)-1].name
	for _, suffix := range timeSuffixes {
		if strings.HasSuffix(name, suffix) || strings.EqualFold(name, suffix) {
			return true
		}
	}
	return false
}

// timeSuffixes end the names of fields that hold times or durations, in
// camelCase: createdAt, startTime, durationMs, lastModified.
var timeSuffixes = []string{"At", "Time", "Timestamp", "Date", "Millis", "Ms", "Seconds", "Duration", "Modified", "Epoch"}

func quote(s string) string {
	const max = 160
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	b, _ := transcript.Marshal(s)
	return string(b)
}
