package server_test

// The adversarial section for the account-level Block Public Access (S3
// Control), through the real server: each setting, on for the account
// alone, closes what a bucket whose own settings are off would open; only
// the account's own callers with s3:PutAccountPublicAccessBlock change it;
// an S3 Control request never touches a bucket, and another account's is
// refused.

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"testing"
	"time"
)

func TestAdversarialAccountPublicAccessBlock(t *testing.T) {
	a := newAdvEnv(t)
	acct := a.accountID(t)
	h := func(kv ...string) http.Header {
		hdr := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			hdr.Set(kv[i], kv[i+1])
		}
		return hdr
	}
	root := func(method, tgt string, hdr http.Header, body []byte) advReq {
		return a.rootHeader(t, method, tgt, hdr, body)
	}
	anon := func(method, tgt string) advReq {
		return advReq{method: method, target: tgt, header: http.Header{}}
	}
	expect := func(t *testing.T, r advReq, status int, code string) rawResp {
		t.Helper()
		resp := a.send(t, r)
		if got, _ := errorCode(resp.body); resp.status != status || got != code {
			t.Fatalf("want %d %q\n%s", status, code, resp)
		}
		return resp
	}
	const pabPath = "/v20180820/configuration/publicAccessBlock"
	// control signs an S3 Control request for the account as c.
	control := func(method, account, settings string) advReq {
		var body []byte
		if settings != "" {
			body = []byte(`<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/">` + settings + `</PublicAccessBlockConfiguration>`)
		}
		return a.rootHeader(t, method, pabPath, h("x-amz-account-id", account), body)
	}
	setAccount := func(t *testing.T, settings string) {
		t.Helper()
		a.mustStatus(t, control(http.MethodPut, acct, settings), 200)
	}
	clearAccount := func(t *testing.T) {
		t.Helper()
		a.mustStatus(t, control(http.MethodDelete, acct, ""), 204)
	}
	open, closed := []byte("for everyone"), []byte("for the owner")

	// A bucket with ACLs on and its own Block Public Access off, with a
	// public and a private object.
	a.mustStatus(t, root(http.MethodPut, "/acctpab", h("x-amz-object-ownership", "ObjectWriter"), nil), 200)
	a.mustStatus(t, root(http.MethodDelete, "/acctpab?publicAccessBlock", nil, nil), 204)
	a.mustStatus(t, root(http.MethodPut, "/acctpab/open", h("x-amz-acl", "public-read"), open), 200)
	a.mustStatus(t, root(http.MethodPut, "/acctpab/closed", nil, closed), 200)
	a.mustStatus(t, anon(http.MethodGet, "/acctpab/open"), 200)

	t.Run("IgnorePublicAcls on the account voids the bucket's public grant", func(t *testing.T) {
		setAccount(t, `<IgnorePublicAcls>true</IgnorePublicAcls>`)
		expect(t, anon(http.MethodGet, "/acctpab/open"), 403, "AccessDenied")
		// The bucket's own configuration is still none: the account's
		// does not show through GetPublicAccessBlock.
		expect(t, root(http.MethodGet, "/acctpab?publicAccessBlock", nil, nil), 404, "NoSuchPublicAccessBlockConfiguration")
		clearAccount(t)
		a.mustStatus(t, anon(http.MethodGet, "/acctpab/open"), 200)
	})

	t.Run("BlockPublicAcls on the account refuses a public ACL however it is sent", func(t *testing.T) {
		setAccount(t, `<BlockPublicAcls>true</BlockPublicAcls>`)
		u := a.presign(t, http.MethodPut, "/acctpab/closed?x-amz-acl=public-read", a.root(), time.Hour)
		expect(t, advReq{method: http.MethodPut, target: u, header: http.Header{}, body: []byte("overwritten")}, 403, "AccessDenied")
		expect(t, root(http.MethodPut, "/acctpab/closed?acl", h("x-amz-grant-read", `uri="`+allUsersURI+`"`), nil), 403, "AccessDenied")
		expect(t, root(http.MethodPut, "/acctpab?acl", h("x-amz-acl", "public-read"), nil), 403, "AccessDenied")
		expect(t, root(http.MethodPost, "/acctpab/mp?uploads", h("x-amz-acl", "public-read-write"), nil), 403, "AccessDenied")
		// Existing public ACLs stay in force: BlockPublicAcls blocks writes.
		a.mustStatus(t, anon(http.MethodGet, "/acctpab/open"), 200)
		expect(t, anon(http.MethodGet, "/acctpab/closed"), 403, "AccessDenied")
		r := a.mustStatus(t, root(http.MethodGet, "/acctpab/closed", nil, nil), 200)
		if !bytes.Equal(r.body, closed) {
			t.Fatalf("the refused PUT changed the object: %q", r.body)
		}
		// A private ACL is still accepted.
		a.mustStatus(t, root(http.MethodPut, "/acctpab/closed?acl", h("x-amz-acl", "private"), nil), 200)
		clearAccount(t)
	})

	publicPolicy := []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acctpab/closed"}]}`)
	t.Run("BlockPublicPolicy on the account refuses a public policy, even from the root", func(t *testing.T) {
		setAccount(t, `<BlockPublicPolicy>true</BlockPublicPolicy>`)
		expect(t, root(http.MethodPut, "/acctpab?policy", nil, publicPolicy), 403, "AccessDenied")
		expect(t, root(http.MethodGet, "/acctpab?policy", nil, nil), 404, "NoSuchBucketPolicy")
		// A policy that is not public is accepted.
		a.mustStatus(t, root(http.MethodPut, "/acctpab?policy", nil, []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+acct+`:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::acctpab/closed"}]}`)), 204)
		clearAccount(t)
		a.mustStatus(t, root(http.MethodPut, "/acctpab?policy", nil, publicPolicy), 204)
	})

	t.Run("RestrictPublicBuckets on the account leaves anonymous callers nothing under a public policy", func(t *testing.T) {
		a.mustStatus(t, anon(http.MethodGet, "/acctpab/closed"), 200)
		setAccount(t, `<RestrictPublicBuckets>true</RestrictPublicBuckets>`)
		expect(t, anon(http.MethodGet, "/acctpab/closed"), 403, "AccessDenied")
		expect(t, anon(http.MethodGet, "/acctpab/open"), 403, "AccessDenied")
		a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/acctpab/closed", a.alice, nil, nil, "", a.fake.Now()), 200)
		// GetBucketPolicyStatus is about the policy alone, as on AWS.
		r := a.mustStatus(t, root(http.MethodGet, "/acctpab?policyStatus", nil, nil), 200)
		if !bytes.Contains(r.body, []byte("<IsPublic>true</IsPublic>")) {
			t.Fatalf("policy status: %s", r)
		}
		clearAccount(t)
		a.mustStatus(t, anon(http.MethodGet, "/acctpab/closed"), 200)
	})

	t.Run("only the account's callers allowed it change or read the configuration", func(t *testing.T) {
		setAccount(t, `<IgnorePublicAcls>true</IgnorePublicAcls>`)
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			var body []byte
			if m == http.MethodPut {
				body = []byte(`<PublicAccessBlockConfiguration/>`)
			}
			// mallory is denied s3:*; an anonymous caller has no policy.
			expect(t, a.signedHeaderReq(t, m, pabPath, a.mallory, h("x-amz-account-id", acct), body, "", a.fake.Now()), 403, "AccessDenied")
			expect(t, advReq{method: m, target: pabPath, header: h("x-amz-account-id", acct), body: body}, 403, "AccessDenied")
			// Another account, even signed by the root.
			expect(t, a.rootHeader(t, m, pabPath, h("x-amz-account-id", "999999999999"), body), 403, "AccessDenied")
		}
		// A reader may read but not delete: Delete is authorised as Put.
		reader := a.newUser(t, "pabreader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetAccountPublicAccessBlock","Resource":"*"}]}`)
		r := a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, pabPath, reader, h("x-amz-account-id", acct), nil, "", a.fake.Now()), 200)
		if !bytes.Contains(r.body, []byte("<IgnorePublicAcls>true</IgnorePublicAcls>")) {
			t.Fatalf("GET: %s", r)
		}
		expect(t, a.signedHeaderReq(t, http.MethodDelete, pabPath, reader, h("x-amz-account-id", acct), nil, "", a.fake.Now()), 403, "AccessDenied")
		// A policy on a bucket ARN does not reach the account's resource.
		bucketOnly := a.newUser(t, "pabbucket", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::*"}]}`)
		expect(t, a.signedHeaderReq(t, http.MethodDelete, pabPath, bucketOnly, h("x-amz-account-id", acct), nil, "", a.fake.Now()), 403, "AccessDenied")
		expect(t, anon(http.MethodGet, "/acctpab/open"), 403, "AccessDenied")
		clearAccount(t)
	})

	t.Run("a body that lies about its digest changes nothing", func(t *testing.T) {
		body := []byte(`<PublicAccessBlockConfiguration><IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>`)
		sum := md5.Sum([]byte("something else"))
		expect(t, a.rootHeader(t, http.MethodPut, pabPath, h("x-amz-account-id", acct, "Content-MD5", base64.StdEncoding.EncodeToString(sum[:])), body), 400, "BadDigest")
		expect(t, control(http.MethodGet, acct, ""), 404, "NoSuchPublicAccessBlockConfiguration")
		a.mustStatus(t, anon(http.MethodGet, "/acctpab/open"), 200)
	})

	t.Run("without x-amz-account-id the path is a bucket's", func(t *testing.T) {
		expect(t, root(http.MethodGet, pabPath, nil, nil), 404, "NoSuchBucket")
		a.mustStatus(t, root(http.MethodPut, "/v20180820", nil, nil), 200)
		a.mustStatus(t, root(http.MethodPut, pabPath, nil, []byte("an object")), 200)
		// The S3 Control request beside it reads the account, not the object.
		expect(t, control(http.MethodGet, acct, ""), 404, "NoSuchPublicAccessBlockConfiguration")
		r := a.mustStatus(t, root(http.MethodGet, pabPath, nil, nil), 200)
		if string(r.body) != "an object" {
			t.Fatalf("object: %s", r)
		}
	})
	a.intact(t)
}
