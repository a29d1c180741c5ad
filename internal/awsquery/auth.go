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
)

// FromAuth turns an authentication failure into the Query error IAM and
// STS answer with. service is "iam" or "sts" (it appears in the
// wrong-scope message).
func FromAuth(err error, service string) *Error {
	var f *authn.Failure
	if !errors.As(err, &f) {
		return &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error.", Receiver: true}
	}
	forbidden := func(code, msg string) *Error { return &Error{Status: http.StatusForbidden, Code: code, Message: msg} }
	switch f.Reason {
	case authn.ReasonUnknownAccessKey, authn.ReasonInvalidToken:
		return forbidden("InvalidClientTokenId", msgInvalidToken)
	case authn.ReasonExpiredToken:
		return forbidden("ExpiredToken", msgExpiredToken)
	case authn.ReasonSignatureMismatch:
		return forbidden("SignatureDoesNotMatch", msgSignature)
	case authn.ReasonTimeTooSkewed:
		return forbidden("SignatureDoesNotMatch", skewMessage(f))
	case authn.ReasonRequestExpired:
		return forbidden("SignatureDoesNotMatch", "Signature expired")
	case authn.ReasonRequestNotYetValid:
		return forbidden("SignatureDoesNotMatch", "Signature not yet current")
	case authn.ReasonWrongService:
		return forbidden("SignatureDoesNotMatch", "Credential should be scoped to correct service: '"+service+"'.")
	case authn.ReasonMissingDate:
		return &Error{Status: http.StatusBadRequest, Code: "IncompleteSignature", Message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	case authn.ReasonHeaderMalformed, authn.ReasonCredentialMalformed, authn.ReasonCredentialDateMismatch, authn.ReasonBadDateFormat:
		msg := msgIncompleteSig
		if f.Message != "" {
			msg = f.Message
		}
		return &Error{Status: http.StatusBadRequest, Code: "IncompleteSignature", Message: msg}
	case authn.ReasonInternal:
		return &Error{Status: http.StatusInternalServerError, Code: "InternalFailure", Message: "The request processing has failed because of an unknown error.", Receiver: true}
	}
	msg := f.Message
	if msg == "" {
		msg = "The request could not be authenticated."
	}
	return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: msg}
}

// MissingAuthentication is the answer to an unsigned IAM or STS call.
func MissingAuthentication() *Error {
	return &Error{Status: http.StatusForbidden, Code: "MissingAuthenticationToken", Message: msgMissingAuth}
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
