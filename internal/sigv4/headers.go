package sigv4

import (
	"net/http"
	"strings"
)

// CanonicalHeaders returns the canonical header block for the signed header
// names, in the order given: one "name:value\n" line each. host comes from
// the host argument (the Host line, not the header map). Values are trimmed
// and runs of whitespace collapsed to one space; repeated headers are joined
// with ",". A signed header absent from the request is written "name:", which
// S3 tolerates.
func CanonicalHeaders(h http.Header, host string, signed []string) string {
	return string(appendCanonicalHeaders(nil, h, host, signed))
}

func appendCanonicalHeaders(dst []byte, h http.Header, host string, signed []string) []byte {
	for _, name := range signed {
		dst = append(dst, name...)
		dst = append(dst, ':')
		if isHost(name) {
			dst = appendTrimAll(dst, host)
		} else {
			for i, v := range headerValues(h, name) {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendTrimAll(dst, v)
			}
		}
		dst = append(dst, '\n')
	}
	return dst
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\v' || b == '\f'
}

// appendTrimAll is SigV4's Trimall. Runs of any ASCII whitespace, including
// the line breaks of a folded (obs-fold) header, become one space; quotes get
// no special treatment (the test suite's get-header-value-trim collapses
// `"a   b   c"` to `"a b c"`). botocore, minio-go and the JS SDK collapse tabs
// too; aws-sdk-go-v2 collapses only spaces, so a value with an inner tab
// signs differently there.
func appendTrimAll(dst []byte, v string) []byte {
	i, j := 0, len(v)
	for i < j && isSpace(v[i]) {
		i++
	}
	for j > i && isSpace(v[j-1]) {
		j--
	}
	space := false
	for ; i < j; i++ {
		b := v[i]
		if isSpace(b) {
			space = true
			continue
		}
		if space {
			dst = append(dst, ' ')
			space = false
		}
		dst = append(dst, b)
	}
	return dst
}

// headerValues finds the values of a header by lower-case name. The map key
// is built in a stack buffer in textproto's canonical form, so the lookup
// does not allocate; keys stored in another case are found by a scan.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		if k, ok := canonicalKey(buf[:0], name); ok {
			if v, found := h[string(k)]; found {
				return v
			}
		}
	}
	if v, found := h[name]; found {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// canonicalKey mirrors textproto.CanonicalMIMEHeaderKey; ok is false when the
// name has bytes textproto would leave the key unchanged for.
func canonicalKey(dst []byte, name string) ([]byte, bool) {
	upper := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isTokenByte(c) {
			return nil, false
		}
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
		upper = c == '-'
	}
	return dst, true
}

// tokenTable marks the bytes of an HTTP token (RFC 9110), the bytes a
// header name may hold. A table keeps the per-byte test to one load: every
// header lookup of a verification runs it over the whole name.
var tokenTable = func() (t [256]bool) {
	for c := 0x21; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c))
	}
	return t
}()

func isTokenByte(c byte) bool { return tokenTable[c] }

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isHost reports whether a signed header name is host. It is matched without
// regard to case because the value never comes from the header map.
func isHost(name string) bool {
	return len(name) == 4 && strings.EqualFold(name, "host")
}
