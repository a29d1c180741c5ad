package inspect

import (
	"fmt"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
)

// StatementPhrase names a policy statement: its Sid (or position), its
// policy and the policy's kind.
func StatementPhrase(s *adminwire.Statement) string {
	which := fmt.Sprintf("statement #%d", s.Index)
	if s.Sid != "" {
		which = fmt.Sprintf("statement %q (#%d)", s.Sid, s.Index)
	}
	kind := map[string]string{
		"identity": "identity policy", "session": "session policy",
		"resource": "bucket policy", "trust": "trust policy",
	}[s.Kind]
	if kind == "" {
		kind = "policy"
	}
	return fmt.Sprintf("%s of the %s %q", which, kind, s.Policy)
}

// PrincipalPhrase names the identity that signed a URL.
func PrincipalPhrase(p *adminwire.Principal) string {
	var s string
	switch p.Type {
	case "root":
		s = "the account's root user"
	case "user":
		s = "IAM user " + p.UserName
	case "assumed-role":
		s = "role " + p.RoleName
		if p.SessionName != "" {
			s += ", session " + p.SessionName
		}
	case "federated-user":
		s = "federated user"
		if p.SessionName != "" {
			s += " " + p.SessionName
		} else if p.UserName != "" {
			s += " " + p.UserName
		}
	case "session-token":
		who := "the root user"
		if p.UserName != "" {
			who = "user " + p.UserName
		}
		s = "a GetSessionToken session of " + who
	default:
		s = p.Type
	}
	if p.ARN != "" {
		s += " (" + p.ARN + ")"
	}
	return s
}

// SessionPoliciesPhrase says how a session's policies narrow it, or ""
// when they do not apply: only role and federated-user sessions have them,
// and a federated user without any may do nothing at all.
func SessionPoliciesPhrase(p *adminwire.Principal) string {
	var names []string
	if p.SessionPolicy != "" {
		names = append(names, "an inline policy")
	}
	names = append(names, p.SessionPolicyARNs...)
	switch {
	case len(names) > 0:
		return strings.Join(names, ", ") + ": the session may do only what these allow and its " + identityOf(p) + " allow too"
	case p.Type == "federated-user":
		return "none: a federated user given no session policy may do nothing"
	}
	return ""
}

// identityOf names the identity policies a session's policies narrow.
func identityOf(p *adminwire.Principal) string {
	if p.Type == "assumed-role" {
		return "role's policies"
	}
	return "user's policies"
}

// CredentialPhrase describes the signing key as the server knows it, with
// times relative to the server's now.
func CredentialPhrase(c *adminwire.ExplainCredential, now time.Time) string {
	parts := []string{}
	if c.Kind != "" {
		parts = append(parts, c.Kind)
	}
	if c.Status != "" {
		parts = append(parts, strings.ReplaceAll(c.Status, "_", " "))
	}
	if c.UserName != "" {
		parts = append(parts, "user "+c.UserName)
	}
	if c.Issued != nil {
		parts = append(parts, "issued "+stamp(*c.Issued))
	}
	if c.Expires != nil {
		verb := "expires"
		if !c.Expires.After(now) {
			verb = "expired"
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", verb, stamp(*c.Expires), relative(*c.Expires, now)))
	}
	if c.TerminatedAt != nil {
		parts = append(parts, fmt.Sprintf("terminated %s (%s)", stamp(*c.TerminatedAt), relative(*c.TerminatedAt, now)))
	}
	if c.DeletedAt != nil {
		parts = append(parts, fmt.Sprintf("deleted %s (%s)", stamp(*c.DeletedAt), relative(*c.DeletedAt, now)))
	}
	return c.AccessKeyID + ": " + strings.Join(parts, ", ")
}

// relative says "in 3h12m" or "2d4h ago".
func relative(t, now time.Time) string {
	if t.After(now) {
		return "in " + duration.Human(t.Sub(now))
	}
	return duration.Human(now.Sub(t)) + " ago"
}
