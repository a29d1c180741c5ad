package revocation

import (
	"fmt"
	"strings"

	"signet/internal/principal"
)

// Signer kinds: whose URLs a rule covers.
const (
	// KindUser: an IAM user's own keys, and the sessions obtained with
	// them (GetSessionToken, GetFederationToken).
	KindUser = "user"
	// KindRole: every session of a role.
	KindRole = "role"
	// KindSession: one role session, by its ARN (every session of that
	// name) or its access key ID.
	KindSession = "session"
	// KindKey: one access key, long-term or temporary.
	KindKey = "key"
	// KindRoot: the account's root, its key and its sessions.
	KindRoot = "root"
)

// Signer names whose URLs a rule covers.
type Signer struct {
	Kind  string
	Value string // a user or role name, a session ARN or an access key ID
}

func (s Signer) String() string { return s.Kind + ":" + s.Value }

// known reports whether s is of a kind this version enforces, with a
// value: a stored rule that is not is skipped, and said.
func (s Signer) known() bool {
	switch s.Kind {
	case KindUser, KindRole, KindSession, KindKey, KindRoot:
		return s.Value != ""
	}
	return false
}

// SignerNames are the names one principal goes by as a signer; a value,
// so that the request path allocates nothing for them.
type SignerNames struct {
	list [5]Signer
	n    int
}

func (ns *SignerNames) add(kind, value string) {
	if value != "" {
		ns.list[ns.n] = Signer{Kind: kind, Value: value}
		ns.n++
	}
}

// List returns the names.
func (ns *SignerNames) List() []Signer { return ns.list[:ns.n] }

// Names lists every Signer that covers who: the rules a URL of who's may
// fall under. Covers is its definition: Names(who) holds s exactly when
// s.Covers(who).
func Names(who *principal.Principal) SignerNames {
	var ns SignerNames
	ns.add(KindKey, who.AccessKeyID)
	switch {
	case who.IsRoot:
		ns.add(KindRoot, "root")
	case who.SessionKind == principal.SessionAssumedRole:
		ns.add(KindRole, who.RoleName)
	case who.RoleName == "":
		ns.add(KindUser, who.UserName)
	}
	if who.SessionKind != "" {
		ns.add(KindSession, who.ARN)
		ns.add(KindSession, who.AccessKeyID)
	}
	return ns
}

// Covers reports whether who is the signer, or signs for it.
func (s Signer) Covers(who *principal.Principal) bool {
	switch s.Kind {
	case KindUser:
		return who.UserName == s.Value && who.RoleName == ""
	case KindRole:
		return who.SessionKind == principal.SessionAssumedRole && who.RoleName == s.Value
	case KindSession:
		if strings.HasPrefix(s.Value, "arn:") {
			return who.SessionKind != "" && who.ARN == s.Value
		}
		return who.SessionKind != "" && who.AccessKeyID == s.Value
	case KindKey:
		return who.AccessKeyID == s.Value
	case KindRoot:
		return who.IsRoot && s.Value == "root"
	}
	return false
}

// ParseSigner reads --signed-by: an IAM user or role ARN, the root's ARN,
// an assumed-role session ARN, an access key ID (AKIA… a key, ASIA… a
// session), or KIND:VALUE with KIND one of user, role, session and key.
func ParseSigner(s string) (Signer, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "arn:") {
		return signerFromARN(s)
	}
	if kind, value, ok := strings.Cut(s, ":"); ok {
		switch kind {
		case KindUser, KindRole:
			if value == "" || strings.ContainsAny(value, "/:") {
				return Signer{}, fmt.Errorf("%s:%q: give the %s's name", kind, value, kind)
			}
			return Signer{Kind: kind, Value: value}, nil
		case KindSession:
			if strings.HasPrefix(value, "arn:") {
				sg, err := signerFromARN(value)
				if err != nil || sg.Kind != KindSession {
					return Signer{}, fmt.Errorf("session:%s: give an assumed-role session ARN (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) or a session's access key ID", value)
				}
				return sg, nil
			}
			if !isKeyID(value) || !strings.HasPrefix(value, "ASIA") {
				return Signer{}, fmt.Errorf("session:%s: give a session's access key ID (ASIA…) or its ARN", value)
			}
			return Signer{Kind: KindSession, Value: value}, nil
		case KindKey:
			if !isKeyID(value) {
				return Signer{}, fmt.Errorf("key:%s: give an access key ID (AKIA… or ASIA…)", value)
			}
			return Signer{Kind: KindKey, Value: value}, nil
		}
	}
	if isKeyID(s) {
		return Signer{Kind: KindKey, Value: s}, nil
	}
	return Signer{}, fmt.Errorf("%q names no signer: give an IAM user or role ARN, a role session ARN, an access key ID, or user:NAME, role:NAME, session:ASIA… or key:AKIA…", s)
}

// signerFromARN reads arn:aws:iam::ACCT:user/[PATH/]NAME,
// arn:aws:iam::ACCT:role/[PATH/]NAME and
// arn:aws:sts::ACCT:assumed-role/ROLE/SESSION.
func signerFromARN(arn string) (Signer, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[1] == "aws" {
		res := parts[5]
		last := res[strings.LastIndexByte(res, '/')+1:]
		switch {
		case parts[2] == "iam" && strings.HasPrefix(res, "user/") && last != "":
			return Signer{Kind: KindUser, Value: last}, nil
		case parts[2] == "iam" && strings.HasPrefix(res, "role/") && last != "":
			return Signer{Kind: KindRole, Value: last}, nil
		case parts[2] == "iam" && res == "root":
			return Signer{Kind: KindRoot, Value: "root"}, nil
		case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/") && strings.Count(res, "/") == 2 && last != "":
			return Signer{Kind: KindSession, Value: arn}, nil
		}
	}
	return Signer{}, fmt.Errorf("%q: give an IAM user ARN, an IAM role ARN, the root's ARN or an assumed-role session ARN", arn)
}

// isKeyID reports whether s has an access key ID's form.
func isKeyID(s string) bool {
	if len(s) < 16 || len(s) > 128 || !(strings.HasPrefix(s, "AKIA") || strings.HasPrefix(s, "ASIA")) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
