package sts

import (
	"strconv"
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

	kindEnd // one past the last kind; keep last
)

// Kinds returns every kind, so that the API's table can be checked
// against it.
func Kinds() []Kind { return iam.Sequence(kindEnd) }

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

// Reason says which rule an error breaks. It decides the error's Kind and
// which of Error's facts are set; stsapi has one message for each.
type Reason int

const (
	// KindValidation.
	ReasonConstraint     Reason = iota + 1 // Violations, in AWS's order
	ReasonMaxSession                       // over the role's MaxSessionDuration
	ReasonChainedSession                   // over the 1 h of role chaining
	ReasonInvalidRoleARN                   // an ARN, but not a role's

	// KindAccessDenied.
	ReasonRootAssumeRole     // root may not assume a role
	ReasonNotAuthorized      // Caller may not perform Action on Resource
	ReasonSessionCredentials // Action may not be called with temporary credentials

	// KindNotFound. Name: the role ARN or the access key ID.
	ReasonNoSuchRole
	ReasonNoSuchSession

	// KindMalformedPolicy.
	ReasonPolicySyntax        // Problem: the policy parser's complaint
	ReasonPolicyNotAttachable // Name: the managed policy's ARN

	// KindPackedPolicyTooLarge.
	ReasonPackedPolicyTooLarge // Percent

	reasonEnd // one past the last reason; keep last
)

// reasons gives each reason its kind and a few plain words for logs.
var reasons = map[Reason]struct {
	kind  Kind
	words string
}{
	ReasonConstraint:           {KindValidation, "invalid parameters"},
	ReasonMaxSession:           {KindValidation, "duration over the role's maximum"},
	ReasonChainedSession:       {KindValidation, "duration over the role-chaining limit"},
	ReasonInvalidRoleARN:       {KindValidation, "not a role ARN"},
	ReasonRootAssumeRole:       {KindAccessDenied, "root may not assume roles"},
	ReasonNotAuthorized:        {KindAccessDenied, "not authorized"},
	ReasonSessionCredentials:   {KindAccessDenied, "not with session credentials"},
	ReasonNoSuchRole:           {KindNotFound, "no such role"},
	ReasonNoSuchSession:        {KindNotFound, "no such session"},
	ReasonPolicySyntax:         {KindMalformedPolicy, "malformed session policy"},
	ReasonPolicyNotAttachable:  {KindMalformedPolicy, "no such managed session policy"},
	ReasonPackedPolicyTooLarge: {KindPackedPolicyTooLarge, "session policies too large"},
}

// Reasons returns every reason, so that the API's messages can be checked
// against it.
func Reasons() []Reason { return iam.Sequence(reasonEnd) }

// Kind is the kind of error the reason makes.
func (r Reason) Kind() Kind { return reasons[r].kind }

func (r Reason) String() string {
	if x, ok := reasons[r]; ok {
		return x.words
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Error is a domain error of the sts package: the rule broken (Reason,
// and the Kind it makes) and the facts the reason names. stsapi words it
// as AWS does.
type Error struct {
	Kind   Kind
	Reason Reason

	// Violations are the model constraints broken (ReasonConstraint).
	Violations []iam.Violation
	// Caller, Action and Resource: who may not do what to which
	// (ReasonNotAuthorized); Action alone for ReasonSessionCredentials.
	Caller, Action, Resource string
	// Name is the role ARN, access key ID or managed policy ARN named.
	Name string
	// Problem is what the policy parser found (ReasonPolicySyntax).
	Problem string
	// Percent is how much of the packed-policy allowance the session
	// policies take (ReasonPackedPolicyTooLarge).
	Percent int
}

// Error is a short line for logs.
func (e *Error) Error() string {
	parts := []string{"sts: " + e.Reason.String()}
	for _, f := range []string{e.Caller, e.Action, e.Resource, e.Name, e.Problem} {
		if f != "" {
			parts = append(parts, f)
		}
	}
	for _, v := range e.Violations {
		parts = append(parts, v.String())
	}
	if e.Percent != 0 {
		parts = append(parts, strconv.Itoa(e.Percent)+"%")
	}
	return strings.Join(parts, " ")
}

// Is lets errors.Is match a kind sentinel (an Error without a reason)
// against any Error of that kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == 0 && t.Kind == e.Kind
}

// Kind sentinels for errors.Is.
var (
	ErrValidation           = &Error{Kind: KindValidation}
	ErrAccessDenied         = &Error{Kind: KindAccessDenied}
	ErrNotFound             = &Error{Kind: KindNotFound}
	ErrMalformedPolicy      = &Error{Kind: KindMalformedPolicy}
	ErrPackedPolicyTooLarge = &Error{Kind: KindPackedPolicyTooLarge}
)

// newError is an error for reason r, of r's kind; the caller adds the
// facts.
func newError(r Reason) *Error { return &Error{Kind: r.Kind(), Reason: r} }

// named is an error for reason r about name.
func named(r Reason, name string) *Error {
	e := newError(r)
	e.Name = name
	return e
}

// NotAuthorized is the refusal of a caller that may not perform action on
// resource. STS gives the same answer for a role that does not exist, so
// that callers cannot probe for role names.
func NotAuthorized(callerARN, action, resource string) *Error {
	e := newError(ReasonNotAuthorized)
	e.Caller, e.Action, e.Resource = callerARN, action, resource
	return e
}

// sessionCredentials is the refusal of GetSessionToken and
// GetFederationToken called with temporary credentials.
func sessionCredentials(action string) *Error {
	e := newError(ReasonSessionCredentials)
	e.Action = action
	return e
}

// violations collects model-constraint failures in the order AWS reports
// them, to be answered together as one ValidationError, as AWS's request
// validator does.
type violations []iam.Violation

func (v *violations) add(value, field string, rule iam.Rule, limit int, set string) {
	*v = append(*v, iam.Violation{Field: field, Value: value, Rule: rule, Limit: limit, Set: set})
}

func (v *violations) null(field string) {
	*v = append(*v, iam.Violation{Field: field, Rule: iam.RuleNotNull})
}

func (v violations) err() error {
	if len(v) == 0 {
		return nil
	}
	e := newError(ReasonConstraint)
	e.Violations = v
	return e
}
