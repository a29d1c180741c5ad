package sigv4

import (
	"bytes"
	"strings"
)

// qpair locates one encoded name/value pair inside a scratch buffer, so the
// canonical query can be sorted without building a string per pair.
type qpair struct{ ks, ke, ve int }

// CanonicalQuery returns SigV4's canonical query string for a raw query.
// Names and values are percent-decoded ("+" counts as a space) and UriEncoded
// again, an empty value is written "name=", and pairs are sorted by encoded
// name, then encoded value. With omitSignature every X-Amz-Signature pair is
// left out, as query authentication requires. Pairs url.ParseQuery drops
// are left out as well (see routable).
func CanonicalQuery(rawQuery string, omitSignature bool) string {
	return string(appendCanonicalQuery(nil, rawQuery, omitSignature))
}

func appendCanonicalQuery(dst []byte, raw string, omitSignature bool) []byte {
	// Fixed-size backing arrays keep a typical query (a presigned GET has
	// six or seven pairs) entirely on the stack.
	var pairsArr [24]qpair
	var scratchArr [1024]byte
	pairs, scratch := pairsArr[:0], scratchArr[:0]
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue // "a=1&&b=2" and a trailing "&" carry no pair, as in url.ParseQuery
		}
		if !routable(seg) {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		if omitSignature && isParam(k, paramSignature) {
			continue
		}
		ks := len(scratch)
		scratch = appendCanonicalComponent(scratch, k)
		ke := len(scratch)
		scratch = appendCanonicalComponent(scratch, v)
		pairs = append(pairs, qpair{ks, ke, len(scratch)})
	}
	heapSortPairs(scratch, pairs)
	for i, p := range pairs {
		if i > 0 {
			dst = append(dst, '&')
		}
		dst = append(dst, scratch[p.ks:p.ke]...)
		dst = append(dst, '=')
		dst = append(dst, scratch[p.ke:p.ve]...)
	}
	return dst
}

// routable reports whether url.ParseQuery keeps the pair seg: it drops one
// holding a ';' or a '%' not followed by two hex digits. The S3 router, the
// response-* overrides and the condition keys read the query through
// url.ParseQuery (r.URL.Query()), so such a pair never reaches them, and it
// is left out of the canonical query too: what is signed is what is
// routed. Signing it would be worse than useless, because its canonical
// form equals that of a well-formed spelling ("a;b" and "a%3Bb" both
// canonicalise to "a%3Bb"), so a signed parameter could be resent in the
// dropped spelling and silently vanish from the request, signature intact.
// A signer that signed such a pair now gets SignatureDoesNotMatch.
func routable(seg string) bool {
	for i := 0; i < len(seg); i++ {
		switch seg[i] {
		case ';':
			return false
		case '%':
			if i+2 >= len(seg) {
				return false
			}
			if _, ok := unhex(seg[i+1]); !ok {
				return false
			}
			if _, ok := unhex(seg[i+2]); !ok {
				return false
			}
			i += 2
		}
	}
	return true
}

// pairLess orders by encoded name, then encoded value, byte-wise, as the
// SigV4 specification and current SDKs do ("the sorting occurs after
// encoding").
func pairLess(buf []byte, a, b qpair) bool {
	if c := bytes.Compare(buf[a.ks:a.ke], buf[b.ks:b.ke]); c != 0 {
		return c < 0
	}
	return bytes.Compare(buf[a.ke:a.ve], buf[b.ke:b.ve]) < 0
}

// heapSortPairs is a plain heapsort: O(n log n) even for a hostile query with
// thousands of pairs, and, unlike sort.Slice, it lets the scratch buffer stay
// on the stack. Equal pairs are byte-identical, so stability is irrelevant.
func heapSortPairs(buf []byte, p []qpair) {
	n := len(p)
	if n < 2 {
		return
	}
	if n <= 12 { // insertion sort wins on the usual handful of pairs
		for i := 1; i < n; i++ {
			for j := i; j > 0 && pairLess(buf, p[j], p[j-1]); j-- {
				p[j], p[j-1] = p[j-1], p[j]
			}
		}
		return
	}
	siftDown := func(root, end int) {
		for {
			child := 2*root + 1
			if child >= end {
				return
			}
			if child+1 < end && pairLess(buf, p[child], p[child+1]) {
				child++
			}
			if !pairLess(buf, p[root], p[child]) {
				return
			}
			p[root], p[child] = p[child], p[root]
			root = child
		}
	}
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(i, n)
	}
	for end := n - 1; end > 0; end-- {
		p[0], p[end] = p[end], p[0]
		siftDown(0, end)
	}
}

// Query parameter names used by query authentication.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
	paramContentSHA256 = "X-Amz-Content-Sha256"
)

// isParam reports whether the raw (possibly encoded) name decodes to want.
// Names are compared case-sensitively, as S3 and url.Values do.
func isParam(raw, want string) bool {
	if raw == want {
		return true
	}
	if !needsDecode(raw) || len(raw) < len(want) {
		return false
	}
	return decodeComponent(raw) == want
}
