package inspect

import (
	"fmt"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/duration"
)

// ServerSentence explains the server's reason code in one sentence, from
// the explanation's fields (names, times, the statement), so that every
// reason reads the same whatever the server's own message says. signedAt
// is the URL's X-Amz-Date (zero when unknown), which the explanation does
// not repeat.
func ServerSentence(e *adminwire.Explanation, signedAt time.Time) string {
	c := e.Credential
	if c == nil {
		c = &adminwire.ExplainCredential{}
	}
	keyID := c.AccessKeyID
	if keyID == "" {
		keyID = "that signed the URL"
	}
	switch e.Reason {
	case adminwire.ReasonValid:
		s := "The signature matches, the credential is active"
		if e.Action != "" {
			s += " and policy allows " + e.Action
			if e.Resource != "" {
				s += " on " + e.Resource
			}
		}
		if e.EffectiveExpiresAt != nil {
			s += fmt.Sprintf("; it works for another %s, until %s (%s).", duration.Human(e.EffectiveExpiresAt.Sub(e.Now)), stamp(*e.EffectiveExpiresAt), limitPhrase(e.LimitedBy))
		} else {
			s += "."
		}
		return s
	case adminwire.ReasonURLExpired:
		if e.ExpiresAt != nil {
			return fmt.Sprintf("The URL's own window has passed: it ended at %s, %s ago; sign a new URL.", stamp(*e.ExpiresAt), duration.Human(e.Now.Sub(*e.ExpiresAt)))
		}
		return "The URL's own window has passed; sign a new URL."
	case adminwire.ReasonNotYetValid:
		if !signedAt.IsZero() {
			return fmt.Sprintf("Not yet valid by the server's clock: the URL was signed at %s, %s after the server's now (%s); the signer's clock runs ahead, or the server's behind.",
				stamp(signedAt), duration.Human(signedAt.Sub(e.Now)), stamp(e.Now))
		}
		return "Not yet valid by the server's clock: the URL was signed after the server's now; the signer's clock runs ahead, or the server's behind."
	case adminwire.ReasonExpiresOverLimit:
		return "X-Amz-Expires is over the 7-day cap of 604800 seconds: S3 refuses such a URL whatever the time; sign it again for 7 days or less."
	case adminwire.ReasonSessionExpired:
		s := "The session that signed the URL has expired"
		if c.Expires != nil {
			s += fmt.Sprintf(" (at %s, %s ago)", stamp(*c.Expires), duration.Human(e.Now.Sub(*c.Expires)))
		}
		if e.ExpiresAt != nil && c.Expires != nil && c.Expires.Before(*e.ExpiresAt) {
			s += fmt.Sprintf(", %s before the URL's own window ends (%s)", duration.Human(e.ExpiresAt.Sub(*c.Expires)), stamp(*e.ExpiresAt))
		}
		return s + ": a URL cannot outlive the temporary credentials that signed it; sign with a long-term key, or for no longer than the session lasts."
	case adminwire.ReasonSessionTerminated:
		s := "The session that signed the URL was terminated"
		if c.TerminatedAt != nil {
			s += fmt.Sprintf(" at %s (%s ago)", stamp(*c.TerminatedAt), duration.Human(e.Now.Sub(*c.TerminatedAt)))
		}
		return s + ", and every URL it signed stopped working then; sign a new URL with live credentials."
	case adminwire.ReasonSessionsRevoked:
		s := "Older sessions were revoked: "
		if e.Statement != nil {
			s += StatementPhrase(e.Statement)
		} else {
			s += "a policy statement"
		}
		s += " denies sessions issued before a cut-off"
		if c.Issued != nil {
			s += fmt.Sprintf(", and this one was issued at %s", stamp(*c.Issued))
		}
		return s + "; sign again with a session issued since, or with a long-term key."
	case adminwire.ReasonKeyInactive:
		return fmt.Sprintf("The access key %s%s is Inactive: every URL it signed fails until the key is made Active again.", keyID, ofUser(c.UserName))
	case adminwire.ReasonKeyUnknown:
		switch c.Status {
		case adminwire.CredentialDeleted:
			s := fmt.Sprintf("The access key %s was deleted", keyID)
			if c.DeletedAt != nil {
				s += " at " + stamp(*c.DeletedAt)
			}
			if c.UserName != "" {
				s += fmt.Sprintf(" (its user %s still exists)", c.UserName)
			}
			return s + ": URLs it signed never work again; sign with another key."
		case adminwire.CredentialUserDeleted:
			user := "its user"
			if c.UserName != "" {
				user = "user " + c.UserName
			}
			return fmt.Sprintf("The access key %s was deleted with %s: URLs it signed never work again; sign with a key of an existing user.", keyID, user)
		}
		return fmt.Sprintf("The server does not know the access key %s: it never issued it, or deleted it more than 7 days ago; if the URL was signed for another server, ask that one.", keyID)
	case adminwire.ReasonPolicyDenied:
		what := "the request"
		if e.Action != "" {
			what = e.Action
			if e.Resource != "" {
				what += " on " + e.Resource
			}
		}
		if e.Statement != nil && strings.EqualFold(e.Statement.Effect, "Deny") {
			return fmt.Sprintf("Denied by %s, an explicit deny of %s: a deny wins over any allow; change that statement or sign with another identity.", StatementPhrase(e.Statement), what)
		}
		if e.Statement != nil {
			return fmt.Sprintf("Denied: %s decided against %s; change that statement or sign with another identity.", StatementPhrase(e.Statement), what)
		}
		return fmt.Sprintf("Denied: no policy allows %s for the identity that signed the URL (an implicit deny); attach a policy that allows it, or sign with an identity that has one.", what)
	case adminwire.ReasonSignatureMismatch:
		if e.Signature != nil && e.Signature.Hint != "" {
			return "The signature does not match the request: " + strings.TrimSuffix(e.Signature.Hint, ".") + "."
		}
		return "The signature does not match the request: it differs from the request that was signed, or the URL was signed with another secret."
	case adminwire.ReasonInvalidToken:
		return "The session token is altered, missing or not this key's: pass the URL exactly as it was signed, token included."
	case adminwire.ReasonOwnerDeleted:
		return "The user or role the session was issued for was deleted (a new one of the same name is another identity, which does not inherit its sessions): every URL it signed fails with InvalidToken; sign again with credentials of an identity that exists."
	case adminwire.ReasonNoSuchBucket:
		return fmt.Sprintf("The URL itself is good (signature, credential and policy), but %s does not exist on this server (404 NoSuchBucket); check the bucket's name and the endpoint.", addressed(e, true, "its bucket"))
	case adminwire.ReasonNoSuchKey:
		s := fmt.Sprintf("The URL itself is good (signature, credential and policy), but %s does not exist", addressed(e, false, "its object"))
		if e.Error != nil && e.Error.Code == "AccessDenied" {
			s += "; the signer may not list the bucket, so S3 answers 403 AccessDenied instead of 404 NoSuchKey, to hide which keys exist"
		} else {
			s += " (404 NoSuchKey)"
		}
		return s + "; check the key's spelling, case and encoding, or upload the object."
	case adminwire.ReasonMalformed:
		if e.Message != "" {
			return "The server cannot judge the URL: " + strings.TrimSuffix(e.Message, ".") + "."
		}
		return "The server cannot judge the URL: it is not a presigned request it can read."
	}
	if e.Message != "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Message)
	}
	return e.Reason
}

// addressed names the object, or with bucketOnly its bucket, that the
// explanation's resource ARN addresses; fallback when the server gave none.
func addressed(e *adminwire.Explanation, bucketOnly bool, fallback string) string {
	name, ok := strings.CutPrefix(e.Resource, "arn:aws:s3:::")
	if !ok || name == "" {
		return fallback
	}
	bucket, key, isObject := strings.Cut(name, "/")
	if isObject && !bucketOnly {
		return fmt.Sprintf("object %q in bucket %s", key, bucket)
	}
	return "bucket " + bucket
}

func ofUser(name string) string {
	if name == "" {
		return ""
	}
	return " of user " + name
}

func limitPhrase(limitedBy string) string {
	switch limitedBy {
	case "credentials":
		return "limited by the credentials: the URL dies with the session that signed it"
	case "url":
		return "the end of the URL's own window"
	}
	return "what limits it is unknown"
}

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
