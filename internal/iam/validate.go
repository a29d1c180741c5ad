package iam

import (
	"errors"
	"fmt"
	"regexp"
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

// validation is the model-constraint error, in the words AWS uses for
// every Query service.
func validation(value, field, constraint string) *Error {
	return errorf(KindValidation, "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", EchoValue(value), field, constraint)
}

func tooLong(value, field string, max int) *Error {
	return validation(value, field, fmt.Sprintf("Member must have length less than or equal to %d", max))
}

func tooShort(value, field string) *Error {
	return validation(value, field, "Member must have length greater than or equal to 1")
}

// validateName checks a user, role or policy name. A name with a
// character outside the pattern gets IAM's own sentence rather than the
// model's regular expression.
func validateName(name, field string, max int) error {
	switch {
	case name == "":
		return tooShort(name, field)
	case len(name) > max:
		return tooLong(name, field, max)
	case !namePattern.MatchString(name):
		return errorf(KindValidation, "The specified value for %s is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-", field)
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
		return "", errorf(KindValidation, "The specified value for %s is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.", field)
	}
	return path, nil
}

// checkDocument applies the model's constraints on a policy document.
func checkDocument(doc, field string) error {
	switch {
	case doc == "":
		return tooShort(doc, field)
	case len(doc) > maxDocument:
		return tooLong(doc, field, maxDocument)
	case !docPattern.MatchString(doc):
		return validation(doc, field, `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u00FF]+`)
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
		return nil, &Error{Kind: KindMalformedPolicyDocument, Message: msg}
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
		return validation(desc, "description", `Member must satisfy regular expression pattern: [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`)
	}
	return nil
}

func validateMaxSessionDuration(d int) error {
	switch {
	case d < MinMaxSessionDuration:
		return validation(fmt.Sprint(d), "maxSessionDuration", fmt.Sprintf("Member must have value greater than or equal to %d", MinMaxSessionDuration))
	case d > MaxMaxSessionDuration:
		return validation(fmt.Sprint(d), "maxSessionDuration", fmt.Sprintf("Member must have value less than or equal to %d", MaxMaxSessionDuration))
	}
	return nil
}

// MaxEcho is the longest value a ValidationError quotes back: longer than
// every length limit but the policy documents' (a session policy one
// character too long is still quoted whole).
const MaxEcho = 8 << 10

// EchoValue is how a ValidationError ("Value '…' at 'field' failed to
// satisfy constraint") quotes value: as it is, unless it is longer than
// MaxEcho, when it is "...", the form AWS was seen to answer a
// CloudFormation templateBody past its 51,200 characters with
// (convox/rack#549). Quoting a value of up to a megabyte (a Query body)
// whole would cost that again in the message and up to five times more
// once escaped into the XML answer, for every such request at once.
func EchoValue(value string) string {
	if len(value) > MaxEcho {
		return "..."
	}
	return value
}
