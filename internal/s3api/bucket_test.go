package s3api

import (
	"encoding/xml"
	"net/url"
	"strings"
	"testing"
)

func TestBucketLifecycle(t *testing.T) {
	e := newEnv(t)
	e.bucket("alpha")
	w := e.mustDo(200, "PUT", "/beta", `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`)
	if w.Header().Get("Location") != "/beta" {
		t.Errorf("Location %q", w.Header().Get("Location"))
	}
	// Another region is legal but not this endpoint's; a constraint that
	// names no region is not valid at all.
	b := expectErr(t, e.do("PUT", "/gamma", strings.NewReader(`<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`)), 400, "IllegalLocationConstraintException")
	if b.Message != "The eu-west-1 location constraint is incompatible for the region specific endpoint this request was sent to." {
		t.Errorf("message %q", b.Message)
	}
	b = expectErr(t, e.do("PUT", "/gamma", strings.NewReader(`<CreateBucketConfiguration><LocationConstraint>mars</LocationConstraint></CreateBucketConfiguration>`)), 400, "InvalidLocationConstraint")
	if b.Message != "The specified location-constraint is not valid" {
		t.Errorf("message %q", b.Message)
	}
	if w := e.do("HEAD", "/gamma", nil); w.Code != 404 {
		t.Errorf("a refused CreateBucket left gamma behind: HEAD %d", w.Code)
	}
	expectErr(t, e.do("PUT", "/delta", strings.NewReader(`<oops`)), 400, "MalformedXML")
	// us-east-1 keeps S3's legacy answer to re-creating one's own bucket.
	if w := e.mustDo(200, "PUT", "/alpha", ""); w.Header().Get("Location") != "/alpha" {
		t.Errorf("re-create in us-east-1: Location %q", w.Header().Get("Location"))
	}
	for _, bad := range []string{"ab", strings.Repeat("a", 64), "UPPER", "under_score", "-lead", "trail-", "dou..ble", "192.168.1.1", "xn--abc", "a.-b"} {
		expectErr(t, e.do("PUT", "/"+bad, nil), 400, "InvalidBucketName")
	}
	e.mustDo(200, "PUT", "/"+strings.Repeat("a", 63), "")
	e.mustDo(200, "PUT", "/a.b-c.9", "")

	golden(t, "list_buckets.xml", e.mustDo(200, "GET", "/", "").Body.Bytes())

	w = e.mustDo(200, "HEAD", "/alpha", "")
	if w.Header().Get("x-amz-bucket-region") != "us-east-1" || w.Body.Len() != 0 {
		t.Errorf("HEAD %v %q", w.Header(), w.Body.String())
	}
	w = e.do("HEAD", "/missing", nil)
	if w.Code != 404 || w.Body.Len() != 0 {
		t.Errorf("HEAD missing: %d %q", w.Code, w.Body.String())
	}
	golden(t, "location_us_east_1.xml", e.mustDo(200, "GET", "/alpha?location", "").Body.Bytes())
	golden(t, "versioning.xml", e.mustDo(200, "GET", "/alpha?versioning", "").Body.Bytes())
	golden(t, "acl.xml", e.mustDo(200, "GET", "/alpha?acl", "").Body.Bytes())
	e.mustDo(200, "PUT", "/alpha?acl", "", "x-amz-acl", "private")
	expectErr(t, e.do("PUT", "/alpha?acl", nil, "x-amz-acl", "public-read"), 400, "AccessControlListNotSupported")

	e.put("alpha", "obj", "x")
	expectErr(t, e.do("DELETE", "/alpha", nil), 409, "BucketNotEmpty")
	e.mustDo(204, "DELETE", "/alpha/obj", "")
	e.mustDo(204, "DELETE", "/alpha", "")
	b = expectErr(t, e.do("DELETE", "/alpha", nil), 404, "NoSuchBucket")
	if b.BucketName != "alpha" {
		t.Errorf("BucketName %q", b.BucketName)
	}
	expectErr(t, e.do("GET", "/alpha?location", nil), 404, "NoSuchBucket")
	expectErr(t, e.do("PUT", "/alpha/k", strings.NewReader("x")), 404, "NoSuchBucket")
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}

func TestLocationOtherRegion(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Region = "eu-central-1" })
	e.mustDo(200, "PUT", "/euro", `<CreateBucketConfiguration><LocationConstraint>eu-central-1</LocationConstraint></CreateBucketConfiguration>`)
	w := e.mustDo(200, "GET", "/euro?location", "")
	if !strings.Contains(w.Body.String(), ">eu-central-1</LocationConstraint>") {
		t.Error(w.Body.String())
	}
}

func TestDeleteBucketDropsUploads(t *testing.T) {
	e := newEnv(t)
	e.bucket("upl")
	id := createUpload(t, e, "upl", "k")
	e.mustDo(200, "PUT", "/upl/k?partNumber=1&uploadId="+id, "part")
	e.mustDo(204, "DELETE", "/upl", "")
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}

// TestCreateOwnBucketOutsideUSEast1 pins S3's answer to re-creating one's
// own bucket in every region but us-east-1.
func TestCreateOwnBucketOutsideUSEast1(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Region = "eu-west-1" })
	e.mustDo(200, "PUT", "/alpha", "")
	b := expectErr(t, e.do("PUT", "/alpha", nil), 409, "BucketAlreadyOwnedByYou")
	if b.BucketName != "alpha" {
		t.Errorf("BucketName %q", b.BucketName)
	}
}

// TestListBucketsPages pins ListBuckets' pagination as S3 has it:
// max-buckets pages with an opaque ContinuationToken until the last page,
// prefix (echoed in Prefix) and bucket-region select, and malformed values
// are InvalidArgument.
func TestListBucketsPages(t *testing.T) {
	e := newEnv(t)
	for _, b := range []string{"app-1", "app-2", "app-3", "logs"} {
		e.bucket(b)
	}
	type result struct {
		Buckets           []string `xml:"Buckets>Bucket>Name"`
		ContinuationToken *string
		Prefix            *string
	}
	list := func(query string) result {
		t.Helper()
		var r result
		if err := xml.Unmarshal(e.mustDo(200, "GET", "/?"+query, "").Body.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	var names []string
	token, pages := "", 0
	for {
		q := url.Values{"max-buckets": {"2"}, "prefix": {"app-"}}
		if token != "" {
			q.Set("continuation-token", token)
		}
		r := list(q.Encode())
		pages++
		if r.Prefix == nil || *r.Prefix != "app-" {
			t.Errorf("page %d: Prefix %v, want app-", pages, r.Prefix)
		}
		names = append(names, r.Buckets...)
		if r.ContinuationToken == nil {
			break
		}
		token = *r.ContinuationToken
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if strings.Join(names, ",") != "app-1,app-2,app-3" || pages != 2 {
		t.Errorf("paged %q in %d pages, want app-1,app-2,app-3 in 2", names, pages)
	}
	// A page that ends exactly at the last bucket has no token.
	if r := list("max-buckets=4"); len(r.Buckets) != 4 || r.ContinuationToken != nil || r.Prefix != nil {
		t.Errorf("max-buckets=4: %+v", r)
	}
	if r := list("bucket-region=us-east-1"); len(r.Buckets) != 4 {
		t.Errorf("bucket-region=us-east-1: %v", r.Buckets)
	}
	if r := list("bucket-region=eu-west-1"); len(r.Buckets) != 0 {
		t.Errorf("bucket-region=eu-west-1: %v", r.Buckets)
	}
	for _, bad := range []string{"max-buckets=0", "max-buckets=10001", "max-buckets=x", "continuation-token=!!", "continuation-token="} {
		expectErr(t, e.do("GET", "/?"+bad, nil), 400, "InvalidArgument")
	}
}
