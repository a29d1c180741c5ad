package meta

import "context"

// LegacyBinder decides how records written before users and roles were
// bound to unique IDs are bound now (see LegacyIDBinding). It sees the
// users, roles and access keys the store holds when the binding runs and
// calls no store: the binding is one transaction of the engine's.
type LegacyBinder interface {
	// Policy returns doc, a bucket policy or a role's trust policy,
	// with every user and role ARN it names as principal replaced by a
	// unique ID.
	Policy(doc string) (string, error)
	// SessionOwnerID returns the OwnerID for s, a session that holds
	// none; "" leaves it without one (root's sessions have no owner).
	SessionOwnerID(s Session) (string, error)
	// AccessKeyUserID returns the UserID for k, a key that holds none.
	AccessKeyUserID(k AccessKey) (string, error)
}

// LegacyBound counts what BindLegacyIDs rewrote.
type LegacyBound struct {
	Ran            bool // false: the store had been bound before
	BucketPolicies int
	TrustPolicies  int
	Sessions       int
	AccessKeys     int
}

// LegacyIDBinding is implemented by an engine whose store may hold
// records written before identities were bound to unique IDs: bucket
// and trust policies naming users and roles by ARN (matched by name, so a
// user or role re-created under the name inherited them), sessions
// without an OwnerID and access keys without a UserID.
type LegacyIDBinding interface {
	// BindLegacyIDs binds such records once per store. Unless the store
	// records that it ran before, it calls newBinder with every user,
	// role and access key (as stored, before binding), passes every bucket policy and trust policy through
	// Policy, gives every session without an OwnerID and every access
	// key without a UserID the one the binder returns, and records that
	// it ran, all in one transaction: a crash or an error leaves the
	// store as it was, to be bound at the next start. Records already
	// bound are left as they are, so running it again changes nothing.
	BindLegacyIDs(ctx context.Context, newBinder func(users []User, roles []Role, keys []AccessKey) LegacyBinder) (LegacyBound, error)
}
