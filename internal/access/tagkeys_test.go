package access

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"signet/internal/authn"
	"signet/internal/meta"
	"signet/internal/principal"
)

// TestObjectTagKeys: the tag condition keys carry the values a policy
// tests. s3:ExistingObjectTag/ is the tags the addressed object holds now
// (none for a missing object or a bucket); s3:RequestObjectTag/ and
// s3:RequestObjectTagKeys come from x-amz-tagging, hoisted into the query
// or not (the header wins), or from what the API package read from a
// PutObjectTagging body.
func TestObjectTagKeys(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	if err := f.engine.CreateBucket(ctx, meta.Bucket{Name: "b", Region: "us-east-1", Created: t0}); err != nil {
		t.Fatal(err)
	}
	for key, tags := range map[string][]meta.Tag{
		"secret": {{Key: "classification", Value: "secret"}, {Key: "team", Value: "blue"}},
		"plain":  nil,
	} {
		if _, err := f.engine.PutObject(ctx, meta.Object{Bucket: "b", Key: key, LastModified: t0, Tags: tags}, nil); err != nil {
			t.Fatal(err)
		}
	}
	res := &authn.Result{Principal: principal.Principal{IsRoot: true}, AuthType: authn.AuthHeader, SignatureVersion: authn.SigV4}
	keys := func(r *http.Request, action, resource string) map[string][]string {
		return f.authz.conditionKeys(r, res, action, resource)
	}
	get := httptest.NewRequest(http.MethodGet, "https://s3.example/b/secret", nil)
	c := keys(get, "s3:GetObject", "arn:aws:s3:::b/secret")
	if !slices.Equal(c["s3:ExistingObjectTag/classification"], []string{"secret"}) || !slices.Equal(c["s3:ExistingObjectTag/team"], []string{"blue"}) {
		t.Errorf("existing tags of b/secret: %v", c)
	}
	for _, resource := range []string{"arn:aws:s3:::b/plain", "arn:aws:s3:::b/missing", "arn:aws:s3:::b", "arn:aws:s3:::nobucket/secret"} {
		for k := range keys(get, "s3:GetObject", resource) {
			if len(k) > len("s3:ExistingObjectTag/") && k[:len("s3:ExistingObjectTag/")] == "s3:ExistingObjectTag/" {
				t.Errorf("%s: %s present", resource, k)
			}
		}
	}
	// A request naming a version tests that version's tags: the null
	// one of a bucket never versioned is the object; any other ID names
	// nothing there.
	getNull := httptest.NewRequest(http.MethodGet, "https://s3.example/b/secret?tagging&versionId=null", nil)
	if c := keys(getNull, "s3:GetObjectVersionTagging", "arn:aws:s3:::b/secret"); !slices.Equal(c["s3:ExistingObjectTag/team"], []string{"blue"}) {
		t.Errorf("existing tags of b/secret's null version: %v", c)
	}
	getOther := httptest.NewRequest(http.MethodGet, "https://s3.example/b/secret?tagging&versionId=v1", nil)
	if _, ok := keys(getOther, "s3:GetObjectVersionTagging", "arn:aws:s3:::b/secret")["s3:ExistingObjectTag/team"]; ok {
		t.Error("s3:ExistingObjectTag/ of a version that does not exist")
	}
	// Not an action AWS documents the key for: never read.
	if _, ok := keys(get, "s3:ListBucket", "arn:aws:s3:::b/secret")["s3:ExistingObjectTag/classification"]; ok {
		t.Error("s3:ExistingObjectTag/ supplied for s3:ListBucket")
	}

	hoisted := httptest.NewRequest(http.MethodPut, "https://s3.example/b/new?x-amz-tagging=project%3Dx%26b%3D2", nil)
	c = keys(hoisted, "s3:PutObject", "arn:aws:s3:::b/new")
	if !slices.Equal(c["s3:RequestObjectTag/project"], []string{"x"}) || !slices.Equal(c["s3:RequestObjectTagKeys"], []string{"b", "project"}) {
		t.Errorf("hoisted x-amz-tagging: %v", c)
	}
	both := httptest.NewRequest(http.MethodPut, "https://s3.example/b/new?x-amz-tagging=project%3Dx", nil)
	both.Header.Set("x-amz-tagging", "project=y")
	if c = keys(both, "s3:PutObject", "arn:aws:s3:::b/new"); !slices.Equal(c["s3:RequestObjectTag/project"], []string{"y"}) {
		t.Errorf("header and query: %v", c)
	}
	body := httptest.NewRequest(http.MethodPut, "https://s3.example/b/secret?tagging", nil)
	body = body.WithContext(WithConditions(body.Context(), map[string][]string{
		"s3:RequestObjectTag/project": {"x"}, "s3:RequestObjectTagKeys": {"project"},
	}))
	c = keys(body, "s3:PutObjectTagging", "arn:aws:s3:::b/secret")
	if !slices.Equal(c["s3:RequestObjectTag/project"], []string{"x"}) || !slices.Equal(c["s3:RequestObjectTagKeys"], []string{"project"}) ||
		!slices.Equal(c["s3:ExistingObjectTag/classification"], []string{"secret"}) {
		t.Errorf("PutObjectTagging: %v", c)
	}
	// Once versioned, the null version keeps its tags under a newer one.
	if err := f.engine.SetBucketVersioning(ctx, "b", meta.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	if _, err := f.engine.PutObject(ctx, meta.Object{Bucket: "b", Key: "secret", VersionID: "v2", LastModified: t0, Tags: []meta.Tag{{Key: "team", Value: "red"}}}, nil); err != nil {
		t.Fatal(err)
	}
	if c := keys(getNull, "s3:GetObjectVersionTagging", "arn:aws:s3:::b/secret"); !slices.Equal(c["s3:ExistingObjectTag/team"], []string{"blue"}) {
		t.Errorf("existing tags of the old null version: %v", c)
	}
	if c := keys(get, "s3:GetObject", "arn:aws:s3:::b/secret"); !slices.Equal(c["s3:ExistingObjectTag/team"], []string{"red"}) {
		t.Errorf("existing tags of the current version: %v", c)
	}
}
