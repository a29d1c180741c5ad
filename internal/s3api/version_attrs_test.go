package s3api

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"signet/internal/authn"
)

// versionedKey makes bucket b (ACLs on, public ACLs allowed) with key k
// as a null version (written before versioning) and two versions, and
// returns the two IDs, oldest first.
func versionedKey(e *env, b string) (v1, v2 string) {
	e.t.Helper()
	e.mustDo(200, "PUT", "/"+b, "", "x-amz-object-ownership", "ObjectWriter")
	e.mustDo(204, "DELETE", "/"+b+"?publicAccessBlock", "")
	e.put(b, "k", "null version", "x-amz-tagging", "gen=null")
	e.mustDo(200, "PUT", "/"+b+"?versioning", enableVersioning)
	v1 = versionOf(e.t.(*testing.T), e.put(b, "k", "one", "x-amz-tagging", "gen=one"))
	v2 = versionOf(e.t.(*testing.T), e.put(b, "k", "two", "x-amz-tagging", "gen=two"))
	return v1, v2
}

// TestVersionTagging: Get/Put/DeleteObjectTagging with versionId act on
// that version alone and answer its ID; the current version's change is
// what GET sees at once.
func TestVersionTagging(t *testing.T) {
	e := newEnv(t)
	v1, v2 := versionedKey(e, "vtg")
	for _, c := range []struct{ target, tag, version string }{
		{"/vtg/k?tagging", "gen=two", v2},
		{"/vtg/k?tagging&versionId=" + v1, "gen=one", v1},
		{"/vtg/k?tagging&versionId=null", "gen=null", "null"},
	} {
		w := e.mustDo(200, "GET", c.target, "")
		k, v, _ := strings.Cut(c.tag, "=")
		if want := "<Tag><Key>" + k + "</Key><Value>" + v + "</Value></Tag>"; !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s: %s, want %s", c.target, w.Body.String(), want)
		}
		if got := w.Header().Get("x-amz-version-id"); got != c.version {
			t.Errorf("GET %s: x-amz-version-id %q, want %q", c.target, got, c.version)
		}
	}

	// An old version's tags change; the current object's do not.
	r := e.putTagging("/vtg/k?tagging&versionId="+v1, taggingDoc("gen", "first"))
	if r.code != 200 || r.h.Get("x-amz-version-id") != v1 {
		t.Fatalf("PutObjectTagging of v1: %d %s, version %q", r.code, r.body, r.h.Get("x-amz-version-id"))
	}
	if got := tagString(e.tagsOf("vtg", "k")); got != "gen=two" {
		t.Errorf("current tags after tagging v1: %s", got)
	}
	o, err := e.meta.GetObjectVersion(t.Context(), "vtg", "k", v1)
	if err != nil || tagString(o.Tags) != "gen=first" {
		t.Errorf("v1 after PutObjectTagging: %v, %v", o.Tags, err)
	}
	w := e.mustDo(204, "DELETE", "/vtg/k?tagging&versionId=null", "")
	if got := w.Header().Get("x-amz-version-id"); got != "null" {
		t.Errorf("DeleteObjectTagging of null: x-amz-version-id %q", got)
	}
	if o, _ := e.meta.GetObjectVersion(t.Context(), "vtg", "k", "null"); len(o.Tags) != 0 {
		t.Errorf("null version's tags after delete: %v", o.Tags)
	}

	// The current version named by its ID: GET and HEAD see it.
	e.putTagging("/vtg/k?tagging&versionId="+v2, taggingDoc("a", "1", "b", "2"))
	if got := e.mustDo(200, "HEAD", "/vtg/k", "").Header().Get("x-amz-tagging-count"); got != "2" {
		t.Errorf("x-amz-tagging-count after tagging the current version by ID: %q", got)
	}

	// A missing version, a delete marker and a malformed ID.
	missing := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	for _, m := range []string{"GET", "DELETE"} {
		er := expectErr(t, e.do(m, "/vtg/k?tagging&versionId="+missing, nil), 404, "NoSuchVersion")
		if er.Message != "The specified version does not exist." {
			t.Errorf("%s NoSuchVersion message %q", m, er.Message)
		}
	}
	body := taggingDoc("a", "b")
	expectErr(t, e.do("PUT", "/vtg/k?tagging&versionId="+missing, strings.NewReader(body), "Content-MD5", contentMD5(body)), 404, "NoSuchVersion")
	marker := e.mustDo(204, "DELETE", "/vtg/k", "").Header().Get("x-amz-version-id")
	for _, m := range []string{"GET", "DELETE"} {
		w := e.do(m, "/vtg/k?tagging&versionId="+marker, nil)
		expectErr(t, w, 405, "MethodNotAllowed")
		if w.Header().Get("x-amz-delete-marker") != "true" || w.Header().Get("x-amz-version-id") != marker {
			t.Errorf("%s tagging of a delete marker: headers %v", m, w.Header())
		}
	}
	expectErr(t, e.do("PUT", "/vtg/k?tagging&versionId="+marker, strings.NewReader(body), "Content-MD5", contentMD5(body)), 405, "MethodNotAllowed")
	expectErr(t, e.do("GET", "/vtg/k?tagging&versionId=bad%20id", nil), 400, "InvalidArgument")

	// In a bucket never versioned only null exists.
	e.bucket("plain")
	e.put("plain", "k", "x", "x-amz-tagging", "a=1")
	if got := e.mustDo(200, "GET", "/plain/k?tagging&versionId=null", "").Body.String(); !strings.Contains(got, "<Key>a</Key>") {
		t.Errorf("null version of an unversioned key: %s", got)
	}
	e.mustDo(204, "DELETE", "/plain/k?tagging&versionId=null", "")
	if tags := e.tagsOf("plain", "k"); len(tags) != 0 {
		t.Errorf("tags after deleting the null version's: %v", tags)
	}
	expectErr(t, e.do("GET", "/plain/k?tagging&versionId="+v1, nil), 400, "InvalidArgument")
}

// TestVersionACL: Get/PutObjectAcl with versionId read and replace that
// version's ACL alone.
func TestVersionACL(t *testing.T) {
	e := newEnv(t)
	v1, _ := versionedKey(e, "vac")
	e.mustDo(200, "PUT", "/vac/k?acl&versionId="+v1, "", "x-amz-acl", "public-read")
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/vac/k?acl&versionId="+v1, "").Body.Bytes())
	golden(t, "acl.xml", e.mustDo(200, "GET", "/vac/k?acl", "").Body.Bytes())
	golden(t, "acl.xml", e.mustDo(200, "GET", "/vac/k?acl&versionId=null", "").Body.Bytes())

	body := acpBody(userGrantXML(owner.ID, "FULL_CONTROL"), groupGrantXML(allUsers, "READ"))
	e.mustDo(200, "PUT", "/vac/k?acl&versionId=null", body)
	golden(t, "acl_public_read.xml", e.mustDo(200, "GET", "/vac/k?acl&versionId=null", "").Body.Bytes())
	golden(t, "acl.xml", e.mustDo(200, "GET", "/vac/k?acl", "").Body.Bytes())

	missing := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	expectErr(t, e.do("GET", "/vac/k?acl&versionId="+missing, nil), 404, "NoSuchVersion")
	expectErr(t, e.do("PUT", "/vac/k?acl&versionId="+missing, nil, "x-amz-acl", "private"), 404, "NoSuchVersion")
	marker := e.mustDo(204, "DELETE", "/vac/k", "").Header().Get("x-amz-version-id")
	expectErr(t, e.do("GET", "/vac/k?acl&versionId="+marker, nil), 405, "MethodNotAllowed")
	expectErr(t, e.do("PUT", "/vac/k?acl&versionId="+marker, nil, "x-amz-acl", "private"), 405, "MethodNotAllowed")
	// Versions under the marker are still addressable.
	e.mustDo(200, "PUT", "/vac/k?acl&versionId="+v1, "", "x-amz-acl", "private")
	golden(t, "acl.xml", e.mustDo(200, "GET", "/vac/k?acl&versionId="+v1, "").Body.Bytes())
}

// TestVersionTagsAndACLActions: naming a version is authorised as AWS's
// version actions, so a grant of the current object's action alone does
// not reach older versions; without versionId the old actions stand.
func TestVersionTagsAndACLActions(t *testing.T) {
	var seen []string
	denied := map[string]bool{}
	e := newEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(_ *http.Request, _ *authn.Result, action, _ string) error {
			seen = append(seen, action)
			if denied[action] {
				return errors.New("denied")
			}
			return nil
		})
	})
	v1, _ := versionedKey(e, "vpm")
	body := taggingDoc("a", "b")
	md5 := contentMD5(body)
	for _, c := range []struct {
		method, query, action, current string
		hdr                            []string
	}{
		{"GET", "tagging", "s3:GetObjectVersionTagging", "s3:GetObjectTagging", nil},
		{"PUT", "tagging", "s3:PutObjectVersionTagging", "s3:PutObjectTagging", []string{"Content-MD5", md5}},
		{"DELETE", "tagging", "s3:DeleteObjectVersionTagging", "s3:DeleteObjectTagging", nil},
		{"GET", "acl", "s3:GetObjectVersionAcl", "s3:GetObjectAcl", nil},
		{"PUT", "acl", "s3:PutObjectVersionAcl", "s3:PutObjectAcl", []string{"x-amz-acl", "private"}},
	} {
		do := func(target string) *httpResult {
			var rd io.Reader
			if c.query == "tagging" && c.method == "PUT" {
				rd = strings.NewReader(body)
			}
			w := e.do(c.method, target, rd, c.hdr...)
			return &httpResult{w.Code, w.Body.String(), w.Header()}
		}
		denied[c.current] = false
		denied[c.action] = true
		for _, id := range []string{v1, "null"} {
			if r := do("/vpm/k?" + c.query + "&versionId=" + id); r.code != 403 || !strings.Contains(r.body, "AccessDenied") {
				t.Errorf("%s ?%s&versionId=%s with %s denied: %d %s", c.method, c.query, id, c.action, r.code, r.body)
			}
		}
		seen = nil
		if r := do("/vpm/k?" + c.query); r.code >= 300 {
			t.Errorf("%s ?%s with %s allowed: %d %s", c.method, c.query, c.current, r.code, r.body)
		}
		if len(seen) == 0 || seen[0] != c.current {
			t.Errorf("%s ?%s authorised as %v, want %s first", c.method, c.query, seen, c.current)
		}
		denied[c.action] = false
	}
}
