package sigv4

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// PresignInput is what Presign signs.
type PresignInput struct {
	// Method is the HTTP method the URL is for; "" means GET.
	Method string
	// URL is the URL to sign, with any query parameters of its own.
	URL         string
	Credentials Credentials
	// Region and Service make the credential scope, e.g. "us-east-1"
	// and "s3".
	Region, Service string
	// Time is the signing time (X-Amz-Date).
	Time time.Time
	// Expires is the URL's window (X-Amz-Expires), at least one second.
	Expires time.Duration
	// Header holds the headers the request will carry and the signature
	// covers besides host; nil signs host alone.
	Header http.Header
	Mode   Mode
}

// Presign returns in.URL with query authentication added: X-Amz-Algorithm,
// X-Amz-Credential, X-Amz-Date, X-Amz-SignedHeaders (host plus the given
// headers), X-Amz-Expires, X-Amz-Security-Token (if any) and finally
// X-Amz-Signature, appended after the URL's own parameters in that order.
// The payload hash is UNSIGNED-PAYLOAD unless the URL carries an
// X-Amz-Content-Sha256 parameter or headers an X-Amz-Content-Sha256 (see
// PresignedPayloadHash): then the URL takes only that body. Existing query parameters are kept
// byte for byte (so the URL the client sends is the URL that was signed);
// any X-Amz-* auth parameters already present are replaced.
//
// in.Expires must be at least one second. Values above 7 days are not
// refused here, as botocore does not refuse them: the server does, and the
// CLI warns through the lifetime package.
func Presign(in PresignInput) (string, error) {
	return presign(in, "")
}

// presign is Presign with a payload hash to sign instead of the one the
// URL and headers imply ("" for those), for AWS's test vectors.
func presign(in PresignInput, payloadHash string) (string, error) {
	c, method, expires, mode := in.Credentials, in.Method, in.Expires, in.Mode
	if c.AccessKeyID == "" || c.SecretAccessKey.IsZero() {
		return "", errNoCredentials
	}
	u, err := url.Parse(in.URL)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", errors.New("sigv4: presign URL has no host")
	}
	secs := int64(expires / time.Second)
	if secs < 1 {
		return "", errors.New("sigv4: presign expiry must be at least one second")
	}
	if method == "" {
		method = http.MethodGet
	}
	amzDate := FormatAmzDate(in.Time)
	sc := Scope{Date: amzDate[:8], Region: in.Region, Service: in.Service}
	hdr, signed := signableHeaders(in.Header, false)
	slices.Sort(signed)
	if payloadHash == "" {
		payloadHash = PresignedPayloadHash(queryParamValue(u.RawQuery, paramContentSHA256), signed, hdr)
	}

	var q strings.Builder
	q.WriteString(stripAuthParams(u.RawQuery))
	add := func(name, value string) {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(name)
		q.WriteByte('=')
		q.WriteString(URIEncode(value, true))
	}
	add(paramAlgorithm, Algorithm)
	add(paramCredential, c.AccessKeyID+"/"+sc.String())
	add(paramDate, amzDate)
	add(paramSignedHeaders, joinSignedHeaders(signed))
	add(paramExpires, strconv.FormatInt(secs, 10))
	if c.SessionToken != "" {
		add(paramSecurityToken, c.SessionToken)
	}
	view := &Request{Method: method, Host: u.Host, EscapedPath: uriPath(u), RawQuery: q.String(), Header: hdr}
	res := computeSignature(view, signed, payloadHash, mode, true, amzDate, sc, SigningKey(c.SecretAccessKey, sc), false)
	q.WriteString("&" + paramSignature + "=")
	q.Write(res.signature[:])
	u.RawQuery = q.String()
	u.Fragment, u.RawFragment = "", "" // never sent, so never signed
	return u.String(), nil
}

// queryParamValue is the decoded value of the first parameter name in a raw
// query, or "".
func queryParamValue(raw, name string) string {
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		n, v, _ := strings.Cut(seg, "=")
		if i := queryParamIndex(n); i >= 0 && queryParams[i] == name {
			return decodeComponent(v)
		}
	}
	return ""
}

// stripAuthParams removes query-authentication parameters from a raw query,
// keeping every other pair exactly as written.
func stripAuthParams(raw string) string {
	if !strings.Contains(raw, "X-Amz-") && !strings.Contains(raw, "%") {
		return raw
	}
	var b strings.Builder
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		name, _, _ := strings.Cut(seg, "=")
		switch i := queryParamIndex(name); {
		case i >= 0 && queryParams[i] != paramContentSHA256:
			continue
		case seg == "":
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(seg)
	}
	return b.String()
}
