package iam

import (
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
)

// LegacyBinder binds records written before users and roles were bound
// to unique IDs (meta.LegacyIDBinding), for the users and roles of
// account as they stand. Those records named identities by name, so they
// granted whoever held it; each is bound to the identity that holds it
// now, if that identity could be the one meant, and otherwise to a fresh
// ID that names no one, which is what AWS shows for a principal that was
// deleted.
func LegacyBinder(account string, users []meta.User, roles []meta.Role) meta.LegacyBinder {
	b := &legacyBinder{
		account: account,
		arnIDs:  make(map[string]string, len(users)+len(roles)),
		users:   make(map[string]meta.User, len(users)),
		roles:   make(map[string]meta.Role, len(roles)),
	}
	for _, u := range users {
		b.arnIDs[EntityARN(account, "user", u.Path, u.Name)] = u.ID
		b.users[strings.ToLower(u.Name)] = u
	}
	for _, r := range roles {
		b.arnIDs[EntityARN(account, "role", r.Path, r.Name)] = r.ID
		b.roles[strings.ToLower(r.Name)] = r
	}
	return b
}

type legacyBinder struct {
	account string
	// arnIDs maps the exact ARN of every user and role to its ID, and
	// each ARN that names no one, once met, to the fresh ID it got, so
	// one former principal is one ID wherever it appears.
	arnIDs map[string]string
	users  map[string]meta.User // by lower-cased name, as the store matches
	roles  map[string]meta.Role
}

// Policy binds a principal only when it is exactly the ARN of a user or
// role (path and name as created): before binding, the authoriser
// compared ARNs exactly, so an ARN that differs, in case or path, granted
// no one, and binding it to a fresh ID keeps it so (the save-time binding
// of BindPrincipals refuses such an ARN instead, which a stored policy
// cannot be).
func (b *legacyBinder) Policy(doc string) (string, error) {
	out, err := policy.RewriteAWSPrincipals([]byte(doc), func(v string) (string, error) {
		typ, ok := b.entityType(v)
		if !ok {
			return v, nil
		}
		if id, ok := b.arnIDs[v]; ok {
			return id, nil
		}
		id, err := NewID(idPrefix(typ))
		if err != nil {
			return "", err
		}
		b.arnIDs[v] = id
		return id, nil
	})
	return string(out), err
}

// entityType recognises the ARN of a user or role of the account.
func (b *legacyBinder) entityType(v string) (string, bool) {
	acct, res, ok := splitIAMARN(v)
	if !ok || acct != b.account {
		return "", false
	}
	for _, typ := range []string{"user", "role"} {
		if _, _, ok := splitResource(res, typ); ok {
			return typ, true
		}
	}
	return "", false
}

// SessionOwnerID: an assumed-role session and a session token hold their
// owner's ID already (in UserID, see meta.Session.Owner), which is kept.
// A federation token names only the user who asked for it: it is bound to
// the user of that name only if that user existed when it was issued; a
// user created since is a newcomer, and a missing one is gone, so the
// token gets a fresh ID and is refused as its owner's is.
func (b *legacyBinder) SessionOwnerID(s meta.Session) (string, error) {
	o, id, ok := s.Owner()
	if !ok || id != "" {
		return id, nil
	}
	if o.Kind == meta.OwnerRole {
		if r, ok := b.roles[strings.ToLower(o.Name)]; ok && !r.Created.After(s.Issued) {
			return r.ID, nil
		}
		return NewID(PrefixRole)
	}
	if u, ok := b.users[strings.ToLower(o.Name)]; ok && !u.Created.After(s.Issued) {
		return u.ID, nil
	}
	return NewID(PrefixUser)
}

// AccessKeyUserID binds a key to its user by the same rule. The store
// refuses to delete a user who has keys, so the user is always there and
// older than the key; the rule only guards a damaged store.
func (b *legacyBinder) AccessKeyUserID(k meta.AccessKey) (string, error) {
	if u, ok := b.users[strings.ToLower(k.UserName)]; ok && !u.Created.After(k.Created) {
		return u.ID, nil
	}
	return NewID(PrefixUser)
}

func idPrefix(typ string) string {
	if typ == "role" {
		return PrefixRole
	}
	return PrefixUser
}
