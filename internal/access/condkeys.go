package access

import (
	"context"
	"crypto/tls"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/principal"
)

// This file is the one table of condition keys: for every S3, IAM and STS
// action signet authorises, the keys AWS's Service Authorization
// Reference documents for it ("Actions, resources, and condition keys for
// Amazon S3 / IAM / AWS STS"), plus the global aws:* keys every request
// carries, and how signet fills in each one. A key the table does not
// supply for an action is absent from that request's context, which makes
// a Deny conditioned on it silently not apply (StringEquals fails on an
// absent key) — the fail-open this table exists to prevent. So every
// documented key has either a supplier or the reason it is always absent
// in signet, as it is on AWS for the same request (no access points, no
// tags on identities, no permissions boundaries, no VPC endpoints …). Policies naming
// keys that are never supplied are still accepted, as on AWS; Store logs a
// warning when such a policy is written and the dry run names the key.

// keyRequest is what a supplier reads.
type keyRequest struct {
	a      *Authorizer
	r      *http.Request
	res    *authn.Result
	now    time.Time
	params url.Values // the IAM or STS call's parameters; nil for S3
	// resource is the ARN the request acts on, for keys read from the
	// resource itself (s3:ExistingObjectTag/).
	resource string
}

// supplier adds one key (or, for a family such as aws:RequestTag/, every
// member the request names) to ctx, or nothing when the request has no
// value for it.
type supplier func(k *keyRequest, ctx map[string][]string, name string)

// keyDef says how signet fills in one condition key.
type keyDef struct {
	supply supplier
	// never is why the key is never present in signet; set when supply is
	// nil.
	never string
}

// Sources a supplier reads, named so that a test can provoke each one.
const (
	srcHeader  = iota + 1 // a request header
	srcQuery              // an S3 query parameter
	srcParam              // an IAM or STS parameter
	srcBuiltin            // the caller, the connection or the clock
)

// keySource records where a key's value comes from, for tests and docs.
type keySource struct {
	kind int
	name string
}

// keySources is keyed by the lower-case key.
var keySources = map[string]keySource{}

func source(key string, kind int, name string) {
	keySources[strings.ToLower(key)] = keySource{kind, name}
}

func fromHeader(key, header string) keyDef {
	source(key, srcHeader, header)
	return keyDef{supply: func(k *keyRequest, ctx map[string][]string, name string) {
		switch vs := k.r.Header.Values(header); len(vs) {
		case 0:
		case 1:
			ctx[name] = vs[:1:1] // read only; capped so no append can reach the header
		default:
			ctx[name] = []string{strings.Join(vs, ",")}
		}
	}}
}

func fromQuery(key, param string) keyDef {
	source(key, srcQuery, param)
	return keyDef{supply: func(k *keyRequest, ctx map[string][]string, name string) {
		if vs, ok := k.r.URL.Query()[param]; ok {
			ctx[name] = []string{vs[0]}
		}
	}}
}

func fromParam(key, param string) keyDef {
	source(key, srcParam, param)
	return keyDef{supply: func(k *keyRequest, ctx map[string][]string, name string) {
		if vs, ok := k.params[param]; ok {
			ctx[name] = []string{vs[0]}
		}
	}}
}

func builtin(key string, fn supplier) keyDef {
	source(key, srcBuiltin, "")
	return keyDef{supply: fn}
}

func never(why string) keyDef { return keyDef{never: why} }

// Reasons a key is never present, shared by several keys.
const (
	neverAccessPoint  = "signet has no access points; AWS leaves this key out of a request made to the bucket itself"
	neverBoundary     = "signet refuses permissions boundaries (InvalidInput), so no user or role has one"
	neverEntityTags   = "signet keeps no tags on users, roles or policies"
	neverPrincipalTag = "signet keeps no tags on users, roles or sessions"
	neverOrg          = "signet has no AWS Organizations"
	neverVPC          = "signet has no VPC endpoints; AWS leaves this key out of a request that does not come through one"
	neverService      = "no AWS service calls signet on anyone's behalf"
	neverSourceID     = "signet does not carry a session's source identity into the requests it signs"
	neverMFAAge       = "signet issues no MFA-authenticated sessions to age"
	neverFederation   = "signet has no web identity or SAML federation"
)

// keyDefs maps each key (lower case; a family ends in "/") to its
// definition. Keys are case-insensitive in AWS.
var keyDefs = map[string]keyDef{}

func def(name string, d keyDef) {
	keyDefs[strings.ToLower(name)] = d
}

// Key lists per action. Global keys apply to every action.
var (
	globalKeys = []string{
		"aws:CurrentTime", "aws:EpochTime", "aws:SecureTransport", "aws:SourceIp",
		"aws:UserAgent", "aws:Referer", "aws:RequestedRegion", "aws:ViaAWSService",
		"aws:PrincipalIsAWSService", "aws:PrincipalArn", "aws:PrincipalAccount",
		"aws:PrincipalType", "aws:userid", "aws:username", "aws:TokenIssueTime",
		"aws:MultiFactorAuthPresent", "aws:ResourceAccount",
		// Global keys AWS supplies only in circumstances signet never has.
		"aws:MultiFactorAuthAge", "aws:PrincipalTag/", "aws:PrincipalOrgID",
		"aws:PrincipalOrgPaths", "aws:ResourceOrgID", "aws:ResourceOrgPaths",
		"aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:SourceVpc",
		"aws:SourceVpce", "aws:VpcSourceIp", "aws:SourceArn", "aws:SourceAccount",
		"aws:SourceOrgID", "aws:SourceOrgPaths", "aws:CalledVia", "aws:CalledViaFirst",
		"aws:CalledViaLast", "aws:SourceIdentity", "aws:FederatedProvider",
		"aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4",
	}
	// Every S3 action: how the request was signed and sent.
	s3Common = []string{
		"s3:authType", "s3:signatureAge", "s3:signatureversion",
		"s3:x-amz-content-sha256", "s3:ResourceAccount", "s3:TlsVersion",
	}
	s3AccessPoint = []string{"s3:DataAccessPointArn", "s3:DataAccessPointAccount", "s3:AccessPointNetworkOrigin"}
	s3Grants      = []string{
		"s3:x-amz-acl", "s3:x-amz-grant-full-control", "s3:x-amz-grant-read",
		"s3:x-amz-grant-read-acp", "s3:x-amz-grant-write", "s3:x-amz-grant-write-acp",
	}
	s3Object  = join(s3Common, s3AccessPoint)
	iamTags   = []string{"aws:TagKeys", "aws:RequestTag/"}
	iamAttach = []string{"iam:PolicyARN", "iam:PermissionsBoundary", "aws:ResourceTag/"}
	iamEntity = []string{"aws:ResourceTag/"}
)

// actionKeys is the table: each action signet authorises and the
// action-specific keys the Service Authorization Reference lists for it
// (its own and those of its resource types).
var actionKeys = map[string][]string{
	"s3:AbortMultipartUpload":       s3Object,
	"s3:CreateBucket":               join(s3Common, s3Grants, []string{"s3:locationconstraint", "s3:x-amz-object-ownership"}),
	"s3:DeleteBucket":               s3Common,
	"s3:DeleteBucketPolicy":         s3Common,
	"s3:DeleteObject":               s3Object,
	"s3:DeleteObjectTagging":        join(s3Object, []string{"s3:ExistingObjectTag/"}),
	"s3:DeleteObjectVersion":        join(s3Object, []string{"s3:versionid"}),
	"s3:DeleteObjectVersionTagging": join(s3Object, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:GetBucketAcl":               s3Common,
	"s3:GetBucketCORS":              s3Common,
	"s3:GetLifecycleConfiguration":  s3Common,
	"s3:GetBucketLocation":          s3Common,
	"s3:GetBucketOwnershipControls": s3Common,
	"s3:GetBucketPolicy":            s3Common,
	"s3:GetBucketPolicyStatus":      s3Common,
	"s3:GetBucketPublicAccessBlock": s3Common,

	// S3 Control's account-level Block Public Access, on resource "*".
	"s3:GetAccountPublicAccessBlock": s3Common,
	"s3:PutAccountPublicAccessBlock": s3Common,

	"s3:GetBucketTagging":           s3Common,
	"s3:GetBucketVersioning":        s3Common,
	"s3:GetEncryptionConfiguration": s3Common,
	"s3:GetObject":                  join(s3Object, []string{"s3:ExistingObjectTag/"}),
	"s3:GetObjectAcl":               join(s3Object, []string{"s3:ExistingObjectTag/"}),
	"s3:GetObjectAttributes":        join(s3Object, []string{"s3:ExistingObjectTag/"}),
	"s3:GetObjectTagging":           join(s3Object, []string{"s3:ExistingObjectTag/"}),
	"s3:GetObjectVersion":           join(s3Object, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:GetObjectVersionAcl":        join(s3Object, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:GetObjectVersionAttributes": join(s3Object, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:GetObjectVersionTagging":    join(s3Object, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:ListAllMyBuckets":           s3Common,
	"s3:ListBucket":                 join(s3Object, []string{"s3:prefix", "s3:delimiter", "s3:max-keys"}),
	"s3:ListBucketMultipartUploads": s3Object,
	"s3:ListBucketVersions":         join(s3Object, []string{"s3:prefix", "s3:delimiter", "s3:max-keys"}),
	"s3:ListMultipartUploadParts":   s3Object,
	"s3:PutBucketAcl":               join(s3Common, s3Grants),
	"s3:PutBucketCORS":              s3Common,
	"s3:PutLifecycleConfiguration":  s3Common,
	"s3:PutBucketOwnershipControls": s3Common,
	"s3:PutBucketPolicy":            s3Common,
	"s3:PutBucketPublicAccessBlock": s3Common,
	"s3:PutBucketTagging":           s3Common,
	"s3:PutBucketVersioning":        s3Common,
	"s3:PutEncryptionConfiguration": s3Common,
	"s3:PutObjectAcl":               join(s3Object, s3Grants, []string{"s3:ExistingObjectTag/"}),
	"s3:PutObjectTagging":           join(s3Object, []string{"s3:ExistingObjectTag/", "s3:RequestObjectTag/", "s3:RequestObjectTagKeys"}),
	"s3:PutObjectVersionAcl":        join(s3Object, s3Grants, []string{"s3:ExistingObjectTag/", "s3:versionid"}),
	"s3:PutObjectVersionTagging":    join(s3Object, []string{"s3:ExistingObjectTag/", "s3:RequestObjectTag/", "s3:RequestObjectTagKeys", "s3:versionid"}),
	// CreateBucket with Tags in its configuration (aws:RequestTag/ and
	// aws:TagKeys are never supplied).
	"s3:TagResource": s3Common,
	"s3:PutObject": join(s3Object, s3Grants, []string{
		"s3:RequestObjectTag/", "s3:RequestObjectTagKeys", "s3:x-amz-copy-source",
		"s3:x-amz-metadata-directive", "s3:x-amz-server-side-encryption",
		"s3:x-amz-server-side-encryption-aws-kms-key-id",
		"s3:x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-storage-class",
		"s3:x-amz-website-redirect-location", "s3:object-lock-mode",
		"s3:object-lock-retain-until-date", "s3:object-lock-remaining-retention-days",
		"s3:object-lock-legal-hold", "s3:if-match", "s3:if-none-match",
	}),

	"iam:CreateUser":               join([]string{"iam:PermissionsBoundary"}, iamTags),
	"iam:GetUser":                  iamEntity,
	"iam:ListUsers":                nil,
	"iam:DeleteUser":               iamEntity,
	"iam:CreateAccessKey":          iamEntity,
	"iam:ListAccessKeys":           iamEntity,
	"iam:UpdateAccessKey":          iamEntity,
	"iam:DeleteAccessKey":          iamEntity,
	"iam:CreateRole":               join([]string{"iam:PermissionsBoundary"}, iamTags),
	"iam:GetRole":                  iamEntity,
	"iam:ListRoles":                nil,
	"iam:UpdateRole":               iamEntity,
	"iam:UpdateAssumeRolePolicy":   iamEntity,
	"iam:DeleteRole":               iamEntity,
	"iam:PutUserPolicy":            []string{"iam:PermissionsBoundary", "aws:ResourceTag/"},
	"iam:GetUserPolicy":            iamEntity,
	"iam:ListUserPolicies":         iamEntity,
	"iam:DeleteUserPolicy":         []string{"iam:PermissionsBoundary", "aws:ResourceTag/"},
	"iam:PutRolePolicy":            []string{"iam:PermissionsBoundary", "aws:ResourceTag/"},
	"iam:GetRolePolicy":            iamEntity,
	"iam:ListRolePolicies":         iamEntity,
	"iam:DeleteRolePolicy":         []string{"iam:PermissionsBoundary", "aws:ResourceTag/"},
	"iam:CreatePolicy":             iamTags,
	"iam:GetPolicy":                iamEntity,
	"iam:GetPolicyVersion":         iamEntity,
	"iam:ListPolicies":             nil,
	"iam:DeletePolicy":             iamEntity,
	"iam:AttachUserPolicy":         iamAttach,
	"iam:DetachUserPolicy":         iamAttach,
	"iam:ListAttachedUserPolicies": iamEntity,
	"iam:AttachRolePolicy":         iamAttach,
	"iam:DetachRolePolicy":         iamAttach,
	"iam:ListAttachedRolePolicies": iamEntity,

	// The login profile actions and ChangePassword act on a user; the
	// password policy ones on no resource type, so they have no keys.
	"iam:CreateLoginProfile":          iamEntity,
	"iam:GetLoginProfile":             iamEntity,
	"iam:UpdateLoginProfile":          iamEntity,
	"iam:DeleteLoginProfile":          iamEntity,
	"iam:ChangePassword":              iamEntity,
	"iam:UpdateAccountPasswordPolicy": nil,
	"iam:GetAccountPasswordPolicy":    nil,
	"iam:DeleteAccountPasswordPolicy": nil,

	"sts:AssumeRole": join(iamTags, []string{
		"sts:TransitiveTagKeys", "sts:ExternalId", "sts:RoleSessionName",
		"sts:SourceIdentity", "iam:ResourceTag/",
	}),
	"sts:GetFederationToken": iamTags,
}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func init() {
	// Global keys.
	def("aws:CurrentTime", builtin("aws:CurrentTime", func(k *keyRequest, ctx map[string][]string, n string) {
		ctx[n] = []string{k.now.Format(time.RFC3339)}
	}))
	def("aws:EpochTime", builtin("aws:EpochTime", func(k *keyRequest, ctx map[string][]string, n string) {
		ctx[n] = []string{strconv.FormatInt(k.now.Unix(), 10)}
	}))
	def("aws:SecureTransport", builtin("aws:SecureTransport", func(k *keyRequest, ctx map[string][]string, n string) {
		ctx[n] = []string{strconv.FormatBool(k.r.TLS != nil)}
	}))
	def("aws:SourceIp", builtin("aws:SourceIp", func(k *keyRequest, ctx map[string][]string, n string) {
		if ip := sourceIP(k.r); ip != "" {
			ctx[n] = []string{ip}
		}
	}))
	def("aws:UserAgent", fromHeader("aws:UserAgent", "User-Agent"))
	def("aws:Referer", fromHeader("aws:Referer", "Referer"))
	def("aws:RequestedRegion", builtin("aws:RequestedRegion", func(k *keyRequest, ctx map[string][]string, n string) {
		if region := k.a.requestedRegion(k.r); region != "" {
			ctx[n] = []string{region}
		}
	}))
	// No AWS service ever forwards a request to signet.
	def("aws:ViaAWSService", builtin("aws:ViaAWSService", constant("false")))
	def("aws:PrincipalIsAWSService", builtin("aws:PrincipalIsAWSService", constant("false")))
	def("aws:ResourceAccount", builtin("aws:ResourceAccount", func(k *keyRequest, ctx map[string][]string, n string) {
		ctx[n] = []string{k.a.account}
	}))
	signed := func(key string, fn func(k *keyRequest, p principal.Principal) string) {
		def(key, builtin(key, func(k *keyRequest, ctx map[string][]string, n string) {
			if k.res == nil || k.res.Anonymous {
				return
			}
			if v := fn(k, k.res.Principal); v != "" {
				ctx[n] = []string{v}
			}
		}))
	}
	signed("aws:PrincipalArn", func(_ *keyRequest, p principal.Principal) string { return p.PrincipalARN() })
	signed("aws:PrincipalAccount", func(k *keyRequest, _ principal.Principal) string { return k.a.account })
	signed("aws:PrincipalType", func(_ *keyRequest, p principal.Principal) string { return principalType(p) })
	signed("aws:userid", func(_ *keyRequest, p principal.Principal) string { return p.UserID })
	signed("aws:username", func(_ *keyRequest, p principal.Principal) string {
		if p.SessionKind == "" || p.SessionKind == principal.SessionToken {
			return p.UserName
		}
		return ""
	})
	signed("aws:TokenIssueTime", func(_ *keyRequest, p principal.Principal) string {
		if !p.Temporary() {
			return ""
		}
		return p.TokenIssued.UTC().Format(time.RFC3339Nano)
	})
	signed("aws:MultiFactorAuthPresent", func(*keyRequest, principal.Principal) string { return "false" })
	def("aws:MultiFactorAuthAge", never(neverMFAAge))
	def("aws:PrincipalTag/", never(neverPrincipalTag))
	for _, k := range []string{"aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:ResourceOrgID", "aws:ResourceOrgPaths", "aws:SourceOrgID", "aws:SourceOrgPaths"} {
		def(k, never(neverOrg))
	}
	for _, k := range []string{"aws:SourceVpc", "aws:SourceVpce", "aws:VpcSourceIp", "aws:Ec2InstanceSourceVpc", "aws:Ec2InstanceSourcePrivateIPv4"} {
		def(k, never(neverVPC))
	}
	for _, k := range []string{"aws:PrincipalServiceName", "aws:PrincipalServiceNamesList", "aws:SourceArn", "aws:SourceAccount", "aws:CalledVia", "aws:CalledViaFirst", "aws:CalledViaLast"} {
		def(k, never(neverService))
	}
	def("aws:SourceIdentity", never(neverSourceID))
	def("aws:FederatedProvider", never(neverFederation))

	// S3: how the request was signed (reference §1.6).
	signedS3 := func(key string, fn func(res *authn.Result) string) {
		def(key, builtin(key, func(k *keyRequest, ctx map[string][]string, n string) {
			if k.res == nil || k.res.Anonymous {
				return
			}
			if v := fn(k.res); v != "" {
				ctx[n] = []string{v}
			}
		}))
	}
	signedS3("s3:authType", func(res *authn.Result) string { return res.AuthType })
	signedS3("s3:signatureversion", func(res *authn.Result) string { return res.SignatureVersion })
	signedS3("s3:signatureAge", func(res *authn.Result) string {
		// Always 0 for SigV2 (reference §1.6): it does not limit SigV2 URLs.
		age := res.SignatureAge.Milliseconds()
		if res.SignatureVersion == authn.SigV2 || age < 0 {
			age = 0
		}
		return strconv.FormatInt(age, 10)
	})
	signedS3("s3:x-amz-content-sha256", func(res *authn.Result) string {
		// Header auth only: a presigned URL's payload is never hashed.
		if res.AuthType != authn.AuthHeader {
			return ""
		}
		return res.ContentSHA256
	})
	def("s3:ResourceAccount", builtin("s3:ResourceAccount", func(k *keyRequest, ctx map[string][]string, n string) {
		ctx[n] = []string{k.a.account}
	}))
	def("s3:TlsVersion", builtin("s3:TlsVersion", func(k *keyRequest, ctx map[string][]string, n string) {
		if v := tlsVersion(k.r.TLS); v != "" {
			ctx[n] = []string{v}
		}
	}))
	for _, k := range s3AccessPoint {
		def(k, never(neverAccessPoint))
	}
	def("s3:ExistingObjectTag/", builtin("s3:ExistingObjectTag/", existingObjectTags))
	for _, k := range s3Grants {
		def(k, fromHeader(k, strings.TrimPrefix(k, "s3:")))
	}
	for _, k := range []string{"s3:prefix", "s3:delimiter", "s3:max-keys"} {
		def(k, fromQuery(k, strings.TrimPrefix(k, "s3:")))
	}
	def("s3:versionid", fromQuery("s3:versionid", "versionId"))
	for _, k := range []string{
		"s3:x-amz-metadata-directive", "s3:x-amz-server-side-encryption",
		"s3:x-amz-server-side-encryption-aws-kms-key-id",
		"s3:x-amz-server-side-encryption-customer-algorithm", "s3:x-amz-storage-class",
		"s3:x-amz-website-redirect-location", "s3:x-amz-object-ownership",
		"s3:if-match", "s3:if-none-match",
	} {
		def(k, fromHeader(k, strings.TrimPrefix(k, "s3:")))
	}
	for _, k := range []string{"mode", "retain-until-date", "legal-hold"} {
		def("s3:object-lock-"+k, fromHeader("s3:object-lock-"+k, "x-amz-object-lock-"+k))
	}
	def("s3:object-lock-remaining-retention-days", builtinHeader("s3:object-lock-remaining-retention-days", "x-amz-object-lock-retain-until-date", remainingRetentionDays))
	def("s3:x-amz-copy-source", builtinHeader("s3:x-amz-copy-source", "x-amz-copy-source", copySource))
	def("s3:RequestObjectTagKeys", taggingKey("s3:RequestObjectTagKeys", requestTagKeys))
	def("s3:RequestObjectTag/", taggingKey("s3:RequestObjectTag/", requestTags))
	def("s3:locationconstraint", builtin("s3:locationconstraint", fromConditions))

	// IAM.
	def("iam:PolicyARN", fromParam("iam:PolicyARN", "PolicyArn"))
	def("iam:PermissionsBoundary", never(neverBoundary))
	def("aws:ResourceTag/", never(neverEntityTags))
	def("iam:ResourceTag/", never(neverEntityTags))
	def("aws:TagKeys", builtinParam("aws:TagKeys", "Tags.member.1.Key", tagKeys))
	def("aws:RequestTag/", builtinParam("aws:RequestTag/", "Tags.member.1.Key", requestTagParams))

	// STS.
	def("sts:ExternalId", fromParam("sts:ExternalId", "ExternalId"))
	def("sts:RoleSessionName", fromParam("sts:RoleSessionName", "RoleSessionName"))
	def("sts:SourceIdentity", fromParam("sts:SourceIdentity", "SourceIdentity"))
	def("sts:TransitiveTagKeys", builtinParam("sts:TransitiveTagKeys", "TransitiveTagKeys.member.1", memberList("TransitiveTagKeys")))

	// Resolve the lists once: a request then runs only the suppliers of
	// its action, with no name lookups.
	globalSuppliers = suppliersOf(globalKeys)
	actionSuppliers = make(map[string][]namedSupplier, len(actionKeys))
	for action, keys := range actionKeys {
		actionSuppliers[action] = suppliersOf(keys)
	}
}

// namedSupplier is a supplier with the key name it fills in.
type namedSupplier struct {
	name   string
	supply supplier
}

var (
	globalSuppliers []namedSupplier
	actionSuppliers map[string][]namedSupplier
)

func suppliersOf(keys []string) []namedSupplier {
	var out []namedSupplier
	for _, k := range keys {
		if d := keyDefs[strings.ToLower(k)]; d.supply != nil {
			out = append(out, namedSupplier{k, d.supply})
		}
	}
	return out
}

func constant(v string) supplier {
	vs := []string{v} // shared: policy evaluation only reads the context
	return func(_ *keyRequest, ctx map[string][]string, n string) { ctx[n] = vs[:1:1] }
}

// builtinHeader is a key computed from one header, present only with it.
func builtinHeader(key, header string, fn func(k *keyRequest, v string, ctx map[string][]string, name string)) keyDef {
	source(key, srcHeader, header)
	return keyDef{supply: func(k *keyRequest, ctx map[string][]string, name string) {
		if v := k.r.Header.Get(header); v != "" {
			fn(k, v, ctx, name)
		}
	}}
}

// builtinParam is a key computed from the call's parameters; param is one
// that provokes it, for tests.
func builtinParam(key, param string, fn supplier) keyDef {
	source(key, srcParam, param)
	return keyDef{supply: fn}
}

// fromConditions supplies a key an API package attached with
// WithConditions (it had to read the request body to know it).
func fromConditions(k *keyRequest, ctx map[string][]string, name string) {
	for key, v := range Conditions(k.r.Context()) {
		if strings.EqualFold(key, name) {
			ctx[name] = v
		}
	}
}

// copySource is s3:x-amz-copy-source: the source as bucket/key, without
// the leading slash, the percent-encoding or a ?versionId, so that AWS's
// documented form ("bucket/prefix/*") matches however the client spelled
// the header.
func copySource(_ *keyRequest, v string, ctx map[string][]string, name string) {
	v, _, _ = strings.Cut(v, "?")
	if d, err := url.PathUnescape(v); err == nil {
		v = d
	}
	ctx[name] = []string{strings.TrimPrefix(v, "/")}
}

// remainingRetentionDays is s3:object-lock-remaining-retention-days: whole
// days from now to the requested retain-until date, rounded up.
func remainingRetentionDays(k *keyRequest, v string, ctx map[string][]string, name string) {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return
	}
	days := math.Ceil(t.Sub(k.now).Hours() / 24)
	ctx[name] = []string{strconv.FormatInt(int64(max(days, 0)), 10)}
}

// taggingKey is a key computed from x-amz-tagging: the header, or the
// same parameter hoisted into a presigned URL's query string, where it is
// signed and S3 applies it as the header (the header wins). A
// PutObjectTagging's tags come from its body instead (WithConditions).
func taggingKey(key string, fn func(k *keyRequest, v string, ctx map[string][]string, name string)) keyDef {
	source(key, srcHeader, "x-amz-tagging")
	return keyDef{supply: func(k *keyRequest, ctx map[string][]string, name string) {
		if v, ok := k.r.Header["X-Amz-Tagging"]; ok {
			if len(v) > 0 && v[0] != "" {
				fn(k, v[0], ctx, name)
			}
			return
		}
		for p, v := range k.r.URL.Query() {
			if strings.EqualFold(p, "x-amz-tagging") && v[0] != "" {
				fn(k, v[0], ctx, name)
				return
			}
		}
	}}
}

// existingObjectTags is s3:ExistingObjectTag/<key>: the tags of the object
// the request acts on (the version its versionId names, if any), as
// stored now; none when it does not exist. It is
// read only when a policy has conditions (Decide builds the context only
// then), so an unconditioned GET costs no second lookup.
func existingObjectTags(k *keyRequest, ctx map[string][]string, name string) {
	rest, ok := strings.CutPrefix(k.resource, "arn:aws:s3:::")
	if !ok {
		return
	}
	bucket, key, ok := strings.Cut(rest, "/")
	if !ok || bucket == "" || key == "" {
		return
	}
	var obj meta.Object
	var err error
	if q := k.r.URL.Query(); q.Has("versionId") {
		// A request naming a version acts on it: its tags are the
		// ones AWS tests, not the current object's.
		obj, err = k.a.store.GetObjectVersion(k.r.Context(), bucket, key, q.Get("versionId"))
	} else {
		obj, err = k.a.store.GetObject(k.r.Context(), bucket, key)
	}
	if err != nil {
		return
	}
	for _, t := range obj.Tags {
		ctx[name+t.Key] = []string{t.Value}
	}
}

// parseTagging reads x-amz-tagging (URL query encoded, key1=v1&key2=v2).
func parseTagging(v string) url.Values {
	q, err := url.ParseQuery(v)
	if err != nil {
		return nil
	}
	return q
}

func requestTagKeys(_ *keyRequest, v string, ctx map[string][]string, name string) {
	q := parseTagging(v)
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	if len(keys) > 0 {
		sort.Strings(keys)
		ctx[name] = keys
	}
}

func requestTags(_ *keyRequest, v string, ctx map[string][]string, name string) {
	for k, vs := range parseTagging(v) {
		ctx[name+k] = vs[:1]
	}
}

// queryTags reads IAM and STS tags: Tags.member.N.Key and .Value.
func queryTags(params url.Values) [][2]string {
	var tags [][2]string
	for n := 1; ; n++ {
		prefix := "Tags.member." + strconv.Itoa(n)
		k, ok := params[prefix+".Key"]
		if !ok {
			return tags
		}
		tags = append(tags, [2]string{k[0], params.Get(prefix + ".Value")})
	}
}

func tagKeys(k *keyRequest, ctx map[string][]string, name string) {
	var keys []string
	for _, t := range queryTags(k.params) {
		keys = append(keys, t[0])
	}
	if len(keys) > 0 {
		ctx[name] = keys
	}
}

func requestTagParams(k *keyRequest, ctx map[string][]string, name string) {
	for _, t := range queryTags(k.params) {
		ctx[name+t[0]] = []string{t[1]}
	}
}

// memberList reads a Query list parameter (Name.member.N).
func memberList(param string) supplier {
	return func(k *keyRequest, ctx map[string][]string, name string) {
		var vs []string
		for n := 1; ; n++ {
			v, ok := k.params[param+".member."+strconv.Itoa(n)]
			if !ok {
				break
			}
			vs = append(vs, v[0])
		}
		if len(vs) > 0 {
			ctx[name] = vs
		}
	}
}

func tlsVersion(cs *tls.ConnectionState) string {
	if cs == nil {
		return ""
	}
	switch cs.Version {
	case tls.VersionTLS10:
		return "1.0"
	case tls.VersionTLS11:
		return "1.1"
	case tls.VersionTLS12:
		return "1.2"
	case tls.VersionTLS13:
		return "1.3"
	}
	return ""
}

// requestedRegion is aws:RequestedRegion: the region of the SigV4
// credential scope (authentication has already held it to the server's
// region for S3; IAM and STS are signed for us-east-1 as on AWS), else the
// server's region for SigV2 and anonymous requests.
func (a *Authorizer) requestedRegion(r *http.Request) string {
	var cred string
	if _, v, ok := strings.Cut(r.URL.RawQuery, "X-Amz-Credential="); ok {
		cred, _, _ = strings.Cut(v, "&")
		cred = strings.ReplaceAll(strings.ReplaceAll(cred, "%2F", "/"), "%2f", "/")
	} else if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "AWS4-") {
		_, cred, _ = strings.Cut(h, "Credential=")
		cred, _, _ = strings.Cut(cred, ",")
	}
	// AKID/date/REGION/service/aws4_request
	_, rest, _ := strings.Cut(strings.TrimSpace(cred), "/")
	_, rest, _ = strings.Cut(rest, "/")
	if region, _, ok := strings.Cut(rest, "/"); ok && region != "" {
		return region
	}
	return a.region
}

// SetRegion sets the server's region, aws:RequestedRegion for requests
// that do not name one in a SigV4 scope.
func (a *Authorizer) SetRegion(region string) { a.region = region }

type paramsKey struct{}

// WithParams attaches an IAM or STS call's parameters to ctx, for the
// condition keys read from them (iam:PolicyARN, sts:ExternalId,
// aws:RequestTag/…). The front door sets it for every Query call.
func WithParams(ctx context.Context, params url.Values) context.Context {
	return context.WithValue(ctx, paramsKey{}, params)
}

func paramsOf(ctx context.Context) url.Values {
	p, _ := ctx.Value(paramsKey{}).(url.Values)
	return p
}

// requestContext builds the condition keys of one request for action:
// the global keys and the action's own, each from its supplier.
func (a *Authorizer) requestContext(r *http.Request, res *authn.Result, action, resource string) map[string][]string {
	k := &keyRequest{a: a, r: r, res: res, now: a.clock.Now().UTC(), params: paramsOf(r.Context()), resource: resource}
	ctx := make(map[string][]string, 24)
	supplyAll(k, ctx, globalSuppliers)
	supplyAll(k, ctx, actionSuppliers[action])
	// Keys an API package read from the request's body or parameters
	// (WithConditions), where they belong to the action.
	for key, v := range Conditions(r.Context()) {
		if _, ok := lookupKey(key, actionKeys[action]); ok {
			ctx[key] = v
		}
	}
	return ctx
}

func supplyAll(k *keyRequest, ctx map[string][]string, suppliers []namedSupplier) {
	for _, s := range suppliers {
		s.supply(k, ctx, s.name)
	}
}

// lookupKey finds a policy's key in the table: exactly, or as a member of
// a family ("aws:RequestTag/team" is in "aws:RequestTag/"). It returns the
// table's spelling.
func lookupKey(key string, keys []string) (string, bool) {
	lower := strings.ToLower(key)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if lk == lower || (strings.HasSuffix(lk, "/") && strings.HasPrefix(lower, lk) && len(lower) > len(lk)) {
			return k, true
		}
	}
	return "", false
}

// Supplied reports whether signet ever puts key in the context of a
// request for action; when it does not, why says why.
func Supplied(action, key string) (ok bool, why string) {
	name, found := lookupKey(key, globalKeys)
	if !found {
		name, found = lookupKey(key, actionKeys[action])
	}
	if !found {
		if _, known := actionKeys[action]; !known {
			return false, action + " is not an action signet authorises"
		}
		return false, "AWS documents no such key for " + action
	}
	d := keyDefs[strings.ToLower(name)]
	if d.supply == nil {
		return false, d.never
	}
	return true, ""
}

// Actions returns every action the table covers, sorted.
func Actions() []string {
	out := make([]string, 0, len(actionKeys))
	for a := range actionKeys {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}
