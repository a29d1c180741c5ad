package policy

import "strings"

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	anyone   bool     // "*" or {"AWS":"*"}: everyone, anonymous included
	accounts []string // account IDs, from "123456789012" or "arn:…:iam::123456789012:root"
	arns     []string // exact principal ARNs
	// Service, Federated and CanonicalUser principals are validated but
	// kept nowhere: no signet caller is ever one of them.
}

// reach says how a statement's Principal names the caller, which decides
// what an Allow in a resource policy grants within one account (AWS's
// evaluation logic, see Decide). The order matters: a higher reach is a
// stronger grant.
type reach uint8

const (
	reachNone reach = iota
	// reachAccount: only the caller's account is named. Within the account
	// that delegates to IAM: the caller still needs an identity-policy
	// Allow.
	reachAccount
	// reachParent: the role or user a session was issued from is named.
	// The grant joins the identity policies and, like them, is narrowed
	// by the session policies.
	reachParent
	// reachSelf: the caller itself is named (or everyone is). The grant
	// stands on its own, whatever the identity and session policies say.
	reachSelf
)

// reach returns how p names the caller, for a Principal element.
func (p *principalSet) reach(c *Caller) reach {
	if p.anyone {
		return reachSelf
	}
	if c.Anonymous {
		return reachNone
	}
	switch {
	case p.namesSelf(c):
		return reachSelf
	case p.hasARN(c.Parents):
		return reachParent
	case p.hasAccount(c.Account):
		return reachAccount
	}
	return reachNone
}

// notReach returns how a NotPrincipal element p reaches the caller. AWS
// checks a request against the account, then the role or user, then the
// session, and a NotPrincipal that leaves out any of them still applies
// to it (AWS's examples list all three to exempt a role session). So:
//   - a Deny is escaped only when every one of the caller's names is
//     listed;
//   - an Allow grants only a caller none of whose names is listed, and
//     then grants it directly, as "everyone but these" does.
//
// Both readings err towards refusing, where AWS's own order is "might".
func (p *principalSet) notReach(c *Caller, effect Effect) reach {
	if p.anyone {
		return reachNone
	}
	if c.Anonymous {
		return reachSelf
	}
	self, parent, account := p.namesSelf(c), p.hasARN(c.Parents), p.hasAccount(c.Account)
	if effect == Deny {
		if self && (parent || len(c.Parents) == 0) && (account || c.Account == "") {
			return reachNone
		}
		return reachSelf
	}
	if self || parent || account {
		return reachNone
	}
	return reachSelf
}

// namesSelf reports whether p names the caller's own ARN. The root's ARN
// is kept as its account (arn:aws:iam::ACCT:root is both), so for the
// root naming the account names it.
func (p *principalSet) namesSelf(c *Caller) bool {
	if p.hasARN(c.ARNs) {
		return true
	}
	for _, arn := range c.ARNs {
		if acct, ok := accountRoot(arn); ok && p.hasAccount(acct) {
			return true
		}
	}
	return false
}

func (p *principalSet) hasAccount(account string) bool {
	if account == "" {
		return false
	}
	for _, a := range p.accounts {
		if a == account {
			return true
		}
	}
	return false
}

func (p *principalSet) hasARN(arns []string) bool {
	for _, want := range p.arns {
		for _, have := range arns {
			if want == have {
				return true
			}
		}
	}
	return false
}

func parsePrincipal(v any, kind Kind) (principalSet, error) {
	var p principalSet
	invalid := func(typ, val string) error {
		if kind == Resource {
			return errMsg(msgS3Principal)
		}
		if typ == "" {
			return errMsg(msgS3Principal)
		}
		return errf(`Invalid principal in policy: "%s":"%s"`, echo(typ), echo(val))
	}
	switch t := v.(type) {
	case string:
		if t == "*" {
			p.anyone = true
			return p, nil
		}
		return p, invalid("", "")
	case *object:
		if len(t.keys) == 0 {
			return p, invalid("", "")
		}
		for i, typ := range t.keys {
			vals, ok := stringList(t.vals[i])
			if !ok || len(vals) == 0 {
				return p, invalid("", "")
			}
			for _, val := range vals {
				switch typ {
				case "AWS":
					switch {
					case val == "*":
						p.anyone = true
					case isAccountID(val):
						p.accounts = append(p.accounts, val)
					case IsUniqueID(val):
						// A user or role bound at save time (or
						// named by its ID): matched exactly.
						p.arns = append(p.arns, val)
					case strings.HasPrefix(val, "arn:"):
						if acct, ok := accountRoot(val); ok {
							p.accounts = append(p.accounts, acct)
						} else if strings.ContainsAny(val, "*?") || strings.Count(val, ":") < 5 {
							// AWS allows no wildcard in a principal
							// ARN but the whole-value "*".
							return p, invalid(typ, val)
						} else {
							p.arns = append(p.arns, val)
						}
					default:
						return p, invalid(typ, val)
					}
				case "Service", "Federated", "CanonicalUser":
					if val == "" {
						return p, invalid(typ, val)
					}
				default:
					return p, invalid(typ, val)
				}
			}
		}
		return p, nil
	}
	return p, invalid("", "")
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// accountRoot recognises arn:PARTITION:iam::ACCOUNT:root.
func accountRoot(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[2] == "iam" && parts[3] == "" && parts[5] == "root" && isAccountID(parts[4]) {
		return parts[4], true
	}
	return "", false
}

// stringList accepts a string or an array of strings.
func stringList(v any) ([]string, bool) {
	switch t := v.(type) {
	case string:
		return []string{t}, true
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}
