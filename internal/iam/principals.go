package iam

import (
	"context"
	"errors"
	"fmt"

	"signet/internal/meta"
	"signet/internal/policy"
)

// BindPrincipals returns doc (a valid resource or trust policy) with every
// "AWS" principal that is the ARN of a user or role of this account
// replaced by that user's or role's unique ID, as IAM does when a policy
// is saved: the grant then belongs to that identity, and a user or role
// created later under the same name is another identity that does not
// inherit it. An ARN naming no such user or role is policy.ErrInvalidPrincipal,
// wrapped with the value. Other principals (accounts, other accounts'
// ARNs, session ARNs, "*", IDs) are kept as written.
func (s *Service) BindPrincipals(ctx context.Context, doc string) (string, error) {
	out, err := policy.RewriteAWSPrincipals([]byte(doc), func(v string) (string, error) {
		typ, path, name, ok := s.principalEntity(v)
		if !ok {
			return v, nil
		}
		id, livePath, err := s.entityID(ctx, typ, name)
		if errors.Is(err, meta.ErrNoSuchEntity) || err == nil && livePath != path {
			return "", &invalidPrincipal{value: v}
		}
		return id, err
	})
	return string(out), err
}

// ShowPrincipals is BindPrincipals read back: every bound unique ID whose
// user or role still exists is shown as its ARN again; the ID of one that
// was deleted stays, as IAM shows it, so the policy says plainly that it
// grants nothing to the name's next owner.
func (s *Service) ShowPrincipals(ctx context.Context, doc string) (string, error) {
	var arns map[string]string
	return s.showPrincipals(ctx, doc, &arns)
}

// showPrincipals is ShowPrincipals with the ID-to-ARN map built on the
// first ID met (most policies have none) and kept in *arns, so a listing
// builds it once.
func (s *Service) showPrincipals(ctx context.Context, doc string, arns *map[string]string) (string, error) {
	out, err := policy.RewriteAWSPrincipals([]byte(doc), func(v string) (string, error) {
		if !policy.IsUniqueID(v) {
			return v, nil
		}
		if *arns == nil {
			m, err := s.arnsByID(ctx)
			if err != nil {
				return "", err
			}
			*arns = m
		}
		if arn, ok := (*arns)[v]; ok {
			return arn, nil
		}
		return v, nil
	})
	return string(out), err
}

// principalEntity recognises the ARN of a user or role of this account.
func (s *Service) principalEntity(v string) (typ, path, name string, ok bool) {
	for _, typ := range []string{"user", "role"} {
		if path, name, ok := s.parseEntityARN(v, typ); ok {
			return typ, path, name, true
		}
	}
	return "", "", "", false
}

func (s *Service) entityID(ctx context.Context, typ, name string) (id, path string, err error) {
	if typ == "user" {
		u, err := s.store.GetUser(ctx, name)
		return u.ID, u.Path, err
	}
	r, err := s.store.GetRole(ctx, name)
	return r.ID, r.Path, err
}

// arnsByID maps every user's and role's unique ID to its ARN.
func (s *Service) arnsByID(ctx context.Context) (map[string]string, error) {
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(us)+len(rs))
	for _, u := range us {
		m[u.ID] = s.UserARN(u)
	}
	for _, r := range rs {
		m[r.ID] = s.RoleARN(r)
	}
	return m, nil
}

// invalidPrincipal is policy.ErrInvalidPrincipal for one value.
type invalidPrincipal struct{ value string }

func (e *invalidPrincipal) Error() string {
	return fmt.Sprintf("%s: %q", policy.ErrInvalidPrincipal, e.value)
}

func (e *invalidPrincipal) Unwrap() error { return policy.ErrInvalidPrincipal }

// bindTrust binds a trust policy's principals, answering an unknown user
// or role as IAM does: MalformedPolicyDocument naming the principal.
func (s *Service) bindTrust(ctx context.Context, doc string) (string, error) {
	bound, err := s.BindPrincipals(ctx, doc)
	var ip *invalidPrincipal
	if errors.As(err, &ip) {
		return "", named(ReasonInvalidPrincipal, ip.value)
	}
	return bound, err
}

// showTrust returns r with its trust policy as IAM shows it; arns is as
// for showPrincipals (nil for one role).
func (s *Service) showTrust(ctx context.Context, r meta.Role, arns *map[string]string) (meta.Role, error) {
	if arns == nil {
		arns = new(map[string]string)
	}
	doc, err := s.showPrincipals(ctx, r.TrustPolicy, arns)
	if err != nil {
		return meta.Role{}, err
	}
	r.TrustPolicy = doc
	return r, nil
}
