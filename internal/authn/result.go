// Package authn turns an *http.Request into a verified caller: who signed
// it, how, and until when the signature holds. It speaks in its own words
// (Reason); s3api maps reasons to AWS error codes.
package authn

import (
	"errors"
	"io"
	"signet/internal/lifetime"
	"signet/internal/principal"
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
