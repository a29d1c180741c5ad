package access

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"signet/internal/authn"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/secret"
)

// keyCacheKey prefixes an access key id in the store's cache.
const keyCacheKey = "key\x00"

// Keys is the authn.KeyStore over the root credentials, IAM users' access
// keys and STS sessions.
type Keys struct {
	store   *Store
	sealer  *secret.Sealer
	root    *authn.Credential
	account string
}

// NewKeys returns the key store. root is the root credential, which lives
// outside the metadata store; nil means there is none (tests of IAM keys
// alone), so no key is root.
func NewKeys(store *Store, sealer *secret.Sealer, root *authn.Credential, account string) *Keys {
	return &Keys{store: store, sealer: sealer, root: root, account: account}
}

// Lookup implements authn.KeyStore. A deleted key, a key of a deleted
// user and an inactive key are all unknown: AWS answers each with 403
// InvalidAccessKeyId. A session is returned even when expired or
// terminated, so authn can answer ExpiredToken rather than "unknown".
func (k *Keys) Lookup(ctx context.Context, id string) (*authn.Credential, error) {
	if k.root != nil && id == k.root.AccessKeyID {
		return k.root, nil
	}
	if id == "" || len(id) > 128 {
		return nil, authn.ErrUnknownKey
	}
	// The cache key is built twice, on purpose: the one only looked up
	// does not escape, so it is built on the stack; the one stored must
	// be a heap copy anyway (which also keeps the cache from pinning the
	// request that id was sliced from).
	v, gen, ok := k.store.cache.get(keyCacheKey + id)
	if ok {
		return v.(*authn.Credential), nil
	}
	var cred *authn.Credential
	var err error
	if strings.HasPrefix(id, "ASIA") {
		cred, err = k.session(ctx, id)
	} else {
		cred, err = k.userKey(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	k.store.cache.put(keyCacheKey+id, gen, cred)
	return cred, nil
}

func (k *Keys) userKey(ctx context.Context, id string) (*authn.Credential, error) {
	ak, err := k.store.GetAccessKey(ctx, id)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return nil, authn.ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	if ak.Status != principal.KeyActive {
		return nil, authn.ErrUnknownKey
	}
	u, err := k.store.GetUser(ctx, ak.UserName)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return nil, authn.ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	if ak.UserID != "" && ak.UserID != u.ID {
		// A user of the key's user's name, but not that user: the store
		// refuses to delete a user with keys, so only a damaged store
		// gets here; the key must not act as the newcomer.
		return nil, authn.ErrUnknownKey
	}
	sec, err := k.sealer.Open(ak.SealedSecret, ak.ID)
	if err != nil {
		return nil, fmt.Errorf("access key %s: %w", ak.ID, err)
	}
	return &authn.Credential{
		AccessKeyID: ak.ID,
		Secret:      sec,
		Principal: principal.Principal{
			AccessKeyID: ak.ID,
			ARN:         iam.EntityARN(k.account, "user", u.Path, u.Name),
			UserID:      u.ID,
			UserName:    u.Name,
			Account:     k.account,
		},
	}, nil
}

func (k *Keys) session(ctx context.Context, id string) (*authn.Credential, error) {
	s, err := k.store.GetSession(ctx, id)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return nil, authn.ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	sec, err := k.sealer.Open(s.SealedSecret, s.AccessKeyID)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", s.AccessKeyID, err)
	}
	p := principal.Principal{
		AccessKeyID:       s.AccessKeyID,
		ARN:               s.ARN,
		UserID:            s.UserID,
		UserName:          s.UserName,
		Account:           k.account,
		SessionKind:       s.Kind,
		RoleName:          s.RoleName,
		SessionName:       s.SessionName,
		TokenIssued:       s.Issued,
		SessionPolicy:     s.SessionPolicy,
		SessionPolicyARNs: s.SessionPolicyARNs,
		// A root session token carries root's permissions; a root
		// federation token only its session policy's.
		IsRoot: s.Root && s.Kind == principal.SessionToken,
	}
	owner, err := k.sessionOwner(ctx, s)
	if err != nil {
		return nil, err
	}
	if s.Kind == principal.SessionAssumedRole {
		p.UserName = ""
		path := "/"
		if owner.live {
			path = owner.path
		}
		p.RoleARN = iam.EntityARN(k.account, "role", path, s.RoleName)
	}
	tokenHash := s.TokenHash
	if tokenHash == nil {
		tokenHash = []byte{}
	}
	return &authn.Credential{
		AccessKeyID: s.AccessKeyID,
		Secret:      sec,
		TokenHash:   tokenHash,
		Expiry:      s.Expiry,
		Terminated:  !s.TerminatedAt.IsZero(),
		OwnerGone:   owner.bound && !owner.live,
		Principal:   p,
	}, nil
}

// sessionState is what the key store knows of a session's owner.
type sessionState struct {
	bound bool   // the session has an owner (root's sessions have none)
	live  bool   // that owner exists, with the unique ID the session holds
	path  string // the live owner's path
}

// sessionOwner finds the user or role s is bound to. AWS binds a session
// to its owner's unique ID, not its name: once the owner is deleted the
// session is dead, and a new user or role created under the same name is
// another identity that must never inherit it. A legacy record that holds
// no ID (see meta.Session.Owner) is bound by name.
func (k *Keys) sessionOwner(ctx context.Context, s meta.Session) (sessionState, error) {
	o, id, ok := s.Owner()
	if !ok {
		return sessionState{}, nil
	}
	var liveID, path string
	var err error
	switch o.Kind {
	case principal.OwnerRole:
		var r meta.Role
		r, err = k.store.GetRole(ctx, o.Name)
		liveID, path = r.ID, r.Path
	default:
		var u meta.User
		u, err = k.store.GetUser(ctx, o.Name)
		liveID, path = u.ID, u.Path
	}
	switch {
	case errors.Is(err, meta.ErrNoSuchEntity):
		return sessionState{bound: true}, nil
	case err != nil:
		return sessionState{}, err
	}
	return sessionState{bound: true, live: id == "" || id == liveID, path: path}, nil
}
