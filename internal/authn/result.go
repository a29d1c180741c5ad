// Package authn turns an *http.Request into a verified caller: who signed
// it, how, and until when the signature holds. It speaks in its own words
// (Reason); s3api maps reasons to AWS error codes.
package authn

import (
	"errors"
	"io"
	"signet/internal/lifetime"
	"signet/internal/principal"
	"signet/internal/sigprint"
	"time"
)

// AuthType values are those of the s3:authType condition key.
const (
	AuthHeader = "REST-HEADER"
	AuthQuery  = "REST-QUERY-STRING"
	AuthPOST   = "POST"
)

// Signature versions as in the s3:signatureversion condition key.
const (
	SigV2 = "AWS"
	SigV4 = "AWS4-HMAC-SHA256"
)

// Result is a successfully authenticated request.
type Result struct {
	Anonymous        bool
	Principal        principal.Principal
	AuthType         string // AuthHeader, AuthQuery, AuthPOST; "" when anonymous
	SignatureVersion string // SigV2 or SigV4; "" when anonymous
	// SignatureAge is now minus the signing time (s3:signatureAge).
	SignatureAge time.Duration
	// Deadline is the effective expiry of a presigned request (zero for
	// header auth and anonymous requests).
	Deadline time.Time
	// LimitedBy says what sets Deadline: the URL's own window or the
	// credentials that signed it ("" when Deadline is zero).
	LimitedBy lifetime.Limit
	// Print is the fingerprint of a presigned request's or form's
	// signature (zero for header auth and anonymous requests): what the
	// access log, the uses of a link and its revocation know it by.
	Print sigprint.Print
	// SignedAt is a SigV4 presigned request's X-Amz-Date (a form's
	// x-amz-date); zero otherwise, SigV2 carrying no signing time.
	SignedAt time.Time
	// URLExpiry is the end of a presigned request's own window (a form's
	// policy expiration), before the credentials cut it short.
	URLExpiry time.Time
	// ContentSHA256 is the x-amz-content-sha256 the client sent, if any.
	ContentSHA256 string
	// Body is the payload to read in place of r.Body: aws-chunked bodies
	// decoded with every chunk signature checked, a hex payload hash
	// checked at EOF. Read errors wrap ErrPayload* sentinels below or the
	// awschunked package's errors.
	Body io.Reader
	// DecodedLength is the payload's length when known (Content-Length or
	// x-amz-decoded-content-length), else -1.
	DecodedLength int64
	// Trailers returns the trailing headers (lower-case names) once Body
	// has reached EOF; nil when the request has none.
	Trailers func() map[string]string
}

// Reason says why authentication failed, in signet's words.
type Reason int

// Failure reasons. Each maps to one AWS error in s3api's table.
const (
	ReasonInternal Reason = iota
	// Request shape.
	ReasonMultipleAuthMechanisms // two of: Authorization header, X-Amz-Algorithm, Signature query
	ReasonMissingQueryParams     // SigV4 query auth lacks one of the six X-Amz-* parameters
	ReasonMissingQueryParamsV2   // SigV2 query auth lacks Signature, Expires or AWSAccessKeyId
	ReasonUnsupportedAlgorithm   // X-Amz-Algorithm other than AWS4-HMAC-SHA256
	ReasonExpiresTooLarge        // X-Amz-Expires > 604800
	ReasonExpiresNegative        // X-Amz-Expires < 0
	ReasonExpiresNotNumber       // X-Amz-Expires not an integer
	ReasonBadDateFormat          // X-Amz-Date not yyyyMMddTHHmmssZ
	ReasonCredentialMalformed    // X-Amz-Credential / Credential= not AKID/date/region/service/aws4_request
	ReasonCredentialDateMismatch // scope date differs from X-Amz-Date's
	ReasonWrongRegion            // scope region is not the server's
	ReasonWrongService           // scope service is not s3 (for S3 requests)
	ReasonHeaderMalformed        // Authorization header lacks Credential, SignedHeaders or Signature
	ReasonHeaderMalformedV2      // SigV2 Authorization header is not "AWS AKID:signature"
	ReasonMissingDate            // header auth with neither X-Amz-Date nor Date
	ReasonMissingContentSHA256   // SigV4 header auth without x-amz-content-sha256
	ReasonBadContentSHA256       // x-amz-content-sha256 neither hex nor a known sentinel
	ReasonHeadersNotSigned       // an x-amz-* header present but not in SignedHeaders
	// Credentials.
	ReasonUnknownAccessKey // unknown, deleted or inactive key; ASIA key without token
	ReasonExpiredToken     // the session that signed it has expired or was terminated
	ReasonInvalidToken     // token unknown or altered
	// Signature and time.
	ReasonSignatureMismatch
	ReasonRequestExpired // presigned window has passed
	ReasonRequestNotYetValid
	ReasonTimeTooSkewed // header auth more than 15 minutes off the server clock
	ReasonAnonymousResponseOverrides
	// Browser form uploads (POST Object).
	ReasonPostFormInvalid   // a signing field is missing or malformed; Message and Fields say which
	ReasonPostPolicyInvalid // the policy does not decode; Message is S3's "Invalid Policy: …"
	ReasonPostPolicyExpired // the policy's expiration has passed
	// Revocation (signet's own: AWS cannot revoke one URL).
	ReasonURLRevoked // a verified presigned URL or form revoked by `signet admin url revoke`
)

// Field is an extra element of the error, in wire order.
type Field struct {
	Name  string
	Value string
}

// Failure is an authentication failure.
type Failure struct {
	Reason Reason
	// Message overrides the table's message where the text depends on the
	// request (for example the wrong-region message).
	Message string
	Fields  []Field
	// Err is the cause of a ReasonInternal failure (a key store that
	// could not answer), so that the API can tell an engine it cannot
	// reach from any other fault.
	Err error
	// URL is what a presigned request or form said about itself, set
	// once its signature could be read, so that a refusal is logged with
	// the same facts as a success.
	URL *URLFacts
}

// URLFacts describe a presigned request or form that authentication
// refused.
type URLFacts struct {
	Print     sigprint.Print
	SignedAt  time.Time // zero for SigV2
	URLExpiry time.Time // zero when the window could not be read
	// Deadline and LimitedBy are the effective expiry and what sets it,
	// known once the signing key was found.
	Deadline  time.Time
	LimitedBy lifetime.Limit
	// Principal is the signer, once its key was found (nil before).
	Principal *principal.Principal
	// Revocation is set for ReasonURLRevoked.
	Revocation *Revocation
	// Verified is set once the signature matched: the request was this
	// link, refused for its window, its session or its revocation, not
	// a forgery that only carries its signature.
	Verified bool
}

// Revocation says who refused a presigned request or form that would
// otherwise be served, when, and why.
type Revocation struct {
	// Signer is set when a rule on the signer refused it (every URL
	// the principal signed before a time), empty for the URL itself.
	Signer string
	// Before is the signer rule's time.
	Before time.Time
	At     time.Time
	By     string
	Reason string
}

// Denylist is consulted for every presigned request and form whose
// signature verified and whose window is open. It must answer from
// memory: it runs on the request path.
type Denylist interface {
	// Revoked returns the revocation that refuses the URL with
	// fingerprint p, signed by who at signedAt (zero for SigV2), or nil.
	Revoked(p sigprint.Print, who *principal.Principal, signedAt time.Time) *Revocation
}

// Unwrap returns the cause, if any.
func (f *Failure) Unwrap() error { return f.Err }

func (f *Failure) Error() string {
	if f.Message != "" {
		return "authn: " + f.Message
	}
	return "authn: failure"
}

// Errors from reading Result.Body.
var (
	// ErrPayloadHashMismatch: the body's SHA-256 differs from the signed
	// x-amz-content-sha256. Wrapped in *PayloadMismatch for the values.
	ErrPayloadHashMismatch = errors.New("authn: x-amz-content-sha256 mismatch")
	// ErrIncompleteBody: fewer bytes than declared arrived.
	ErrIncompleteBody = errors.New("authn: incomplete body")
)

// PayloadMismatch carries the two hashes of a payload-hash mismatch.
type PayloadMismatch struct {
	ClientComputed string
	ServerComputed string
}

func (p *PayloadMismatch) Error() string { return ErrPayloadHashMismatch.Error() }

// Unwrap lets errors.Is find ErrPayloadHashMismatch.
func (p *PayloadMismatch) Unwrap() error { return ErrPayloadHashMismatch }
