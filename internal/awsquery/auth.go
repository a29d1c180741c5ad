package awsquery

import (
	"errors"
	"net/http"

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
		msg := "Signature expired"
		if rt, st := field(f, "RequestTime"), field(f, "ServerTime"); rt != "" {
			msg = "Signature expired: " + rt + " is now earlier than the server's time " + st + " minus 15 minutes."
		}
		return forbidden("SignatureDoesNotMatch", msg)
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
