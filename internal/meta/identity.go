package meta

import (
	"context"
	"errors"
	"strings"
	"time"

	"signet/internal/principal"
)

// Errors of the identity store, in its own words. The iam and sts packages
// turn them into domain errors; the API packages into wire codes.
var (
	ErrNoSuchEntity = errors.New("meta: no such entity")
	ErrEntityExists = errors.New("meta: entity already exists")
	// ErrLimitExceeded: a quota checked inside the write (access keys per
	// user) would be exceeded.
	ErrLimitExceeded = errors.New("meta: limit exceeded")
	// ErrDeleteConflict: the entity still has dependents (a user with
	// access keys or policies, a role with policies, a policy attached).
	ErrDeleteConflict     = errors.New("meta: entity has dependents")
	ErrNoSuchBucketPolicy = errors.New("meta: no such bucket policy")
)

// User is an IAM user.
type User struct {
	Name    string // unique, case-insensitively (as in IAM)
	ID      string // AIDA…
	Path    string // "/" by default
	Created time.Time
}

// AccessKey is a user's long-term key. The secret is stored sealed (see
// secret.Sealer): a copy of the store alone cannot sign.
type AccessKey struct {
	ID       string // AKIA…
	UserName string
	// UserID is the unique ID (AIDA…) of the user the key was created
	// for, set by the store inside CreateAccessKey; "" in records written
	// before it was kept.
	UserID       string
	SealedSecret []byte
	Status       principal.KeyStatus
	Created      time.Time
}

// DeletedAccessKey is the tombstone DeleteAccessKey leaves: enough to tell
// a URL signed by a deleted key (or by a key of a since-deleted user) from
// one signed by a key this server never issued. UserID tells the deleted
// user from a new one created under the same name.
type DeletedAccessKey struct {
	ID       string // AKIA…
	UserName string // the key's user, as created
	UserID   string // that user's ID (AIDA…) when the key was deleted
	Deleted  time.Time
}

// Role is an IAM role.
type Role struct {
	Name        string // unique, case-insensitively
	ID          string // AROA…
	Path        string
	Description string
	// TrustPolicy is the assume-role policy document (JSON, as given).
	TrustPolicy string
	// MaxSessionDuration in seconds: 3600..43200.
	MaxSessionDuration int
	Created            time.Time
}

// Policy is a customer managed policy (one version, "v1").
type Policy struct {
	Name        string // unique, case-insensitively
	ID          string // ANPA…
	Path        string
	Description string
	Document    string
	Created     time.Time
	Updated     time.Time
}

// Owner names a user or a role that holds inline policies and managed
// policy attachments.
type Owner struct {
	Kind principal.OwnerKind
	Name string
}

// InlinePolicy is a policy embedded in a user or role.
type InlinePolicy struct {
	Name     string
	Document string
}

// Session is a set of temporary credentials issued by STS. The secret is
// sealed; only a SHA-256 of the session token is kept, so the store never
// holds a usable token.
type Session struct {
	AccessKeyID  string // ASIA…
	SealedSecret []byte
	TokenHash    []byte // SHA-256 of the session token
	Kind         principal.SessionKind
	// ARN of the session's principal: arn:aws:sts::ACCT:assumed-role/R/S,
	// arn:aws:sts::ACCT:federated-user/NAME, or the user's (or root's)
	// ARN for GetSessionToken.
	ARN string
	// UserID is aws:userid: ROLEID:SESSION, ACCT:NAME, the user's ID, or
	// the account ID for root.
	UserID string
	// UserName is the IAM user whose keys asked for a session-token or
	// federated session ("" for root); for an assumed role, the user who
	// assumed it when a user did.
	UserName string
	Root     bool // requested with the root credentials
	// OwnerID is the unique ID of the identity whose permissions the
	// session carries and whose life bounds its own: the role's (AROA…)
	// for an assumed role, the user's (AIDA…) for a session or
	// federation token a user asked for; "" for root's sessions. Records
	// written before it was kept have "" (see sts.SessionOwnerID).
	OwnerID     string
	RoleName    string
	SessionName string // RoleSessionName, or the federation Name
	// SessionPolicy is the inline session policy passed at issue, if any.
	SessionPolicy string
	// SessionPolicyARNs are the managed session policies passed at issue
	// (PolicyArns), in the order given. Only the ARNs are kept: as on AWS,
	// the session is narrowed by each policy's document as it stands when a
	// request is judged.
	SessionPolicyARNs []string
	// Chained is set for a role session obtained with role credentials.
	Chained bool
	// SourceAccessKeyID is the key that asked for the session.
	SourceAccessKeyID string
	Issued            time.Time
	Expiry            time.Time
	// TerminatedAt is set when the session was ended early; zero while it
	// stands.
	TerminatedAt time.Time
}

// Owner names the identity s is bound to and that identity's unique ID:
// the role of an assumed-role session, otherwise the user who asked for
// it. ok is false for root's sessions, which no user or role owns. For a
// record written before OwnerID was kept, the ID comes from what the
// record does hold (an assumed role's UserID is ROLEID:SESSION, a session
// token's the user's ID); a legacy federation token has none, and id is
// "" (LegacyIDBinding gives every such record an OwnerID at start).
func (s Session) Owner() (o Owner, id string, ok bool) {
	switch {
	case s.Kind == principal.SessionAssumedRole:
		o = Owner{Kind: principal.OwnerRole, Name: s.RoleName}
		id = s.OwnerID
		if id == "" {
			id, _, _ = strings.Cut(s.UserID, ":")
		}
	case s.Root || s.UserName == "":
		return Owner{}, "", false
	default:
		o = Owner{Kind: principal.OwnerUser, Name: s.UserName}
		id = s.OwnerID
		if id == "" && s.Kind == principal.SessionToken {
			id = s.UserID
		}
	}
	return o, id, true
}

// The identity store, split by entity so that each consumer names only
// what it uses. Every method is atomic. Names (of users, roles, managed
// and inline policies) are matched case-insensitively and returned as
// created; access key IDs, policy ARNs and bucket names are exact. Lists
// are sorted by lower-cased name in byte order (sessions by access key ID).
// A missing entity is ErrNoSuchEntity, including the user or role of a
// per-owner call (ListAccessKeys, the inline and attached policy calls).
// An empty name or ID to create, an Owner.Kind other than
// principal.OwnerUser and principal.OwnerRole, or a key status other than
// principal.KeyActive and principal.KeyInactive is ErrInvalidArgument.
// Results are the caller's to modify.

// Users stores IAM users.
type Users interface {
	CreateUser(ctx context.Context, u User) error // ErrEntityExists
	GetUser(ctx context.Context, name string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// DeleteUser fails with ErrDeleteConflict while the user has access
	// keys, inline policies, attached policies or a login profile.
	DeleteUser(ctx context.Context, name string) error
}

// AccessKeys stores users' long-term access keys.
type AccessKeys interface {
	// CreateAccessKey stores k for its user (ErrNoSuchEntity if the user
	// is missing), failing with ErrEntityExists when the key ID is taken
	// and ErrLimitExceeded when the user already has maxPerUser keys,
	// inactive ones included. The stored UserName is the user's name as
	// created, and UserID the user's ID.
	CreateAccessKey(ctx context.Context, k AccessKey, maxPerUser int) error
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys lists the user's keys in creation order: by Created,
	// then by ID.
	ListAccessKeys(ctx context.Context, userName string) ([]AccessKey, error)
	// UpdateAccessKey sets the status of the user's key. A key of another
	// user is ErrNoSuchEntity, as for DeleteAccessKey.
	UpdateAccessKey(ctx context.Context, userName, id string, status principal.KeyStatus) error
	// DeleteAccessKey deletes the user's key and, in the same
	// transaction, records its tombstone (a DeletedAccessKey deleted at
	// at, replacing any older tombstone of the ID). A zero at is
	// ErrInvalidArgument.
	DeleteAccessKey(ctx context.Context, userName, id string, at time.Time) error
}

// KeyTombstones reads and prunes the tombstones DeleteAccessKey leaves.
type KeyTombstones interface {
	// GetDeletedAccessKey returns the tombstone of a deleted key
	// (ErrNoSuchEntity when there is none). Creating a key under the ID
	// again removes its tombstone: the ID is live once more.
	GetDeletedAccessKey(ctx context.Context, id string) (DeletedAccessKey, error)
	// DeleteAccessKeyTombstonesBefore removes the tombstones of keys
	// deleted strictly before t and returns how many went.
	DeleteAccessKeyTombstonesBefore(ctx context.Context, t time.Time) (int, error)
}

// Roles stores IAM roles.
type Roles interface {
	CreateRole(ctx context.Context, r Role) error // ErrEntityExists
	GetRole(ctx context.Context, name string) (Role, error)
	ListRoles(ctx context.Context) ([]Role, error)
	// UpdateRole applies fn to the stored role inside the transaction; an
	// error from fn aborts and is returned unchanged. Name and ID are
	// kept.
	UpdateRole(ctx context.Context, name string, fn func(*Role) error) error
	// DeleteRole fails with ErrDeleteConflict while the role has inline
	// or attached policies.
	DeleteRole(ctx context.Context, name string) error
}

// InlinePolicies stores the policies embedded in users and roles.
type InlinePolicies interface {
	// PutInlinePolicy creates or replaces an inline policy of a user or
	// role (ErrNoSuchEntity when the owner is missing). Replacing keeps
	// the name as first created.
	PutInlinePolicy(ctx context.Context, o Owner, p InlinePolicy) error
	GetInlinePolicy(ctx context.Context, o Owner, name string) (InlinePolicy, error)
	ListInlinePolicies(ctx context.Context, o Owner) ([]InlinePolicy, error)
	DeleteInlinePolicy(ctx context.Context, o Owner, name string) error
}

// ManagedPolicies stores customer managed policies.
type ManagedPolicies interface {
	CreatePolicy(ctx context.Context, p Policy) error // ErrEntityExists
	GetPolicy(ctx context.Context, name string) (Policy, error)
	ListPolicies(ctx context.Context) ([]Policy, error)
	// DeletePolicy fails with ErrDeleteConflict while it is attached:
	// while any attached ARN names a customer managed policy of this name
	// (arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME, ACCOUNT not "aws",
	// NAME matched case-insensitively), since the store knows the policy
	// by name only.
	DeletePolicy(ctx context.Context, name string) error
}

// Attachments records which managed policies users and roles have.
type Attachments interface {
	// AttachPolicy records that o has the managed policy policyARN
	// (customer or built-in; the store does not check it exists).
	// Attaching twice is not an error.
	AttachPolicy(ctx context.Context, o Owner, policyARN string) error
	// DetachPolicy fails with ErrNoSuchEntity when not attached.
	DetachPolicy(ctx context.Context, o Owner, policyARN string) error
	ListAttachedPolicies(ctx context.Context, o Owner) ([]string, error) // sorted ARNs
	// PolicyAttachments counts the users and roles policyARN (exactly as
	// attached) is attached to.
	PolicyAttachments(ctx context.Context, policyARN string) (int, error)
}

// Sessions stores STS sessions.
type Sessions interface {
	PutSession(ctx context.Context, s Session) error // ErrEntityExists on a reused ID
	GetSession(ctx context.Context, accessKeyID string) (Session, error)
	ListSessions(ctx context.Context) ([]Session, error)
	// TerminateSession sets TerminatedAt (once; a second call keeps the
	// first time). A zero at is ErrInvalidArgument.
	TerminateSession(ctx context.Context, accessKeyID string, at time.Time) error
	// DeleteSessionsExpiredBefore removes sessions whose Expiry is
	// strictly before t and returns how many went.
	DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error)
}

// SecretResealer re-seals every stored secret when the sealing key turns.
type SecretResealer interface {
	// ResealSecrets passes the sealed secret of every access key and
	// every session, with the access key ID it is sealed for, to reseal
	// and stores what reseal returns, all in one transaction: a rotation
	// of the sealing key re-seals every secret or, on any error, none. An
	// error from reseal is returned unchanged.
	ResealSecrets(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) error
}

// BucketPolicies stores bucket policies, which live and die with their
// buckets.
type BucketPolicies interface {
	// PutBucketPolicy sets a bucket's policy (ErrNoSuchBucket when the
	// bucket is missing; an empty doc is ErrInvalidArgument). DeleteBucket
	// removes the policy with the bucket. All three bucket policy calls
	// fail with ErrNoSuchBucket on a missing bucket.
	PutBucketPolicy(ctx context.Context, bucket, doc string) error
	GetBucketPolicy(ctx context.Context, bucket string) (string, error) // ErrNoSuchBucketPolicy
	DeleteBucketPolicy(ctx context.Context, bucket string) error        // a missing policy is not an error
}

// Identities is the whole identity store, for the engines that implement
// it, the cache that wraps it and the conformance suite that tests it.
// Consumers name the small interfaces above instead.
type Identities interface {
	Users
	AccessKeys
	KeyTombstones
	Roles
	InlinePolicies
	ManagedPolicies
	Attachments
	Sessions
	SecretResealer
	BucketPolicies
	LoginProfiles
	PasswordPolicies
}
