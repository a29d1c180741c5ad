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

// match reports whether the caller is one of the principals. An account
// principal stands for every identity in that account (AWS delegates to
// the account's identity policies; signet's documented simplification is
// to let it match directly).
func (p *principalSet) match(c *Caller) bool {
	if p.anyone {
		return true
	}
	if c.Anonymous {
		return false
	}
	if c.Account != "" {
		for _, a := range p.accounts {
			if a == c.Account {
				return true
			}
		}
	}
	for _, want := range p.arns {
		for _, have := range c.ARNs {
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
