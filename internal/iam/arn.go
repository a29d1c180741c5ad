package iam

import (
	"strings"

	"signet/internal/meta"
)

// AWSAccount is the account part of the ARNs of AWS managed policies.
const AWSAccount = "aws"

// UserARN is arn:aws:iam::ACCT:user{path}{name}.
func (s *Service) UserARN(u meta.User) string { return s.entityARN("user", u.Path, u.Name) }

// RoleARN is arn:aws:iam::ACCT:role{path}{name}.
func (s *Service) RoleARN(r meta.Role) string { return s.entityARN("role", r.Path, r.Name) }

// PolicyARN is the ARN of a customer managed policy:
// arn:aws:iam::ACCT:policy{path}{name}.
func (s *Service) PolicyARN(p meta.Policy) string { return s.entityARN("policy", p.Path, p.Name) }

// RootARN is arn:aws:iam::ACCT:root.
func (s *Service) RootARN() string { return "arn:aws:iam::" + s.account + ":root" }

// ARN builds the ARN of an entity of the given type ("user", "role",
// "policy") from its path and name; an empty path is "/".
func (s *Service) ARN(typ, path, name string) string { return s.entityARN(typ, path, name) }

func (s *Service) entityARN(typ, path, name string) string {
	return EntityARN(s.account, typ, path, name)
}

// EntityARN is arn:aws:iam::ACCOUNT:{typ}{path}{name}, the ARN of a user,
// role or policy; an empty path is "/".
func EntityARN(account, typ, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:aws:iam::" + account + ":" + typ + path + name
}

// ParseRoleARN returns the name of the role an ARN of this account names.
func (s *Service) ParseRoleARN(arn string) (name string, ok bool) {
	_, name, ok = s.parseEntityARN(arn, "role")
	return name, ok
}

// ParsePolicyARN returns the path and name of a customer managed policy
// of this account.
func (s *Service) ParsePolicyARN(arn string) (path, name string, ok bool) {
	return s.parseEntityARN(arn, "policy")
}

// parseEntityARN splits arn:aws:iam::ACCT:TYPE/PATH.../NAME for this
// account into its path ("/" or "/a/b/") and name.
func (s *Service) parseEntityARN(arn, typ string) (path, name string, ok bool) {
	acct, res, ok := splitIAMARN(arn)
	if !ok || acct != s.account {
		return "", "", false
	}
	return splitResource(res, typ)
}

// splitIAMARN splits arn:aws:iam::ACCOUNT:RESOURCE.
func splitIAMARN(arn string) (account, resource string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" || parts[4] == "" {
		return "", "", false
	}
	return parts[4], parts[5], true
}

// splitResource splits TYPE/PATH.../NAME into "/PATH.../" and NAME.
func splitResource(res, typ string) (path, name string, ok bool) {
	rest, ok := strings.CutPrefix(res, typ+"/")
	if !ok {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	path, name = "/"+rest[:i+1], rest[i+1:]
	if name == "" {
		return "", "", false
	}
	return path, name, true
}
