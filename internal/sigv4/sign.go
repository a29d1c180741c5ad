package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"signet/internal/secret"
)

// Credentials are what a client signs with. The session token is a plain
// string: it travels in every request it signs (a header, or the query
// of a presigned URL), where the secret access key never does.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey secret.Secret
	SessionToken    string
}

// ignoredHeaders are never signed: botocore's list (hop-by-hop headers and
// headers proxies rewrite) plus what aws-sdk-go-v2 skips. Signing them would
// break requests whose transport or a proxy changes them in flight.
var ignoredHeaders = map[string]bool{
	"authorization":       true,
	"connection":          true,
	"expect":              true,
	"keep-alive":          true,
	"proxy-authenticate":  true,
	"proxy-authorization": true,
	"te":                  true,
	"trailer":             true,
	"transfer-encoding":   true,
	"upgrade":             true,
	"user-agent":          true,
	"x-amzn-trace-id":     true,
	// The host signed is always the request's own host, not a header.
	"host": true,
}

var errNoCredentials = errors.New("sigv4: access key id and secret access key are required")

// SignHeader signs req in place for header authentication: it sets
// X-Amz-Date, X-Amz-Security-Token (when c has a session token),
// X-Amz-Content-Sha256 (S3 mode only, to payloadHash, the empty-body hash
// when payloadHash is ""), and Authorization. It signs host, content-length
// when req.ContentLength > 0 (pinning the upload size, as aws-sdk-go-v2
// does) and every other header present except those in ignoredHeaders.
// The host signed is req.Host, else req.URL.Host: what Go's transport sends.
func SignHeader(req *http.Request, c Credentials, region, service string, t time.Time, payloadHash string, mode Mode) error {
	if c.AccessKeyID == "" || c.SecretAccessKey.IsZero() {
		return errNoCredentials
	}
	if req.URL == nil {
		return errors.New("sigv4: request has no URL")
	}
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if payloadHash == "" {
		payloadHash = EmptySHA256
	}
	amzDate := FormatAmzDate(t)
	req.Header.Del("Authorization")
	req.Header.Set("X-Amz-Date", amzDate)
	if c.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	if mode == S3 {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	// Go's transport writes Content-Length from req.ContentLength and ignores
	// the header map, so that is the value to sign.
	hdr, signed := signableHeaders(req.Header, true)
	if req.ContentLength > 0 {
		hdr["content-length"] = []string{strconv.FormatInt(req.ContentLength, 10)}
		signed = append(signed, "content-length")
	}
	slices.Sort(signed)

	sc := Scope{Date: amzDate[:8], Region: region, Service: service}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	view := &Request{Method: method, Host: host, EscapedPath: uriPath(req.URL), RawQuery: req.URL.RawQuery, Header: hdr}
	res := computeSignature(view, signed, payloadHash, mode, false, amzDate, sc, SigningKey(c.SecretAccessKey, sc), false)
	req.Header.Set("Authorization", Algorithm+" Credential="+c.AccessKeyID+"/"+sc.String()+
		", SignedHeaders="+joinSignedHeaders(signed)+", Signature="+string(res.signature[:]))
	return nil
}

// signableHeaders returns the headers to sign keyed by lower-case name (case
// variants of one name merged, as aws-sdk-go-v2 does) and their names,
// always including host. skipContentLength drops a Content-Length header.
func signableHeaders(h http.Header, skipContentLength bool) (http.Header, []string) {
	out := make(http.Header, len(h)+1)
	names := []string{"host"}
	for k, v := range h {
		lk := strings.ToLower(k)
		if ignoredHeaders[lk] || (skipContentLength && lk == "content-length") {
			continue
		}
		if _, dup := out[lk]; !dup {
			names = append(names, lk)
		}
		out[lk] = append(out[lk], v...)
	}
	return out, names
}

// uriPath is the path Go's transport puts on the request line: the escaped
// path, or for an opaque URL the part after "//host".
func uriPath(u *url.URL) string {
	if u.Opaque == "" {
		return u.EscapedPath()
	}
	p, _, _ := strings.Cut(u.Opaque, "?")
	if strings.HasPrefix(p, "//") {
		p = p[2:]
		if i := strings.IndexByte(p, '/'); i >= 0 {
			return p[i:]
		}
		return "/"
	}
	return p
}
