package explain

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// RequestError is a request that cannot be explained because it is not a
// request (a URL without a host, a path that does not parse). Its message
// says what to send instead.
type RequestError struct{ Message string }

func (e *RequestError) Error() string { return "explain: " + e.Message }

// buildRequest turns the URL, method and headers into the request the
// server would have received: the path and query exactly as written in
// the URL (never re-encoded, since S3 signs those bytes), the Host header
// when given (a proxy's rewrite) else the URL's host, and TLS when the URL
// is https (aws:SecureTransport). It has no body and no remote address,
// so conditions on aws:SourceIp do not match.
func buildRequest(ctx context.Context, in adminwire.ExplainRequest) (*http.Request, *url.URL, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, &RequestError{err.Error()}
	}
	u, _ := url.Parse(in.URL) // Validate parsed it
	target := requestTarget(in.URL)
	parsed, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, nil, &RequestError{"the URL's path or query cannot be sent as it is written (" + err.Error() + "); give the URL exactly as it was handed out"}
	}
	method := in.Method
	if method == "" {
		method = http.MethodGet
	}
	r := &http.Request{
		Method: method, URL: parsed, RequestURI: target,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Host: u.Host, Body: http.NoBody,
	}
	for name, values := range in.Headers {
		if strings.EqualFold(name, "Host") {
			// Go's server moves Host out of the header map; do the same.
			if len(values) > 0 {
				r.Host = values[0]
			}
			continue
		}
		for _, v := range values {
			r.Header.Add(name, v)
		}
	}
	if n, err := strconv.ParseInt(r.Header.Get("Content-Length"), 10, 64); err == nil && n >= 0 {
		r.ContentLength = n
	}
	if strings.EqualFold(u.Scheme, "https") {
		r.TLS = &tls.ConnectionState{}
	}
	return r.WithContext(ctx), u, nil
}

// requestTarget is the path and query of raw exactly as written: what an
// HTTP client sends on the request line. url.URL would re-encode a path
// that is not in Go's preferred form, and the signature covers the bytes.
func requestTarget(raw string) string {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	rest, _, _ = strings.Cut(rest, "#")
	i := strings.IndexAny(rest, "/?")
	if i < 0 {
		return "/"
	}
	rest = rest[i:]
	if rest[0] == '?' {
		return "/" + rest
	}
	return rest
}

// Signature forms, as Explanation and SignatureCheck name them.
const (
	versionV4 = "v4"
	versionV2 = "v2"
)

// urlAuth is what the request says about its signature, read leniently so
// that a URL refused for its form can still be placed in time and tied to
// a key.
type urlAuth struct {
	version   string // versionV4, versionV2 or "" (unsigned)
	presigned bool   // in the query, not the Authorization header
	keyID     string
	token     string
	signedAt  time.Time     // X-Amz-Date (SigV4)
	expires   time.Duration // X-Amz-Expires (SigV4 presigned)
	urlExpiry time.Time     // Expires (SigV2 presigned)
	// window is set when signedAt/expires or urlExpiry were read.
	window bool
}

func readAuth(r *http.Request) urlAuth {
	q := r.URL.Query()
	authz := r.Header.Get("Authorization")
	switch {
	case q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Credential") || q.Has("X-Amz-Signature"):
		return readV4Query(r, q)
	case q.Has("Signature") || q.Has("AWSAccessKeyId"):
		a := urlAuth{version: versionV2, presigned: true, keyID: q.Get("AWSAccessKeyId"), token: v2Token(r, q)}
		if n, err := strconv.ParseInt(q.Get("Expires"), 10, 64); err == nil {
			a.urlExpiry, a.window = sigv2.ExpiryTime(n), true
		}
		return a
	case strings.HasPrefix(authz, sigv4.Algorithm):
		a := urlAuth{version: versionV4}
		if auth, err := sigv4.ParseHeader(sigv4.FromHTTP(r)); err == nil {
			a.keyID, a.token, a.signedAt = auth.AccessKeyID, auth.SecurityToken, auth.Date
		}
		return a
	case strings.HasPrefix(authz, "AWS "):
		a := urlAuth{version: versionV2, token: v2Token(r, q)}
		if auth, err := sigv2.ParseHeader(r); err == nil {
			a.keyID = auth.AccessKeyID
		}
		return a
	}
	return urlAuth{}
}

func readV4Query(r *http.Request, q url.Values) urlAuth {
	a := urlAuth{version: versionV4, presigned: true}
	if auth, err := sigv4.ParseQuery(sigv4.FromHTTP(r)); err == nil {
		a.keyID, a.token, a.signedAt = auth.AccessKeyID, auth.SecurityToken, auth.Date
		a.expires, a.window = time.Duration(auth.Expires)*time.Second, true
		return a
	}
	// The parser refused the URL (an X-Amz-Expires over 7 days, a
	// missing parameter…): take what can be read.
	a.keyID, _, _ = sigv4.ParseCredential(q.Get("X-Amz-Credential"))
	a.token = q.Get("X-Amz-Security-Token")
	date, okDate := sigv4.ParseAmzDate(q.Get("X-Amz-Date"))
	secs, err := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if okDate && err == nil && secs >= 0 && secs < int64(1<<62/time.Second) {
		a.signedAt, a.expires, a.window = date, time.Duration(secs)*time.Second, true
	}
	return a
}

// v2Token is the session token of a SigV2 request, as authn reads it.
func v2Token(r *http.Request, q url.Values) string {
	if t := q.Get("x-amz-security-token"); t != "" {
		return t
	}
	return r.Header.Get("X-Amz-Security-Token")
}
