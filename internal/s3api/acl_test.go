package s3api

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/postpolicy"
	"signet/internal/principal"
	"signet/internal/secret"
)

const (
	allUsers  = "http://acs.amazonaws.com/groups/global/AllUsers"
	authUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
)

// withPolicies stores bucket policies in the env's metadata store.
func withPolicies(e *env) *env {
	e.cfg.Policies = e.meta
	e.h = mustNew(e.t, e.cfg)
	return e
}

func acpBody(grants ...string) string {
	return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + owner.ID + `</ID></Owner><AccessControlList>` +
		strings.Join(grants, "") + `</AccessControlList></AccessControlPolicy>`
}

func groupGrantXML(uri, perm string) string {
	return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>` + uri + `</URI></Grantee><Permission>` + perm + `</Permission></Grant>`
}

func userGrantXML(id, perm string) string {
	return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>` + id + `</ID></Grantee><Permission>` + perm + `</Permission></Grant>`
}

// TestOwnershipControls: a new bucket is BucketOwnerEnforced (AWS's
// default since April 2023, with Block Public Access on); the setting is put, read and deleted, and
// BucketOwnerEnforced cannot come with an ACL that grants others.
func TestOwnershipControls(t *testing.T) {
	e := newEnv(t)
	e.bucket("own")
	e.mustDo(204, "DELETE", "/own?publicAccessBlock", "")
	golden(t, "ownership_enforced.xml", e.mustDo(200, "GET", "/own?ownershipControls", "").Body.Bytes())

	put := func(setting string) string {
		return `<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>` + setting + `</ObjectOwnership></Rule></OwnershipControls>`
	}
	e.putConfig(200, "/own?ownershipControls", put("ObjectWriter"))
	if got := e.mustDo(200, "GET", "/own?ownershipControls", "").Body.String(); !strings.Contains(got, "<ObjectOwnership>ObjectWriter</ObjectOwnership>") {
		t.Errorf("after PutBucketOwnershipControls ObjectWriter: %s", got)
	}
	e.mustDo(204, "DELETE", "/own?ownershipControls", "")
	body := expectErr(t, e.do("GET", "/own?ownershipControls", nil), 404, "OwnershipControlsNotFoundError")
	if body.Message != "The bucket ownership controls were not found" {
		t.Errorf("message %q", body.Message)
	}
	// Without controls the bucket behaves as ObjectWriter: ACLs are on.
	e.mustDo(200, "PUT", "/own/k", "x", "x-amz-acl", "public-read")

	for name, doc := range map[string]string{
		"unknown setting": put("Nobody"),
		"two rules":       strings.Replace(put("ObjectWriter"), "</Rule>", "</Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule>", 1),
		"no rule":         `<OwnershipControls></OwnershipControls>`,
		"not XML":         `<OwnershipControls>`,
	} {
		if w := e.doConfig("/own?ownershipControls", doc); w.Code != 400 || !strings.Contains(w.Body.String(), "MalformedXML") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body.String())
		}
	}
	expectErr(t, e.do("GET", "/nope?ownershipControls", nil), 404, "NoSuchBucket")

	// The public bucket ACL must go before ACLs can be disabled.
	e.mustDo(200, "PUT", "/own?acl", "", "x-amz-acl", "public-read")
	expectErr(t, e.doConfig("/own?ownershipControls", put("BucketOwnerEnforced")), 400, "InvalidBucketAclWithObjectOwnership")
	e.mustDo(200, "PUT", "/own?acl", "", "x-amz-acl", "private")
	e.putConfig(200, "/own?ownershipControls", put("BucketOwnerEnforced"))
}

// TestCreateBucketOwnership: x-amz-object-ownership on CreateBucket, and
// the ACL headers it allows.
func TestCreateBucketOwnership(t *testing.T) {
	e := newEnv(t)
	e.mustDo(200, "PUT", "/pref", "", "x-amz-object-ownership", "BucketOwnerPreferred")
	if got := e.mustDo(200, "GET", "/pref?ownershipControls", "").Body.String(); !strings.Contains(got, "BucketOwnerPreferred") {
		t.Errorf("GetBucketOwnershipControls: %s", got)
	}
	w := e.do("PUT", "/bad", nil, "x-amz-object-ownership", "Everyone")
	if body := expectErr(t, w, 400, "InvalidArgument"); body.ArgumentName != "x-amz-object-ownership" {
		t.Errorf("ArgumentName %q", body.ArgumentName)
	}
	// Without the header the bucket is BucketOwnerEnforced, which takes no
	// public ACL; the owner's full control is the default anyway.
	body := expectErr(t, e.do("PUT", "/pub", nil, "x-amz-acl", "public-read"), 400, "InvalidBucketAclWithObjectOwnership")
	if body.Message != "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting" {
		t.Errorf("message %q", body.Message)
	}
	e.mustDo(404, "HEAD", "/pub", "")
	e.mustDo(200, "PUT", "/priv", "", "x-amz-acl", "private")
	// With ACLs on, a public ACL still meets the new bucket's Block Public
	// Access; one that grants only the owner does not.
	body = expectErr(t, e.do("PUT", "/pub", nil, "x-amz-acl", "public-read", "x-amz-object-ownership", "ObjectWriter"), 400, "InvalidBucketAclWithBlockPublicAccessError")
	if body.Message != "Bucket cannot have public ACLs set with BlockPublicAccess enabled" {
		t.Errorf("message %q", body.Message)
	}
	expectErr(t, e.do("PUT", "/pub", nil, "x-amz-grant-read", "uri="+authUsers, "x-amz-object-ownership", "ObjectWriter"), 400, "InvalidBucketAclWithBlockPublicAccessError")
	e.mustDo(404, "HEAD", "/pub", "")
	e.mustDo(200, "PUT", "/pub", "", "x-amz-grant-full-control", "id="+owner.ID, "x-amz-object-ownership", "ObjectWriter")
	golden(t, "public_access_block_default.xml", e.mustDo(200, "GET", "/pub?publicAccessBlock", "").Body.Bytes())
	e.mustDo(204, "DELETE", "/pub?publicAccessBlock", "")
	e.mustDo(200, "PUT", "/pub?acl", "", "x-amz-acl", "public-read")
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/pub?acl", "").Body.Bytes())
}

// TestACLsEnforced: a BucketOwnerEnforced bucket refuses every ACL but the
// owner's full control, however it is sent, and reads answer that ACL even
// for an object whose ACL was set while ACLs were on.
func TestACLsEnforced(t *testing.T) {
	e := newEnv(t)
	e.bucket("enf")
	e.mustDo(204, "DELETE", "/enf?publicAccessBlock", "")
	e.put("enf", "k", "x")
	refused := []struct {
		name, method, target, body string
		hdr                        []string
	}{
		{"public canned ACL on PutObject", "PUT", "/enf/new", "x", []string{"x-amz-acl", "public-read"}},
		{"grant header on PutObject", "PUT", "/enf/new", "x", []string{"x-amz-grant-read", "uri=" + allUsers}},
		{"canned ACL on CreateMultipartUpload", "POST", "/enf/new?uploads", "", []string{"x-amz-acl", "authenticated-read"}},
		{"canned ACL on CopyObject", "PUT", "/enf/new", "", []string{"x-amz-copy-source", "/enf/k", "x-amz-acl", "public-read-write"}},
		{"canned ACL on PutObjectAcl", "PUT", "/enf/k?acl", "", []string{"x-amz-acl", "public-read"}},
		{"body on PutObjectAcl", "PUT", "/enf/k?acl", acpBody(userGrantXML(owner.ID, "FULL_CONTROL"), groupGrantXML(allUsers, "READ")), nil},
		{"canned ACL on PutBucketAcl", "PUT", "/enf?acl", "", []string{"x-amz-acl", "log-delivery-write"}},
		{"hoisted into the query", "PUT", "/enf/new?x-amz-acl=public-read", "x", nil},
	}
	for _, tc := range refused {
		var body *strings.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		var w = e.do(tc.method, tc.target, nilIfEmpty(body), tc.hdr...)
		got := expectErr(t, w, 400, "AccessControlListNotSupported")
		if got.Message != "The bucket does not allow ACLs" {
			t.Errorf("%s: message %q", tc.name, got.Message)
		}
	}
	e.mustDo(404, "HEAD", "/enf/new", "")
	// The owner's full control, by name or canned, is accepted.
	e.put("enf", "a", "x", "x-amz-acl", "bucket-owner-full-control")
	e.put("enf", "b", "x", "x-amz-grant-full-control", `id="`+owner.ID+`"`)
	e.mustDo(200, "PUT", "/enf/k?acl", acpBody(userGrantXML(owner.ID, "FULL_CONTROL")))

	// An object made public while ACLs were on reads as private once they
	// are off again.
	e.putConfig(200, "/enf?ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)
	e.mustDo(200, "PUT", "/enf/k?acl", "", "x-amz-acl", "public-read")
	e.putConfig(200, "/enf?ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`)
	golden(t, "acl.xml", e.mustDo(200, "GET", "/enf/k?acl", "").Body.Bytes())
}

func nilIfEmpty(r *strings.Reader) interface{ Read([]byte) (int, error) } {
	if r == nil {
		return nil
	}
	return r
}

// TestACLsObjectWriter: with ACLs on, canned ACLs, grant headers and
// bodies are stored and read back; copies get the request's ACL, not the
// source's; a multipart upload's ACL reaches the completed object.
func TestACLsObjectWriter(t *testing.T) {
	e := newEnv(t)
	e.mustDo(200, "PUT", "/owr", "", "x-amz-object-ownership", "ObjectWriter")
	e.mustDo(204, "DELETE", "/owr?publicAccessBlock", "")
	e.put("owr", "pub", "x", "x-amz-acl", "public-read")
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/owr/pub?acl", "").Body.Bytes())

	e.put("owr", "grants", "x", "x-amz-grant-read", `uri="`+authUsers+`"`, "x-amz-grant-full-control", `id="`+owner.ID+`"`)
	golden(t, "acl_grants.xml", e.mustDo(200, "GET", "/owr/grants?acl", "").Body.Bytes())

	body := acpBody(userGrantXML(owner.ID, "FULL_CONTROL"), groupGrantXML(allUsers, "READ_ACP"), groupGrantXML(authUsers, "WRITE_ACP"))
	e.mustDo(200, "PUT", "/owr/pub?acl", body)
	got := e.mustDo(200, "GET", "/owr/pub?acl", "").Body.String()
	for _, want := range []string{"<URI>" + allUsers + "</URI></Grantee><Permission>READ_ACP", "<URI>" + authUsers + "</URI></Grantee><Permission>WRITE_ACP"} {
		if !strings.Contains(got, want) {
			t.Errorf("GetObjectAcl after a body lacks %q: %s", want, got)
		}
	}
	if strings.Contains(got, "<Permission>READ</Permission>") {
		t.Errorf("PutObjectAcl did not replace the ACL: %s", got)
	}

	// A copy does not take the source's ACL.
	e.mustDo(200, "PUT", "/owr/copy", "", "x-amz-copy-source", "/owr/pub")
	golden(t, "acl.xml", e.mustDo(200, "GET", "/owr/copy?acl", "").Body.Bytes())
	e.mustDo(200, "PUT", "/owr/copy2", "", "x-amz-copy-source", "/owr/grants", "x-amz-acl", "public-read")
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/owr/copy2?acl", "").Body.Bytes())

	// A multipart upload's ACL is the completed object's.
	w := e.mustDo(200, "POST", "/owr/mp?uploads", "", "x-amz-acl", "public-read")
	id := between(w.Body.String(), "<UploadId>", "</UploadId>")
	pw := e.mustDo(200, "PUT", "/owr/mp?partNumber=1&uploadId="+id, "part")
	etag := pw.Header().Get("ETag")
	e.mustDo(200, "POST", "/owr/mp?uploadId="+id, `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>`+etag+`</ETag></Part></CompleteMultipartUpload>`)
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/owr/mp?acl", "").Body.Bytes())

	// The bucket's own ACL.
	e.mustDo(200, "PUT", "/owr?acl", "", "x-amz-acl", "public-read")
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/owr?acl", "").Body.Bytes())
	expectErr(t, e.do("GET", "/owr/none?acl", nil), 404, "NoSuchKey")
	expectErr(t, e.do("PUT", "/owr/none?acl", nil, "x-amz-acl", "private"), 404, "NoSuchKey")
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}

// TestACLErrors: AWS's answers to ACLs it cannot take.
func TestACLErrors(t *testing.T) {
	e := newEnv(t)
	e.mustDo(200, "PUT", "/owr", "", "x-amz-object-ownership", "BucketOwnerPreferred")
	e.put("owr", "k", "x")
	const other = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
	cases := []struct {
		name       string
		body       string
		hdr        []string
		status     int
		code, arg  string
		messageHas string
	}{
		{"headers and a body", acpBody(userGrantXML(owner.ID, "FULL_CONTROL")), []string{"x-amz-acl", "private"}, 400, "UnexpectedContent", "", "This request does not support content"},
		{"canned and grants", "", []string{"x-amz-acl", "private", "x-amz-grant-read", "uri=" + allUsers}, 400, "InvalidRequest", "", "Specifying both Canned ACLs and Header Grants is not allowed"},
		{"unknown canned ACL", "", []string{"x-amz-acl", "world-writable"}, 400, "InvalidArgument", "x-amz-acl", ""},
		{"another canonical ID", "", []string{"x-amz-grant-read", "id=" + other}, 400, "InvalidArgument", "CanonicalUser/ID", "Invalid id"},
		{"another canonical ID in a body", acpBody(userGrantXML(other, "READ")), nil, 400, "InvalidArgument", "CanonicalUser/ID", "Invalid id"},
		{"unknown group", "", []string{"x-amz-grant-read", `uri="http://acs.amazonaws.com/groups/global/Admins"`}, 400, "InvalidArgument", "Group/URI", "Invalid group uri"},
		{"email grantee", "", []string{"x-amz-grant-read", `emailAddress="a@example.com"`}, 405, "MethodNotAllowed", "", "Email grantees"},
		{"email grantee in a body", acpBody(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>a@example.com</EmailAddress></Grantee><Permission>READ</Permission></Grant>`), nil, 405, "MethodNotAllowed", "", ""},
		{"grant header without a type", "", []string{"x-amz-grant-read", "everyone"}, 400, "InvalidArgument", "x-amz-grant-read", ""},
		{"unknown permission", acpBody(groupGrantXML(allUsers, "DELETE")), nil, 400, "MalformedACLError", "", ""},
		{"no grantee", acpBody(`<Grant><Permission>READ</Permission></Grant>`), nil, 400, "MalformedACLError", "", ""},
		{"unknown grantee type", acpBody(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Robot"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`), nil, 400, "MalformedACLError", "", ""},
		{"no owner", `<AccessControlPolicy><AccessControlList>` + groupGrantXML(allUsers, "READ") + `</AccessControlList></AccessControlPolicy>`, nil, 400, "MalformedACLError", "", ""},
		{"another owner", strings.Replace(acpBody(), owner.ID, other, 1), nil, 403, "AccessDenied", "", ""},
		{"not XML", "<AccessControlPolicy>", nil, 400, "MalformedACLError", "", ""},
		{"over 100 grants", acpBody(strings.Repeat(groupGrantXML(allUsers, "READ"), 101)), nil, 400, "MalformedACLError", "", ""},
	}
	for _, tc := range cases {
		var w = e.do("PUT", "/owr/k?acl", strings.NewReader(tc.body), tc.hdr...)
		got := expectErr(t, w, tc.status, tc.code)
		if got.ArgumentName != tc.arg {
			t.Errorf("%s: ArgumentName %q, want %q", tc.name, got.ArgumentName, tc.arg)
		}
		if !strings.Contains(got.Message, tc.messageHas) {
			t.Errorf("%s: message %q lacks %q", tc.name, got.Message, tc.messageHas)
		}
	}
	golden(t, "acl.xml", e.mustDo(200, "GET", "/owr/k?acl", "").Body.Bytes())
}

// TestPublicAccessBlock: the configuration is put, read and deleted; with
// BlockPublicAcls a public ACL is 403 wherever it is set, and with
// BlockPublicPolicy so is a public bucket policy.
func TestPublicAccessBlock(t *testing.T) {
	e := withPolicies(newEnv(t))
	e.mustDo(200, "PUT", "/bpa", "", "x-amz-object-ownership", "ObjectWriter")
	golden(t, "public_access_block_default.xml", e.mustDo(200, "GET", "/bpa?publicAccessBlock", "").Body.Bytes())
	e.mustDo(204, "DELETE", "/bpa?publicAccessBlock", "")
	body := expectErr(t, e.do("GET", "/bpa?publicAccessBlock", nil), 404, "NoSuchPublicAccessBlockConfiguration")
	if body.Message != "The public access block configuration was not found" {
		t.Errorf("message %q", body.Message)
	}
	e.putConfig(200, "/bpa?publicAccessBlock", `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>`)
	golden(t, "public_access_block.xml", e.mustDo(200, "GET", "/bpa?publicAccessBlock", "").Body.Bytes())

	for _, tc := range []struct {
		method, target, body string
		hdr                  []string
	}{
		{"PUT", "/bpa/k", "x", []string{"x-amz-acl", "public-read"}},
		{"PUT", "/bpa/k", "x", []string{"x-amz-grant-read", "uri=" + authUsers}},
		{"POST", "/bpa/k?uploads", "", []string{"x-amz-acl", "authenticated-read"}},
		{"PUT", "/bpa?acl", "", []string{"x-amz-acl", "public-read-write"}},
	} {
		expectErr(t, e.do(tc.method, tc.target, strings.NewReader(tc.body), tc.hdr...), 403, "AccessDenied")
	}
	e.put("bpa", "k", "x", "x-amz-acl", "private")
	e.put("bpa", "logs", "x", "x-amz-acl", "log-delivery-write")
	expectErr(t, e.do("PUT", "/bpa/k?acl", strings.NewReader(acpBody(groupGrantXML(allUsers, "READ")))), 403, "AccessDenied")

	const public = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa/*"}]}`
	const account = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bpa/*"}]}`
	expectErr(t, e.do("PUT", "/bpa?policy", strings.NewReader(public)), 403, "AccessDenied")
	e.mustDo(204, "PUT", "/bpa?policy", account)

	expectErr(t, e.doConfig("/bpa?publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>`), 400, "MalformedXML")
	e.mustDo(204, "DELETE", "/bpa?publicAccessBlock", "")
	expectErr(t, e.do("GET", "/bpa?publicAccessBlock", nil), 404, "NoSuchPublicAccessBlockConfiguration")
	e.mustDo(204, "PUT", "/bpa?policy", public)
	e.put("bpa", "k", "x", "x-amz-acl", "public-read")
	expectErr(t, e.doConfig("/nope?publicAccessBlock", `<PublicAccessBlockConfiguration/>`), 404, "NoSuchBucket")
}

// TestBucketPolicyStatus: IsPublic follows S3's meaning of a public
// policy; without a policy the answer is NoSuchBucketPolicy.
func TestBucketPolicyStatus(t *testing.T) {
	e := withPolicies(newEnv(t))
	e.bucket("sta")
	e.mustDo(204, "DELETE", "/sta?publicAccessBlock", "")
	expectErr(t, e.do("GET", "/sta?policyStatus", nil), 404, "NoSuchBucketPolicy")
	e.mustDo(204, "PUT", "/sta?policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sta/*"}]}`)
	golden(t, "policy_status_public.xml", e.mustDo(200, "GET", "/sta?policyStatus", "").Body.Bytes())
	e.mustDo(204, "PUT", "/sta?policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::sta/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`)
	if got := e.mustDo(200, "GET", "/sta?policyStatus", "").Body.String(); !strings.Contains(got, "<IsPublic>false</IsPublic>") {
		t.Errorf("policy limited to CIDRs: %s", got)
	}
}

// TestPostObjectACL: a form's acl field sets the object's ACL as
// x-amz-acl does, judged against the bucket's settings, and the
// authoriser is asked for s3:PutObjectAcl too.
func TestPostObjectACL(t *testing.T) {
	e, _, _ := newPostEnv(t)
	hour := t0.Add(time.Hour)
	form := func(key, acl string) formSpec {
		fields := withFields([][2]string{{"key", key}, {"acl", acl}}, signedV4(postAKID, "", hour, `{"key": "`+key+`"}`, `{"acl": "`+acl+`"}`)...)
		return formSpec{fields: fields, file: "x"}
	}
	e.putConfig(200, "/photos?ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)
	// Block Public Access is still on.
	expectErr(t, e.post(form("blocked", "public-read")), 403, "AccessDenied")
	e.mustDo(404, "HEAD", "/photos/blocked", "")
	e.mustDo(204, "DELETE", "/photos?publicAccessBlock", "")
	if w := e.post(form("open", "public-read")); w.Code != 204 {
		t.Fatalf("POST with acl public-read: %d %s", w.Code, w.Body.String())
	}
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/photos/open?acl", "").Body.Bytes())
	expectErr(t, e.post(form("bad", "everyone")), 400, "InvalidArgument")
}

// putConfig PUTs a configuration body with the Content-MD5 S3 requires.
func (e *env) putConfig(want int, target, body string) {
	e.t.Helper()
	e.mustDo(want, "PUT", target, body, "Content-MD5", contentMD5(body))
}

// doConfig is putConfig for a response the test examines.
func (e *env) doConfig(target, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do("PUT", target, strings.NewReader(body), "Content-MD5", contentMD5(body))
}

// TestConfigIntegrityHeader: PutBucketOwnershipControls and
// PutPublicAccessBlock require Content-MD5 (or a checksum), as on AWS, and
// check it against the body.
func TestConfigIntegrityHeader(t *testing.T) {
	e := newEnv(t)
	e.bucket("cfg")
	for _, tc := range []struct{ target, body string }{
		{"/cfg?ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`},
		{"/cfg?publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`},
	} {
		body := expectErr(t, e.do("PUT", tc.target, strings.NewReader(tc.body)), 400, "InvalidRequest")
		if body.Message != "Missing required header for this request: Content-MD5" {
			t.Errorf("%s: message %q", tc.target, body.Message)
		}
		expectErr(t, e.do("PUT", tc.target, strings.NewReader(tc.body), "Content-MD5", contentMD5(tc.body+" ")), 400, "BadDigest")
	}
	golden(t, "ownership_enforced.xml", e.mustDo(200, "GET", "/cfg?ownershipControls", "").Body.Bytes())
	golden(t, "public_access_block_default.xml", e.mustDo(200, "GET", "/cfg?publicAccessBlock", "").Body.Bytes())
}

// TestPostObjectACLDryRun: s3:PutObjectAcl for a form's acl field is asked
// in authorizePost, so the POST and its dry run (DryRunPost, which signet
// inspect explains) refuse the same form with the authoriser's refusal;
// an ACL the bucket would not keep (BucketOwnerEnforced, private) asks
// nothing more.
func TestPostObjectACLDryRun(t *testing.T) {
	var asked []string
	keys := authn.NewStaticKeys(&authn.Credential{AccessKeyID: postAKID, Secret: secret.New(postSecret),
		Principal: principal.Principal{AccessKeyID: postAKID, ARN: "arn:aws:iam::123456789012:user/alice"}})
	denied := errors.New("no s3:PutObjectAcl")
	e := newEnv(t, func(c *Config) {
		c.Auth = postAuth{real: authn.NewAuthenticator(keys, c.Clock, c.Clock, "us-east-1")}
		c.Authz = authzFunc(func(r *http.Request, res *authn.Result, action, resource string) error {
			if res.AuthType == authn.AuthPOST {
				asked = append(asked, action)
				if action == "s3:PutObjectAcl" {
					return denied
				}
			}
			return AllowAuthenticated{}.Authorize(r, res, action, resource)
		})
	})
	e.bucket("photos")
	hour := t0.Add(time.Hour)
	form := func(key, acl string) formSpec {
		fields := withFields([][2]string{{"key", key}, {"acl", acl}}, signedV4(postAKID, "", hour, `{"key": "`+key+`"}`, `{"acl": "`+acl+`"}`)...)
		return formSpec{fields: fields, file: "x"}
	}
	dryRun := func(f formSpec) DryRun {
		_, ct := f.encode(t)
		r := httptest.NewRequest("POST", "/photos", nil)
		r.Header.Set("Content-Type", ct)
		var fields []postpolicy.Field
		for _, kv := range f.fields {
			fields = append(fields, postpolicy.Field{Name: kv[0], Value: kv[1]})
		}
		return e.h.DryRunPost(r, fields, 1)
	}

	// BucketOwnerEnforced: private is the owner's full control, kept as
	// the default, so nothing more is asked.
	asked = nil
	if w := e.post(form("private", "private")); w.Code != 204 {
		t.Fatalf("POST acl private: %d %s", w.Code, w.Body.String())
	}
	if len(asked) != 1 || asked[0] != "s3:PutObject" {
		t.Errorf("POST acl private asked %q, want only s3:PutObject", asked)
	}

	e.putConfig(200, "/photos?ownershipControls", `<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`)
	e.mustDo(204, "DELETE", "/photos?publicAccessBlock", "")
	f := form("shared", "public-read")
	d := dryRun(f)
	if !errors.Is(d.AuthzErr, denied) || d.Code != "AccessDenied" || d.Status != 403 {
		t.Errorf("dry run of a public-read form: AuthzErr %v, %d %s; want the authoriser's refusal, 403 AccessDenied", d.AuthzErr, d.Status, d.Code)
	}
	expectErr(t, e.post(f), 403, "AccessDenied")
	e.mustDo(404, "HEAD", "/photos/shared", "")
	// The bucket's own settings refuse before the authoriser is asked.
	e.putConfig(200, "/photos?publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`)
	if d := dryRun(f); d.AuthzErr != nil || d.RequestErr == nil || d.Code != "AccessDenied" {
		t.Errorf("dry run under BlockPublicAcls: AuthzErr %v, RequestErr %v, %s", d.AuthzErr, d.RequestErr, d.Code)
	}
}
