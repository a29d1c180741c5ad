package access

import (
	"testing"

	"signet/internal/meta"
	"signet/internal/storage"
)

// aclBucket creates a bucket with the given settings and objects: each
// object key with its ACL.
func (f *fixture) aclBucket(t *testing.T, name, ownership string, pab *meta.PublicAccessBlock, acl *meta.ACL, objects map[string]*meta.ACL) {
	t.Helper()
	b := meta.Bucket{Name: name, Region: "us-east-1", Created: t0, Ownership: ownership, PublicAccessBlock: pab, ACL: acl}
	if err := f.store.CreateBucket(bg, b); err != nil {
		t.Fatal(err)
	}
	for key, oacl := range objects {
		o := meta.Object{Bucket: name, Key: key, LastModified: t0, ACL: oacl,
			Segments: []meta.Segment{{Blob: storage.BlobID("blob-" + name + "-" + key)}}}
		if _, err := f.store.PutObject(bg, o, nil); err != nil {
			t.Fatal(err)
		}
	}
}

func grants(gs ...meta.Grant) *meta.ACL { return &meta.ACL{Grants: gs} }

func group(uri, perm string) meta.Grant {
	return meta.Grant{Type: meta.GranteeGroup, URI: uri, Permission: perm}
}

// TestAuthorizeACLs: ACL grants weighed with policies and Block Public
// Access as AWS weighs them: an explicit Deny wins; otherwise a policy
// Allow or an ACL grant is enough; BucketOwnerEnforced turns ACLs off;
// IgnorePublicAcls voids public grants; RestrictPublicBuckets leaves
// anonymous callers nothing while the bucket policy is public.
func TestAuthorizeACLs(t *testing.T) {
	f := newFixture(t)
	publicRead := grants(group(meta.GroupAllUsers, meta.PermRead))
	authRead := grants(group(meta.GroupAuthenticatedUsers, meta.PermRead))
	objs := map[string]*meta.ACL{
		"public":  publicRead,
		"authed":  authRead,
		"private": nil,
		"full":    grants(group(meta.GroupAllUsers, meta.PermFullControl)),
		"logs":    grants(group(meta.GroupLogDelivery, meta.PermRead)),
		"acp":     grants(group(meta.GroupAllUsers, meta.PermReadACP)),
	}
	bucketRW := grants(group(meta.GroupAllUsers, meta.PermRead), group(meta.GroupAllUsers, meta.PermWrite))
	f.aclBucket(t, "ow", meta.OwnershipWriter, nil, bucketRW, objs)
	f.aclBucket(t, "enf", meta.OwnershipEnforced, nil, bucketRW, objs)
	f.aclBucket(t, "ign", meta.OwnershipPreferred, &meta.PublicAccessBlock{IgnorePublicAcls: true}, bucketRW, objs)
	f.aclBucket(t, "deny", "", nil, bucketRW, objs)
	f.bucketPolicy(t, "deny", doc(`{"Sid":"NoPublic","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::deny/public"}`))
	f.aclBucket(t, "rpb", meta.OwnershipWriter, &meta.PublicAccessBlock{RestrictPublicBuckets: true}, nil, objs)
	f.bucketPolicy(t, "rpb", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::rpb/policy/*"}`))
	f.aclBucket(t, "rpbok", meta.OwnershipWriter, &meta.PublicAccessBlock{RestrictPublicBuckets: true}, nil, objs)
	f.bucketPolicy(t, "rpbok", doc(`{"Effect":"Allow","Principal":{"AWS":"`+acct+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::rpbok/x"}`))

	alice := f.user(t, "alice", "/")
	idDeny := f.user(t, "iddeny", "/")
	f.putUserPolicy(t, "iddeny", "deny", doc(`{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}`))

	tests := []struct {
		name, action, target, want string
		anon                       bool
	}{
		{"anonymous GET of a public-read object", "s3:GetObject", obj("ow", "public"), allow, true},
		{"anonymous HEAD-equivalent of a FULL_CONTROL object", "s3:GetObject", obj("ow", "full"), allow, true},
		{"anonymous GET of an authenticated-read object", "s3:GetObject", obj("ow", "authed"), implicit, true},
		{"anonymous GET of a private object", "s3:GetObject", obj("ow", "private"), implicit, true},
		{"anonymous GET of a LogDelivery grant", "s3:GetObject", obj("ow", "logs"), implicit, true},
		{"anonymous GET of a missing object", "s3:GetObject", obj("ow", "missing"), implicit, true},
		{"anonymous GetObjectAcl with READ only", "s3:GetObjectAcl", obj("ow", "public"), implicit, true},
		{"anonymous GetObjectAcl with READ_ACP", "s3:GetObjectAcl", obj("ow", "acp"), allow, true},
		{"anonymous PutObjectAcl with READ_ACP", "s3:PutObjectAcl", obj("ow", "acp"), implicit, true},
		{"anonymous list under a public-read bucket ACL", "s3:ListBucket", "arn:aws:s3:::ow", allow, true},
		{"anonymous PUT under a public-read-write bucket ACL", "s3:PutObject", obj("ow", "new"), allow, true},
		{"anonymous DeleteObject under bucket WRITE", "s3:DeleteObject", obj("ow", "private"), allow, true},
		{"anonymous GetBucketAcl without READ_ACP", "s3:GetBucketAcl", "arn:aws:s3:::ow", implicit, true},
		{"anonymous action no ACL grants", "s3:DeleteBucket", "arn:aws:s3:::ow", implicit, true},
		{"signed user, no policy, authenticated-read", "s3:GetObject", obj("ow", "authed"), allow, false},
		{"signed user, no policy, private", "s3:GetObject", obj("ow", "private"), implicit, false},
		{"BucketOwnerEnforced: a public-read object stays private", "s3:GetObject", obj("enf", "public"), implicit, true},
		{"BucketOwnerEnforced: the bucket ACL counts for nothing", "s3:PutObject", obj("enf", "new"), implicit, true},
		{"BucketOwnerEnforced: nor for signed users", "s3:GetObject", obj("enf", "authed"), implicit, false},
		{"IgnorePublicAcls: AllUsers grant ignored", "s3:GetObject", obj("ign", "public"), implicit, true},
		{"IgnorePublicAcls: AuthenticatedUsers grant ignored", "s3:GetObject", obj("ign", "authed"), implicit, false},
		{"IgnorePublicAcls: bucket WRITE ignored", "s3:PutObject", obj("ign", "new"), implicit, true},
		{"explicit bucket-policy deny beats a public-read ACL", "s3:GetObject", obj("deny", "public"), explicit, true},
		{"no deny for another key: the ACL grants", "s3:GetObject", obj("deny", "full"), allow, true},
		{"RestrictPublicBuckets with a public policy: policy grant void", "s3:GetObject", obj("rpb", "policy/k"), implicit, true},
		{"RestrictPublicBuckets with a public policy: ACL grant void", "s3:GetObject", obj("rpb", "public"), implicit, true},
		{"RestrictPublicBuckets: account principals keep ACL grants", "s3:GetObject", obj("rpb", "authed"), allow, false},
		{"RestrictPublicBuckets without a public policy: ACLs count", "s3:GetObject", obj("rpbok", "public"), allow, true},
	}
	for _, tc := range tests {
		res := header(alice)
		if tc.anon {
			res = anonymous()
		}
		err := f.authz.Authorize(req("GET", "/"), res, tc.action, tc.target)
		check(t, tc.name, err, tc.want)
	}
	// An identity-policy Deny beats an ACL grant.
	check(t, "identity deny beats authenticated-read", f.authz.Authorize(req("GET", "/"), header(idDeny), "s3:GetObject", obj("ow", "authed")), explicit)

	// Settings changed through Store take effect on the next request.
	if err := f.store.UpdateBucket(bg, "ow", func(b *meta.Bucket) error {
		b.Ownership = meta.OwnershipEnforced
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check(t, "after switching to BucketOwnerEnforced", f.authz.Authorize(req("GET", "/"), anonymous(), "s3:GetObject", obj("ow", "public")), implicit)
	if err := f.store.SetObjectACL(bg, "enf", "private", publicRead); err != nil {
		t.Fatal(err)
	}
	if err := f.store.UpdateBucket(bg, "enf", func(b *meta.Bucket) error {
		b.Ownership = meta.OwnershipPreferred
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	check(t, "after enabling ACLs and making an object public", f.authz.Authorize(req("GET", "/"), anonymous(), "s3:GetObject", obj("enf", "private")), allow)
}
