package iam

import (
	"context"
	"errors"

	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
)

// CreateRoleInput is what CreateRole takes.
type CreateRoleInput struct {
	Name string
	Path string // "" is "/"
	// AssumeRolePolicyDocument is the trust policy, validated as one.
	AssumeRolePolicyDocument string
	Description              string
	// MaxSessionDuration in seconds, 3600..43200; 0 is the default 3600.
	MaxSessionDuration int
}

// CreateRole creates a role.
func (s *Service) CreateRole(ctx context.Context, in CreateRoleInput) (meta.Role, error) {
	if err := validateRoleName(in.Name, "roleName"); err != nil {
		return meta.Role{}, err
	}
	path, err := normalPath(in.Path, "path")
	if err != nil {
		return meta.Role{}, err
	}
	if err := validateDescription(in.Description, maxRoleDescription); err != nil {
		return meta.Role{}, err
	}
	msd := in.MaxSessionDuration
	if msd == 0 {
		msd = DefaultMaxSessionDuration
	}
	if err := validateMaxSessionDuration(msd); err != nil {
		return meta.Role{}, err
	}
	if err := checkTrustPolicy(in.AssumeRolePolicyDocument); err != nil {
		return meta.Role{}, err
	}
	trust, err := s.bindTrust(ctx, in.AssumeRolePolicyDocument)
	if err != nil {
		return meta.Role{}, err
	}
	id, err := NewID(PrefixRole)
	if err != nil {
		return meta.Role{}, err
	}
	r := meta.Role{
		Name: in.Name, ID: id, Path: path, Description: in.Description,
		TrustPolicy: trust, MaxSessionDuration: msd, Created: s.now(),
	}
	if err := s.store.CreateRole(ctx, r); err != nil {
		if errors.Is(err, meta.ErrEntityExists) {
			return meta.Role{}, named(ReasonRoleExists, in.Name)
		}
		return meta.Role{}, err
	}
	// Bound a moment ago, the document reads back as it was given.
	r.TrustPolicy = in.AssumeRolePolicyDocument
	return r, nil
}

// checkTrustPolicy validates an assume-role policy document: the model's
// constraints, the trust-policy size quota, then the document itself.
func checkTrustPolicy(doc string) error {
	if err := checkDocument(doc, "assumeRolePolicyDocument"); err != nil {
		return err
	}
	if PolicySize(doc) > TrustPolicyQuota {
		return quotaExceeded("ACLSizePerRole", TrustPolicyQuota)
	}
	_, err := parseDocument(policy.Trust, doc)
	return err
}

// GetRole returns a role.
func (s *Service) GetRole(ctx context.Context, name string) (meta.Role, error) {
	if err := validateRoleName(name, "roleName"); err != nil {
		return meta.Role{}, err
	}
	r, err := s.store.GetRole(ctx, name)
	if err != nil {
		return meta.Role{}, lookupErr(err, func() *Error { return noSuchRole(name) })
	}
	return s.showTrust(ctx, r, nil)
}

// ListRoles returns the roles whose path starts with pathPrefix ("" for
// all), sorted by name.
func (s *Service) ListRoles(ctx context.Context, pathPrefix string) ([]meta.Role, error) {
	rs, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	rs = filterPath(rs, pathPrefix, func(r meta.Role) string { return r.Path })
	var arns map[string]string // one listing of users and roles for all
	for i := range rs {
		if rs[i], err = s.showTrust(ctx, rs[i], &arns); err != nil {
			return nil, err
		}
	}
	return rs, nil
}

// UpdateRoleInput is what UpdateRole changes; nil fields stay as they are.
type UpdateRoleInput struct {
	Description        *string
	MaxSessionDuration *int
}

// UpdateRole changes a role's description and maximum session duration.
// Sessions already issued keep their expiry, as on AWS.
func (s *Service) UpdateRole(ctx context.Context, name string, in UpdateRoleInput) (meta.Role, error) {
	if err := validateRoleName(name, "roleName"); err != nil {
		return meta.Role{}, err
	}
	if in.Description != nil {
		if err := validateDescription(*in.Description, maxRoleDescription); err != nil {
			return meta.Role{}, err
		}
	}
	if in.MaxSessionDuration != nil {
		if err := validateMaxSessionDuration(*in.MaxSessionDuration); err != nil {
			return meta.Role{}, err
		}
	}
	var out meta.Role
	err := s.store.UpdateRole(ctx, name, func(r *meta.Role) error {
		if in.Description != nil {
			r.Description = *in.Description
		}
		if in.MaxSessionDuration != nil {
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		out = *r
		return nil
	})
	if err != nil {
		return meta.Role{}, lookupErr(err, func() *Error { return noSuchRole(name) })
	}
	return s.showTrust(ctx, out, nil)
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, name, doc string) error {
	if err := validateRoleName(name, "roleName"); err != nil {
		return err
	}
	// The model names this member policyDocument.
	if err := checkDocument(doc, "policyDocument"); err != nil {
		return err
	}
	if _, err := s.GetRole(ctx, name); err != nil {
		return err
	}
	if PolicySize(doc) > TrustPolicyQuota {
		return quotaExceeded("ACLSizePerRole", TrustPolicyQuota)
	}
	if _, err := parseDocument(policy.Trust, doc); err != nil {
		return err
	}
	bound, err := s.bindTrust(ctx, doc)
	if err != nil {
		return err
	}
	err = s.store.UpdateRole(ctx, name, func(r *meta.Role) error {
		r.TrustPolicy = bound
		return nil
	})
	return lookupErr(err, func() *Error { return noSuchRole(name) })
}

// DeleteRole deletes a role that has no inline or attached policies.
func (s *Service) DeleteRole(ctx context.Context, name string) error {
	if _, err := s.GetRole(ctx, name); err != nil {
		return err
	}
	err := s.store.DeleteRole(ctx, name)
	switch {
	case errors.Is(err, meta.ErrNoSuchEntity):
		return noSuchRole(name)
	case errors.Is(err, meta.ErrDeleteConflict):
		o := meta.Owner{Kind: principal.OwnerRole, Name: name}
		if ps, lerr := s.store.ListInlinePolicies(ctx, o); lerr == nil && len(ps) > 0 {
			return newError(ReasonHasInlinePolicies)
		}
		return newError(ReasonHasAttachedPolicies)
	}
	return err
}
