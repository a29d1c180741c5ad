package inspect

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"signet/internal/redact"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Canonical is what a signature is computed over, rebuilt offline from the
// URL and the request said to be sent with it.
type Canonical struct {
	// Request is the SigV4 canonical request; empty for SigV2, which signs
	// its string to sign directly.
	Request string
	// StringToSign is SigV4's (algorithm, date, scope, hash of Request) or
	// SigV2's (method, Content-MD5, Content-Type, Expires, x-amz-*,
	// resource).
	StringToSign string
}

// Text is what a signature mismatch is explained with: the canonical
// request for SigV4, the string to sign for SigV2.
func (c Canonical) Text() string {
	if c.Request != "" {
		return c.Request
	}
	return c.StringToSign
}

// Rebuild builds the canonical request of u sent with method (GET when
// empty) and header, using the canonicalizer the server verifies with (S3
// mode: the path exactly as written). A Host in header replaces the URL's
// host, as when a proxy rewrote it. The session token is left in; redact
// with redact.Tokens before printing.
func (u *URL) Rebuild(method string, header http.Header) Canonical {
	if method == "" {
		method = http.MethodGet
	}
	host, h := splitHost(header, u.Host)
	switch u.Version {
	case SigV4:
		req := &sigv4.Request{Method: method, Host: host, EscapedPath: u.EscapedPath, RawQuery: u.RawQuery, Header: h}
		creq := sigv4.CanonicalRequest(req, u.SignedHeaders, u.PayloadHash, sigv4.S3, true)
		return Canonical{Request: creq, StringToSign: sigv4.StringToSign(u.AmzDate, u.Scope, creq)}
	case SigV2:
		target := u.EscapedPath
		if target == "" {
			target = "/"
		}
		pu := &url.URL{Scheme: u.Scheme, Host: host, Opaque: "", RawQuery: u.RawQuery}
		r := &http.Request{Method: method, URL: pu, Host: host, Header: h, RequestURI: target + "?" + u.RawQuery}
		a, err := sigv2.ParseQuery(r)
		if err != nil {
			a = &sigv2.Auth{Kind: sigv2.QueryAuth, Expires: u.ExpiresAt.Unix()}
		}
		hostname := host
		if hn, _, err := net.SplitHostPort(host); err == nil {
			hostname = hn
		}
		bucket, _ := virtualHost(hostname)
		return Canonical{StringToSign: sigv2.StringToSign(r, a, bucket)}
	}
	return Canonical{}
}

// splitHost takes Host out of header (any case): the Host line of a
// canonical request comes from the request's host, not the header map.
func splitHost(header http.Header, fallback string) (string, http.Header) {
	out := http.Header{}
	host := fallback
	for k, v := range header {
		if strings.EqualFold(k, "Host") {
			if len(v) > 0 {
				host = v[0]
			}
			continue
		}
		out[http.CanonicalHeaderKey(k)] = append(out[http.CanonicalHeaderKey(k)], v...)
	}
	return host, out
}

// Difference locates the first place two texts differ.
type Difference struct {
	// Line is the 1-based line where they first differ; 0 when equal.
	Line int
	// Col is the 0-based byte offset in that line where they differ.
	Col int
	// A and B are that line in each text ("" past a text's end).
	A, B string
}

// FirstDifference compares a and b line by line.
func FirstDifference(a, b string) Difference {
	if a == b {
		return Difference{}
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; ; i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x == y && i < len(la) && i < len(lb) {
			continue
		}
		col := 0
		for col < len(x) && col < len(y) && x[col] == y[col] {
			col++
		}
		return Difference{Line: i + 1, Col: col, A: x, B: y}
	}
}

// Redact is redact.Tokens, also replacing u's own session token wherever
// it appears in s (as written, decoded or re-encoded), in case a text
// quotes it outside a parameter or header.
func (u *URL) Redact(s string) string {
	s = redact.Tokens(s)
	if u == nil || u.token == "" {
		return s
	}
	fp := redact.Token(u.token)
	for _, form := range []string{u.token, sigv4.URIEncode(u.token, true), url.QueryEscape(u.token)} {
		s = strings.ReplaceAll(s, form, fp)
	}
	return s
}
