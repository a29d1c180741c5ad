package iam

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"signet/internal/meta"
	"signet/internal/principal"
)

// Kind classifies a domain error. Each kind has one wire code in iamapi's
// table.
type Kind int

const (
	KindNoSuchEntity Kind = iota + 1
	KindEntityAlreadyExists
	KindLimitExceeded
	KindDeleteConflict
	KindMalformedPolicyDocument
	KindValidation
	KindInvalidInput
	// KindForbidden: the operation is never allowed, whoever asks (an AWS
	// managed policy cannot be deleted). The wire answers it as an access
	// denial, which names the caller.
	KindForbidden
	// KindPasswordPolicyViolation: a new password breaks the account's
	// password policy (or IAM's default rules when none is set).
	KindPasswordPolicyViolation
	// KindInvalidUserType: the caller is not the kind of identity the
	// action is for (ChangePassword by anything but an IAM user).
	KindInvalidUserType

	kindEnd // one past the last kind; keep last
)

// Kinds returns every kind, so that the API's table can be checked
// against it.
func Kinds() []Kind { return Sequence(kindEnd) }

// Sequence returns 1 to end-1: the members of an enumeration declared
// with iota from 1 and closed by an end marker, so that a table keyed by
// them can be checked for completeness.
func Sequence[T ~int](end T) []T {
	s := make([]T, 0, end-1)
	for v := T(1); v < end; v++ {
		s = append(s, v)
	}
	return s
}

var kindNames = map[Kind]string{
	KindNoSuchEntity:            "NoSuchEntity",
	KindEntityAlreadyExists:     "EntityAlreadyExists",
	KindLimitExceeded:           "LimitExceeded",
	KindDeleteConflict:          "DeleteConflict",
	KindMalformedPolicyDocument: "MalformedPolicyDocument",
	KindValidation:              "ValidationError",
	KindInvalidInput:            "InvalidInput",
	KindForbidden:               "Forbidden",
	KindPasswordPolicyViolation: "PasswordPolicyViolation",
	KindInvalidUserType:         "InvalidUserType",
}

func (k Kind) String() string {
	if n, ok := kindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Reason says which rule an error breaks. It decides the error's Kind and
// which of Error's facts are set; iamapi has one message for each.
type Reason int

const (
	// KindNoSuchEntity. Name: the user, role or access key ID; for the
	// policy reasons, the policy ARN as given.
	ReasonNoSuchUser Reason = iota + 1
	ReasonNoSuchRole
	ReasonNoSuchAccessKey
	ReasonNoSuchInlinePolicy // Entity: the owner's kind; Name: the policy
	ReasonNoSuchPolicy
	ReasonPolicyNotAttachable
	ReasonNoSuchPolicyVersion // and Version
	ReasonNoSuchLoginProfile  // Name: the user
	ReasonNoPasswordPolicy    // Name: the account ID
	ReasonNoPasswordPolicyToDelete

	// KindEntityAlreadyExists. Name: the name asked for.
	ReasonUserExists
	ReasonRoleExists
	ReasonPolicyExists
	ReasonLoginProfileExists

	// KindLimitExceeded.
	ReasonInlinePolicySize // Limit, and the owner: Entity, Name
	ReasonQuota            // Quota (IAM's name for it) and Limit

	// KindDeleteConflict: what must go first.
	ReasonPolicyAttached
	ReasonUserHasAccessKeys
	ReasonHasInlinePolicies
	ReasonHasAttachedPolicies
	ReasonUserHasReferences
	ReasonUserHasLoginProfile

	// KindMalformedPolicyDocument.
	ReasonPolicySyntax     // Problem: the policy parser's complaint
	ReasonInvalidPrincipal // Name: the "AWS" principal

	// KindValidation.
	ReasonConstraint     // Violation
	ReasonNameCharacters // Field
	ReasonPathCharacters // Field

	// KindInvalidInput.
	ReasonInvalidARN // Name: the ARN

	// KindForbidden.
	ReasonAWSManagedPolicy
	ReasonWrongPassword // ChangePassword's OldPassword is not the password

	// KindPasswordPolicyViolation: the rule the password breaks.
	ReasonPasswordTooShort // Limit: the minimum length
	ReasonPasswordNeedsUppercase
	ReasonPasswordNeedsLowercase
	ReasonPasswordNeedsNumber
	ReasonPasswordNeedsSymbol
	ReasonPasswordReused // Limit: the passwords remembered
	// ReasonPasswordDefaultPolicy: IAM's default rules, which apply while
	// no policy is set (8 characters, three of the four kinds).
	ReasonPasswordDefaultPolicy

	// KindInvalidUserType.
	ReasonNotAnIAMUser

	reasonEnd // one past the last reason; keep last
)

// reasons gives each reason its kind and a few plain words for logs.
var reasons = map[Reason]struct {
	kind  Kind
	words string
}{
	ReasonNoSuchUser:          {KindNoSuchEntity, "no such user"},
	ReasonNoSuchRole:          {KindNoSuchEntity, "no such role"},
	ReasonNoSuchAccessKey:     {KindNoSuchEntity, "no such access key"},
	ReasonNoSuchInlinePolicy:  {KindNoSuchEntity, "no such inline policy"},
	ReasonNoSuchPolicy:        {KindNoSuchEntity, "no such managed policy"},
	ReasonPolicyNotAttachable: {KindNoSuchEntity, "managed policy missing or not attachable"},
	ReasonNoSuchPolicyVersion: {KindNoSuchEntity, "no such policy version"},
	ReasonUserExists:          {KindEntityAlreadyExists, "user exists"},
	ReasonRoleExists:          {KindEntityAlreadyExists, "role exists"},
	ReasonPolicyExists:        {KindEntityAlreadyExists, "managed policy exists"},
	ReasonInlinePolicySize:    {KindLimitExceeded, "inline policies over their size quota"},
	ReasonQuota:               {KindLimitExceeded, "quota exceeded"},
	ReasonPolicyAttached:      {KindDeleteConflict, "policy still attached"},
	ReasonUserHasAccessKeys:   {KindDeleteConflict, "user still has access keys"},
	ReasonHasInlinePolicies:   {KindDeleteConflict, "entity still has inline policies"},
	ReasonHasAttachedPolicies: {KindDeleteConflict, "entity still has attached policies"},
	ReasonUserHasReferences:   {KindDeleteConflict, "user still referenced"},
	ReasonPolicySyntax:        {KindMalformedPolicyDocument, "malformed policy"},
	ReasonInvalidPrincipal:    {KindMalformedPolicyDocument, "no such principal"},
	ReasonConstraint:          {KindValidation, "invalid parameter"},
	ReasonNameCharacters:      {KindValidation, "invalid characters in name"},
	ReasonPathCharacters:      {KindValidation, "invalid path"},
	ReasonInvalidARN:          {KindInvalidInput, "invalid ARN"},
	ReasonAWSManagedPolicy:    {KindForbidden, "AWS managed policies cannot be changed"},

	ReasonNoSuchLoginProfile:       {KindNoSuchEntity, "no such login profile"},
	ReasonNoPasswordPolicy:         {KindNoSuchEntity, "no account password policy"},
	ReasonNoPasswordPolicyToDelete: {KindNoSuchEntity, "no account password policy to delete"},
	ReasonLoginProfileExists:       {KindEntityAlreadyExists, "login profile exists"},
	ReasonUserHasLoginProfile:      {KindDeleteConflict, "user still has a login profile"},
	ReasonWrongPassword:            {KindForbidden, "old password incorrect"},
	ReasonPasswordTooShort:         {KindPasswordPolicyViolation, "password too short"},
	ReasonPasswordNeedsUppercase:   {KindPasswordPolicyViolation, "password lacks an uppercase letter"},
	ReasonPasswordNeedsLowercase:   {KindPasswordPolicyViolation, "password lacks a lowercase letter"},
	ReasonPasswordNeedsNumber:      {KindPasswordPolicyViolation, "password lacks a number"},
	ReasonPasswordNeedsSymbol:      {KindPasswordPolicyViolation, "password lacks a symbol"},
	ReasonPasswordReused:           {KindPasswordPolicyViolation, "password used recently"},
	ReasonPasswordDefaultPolicy:    {KindPasswordPolicyViolation, "password breaks the default policy"},
	ReasonNotAnIAMUser:             {KindInvalidUserType, "caller is not an IAM user"},
}

// Reasons returns every reason, so that the API's messages can be checked
// against it.
func Reasons() []Reason { return Sequence(reasonEnd) }

// Kind is the kind of error the reason makes.
func (r Reason) Kind() Kind { return reasons[r].kind }

func (r Reason) String() string {
	if x, ok := reasons[r]; ok {
		return x.words
	}
	return fmt.Sprintf("Reason(%d)", int(r))
}

// Error is a domain error: the rule broken (Reason, and the Kind it
// makes) and the facts the reason names.
type Error struct {
	Kind   Kind
	Reason Reason

	// Entity is the kind of entity ("user", "role") that owns an inline
	// policy.
	Entity string
	// Name names the user, role, access key, policy (by ARN) or principal.
	Name string
	// Version is a managed policy's version ID.
	Version string
	// Quota and Limit are the quota exceeded, by IAM's name, and its value.
	Quota string
	Limit int
	// Field is the parameter at fault, as the model names it.
	Field string
	// Violation is the model constraint broken (ReasonConstraint).
	Violation Violation
	// Problem is what the policy parser found (ReasonPolicySyntax).
	Problem string
}

// Error is a short line for logs; iamapi words the error for the wire.
func (e *Error) Error() string {
	parts := []string{"iam: " + e.Reason.String()}
	for _, f := range []string{e.Entity, e.Name, e.Version, e.Quota, e.Field, e.Problem} {
		if f != "" {
			parts = append(parts, f)
		}
	}
	if e.Limit != 0 {
		parts = append(parts, "limit "+strconv.Itoa(e.Limit))
	}
	if e.Reason == ReasonConstraint {
		parts = append(parts, e.Violation.String())
	}
	return strings.Join(parts, " ")
}

// newError is an error for reason r, of r's kind; the caller adds the
// facts.
func newError(r Reason) *Error { return &Error{Kind: r.Kind(), Reason: r} }

// named is an error for reason r about the entity called name.
func named(r Reason, name string) *Error {
	e := newError(r)
	e.Name = name
	return e
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

func noSuchUser(name string) *Error         { return named(ReasonNoSuchUser, name) }
func noSuchRole(name string) *Error         { return named(ReasonNoSuchRole, name) }
func noSuchAccessKey(id string) *Error      { return named(ReasonNoSuchAccessKey, id) }
func policyNotFound(arn string) *Error      { return named(ReasonNoSuchPolicy, arn) }
func policyNotAttachable(arn string) *Error { return named(ReasonPolicyNotAttachable, arn) }

func noSuchInline(o meta.Owner, name string) *Error {
	e := named(ReasonNoSuchInlinePolicy, name)
	e.Entity = string(o.Kind)
	return e
}

// noSuchOwner is the error for a user or role that does not exist.
func noSuchOwner(o meta.Owner) *Error {
	if o.Kind == principal.OwnerRole {
		return noSuchRole(o.Name)
	}
	return noSuchUser(o.Name)
}

// quotaExceeded is the error for quota (IAM's name for it) at limit.
func quotaExceeded(quota string, limit int) *Error {
	e := newError(ReasonQuota)
	e.Quota, e.Limit = quota, limit
	return e
}

// invalidField is a ReasonNameCharacters or ReasonPathCharacters error
// about field.
func invalidField(r Reason, field string) *Error {
	e := newError(r)
	e.Field = field
	return e
}

// Rule is a kind of model constraint, as AWS's request validator checks
// them.
type Rule int

const (
	RuleNotNull Rule = iota + 1
	RuleMinLength
	RuleMaxLength
	RuleMinValue
	RuleMaxValue
	RulePattern // Set: the pattern
	RuleEnum    // Set: the values, "[A, B]"
	RuleNumber
	RuleBoolean

	ruleEnd // one past the last rule; keep last
)

var ruleNames = map[Rule]string{
	RuleNotNull: "missing", RuleMinLength: "min length", RuleMaxLength: "max length",
	RuleMinValue: "min value", RuleMaxValue: "max value", RulePattern: "pattern",
	RuleEnum: "enum", RuleNumber: "not a number", RuleBoolean: "not a boolean",
}

func (r Rule) String() string {
	if n, ok := ruleNames[r]; ok {
		return n
	}
	return "Rule(" + strconv.Itoa(int(r)) + ")"
}

// Rules returns every rule, so that the API's wording can be checked
// against it.
func Rules() []Rule { return Sequence(ruleEnd) }

// Violation is one model constraint a parameter fails: the member (as the
// model names it), the value given, and the rule with its bound or set.
// It is shared by IAM and STS, whose models are checked by the same
// validator.
type Violation struct {
	Field string
	Value string
	// Sensitive hides Value: AWS never echoes a sensitive member (a
	// password) in its validation message.
	Sensitive bool
	Rule      Rule
	Limit     int
	Set       string
}

// String is a short line for logs; it leaves out the value, which may be
// a whole policy document.
func (v Violation) String() string {
	s := v.Field + ": " + v.Rule.String()
	switch v.Rule {
	case RuleMinLength, RuleMaxLength, RuleMinValue, RuleMaxValue:
		s += " " + strconv.Itoa(v.Limit)
	}
	return s
}
