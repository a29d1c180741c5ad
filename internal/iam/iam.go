// Package iam holds the rules of IAM identities: users and their access
// keys, roles, inline and managed policies. It validates input as IAM does
// and answers in domain errors (*Error) that say which rule was broken and
// the facts of the case; it knows nothing of HTTP, and iamapi words them as
// IAM does on the wire.
package iam

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/password"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/wiring"
)

// Store is the part of the identity store IAM's rules cover: users and
// their keys, roles, and both kinds of policy with their attachments.
type Store interface {
	meta.Users
	meta.AccessKeys
	meta.Roles
	meta.InlinePolicies
	meta.ManagedPolicies
	meta.Attachments
	meta.LoginProfiles
	meta.PasswordPolicies
}

// Config wires a Service.
type Config struct {
	Store  Store
	Sealer *secret.Sealer
	Clock  clock.Clock
	// Account is the 12-digit account ID every ARN names.
	Account string
	// RootCreated is the account's creation time, which GetUser reports
	// for the root user. Zero means the time New was called.
	RootCreated time.Time
	// PasswordParams are the Argon2id parameters new console passwords
	// are hashed with; zero means password.Default. Tests pass cheap
	// ones; a stored hash names its own, so changing them later is safe.
	PasswordParams password.Params
}

// Service applies IAM's rules over an identity store. It is safe for
// concurrent use; all state lives in the store.
type Service struct {
	store       Store
	sealer      *secret.Sealer
	clock       clock.Clock
	account     string
	rootCreated time.Time

	passwordParams password.Params
	// decoyHash is a hash of no one's password, verified in place of a
	// missing user's so that CheckPassword takes as long either way.
	decoyHash func() (string, error)
}

// New returns a Service, or an error naming what cfg lacks: Store, Sealer
// and Clock are required, and Account must be a 12-digit account ID.
func New(cfg Config) (*Service, error) {
	if err := wiring.Require("iam.Config", map[string]bool{
		"Store": cfg.Store != nil, "Sealer": cfg.Sealer != nil, "Clock": cfg.Clock != nil,
	}); err != nil {
		return nil, err
	}
	if !validAccount(cfg.Account) {
		return nil, fmt.Errorf("iam.Config: account ID %q is not 12 digits", cfg.Account)
	}
	s := &Service{store: cfg.Store, sealer: cfg.Sealer, clock: cfg.Clock, account: cfg.Account, rootCreated: cfg.RootCreated}
	if s.rootCreated.IsZero() {
		s.rootCreated = s.now()
	}
	s.passwordParams = cfg.PasswordParams
	if s.passwordParams == (password.Params{}) {
		s.passwordParams = password.Default
	}
	s.decoyHash = sync.OnceValues(func() (string, error) { return password.Hash("", s.passwordParams) })
	return s, nil
}

func validAccount(a string) bool {
	if len(a) != 12 {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] < '0' || a[i] > '9' {
			return false
		}
	}
	return true
}

// Account returns the account ID.
func (s *Service) Account() string { return s.account }

// RootCreated returns the time reported as the root user's CreateDate.
func (s *Service) RootCreated() time.Time { return s.rootCreated }

// now is IAM's notion of the time: UTC, whole seconds, because IAM reports
// creation dates to the second and a stored time must read back as shown.
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Second) }

// lookupErr turns a store error from reading one entity into the domain's
// not-found error, passing anything else through.
func lookupErr(err error, notFound func() *Error) error {
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return notFound()
	}
	return err
}

// ownerExists checks that the user or role o exists, so that "no such
// user" and "no such policy of the user" get their own messages.
func (s *Service) ownerExists(ctx context.Context, o meta.Owner) error {
	var err error
	switch o.Kind {
	case principal.OwnerUser:
		if err = validateUserName(o.Name, "userName"); err != nil {
			return err
		}
		_, err = s.store.GetUser(ctx, o.Name)
	case principal.OwnerRole:
		if err = validateRoleName(o.Name, "roleName"); err != nil {
			return err
		}
		_, err = s.store.GetRole(ctx, o.Name)
	default:
		return fmt.Errorf("iam: owner kind %q", o.Kind)
	}
	return lookupErr(err, func() *Error { return noSuchOwner(o) })
}
