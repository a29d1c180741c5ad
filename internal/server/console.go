package server

import (
	"context"
	"errors"
	"fmt"

	"signet/internal/console"

	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
)

// consoleKeys tells the console which long-term keys a principal may sign
// share links with: the root its own key, a user its active access keys.
type consoleKeys struct {
	root string
	iam  *iam.Service
}

func (k consoleKeys) ActiveKeys(ctx context.Context, p principal.Principal) ([]string, error) {
	if p.IsRoot {
		return []string{k.root}, nil
	}
	if p.UserName == "" || p.SessionKind == principal.SessionAssumedRole {
		return nil, nil // a role has no long-term keys
	}
	keys, err := k.iam.ListAccessKeys(ctx, p.UserName)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ak := range keys {
		if ak.Status == principal.KeyActive {
			ids = append(ids, ak.ID)
		}
	}
	return ids, nil
}

// consolePasswords signs IAM users in to the console with their login
// profile's password (iam.CheckPassword). A password that must be reset,
// or has expired under the account's policy, does not sign in: the console
// cannot change passwords yet, and letting such a user in would give more
// than AWS does (which sends them to change it first).
type consolePasswords struct {
	iam     *iam.Service
	account string
}

// errPasswordChangeRequired refuses a correct password that the account's
// rules say must be changed first.
var errPasswordChangeRequired = &console.SignInRefused{Message: "This password must be changed before you sign in: change it with 'aws iam change-password' (with one of your access keys), or ask an administrator to set a new one with 'signet admin user password'."}

func (c consolePasswords) CheckPassword(ctx context.Context, userName, pw string) (principal.Principal, error) {
	u, status, err := c.iam.CheckPassword(ctx, userName, pw)
	if errors.Is(err, iam.ErrSignInRefused) {
		return principal.Principal{}, fmt.Errorf("%w: %w", console.ErrWrongPassword, err)
	}
	if err != nil {
		return principal.Principal{}, err
	}
	if status != iam.LoginOK {
		return principal.Principal{}, errPasswordChangeRequired
	}
	return principal.Principal{ARN: iam.EntityARN(c.account, "user", u.Path, u.Name), UserID: u.ID, UserName: u.Name, Account: c.account}, nil
}

// pruneConsoleLinks forgets the console's links that have ended (by the
// lifetime clock), with the denylist's prune: a link is remembered only
// while it can still work.
func (s *Server) pruneConsoleLinks(ctx context.Context) {
	ls, ok := s.meta.(meta.ConsoleLinkStore)
	if !ok {
		return
	}
	if n, err := ls.PruneConsoleLinks(ctx, s.Clock.Now()); err != nil && ctx.Err() == nil {
		s.log.Warn("pruning the console's links failed", "err", err)
	} else if n > 0 {
		s.log.Info("pruned console links past their end", "count", n)
	}
}
