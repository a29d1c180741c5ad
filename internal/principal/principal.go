// Package principal owns the words for who calls: the Principal that
// signed a request, how its temporary credentials were obtained
// (SessionKind), the status of an access key (KeyStatus) and the kinds of
// identity that hold policies (OwnerKind). It depends on the standard
// library alone, so the packages that issue and store identities (sts,
// meta) share these words with authentication without pulling in HTTP or
// the signers.
package principal

import (
	"strings"
	"time"
)

// SessionKind says how temporary credentials were obtained. A session
// record's Kind is its Principal's SessionKind.
type SessionKind string

// Session kinds.
const (
	SessionAssumedRole SessionKind = "assumed-role"   // sts:AssumeRole
	SessionToken       SessionKind = "session-token"  // sts:GetSessionToken
	SessionFederated   SessionKind = "federated-user" // sts:GetFederationToken
)

// ConsoleSessionName is the SessionName of a session-token session opened
// by signing in to the web console. GetSessionToken itself names no
// session, so no API caller can give one this name. Like AWS's console
// sign-in sessions, and unlike GetSessionToken credentials without MFA,
// IAM serves it: the console's administrators' pages call IAM with it.
const ConsoleSessionName = "signet-console"

// KeyStatus is the status of a long-term access key, spelled as IAM
// spells it.
type KeyStatus string

// Access key statuses.
const (
	KeyActive   KeyStatus = "Active"
	KeyInactive KeyStatus = "Inactive"
)

// OwnerKind names the kind of identity that owns inline policies and
// managed policy attachments.
type OwnerKind string

// Owner kinds.
const (
	OwnerUser OwnerKind = "user"
	OwnerRole OwnerKind = "role"
)

// Principal is the identity that signed a request.
type Principal struct {
	AccessKeyID string
	// ARN is the caller as GetCallerIdentity names it: a user, the root
	// (arn:aws:iam::ACCT:root), an assumed-role session or a federated user.
	ARN string
	// UserID is aws:userid: the user's ID, ROLEID:SESSION, ACCT:NAME, or
	// the account ID for root.
	UserID string
	// UserName is the IAM user behind the credentials: the user itself, or
	// the user whose keys obtained a session-token or federated session
	// ("" for root and for role sessions).
	UserName string
	IsRoot   bool
	Account  string

	// The fields below are set for temporary credentials only.

	// SessionKind is one of the Session* constants; "" for long-term keys.
	SessionKind SessionKind
	RoleName    string
	RoleARN     string // arn:aws:iam::ACCT:role/PATH/NAME
	SessionName string
	// TokenIssued is aws:TokenIssueTime.
	TokenIssued time.Time
	// SessionPolicy is the inline session policy given at issue, if any.
	SessionPolicy string
	// SessionPolicyARNs are the managed session policies given at issue.
	SessionPolicyARNs []string
}

// HasSessionPolicies reports whether the session was narrowed at issue by
// an inline or a managed session policy.
func (p Principal) HasSessionPolicies() bool {
	return p.SessionPolicy != "" || len(p.SessionPolicyARNs) > 0
}

// Temporary reports whether the principal signs with STS credentials.
func (p Principal) Temporary() bool { return p.SessionKind != "" }

// PrincipalARN is aws:PrincipalArn: the role's ARN for a role session,
// otherwise the caller's ARN.
func (p Principal) PrincipalARN() string {
	if p.SessionKind == SessionAssumedRole && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// UniqueID is the AIDA… ID of a user (its keys and session tokens) or the
// AROA… ID of a role session's role; "" for root and federated users.
func (p Principal) UniqueID() string {
	switch p.SessionKind {
	case SessionAssumedRole:
		if id, _, _ := strings.Cut(p.UserID, ":"); strings.HasPrefix(id, "AROA") {
			return id
		}
	case "", SessionToken:
		if !p.IsRoot && strings.HasPrefix(p.UserID, "AIDA") {
			return p.UserID
		}
	}
	return ""
}
