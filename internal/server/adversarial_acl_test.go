package server_test

// The adversarial section for ACLs, Object Ownership and Block Public
// Access, through the real server: an ACL never opens what the bucket's
// settings keep closed, however the request is signed, and a caller
// cannot grant itself access it does not have.

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"
	"time"
)

const allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

func TestAdversarialACLs(t *testing.T) {
	a := newAdvEnv(t)
	root := func(method, tgt string, hdr http.Header, body []byte) advReq {
		return a.rootHeader(t, method, tgt, hdr, body)
	}
	anon := func(method, tgt string, body []byte) advReq {
		return advReq{method: method, target: tgt, header: http.Header{}, body: body}
	}
	h := func(kv ...string) http.Header {
		hdr := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			hdr.Set(kv[i], kv[i+1])
		}
		return hdr
	}
	expect := func(t *testing.T, r advReq, status int, code string) rawResp {
		t.Helper()
		resp := a.send(t, r)
		if got, _ := errorCode(resp.body); resp.status != status || got != code {
			t.Fatalf("want %d %q\n%s", status, code, resp)
		}
		return resp
	}
	// config PUTs a bucket configuration with the Content-MD5 S3 requires.
	config := func(tgt, body string) advReq {
		sum := md5.Sum([]byte(body))
		return root(http.MethodPut, tgt, h("Content-MD5", base64.StdEncoding.EncodeToString(sum[:])), []byte(body))
	}
	open, closed := []byte("for everyone"), []byte("for the owner")

	// A bucket with ACLs on and Block Public Access off, with a public
	// and a private object.
	a.mustStatus(t, root(http.MethodPut, "/pubacl", h("x-amz-object-ownership", "ObjectWriter"), nil), 200)
	a.mustStatus(t, root(http.MethodDelete, "/pubacl?publicAccessBlock", nil, nil), 204)
	a.mustStatus(t, root(http.MethodPut, "/pubacl/open", h("x-amz-acl", "public-read"), open), 200)
	a.mustStatus(t, root(http.MethodPut, "/pubacl/closed", nil, closed), 200)

	t.Run("public-read object is readable without a signature", func(t *testing.T) {
		r := a.mustStatus(t, anon(http.MethodGet, "/pubacl/open", nil), 200)
		if !bytes.Equal(r.body, open) {
			t.Fatalf("body %q", r.body)
		}
		expect(t, anon(http.MethodGet, "/pubacl/closed", nil), 403, "AccessDenied")
	})

	t.Run("public-read in a BucketOwnerEnforced bucket stays private", func(t *testing.T) {
		expect(t, root(http.MethodPut, "/adv/obj?acl", h("x-amz-acl", "public-read"), nil), 400, "AccessControlListNotSupported")
		expect(t, root(http.MethodPut, "/adv/obj?acl", nil, []byte(`<AccessControlPolicy><Owner><ID>5e6d2b1ac27e1c8b6a36e7e5fba4b7c1b50c2a7e0c44bb43d9e2cba4e0a6f9c1</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>`+allUsersURI+`</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`)), 400, "AccessControlListNotSupported")
		u := a.presign(t, http.MethodPut, "/adv/obj?x-amz-acl=public-read", a.root(), time.Hour)
		expect(t, advReq{method: http.MethodPut, target: u, header: http.Header{}, body: []byte("overwritten")}, 400, "AccessControlListNotSupported")
		expect(t, root(http.MethodPut, "/adv/obj", h("x-amz-grant-read", "uri="+allUsersURI), []byte("overwritten")), 400, "AccessControlListNotSupported")
		expect(t, anon(http.MethodGet, "/adv/obj", nil), 403, "AccessDenied")
		a.intact(t)
	})

	t.Run("IgnorePublicAcls voids a public grant", func(t *testing.T) {
		a.mustStatus(t, config("/pubacl?publicAccessBlock", `<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>`), 200)
		expect(t, anon(http.MethodGet, "/pubacl/open", nil), 403, "AccessDenied")
		a.mustStatus(t, root(http.MethodDelete, "/pubacl?publicAccessBlock", nil, nil), 204)
		a.mustStatus(t, anon(http.MethodGet, "/pubacl/open", nil), 200)
	})

	t.Run("BlockPublicAcls refuses a public ACL however it is sent", func(t *testing.T) {
		a.mustStatus(t, config("/pubacl?publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`), 200)
		u := a.presign(t, http.MethodPut, "/pubacl/closed?x-amz-acl=public-read", a.root(), time.Hour)
		expect(t, advReq{method: http.MethodPut, target: u, header: http.Header{}, body: []byte("overwritten")}, 403, "AccessDenied")
		expect(t, root(http.MethodPut, "/pubacl/closed?acl", h("x-amz-grant-read", `uri="`+allUsersURI+`"`), nil), 403, "AccessDenied")
		expect(t, root(http.MethodPost, "/pubacl/mp?uploads", h("x-amz-acl", "public-read-write"), nil), 403, "AccessDenied")
		expect(t, anon(http.MethodGet, "/pubacl/closed", nil), 403, "AccessDenied")
		r := a.mustStatus(t, root(http.MethodGet, "/pubacl/closed", nil, nil), 200)
		if !bytes.Equal(r.body, closed) {
			t.Fatalf("the refused PUT changed the object: %q", r.body)
		}
		a.mustStatus(t, root(http.MethodDelete, "/pubacl?publicAccessBlock", nil, nil), 204)
	})

	t.Run("no caller grants itself what it lacks", func(t *testing.T) {
		// Anonymous callers may not change an ACL, even of a public object.
		expect(t, anon(http.MethodPut, "/pubacl/closed?acl", nil), 403, "AccessDenied")
		// mallory is denied every S3 action: an ACL header changes nothing.
		expect(t, a.signedHeaderReq(t, http.MethodPut, "/pubacl/closed?acl", a.mallory, h("x-amz-acl", "public-read"), nil, "", a.fake.Now()), 403, "AccessDenied")
		// A writer without s3:PutObjectAcl cannot publish what it writes.
		writer := a.newUser(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}`)
		expect(t, a.signedHeaderReq(t, http.MethodPut, "/pubacl/leak", writer, h("x-amz-acl", "public-read"), []byte("leak"), "", a.fake.Now()), 403, "AccessDenied")
		a.mustStatus(t, root(http.MethodHead, "/pubacl/leak", nil, nil), 404)
		expect(t, anon(http.MethodGet, "/pubacl/closed", nil), 403, "AccessDenied")
	})

	t.Run("grants to no one signet knows are refused", func(t *testing.T) {
		expect(t, root(http.MethodPut, "/pubacl/closed?acl", h("x-amz-grant-read", `emailAddress="attacker@example.com"`), nil), 405, "MethodNotAllowed")
		expect(t, root(http.MethodPut, "/pubacl/closed?acl", h("x-amz-grant-full-control", "id=79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"), nil), 400, "InvalidArgument")
		expect(t, root(http.MethodPut, "/pubacl/closed?acl", h("x-amz-grant-read", "uri=http://evil.example/groups/Everyone"), nil), 400, "InvalidArgument")
		expect(t, anon(http.MethodGet, "/pubacl/closed", nil), 403, "AccessDenied")
	})

	t.Run("RestrictPublicBuckets leaves anonymous callers nothing under a public policy", func(t *testing.T) {
		a.mustStatus(t, root(http.MethodPut, "/pubacl?policy", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pubacl/closed"}]}`)), 204)
		a.mustStatus(t, anon(http.MethodGet, "/pubacl/closed", nil), 200)
		a.mustStatus(t, config("/pubacl?publicAccessBlock", `<PublicAccessBlockConfiguration><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`), 200)
		expect(t, anon(http.MethodGet, "/pubacl/closed", nil), 403, "AccessDenied")
		expect(t, anon(http.MethodGet, "/pubacl/open", nil), 403, "AccessDenied")
		// The account's own callers keep their access.
		a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/pubacl/closed", a.alice, nil, nil, "", a.fake.Now()), 200)
	})

	t.Run("BlockPublicPolicy refuses a public policy, even from the root", func(t *testing.T) {
		a.mustStatus(t, config("/pubacl?publicAccessBlock", `<PublicAccessBlockConfiguration><BlockPublicPolicy>true</BlockPublicPolicy></PublicAccessBlockConfiguration>`), 200)
		expect(t, root(http.MethodPut, "/pubacl?policy", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Resource":"arn:aws:s3:::pubacl/*"}]}`)), 403, "AccessDenied")
		r := a.mustStatus(t, root(http.MethodGet, "/pubacl?policyStatus", nil, nil), 200)
		if !bytes.Contains(r.body, []byte("<IsPublic>true</IsPublic>")) {
			t.Fatalf("the earlier public policy's status: %s", r)
		}
	})
	a.intact(t)
}
