package cors

import (
	"strconv"
	"strings"
)

// Vary is the Vary value S3 sends with every CORS answer, since the answer
// depends on these three request headers.
const Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// Header is one response header of a CORS answer.
type Header struct{ Name, Value string }

// Match is the first rule that allows origin to use method: S3's
// evaluation of an actual request, whose own headers are not checked. ok
// is false when no rule does.
func (c *Config) Match(origin, method string) (Rule, bool) {
	for _, r := range c.Rules {
		if r.allowsOrigin(origin) && r.allowsMethod(method) {
			return r, true
		}
	}
	return Rule{}, false
}

// MatchPreflight is the first rule that allows origin to use method with
// every one of requested (the names of Access-Control-Request-Headers):
// S3's evaluation of a preflight.
func (c *Config) MatchPreflight(origin, method string, requested []string) (Rule, bool) {
	for _, r := range c.Rules {
		if r.allowsOrigin(origin) && r.allowsMethod(method) && r.allowsHeaders(requested) {
			return r, true
		}
	}
	return Rule{}, false
}

func (r Rule) allowsOrigin(origin string) bool {
	for _, o := range r.AllowedOrigins {
		if wildcardMatch(o, origin, false) {
			return true
		}
	}
	return false
}

func (r Rule) allowsMethod(method string) bool {
	for _, m := range r.AllowedMethods {
		if m == method {
			return true
		}
	}
	return false
}

// allowsHeaders: every requested name matches an AllowedHeader, without
// regard to case (header names are case-insensitive). A rule without
// AllowedHeader allows none.
func (r Rule) allowsHeaders(requested []string) bool {
	for _, name := range requested {
		ok := false
		for _, h := range r.AllowedHeaders {
			if wildcardMatch(h, name, true) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// wildcardMatch matches s against pattern, which holds at most one '*'
// standing for any run of characters, the empty one included (validated at
// Put); fold compares without regard to ASCII case. Origins are compared
// exactly: scheme, host and port as sent.
func wildcardMatch(pattern, s string, fold bool) bool {
	eq := func(a, b string) bool {
		if fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	prefix, suffix, wild := strings.Cut(pattern, "*")
	if !wild {
		return eq(pattern, s)
	}
	if len(s) < len(prefix)+len(suffix) {
		return false
	}
	return eq(s[:len(prefix)], prefix) && eq(s[len(s)-len(suffix):], suffix)
}

// ParseRequestHeaders splits Access-Control-Request-Headers values into
// names, lower-cased, in the order sent, empty list elements skipped.
func ParseRequestHeaders(values []string) []string {
	var names []string
	for _, v := range values {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, strings.ToLower(name))
			}
		}
	}
	return names
}

// Headers are the response headers of a request (preflight or actual)
// that r matched, in the order S3 sends them: Allow-Origin (the origin,
// or "*" when the rule allows every origin), Allow-Methods (the rule's),
// Allow-Headers (preflight only: the requested names), Expose-Headers,
// Max-Age, Allow-Credentials (unless the origin is "*": a browser refuses
// credentials with a wildcard origin) and Vary.
func (r Rule) Headers(origin string, requested []string) []Header {
	allowOrigin := origin
	star := r.allowsEveryOrigin()
	if star {
		allowOrigin = "*"
	}
	hs := []Header{
		{"Access-Control-Allow-Origin", allowOrigin},
		{"Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", ")},
	}
	if len(requested) > 0 {
		hs = append(hs, Header{"Access-Control-Allow-Headers", strings.Join(requested, ", ")})
	}
	if len(r.ExposeHeaders) > 0 {
		hs = append(hs, Header{"Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", ")})
	}
	if r.MaxAgeSeconds >= 0 {
		hs = append(hs, Header{"Access-Control-Max-Age", strconv.Itoa(r.MaxAgeSeconds)})
	}
	if !star {
		hs = append(hs, Header{"Access-Control-Allow-Credentials", "true"})
	}
	return append(hs, Header{"Vary", Vary})
}

// allowsEveryOrigin: the rule's AllowedOrigin is exactly "*", so S3
// answers "*" rather than the origin.
func (r Rule) allowsEveryOrigin() bool {
	for _, o := range r.AllowedOrigins {
		if o == "*" {
			return true
		}
	}
	return false
}
