// Package sigv2 verifies and produces legacy S3 Signature Version 2
// requests: the "Authorization: AWS AKID:signature" header and presigned
// URLs carrying AWSAccessKeyId, Expires and Signature.
//
// SigV2 matters for long-lived presigned URLs made by old tools (AWS CLI
// v1 against custom endpoints, aws-sdk-js v2, boto2). Like the SigV4
// verifier, this package never reads the clock: expiry and skew are judged
// by the caller with an injected clock.
package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"signet/internal/secret"
)

// Kind says where the SigV2 credentials were found.
type Kind int

// The two SigV2 forms.
const (
	HeaderAuth Kind = iota + 1 // Authorization: AWS AKID:signature
	QueryAuth                  // ?AWSAccessKeyId=…&Expires=…&Signature=…
)

// Auth is a parsed SigV2 authentication.
type Auth struct {
	Kind        Kind
	AccessKeyID string
	Signature   string // base64, as sent (URL-decoded for query auth)
	// Expires is the absolute expiry in epoch seconds (query auth).
	Expires int64
	// Date is the request time as sent (header auth): x-amz-date if
	// present, else Date. The caller parses it for the skew check.
	Date string

	expiresRaw string // Expires exactly as sent; it is what was signed
}

// Reason classifies a failure so the API layer can pick the AWS error.
type Reason string

// Failure reasons.
const (
	// ReasonMissingQueryParams: a SigV2 query is missing one of the three
	// parameters (AWS: 403 AccessDenied "Query-string authentication
	// requires the Signature, Expires and AWSAccessKeyId parameters").
	ReasonMissingQueryParams Reason = "MissingQueryParams"
	// ReasonMalformed: the Authorization header is not "AWS AKID:sig".
	ReasonMalformed Reason = "Malformed"
	// ReasonMissingDate: header auth without Date or x-amz-date (AWS: 403
	// AccessDenied "AWS authentication requires a valid Date or
	// x-amz-date header").
	ReasonMissingDate Reason = "MissingDate"
	// ReasonBadExpires: Expires is not an integer.
	ReasonBadExpires Reason = "BadExpires"
	// ReasonSignatureMismatch: the signature does not match (AWS: 403
	// SignatureDoesNotMatch, with StringToSign in the body).
	ReasonSignatureMismatch Reason = "SignatureMismatch"
)

// Sentinels matching each Reason, for errors.Is.
var (
	ErrMissingQueryParams = errors.New("sigv2: query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
	ErrMalformed          = errors.New("sigv2: malformed authorization")
	ErrMissingDate        = errors.New("sigv2: AWS authentication requires a valid Date or x-amz-date header")
	ErrBadExpires         = errors.New("sigv2: Expires is not an integer")
	ErrSignatureMismatch  = errors.New("sigv2: signature does not match")
)

var sentinels = map[Reason]error{
	ReasonMissingQueryParams: ErrMissingQueryParams,
	ReasonMalformed:          ErrMalformed,
	ReasonMissingDate:        ErrMissingDate,
	ReasonBadExpires:         ErrBadExpires,
	ReasonSignatureMismatch:  ErrSignatureMismatch,
}

// Error is every error this package returns. Verified is set for
// ReasonSignatureMismatch so the caller can put StringToSign (and its
// bytes) in the SignatureDoesNotMatch body, as AWS does.
type Error struct {
	Reason   Reason
	Detail   string
	Verified *Verified
}

func (e *Error) Error() string {
	msg := sentinels[e.Reason].Error()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrSignatureMismatch) and friends work.
func (e *Error) Unwrap() error { return sentinels[e.Reason] }

func fail(r Reason, detail string) *Error { return &Error{Reason: r, Detail: detail} }

// Verified holds what the server computed. On success StringToSign is the
// form that matched; on mismatch it is the primary form (the one AWS
// documents) for the error body.
type Verified struct {
	StringToSign string
	Signature    string // the expected base64 signature
}

// ParseHeader parses "Authorization: AWS AKID:signature".
func ParseHeader(r *http.Request) (*Auth, error) {
	h := r.Header.Get("Authorization")
	rest, ok := strings.CutPrefix(h, "AWS ")
	if !ok {
		return nil, fail(ReasonMalformed, "Authorization does not start with \"AWS \"")
	}
	// Neither access key IDs nor base64 contain ':'; split at the last one
	// so that the error for a stray colon is a mismatch, not a parse error
	// that hides the key.
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return nil, fail(ReasonMalformed, "Authorization is not AWS AccessKeyId:Signature")
	}
	a := &Auth{Kind: HeaderAuth, AccessKeyID: strings.TrimSpace(rest[:i]), Signature: strings.TrimSpace(rest[i+1:])}
	if a.AccessKeyID == "" || a.Signature == "" {
		return nil, fail(ReasonMalformed, "Authorization is not AWS AccessKeyId:Signature")
	}
	a.Date = r.Header.Get("X-Amz-Date")
	if a.Date == "" {
		a.Date = r.Header.Get("Date")
	}
	if a.Date == "" {
		return nil, fail(ReasonMissingDate, "")
	}
	return a, nil
}

// ParseQuery parses a SigV2 presigned query.
func ParseQuery(r *http.Request) (*Auth, error) {
	q := r.URL.Query()
	akid, exp, sig := q.Get("AWSAccessKeyId"), q.Get("Expires"), q.Get("Signature")
	if akid == "" || exp == "" || sig == "" {
		return nil, fail(ReasonMissingQueryParams, "")
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return nil, fail(ReasonBadExpires, strconv.Quote(exp))
	}
	// A '+' left unencoded in the URL decodes as a space; base64 has no
	// spaces, so restore it rather than fail clients that forgot to escape.
	sig = strings.ReplaceAll(sig, " ", "+")
	return &Auth{Kind: QueryAuth, AccessKeyID: akid, Signature: sig, Expires: n, expiresRaw: exp}, nil
}

// subresources are the query parameters that are part of the
// CanonicalizedResource: the S3 documentation's list, the response-*
// overrides, and those botocore (HmacV1Auth.QSAOfInterest) and minio-go
// (resourceList) add. Any other parameter is not signed.
var subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "cors": true, "defaultObjectAcl": true,
	"delete": true, "encryption": true, "inventory": true, "legal-hold": true, "lifecycle": true,
	"location": true, "logging": true, "metrics": true, "notification": true, "object-lock": true,
	"partNumber": true, "policy": true, "replication": true, "requestPayment": true, "restore": true,
	"retention": true, "select": true, "select-type": true, "storageClass": true, "tagging": true,
	"torrent": true, "uploadId": true, "uploads": true, "versionId": true, "versioning": true,
	"versions": true, "website": true,
	"response-cache-control": true, "response-content-disposition": true, "response-content-encoding": true,
	"response-content-language": true, "response-content-type": true, "response-expires": true,
}

// dateStyle selects the Date line when x-amz-date is present, where
// documentation and clients disagree.
type dateStyle int

const (
	// The S3 documentation's rule, also boto2's: an empty Date line, with
	// x-amz-date among the amz headers.
	dateEmpty dateStyle = iota
	// The documentation's DELETE example: x-amz-date's value in the Date
	// line and not repeated among the amz headers.
	dateAmzInline
	// botocore's and minio-go's HmacV1: the Date header in the Date line,
	// x-amz-date among the amz headers.
	dateHeader
)

// StringToSign builds the SigV2 string to sign for r in its primary (AWS
// documented) form. virtualBucket is the bucket taken from the Host for a
// virtual-hosted request, "" for path style, so that the resource is
// always /bucket/key.
func StringToSign(r *http.Request, a *Auth, virtualBucket string) string {
	return stringToSign(r, a, virtualBucket, variant{})
}

// variant is one way of canonicalising where clients disagree; the zero
// value is the form AWS documents.
type variant struct {
	date dateStyle
	// bareEmpty writes a subresource sent as "name=" as "name" (minio-go)
	// instead of "name=" (botocore).
	bareEmpty bool
	// bucketSlash writes a path-style bucket-level path "/bucket" as
	// "/bucket/", as botocore signs it (observed: its presigned
	// list_objects URL has path /b but signs /b/).
	bucketSlash bool
}

func stringToSign(r *http.Request, a *Auth, virtualBucket string, v variant) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(standardHeader(r, a, "Content-Md5"))
	b.WriteByte('\n')
	b.WriteString(standardHeader(r, a, "Content-Type"))
	b.WriteByte('\n')
	amz := amzHeaders(r, a)
	if a.Kind == QueryAuth {
		b.WriteString(a.expires())
	} else if amzDate, ok := amz["x-amz-date"]; ok {
		switch v.date {
		case dateAmzInline:
			b.WriteString(amzDate)
			delete(amz, "x-amz-date")
		case dateHeader:
			b.WriteString(strings.TrimSpace(r.Header.Get("Date")))
		}
	} else {
		b.WriteString(strings.TrimSpace(r.Header.Get("Date")))
	}
	b.WriteByte('\n')
	names := make([]string, 0, len(amz))
	for k := range amz {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(amz[k])
		b.WriteByte('\n')
	}
	b.WriteString(resource(r, virtualBucket, v))
	return b.String()
}

// ExpiresAt is Expires as a time (query auth).
func (a *Auth) ExpiresAt() time.Time { return ExpiryTime(a.Expires) }

// ExpiryTime converts SigV2's Expires, epoch seconds, to a time. Any int64
// parses, but time.Unix wraps around for the largest ones (its internal
// seconds count from year 1), which would turn a URL valid until the end
// of time into one that expired long ago; such values are clamped to the
// latest time a time.Time holds, so the comparison stays a comparison.
func ExpiryTime(expires int64) time.Time {
	const unixToInternal = 62135596800 // seconds from year 1 to 1970
	if expires > math.MaxInt64-unixToInternal {
		return time.Unix(math.MaxInt64-unixToInternal, 999999999).UTC()
	}
	return time.Unix(expires, 0).UTC()
}

func (a *Auth) expires() string {
	if a.expiresRaw != "" {
		return a.expiresRaw
	}
	return strconv.FormatInt(a.Expires, 10)
}

// standardHeader returns Content-MD5 or Content-Type. A presigned URL made
// by botocore carries them as query parameters when they were set at
// signing time, so for query auth the query is the fallback.
func standardHeader(r *http.Request, a *Auth, name string) string {
	if v := r.Header.Values(name); len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	if a.Kind == QueryAuth {
		return strings.TrimSpace(queryValue(r, strings.ToLower(name)))
	}
	return ""
}

func queryValue(r *http.Request, name string) string {
	for k, v := range r.URL.Query() {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// amzHeaders collects x-amz-* headers: lower-case names, each value trimmed
// and unfolded, repeated headers joined with ",". For query auth, x-amz-*
// query parameters count as headers (botocore moves them into the URL, and
// x-amz-security-token travels that way).
func amzHeaders(r *http.Request, a *Auth) map[string]string {
	m := map[string][]string{}
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "x-amz-") {
			m[lk] = append(m[lk], vs...)
		}
	}
	if a.Kind == QueryAuth {
		for k, vs := range r.URL.Query() {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "x-amz-") {
				m[lk] = append(m[lk], vs...)
			}
		}
	}
	out := make(map[string]string, len(m))
	for k, vs := range m {
		for i, v := range vs {
			vs[i] = unfold(v)
		}
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// unfold trims a header value and replaces folding whitespace (a line
// break and the blanks around it) with one space.
func unfold(v string) string {
	v = strings.TrimSpace(v)
	if !strings.ContainsAny(v, "\r\n") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			// Drop trailing blanks already written, then skip the break and
			// the leading blanks of the continuation.
			s := strings.TrimRight(b.String(), " \t")
			b.Reset()
			b.WriteString(s)
			for i+1 < len(v) && strings.IndexByte("\r\n \t", v[i+1]) >= 0 {
				i++
			}
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// resource builds the CanonicalizedResource: "/"+bucket for a virtual-host
// request, then the path exactly as sent (still percent-encoded), then the
// sorted subresources, decoded (see signedSubresources).
func resource(r *http.Request, virtualBucket string, v variant) string {
	var b strings.Builder
	if virtualBucket != "" {
		b.WriteByte('/')
		b.WriteString(virtualBucket)
	}
	path := rawPath(r)
	if path == "" {
		path = "/"
	}
	b.WriteString(path)
	if v.bucketSlash && isBucketOnly(virtualBucket, path) {
		b.WriteByte('/')
	}

	subs := signedSubresources(r.URL.RawQuery)
	// Stable, by name only, as botocore sorts.
	sort.SliceStable(subs, func(i, j int) bool { return subs[i].k < subs[j].k })
	for i, s := range subs {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(s.k)
		if s.hasEq && (s.v != "" || !v.bareEmpty) {
			b.WriteByte('=')
			b.WriteString(s.v)
		}
	}
	return b.String()
}

// subresource is one sub-resource pair of the query, decoded; hasEq
// records whether it was sent as "name=" rather than "name".
type subresource struct {
	k, v  string
	hasEq bool
}

// signedSubresources returns the query's sub-resources and response-*
// overrides, in the order sent, decoded exactly as url.ParseQuery decodes
// them: that is how the S3 router and the response-header overrides read
// the query (r.URL.Query()), so what is routed is what is signed. A name is
// matched after decoding, so "%70olicy" is signed as "policy" (the
// router's "policy"); a pair url.ParseQuery drops (a semicolon, a bad
// escape) is not routed, so it is not signed either. Real signers never
// encode these names (their bytes are all unreserved), so they are not
// affected; an attacker appending an encoded one breaks the signature.
func signedSubresources(rawQuery string) []subresource {
	var subs []subresource
	for rawQuery != "" {
		var seg string
		seg, rawQuery, _ = strings.Cut(rawQuery, "&")
		if seg == "" || strings.Contains(seg, ";") {
			continue // url.ParseQuery skips both
		}
		rk, rv, hasEq := strings.Cut(seg, "=")
		k, err := url.QueryUnescape(rk)
		if err != nil || !subresources[k] {
			continue
		}
		v, err := url.QueryUnescape(rv)
		if err != nil {
			continue
		}
		subs = append(subs, subresource{k, v, hasEq})
	}
	return subs
}

// rawPath is the request path as the client sent it. On the server
// RequestURI holds it verbatim; a client-built request falls back to the
// URL's escaped path.
func rawPath(r *http.Request) string {
	if u := r.RequestURI; strings.HasPrefix(u, "/") {
		p, _, _ := strings.Cut(u, "?")
		return p
	}
	if r.URL.Opaque != "" {
		return r.URL.Opaque
	}
	return r.URL.EscapedPath()
}

func isBucketOnly(virtualBucket, path string) bool {
	return virtualBucket == "" && len(path) > 1 && strings.IndexByte(path[1:], '/') < 0
}

// candidates lists the string-to-sign forms that real clients produce for
// r, primary form first, without duplicates. There are at most 12, and
// usually one.
func candidates(r *http.Request, a *Auth, virtualBucket string) []string {
	dates := []dateStyle{dateEmpty}
	if a.Kind == HeaderAuth && len(r.Header.Values("X-Amz-Date")) > 0 {
		dates = append(dates, dateAmzInline, dateHeader)
	}
	slashes := []bool{false}
	if isBucketOnly(virtualBucket, rawPath(r)) {
		slashes = append(slashes, true)
	}
	var out []string
	for _, slash := range slashes {
		for _, bare := range []bool{false, true} {
			for _, ds := range dates {
				s := stringToSign(r, a, virtualBucket, variant{date: ds, bareEmpty: bare, bucketSlash: slash})
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// Sign returns base64(HMAC-SHA1(sk, stringToSign)).
func Sign(sk secret.Secret, stringToSign string) string {
	m := hmac.New(sha1.New, sk.AppendTo(nil))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Signatures returns every signature Verify accepts for r and a under
// sk: one per canonical form a known client produces. Revoking a URL by
// its signature revokes its SigV2 twin by all of them.
func Signatures(r *http.Request, a *Auth, sk secret.Secret, virtualBucket string) []string {
	sts := candidates(r, a, virtualBucket)
	out := make([]string, 0, len(sts))
	for _, s := range sts {
		out = append(out, Sign(sk, s))
	}
	return out
}

// Verify checks a's signature against r with the secret of
// a.AccessKeyID. Where clients disagree on the canonical form (the Date
// line when x-amz-date is present, "?uploads=" versus "?uploads"), every
// form a known client produces is accepted. Expiry is not checked here.
func Verify(r *http.Request, a *Auth, sk secret.Secret, virtualBucket string) (*Verified, error) {
	given := []byte(a.Signature)
	var first *Verified
	for _, sts := range candidates(r, a, virtualBucket) {
		v := &Verified{StringToSign: sts, Signature: Sign(sk, sts)}
		if first == nil {
			first = v
		}
		if hmac.Equal([]byte(v.Signature), given) {
			return v, nil
		}
	}
	return nil, &Error{Reason: ReasonSignatureMismatch, Verified: first}
}

// PresignInput is what Presign signs.
type PresignInput struct {
	// Method is the HTTP method the URL is for.
	Method string
	// URL is the URL to sign. x-amz-* parameters already in it (for
	// example x-amz-security-token) are signed as headers.
	URL             string
	AccessKeyID     string
	SecretAccessKey secret.Secret
	// Expires is when the URL stops working: SigV2's Expires is an
	// absolute time, with no 7-day cap.
	Expires time.Time
	// VirtualBucket is the bucket the URL's Host names, "" for path style:
	// the string to sign always names the bucket.
	VirtualBucket string
}

// Presign returns in.URL with SigV2 query authentication appended, valid
// until in.Expires.
func Presign(in PresignInput) (string, error) {
	u, err := url.Parse(in.URL)
	if err != nil {
		return "", err
	}
	r := &http.Request{Method: in.Method, URL: u, Header: http.Header{}}
	a := &Auth{Kind: QueryAuth, AccessKeyID: in.AccessKeyID, Expires: in.Expires.Unix()}
	sig := Sign(in.SecretAccessKey, StringToSign(r, a, in.VirtualBucket))
	q := "AWSAccessKeyId=" + url.QueryEscape(in.AccessKeyID) +
		"&Expires=" + strconv.FormatInt(a.Expires, 10) +
		"&Signature=" + url.QueryEscape(sig)
	if u.RawQuery != "" {
		u.RawQuery += "&" + q
	} else {
		u.RawQuery = q
	}
	return u.String(), nil
}

// SignHeader signs r in place with SigV2 header authentication at time t.
// It sets Date unless the request already carries x-amz-date, in which
// case the documented empty Date line is used.
func SignHeader(r *http.Request, accessKeyID string, sk secret.Secret, t time.Time, virtualBucket string) error {
	if accessKeyID == "" || strings.Contains(accessKeyID, ":") {
		return fail(ReasonMalformed, "access key ID is empty or contains ':'")
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	if r.Header.Get("X-Amz-Date") == "" {
		r.Header.Set("Date", t.UTC().Format(http.TimeFormat))
	}
	sts := StringToSign(r, &Auth{Kind: HeaderAuth}, virtualBucket)
	r.Header.Set("Authorization", "AWS "+accessKeyID+":"+Sign(sk, sts))
	return nil
}
