package access

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/policy"
	"signet/internal/principal"
	"signet/internal/sts"
)

// verdicts for want.
const (
	allow    = "allow"
	implicit = "implicit deny"
	explicit = "explicit deny"
)

func check(t *testing.T, what string, err error, want string) {
	t.Helper()
	got := allow
	if err != nil {
		var d *Denied
		if !errors.As(err, &d) {
			t.Fatalf("%s: unexpected error %v (want a *Denied or nil)", what, err)
		}
		got = implicit
		if ExplicitDeny(err) {
			got = explicit
			if d.Decision.Effect != policy.Deny {
				t.Errorf("%s: ExplicitDeny but effect %v", what, d.Decision.Effect)
			}
		} else if d.Decision.Effect != policy.NotApplicable {
			t.Errorf("%s: implicit deny with effect %v", what, d.Decision.Effect)
		}
	}
	if got != want {
		t.Errorf("%s: got %s (%v), want %s", what, got, err, want)
	}
}

func TestAuthorizeIdentityPolicies(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")

	nobody := f.user(t, "nobody", "/")
	inline := f.user(t, "inline", "/")
	f.putUserPolicy(t, "inline", "get", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	managed := f.user(t, "managed", "/")
	mp, err := f.iam.CreatePolicy(bg, iam.CreatePolicyInput{Name: "PutOnly", Path: "/pol/", Document: doc(`{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.iam.AttachPolicy(bg, meta.Owner{Kind: principal.OwnerUser, Name: "managed"}, mp.ARN); err != nil {
		t.Fatal(err)
	}
	builtin := f.user(t, "builtin", "/")
	if err := f.iam.AttachPolicy(bg, meta.Owner{Kind: principal.OwnerUser, Name: "builtin"}, "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		cred   *authn.Credential
		action string
		res    string
		want   string
	}{
		{"no policies", nobody, "s3:GetObject", obj("b", "k"), implicit},
		{"no policies list", nobody, "s3:ListBucket", "arn:aws:s3:::b", implicit},
		{"inline allow", inline, "s3:GetObject", obj("b", "k"), allow},
		{"inline other bucket", inline, "s3:GetObject", obj("other", "k"), implicit},
		{"inline other action", inline, "s3:PutObject", obj("b", "k"), implicit},
		{"customer managed allow", managed, "s3:PutObject", obj("b", "k"), allow},
		{"customer managed other action", managed, "s3:GetObject", obj("b", "k"), implicit},
		{"AmazonS3ReadOnlyAccess get", builtin, "s3:GetObject", obj("b", "k"), allow},
		{"AmazonS3ReadOnlyAccess list", builtin, "s3:ListBucket", "arn:aws:s3:::b", allow},
		{"AmazonS3ReadOnlyAccess put", builtin, "s3:PutObject", obj("b", "k"), implicit},
		{"AmazonS3ReadOnlyAccess delete", builtin, "s3:DeleteObject", obj("b", "k"), implicit},
	}
	for _, tc := range tests {
		err := f.authz.Authorize(req("GET", "/b/k"), header(tc.cred), tc.action, tc.res)
		check(t, tc.name, err, tc.want)
	}

	// The refusal explains itself.
	err = f.authz.Authorize(req("GET", "/b/k"), header(nobody), "s3:GetObject", obj("b", "k"))
	if err == nil || !strings.Contains(err.Error(), "s3:GetObject on arn:aws:s3:::b/k: no policy allows it") {
		t.Errorf("implicit deny message: %v", err)
	}
	// Decide reports the allowing statement.
	d, err := f.authz.Decide(req("GET", "/b/k"), header(managed), "s3:PutObject", obj("b", "k"))
	if err != nil || d.Match == nil || d.Match.Policy != mp.ARN {
		t.Errorf("Decide = %+v, %v; want an allow by %s", d, err, mp.ARN)
	}
}

func TestAuthorizeBucketPolicies(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	f.bucket(t, "open")
	f.bucket(t, "plain")
	idAllow := f.user(t, "idallow", "/")
	f.putUserPolicy(t, "idallow", "all", doc(allowAll))
	idDeny := f.user(t, "iddeny", "/")
	f.putUserPolicy(t, "iddeny", "deny", doc(`{"Sid":"NoB","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}`))
	named := f.user(t, "named", "/staff/")
	other := f.user(t, "other", "/")

	namedARN := "arn:aws:iam::" + acct + ":user/staff/named"
	f.bucketPolicy(t, "b", doc(
		`{"Sid":"AllowAll","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`,
		`{"Sid":"NamedPut","Effect":"Allow","Principal":{"AWS":"`+namedARN+`"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}`,
		`{"Sid":"NoSecret","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/secret/*"}`,
	))
	f.bucketPolicy(t, "open", doc(`{"Effect":"Allow","Principal":{"AWS":"`+namedARN+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::open/*"}`))
	// A policy that locks everyone out, the owner's root included.
	f.bucket(t, "locked")
	f.bucketPolicy(t, "locked", doc(`{"Sid":"Nobody","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::locked","arn:aws:s3:::locked/*"]}`))

	rootRes := header(f.root)
	tests := []struct {
		name   string
		res    *authn.Result
		action string
		target string
		want   string
	}{
		{"identity deny beats bucket allow", header(idDeny), "s3:GetObject", obj("b", "k"), explicit},
		{"bucket deny beats identity allow", header(idAllow), "s3:GetObject", obj("b", "secret/k"), explicit},
		{"identity allow, no bucket statement", header(idAllow), "s3:DeleteObject", obj("b", "k"), allow},
		{"bucket policy alone grants a user named by ARN", header(named), "s3:PutObject", obj("b", "k"), allow},
		{"bucket policy names another user", header(other), "s3:PutObject", obj("b", "k"), implicit},
		{"bucket policy alone, other bucket", header(named), "s3:GetObject", obj("open", "k"), allow},
		{"bucket policy alone, other action", header(named), "s3:DeleteObject", obj("open", "k"), implicit},
		{"anonymous with Principal *", anonymous(), "s3:GetObject", obj("b", "k"), allow},
		{"nil result is anonymous", nil, "s3:GetObject", obj("b", "k"), allow},
		{"anonymous, principal names a user", anonymous(), "s3:GetObject", obj("open", "k"), implicit},
		{"anonymous, no bucket policy", anonymous(), "s3:GetObject", obj("plain", "k"), implicit},
		{"anonymous, missing bucket", anonymous(), "s3:GetObject", obj("missing", "k"), implicit},
		{"anonymous, explicit bucket deny", anonymous(), "s3:GetObject", obj("b", "secret/x"), explicit},
		{"root, no bucket policy", rootRes, "s3:PutObject", obj("plain", "k"), allow},
		{"root, bucket policy without a deny for it", rootRes, "s3:DeleteObject", obj("b", "k"), allow},
		{"root, bucket policy denies", rootRes, "s3:GetObject", obj("b", "secret/k"), explicit},
		{"root, iam action", rootRes, "iam:CreateUser", "arn:aws:iam::" + acct + ":user/x", allow},
		// As on AWS, the bucket owner's root can always read, replace and
		// delete a bucket policy, so that no policy can lock it out.
		{"root, locked bucket, GetBucketPolicy", rootRes, "s3:GetBucketPolicy", "arn:aws:s3:::locked", allow},
		{"root, locked bucket, PutBucketPolicy", rootRes, "s3:PutBucketPolicy", "arn:aws:s3:::locked", allow},
		{"root, locked bucket, DeleteBucketPolicy", rootRes, "s3:DeleteBucketPolicy", "arn:aws:s3:::locked", allow},
		{"root, locked bucket, other bucket action", rootRes, "s3:ListBucket", "arn:aws:s3:::locked", explicit},
		{"root, locked bucket, object", rootRes, "s3:GetObject", obj("locked", "k"), explicit},
		{"allow-all user, locked bucket, DeleteBucketPolicy", header(idAllow), "s3:DeleteBucketPolicy", "arn:aws:s3:::locked", explicit},
	}
	for _, tc := range tests {
		err := f.authz.Authorize(req("GET", "/"), tc.res, tc.action, tc.target)
		check(t, tc.name, err, tc.want)
	}

	err := f.authz.Authorize(req("GET", "/"), header(idDeny), "s3:GetObject", obj("b", "k"))
	if err == nil || !strings.Contains(err.Error(), `explicitly denied by deny statement "NoB"`) {
		t.Errorf("explicit deny message: %v", err)
	}
}

func TestAuthorizeSessions(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	alice := f.user(t, "alice", "/")
	f.putUserPolicy(t, "alice", "put", doc(`{"Effect":"Allow","Action":["s3:PutObject","s3:GetObject"],"Resource":"*"}`))
	reader := f.role(t, "reader", "/")
	f.putRolePolicy(t, "reader", "get", doc(`{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}`))
	admin := f.role(t, "admin", "/")
	f.putRolePolicy(t, "admin", "all", doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))

	_, roleSess := f.assumeRole(t, alice.Principal, reader, "plain", "")
	_, narrowed := f.assumeRole(t, alice.Principal, admin, "narrow", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`))
	_, widened := f.assumeRole(t, alice.Principal, reader, "widen", doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`))
	_, fedNone := f.federation(t, alice.Principal, "fed-none", "")
	_, fedGet := f.federation(t, alice.Principal, "fed-get", doc(`{"Effect":"Allow","Action":["s3:GetObject","s3:DeleteObject"],"Resource":"*"}`))
	_, tokUser := f.sessionToken(t, alice.Principal)
	_, tokRoot := f.sessionToken(t, f.root.Principal)
	_, fedRootNone := f.federation(t, f.root.Principal, "fed-root0", "")
	_, fedRootGet := f.federation(t, f.root.Principal, "fed-root1", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`))

	tests := []struct {
		name   string
		cred   *authn.Credential
		action string
		want   string
	}{
		{"role session uses role policy", roleSess, "s3:GetObject", allow},
		{"role session does not get the user's policy", roleSess, "s3:PutObject", implicit},
		{"session policy narrows: in both", narrowed, "s3:GetObject", allow},
		{"session policy narrows: role only", narrowed, "s3:PutObject", implicit},
		{"session policy cannot widen", widened, "s3:PutObject", implicit},
		{"session policy wide, role allows", widened, "s3:GetObject", allow},
		{"federated without policy has nothing", fedNone, "s3:GetObject", implicit},
		{"federated: user and session allow", fedGet, "s3:GetObject", allow},
		{"federated: user only", fedGet, "s3:PutObject", implicit},
		{"federated: session only", fedGet, "s3:DeleteObject", implicit},
		{"session token of a user has the user's policies", tokUser, "s3:PutObject", allow},
		{"session token of a user, nothing more", tokUser, "s3:DeleteObject", implicit},
		{"session token of root is root", tokRoot, "s3:DeleteBucket", allow},
		{"federated of root without policy has nothing", fedRootNone, "s3:GetObject", implicit},
		{"federated of root has its session policy", fedRootGet, "s3:GetObject", allow},
		{"federated of root, beyond its session policy", fedRootGet, "s3:PutObject", implicit},
	}
	for _, tc := range tests {
		err := f.authz.Authorize(req("GET", "/"), header(tc.cred), tc.action, obj("b", "k"))
		check(t, tc.name, err, tc.want)
	}

	// A bucket policy naming the session's ARN grants it directly, even
	// to a federated session without a session policy.
	f.bucketPolicy(t, "b", doc(`{"Effect":"Allow","Principal":{"AWS":"`+fedNone.Principal.ARN+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	check(t, "bucket policy names the federated user", f.authz.Authorize(req("GET", "/"), header(fedNone), "s3:GetObject", obj("b", "k")), allow)
	// One naming the role covers every session of it.
	f.bucketPolicy(t, "b", doc(`{"Effect":"Deny","Principal":{"AWS":"`+sts.RoleARN(acct, reader)+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	check(t, "bucket policy denies the role", f.authz.Authorize(req("GET", "/"), header(roleSess), "s3:GetObject", obj("b", "k")), explicit)
	check(t, "bucket deny of the role spares another role", f.authz.Authorize(req("GET", "/"), header(narrowed), "s3:GetObject", obj("b", "k")), allow)
}

// A session whose role (or user) has since been deleted has no
// permissions: the request is refused, not failed.
func TestAuthorizeDeletedOwner(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	alice := f.user(t, "alice", "/")
	f.putUserPolicy(t, "alice", "all", doc(allowAll))
	r := f.role(t, "tmp", "/")
	f.putRolePolicy(t, "tmp", "all", doc(allowAll))
	_, roleSess := f.assumeRole(t, alice.Principal, r, "s1", "")
	_, tok := f.sessionToken(t, alice.Principal)
	check(t, "before deletion", f.authz.Authorize(req("GET", "/"), header(roleSess), "s3:GetObject", obj("b", "k")), allow)
	check(t, "before deletion", f.authz.Authorize(req("GET", "/"), header(tok), "s3:GetObject", obj("b", "k")), allow)

	if err := f.iam.DeleteInlinePolicy(bg, meta.Owner{Kind: principal.OwnerRole, Name: "tmp"}, "all"); err != nil {
		t.Fatal(err)
	}
	if err := f.iam.DeleteRole(bg, "tmp"); err != nil {
		t.Fatal(err)
	}
	check(t, "session of a deleted role", f.authz.Authorize(req("GET", "/"), header(roleSess), "s3:GetObject", obj("b", "k")), implicit)

	if err := f.iam.DeleteInlinePolicy(bg, meta.Owner{Kind: principal.OwnerUser, Name: "alice"}, "all"); err != nil {
		t.Fatal(err)
	}
	if err := f.iam.DeleteAccessKey(bg, "alice", alice.AccessKeyID); err != nil {
		t.Fatal(err)
	}
	if err := f.iam.DeleteUser(bg, "alice"); err != nil {
		t.Fatal(err)
	}
	check(t, "session token of a deleted user", f.authz.Authorize(req("GET", "/"), header(tok), "s3:GetObject", obj("b", "k")), implicit)
}

const revokeName = "AWSRevokeOlderSessions"

func revokeDoc(cut time.Time) string {
	return doc(`{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + cut.UTC().Format(time.RFC3339) + `"}}}`)
}

func TestAuthorizeRevokeOlderSessions(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	alice := f.user(t, "alice", "/")
	f.putUserPolicy(t, "alice", "all", doc(allowAll))
	r := f.role(t, "worker", "/")
	f.putRolePolicy(t, "worker", "all", doc(allowAll))

	_, before := f.assumeRole(t, alice.Principal, r, "before", "")
	_, tokBefore := f.sessionToken(t, alice.Principal)
	f.clk.Advance(time.Minute)
	cut := f.clk.Now()
	f.putRolePolicy(t, "worker", revokeName, revokeDoc(cut))
	f.putUserPolicy(t, "alice", revokeName, revokeDoc(cut))
	f.clk.Advance(time.Minute)
	_, after := f.assumeRole(t, alice.Principal, r, "after", "")
	_, tokAfter := f.sessionToken(t, alice.Principal)

	for _, tc := range []struct {
		name string
		cred *authn.Credential
		want string
	}{
		{"role session issued before the cut", before, explicit},
		{"role session issued after the cut", after, allow},
		{"user session token issued before the cut", tokBefore, explicit},
		{"user session token issued after the cut", tokAfter, allow},
		{"long-term key of the user", alice, allow},
	} {
		d, err := f.authz.Decide(req("GET", "/"), header(tc.cred), "s3:GetObject", obj("b", "k"))
		if err != nil {
			t.Fatal(err)
		}
		aerr := f.authz.Authorize(req("GET", "/"), header(tc.cred), "s3:GetObject", obj("b", "k"))
		check(t, tc.name, aerr, tc.want)
		if tc.want == explicit {
			if d.Effect != policy.Deny || d.Match == nil || d.Match.Policy != revokeName {
				t.Errorf("%s: decision %+v, want Deny by %s", tc.name, d, revokeName)
			}
		}
	}
}

// Each condition key is checked with a user allowed everything but denied
// s3:* under the condition under test.
func TestAuthorizeConditionKeys(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")

	type rq struct {
		r   *http.Request
		res func(c *authn.Credential) *authn.Result
	}
	withAge := func(age time.Duration, ver string) func(*authn.Credential) *authn.Result {
		return func(c *authn.Credential) *authn.Result {
			r := header(c)
			r.AuthType, r.SignatureVersion, r.SignatureAge = authn.AuthQuery, ver, age
			return r
		}
	}
	withAuth := func(typ, ver string) func(*authn.Credential) *authn.Result {
		return func(c *authn.Credential) *authn.Result {
			r := header(c)
			r.AuthType, r.SignatureVersion = typ, ver
			return r
		}
	}
	fromIP := func(addr string) *http.Request { r := req("GET", "/b/k"); r.RemoteAddr = addr; return r }

	tests := []struct {
		name  string
		deny  string // condition block of a Deny s3:* statement
		cases map[string]struct {
			rq
			want string
		}
	}{
		{
			name: "s3:signatureAge",
			deny: `{"NumericGreaterThan":{"s3:signatureAge":"600000"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"600001ms":          {rq{req("GET", "/b/k"), withAge(600001*time.Millisecond, authn.SigV4)}, explicit},
				"600000ms":          {rq{req("GET", "/b/k"), withAge(600000*time.Millisecond, authn.SigV4)}, allow},
				"sigv2 is always 0": {rq{req("GET", "/b/k"), withAge(24*time.Hour, authn.SigV2)}, allow},
				"negative is 0":     {rq{req("GET", "/b/k"), withAge(-time.Hour, authn.SigV4)}, allow},
			},
		},
		{
			name: "s3:authType",
			deny: `{"StringEquals":{"s3:authType":"REST-QUERY-STRING"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"query":  {rq{req("GET", "/b/k"), withAuth(authn.AuthQuery, authn.SigV4)}, explicit},
				"header": {rq{req("GET", "/b/k"), withAuth(authn.AuthHeader, authn.SigV4)}, allow},
				"post":   {rq{req("GET", "/b/k"), withAuth(authn.AuthPOST, authn.SigV4)}, allow},
			},
		},
		{
			name: "s3:signatureversion",
			deny: `{"StringEquals":{"s3:signatureversion":"AWS"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"sigv2": {rq{req("GET", "/b/k"), withAuth(authn.AuthQuery, authn.SigV2)}, explicit},
				"sigv4": {rq{req("GET", "/b/k"), withAuth(authn.AuthQuery, authn.SigV4)}, allow},
			},
		},
		{
			name: "aws:SecureTransport",
			deny: `{"Bool":{"aws:SecureTransport":"false"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"http":  {rq{req("GET", "/b/k"), header}, explicit},
				"https": {rq{tlsReq("GET", "/b/k"), header}, allow},
			},
		},
		{
			name: "aws:SourceIp",
			deny: `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"outside":      {rq{fromIP("192.0.2.1:1234"), header}, explicit},
				"inside":       {rq{fromIP("10.1.2.3:1234"), header}, allow},
				"ipv6 inside":  {rq{fromIP("[2001:db8::1]:443"), header}, allow},
				"ipv6 outside": {rq{fromIP("[2001:db9::1]:443"), header}, explicit},
			},
		},
		{
			name: "s3:x-amz-content-sha256",
			deny: `{"StringEquals":{"s3:x-amz-content-sha256":"UNSIGNED-PAYLOAD"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"unsigned header": {rq{req("PUT", "/b/k"), func(c *authn.Credential) *authn.Result {
					r := header(c)
					r.ContentSHA256 = "UNSIGNED-PAYLOAD"
					return r
				}}, explicit},
				"unsigned query does not count": {rq{req("PUT", "/b/k"), func(c *authn.Credential) *authn.Result {
					r := header(c)
					r.AuthType, r.ContentSHA256 = authn.AuthQuery, "UNSIGNED-PAYLOAD"
					return r
				}}, allow},
				"signed": {rq{req("PUT", "/b/k"), func(c *authn.Credential) *authn.Result {
					r := header(c)
					r.ContentSHA256 = strings.Repeat("a", 64)
					return r
				}}, allow},
			},
		},
		{
			name: "aws:UserAgent",
			deny: `{"StringLike":{"aws:UserAgent":"*curl*"}}`,
			cases: map[string]struct {
				rq
				want string
			}{
				"curl": {rq{func() *http.Request { r := req("GET", "/b/k"); r.Header.Set("User-Agent", "curl/8.0"); return r }(), header}, explicit},
				"sdk":  {rq{func() *http.Request { r := req("GET", "/b/k"); r.Header.Set("User-Agent", "aws-sdk-go-v2"); return r }(), header}, allow},
			},
		},
	}
	for i, tc := range tests {
		name := "u" + string(rune('a'+i))
		c := f.user(t, name, "/")
		f.putUserPolicy(t, name, "p", doc(allowAll, `{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":`+tc.deny+`}`))
		for cname, cs := range tc.cases {
			err := f.authz.Authorize(cs.r, cs.res(c), "s3:GetObject", obj("b", "k"))
			check(t, tc.name+": "+cname, err, cs.want)
		}
	}
}

func TestAuthorizeUsernameHomeFolder(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	home := doc(
		`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*","home/${aws:username}/"]}}}`,
		`{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::b/home/${aws:username}/*"}`,
	)
	mp, err := f.iam.CreatePolicy(bg, iam.CreatePolicyInput{Name: "Home", Document: home})
	if err != nil {
		t.Fatal(err)
	}
	alice := f.user(t, "alice", "/")
	bob := f.user(t, "bob", "/")
	for _, u := range []string{"alice", "bob"} {
		if err := f.iam.AttachPolicy(bg, meta.Owner{Kind: principal.OwnerUser, Name: u}, mp.ARN); err != nil {
			t.Fatal(err)
		}
	}
	_, aliceTok := f.sessionToken(t, alice.Principal)
	r := f.role(t, "r", "/")
	if err := f.iam.AttachPolicy(bg, meta.Owner{Kind: principal.OwnerRole, Name: "r"}, mp.ARN); err != nil {
		t.Fatal(err)
	}
	_, roleSess := f.assumeRole(t, alice.Principal, r, "alice", "")

	list := "arn:aws:s3:::b"
	tests := []struct {
		name   string
		cred   *authn.Credential
		target string
		action string
		res    string
		want   string
	}{
		{"alice lists her home", alice, "/b?prefix=home/alice/", "s3:ListBucket", list, allow},
		{"alice lists below her home", alice, "/b?list-type=2&prefix=home/alice/docs/", "s3:ListBucket", list, allow},
		{"alice lists bob's home", alice, "/b?prefix=home/bob/", "s3:ListBucket", list, implicit},
		{"alice lists without prefix", alice, "/b", "s3:ListBucket", list, implicit},
		{"alice lists the root", alice, "/b?prefix=", "s3:ListBucket", list, implicit},
		{"bob lists his home", bob, "/b?prefix=home/bob/", "s3:ListBucket", list, allow},
		{"alice gets her object", alice, "/b/home/alice/x", "s3:GetObject", obj("b", "home/alice/x"), allow},
		{"alice gets bob's object", alice, "/b/home/bob/x", "s3:GetObject", obj("b", "home/bob/x"), implicit},
		{"session token keeps aws:username", aliceTok, "/b?prefix=home/alice/", "s3:ListBucket", list, allow},
		// A role session has no aws:username: the variable matches nothing.
		{"role session has no aws:username", roleSess, "/b?prefix=home/alice/", "s3:ListBucket", list, implicit},
		{"role session object", roleSess, "/b/home/alice/x", "s3:GetObject", obj("b", "home/alice/x"), implicit},
		// s3:prefix is a ListBucket key only.
		{"prefix query on GetObject is ignored", bob, "/b/home/alice/x?prefix=home/bob/", "s3:GetObject", obj("b", "home/alice/x"), implicit},
	}
	for _, tc := range tests {
		err := f.authz.Authorize(req("GET", tc.target), header(tc.cred), tc.action, tc.res)
		check(t, tc.name, err, tc.want)
	}
}

func TestAuthorizeCurrentTimeFollowsClock(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	u := f.user(t, "u", "/")
	opens := t0.Add(time.Hour)
	f.putUserPolicy(t, "u", "later", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"`+opens.Format(time.RFC3339)+`"}}}`))
	check(t, "before", f.authz.Authorize(req("GET", "/"), header(u), "s3:GetObject", obj("b", "k")), implicit)
	f.clk.Advance(time.Hour + time.Second)
	check(t, "after the clock moved", f.authz.Authorize(req("GET", "/"), header(u), "s3:GetObject", obj("b", "k")), allow)

	// aws:EpochTime moves too.
	v := f.user(t, "v", "/")
	f.putUserPolicy(t, "v", "epoch", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericGreaterThan":{"aws:EpochTime":"`+strconv.FormatInt(t0.Add(3*time.Hour).Unix(), 10)+`"}}}`))
	check(t, "epoch before", f.authz.Authorize(req("GET", "/"), header(v), "s3:GetObject", obj("b", "k")), implicit)
	f.clk.Advance(3 * time.Hour)
	check(t, "epoch after", f.authz.Authorize(req("GET", "/"), header(v), "s3:GetObject", obj("b", "k")), allow)
}

func TestAuthorizePrincipalKeys(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	alice := f.user(t, "alice", "/dev/")
	roleARN := "arn:aws:iam::" + acct + ":role/app/svc"
	svc := f.role(t, "svc", "/app/")
	other := f.role(t, "other", "/app/")
	onlyRole := doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"` + roleARN + `"},"StringEquals":{"aws:PrincipalType":"AssumedRole","aws:PrincipalAccount":"` + acct + `"}}}`)
	f.putRolePolicy(t, "svc", "p", onlyRole)
	f.putRolePolicy(t, "other", "p", onlyRole)
	_, svcSess := f.assumeRole(t, alice.Principal, svc, "s1", "")
	_, otherSess := f.assumeRole(t, alice.Principal, other, "s1", "")
	check(t, "aws:PrincipalArn of a role session is the role", f.authz.Authorize(req("GET", "/"), header(svcSess), "s3:GetObject", obj("b", "k")), allow)
	check(t, "another role's session", f.authz.Authorize(req("GET", "/"), header(otherSess), "s3:GetObject", obj("b", "k")), implicit)

	// For a user: its own ARN (with path), its ID and type.
	f.putUserPolicy(t, "alice", "p", doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::`+acct+`:user/dev/alice","aws:userid":"`+alice.Principal.UserID+`","aws:PrincipalType":"User","aws:username":"alice"}}}`))
	check(t, "user principal keys", f.authz.Authorize(req("GET", "/"), header(alice), "s3:GetObject", obj("b", "k")), allow)

	// A bucket policy conditioned on the role ARN reaches role sessions.
	f.bucketPolicy(t, "b", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::`+acct+`:role/app/*"}}}`))
	check(t, "bucket ArnLike role path", f.authz.Authorize(req("GET", "/"), header(otherSess), "s3:PutObject", obj("b", "k")), allow)
	check(t, "bucket ArnLike role path, user", f.authz.Authorize(req("GET", "/"), header(alice), "s3:PutObject", obj("b", "k")), implicit)
	check(t, "bucket ArnLike role path, anonymous", f.authz.Authorize(req("GET", "/"), anonymous(), "s3:PutObject", obj("b", "k")), implicit)
}

func TestAuthorizeAssumeRole(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", "/team/")
	bob := f.user(t, "bob", "/")
	denier := f.user(t, "denier", "/")
	f.putUserPolicy(t, "denier", "no", doc(`{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}`))
	aliceARN := "arn:aws:iam::" + acct + ":user/team/alice"
	roleARN := "arn:aws:iam::" + acct + ":role/r"

	trust := func(principal string, extra ...string) *policy.Document {
		stmts := append([]string{`{"Effect":"Allow","Principal":{"AWS":` + principal + `},"Action":"sts:AssumeRole"}`}, extra...)
		d, err := policy.Parse(policy.Trust, []byte(doc(stmts...)))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	namesAlice := trust(`"` + aliceARN + `"`)
	namesAliceAndDenier := trust(`["` + aliceARN + `","arn:aws:iam::` + acct + `:user/denier"]`)
	namesAccount := trust(`"arn:aws:iam::` + acct + `:root"`)
	namesAccountID := trust(`"` + acct + `"`)
	namesBob := trust(`"arn:aws:iam::` + acct + `:user/bob"`)
	denyAlice := trust(`"arn:aws:iam::`+acct+`:root"`, `{"Effect":"Deny","Principal":{"AWS":"`+aliceARN+`"},"Action":"sts:AssumeRole"}`)

	tests := []struct {
		name  string
		cred  *authn.Credential
		trust *policy.Document
		want  string
	}{
		{"trust names the user", alice, namesAlice, allow},
		{"trust names only the account, no identity policy", alice, namesAccount, implicit},
		{"trust names only the account id, no identity policy", alice, namesAccountID, implicit},
		{"trust names another user", alice, namesBob, implicit},
		{"trust names bob, bob", bob, namesBob, allow},
		{"identity deny wins over a trust naming the user", denier, namesAliceAndDenier, explicit},
		{"trust denies", alice, denyAlice, explicit},
		{"anonymous", nil, namesAccount, implicit},
	}
	for _, tc := range tests {
		res := anonymous()
		if tc.cred != nil {
			res = header(tc.cred)
		}
		err := f.authz.AuthorizeAssumeRole(req("POST", "/"), res, roleARN, tc.trust)
		check(t, tc.name, err, tc.want)
	}

	err := f.authz.AuthorizeAssumeRole(req("POST", "/"), header(alice), roleARN, denyAlice)
	if want := `access: sts:AssumeRole on ` + roleARN + `: explicitly denied by trust policy of ` + roleARN; err == nil || err.Error() != want {
		t.Errorf("trust deny message %q, want %q", err, want)
	}
	err = f.authz.AuthorizeAssumeRole(req("POST", "/"), header(denier), roleARN, namesAliceAndDenier)
	if want := `explicitly denied by no`; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("identity deny message %q, want suffix %q", err, want)
	}

	// The account principal defers to the identity policy.
	f.putUserPolicy(t, "alice", "assume", doc(`{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+roleARN+`"}`))
	check(t, "trust names the account, identity allows", f.authz.AuthorizeAssumeRole(req("POST", "/"), header(alice), roleARN, namesAccount), allow)
	check(t, "identity allows another role only", f.authz.AuthorizeAssumeRole(req("POST", "/"), header(alice), roleARN+"2", namesAccount), implicit)
	check(t, "identity allows but trust names someone else", f.authz.AuthorizeAssumeRole(req("POST", "/"), header(alice), roleARN, namesBob), implicit)

	// Chaining: a role session named in the trust by its role ARN.
	src := f.role(t, "src", "/")
	_, srcSess := f.assumeRole(t, bob.Principal, src, "chain", "")
	namesSrc := trust(`"` + sts.RoleARN(acct, src) + `"`)
	check(t, "trust names the caller's role", f.authz.AuthorizeAssumeRole(req("POST", "/"), header(srcSess), roleARN, namesSrc), allow)
}

func TestAuthorizeAssumeRoleExternalID(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", "/")
	roleARN := "arn:aws:iam::" + acct + ":role/r"
	trust, err := policy.Parse(policy.Trust, []byte(doc(`{"Effect":"Allow","Principal":{"AWS":"`+alice.Principal.ARN+`"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz-123"}}}`)))
	if err != nil {
		t.Fatal(err)
	}
	with := func(m map[string][]string) *http.Request {
		r := req("POST", "/")
		if m != nil {
			r = r.WithContext(WithConditions(r.Context(), m))
		}
		return r
	}
	check(t, "matching external id", f.authz.AuthorizeAssumeRole(with(map[string][]string{"sts:ExternalId": {"xyz-123"}}), header(alice), roleARN, trust), allow)
	check(t, "wrong external id", f.authz.AuthorizeAssumeRole(with(map[string][]string{"sts:ExternalId": {"nope"}}), header(alice), roleARN, trust), implicit)
	check(t, "no external id", f.authz.AuthorizeAssumeRole(with(nil), header(alice), roleARN, trust), implicit)

	if got := Conditions(with(map[string][]string{"k": {"v"}}).Context()); got["k"][0] != "v" {
		t.Errorf("Conditions = %v", got)
	}
	if got := Conditions(bg); got != nil {
		t.Errorf("Conditions of a bare context = %v, want nil", got)
	}
}

func TestAuthorizeCacheInvalidation(t *testing.T) {
	f := newFixture(t)
	f.bucket(t, "b")
	u := f.user(t, "u", "/")
	owner := meta.Owner{Kind: principal.OwnerUser, Name: "u"}
	get := func() error { return f.authz.Authorize(req("GET", "/"), header(u), "s3:GetObject", obj("b", "k")) }

	// Inline policy.
	check(t, "no policy yet", get(), implicit)
	f.putUserPolicy(t, "u", "p", doc(allowAll))
	check(t, "inline put", get(), allow)
	if err := f.iam.DeleteInlinePolicy(bg, owner, "p"); err != nil {
		t.Fatal(err)
	}
	check(t, "inline deleted", get(), implicit)

	// Managed policy.
	mp, err := f.iam.CreatePolicy(bg, iam.CreatePolicyInput{Name: "M", Document: doc(allowAll)})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.iam.AttachPolicy(bg, owner, mp.ARN); err != nil {
		t.Fatal(err)
	}
	check(t, "managed attached", get(), allow)
	if err := f.iam.DetachPolicy(bg, owner, mp.ARN); err != nil {
		t.Fatal(err)
	}
	check(t, "managed detached", get(), implicit)
	if err := f.iam.DeletePolicy(bg, mp.ARN); err != nil {
		t.Fatal(err)
	}
	check(t, "managed deleted", get(), implicit)

	// Bucket policy through access.Store.
	anon := func() error { return f.authz.Authorize(req("GET", "/"), anonymous(), "s3:GetObject", obj("b", "k")) }
	check(t, "no bucket policy", anon(), implicit)
	f.bucketPolicy(t, "b", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	check(t, "bucket policy put", anon(), allow)
	f.bucketPolicy(t, "b", doc(`{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	check(t, "bucket policy replaced", anon(), explicit)
	if err := f.store.DeleteBucketPolicy(bg, "b"); err != nil {
		t.Fatal(err)
	}
	check(t, "bucket policy deleted", anon(), implicit)

	// DeleteBucket drops the cached policy: a recreated bucket has none.
	f.bucketPolicy(t, "b", doc(`{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`))
	check(t, "bucket policy again", anon(), allow)
	if _, err := f.store.DeleteBucket(bg, "b"); err != nil {
		t.Fatal(err)
	}
	check(t, "bucket deleted", anon(), implicit)
	f.bucket(t, "b")
	check(t, "bucket recreated", anon(), implicit)

	// Role policy change reaches a live session.
	r := f.role(t, "r", "/")
	_, sess := f.assumeRole(t, u.Principal, r, "s1", "")
	sget := func() error { return f.authz.Authorize(req("GET", "/"), header(sess), "s3:GetObject", obj("b", "k")) }
	check(t, "role without policy", sget(), implicit)
	f.putRolePolicy(t, "r", "p", doc(allowAll))
	check(t, "role policy put", sget(), allow)
	if err := f.iam.DeleteInlinePolicy(bg, meta.Owner{Kind: principal.OwnerRole, Name: "r"}, "p"); err != nil {
		t.Fatal(err)
	}
	check(t, "role policy deleted", sget(), implicit)
}

func TestDeniedError(t *testing.T) {
	d := &Denied{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Decision: policy.Decision{Effect: policy.Deny, Match: &policy.Match{Policy: "p", Sid: "S1"}}}
	if got, want := d.Error(), `access: s3:GetObject on arn:aws:s3:::b/k: explicitly denied by p statement "S1"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	d.Decision.Match.Sid = ""
	if got, want := d.Error(), `access: s3:GetObject on arn:aws:s3:::b/k: explicitly denied by p`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !ExplicitDeny(d) || ExplicitDeny(&Denied{}) || ExplicitDeny(errors.New("x")) || ExplicitDeny(nil) {
		t.Error("ExplicitDeny misclassifies")
	}
	wrapped := errors.Join(errors.New("ctx"), d)
	if !ExplicitDeny(wrapped) {
		t.Error("ExplicitDeny does not see through wrapping")
	}
}

func TestBucketOf(t *testing.T) {
	for _, tc := range []struct {
		res    string
		bucket string
		ok     bool
	}{
		{"arn:aws:s3:::b", "b", true},
		{"arn:aws:s3:::b/k/x", "b", true},
		{"arn:aws:s3:::*", "", false},
		{"arn:aws:s3:::", "", false},
		{"*", "", false},
		{"arn:aws:iam::" + acct + ":user/x", "", false},
	} {
		b, ok := bucketOf(tc.res)
		if b != tc.bucket || ok != tc.ok {
			t.Errorf("bucketOf(%q) = %q, %v", tc.res, b, ok)
		}
	}
}
