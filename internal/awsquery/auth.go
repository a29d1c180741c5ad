package awsquery

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"signet/internal/authn"
)

// Messages of the Query services' authentication errors, as IAM and STS
// write them (they differ from S3's: an expired token is 403 here).
const (
	msgInvalidToken  = "The security token included in the request is invalid."
	msgExpiredToken  = "The security token included in the request is expired"
	msgSignature     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgMissingAuth   = "Request is missing Authentication Token"
	msgIncompleteSig = "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."
	// msgInternalFailure is the Query services' text for a fault of
	// theirs.
	msgInternalFailure = "The request processing has failed because of an unknown error."
)

// FromAuth turns an authentication failure into the Query error IAM and
// STS answer with. service is "iam" or "sts" (it appears in the
// wrong-scope message).
func FromAuth(err error, service string) *Error {
	// A key or session the engine could not look up is not an unknown
	// one: the failure wraps the engine's error.
	if IsUnavailable(err) {
		return Unavailable()
	}
	var f *authn.Failure
	if !errors.As(err, &f) {
		return CodeInternalFailure.Err(http.StatusInternalServerError, msgInternalFailure)
	}
	forbidden := func(code Code, msg string) *Error { return code.Err(http.StatusForbidden, msg) }
	switch f.Reason {
	case authn.ReasonUnknownAccessKey, authn.ReasonInvalidToken:
		return forbidden(CodeInvalidClientTokenID, msgInvalidToken)
	case authn.ReasonExpiredToken:
		return forbidden(CodeExpiredToken, msgExpiredToken)
	case authn.ReasonSignatureMismatch:
		return forbidden(CodeSignatureDoesNotMatch, msgSignature)
	case authn.ReasonTimeTooSkewed:
		return forbidden(CodeSignatureDoesNotMatch, skewMessage(f))
	case authn.ReasonRequestExpired:
		return forbidden(CodeSignatureDoesNotMatch, "Signature expired")
	case authn.ReasonRequestNotYetValid:
		return forbidden(CodeSignatureDoesNotMatch, "Signature not yet current")
	case authn.ReasonWrongService:
		return forbidden(CodeSignatureDoesNotMatch, "Credential should be scoped to correct service: '"+service+"'.")
	case authn.ReasonMissingDate:
		return CodeIncompleteSignature.Err(http.StatusBadRequest, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	case authn.ReasonHeaderMalformed, authn.ReasonCredentialMalformed, authn.ReasonCredentialDateMismatch, authn.ReasonBadDateFormat:
		msg := msgIncompleteSig
		if f.Message != "" {
			msg = f.Message
		}
		return CodeIncompleteSignature.Err(http.StatusBadRequest, msg)
	case authn.ReasonInternal:
		return CodeInternalFailure.Err(http.StatusInternalServerError, msgInternalFailure)
	}
	msg := f.Message
	if msg == "" {
		msg = "The request could not be authenticated."
	}
	return CodeInvalidRequest.Err(http.StatusBadRequest, msg)
}

// MissingAuthentication is the answer to an unsigned IAM or STS call.
func MissingAuthentication() *Error {
	return CodeMissingAuthenticationToken.Err(http.StatusForbidden, msgMissingAuth)
}

func field(f *authn.Failure, name string) string {
	for _, x := range f.Fields {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// skewMessage words a clock-skew refusal as AWS does, for a request
// signed too long ago or too far in the future:
//
//	Signature expired: 20260301T100000Z is now earlier than 20260301T114500Z (20260301T120000Z - 15 min.)
//	Signature not yet current: 20260301T140000Z is still later than 20260301T121500Z (20260301T120000Z + 15 min.)
func skewMessage(f *authn.Failure) string {
	rt := field(f, "RequestTime")
	server, err := time.Parse(time.RFC3339, field(f, "ServerTime"))
	if rt == "" || err != nil {
		return "Signature expired"
	}
	skew := authn.MaxSkew
	if ms, err := strconv.ParseInt(field(f, "MaxAllowedSkewMilliseconds"), 10, 64); err == nil && ms > 0 {
		skew = time.Duration(ms) * time.Millisecond
	}
	const basic = "20060102T150405Z"
	mins := strconv.FormatInt(int64(skew/time.Minute), 10)
	if sent, ok := requestTime(rt); ok && sent.After(server) {
		return "Signature not yet current: " + rt + " is still later than " + server.Add(skew).UTC().Format(basic) +
			" (" + server.UTC().Format(basic) + " + " + mins + " min.)"
	}
	return "Signature expired: " + rt + " is now earlier than " + server.Add(-skew).UTC().Format(basic) +
		" (" + server.UTC().Format(basic) + " - " + mins + " min.)"
}

// requestTime parses the date a request was signed with: X-Amz-Date's
// basic ISO 8601 form, or an HTTP date.
func requestTime(s string) (time.Time, bool) {
	if t, err := time.Parse("20060102T150405Z", s); err == nil {
		return t, true
	}
	if t, err := http.ParseTime(s); err == nil {
		return t, true
	}
	return time.Time{}, false
}
