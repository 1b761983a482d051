package conformance

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Tag expressions select scenarios. Two syntaxes are accepted, and may be
// mixed:
//
//   - godog's: "@a && ~@b", where "," is or and binds tighter than "&&"
//     ("@a && @b,@c" is @a and (@b or @c)), and "~" is not;
//   - Cucumber's: "@a and not (@b or @c)", where not binds tightest, then
//     and, then or ("@a and @b or @c" is (@a and @b) or @c).
//
// godog itself only understands its own syntax, without parentheses, and
// panics on some malformed expressions; so an expression is parsed here,
// checked, and handed to godog in godog's syntax: its conjunctive normal
// form, "a,~b && c".

// tagExpr is a parsed tag expression.
type tagExpr struct {
	op   string // "tag", "not", "and", "or"
	tag  string // for "tag": the tag, with its @
	args []*tagExpr
}

// maxTagClauses bounds the normal form, which can grow exponentially with
// the expression (it never does for expressions people write).
const maxTagClauses = 256

var errTooComplex = fmt.Errorf("it is too complex (more than %d clauses in godog's form)", maxTagClauses)

// parseTags parses an expression; "" (or only white space) selects every
// scenario and gives nil.
func parseTags(s string) (*tagExpr, error) {
	toks, err := tagTokens(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, nil
	}
	p := &tagParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		if p.toks[p.i] == ")" {
			return nil, fmt.Errorf(`a ")" with no "(" before it`)
		}
		return nil, fmt.Errorf("%q after a complete expression: join them with and (&&) or or (,)", p.toks[p.i])
	}
	return e, nil
}

// tagTokens splits an expression into tags, operators and parentheses.
func tagTokens(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',' || c == '~':
			toks = append(toks, string(c))
			i++
		case strings.HasPrefix(s[i:], "&&"):
			toks = append(toks, "&&")
			i += 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r(),~", rune(s[j])) && !strings.HasPrefix(s[j:], "&&") {
				j++
			}
			w := s[i:j]
			switch {
			case w == "and" || w == "or" || w == "not":
			case strings.HasPrefix(w, "@") && len(w) > 1 && !strings.ContainsAny(w[1:], "@&|"):
			case strings.HasPrefix(w, "@"):
				return nil, fmt.Errorf("%q is not a tag", w)
			default:
				return nil, fmt.Errorf("%q is not a tag (tags start with @) nor and, or, not", w)
			}
			toks = append(toks, w)
			i = j
		}
	}
	return toks, nil
}

type tagParser struct {
	toks []string
	i    int
}

func (p *tagParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// or := and ("or" and)*
func (p *tagParser) or() (*tagExpr, error) {
	return p.binary("or", []string{"or"}, p.and)
}

// and := alt (("and" | "&&") alt)*
func (p *tagParser) and() (*tagExpr, error) {
	return p.binary("and", []string{"and", "&&"}, p.alt)
}

// alt := unary ("," unary)*  (godog's or, which binds tighter than &&)
func (p *tagParser) alt() (*tagExpr, error) {
	return p.binary("or", []string{","}, p.unary)
}

func (p *tagParser) binary(op string, seps []string, operand func() (*tagExpr, error)) (*tagExpr, error) {
	first, err := operand()
	if err != nil {
		return nil, err
	}
	args := []*tagExpr{first}
	for slices.Contains(seps, p.peek()) {
		sep := p.toks[p.i]
		p.i++
		if p.peek() == "" {
			return nil, fmt.Errorf("a tag or a ( is missing after %q at the end", sep)
		}
		e, err := operand()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return first, nil
	}
	return &tagExpr{op: op, args: args}, nil
}

// unary := ("not" | "~") unary | "(" or ")" | tag
func (p *tagParser) unary() (*tagExpr, error) {
	t := p.peek()
	switch {
	case t == "":
		return nil, fmt.Errorf("a tag is missing at the end")
	case t == "not" || t == "~":
		p.i++
		if p.peek() == "" {
			return nil, fmt.Errorf("a tag or a ( is missing after %q at the end", t)
		}
		e, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &tagExpr{op: "not", args: []*tagExpr{e}}, nil
	case t == "(":
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.peek() != ")" {
			return nil, fmt.Errorf(`a "(" is never closed by a ")"`)
		}
		p.i++
		return e, nil
	case strings.HasPrefix(t, "@"):
		p.i++
		return &tagExpr{op: "tag", tag: t}, nil
	}
	return nil, fmt.Errorf("a tag is missing before %q", t)
}

// tags lists the tags the expression names, each once, sorted.
func (e *tagExpr) tags() []string {
	seen := map[string]bool{}
	var walk func(*tagExpr)
	walk = func(e *tagExpr) {
		if e.op == "tag" {
			seen[e.tag] = true
		}
		for _, a := range e.args {
			walk(a)
		}
	}
	walk(e)
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// literal is a tag or its negation.
type literal struct {
	tag string
	not bool
}

func (l literal) String() string {
	if l.not {
		return "~" + l.tag
	}
	return l.tag
}

// cnf is the expression as clauses that must all hold, each a list of
// literals of which one must hold. neg says whether the expression is
// negated (negations are pushed down to the tags).
func (e *tagExpr) cnf(neg bool) ([][]literal, error) {
	switch {
	case e.op == "tag":
		return [][]literal{{{tag: e.tag, not: neg}}}, nil
	case e.op == "not":
		return e.args[0].cnf(!neg)
	case (e.op == "and") != neg: // and, or a negated or
		var out [][]literal
		for _, a := range e.args {
			c, err := a.cnf(neg)
			if err != nil {
				return nil, err
			}
			out = append(out, c...)
			if len(out) > maxTagClauses {
				return nil, errTooComplex
			}
		}
		return out, nil
	default: // or, or a negated and: distribute
		out := [][]literal{{}}
		for _, a := range e.args {
			c, err := a.cnf(neg)
			if err != nil {
				return nil, err
			}
			if len(out)*len(c) > maxTagClauses {
				return nil, errTooComplex
			}
			var next [][]literal
			for _, x := range out {
				for _, y := range c {
					next = append(next, append(slices.Clone(x), y...))
				}
			}
			out = next
		}
		return out, nil
	}
}

// godogTags is the expression in godog's syntax; "" selects everything.
func (e *tagExpr) godogTags() (string, error) {
	if e == nil {
		return "", nil
	}
	clauses, err := e.cnf(false)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range clauses {
		seen := map[literal]bool{}
		var lits []string
		always := false
		for _, l := range c {
			if seen[literal{tag: l.tag, not: !l.not}] {
				always = true // @a or not @a
			}
			if !seen[l] {
				seen[l] = true
				lits = append(lits, l.String())
			}
		}
		if !always {
			parts = append(parts, strings.Join(lits, ","))
		}
	}
	return strings.Join(parts, " && "), nil
}

// godogTagExpression checks an expression in either syntax and gives it in
// godog's, with the tags it names.
func godogTagExpression(s string) (expr string, named []string, err error) {
	e, err := parseTags(s)
	if err == nil {
		expr, err = e.godogTags()
	}
	if err != nil {
		return "", nil, fmt.Errorf("tag expression %q: %v", s, err)
	}
	if e != nil {
		named = e.tags()
	}
	return expr, named, nil
}
