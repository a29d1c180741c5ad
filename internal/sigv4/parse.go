package sigv4

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// AuthKind is the place a SigV4 signature was carried.
type AuthKind int

const (
	HeaderAuth AuthKind = iota + 1 // Authorization header
	QueryAuth                      // presigned URL (X-Amz-* query parameters)
)

// Auth is a parsed SigV4 Authorization header or presigned query. Parsing
// checks formats only; whether the date, expiry or region are acceptable
// now is the caller's business, with its own clock.
type Auth struct {
	Kind          AuthKind
	AccessKeyID   string
	Scope         Scope
	SignedHeaders []string // lower-case, as listed
	Signature     string
	AmzDate       string    // yyyyMMddTHHmmssZ as signed; for header auth possibly converted from Date
	Date          time.Time // AmzDate parsed, UTC
	Expires       int64     // X-Amz-Expires seconds (query auth only)
	SecurityToken string    // X-Amz-Security-Token (query parameter or header)
	// PayloadHash is the last line of the canonical request. Header auth:
	// the x-amz-content-sha256 header (empty if absent; Verify then uses the
	// empty-body hash, so a Generic caller with a body must set it). Query
	// auth: see PresignedPayloadHash.
	PayloadHash string
}

// MaxExpires is the longest X-Amz-Expires S3 accepts: 7 days. 604800 itself
// is accepted.
const MaxExpires = 604800

// ParseHeader parses
//
//	Authorization: AWS4-HMAC-SHA256 Credential=AKID/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=<hex>
//
// tolerating extra spaces and any order of the three parts, plus X-Amz-Date
// (or Date in RFC 1123, RFC 850 or ANSI C form), X-Amz-Security-Token and
// x-amz-content-sha256.
func ParseHeader(req *Request) (*Auth, error) {
	const k = HeaderAuth
	vals := headerValues(req.Header, "authorization")
	if len(vals) == 0 {
		return nil, newErr(ReasonHeaderMalformed, k, "missing Authorization header")
	}
	v := strings.TrimSpace(vals[0])
	alg, rest := v, ""
	if i := strings.IndexAny(v, " \t,"); i >= 0 {
		alg, rest = v[:i], v[i:]
	}
	if alg != Algorithm {
		return nil, newErr(ReasonUnsupportedAlgorithm, k, alg)
	}
	var cred, signed, sig string
	var seen int
	for rest != "" {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		end := strings.IndexAny(rest, " \t,")
		if end < 0 {
			end = len(rest)
		}
		field := rest[:end]
		rest = rest[end:]
		name, value, ok := strings.Cut(field, "=")
		if !ok {
			return nil, newErr(ReasonHeaderMalformed, k, field)
		}
		var bit int
		switch name {
		case "Credential":
			cred, bit = value, 1
		case "SignedHeaders":
			signed, bit = value, 2
		case "Signature":
			sig, bit = value, 4
		default:
			return nil, newErr(ReasonHeaderMalformed, k, field)
		}
		if seen&bit != 0 {
			return nil, newErr(ReasonHeaderMalformed, k, "duplicate "+name)
		}
		seen |= bit
	}
	if seen != 7 || cred == "" || signed == "" || sig == "" {
		return nil, newErr(ReasonHeaderMalformed, k, "requires Credential, SignedHeaders and Signature")
	}
	a := newAuth(k)
	a.Signature = sig
	var ok bool
	if a.AccessKeyID, a.Scope, ok = ParseCredential(cred); !ok {
		return nil, newErr(ReasonCredentialMalformed, k, cred)
	}
	if a.SignedHeaders, ok = splitSignedHeaders(a.SignedHeaders, signed); !ok {
		return nil, newErr(ReasonHeaderMalformed, k, "SignedHeaders="+signed)
	}
	if d := firstHeader(req, "x-amz-date"); d != "" {
		if a.Date, ok = ParseAmzDate(d); !ok {
			return nil, newErr(ReasonBadDateFormat, k, d)
		}
		a.AmzDate = d
	} else if d := firstHeader(req, "date"); d != "" {
		if a.Date, ok = parseHTTPDate(d); !ok {
			return nil, newErr(ReasonBadDateFormat, k, d)
		}
		// The string to sign always carries the basic format, whichever
		// header supplied the time.
		a.AmzDate = FormatAmzDate(a.Date)
	} else {
		return nil, newErr(ReasonMissingDate, k, "")
	}
	if a.Scope.Date != a.AmzDate[:8] {
		return nil, newErr(ReasonCredentialDateMismatch, k, a.Scope.Date)
	}
	a.SecurityToken = firstHeader(req, "x-amz-security-token")
	a.PayloadHash = firstHeader(req, "x-amz-content-sha256")
	return a, nil
}

func firstHeader(req *Request, name string) string {
	if v := headerValues(req.Header, name); len(v) > 0 {
		return strings.TrimSpace(v[0])
	}
	return ""
}

// parsedAuth lets a parser allocate an Auth together with the backing
// array of its SignedHeaders: one allocation instead of two for lists of up
// to eight names, which covers what SDKs sign on a GET or a PUT.
type parsedAuth struct {
	Auth
	signed [8]string
}

// newAuth returns an Auth whose SignedHeaders is empty with room for eight
// names in the same allocation.
func newAuth(k AuthKind) *Auth {
	p := new(parsedAuth)
	p.Kind = k
	p.SignedHeaders = p.signed[:0]
	return &p.Auth
}

// splitSignedHeaders appends the names of "host;range;x-amz-date" to dst.
// An empty name (";;" or a leading or trailing ";") makes the list
// malformed.
func splitSignedHeaders(dst []string, s string) ([]string, bool) {
	if s == "" || s[len(s)-1] == ';' {
		return nil, false
	}
	for s != "" {
		var name string
		name, s, _ = strings.Cut(s, ";")
		if name == "" {
			return nil, false
		}
		dst = append(dst, name)
	}
	return dst, true
}

// ParseQuery parses a presigned request's X-Amz-Algorithm, X-Amz-Credential,
// X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature (all
// required), plus X-Amz-Security-Token and X-Amz-Content-Sha256, from the raw
// query in a single pass. Values are percent-decoded. When a parameter is
// repeated the first occurrence is used (every occurrence except
// X-Amz-Signature is signed anyway).
func ParseQuery(req *Request) (*Auth, error) {
	const k = QueryAuth
	// The values as sent, indexed like queryParams. Each is decoded where it
	// is used, and X-Amz-Credential not at all: it is split in its encoded
	// form. Decoding never turns a non-empty value into an empty one, so
	// presence is judged on the encoded values.
	var enc [8]string
	var have uint
	for raw := req.RawQuery; raw != ""; {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		name, value, _ := strings.Cut(seg, "=")
		i := queryParamIndex(name)
		if i < 0 || have&(1<<i) != 0 {
			continue
		}
		have |= 1 << i
		enc[i] = value
	}
	const required = 6
	var missing []string
	for i := 0; i < required; i++ {
		if enc[i] == "" {
			missing = append(missing, queryParams[i])
		}
	}
	if missing != nil {
		return nil, newErr(ReasonMissingQueryParams, k, strings.Join(missing, ","))
	}
	if alg := decodeComponent(enc[0]); alg != Algorithm {
		return nil, newErr(ReasonUnsupportedAlgorithm, k, alg)
	}
	a := newAuth(k)
	a.Signature = decodeComponent(enc[5])
	a.SecurityToken = decodeComponent(enc[6])
	a.PayloadHash = decodeComponent(enc[7])
	var ok bool
	if a.AccessKeyID, a.Scope, ok = parseEncodedCredential(enc[1]); !ok {
		return nil, newErr(ReasonCredentialMalformed, k, decodeComponent(enc[1]))
	}
	date := decodeComponent(enc[2])
	if a.Date, ok = ParseAmzDate(date); !ok {
		return nil, newErr(ReasonBadDateFormat, k, date)
	}
	a.AmzDate = date
	expires := decodeComponent(enc[3])
	var r Reason
	if a.Expires, r = parseExpires(expires); r != 0 {
		return nil, newErr(r, k, expires)
	}
	if a.Scope.Date != a.AmzDate[:8] {
		return nil, newErr(ReasonCredentialDateMismatch, k, a.Scope.Date)
	}
	signed := decodeComponent(enc[4])
	if a.SignedHeaders, ok = splitSignedHeaders(a.SignedHeaders, signed); !ok {
		return nil, newErr(ReasonHeaderMalformed, k, "X-Amz-SignedHeaders="+signed)
	}
	a.PayloadHash = PresignedPayloadHash(a.PayloadHash, a.SignedHeaders, req.Header)
	return a, nil
}

// PresignedPayloadHash is the last line of a presigned request's canonical
// request: the X-Amz-Content-Sha256 parameter (param, decoded) if present,
// else the x-amz-content-sha256 header if it is among the signed headers
// (botocore and aws-sdk-go-v2 both sign that header's value as the payload
// hash when a presigner pins one), else UNSIGNED-PAYLOAD. The signer and
// the verifier both call it, so they cannot disagree.
func PresignedPayloadHash(param string, signed []string, h http.Header) string {
	if param != "" {
		return param
	}
	if slices.Contains(signed, "x-amz-content-sha256") {
		if v := headerValues(h, "x-amz-content-sha256"); len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
	}
	return UnsignedPayload
}

// queryParams is indexed like the value array in ParseQuery; the first six
// are the required ones, in the order AWS's error message names them.
var queryParams = [8]string{
	paramAlgorithm, paramCredential, paramDate, paramExpires,
	paramSignedHeaders, paramSignature, paramSecurityToken, paramContentSHA256,
}

func queryParamIndex(raw string) int {
	// Cheap reject first: most non-auth names do not start with "X-Amz-".
	if len(raw) < 10 || (raw[0] != 'X' && raw[0] != '%') {
		return -1
	}
	name := raw
	if needsDecode(raw) {
		name = decodeComponent(raw)
	}
	for i, p := range queryParams {
		if name == p {
			return i
		}
	}
	return -1
}

// parseExpires parses X-Amz-Expires: digits only, at most MaxExpires. Zero
// is accepted here; such a URL is simply already expired, which the caller's
// clock check reports.
func parseExpires(s string) (int64, Reason) {
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, ReasonExpiresNotNumber
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ReasonExpiresNotNumber
		}
		if n <= MaxExpires { // stop growing once too large: no overflow
			n = n*10 + int64(c-'0')
		}
	}
	if neg {
		if n == 0 {
			return 0, 0 // "-0" is zero
		}
		return 0, ReasonExpiresNegative
	}
	if n > MaxExpires {
		return 0, ReasonExpiresTooLarge
	}
	return n, 0
}
