package iam

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"signet/internal/policy"
)

// Constraints of the IAM API model (botocore's iam/2010-05-08 shapes).
var (
	// userNameType, roleNameType, policyNameType: [\w+=,.@-]+
	namePattern = regexp.MustCompile(`^[\w+=,.@-]+$`)
	// pathType: (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
	pathPattern = regexp.MustCompile(`^(/|/[\x21-\x7E]+/)$`)
	// policyDocumentType: [\u0009\u000A\u000D\u0020-\u00FF]+
	docPattern = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`)
	// roleDescriptionType: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*
	descPattern = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{00A1}-\x{00FF}]*$`)
)

// Limits from the model and from IAM's quotas.
const (
	maxUserName        = 64
	maxRoleName        = 64
	maxPolicyName      = 128
	maxPath            = 512
	maxDocument        = 131072 // policyDocumentType max length
	maxRoleDescription = 1000
	maxPolicyDesc      = 1000

	// Quotas on policy sizes, in characters not counting white space
	// ("IAM and AWS STS quotas"): the sum of a user's inline policies, the
	// sum of a role's inline policies, one managed policy, and a role's
	// trust policy.
	UserInlineQuota   = 2048
	RoleInlineQuota   = 10240
	ManagedQuota      = 6144
	TrustPolicyQuota  = 2048
	AccessKeysPerUser = 2
	// Managed policies attached to one user or role (the default quota).
	AttachedPerEntity = 10

	MinMaxSessionDuration     = 3600
	MaxMaxSessionDuration     = 43200
	DefaultMaxSessionDuration = 3600
)

// violated is the error for a model constraint broken.
func violated(v Violation) *Error {
	e := newError(ReasonConstraint)
	e.Violation = v
	return e
}

func tooLong(value, field string, max int) *Error {
	return violated(Violation{Field: field, Value: value, Rule: RuleMaxLength, Limit: max})
}

func tooShort(value, field string, min int) *Error {
	return violated(Violation{Field: field, Value: value, Rule: RuleMinLength, Limit: min})
}

func badPattern(value, field, pattern string) *Error {
	return violated(Violation{Field: field, Value: value, Rule: RulePattern, Set: pattern})
}

// validateName checks a user, role or policy name. A name with a
// character outside the pattern gets IAM's own sentence rather than the
// model's regular expression.
func validateName(name, field string, max int) error {
	switch {
	case name == "":
		return tooShort(name, field, 1)
	case len(name) > max:
		return tooLong(name, field, max)
	case !namePattern.MatchString(name):
		return invalidField(ReasonNameCharacters, field)
	}
	return nil
}

func validateUserName(name, field string) error { return validateName(name, field, maxUserName) }
func validateRoleName(name, field string) error { return validateName(name, field, maxRoleName) }
func validatePolicyName(name, field string) error {
	return validateName(name, field, maxPolicyName)
}

// normalPath returns path, "/" when empty, or IAM's error.
func normalPath(path, field string) (string, error) {
	switch {
	case path == "":
		return "/", nil
	case len(path) > maxPath:
		return "", tooLong(path, field, maxPath)
	case !pathPattern.MatchString(path):
		return "", invalidField(ReasonPathCharacters, field)
	}
	return path, nil
}

// checkDocument applies the model's constraints on a policy document.
func checkDocument(doc, field string) error {
	switch {
	case doc == "":
		return tooShort(doc, field, 1)
	case len(doc) > maxDocument:
		return tooLong(doc, field, maxDocument)
	case !docPattern.MatchString(doc):
		return badPattern(doc, field, `[\u0009\u000A\u000D\u0020-\u00FF]+`)
	}
	return nil
}

// parseDocument validates a policy document of the given kind, turning
// the policy package's complaint into MalformedPolicyDocument with its
// message.
func parseDocument(kind policy.Kind, doc string) (*policy.Document, error) {
	d, err := policy.Parse(kind, []byte(doc))
	if err == nil {
		return d, nil
	}
	if errors.Is(err, policy.ErrMalformed) {
		// The error text is the user-facing message; a bare wrap of the
		// sentinel would prefix it with the sentinel's own text.
		msg := strings.TrimPrefix(err.Error(), policy.ErrMalformed.Error()+": ")
		e := newError(ReasonPolicySyntax)
		e.Problem = msg
		return nil, e
	}
	return nil, err
}

// PolicySize is the size of a policy document as IAM's quotas count it:
// characters, not counting white space.
func PolicySize(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

func validateDescription(desc string, max int) error {
	switch {
	case len([]rune(desc)) > max:
		return tooLong(desc, "description", max)
	case !descPattern.MatchString(desc):
		return badPattern(desc, "description", `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
	}
	return nil
}

func validateMaxSessionDuration(d int) error {
	switch {
	case d < MinMaxSessionDuration:
		return violated(Violation{Field: "maxSessionDuration", Value: strconv.Itoa(d), Rule: RuleMinValue, Limit: MinMaxSessionDuration})
	case d > MaxMaxSessionDuration:
		return violated(Violation{Field: "maxSessionDuration", Value: strconv.Itoa(d), Rule: RuleMaxValue, Limit: MaxMaxSessionDuration})
	}
	return nil
}
