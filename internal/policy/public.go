package policy

import "strings"

// Public reports whether a bucket policy is public as S3 defines it for
// Block Public Access and GetBucketPolicyStatus: some Allow statement
// grants to everyone ("*", {"AWS":"*"} or through NotPrincipal) without a
// condition that pins the request to fixed values: a set of CIDRs in
// aws:SourceIp, or a fixed aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
// aws:SourceOwner, aws:SourceAccount, s3:x-amz-server-side-encryption-
// aws-kms-key-id or aws:userid (which may end in ":*" after a fixed role
// ID), or a fixed aws:PrincipalAccount, aws:PrincipalArn or
// aws:PrincipalOrgID.
func (d *Document) Public() bool {
	if d == nil || d.impl == nil {
		return false
	}
	for i := range d.impl.stmts {
		if d.impl.stmts[i].public() {
			return true
		}
	}
	return false
}

func (s *statement) public() bool {
	if s.effect != Allow || !s.hasPrincipal && !s.notPrincipal {
		return false
	}
	if !s.notPrincipal && !s.principal.anyone {
		return false
	}
	for i := range s.conds {
		if s.conds[i].fixes() {
			return false
		}
	}
	return true
}

// fixingKeys are the condition keys that make an Allow to everyone
// non-public when pinned to fixed values.
var fixingKeys = map[string]bool{
	"aws:sourcearn": true, "aws:sourcevpc": true, "aws:sourcevpce": true,
	"aws:sourceowner": true, "aws:sourceaccount": true, "aws:userid": true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
	"aws:principalaccount":                           true, "aws:principalarn": true, "aws:principalorgid": true,
}

// fixes reports whether c pins its key to fixed values: a positive
// operator (not negated, not IfExists, not ForAllValues, which an absent
// key satisfies) whose values have no wildcard.
func (c *condition) fixes() bool {
	key := strings.ToLower(c.key)
	if c.op.neg || c.op.ifExists || c.op.set == setAll {
		return false
	}
	if key == "aws:sourceip" {
		return c.op.fam == famIP && len(c.nets) > 0
	}
	if !fixingKeys[key] {
		return false
	}
	switch c.op.fam {
	case famString:
		for _, p := range c.pats {
			if p.kind != patExact && !(key == "aws:userid" && fixedUserID(p)) {
				return false
			}
		}
		return len(c.pats) > 0
	case famArn:
		for _, a := range c.arns {
			if !a.exact() {
				return false
			}
		}
		return len(c.arns) > 0
	}
	return false
}

// fixedUserID: an aws:userid pattern "ROLEID:*" names the sessions of one
// role, which S3 counts as fixed.
func fixedUserID(p pattern) bool {
	if p.kind != patPrefix {
		return false
	}
	id, ok := strings.CutSuffix(p.lit, ":")
	return ok && id != "" && !strings.ContainsAny(id, "*?")
}

// exact reports whether an ARN pattern has no wildcard in any part.
func (a *arnPattern) exact() bool {
	if a.parts == nil {
		return a.whole.kind == patExact
	}
	for i := range a.parts {
		if a.parts[i].kind != patExact {
			return false
		}
	}
	return true
}
