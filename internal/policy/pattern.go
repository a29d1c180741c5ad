package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // * : any run of characters, possibly empty
	tokOne                 // ? : exactly one character
	tokVar                 // ${key} or ${key, 'default'}
)

type token struct {
	kind   tokKind
	text   string // literal text, or the variable's condition key
	def    string // default value of a variable
	hasDef bool
	bad    bool // a malformed variable: it never resolves
}

type patKind uint8

const (
	patGlob   patKind = iota // general token matcher
	patAny                   // "*"
	patExact                 // no wildcards, no variables
	patPrefix                // literal followed by a single trailing *
)

// pattern is a compiled Action, Resource or condition value. The common
// shapes (exact, "*", "prefix*") are recognised at parse time so most
// evaluations never reach the general matcher.
type pattern struct {
	kind    patKind
	fold    bool // case-insensitive (actions, ...IgnoreCase)
	lit     string
	toks    []token
	hasVars bool
}

// tokenize splits s into tokens. wild makes * and ? wildcards; vars makes
// ${...} a policy variable (only for Version 2012-10-17 documents: older
// documents take "${" literally, as AWS does).
func tokenize(s string, wild, vars bool) []token {
	var toks []token
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			toks = append(toks, token{kind: tokLit, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if vars && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if j := strings.IndexByte(s[i+2:], '}'); j >= 0 {
				body := s[i+2 : i+2+j]
				switch body {
				case "*", "?", "$":
					// AWS's escapes: the character itself, never a wildcard.
					lit.WriteString(body)
				default:
					flush()
					toks = append(toks, parseVar(body))
				}
				i += j + 3
				continue
			}
		}
		if wild && c == '*' {
			flush()
			if n := len(toks); n == 0 || toks[n-1].kind != tokStar {
				toks = append(toks, token{kind: tokStar})
			}
			i++
			continue
		}
		if wild && c == '?' {
			flush()
			toks = append(toks, token{kind: tokOne})
			i++
			continue
		}
		lit.WriteByte(c)
		i++
	}
	flush()
	return toks
}

// parseVar reads the inside of ${...}: a key, optionally followed by
// ", 'default'" (inside the default, two single quotes stand for one).
func parseVar(body string) token {
	name, rest, hasComma := strings.Cut(body, ",")
	name = strings.TrimSpace(name)
	t := token{kind: tokVar, text: name}
	if name == "" || strings.ContainsAny(name, " \t") {
		t.bad = true
	}
	if hasComma {
		rest = strings.TrimSpace(rest)
		if len(rest) >= 2 && rest[0] == '\'' && rest[len(rest)-1] == '\'' {
			inner := rest[1 : len(rest)-1]
			if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
				t.bad = true
			} else {
				t.def = strings.ReplaceAll(inner, "''", "'")
				t.hasDef = true
			}
		} else {
			t.bad = true
		}
	}
	if t.bad {
		t.hasDef = false
	}
	return t
}

func compile(s string, wild, vars, fold bool) pattern {
	return classify(tokenize(s, wild, vars), fold)
}

func classify(toks []token, fold bool) pattern {
	p := pattern{fold: fold, toks: toks}
	for _, t := range toks {
		if t.kind == tokVar {
			p.hasVars = true
			return p
		}
	}
	switch {
	case len(toks) == 0:
		p.kind = patExact
	case len(toks) == 1 && toks[0].kind == tokLit:
		p.kind, p.lit = patExact, toks[0].text
	case len(toks) == 1 && toks[0].kind == tokStar:
		p.kind = patAny
	case len(toks) == 2 && toks[0].kind == tokLit && toks[1].kind == tokStar:
		p.kind, p.lit = patPrefix, toks[0].text
	}
	if p.kind != patGlob {
		p.toks = nil
	}
	return p
}

func (p *pattern) match(s string, ctx map[string][]string) bool {
	switch p.kind {
	case patAny:
		return true
	case patExact:
		if p.fold {
			return strings.EqualFold(s, p.lit)
		}
		return s == p.lit
	case patPrefix:
		_, ok := hasPrefix(s, p.lit, p.fold)
		return ok
	}
	if p.hasVars {
		// A variable with no value makes this value match nothing: AWS
		// says any attempt to match a key that is not present fails.
		for i := range p.toks {
			if t := &p.toks[i]; t.kind == tokVar {
				if _, ok := resolve(t, ctx); !ok {
					return false
				}
			}
		}
	}
	return globMatch(p.toks, s, p.fold, ctx)
}

// globMatch is the classic single-backtrack wildcard matcher: on a
// mismatch it only ever retries the most recent *, so it runs in
// O(len(s)·len(toks)) however many stars the pattern holds. That is
// correct because every non-star token matches deterministically at a
// given position.
func globMatch(toks []token, s string, fold bool, ctx map[string][]string) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				if ti == len(toks)-1 {
					return true
				}
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			default:
				text := t.text
				if t.kind == tokVar {
					text, _ = resolve(t, ctx)
				}
				if n, ok := hasPrefix(s[si:], text, fold); ok {
					si += n
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		ti, si = starTi+1, starSi
	}
}

// hasPrefix reports whether s starts with lit and how many bytes of s the
// match used (under case folding that can differ from len(lit)).
func hasPrefix(s, lit string, fold bool) (int, bool) {
	if !fold {
		if strings.HasPrefix(s, lit) {
			return len(lit), true
		}
		return 0, false
	}
	i := 0
	for _, r := range lit {
		if i >= len(s) {
			return 0, false
		}
		c, w := rune(s[i]), 1
		if c >= utf8.RuneSelf {
			c, w = utf8.DecodeRuneInString(s[i:])
		}
		if c != r && !equalFoldRune(c, r) {
			return 0, false
		}
		i += w
	}
	return i, true
}

func equalFoldRune(a, b rune) bool {
	if a < utf8.RuneSelf && b < utf8.RuneSelf {
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	for r := unicode.SimpleFold(a); r != a; r = unicode.SimpleFold(r) {
		if r == b {
			return true
		}
	}
	return false
}

// resolve gives a variable's value: the first value of its condition key
// (matched case-insensitively), else its default.
func resolve(t *token, ctx map[string][]string) (string, bool) {
	if !t.bad {
		if vs := lookup(ctx, t.text); len(vs) > 0 {
			return vs[0], true
		}
	}
	if t.hasDef {
		return t.def, true
	}
	return "", false
}

// lookup finds a condition key. Keys are case-insensitive in AWS; the
// exact spelling is tried first because callers and policies nearly
// always spell keys the way AWS documents them.
func lookup(ctx map[string][]string, key string) []string {
	if v, ok := ctx[key]; ok {
		return v
	}
	for k, v := range ctx {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

// arnPattern matches ARNs the way AWS's Arn* condition operators do: each
// of the six colon-separated parts on its own, so a * never spans a colon
// before the resource part. A value that is not six parts (such as a bare
// "*" or a whole-ARN variable) is matched as one string.
type arnPattern struct {
	whole pattern
	parts []pattern // nil, or exactly 6
}

func compileARN(s string, vars bool) arnPattern {
	toks := tokenize(s, true, vars)
	var parts [][]token
	var cur []token
	for _, t := range toks {
		if t.kind != tokLit || len(parts) == 5 {
			cur = append(cur, t)
			continue
		}
		text := t.text
		for len(parts) < 5 {
			j := strings.IndexByte(text, ':')
			if j < 0 {
				break
			}
			if j > 0 {
				cur = append(cur, token{kind: tokLit, text: text[:j]})
			}
			parts = append(parts, cur)
			cur = nil
			text = text[j+1:]
		}
		if text != "" {
			cur = append(cur, token{kind: tokLit, text: text})
		}
	}
	parts = append(parts, cur)
	if len(parts) != 6 {
		return arnPattern{whole: classify(toks, false)}
	}
	a := arnPattern{parts: make([]pattern, 6)}
	for i, p := range parts {
		a.parts[i] = classify(p, false)
	}
	return a
}

func (a *arnPattern) match(s string, ctx map[string][]string) bool {
	if a.parts == nil {
		return a.whole.match(s, ctx)
	}
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return false
		}
		if !a.parts[i].match(rest[:j], ctx) {
			return false
		}
		rest = rest[j+1:]
	}
	return a.parts[5].match(rest, ctx)
}
