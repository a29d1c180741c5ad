package explain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
)

// Credential kinds, as the wire names them.
const (
	kindRoot      = adminwire.CredentialKindRoot
	kindLongTerm  = adminwire.CredentialKindLongTerm
	kindTemporary = adminwire.CredentialKindTemporary
)

// credential is the signing key as the server knows it, alive or not.
type credential struct {
	wire      adminwire.ExplainCredential
	principal *adminwire.Principal // nil when the key names no one known
	// who names the key in messages: "IAM user alice's key AKIA…".
	who string
	// expiry ends every URL the key signed: a session's end, or its
	// termination when that came first; zero for long-term keys.
	expiry time.Time
	// session is the STS session of temporary credentials.
	session *meta.Session
	// live is set when the server's key store signs with the key.
	live bool
	// temporary is set for a live key that needs a session token.
	temporary bool
	// ownerGone is set for a session whose user or role is gone or was
	// replaced (authn.Credential.OwnerGone).
	ownerGone bool
}

// credential finds the key id. authn's key store is asked first, as the
// server does; a key it does not know is looked for in the identity store
// (inactive, deleted, deleted with its user) to say why. A nil credential
// means the request names no key.
func (x *Explainer) credential(ctx context.Context, id string, now time.Time) (*credential, error) {
	if id == "" {
		return nil, nil
	}
	c, err := x.cfg.Keys.Lookup(ctx, id)
	switch {
	case err == nil:
		return x.liveCredential(ctx, c, now)
	case errors.Is(err, authn.ErrUnknownKey):
		return x.deadCredential(ctx, id)
	}
	return nil, err
}

func (x *Explainer) liveCredential(ctx context.Context, c *authn.Credential, now time.Time) (*credential, error) {
	p := c.Principal
	cr := &credential{live: true, temporary: c.Temporary(), ownerGone: c.OwnerGone, principal: principalOf(p),
		wire: adminwire.ExplainCredential{AccessKeyID: c.AccessKeyID, Status: adminwire.StatusActive, UserName: p.UserName}}
	switch {
	case c.Temporary():
		cr.wire.Kind = kindTemporary
		s, err := x.cfg.Store.GetSession(ctx, c.AccessKeyID)
		if err != nil {
			return nil, err
		}
		cr.session = &s
		cr.wire.UserName = s.UserName
		cr.wire.Issued, cr.wire.Expires = utcPtr(s.Issued), utcPtr(s.Expiry)
		cr.expiry = s.Expiry.UTC()
		switch {
		case !s.TerminatedAt.IsZero():
			cr.wire.Status, cr.wire.TerminatedAt = adminwire.StatusTerminated, utcPtr(s.TerminatedAt)
			if s.TerminatedAt.Before(s.Expiry) {
				cr.expiry = s.TerminatedAt.UTC()
			}
		case !now.Before(s.Expiry):
			cr.wire.Status = adminwire.StatusExpired
		}
	case p.IsRoot:
		cr.wire.Kind = kindRoot
	default:
		cr.wire.Kind = kindLongTerm
		if k, err := x.cfg.Store.GetAccessKey(ctx, c.AccessKeyID); err == nil {
			cr.wire.Issued = utcPtr(k.Created)
		} else if !errors.Is(err, meta.ErrNoSuchEntity) {
			return nil, err
		}
	}
	cr.who = describe(cr.principal, c.AccessKeyID)
	return cr, nil
}

// deadCredential explains a key the server does not sign with. authn
// refuses inactive and deleted keys alike; the store tells them apart.
func (x *Explainer) deadCredential(ctx context.Context, id string) (*credential, error) {
	cr := &credential{wire: adminwire.ExplainCredential{AccessKeyID: id, Kind: kindOf(id), Status: adminwire.CredentialUnknown}}
	if strings.HasPrefix(id, "ASIA") {
		cr.who = "temporary key " + id
		return cr, nil
	}
	k, err := x.cfg.Store.GetAccessKey(ctx, id)
	switch {
	case err == nil:
		cr.wire.Kind, cr.wire.UserName, cr.wire.Issued = kindLongTerm, k.UserName, utcPtr(k.Created)
		u, err := x.user(ctx, k.UserName, "")
		if err != nil {
			return nil, err
		}
		cr.principal = x.userPrincipal(k.UserName, u)
		cr.wire.Status = adminwire.CredentialInactive
		if k.Status == principal.KeyActive {
			// Active yet refused: its user is gone (the store keeps a
			// user with keys, so only a partial write leaves this).
			cr.wire.Status = adminwire.CredentialUserDeleted
		}
	case errors.Is(err, meta.ErrNoSuchEntity):
		tomb, err := x.cfg.Store.GetDeletedAccessKey(ctx, id)
		if errors.Is(err, meta.ErrNoSuchEntity) {
			cr.who = "access key " + id
			return cr, nil
		}
		if err != nil {
			return nil, err
		}
		cr.wire.Kind, cr.wire.UserName, cr.wire.DeletedAt = kindLongTerm, tomb.UserName, utcPtr(tomb.Deleted)
		// A user of the same name with another ID is a new user, not
		// the key's.
		u, err := x.user(ctx, tomb.UserName, tomb.UserID)
		if err != nil {
			return nil, err
		}
		cr.principal = x.userPrincipal(tomb.UserName, u)
		cr.wire.Status = adminwire.CredentialDeleted
		if u == nil {
			cr.wire.Status = adminwire.CredentialUserDeleted
		}
	default:
		return nil, err
	}
	cr.who = describe(cr.principal, id)
	return cr, nil
}

// user returns the user called name, nil when there is none or (when id
// is given) when the user of that name has another ID.
func (x *Explainer) user(ctx context.Context, name, id string) (*meta.User, error) {
	u, err := x.cfg.Store.GetUser(ctx, name)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if id != "" && u.ID != id {
		return nil, nil
	}
	return &u, nil
}

// userPrincipal names a key's user; its ARN only while the user exists,
// since a deleted user's path is not kept.
func (x *Explainer) userPrincipal(name string, u *meta.User) *adminwire.Principal {
	p := &adminwire.Principal{Type: adminwire.PrincipalUser, UserName: name}
	if u != nil {
		p.ARN = iam.EntityARN(x.cfg.Account, "user", u.Path, u.Name)
	}
	return p
}

func principalOf(p principal.Principal) *adminwire.Principal {
	out := &adminwire.Principal{Type: string(p.SessionKind), ARN: p.ARN, UserName: p.UserName,
		RoleName: p.RoleName, RoleARN: p.RoleARN, SessionName: p.SessionName,
		SessionPolicy: p.SessionPolicy, SessionPolicyARNs: slices.Clone(p.SessionPolicyARNs)}
	if out.Type == "" {
		out.Type = adminwire.PrincipalUser
		if p.IsRoot {
			out.Type = adminwire.PrincipalRoot
		}
	}
	return out
}

// kindOf guesses a dead key's kind from its prefix, as AWS documents them.
func kindOf(id string) string {
	if strings.HasPrefix(id, "ASIA") {
		return kindTemporary
	}
	return kindLongTerm
}

// describe names a key and whose it is, for messages.
func describe(p *adminwire.Principal, id string) string {
	if p == nil {
		return "access key " + id
	}
	switch p.Type {
	case adminwire.PrincipalRoot:
		return "the root user's key " + id
	case adminwire.PrincipalUser:
		return "IAM user " + p.UserName + "'s key " + id
	case adminwire.KindAssumedRole:
		return "role session " + p.RoleName + "/" + p.SessionName + " (" + id + ")"
	case adminwire.KindFederatedUser:
		return "federated user " + p.SessionName + "'s session (" + id + ")"
	case adminwire.KindSessionToken:
		if p.UserName == "" {
			return "the root user's session token " + id
		}
		return "IAM user " + p.UserName + "'s session token " + id
	}
	return "access key " + id
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// sessionOrNil is the credential's STS session; nil when c is nil or the
// key is not a known session's.
func (c *credential) sessionOrNil() *meta.Session {
	if c == nil {
		return nil
	}
	return c.session
}
