package sigv4

import "strings"

const upperHex = "0123456789ABCDEF"

// unreservedTable marks the RFC 3986 unreserved set, the only bytes SigV4's
// UriEncode leaves alone. A table keeps the per-byte test to one load on the
// hot path.
var unreservedTable = func() (t [256]bool) {
	for b := 0; b < 256; b++ {
		c := byte(b)
		t[b] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
	}
	return t
}()

func unreserved(b byte) bool { return unreservedTable[b] }

// URIEncode is SigV4's UriEncode: every byte except A-Z a-z 0-9 - . _ ~ is
// written as %XX with upper-case hex, a space is %20 (never "+"), and "/" is
// kept only when encodeSlash is false (object-key paths).
func URIEncode(s string, encodeSlash bool) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && (encodeSlash || s[i] != '/') {
			clean = false
			break
		}
	}
	if clean {
		return s // the common case allocates nothing
	}
	return string(appendURIEncode(make([]byte, 0, len(s)+16), s, encodeSlash))
}

func appendURIEncode(dst []byte, s string, encodeSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if unreserved(b) || (b == '/' && !encodeSlash) {
			dst = append(dst, b)
			continue
		}
		dst = append(dst, '%', upperHex[b>>4], upperHex[b&15])
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendCanonicalComponent appends the canonical form of one raw query name
// or value: it is percent-decoded and UriEncoded again in a single pass, so
// no intermediate string is built.
//
// A "+" decodes to a space (form encoding), as Go's url.ParseQuery, which
// aws-sdk-go-v2 and minio-go use to build their canonical query, does; the
// request handlers read the query through the same function, so the value
// that was signed is the value that is served. A "%" not followed by two hex
// digits is kept as a literal "%" (encoded %25); the canonical query never
// passes one here (routable leaves such pairs out, as url.ParseQuery does).
func appendCanonicalComponent(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); i++ {
		b := raw[i]
		switch {
		case unreserved(b):
			// Copy the whole run of unreserved bytes at once.
			j := i + 1
			for j < len(raw) && unreserved(raw[j]) {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j - 1
			continue
		case b == '+':
			dst = append(dst, '%', '2', '0')
			continue
		case b == '%' && i+2 < len(raw):
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if ok1 && ok2 {
				b = hi<<4 | lo
				i += 2
				if unreserved(b) {
					dst = append(dst, b)
					continue
				}
			}
		}
		dst = append(dst, '%', upperHex[b>>4], upperHex[b&15])
	}
	return dst
}

// needsDecode reports whether raw contains anything QueryUnescape would change.
func needsDecode(raw string) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] == '%' || raw[i] == '+' {
			return true
		}
	}
	return false
}

// decodeByte decodes the token of a query name or value that starts at
// raw[i] and returns its byte and where the next token starts. A token is
// "%XY" with two hex digits, or a single byte ("+" decoding to a space, a
// malformed "%" to itself). Every decoder in this package walks tokens
// through this one function, so they cannot disagree on what a byte is.
func decodeByte(raw string, i int) (b byte, next int) {
	switch raw[i] {
	case '+':
		return ' ', i + 1
	case '%':
		if i+2 < len(raw) {
			hi, ok1 := unhex(raw[i+1])
			lo, ok2 := unhex(raw[i+2])
			if ok1 && ok2 {
				return hi<<4 | lo, i + 3
			}
		}
	}
	return raw[i], i + 1
}

// decodeComponent percent-decodes a query name or value ("+" is a space, a
// malformed escape is kept literally, matching appendCanonicalComponent).
// Values without escapes are returned as-is, without allocating; others
// cost one allocation.
func decodeComponent(raw string) string {
	if !needsDecode(raw) {
		return raw
	}
	var b strings.Builder
	b.Grow(len(raw)) // decoding never lengthens
	for i := 0; i < len(raw); {
		var c byte
		c, i = decodeByte(raw, i)
		b.WriteByte(c)
	}
	return b.String()
}
