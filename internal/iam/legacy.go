package iam

import (
	"strings"

	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// LegacyBinder binds records written before users and roles were bound
// to unique IDs (meta.LegacyIDBinding), for the users and roles of
// account as they stand. Those records named identities by name, so they
// granted whoever held it; each is bound to the identity that holds it
// now, if that identity could be the one meant, and otherwise to a fresh
// ID that names no one, which is what AWS shows for a principal that was
// deleted.
func LegacyBinder(account string, users []meta.User, roles []meta.Role, keys []meta.AccessKey) meta.LegacyBinder {
	b := &legacyBinder{
		account: account,
		arnIDs:  make(map[string]string, len(users)+len(roles)),
		users:   make(map[string]meta.User, len(users)),
		roles:   make(map[string]meta.Role, len(roles)),
		keyUser: make(map[string]string, len(keys)),
	}
	for _, k := range keys {
		b.keyUser[k.ID] = strings.ToLower(k.UserName)
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
	// keyUser maps every access key's ID to its user's lower-cased name.
	keyUser map[string]string
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
// A federation token names only the user who asked for it, and is bound
// to the user of that name only when that user is certainly the one:
// the key that asked for the token is still that user's (a user with
// keys cannot be deleted, so the user who held the key then holds it
// still), or the user was created in an earlier second than the token
// was issued. Otherwise (the user is gone, or is a newcomer, or was
// created in the very second of issue and may be either) the token gets
// a fresh ID and is refused as a dead owner's session is: refusing an
// old token beats handing it to a newcomer.
func (b *legacyBinder) SessionOwnerID(s meta.Session) (string, error) {
	o, id, ok := s.Owner()
	if !ok || id != "" {
		return id, nil
	}
	name := strings.ToLower(o.Name)
	if o.Kind == principal.OwnerRole {
		if r, ok := b.roles[name]; ok && r.Created.Before(s.Issued) {
			return r.ID, nil
		}
		return NewID(PrefixRole)
	}
	if u, ok := b.users[name]; ok && (b.keyUser[s.SourceAccessKeyID] == name || u.Created.Before(s.Issued)) {
		return u.ID, nil
	}
	return NewID(PrefixUser)
}

// AccessKeyUserID binds a key to the user of its user's name, if that
// user is not younger than the key. The store refuses to delete a user
// who has keys, so the user is always there and older; the rule only
// guards a damaged store.
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
