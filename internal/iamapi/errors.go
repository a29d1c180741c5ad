package iamapi

import (
	"net/http"
	"strconv"

	"signet/internal/awsquery"
	"signet/internal/errdoc"
	"signet/internal/iam"
)

// Code is an IAM error code. Every answer iamapi gives is made from one
// (Code.err), so a misspelt code does not compile.
type Code string

// IAM's error codes, as the IAM API reference names them.
const (
	NoSuchEntity               Code = "NoSuchEntity"
	EntityAlreadyExists        Code = "EntityAlreadyExists"
	LimitExceeded              Code = "LimitExceeded"
	DeleteConflict             Code = "DeleteConflict"
	MalformedPolicyDocument    Code = "MalformedPolicyDocument"
	ValidationError            Code = "ValidationError"
	InvalidInput               Code = "InvalidInput"
	AccessDenied               Code = "AccessDenied"
	InvalidClientTokenID       Code = "InvalidClientTokenId"
	ServiceFailure             Code = "ServiceFailure"
	InvalidAction              Code = "InvalidAction"
	MissingAuthenticationToken Code = "MissingAuthenticationToken"
	ServiceUnavailable         Code = "ServiceUnavailable"
	PasswordPolicyViolation    Code = "PasswordPolicyViolation"
	InvalidUserType            Code = "InvalidUserType"
)

// codes is the one table of IAM's codes: the status each is sent with,
// AWS's general message for it, and when signet sends it.
var codes = awsquery.CodeTable[Code]{API: "IAM", Rows: map[Code]awsquery.CodeSpec{
	NoSuchEntity:               {Status: http.StatusNotFound, Message: "The request was rejected because it referenced a resource entity that does not exist. The error message describes the resource.", When: "the user, role, access key, policy or policy version named does not exist"},
	EntityAlreadyExists:        {Status: http.StatusConflict, Message: "The request was rejected because it attempted to create a resource that already exists.", When: "a user, role or policy of that name exists (names match whatever their case)"},
	LimitExceeded:              {Status: http.StatusConflict, Message: "The request was rejected because it attempted to create resources beyond the current AWS account limits. The error message describes the limit exceeded.", When: "a quota is reached: access keys per user, policy sizes, policies attached"},
	DeleteConflict:             {Status: http.StatusConflict, Message: "The request was rejected because it attempted to delete a resource that has attached subordinate entities. The error message describes these entities.", When: "a user or role still has keys or policies, or a policy is still attached"},
	MalformedPolicyDocument:    {Status: http.StatusBadRequest, Message: "The request was rejected because the policy document was malformed. The error message describes the specific error.", When: "a policy document does not parse, or names a principal that does not exist"},
	ValidationError:            {Status: http.StatusBadRequest, Message: "The input fails to satisfy the constraints specified by an AWS service.", When: "a parameter breaks the model's constraints, or is missing"},
	InvalidInput:               {Status: http.StatusBadRequest, Message: "The request was rejected because an invalid or out-of-range value was supplied for an input parameter.", When: "an ARN or Marker is not valid, or a parameter selects a feature signet does not implement"},
	AccessDenied:               {Status: http.StatusForbidden, Message: "You do not have sufficient access to perform this action.", When: "no policy allows the caller the action, or the action is never allowed (deleting an AWS managed policy)"},
	InvalidClientTokenID:       {Status: http.StatusForbidden, Message: "The security token included in the request is invalid", When: "the caller signs with GetSessionToken credentials without MFA or GetFederationToken credentials, which IAM never serves"},
	ServiceFailure:             {Status: http.StatusInternalServerError, Message: "The request processing has failed because of an unknown error, exception or failure.", When: "signet fails unexpectedly; the cause is logged with the request ID"},
	InvalidAction:              {Status: http.StatusBadRequest, Message: "The action or operation requested is invalid.", When: "the action is not one signet serves, or the Version is not 2010-05-08"},
	MissingAuthenticationToken: {Status: http.StatusForbidden, Message: "Request is missing Authentication Token", When: "the call is not signed"},
	PasswordPolicyViolation:    {Status: http.StatusBadRequest, Message: "The request was rejected because the provided password did not meet the requirements imposed by the account password policy.", When: "a new password (CreateLoginProfile, UpdateLoginProfile, ChangePassword) breaks the account's password policy, or IAM's default rules when none is set, or is one of the last PasswordReusePrevention"},
	InvalidUserType:            {Status: http.StatusBadRequest, Message: "The request was rejected because the type of user for the transaction was incorrect.", When: "ChangePassword is called by root or with temporary credentials rather than by an IAM user's own keys"},
	ServiceUnavailable:         {Status: http.StatusServiceUnavailable, Message: awsquery.MsgServiceUnavailable, When: "a node on the PostgreSQL engine cannot reach the database, or cannot vouch for its caches (its change feed is down), for anything the call needs: it refuses rather than guess"},
}}

// err is an error with code c, its status, and msg.
func (c Code) err(msg string) *awsquery.Error { return codes.Err(c, msg) }

// kindCodes is the one table from domain error kinds to IAM's codes.
// KindForbidden is an access denial, which names the caller (see
// reasonMessages).
var kindCodes = map[iam.Kind]Code{
	iam.KindNoSuchEntity:            NoSuchEntity,
	iam.KindEntityAlreadyExists:     EntityAlreadyExists,
	iam.KindLimitExceeded:           LimitExceeded,
	iam.KindDeleteConflict:          DeleteConflict,
	iam.KindMalformedPolicyDocument: MalformedPolicyDocument,
	iam.KindValidation:              ValidationError,
	iam.KindInvalidInput:            InvalidInput,
	iam.KindForbidden:               AccessDenied,
	iam.KindPasswordPolicyViolation: PasswordPolicyViolation,
	iam.KindInvalidUserType:         InvalidUserType,
}

// reasonMessages is the one table of IAM's wire messages for the domain's
// errors: each reason's text, made from the error's facts, as IAM writes
// it. q is the call, for the messages that name the caller.
var reasonMessages = map[iam.Reason]func(q *call, e *iam.Error) string{
	iam.ReasonNoSuchUser: func(_ *call, e *iam.Error) string { return "The user with name " + e.Name + " cannot be found." },
	iam.ReasonNoSuchRole: func(_ *call, e *iam.Error) string { return "The role with name " + e.Name + " cannot be found." },
	// IAM's text has no final period here.
	iam.ReasonNoSuchAccessKey: func(_ *call, e *iam.Error) string { return "The Access Key with id " + e.Name + " cannot be found" },
	iam.ReasonNoSuchInlinePolicy: func(_ *call, e *iam.Error) string {
		return "The " + e.Entity + " policy with name " + e.Name + " cannot be found."
	},
	iam.ReasonNoSuchPolicy: func(_ *call, e *iam.Error) string { return "Policy " + e.Name + " was not found." },
	iam.ReasonPolicyNotAttachable: func(_ *call, e *iam.Error) string {
		return "Policy " + e.Name + " does not exist or is not attachable."
	},
	iam.ReasonNoSuchPolicyVersion: func(_ *call, e *iam.Error) string {
		return "Policy " + e.Name + " version " + e.Version + " does not exist or is not attachable."
	},
	iam.ReasonUserExists: func(_ *call, e *iam.Error) string { return "User with name " + e.Name + " already exists." },
	iam.ReasonRoleExists: func(_ *call, e *iam.Error) string { return "Role with name " + e.Name + " already exists." },
	iam.ReasonPolicyExists: func(_ *call, e *iam.Error) string {
		return "A policy called " + e.Name + " already exists. Duplicate names are not allowed."
	},
	iam.ReasonInlinePolicySize: func(_ *call, e *iam.Error) string {
		return "Maximum policy size of " + strconv.Itoa(e.Limit) + " bytes exceeded for " + e.Entity + " " + e.Name
	},
	iam.ReasonQuota: func(_ *call, e *iam.Error) string {
		return "Cannot exceed quota for " + e.Quota + ": " + strconv.Itoa(e.Limit)
	},
	iam.ReasonPolicyAttached:      fixed("Cannot delete a policy attached to entities."),
	iam.ReasonUserHasAccessKeys:   fixed("Cannot delete entity, must delete access keys first."),
	iam.ReasonHasInlinePolicies:   fixed("Cannot delete entity, must delete policies first."),
	iam.ReasonHasAttachedPolicies: fixed("Cannot delete entity, must detach all policies first."),
	iam.ReasonUserHasReferences:   fixed("Cannot delete entity, must remove referenced objects first."),
	// The policy package words its complaints as IAM does.
	iam.ReasonPolicySyntax:     func(_ *call, e *iam.Error) string { return e.Problem },
	iam.ReasonInvalidPrincipal: func(_ *call, e *iam.Error) string { return `Invalid principal in policy: "AWS":"` + e.Name + `"` },
	iam.ReasonConstraint:       func(_ *call, e *iam.Error) string { return awsquery.ValidationMessage(e.Violation) },
	iam.ReasonNameCharacters: func(_ *call, e *iam.Error) string {
		return "The specified value for " + e.Field + " is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
	},
	iam.ReasonPathCharacters: func(_ *call, e *iam.Error) string {
		return "The specified value for " + e.Field + " is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
	},
	iam.ReasonInvalidARN: func(_ *call, e *iam.Error) string { return "ARN " + e.Name + " is not valid." },
	// Never allowed, whoever asks: IAM answers as for any denial of the
	// caller, without the "because no policy allows" clause.
	iam.ReasonAWSManagedPolicy: func(q *call, _ *iam.Error) string { return q.accessDenied(q.resource, false).Message },

	iam.ReasonNoSuchLoginProfile: func(_ *call, e *iam.Error) string { return "Login Profile for User " + e.Name + " cannot be found." },
	iam.ReasonNoPasswordPolicy: func(_ *call, e *iam.Error) string {
		return "The Password Policy with domain name " + e.Name + " cannot be found."
	},
	iam.ReasonNoPasswordPolicyToDelete: fixed("The account policy with name PasswordPolicy cannot be found."),
	iam.ReasonLoginProfileExists: func(_ *call, e *iam.Error) string {
		return "Login Profile for user " + e.Name + " already exists."
	},
	iam.ReasonUserHasLoginProfile: fixed("Cannot delete entity, must delete login profile first."),
	iam.ReasonWrongPassword:       fixed("The old password is incorrect."),
	iam.ReasonPasswordTooShort: func(_ *call, e *iam.Error) string {
		return "Password should have a minimum length of " + strconv.Itoa(e.Limit)
	},
	iam.ReasonPasswordNeedsUppercase: fixed("Password should have at least one uppercase letter"),
	iam.ReasonPasswordNeedsLowercase: fixed("Password should have at least one lowercase letter"),
	iam.ReasonPasswordNeedsNumber:    fixed("Password should have at least one number"),
	iam.ReasonPasswordNeedsSymbol:    fixed("Password should have at least one symbol"),
	iam.ReasonPasswordReused: func(_ *call, e *iam.Error) string {
		return "Password should not be one of the last " + strconv.Itoa(e.Limit) + " passwords used"
	},
	iam.ReasonPasswordDefaultPolicy: fixed("Password does not conform to the account password policy."),
	iam.ReasonNotAnIAMUser:          fixed("The request was rejected because the type of user for the transaction was incorrect."),
}

func fixed(msg string) func(*call, *iam.Error) string {
	return func(*call, *iam.Error) string { return msg }
}

// domainError is the answer to a domain error: its kind's code with its
// reason's message; false for an error outside the tables.
func (q *call) domainError(e *iam.Error) (*awsquery.Error, bool) {
	code, ok := kindCodes[e.Kind]
	msg := reasonMessages[e.Reason]
	if !ok || msg == nil {
		return nil, false
	}
	return code.err(msg(q, e)), true
}

// ErrorDocs describes every code IAM answers with, for docs/errors.md.
func ErrorDocs() []errdoc.Code { return codes.Docs() }
