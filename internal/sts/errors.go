package sts

import (
	"fmt"
	"strings"

	"signet/internal/iam"
)

// Kind classifies a domain error; the API layer maps each kind to one AWS
// error code and status.
type Kind int

// Error kinds.
const (
	// KindValidation: the input breaks a model constraint or a duration
	// rule (AWS: 400 ValidationError).
	KindValidation Kind = iota + 1
	// KindAccessDenied: the caller may not do this (AWS: 403 AccessDenied).
	KindAccessDenied
	// KindNotFound: no such session (signet's own session management;
	// STS has no wire equivalent).
	KindNotFound
	// KindMalformedPolicy: the session policy does not parse (AWS: 400
	// MalformedPolicyDocument).
	KindMalformedPolicy
	// KindPackedPolicyTooLarge: the session policy is over the packed
	// limit (AWS: 400 PackedPolicyTooLarge).
	KindPackedPolicyTooLarge
)

func (k Kind) String() string {
	switch k {
	case KindValidation:
		return "validation"
	case KindAccessDenied:
		return "access denied"
	case KindNotFound:
		return "not found"
	case KindMalformedPolicy:
		return "malformed policy"
	case KindPackedPolicyTooLarge:
		return "packed policy too large"
	}
	return "unknown"
}

// Error is a domain error of the sts package. Message is AWS's text for the
// situation, ready to put on the wire.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return "sts: " + e.Message }

// Is lets errors.Is match a kind sentinel (an Error without a message)
// against any Error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Kind == e.Kind
}

// Kind sentinels for errors.Is.
var (
	ErrValidation           = &Error{Kind: KindValidation}
	ErrAccessDenied         = &Error{Kind: KindAccessDenied}
	ErrNotFound             = &Error{Kind: KindNotFound}
	ErrMalformedPolicy      = &Error{Kind: KindMalformedPolicy}
	ErrPackedPolicyTooLarge = &Error{Kind: KindPackedPolicyTooLarge}
)

// AWS's messages.
const (
	MsgRootAssumeRole = "Roles may not be assumed by root accounts."
	MsgMaxSession     = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	MsgChaining       = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	MsgInvalidARN     = "Request ARN is invalid"
)

// NotAuthorized is AWS's AccessDenied text for a caller that may not
// perform action on resource. STS gives the same answer for a role that
// does not exist, so that callers cannot probe for role names.
func NotAuthorized(callerARN, action, resource string) *Error {
	return &Error{Kind: KindAccessDenied, Message: fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", callerARN, action, resource)}
}

// sessionCredentials is AWS's refusal of GetSessionToken and
// GetFederationToken called with temporary credentials.
func sessionCredentials(action string) *Error {
	return &Error{Kind: KindAccessDenied, Message: "Cannot call " + action + " with session credentials"}
}

// violations collects model-constraint failures in the order AWS reports
// them and renders them as one ValidationError, as AWS's request validator
// does: "N validation error(s) detected: Value 'v' at 'field' failed to
// satisfy constraint: C; Value …".
type violations []string

func (v *violations) add(value, field, constraint string) {
	*v = append(*v, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: %s", iam.EchoValue(value), field, constraint))
}

func (v *violations) null(field string) {
	*v = append(*v, fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", field))
}

func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	noun := "errors"
	if len(v) == 1 {
		noun = "error"
	}
	return &Error{Kind: KindValidation, Message: fmt.Sprintf("%d validation %s detected: %s", len(v), noun, strings.Join(v, "; "))}
}
