package policy

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The messages below are AWS's own wording where it is known (IAM's
// MalformedPolicyDocument texts for identity, trust and session policies;
// S3's MalformedPolicy texts for bucket policies), so a client sees what
// it would see from AWS.
const (
	msgSyntax             = "Syntax errors in policy."
	msgTooLarge           = "Policy document exceeds the maximum size of 131072 bytes."
	msgTooDeep            = "Policy document is nested deeper than 64 levels."
	msgMissingStatement   = "Missing required field Statement"
	msgMissingEffect      = "Missing required field Effect"
	msgMissingPrincipal   = "Missing required field Principal"
	msgForbiddenPrincipal = "Policy document should not specify a principal."
	msgNoActions          = "Policy statement must contain actions."
	msgNoResources        = "Policy statement must contain resources."
	msgVendor             = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
	msgOneColon           = "Actions/Condition can contain only one colon."
	msgVendorWildcard     = "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards."
	msgSidAlnum           = "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
	msgSidUnique          = "Statement IDs (SID) in a single policy must be unique."
	msgS3Action           = "Policy has invalid action"
	msgS3Resource         = "Policy has invalid resource"
	msgS3Principal        = "Invalid principal in policy"
	msgS3ConditionKey     = "Policy has an invalid condition key"
	msgBothAction         = "Policy statement must not contain both Action and NotAction."
	msgBothResource       = "Policy statement must not contain both Resource and NotResource."
	msgBothPrincipal      = "Policy statement must not contain both Principal and NotPrincipal."
	msgConditionObject    = "Condition must be an object mapping operators to condition keys."
)

// malformed is the error Parse returns: its text is shown to the user as
// is, and errors.Is(err, ErrMalformed) holds.
type malformed struct{ msg string }

func (e *malformed) Error() string { return e.msg }
func (e *malformed) Unwrap() error { return ErrMalformed }

func errMsg(msg string) error { return &malformed{msg: msg} }

func errf(format string, args ...any) error {
	return &malformed{msg: fmt.Sprintf(format, args...)}
}

// echo bounds user-supplied text quoted back in an error, so a hostile
// 128 KiB value does not come back in full.
func echo(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func isAlnum(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0
}
