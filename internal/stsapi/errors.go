package stsapi

import (
	"net/http"
	"strconv"

	"signet/internal/awsquery"
	"signet/internal/errdoc"
	"signet/internal/sts"
)

// Code is an STS error code. Every answer stsapi gives is made from one
// (Code.err), so a misspelt code does not compile.
type Code string

// STS's error codes, as the STS API reference names them.
const (
	ValidationError            Code = "ValidationError"
	AccessDenied               Code = "AccessDenied"
	MalformedPolicyDocument    Code = "MalformedPolicyDocument"
	PackedPolicyTooLarge       Code = "PackedPolicyTooLarge"
	InvalidParameterValue      Code = "InvalidParameterValue"
	InternalFailure            Code = "InternalFailure"
	MissingAction              Code = "MissingAction"
	InvalidAction              Code = "InvalidAction"
	MissingAuthenticationToken Code = "MissingAuthenticationToken"
	ServiceUnavailable         Code = "ServiceUnavailable"
)

// codes is the one table of STS's codes: the status each is sent with,
// AWS's general message for it, and when signet sends it.
var codes = awsquery.CodeTable[Code]{API: "STS", Rows: map[Code]awsquery.CodeSpec{
	ValidationError:            {Status: http.StatusBadRequest, Message: "The input fails to satisfy the constraints specified by an AWS service.", When: "a parameter breaks the model's constraints, or a duration is over the role's or role chaining's limit"},
	AccessDenied:               {Status: http.StatusForbidden, Message: "You do not have sufficient access to perform this action.", When: "the caller may not assume the role (or it does not exist), is root, or calls with temporary credentials"},
	MalformedPolicyDocument:    {Status: http.StatusBadRequest, Message: "The request was rejected because the policy document was malformed. The error message describes the specific error.", When: "a session policy does not parse, or a managed session policy does not exist"},
	PackedPolicyTooLarge:       {Status: http.StatusBadRequest, Message: "The request was rejected because the total packed size of the session policies and session tags combined was too large.", When: "the session policies are over the packed size limit"},
	InvalidParameterValue:      {Status: http.StatusBadRequest, Message: "An invalid or out-of-range value was supplied for the input parameter.", When: "a parameter selects a feature signet does not implement (session tags, MFA, provided contexts)"},
	InternalFailure:            {Status: http.StatusInternalServerError, Message: msgInternalFailure, When: "signet fails unexpectedly; the cause is logged with the request ID"},
	MissingAction:              {Status: http.StatusBadRequest, Message: "The request is missing an action or a required parameter.", When: "the call names no Action"},
	InvalidAction:              {Status: http.StatusBadRequest, Message: "The action or operation requested is invalid.", When: "the action is not one signet serves, or the Version is not 2011-06-15"},
	MissingAuthenticationToken: {Status: http.StatusForbidden, Message: "Request is missing Authentication Token", When: "the call is not signed"},
	ServiceUnavailable:         {Status: http.StatusServiceUnavailable, Message: awsquery.MsgServiceUnavailable, When: "a node on the PostgreSQL engine cannot reach the database, or cannot vouch for its caches (its change feed is down), for anything the call needs: it refuses rather than guess"},
}}

// err is an error with code c, its status, and msg.
func (c Code) err(msg string) *awsquery.Error { return codes.Err(c, msg) }

// msgInternalFailure is STS's text for a fault of its own.
const msgInternalFailure = "The request processing has failed because of an unknown error."

// kindCodes is the one table from domain error kinds to STS's codes.
// KindNotFound is signet's own session management and never meant for
// STS's wire: should one reach it, it is a fault of signet's, answered as
// InternalFailure and logged.
var kindCodes = map[sts.Kind]Code{
	sts.KindValidation:           ValidationError,
	sts.KindAccessDenied:         AccessDenied,
	sts.KindNotFound:             InternalFailure,
	sts.KindMalformedPolicy:      MalformedPolicyDocument,
	sts.KindPackedPolicyTooLarge: PackedPolicyTooLarge,
}

// reasonMessages is the one table of STS's wire messages for the domain's
// errors: each reason's text, made from the error's facts, as AWS writes
// it. The reasons of a kind answered as InternalFailure have none: their
// facts stay in the log.
var reasonMessages = map[sts.Reason]func(e *sts.Error) string{
	sts.ReasonConstraint:     func(e *sts.Error) string { return awsquery.ValidationMessage(e.Violations...) },
	sts.ReasonMaxSession:     fixed("The requested DurationSeconds exceeds the MaxSessionDuration set for this role."),
	sts.ReasonChainedSession: fixed("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."),
	sts.ReasonInvalidRoleARN: fixed("Request ARN is invalid"),
	sts.ReasonRootAssumeRole: fixed("Roles may not be assumed by root accounts."),
	sts.ReasonNotAuthorized: func(e *sts.Error) string {
		return "User: " + e.Caller + " is not authorized to perform: " + e.Action + " on resource: " + e.Resource
	},
	sts.ReasonSessionCredentials: func(e *sts.Error) string { return "Cannot call " + e.Action + " with session credentials" },
	// The policy package words its complaints as AWS does.
	sts.ReasonPolicySyntax: func(e *sts.Error) string { return e.Problem },
	sts.ReasonPolicyNotAttachable: func(e *sts.Error) string {
		return "Policy " + e.Name + " does not exist or is not attachable."
	},
	sts.ReasonPackedPolicyTooLarge: func(e *sts.Error) string {
		return "Packed policy consumes " + strconv.Itoa(e.Percent) + "% of allotted space, please use smaller policy for this request."
	},
}

func fixed(msg string) func(*sts.Error) string { return func(*sts.Error) string { return msg } }

// domainError is the answer to a domain error: its kind's code with its
// reason's message; false for an error outside the tables, or one that
// is signet's fault.
func domainError(e *sts.Error) (*awsquery.Error, bool) {
	code, ok := kindCodes[e.Kind]
	msg := reasonMessages[e.Reason]
	if !ok || msg == nil || code == InternalFailure {
		return nil, false
	}
	return code.err(msg(e)), true
}

// internalFailure is the answer to anything unmapped.
func internalFailure() *awsquery.Error { return InternalFailure.err(msgInternalFailure) }

// ErrorDocs describes every code STS answers with, for docs/errors.md.
func ErrorDocs() []errdoc.Code { return codes.Docs() }
