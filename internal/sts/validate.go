package sts

import (
	"errors"
	"regexp"
	"signet/internal/iam"
	"strconv"
	"strings"
	"unicode/utf8"

	"signet/internal/meta"
	"signet/internal/principal"
)

// Duration limits in seconds (STS API reference and the botocore model).
const (
	MinDuration = 900 // every operation

	// AssumeRole: the model allows up to 43200; the role's
	// MaxSessionDuration is the real bound.
	AssumeRoleModelMax = 43200
	AssumeRoleDefault  = 3600
	// ChainedMax caps a role session obtained with role credentials.
	ChainedMax = 3600
	// DefaultMaxSessionDuration is a role's MaxSessionDuration when unset.
	DefaultMaxSessionDuration = 3600

	// GetSessionToken and GetFederationToken.
	TokenMax     = 129600
	TokenDefault = 43200
	// RootMax bounds sessions asked for with the root credentials; a
	// longer request gets RootMax (AWS: "defaults to one hour").
	RootMax = 3600
)

// Model constraints shared by the operations (botocore sts model).
var (
	// roleSessionNameType, sourceIdentityType, userNameType.
	namePattern = regexp.MustCompile(`^[\w+=,.@-]*$`)
	// externalIdType.
	externalIDPattern = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
	// sessionPolicyDocumentType.
	policyPattern = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{00FF}]+$`)
)

const (
	namePatternText     = `[\w+=,.@-]*`
	externalPatternText = `[\w+=,.@:/-]*`
	policyPatternText   = `[\u0009\u000A\u000D\u0020-\u00FF]+`
	// PolicyMaxLength is the plaintext limit of an inline session policy.
	PolicyMaxLength = 2048
)

// checkString reports the model constraints a string member fails, in the
// order min length, max length, pattern. required: an empty value is
// reported as null, because the Query protocol cannot tell an absent
// member from an empty one once it is a Go string.
func (v *violations) checkString(value, field string, required bool, minLen, maxLen int, pattern *regexp.Regexp, patternText string) {
	if value == "" {
		if required {
			v.null(field)
		}
		return
	}
	n := utf8.RuneCountInString(value)
	if n < minLen {
		v.add(value, field, iam.RuleMinLength, minLen, "")
	}
	if n > maxLen {
		v.add(value, field, iam.RuleMaxLength, maxLen, "")
	}
	if pattern != nil && !pattern.MatchString(value) {
		v.add(value, field, iam.RulePattern, 0, patternText)
	}
}

// checkDuration checks DurationSeconds against the model range. 0 means
// "not given" and passes.
func (v *violations) checkDuration(d, max int) {
	if d == 0 {
		return
	}
	s := strconv.Itoa(d)
	if d < MinDuration {
		v.add(s, "durationSeconds", iam.RuleMinValue, MinDuration, "")
	}
	if d > max {
		v.add(s, "durationSeconds", iam.RuleMaxValue, max, "")
	}
}

func (v *violations) checkPolicy(doc string) {
	v.checkString(doc, "policy", false, 1, PolicyMaxLength, policyPattern, policyPatternText)
}

// MaxPolicyARNs is how many managed session policies a request may pass.
const MaxPolicyARNs = 10

// policyARNPattern is PolicyDescriptorType's arnType pattern.
var policyARNPattern = regexp.MustCompile(`^[\x{0009}\x{000A}\x{000D}\x{0020}-\x{007E}\x{0085}\x{00A0}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}]+$`)

const policyARNPatternText = `[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+`

// checkPolicyARNs applies the model's constraints on PolicyArns: at most
// ten members, each arnType (20 to 2048 characters). Members are named
// as AWS's validator names list members, from 1.
func (v *violations) checkPolicyARNs(arns []string) {
	if len(arns) > MaxPolicyARNs {
		v.add("["+strings.Join(arns, ", ")+"]", "policyArns", iam.RuleMaxLength, MaxPolicyARNs, "")
	}
	for i, arn := range arns {
		field := "policyArns." + strconv.Itoa(i+1) + ".member.arn"
		v.checkString(arn, field, true, 20, 2048, policyARNPattern, policyARNPatternText)
	}
}

// ValidateAssumeRole applies the rules of AssumeRole that need neither the
// store nor the role: the model constraints, then who may assume a role at
// all, then the shape of the role ARN. The API calls it before asking the
// authoriser, so that a malformed request is refused as malformed, as AWS
// does, rather than as denied. AssumeRole calls it again.
func ValidateAssumeRole(caller principal.Principal, in AssumeRoleInput) error {
	var v violations
	v.checkString(in.RoleARN, "roleArn", true, 20, 2048, nil, "")
	v.checkString(in.RoleSessionName, "roleSessionName", true, 2, 64, namePattern, namePatternText)
	v.checkPolicyARNs(in.PolicyARNs)
	v.checkPolicy(in.Policy)
	v.checkDuration(in.DurationSeconds, AssumeRoleModelMax)
	v.checkString(in.ExternalID, "externalId", false, 2, 1224, externalIDPattern, externalPatternText)
	v.checkString(in.SourceIdentity, "sourceIdentity", false, 2, 64, namePattern, namePatternText)
	if err := v.err(); err != nil {
		return err
	}
	if caller.IsRoot {
		return newError(ReasonRootAssumeRole)
	}
	// Federated-user credentials may call no STS action but
	// GetCallerIdentity.
	if caller.SessionKind == principal.SessionFederated {
		return NotAuthorized(caller.ARN, "sts:AssumeRole", in.RoleARN)
	}
	_, err := parseRoleARN(in.RoleARN)
	if err == errNotRoleARN {
		return newError(ReasonInvalidRoleARN)
	}
	if err != nil {
		// Not an ARN at all: AWS answers as for a role that does not
		// exist (seen for "arn:aws:iam:ACCT:role/x", one colon short).
		return NotAuthorized(caller.ARN, "sts:AssumeRole", in.RoleARN)
	}
	return nil
}

// ValidateFederationToken applies the rules of GetFederationToken that need
// no store: the model constraints, then the refusal of temporary
// credentials. The API calls it before asking the authoriser about the
// federated user's ARN, which is built from name.
func ValidateFederationToken(caller principal.Principal, name, policyDoc string, durationSeconds int, policyARNs ...string) error {
	var v violations
	v.checkString(name, "name", true, 2, 32, namePattern, namePatternText)
	v.checkPolicy(policyDoc)
	v.checkPolicyARNs(policyARNs)
	v.checkDuration(durationSeconds, TokenMax)
	if err := v.err(); err != nil {
		return err
	}
	if caller.Temporary() {
		return sessionCredentials("GetFederationToken")
	}
	return nil
}

// ValidateSessionToken applies the rules of GetSessionToken.
func ValidateSessionToken(caller principal.Principal, durationSeconds int) error {
	var v violations
	v.checkDuration(durationSeconds, TokenMax)
	if err := v.err(); err != nil {
		return err
	}
	if caller.Temporary() {
		return sessionCredentials("GetSessionToken")
	}
	return nil
}

// tokenDuration picks the lifetime of a GetSessionToken or
// GetFederationToken session: users get what they ask for (default 12 h);
// root gets at most one hour, and a longer request is quietly shortened
// rather than refused, as AWS documents.
func tokenDuration(caller principal.Principal, d int) int {
	if caller.IsRoot {
		if d == 0 || d > RootMax {
			return RootMax
		}
		return d
	}
	if d == 0 {
		return TokenDefault
	}
	return d
}

// roleARN is a parsed arn:aws:iam::ACCT:role{path}{name}.
type roleARN struct {
	Account string
	Path    string // "/" or "/a/b/"
	Name    string
}

var (
	errNotARN     = errors.New("sts: not an ARN")
	errNotRoleARN = errors.New("sts: not an IAM role's ARN")
)

// parseRoleARN splits a role ARN. errNotARN: not six colon-separated
// parts starting with "arn"; errNotRoleARN: an ARN, but not an IAM role's.
func parseRoleARN(s string) (roleARN, error) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" {
		return roleARN{}, errNotARN
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if parts[2] != "iam" || parts[3] != "" || !ok || res == "" || strings.HasSuffix(res, "/") {
		return roleARN{}, errNotRoleARN
	}
	i := strings.LastIndexByte(res, '/')
	return roleARN{Account: parts[4], Path: "/" + res[:i+1], Name: res[i+1:]}, nil
}

// RoleARN is the ARN of role r in account: arn:aws:iam::ACCT:role{path}{name}.
func RoleARN(account string, r meta.Role) string {
	return iam.EntityARN(account, "role", r.Path, r.Name)
}

func normPath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
