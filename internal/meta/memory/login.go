package memory

import (
	"context"
	"slices"

	"signet/internal/meta"
)

// Login profiles live in ids.logins, keyed by the folded user name; the
// password policy in passwordPolicy.

func cloneLoginProfile(p meta.LoginProfile) meta.LoginProfile {
	p.History = slices.Clone(p.History)
	return p
}

func clonePasswordPolicy(p *meta.PasswordPolicy) *meta.PasswordPolicy {
	if p == nil {
		return nil
	}
	c := *p
	if p.HardExpiry != nil {
		h := *p.HardExpiry
		c.HardExpiry = &h
	}
	return &c
}

// loginProfile returns the user's live profile: one bound to the user's
// current ID. The mutex is held.
func (s *Store) loginProfile(userName string) (meta.User, meta.LoginProfile, bool) {
	u, ok := s.ids.users[fold(userName)]
	if !ok || userName == "" {
		return meta.User{}, meta.LoginProfile{}, false
	}
	p, ok := s.ids.logins[fold(userName)]
	return u, p, ok && p.UserID == u.ID
}

func (s *Store) CreateLoginProfile(ctx context.Context, p meta.LoginProfile) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.ids.users[fold(p.UserName)]
	if !ok || p.UserName == "" {
		return meta.ErrNoSuchEntity
	}
	if _, _, live := s.loginProfile(p.UserName); live {
		return meta.ErrEntityExists
	}
	p.UserName, p.UserID = u.Name, u.ID
	s.ids.logins[fold(u.Name)] = cloneLoginProfile(p)
	return nil
}

func (s *Store) GetLoginProfile(ctx context.Context, userName string) (meta.LoginProfile, error) {
	if err := s.lock(ctx); err != nil {
		return meta.LoginProfile{}, err
	}
	defer s.mu.Unlock()
	_, p, ok := s.loginProfile(userName)
	if !ok {
		return meta.LoginProfile{}, meta.ErrNoSuchEntity
	}
	return cloneLoginProfile(p), nil
}

func (s *Store) UpdateLoginProfile(ctx context.Context, userName string, fn func(*meta.LoginProfile) error) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	_, p, ok := s.loginProfile(userName)
	if !ok {
		return meta.ErrNoSuchEntity
	}
	next := cloneLoginProfile(p)
	if err := fn(&next); err != nil {
		return err
	}
	next.UserName, next.UserID, next.Created = p.UserName, p.UserID, p.Created
	s.ids.logins[fold(userName)] = cloneLoginProfile(next)
	return nil
}

func (s *Store) DeleteLoginProfile(ctx context.Context, userName string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, _, ok := s.loginProfile(userName); !ok {
		return meta.ErrNoSuchEntity
	}
	delete(s.ids.logins, fold(userName))
	return nil
}

func (s *Store) GetAccountPasswordPolicy(ctx context.Context) (*meta.PasswordPolicy, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	return clonePasswordPolicy(s.passwordPolicy), nil
}

func (s *Store) PutAccountPasswordPolicy(ctx context.Context, p meta.PasswordPolicy) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.passwordPolicy = clonePasswordPolicy(&p)
	return nil
}

func (s *Store) DeleteAccountPasswordPolicy(ctx context.Context) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.passwordPolicy == nil {
		return meta.ErrNoSuchEntity
	}
	s.passwordPolicy = nil
	return nil
}
