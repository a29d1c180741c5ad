package server_test

// The adversarial section for versions (issue 16): ListObjectVersions is a
// listing of its own, authorised as s3:ListBucketVersions, so a caller
// allowed only s3:ListBucket, or the public reader of a bucket, learns
// nothing through it; hostile markers are refused with AWS's errors and
// echoed only as escaped text; and a request naming a version the bucket
// cannot hold deletes nothing.

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestAdversarialVersions(t *testing.T) {
	a := newAdvEnv(t)
	lister := a.newUser(t, "lister", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)
	versioner := a.newUser(t, "versioner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucketVersions","Resource":"arn:aws:s3:::adv","Condition":{"StringEquals":{"s3:prefix":"o"}}}]}`)

	t.Run("s3:ListBucket does not list versions", func(t *testing.T) {
		r := a.send(t, a.signedHeaderReq(t, http.MethodGet, "/adv?versions", lister, nil, nil, "", t0))
		if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
			t.Fatalf("want 403 AccessDenied\n%s", r)
		}
		a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/adv?list-type=2", lister, nil, nil, "", t0), 200)
	})
	t.Run("the s3:prefix condition holds for versions", func(t *testing.T) {
		r := a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/adv?versions&prefix=o", versioner, nil, nil, "", t0), 200)
		var list struct {
			Version []struct{ Key, VersionId string }
		}
		if err := xml.Unmarshal(r.body, &list); err != nil || len(list.Version) != 2 || list.Version[0].Key != "obj" || list.Version[1].Key != "other" || list.Version[0].VersionId != "null" {
			t.Fatalf("listing: %v %+v\n%s", err, list, r)
		}
		r = a.send(t, a.signedHeaderReq(t, http.MethodGet, "/adv?versions", versioner, nil, nil, "", t0))
		if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
			t.Fatalf("without the prefix the condition allows: want 403 AccessDenied\n%s", r)
		}
	})
	t.Run("anonymous public reader", func(t *testing.T) {
		r := a.send(t, advReq{method: http.MethodGet, target: "/adv2?versions"})
		if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
			t.Fatalf("want 403 AccessDenied\n%s", r)
		}
	})
	hostile := `<VersionId>x</VersionId>]]>&` + strings.Repeat("A", 2000)
	for _, row := range []struct{ name, target, message string }{
		{"marker without key-marker", "/adv?versions&version-id-marker=null", "A version-id marker cannot be specified without a key marker."},
		{"markup in the marker", "/adv?versions&key-marker=obj&version-id-marker=" + url.QueryEscape(hostile), "Invalid version id specified"},
		{"GET of a version the bucket cannot hold", "/adv/obj?versionId=" + url.QueryEscape(hostile), ""},
		{"DELETE of a version the bucket cannot hold", "/adv/obj?versionId=3sL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY", ""},
	} {
		t.Run(row.name, func(t *testing.T) {
			method := http.MethodGet
			if strings.HasPrefix(row.name, "DELETE") {
				method = http.MethodDelete
			}
			r := a.send(t, a.rootHeader(t, method, row.target, nil, nil))
			code, msg := errorCode(r.body)
			if r.status != 400 || code != "InvalidArgument" || (row.message != "" && msg != row.message) {
				t.Fatalf("want 400 InvalidArgument %q\n%s", row.message, r)
			}
			if strings.Contains(string(r.body), "<VersionId>x") {
				t.Fatalf("the marker's markup reached the body unescaped:\n%s", r)
			}
			a.intact(t)
		})
	}
	// A presigned ListObjectVersions URL lives as any presigned URL: a
	// read-only link to the version listing stops with the window.
	u := a.presign(t, http.MethodGet, "/adv?versions", a.root(), time.Minute)
	a.mustStatus(t, get(u), 200)
	a.fake.Set(t0.Add(2 * time.Minute))
	r := a.send(t, get(u))
	if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
		t.Fatalf("expired ListObjectVersions URL: want 403 AccessDenied\n%s", r)
	}
	a.intact(t)
}

// TestAdversarialVersionPermissions: in a versioned bucket, an old version
// is reachable only with the version actions. s3:GetObject reads the
// current object but not a version by ID; s3:DeleteObject adds a delete
// marker but cannot remove a version for good, neither by DELETE nor
// inside DeleteObjects; s3:versionid conditions apply.
func TestAdversarialVersionPermissions(t *testing.T) {
	a := newAdvEnv(t)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advv", nil, nil), 200)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advv?versioning", nil, []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)), 200)
	old := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advv/k", nil, []byte("old secret")), 200).header.Get("x-amz-version-id")
	cur := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advv/k", nil, []byte("current")), 200).header.Get("x-amz-version-id")
	if old == "" || cur == "" || old == cur {
		t.Fatalf("version IDs %q, %q", old, cur)
	}
	reader := a.newUser(t, "vreader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:DeleteObject"],"Resource":"*"}]}`)
	pinned := a.newUser(t, "vpinned", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectVersion","Resource":"*","Condition":{"StringEquals":{"s3:versionid":"`+cur+`"}}}]}`)

	r := a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/advv/k", reader, nil, nil, "", t0), 200)
	if string(r.body) != "current" {
		t.Fatalf("current object: %q", r.body)
	}
	for _, c := range []struct {
		name string
		req  advReq
	}{
		{"GET of an old version with s3:GetObject", a.signedHeaderReq(t, http.MethodGet, "/advv/k?versionId="+old, reader, nil, nil, "", t0)},
		{"DELETE of a version with s3:DeleteObject", a.signedHeaderReq(t, http.MethodDelete, "/advv/k?versionId="+old, reader, nil, nil, "", t0)},
		{"GET of a version s3:versionid does not allow", a.signedHeaderReq(t, http.MethodGet, "/advv/k?versionId="+old, pinned, nil, nil, "", t0)},
	} {
		r := a.send(t, c.req)
		if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
			t.Fatalf("%s: want 403 AccessDenied\n%s", c.name, r)
		}
	}
	r = a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/advv/k?versionId="+cur, pinned, nil, nil, "", t0), 200)
	if string(r.body) != "current" {
		t.Fatalf("pinned version: %q", r.body)
	}
	del := []byte(`<Delete><Object><Key>k</Key><VersionId>` + old + `</VersionId></Object></Delete>`)
	r = a.mustStatus(t, a.signedHeaderReq(t, http.MethodPost, "/advv?delete", reader, nil, del, "", t0), 200)
	if !strings.Contains(string(r.body), "<Code>AccessDenied</Code>") || strings.Contains(string(r.body), "<Deleted>") {
		t.Fatalf("DeleteObjects of a version with s3:DeleteObject:\n%s", r)
	}
	r = a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/advv/k?versionId="+old, nil, nil), 200)
	if string(r.body) != "old secret" {
		t.Fatalf("the old version changed: %q", r.body)
	}
	a.intact(t)
}

// TestAdversarialVersionTagsAndACL: the tags and ACL of a version are
// authorised as AWS's version actions. A caller allowed the current
// object's s3:GetObjectTagging, s3:PutObjectTagging or s3:GetObjectAcl
// reaches no older version through versionId (null included), and what it
// tried leaves the old version as it was; s3:versionid narrows a grant of
// the version action to the versions it names.
func TestAdversarialVersionTagsAndACL(t *testing.T) {
	a := newAdvEnv(t)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/vtags", nil, nil), 200)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/vtags/k", http.Header{"X-Amz-Tagging": {"classification=secret"}}, []byte("old")), 200)
	enable := []byte(`<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/vtags?versioning", nil, enable), 200)
	r := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/vtags/k", http.Header{"X-Amz-Tagging": {"classification=public"}}, []byte("new")), 200)
	current := r.header.Get("x-amz-version-id")
	if current == "" || current == "null" {
		t.Fatalf("PutObject in a versioned bucket: version %q", current)
	}
	curOnly := a.newUser(t, "curonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObjectTagging","s3:PutObjectTagging","s3:DeleteObjectTagging","s3:GetObjectAcl","s3:PutObjectAcl"],"Resource":"arn:aws:s3:::vtags/*"}]}`)
	nullOnly := a.newUser(t, "nullonly", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObjectVersionTagging","Resource":"arn:aws:s3:::vtags/*","Condition":{"StringEquals":{"s3:versionid":"null"}}}]}`)

	a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/vtags/k?tagging", curOnly, nil, nil, "", t0), 200)
	overwrite := []byte(`<Tagging><TagSet><Tag><Key>classification</Key><Value>none</Value></Tag></TagSet></Tagging>`)
	md5 := http.Header{"Content-Md5": {md5Base64(overwrite)}}
	for _, id := range []string{"null", current} {
		for _, row := range []struct {
			method, query string
			hdr           http.Header
			body          []byte
		}{
			{http.MethodGet, "tagging", nil, nil},
			{http.MethodPut, "tagging", md5, overwrite},
			{http.MethodDelete, "tagging", nil, nil},
			{http.MethodGet, "acl", nil, nil},
			{http.MethodPut, "acl", http.Header{"X-Amz-Acl": {"private"}}, nil},
		} {
			r := a.send(t, a.signedHeaderReq(t, row.method, "/vtags/k?"+row.query+"&versionId="+id, curOnly, row.hdr, row.body, "", t0))
			if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
				t.Errorf("%s ?%s of version %s with the current object's action only: want 403 AccessDenied\n%s", row.method, row.query, id, r)
			}
		}
	}
	r = a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/vtags/k?tagging&versionId=null", nil, nil), 200)
	if !strings.Contains(string(r.body), "<Value>secret</Value>") {
		t.Fatalf("the old version's tags changed:\n%s", r)
	}

	r = a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/vtags/k?tagging&versionId=null", nullOnly, nil, nil, "", t0), 200)
	if !strings.Contains(string(r.body), "<Value>secret</Value>") || r.header.Get("x-amz-version-id") != "null" {
		t.Fatalf("the null version's tags through s3:versionid:\n%s", r)
	}
	r = a.send(t, a.signedHeaderReq(t, http.MethodGet, "/vtags/k?tagging&versionId="+current, nullOnly, nil, nil, "", t0))
	if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
		t.Fatalf("s3:versionid null reached version %s: want 403 AccessDenied\n%s", current, r)
	}
	a.intact(t)
}
