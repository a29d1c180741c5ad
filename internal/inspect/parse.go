// Package inspect takes a presigned URL apart without the network: its
// parts (endpoint, bucket, key, credential, scope, window, signed headers),
// the verdict on its window at a given time, the canonical request rebuilt
// with the canonicalizer the server uses, and the text and JSON reports of
// `signet inspect`, including the server's explanation when one was asked
// for.
//
// It reads SigV4 (X-Amz-*) and SigV2 (AWSAccessKeyId, Expires, Signature)
// URLs, from signet or from AWS, path style or virtual-hosted. It never
// prints a session token: the token only travels in the URL, and every
// rendering here shows it redacted.
package inspect

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"signet/internal/sigprint"
	"strconv"
	"strings"
	"time"

	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Style is how a URL names its bucket.
type Style string

// Addressing styles.
const (
	PathStyle     Style = "path"           // https://host/bucket/key
	VirtualHosted Style = "virtual-hosted" // https://bucket.host/key
)

// Version is the signature version of a presigned URL.
type Version string

// Signature versions.
const (
	SigV4 Version = "sigv4"
	SigV2 Version = "sigv2"
)

// KeyKind is what an access key ID's prefix says about the credential.
type KeyKind string

// Key kinds.
const (
	// LongTerm is an AKIA key: an IAM user's or the root's. It does not
	// expire on its own.
	LongTerm KeyKind = "long-term"
	// Temporary is an ASIA key (or any key carried with a session token):
	// STS issued it, and it dies with its session.
	Temporary KeyKind = "temporary"
	// OtherKey is neither: not an AWS-shaped key ID (another S3 server's
	// root or service key, for instance); offline its kind is unknown.
	OtherKey KeyKind = "other"
)

// Param is one query parameter, decoded.
type Param struct {
	Name, Value string
}

// URL is a presigned URL taken apart. Fields that the URL does not carry
// (or that its signature version lacks) are zero.
type URL struct {
	Scheme string
	// Host is the URL's host as written, with any port: what a client puts
	// in the Host header, and so what a SigV4 signature covers.
	Host string
	// Endpoint is the service's base URL: scheme and host, without the
	// bucket label of a virtual-hosted host.
	Endpoint string
	Bucket   string
	Key      string // decoded
	// EscapedKey is the key as written in the URL.
	EscapedKey string
	Style      Style
	// EscapedPath and RawQuery are the bytes a client sends on the request
	// line, which is what a signature covers.
	EscapedPath string
	RawQuery    string

	Version   Version
	Algorithm string // "AWS4-HMAC-SHA256", or "HMAC-SHA1" for SigV2

	AccessKeyID string
	KeyKind     KeyKind

	// SigV4 only.
	Scope    sigv4.Scope
	AmzDate  string    // X-Amz-Date as written
	SignedAt time.Time // X-Amz-Date parsed
	// ExpiresIn is X-Amz-Expires in seconds, saturating for absurd values
	// (they are over the 7-day cap anyway).
	ExpiresIn     int64
	SignedHeaders []string
	PayloadHash   string // X-Amz-Content-Sha256 if present, else UNSIGNED-PAYLOAD

	// ExpiresAt is the end of the URL's own window: X-Amz-Date +
	// X-Amz-Expires, or SigV2's Expires.
	ExpiresAt time.Time

	Signature         string
	ResponseOverrides []Param // response-* parameters, in URL order
	OtherParams       []Param // every other non-authentication parameter
	// Notes are oddities that do not stop the URL from being judged
	// (repeated parameters, an ASIA key without a token…), one sentence each.
	Notes []string

	// token is the session token, kept only to redact it from canonical
	// requests; it is never exported, so it cannot be printed by accident.
	token string
}

// HasSecurityToken reports whether the URL carries a session token.
func (u *URL) HasSecurityToken() bool { return u.token != "" }

// Error says why a URL cannot be judged, in sentences that say what to do.
type Error struct {
	Problems []string
}

func (e *Error) Error() string { return strings.Join(e.Problems, " ") }

// Query parameter names, as S3 spells them. Matching is case-sensitive, as
// in signet's verifier: "x-amz-signature" is not a signature parameter.
const (
	pAlgorithm     = "X-Amz-Algorithm"
	pCredential    = "X-Amz-Credential"
	pDate          = "X-Amz-Date"
	pExpires       = "X-Amz-Expires"
	pSignedHeaders = "X-Amz-SignedHeaders"
	pSignature     = "X-Amz-Signature"
	pSecurityToken = "X-Amz-Security-Token"

	v2AccessKeyID   = "AWSAccessKeyId"
	v2Expires       = "Expires"
	v2Signature     = "Signature"
	v2SecurityToken = "x-amz-security-token"
)

// v4Required lists the six parameters SigV4 query authentication needs, in
// the order AWS's error message names them.
var v4Required = []string{pAlgorithm, pCredential, pSignature, pDate, pSignedHeaders, pExpires}

var v2Required = []string{v2AccessKeyID, v2Expires, v2Signature}

// query is a raw query decoded pair by pair, keeping order and repeats.
type query struct {
	pairs []Param
	first map[string]int // exact name -> index of its first occurrence
	count map[string]int
	lower map[string]string // lower-case name -> first spelling seen
}

func parseQuery(raw string) *query {
	q := &query{first: map[string]int{}, count: map[string]int{}, lower: map[string]string{}}
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		name, value, _ := strings.Cut(seg, "=")
		p := Param{Name: decodeComponent(name), Value: decodeComponent(value)}
		if _, ok := q.first[p.Name]; !ok {
			q.first[p.Name] = len(q.pairs)
		}
		q.count[p.Name]++
		if _, ok := q.lower[strings.ToLower(p.Name)]; !ok {
			q.lower[strings.ToLower(p.Name)] = p.Name
		}
		q.pairs = append(q.pairs, p)
	}
	return q
}

// get returns the first value of an exactly named parameter.
func (q *query) get(name string) (string, bool) {
	i, ok := q.first[name]
	if !ok {
		return "", false
	}
	return q.pairs[i].Value, true
}

// miscased returns the spelling of name present in another case, or "".
func (q *query) miscased(name string) string {
	if _, ok := q.first[name]; ok {
		return ""
	}
	return q.lower[strings.ToLower(name)]
}

// has reports whether name is present in any case.
func (q *query) has(name string) bool {
	_, ok := q.lower[strings.ToLower(name)]
	return ok
}

// Parse takes a presigned URL apart. When the URL is not one signet can
// judge, the error is an *Error listing every problem found, and the URL
// is still returned with what could be read (nil only when raw is not an
// http or https URL at all).
func Parse(raw string) (*URL, error) {
	raw = strings.TrimSpace(raw)
	scheme, host, path, rawQuery, ok := splitURL(raw)
	if !ok {
		return nil, &Error{Problems: []string{
			fmt.Sprintf("%.80q is not an http:// or https:// URL with a host; pass the whole presigned URL, in single quotes so the shell keeps every &.", raw)}}
	}
	u := &URL{Scheme: scheme, Host: host, RawQuery: rawQuery, EscapedPath: path}
	u.splitBucket()

	q := parseQuery(u.RawQuery)
	v4, v2 := false, false
	for _, n := range []string{pAlgorithm, pCredential, pDate, pExpires, pSignedHeaders, pSignature} {
		v4 = v4 || q.has(n)
	}
	_, hasAKID := q.first[v2AccessKeyID]
	_, hasSig := q.first[v2Signature]
	v2 = hasAKID || hasSig

	var problems []string
	switch {
	case v4 && v2:
		problems = append(problems, "The URL carries both SigV4 (X-Amz-*) and SigV2 (AWSAccessKeyId, Signature) parameters; S3 refuses more than one authentication mechanism: keep the parameters of one signature only.")
	case v4:
		problems = u.parseV4(q)
	case v2:
		problems = u.parseV2(q)
	default:
		return u, &Error{Problems: []string{
			"This is not a presigned URL: it carries neither SigV4 parameters (X-Amz-Algorithm, X-Amz-Credential, …) nor SigV2 ones (AWSAccessKeyId, Expires, Signature). If it was cut short, pass it whole, in single quotes."}}
	}
	u.collectParams(q)
	u.noteRepeats(q)
	if len(problems) > 0 {
		return u, &Error{Problems: problems}
	}
	return u, nil
}

// splitURL splits raw into the parts a client sends, byte for byte: the
// path and query exactly as written (url.Parse would refuse a path with a
// malformed escape, which a client still sends, and re-encode a path not in
// Go's preferred form, while a signature covers the bytes sent). Any
// userinfo is dropped and the fragment is never sent.
func splitURL(raw string) (scheme, host, path, rawQuery string, ok bool) {
	scheme, rest, found := strings.Cut(raw, "://")
	scheme = strings.ToLower(scheme)
	if !found || (scheme != "http" && scheme != "https") {
		return "", "", "", "", false
	}
	rest, _, _ = strings.Cut(rest, "#")
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	if i := strings.LastIndexByte(authority, '@'); i >= 0 {
		authority = authority[i+1:]
	}
	// The host must be one url.Parse accepts (a name, an IPv4 address or a
	// bracketed IPv6 one, and a port): anything else is not a URL a client
	// could send.
	if pu, err := url.Parse(scheme + "://" + authority); err != nil || pu.Host == "" || strings.ContainsAny(authority, " \t") {
		return "", "", "", "", false
	}
	rest = rest[end:]
	path, rawQuery, _ = strings.Cut(rest, "?")
	return scheme, authority, path, rawQuery, true
}

// splitBucket finds the bucket (in the host or the path) and the key.
func (u *URL) splitBucket() {
	hostname, port := u.Host, ""
	if h, p, err := net.SplitHostPort(u.Host); err == nil {
		hostname, port = h, p
	}
	service := hostname
	if bucket, svc := virtualHost(hostname); bucket != "" {
		u.Style, u.Bucket, service = VirtualHosted, bucket, svc
	} else {
		u.Style = PathStyle
	}
	if port != "" {
		service = net.JoinHostPort(service, port)
	}
	u.Endpoint = u.Scheme + "://" + service

	p := strings.TrimPrefix(u.EscapedPath, "/")
	rawKey := p
	if u.Style == PathStyle {
		var rawBucket string
		rawBucket, rawKey, _ = strings.Cut(p, "/")
		u.Bucket = unescapePath(rawBucket)
	}
	u.EscapedKey, u.Key = rawKey, unescapePath(rawKey)
}

// unescapePath decodes a path part once, as the server does; a malformed
// escape is left as written (the server refuses such a path with
// InvalidURI, and the key shown is then what was written).
func unescapePath(s string) string {
	if d, err := url.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// virtualHost returns the bucket named by a virtual-hosted host name and
// the service host under it, or "" when the host is path style.
//
// Recognised: AWS's S3 endpoints (bucket.s3.amazonaws.com,
// bucket.s3.REGION.amazonaws.com, bucket.s3-REGION.amazonaws.com,
// bucket.s3.dualstack.REGION.amazonaws.com, bucket.s3-accelerate…, and the
// .amazonaws.com.cn partition) and the local development domains
// bucket.localhost and bucket.s3.localhost. A signet server may be
// configured with other virtual-host domains; those read as path style
// here, and the server's own explanation is then the one to trust.
func virtualHost(hostname string) (bucket, service string) {
	h := strings.ToLower(strings.TrimSuffix(hostname, "."))
	if h == "" || net.ParseIP(strings.Trim(h, "[]")) != nil {
		return "", ""
	}
	for _, local := range []string{"s3.localhost", "localhost"} {
		if b, ok := strings.CutSuffix(h, "."+local); ok && b != "" {
			return b, local
		}
		if h == local {
			return "", ""
		}
	}
	if !strings.HasSuffix(h, ".amazonaws.com") && !strings.HasSuffix(h, ".amazonaws.com.cn") {
		return "", ""
	}
	labels := strings.Split(h, ".")
	// The last label that starts the S3 service part wins, because bucket
	// names may contain dots and even an "s3" label ("logs.s3.example"),
	// while AWS endpoints have a single one.
	for i := len(labels) - 3; i >= 1; i-- {
		if labels[i] == "s3" || strings.HasPrefix(labels[i], "s3-") {
			return strings.Join(labels[:i], "."), strings.Join(labels[i:], ".")
		}
	}
	return "", ""
}

// keyKind classifies an access key ID by prefix; a session token makes
// any key temporary.
func keyKind(id string, token bool) KeyKind {
	switch {
	case strings.HasPrefix(id, "ASIA") || token:
		return Temporary
	case strings.HasPrefix(id, "AKIA"):
		return LongTerm
	}
	return OtherKey
}

func (u *URL) parseV4(q *query) []string {
	u.Version, u.Algorithm = SigV4, sigv4.Algorithm
	var problems, missing []string
	for _, n := range v4Required {
		if _, ok := q.get(n); ok {
			continue
		}
		if m := q.miscased(n); m != "" {
			problems = append(problems, fmt.Sprintf("%s is spelled %s: parameter names are case-sensitive, and the server reads only %s.", n, m, n))
			continue
		}
		missing = append(missing, n)
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("Missing %s: SigV4 query authentication needs X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders and X-Amz-Expires. Was the URL cut short? Pass it whole, in single quotes (an unquoted & ends the shell command).",
			strings.Join(missing, ", ")))
	}

	if alg, ok := q.get(pAlgorithm); ok && alg != sigv4.Algorithm {
		u.Algorithm = alg
		problems = append(problems, fmt.Sprintf("X-Amz-Algorithm is %q; signet verifies only %s (AWS4-ECDSA-P256-SHA256 is SigV4A, for multi-region access points).", alg, sigv4.Algorithm))
	}
	if cred, ok := q.get(pCredential); ok {
		id, sc, good := sigv4.ParseCredential(cred)
		if good {
			u.AccessKeyID, u.Scope = id, sc
		} else {
			u.AccessKeyID, _, _ = strings.Cut(cred, "/")
			problems = append(problems, fmt.Sprintf("X-Amz-Credential %q is malformed: expecting ACCESS-KEY-ID/YYYYMMDD/REGION/SERVICE/aws4_request.", cred))
		}
	}
	if d, ok := q.get(pDate); ok {
		u.AmzDate = d
		if t, good := sigv4.ParseAmzDate(d); good {
			u.SignedAt = t
			if u.Scope.Date != "" && u.Scope.Date != d[:8] {
				problems = append(problems, fmt.Sprintf("The credential scope's date %s is not X-Amz-Date's day %s: the server refuses the URL; sign it again.", u.Scope.Date, d[:8]))
			}
		} else {
			problems = append(problems, fmt.Sprintf("X-Amz-Date %q is not in the form YYYYMMDDTHHMMSSZ (e.g. 20130524T000000Z).", d))
		}
	}
	if e, ok := q.get(pExpires); ok {
		n, err := parseSeconds(e)
		if err != nil {
			problems = append(problems, fmt.Sprintf("X-Amz-Expires %q %s: it must be a whole number of seconds from 1 to 604800.", e, err))
		}
		u.ExpiresIn = n
		if !u.SignedAt.IsZero() && err == nil {
			u.ExpiresAt = u.SignedAt.Add(time.Duration(min(n, math.MaxInt64/int64(time.Second))) * time.Second)
		}
	}
	if sh, ok := q.get(pSignedHeaders); ok {
		names, good := splitSignedHeaders(sh)
		if !good {
			problems = append(problems, fmt.Sprintf("X-Amz-SignedHeaders %q is malformed: want lower-case names joined by ';', such as host;content-type.", sh))
		} else {
			u.SignedHeaders = names
		}
	}
	u.Signature, _ = q.get(pSignature)
	u.token, _ = q.get(pSecurityToken)
	u.PayloadHash = sigv4.UnsignedPayload
	if ph, ok := q.get("X-Amz-Content-Sha256"); ok {
		u.PayloadHash = ph
	}
	if m := q.miscased(pSecurityToken); m != "" {
		u.Notes = append(u.Notes, fmt.Sprintf("The session token is spelled %s; the server reads only %s, so it will not see it.", m, pSecurityToken))
	}
	u.KeyKind = keyKind(u.AccessKeyID, u.token != "")

	// The server's own parser has the last word on what it can read, so
	// inspect cannot call a URL judgeable that the server would not.
	if len(problems) == 0 {
		_, err := sigv4.ParseQuery(&sigv4.Request{RawQuery: u.RawQuery})
		var se *sigv4.Error
		if err != nil && !(errors.As(err, &se) && se.Reason == sigv4.ReasonExpiresTooLarge) {
			problems = append(problems, fmt.Sprintf("The server cannot read the signature parameters (%v).", err))
		}
	}
	if len(problems) == 0 {
		if !containsFold(u.SignedHeaders, "host") {
			u.Notes = append(u.Notes, "host is not among the signed headers: S3 requires it, so the server refuses this URL.")
		}
		switch {
		case strings.HasPrefix(u.AccessKeyID, "ASIA") && u.token == "":
			u.Notes = append(u.Notes, "An ASIA (temporary) key needs X-Amz-Security-Token in the URL; without it the server does not know the key (InvalidAccessKeyId).")
		case strings.HasPrefix(u.AccessKeyID, "AKIA") && u.token != "":
			u.Notes = append(u.Notes, "A session token goes with an ASIA key, not a long-term AKIA one: the server refuses the token (InvalidToken).")
		}
	}
	return problems
}

func (u *URL) parseV2(q *query) []string {
	u.Version, u.Algorithm = SigV2, "HMAC-SHA1"
	var problems, missing []string
	for _, n := range v2Required {
		if _, ok := q.get(n); !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("Missing %s: SigV2 query authentication needs AWSAccessKeyId, Expires and Signature. Was the URL cut short? Pass it whole, in single quotes (an unquoted & ends the shell command).",
			strings.Join(missing, ", ")))
	}
	u.AccessKeyID, _ = q.get(v2AccessKeyID)
	u.Signature, _ = q.get(v2Signature)
	if e, ok := q.get(v2Expires); ok {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Expires %q is not a whole number of seconds since 1970 (SigV2's Expires is an absolute time, e.g. 1369353600).", e))
		} else {
			u.ExpiresAt = sigv2.ExpiryTime(n) // as the server converts it
		}
	}
	// SigV2 signs x-amz-* query parameters like headers, whatever their
	// case, so the token counts in any spelling.
	for _, p := range q.pairs {
		if strings.EqualFold(p.Name, v2SecurityToken) {
			u.token = p.Value
			break
		}
	}
	u.SignedHeaders = []string{"content-md5", "content-type"}
	u.KeyKind = keyKind(u.AccessKeyID, u.token != "")
	return problems
}

// collectParams sorts the non-authentication parameters into response-*
// overrides and the rest. The session token is never listed.
func (u *URL) collectParams(q *query) {
	auth := map[string]bool{}
	switch u.Version {
	case SigV4:
		for _, n := range []string{pAlgorithm, pCredential, pDate, pExpires, pSignedHeaders, pSignature, pSecurityToken} {
			auth[n] = true
		}
	case SigV2:
		for _, n := range v2Required {
			auth[n] = true
		}
	}
	seen := map[string]bool{}
	for _, p := range q.pairs {
		if auth[p.Name] || strings.EqualFold(p.Name, pSecurityToken) || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		if strings.HasPrefix(p.Name, "response-") {
			u.ResponseOverrides = append(u.ResponseOverrides, p)
		} else {
			u.OtherParams = append(u.OtherParams, p)
		}
	}
}

// noteRepeats notes authentication parameters given more than once.
func (u *URL) noteRepeats(q *query) {
	names := []string{pAlgorithm, pCredential, pDate, pExpires, pSignedHeaders, pSignature, pSecurityToken}
	if u.Version == SigV2 {
		names = v2Required
	}
	for _, n := range names {
		c := q.count[n]
		if c < 2 {
			continue
		}
		first, _ := q.get(n)
		shown := fmt.Sprintf(" (%q)", first)
		if n == pSecurityToken {
			shown = ""
		}
		u.Notes = append(u.Notes, fmt.Sprintf("%s appears %d times; the server reads the first%s, and every copy but X-Amz-Signature is signed.", n, c, shown))
	}
}

// parseSeconds reads X-Amz-Expires as the server does: digits only, "-0"
// allowed; values too large for an int64 saturate (they are over the
// 7-day cap whatever they are).
func parseSeconds(s string) (int64, error) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("is not a number")
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		n = math.MaxInt64
	}
	if s[0] == '-' && n != 0 {
		return 0, fmt.Errorf("is negative")
	}
	return n, nil
}

// splitSignedHeaders splits "host;range"; an empty name makes it malformed.
func splitSignedHeaders(s string) ([]string, bool) {
	if s == "" {
		return nil, false
	}
	out := strings.Split(s, ";")
	for _, n := range out {
		if n == "" {
			return nil, false
		}
	}
	return out, true
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// decodeComponent percent-decodes a query name or value the way signet's
// canonicalizer does: "+" is a space and a malformed escape stays literal.
func decodeComponent(raw string) string {
	if !strings.ContainsAny(raw, "%+") {
		return raw
	}
	b := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(raw) && isHex(raw[i+1]) && isHex(raw[i+2]):
			c = unhex(raw[i+1])<<4 | unhex(raw[i+2])
			i += 2
		}
		b = append(b, c)
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Fingerprint is the link's fingerprint, as the server computes it from
// the signature (package sigprint): the name the access log
// (sig_fingerprint), `signet admin url uses` and `url revoke` know it
// by. "" when the URL carries no signature.
func (u *URL) Fingerprint() string {
	switch {
	case u.Signature == "":
		return ""
	case u.Version == SigV2:
		// As the server reads it: a '+' left unencoded decodes as a space.
		return sigprint.Of(sigprint.V2, strings.ReplaceAll(u.Signature, " ", "+")).String()
	}
	return sigprint.Of(sigprint.V4, u.Signature).String()
}
