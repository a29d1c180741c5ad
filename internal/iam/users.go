package iam

import (
	"context"
	"errors"
	"strings"

	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/secret"
)

// CreateUser creates a user under path ("" is "/").
func (s *Service) CreateUser(ctx context.Context, name, path string) (meta.User, error) {
	if err := validateUserName(name, "userName"); err != nil {
		return meta.User{}, err
	}
	path, err := normalPath(path, "path")
	if err != nil {
		return meta.User{}, err
	}
	id, err := NewID(PrefixUser)
	if err != nil {
		return meta.User{}, err
	}
	u := meta.User{Name: name, ID: id, Path: path, Created: s.now()}
	if err := s.store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, meta.ErrEntityExists) {
			return meta.User{}, named(ReasonUserExists, name)
		}
		return meta.User{}, err
	}
	return u, nil
}

// GetUser returns a user.
func (s *Service) GetUser(ctx context.Context, name string) (meta.User, error) {
	if err := validateUserName(name, "userName"); err != nil {
		return meta.User{}, err
	}
	u, err := s.store.GetUser(ctx, name)
	if err != nil {
		return meta.User{}, lookupErr(err, func() *Error { return noSuchUser(name) })
	}
	return u, nil
}

// ListUsers returns the users whose path starts with pathPrefix ("" for
// all), sorted by name.
func (s *Service) ListUsers(ctx context.Context, pathPrefix string) ([]meta.User, error) {
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	return filterPath(us, pathPrefix, func(u meta.User) string { return u.Path }), nil
}

// DeleteUser deletes a user that has no login profile, no access keys
// and no inline or attached policies, as IAM requires.
func (s *Service) DeleteUser(ctx context.Context, name string) error {
	if _, err := s.GetUser(ctx, name); err != nil {
		return err
	}
	err := s.store.DeleteUser(ctx, name)
	switch {
	case errors.Is(err, meta.ErrNoSuchEntity):
		return noSuchUser(name)
	case errors.Is(err, meta.ErrDeleteConflict):
		return s.userConflict(ctx, name)
	}
	return err
}

// userConflict names what still hangs off a user, in the order IAM
// reports it: login profile, access keys, inline policies, attachments. The
// store refused the delete atomically; this read only picks the message.
func (s *Service) userConflict(ctx context.Context, name string) error {
	o := meta.Owner{Kind: principal.OwnerUser, Name: name}
	if _, err := s.store.GetLoginProfile(ctx, name); err == nil {
		return newError(ReasonUserHasLoginProfile)
	}
	if keys, err := s.store.ListAccessKeys(ctx, name); err == nil && len(keys) > 0 {
		return newError(ReasonUserHasAccessKeys)
	}
	if ps, err := s.store.ListInlinePolicies(ctx, o); err == nil && len(ps) > 0 {
		return newError(ReasonHasInlinePolicies)
	}
	if as, err := s.store.ListAttachedPolicies(ctx, o); err == nil && len(as) > 0 {
		return newError(ReasonHasAttachedPolicies)
	}
	// Whatever blocked the delete is gone already: say what IAM says for
	// referenced objects in general.
	return newError(ReasonUserHasReferences)
}

// CreateAccessKey creates an Active access key for a user, at most
// AccessKeysPerUser of them (inactive keys count). The secret is returned
// here once and stored only sealed.
func (s *Service) CreateAccessKey(ctx context.Context, userName string) (meta.AccessKey, secret.Secret, error) {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return meta.AccessKey{}, secret.Secret{}, err
	}
	sec, err := secret.Generate()
	if err != nil {
		return meta.AccessKey{}, secret.Secret{}, err
	}
	// A fresh ID colliding with a stored one is a 2^-80 event; retrying
	// once more than that is free.
	for attempt := 0; ; attempt++ {
		id, err := NewID(PrefixAccessKey)
		if err != nil {
			return meta.AccessKey{}, secret.Secret{}, err
		}
		sealed, err := s.sealer.Seal(sec, id)
		if err != nil {
			return meta.AccessKey{}, secret.Secret{}, err
		}
		k := meta.AccessKey{ID: id, UserName: userName, SealedSecret: sealed, Status: principal.KeyActive, Created: s.now()}
		err = s.store.CreateAccessKey(ctx, k, AccessKeysPerUser)
		switch {
		case err == nil:
			// The store keeps the user's name as created.
			stored, gerr := s.store.GetAccessKey(ctx, id)
			if gerr == nil {
				k = stored
			}
			return k, sec, nil
		case errors.Is(err, meta.ErrLimitExceeded):
			return meta.AccessKey{}, secret.Secret{}, quotaExceeded("AccessKeysPerUser", AccessKeysPerUser)
		case errors.Is(err, meta.ErrNoSuchEntity):
			return meta.AccessKey{}, secret.Secret{}, noSuchUser(userName)
		case errors.Is(err, meta.ErrEntityExists) && attempt < 3:
			continue
		}
		return meta.AccessKey{}, secret.Secret{}, err
	}
}

// ListAccessKeys returns a user's keys in creation order.
func (s *Service) ListAccessKeys(ctx context.Context, userName string) ([]meta.AccessKey, error) {
	if _, err := s.GetUser(ctx, userName); err != nil {
		return nil, err
	}
	ks, err := s.store.ListAccessKeys(ctx, userName)
	if err != nil {
		return nil, lookupErr(err, func() *Error { return noSuchUser(userName) })
	}
	return ks, nil
}

// UpdateAccessKey sets a user's key Active or Inactive.
func (s *Service) UpdateAccessKey(ctx context.Context, userName, id string, status principal.KeyStatus) error {
	if status != principal.KeyActive && status != principal.KeyInactive {
		// The model's statusType also lists Expired, which only AWS sets.
		return violated(Violation{Field: "status", Value: string(status), Rule: RuleEnum, Set: "[Active, Inactive, Expired]"})
	}
	if err := s.checkKeyID(id); err != nil {
		return err
	}
	if _, err := s.GetUser(ctx, userName); err != nil {
		return err
	}
	err := s.store.UpdateAccessKey(ctx, userName, id, status)
	return lookupErr(err, func() *Error { return noSuchAccessKey(id) })
}

// DeleteAccessKey deletes a user's key; a URL it signed stops working.
func (s *Service) DeleteAccessKey(ctx context.Context, userName, id string) error {
	if err := s.checkKeyID(id); err != nil {
		return err
	}
	if _, err := s.GetUser(ctx, userName); err != nil {
		return err
	}
	err := s.store.DeleteAccessKey(ctx, userName, id, s.now())
	return lookupErr(err, func() *Error { return noSuchAccessKey(id) })
}

// checkKeyID applies accessKeyIdType: 16 to 128 word characters.
func (s *Service) checkKeyID(id string) error {
	switch {
	case len(id) < 16:
		return tooShort(id, "accessKeyId", 16)
	case len(id) > 128:
		return tooLong(id, "accessKeyId", 128)
	case strings.IndexFunc(id, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) >= 0:
		return badPattern(id, "accessKeyId", `[\w]+`)
	}
	return nil
}

// filterPath keeps the items whose path starts with prefix.
func filterPath[T any](items []T, prefix string, path func(T) string) []T {
	if prefix == "" || prefix == "/" {
		return items
	}
	out := items[:0:0]
	for _, it := range items {
		if strings.HasPrefix(path(it), prefix) {
			out = append(out, it)
		}
	}
	return out
}
