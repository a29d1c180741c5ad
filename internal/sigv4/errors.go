package sigv4

// Reason says, in sigv4's own words, why a request failed authentication.
// The API packages own the mapping from a Reason to an AWS error code, so
// this package never speaks AWS error codes itself.
type Reason int

// The reasons are listed roughly in the order the checks run.
const (
	// ReasonMissingQueryParams: one of the six mandatory X-Amz-* query
	// parameters is absent. Detail lists the missing names.
	ReasonMissingQueryParams Reason = iota + 1
	// ReasonUnsupportedAlgorithm: the algorithm is not AWS4-HMAC-SHA256.
	ReasonUnsupportedAlgorithm
	// ReasonExpiresTooLarge: X-Amz-Expires is above 604800 (7 days).
	ReasonExpiresTooLarge
	// ReasonExpiresNegative: X-Amz-Expires is a negative integer.
	ReasonExpiresNegative
	// ReasonExpiresNotNumber: X-Amz-Expires is not an integer.
	ReasonExpiresNotNumber
	// ReasonBadDateFormat: X-Amz-Date (or Date) is not in an accepted format.
	ReasonBadDateFormat
	// ReasonCredentialMalformed: the Credential is not
	// AKID/YYYYMMDD/region/service/aws4_request.
	ReasonCredentialMalformed
	// ReasonCredentialDateMismatch: the scope date is not the date part of
	// X-Amz-Date.
	ReasonCredentialDateMismatch
	// ReasonHeaderMalformed: the Authorization header (or X-Amz-SignedHeaders)
	// cannot be parsed.
	ReasonHeaderMalformed
	// ReasonMissingDate: header auth with neither X-Amz-Date nor Date.
	ReasonMissingDate
	// ReasonMissingContentSHA256: S3 header auth without x-amz-content-sha256.
	ReasonMissingContentSHA256
	// ReasonHostNotSigned: host is not among the signed headers.
	ReasonHostNotSigned
	// ReasonHeadersNotSigned: x-amz-* headers are present but not signed.
	// Detail lists them, lower-case, sorted, joined by ",".
	ReasonHeadersNotSigned
	// ReasonSignatureMismatch: the recomputed signature differs.
	ReasonSignatureMismatch
)

var reasonText = [...]string{
	ReasonMissingQueryParams:     "missing required query parameters",
	ReasonUnsupportedAlgorithm:   "unsupported signing algorithm",
	ReasonExpiresTooLarge:        "X-Amz-Expires exceeds 604800 seconds",
	ReasonExpiresNegative:        "X-Amz-Expires is negative",
	ReasonExpiresNotNumber:       "X-Amz-Expires is not a number",
	ReasonBadDateFormat:          "date is not in ISO8601 basic format",
	ReasonCredentialMalformed:    "credential is malformed",
	ReasonCredentialDateMismatch: "credential date does not match X-Amz-Date",
	ReasonHeaderMalformed:        "authorization is malformed",
	ReasonMissingDate:            "request has no X-Amz-Date or Date",
	ReasonMissingContentSHA256:   "missing x-amz-content-sha256",
	ReasonHostNotSigned:          "host is not a signed header",
	ReasonHeadersNotSigned:       "headers present but not signed",
	ReasonSignatureMismatch:      "signature does not match",
}

// String returns a short English description of r.
func (r Reason) String() string {
	if r > 0 && int(r) < len(reasonText) {
		return reasonText[r]
	}
	return "unknown sigv4 reason"
}

// Error is the only error type sigv4 returns from parsing and verification.
type Error struct {
	Reason Reason
	// Kind is the authentication form being processed, so callers can choose
	// between the header and the query flavour of an AWS error.
	Kind AuthKind
	// Detail is the offending value or list (unsigned header names joined by
	// ",", the missing parameters, the bad date...).
	Detail string
	// Verified carries the canonical request and string to sign for
	// ReasonSignatureMismatch, for the SignatureDoesNotMatch error body.
	Verified *Verified
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return "sigv4: " + e.Reason.String()
	}
	return "sigv4: " + e.Reason.String() + ": " + e.Detail
}

func newErr(r Reason, k AuthKind, detail string) *Error {
	return &Error{Reason: r, Kind: k, Detail: detail}
}
