package s3api

import (
	"encoding/base64"
	"encoding/xml"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/access"
	"signet/internal/meta"
)

// withLifecycle keeps lifecycle configurations in the access store over
// the test's bolt store, as the server wires them.
func withLifecycle(c *Config) {
	s := access.NewStore(c.Meta.(access.Backend))
	c.Meta, c.Lifecycle = s, s
}

func newLifecycleEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, withLifecycle)
}

// putLifecycle sends PutBucketLifecycleConfiguration with the Content-MD5
// S3 requires.
func (e *env) putLifecycle(bucket, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	return e.do("PUT", "/"+bucket+"?lifecycle", strings.NewReader(body), "Content-MD5", contentMD5(body))
}

func lcDoc(rules ...string) string {
	return `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`
}

const (
	lcLogs   = `<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`
	lcUpload = `<Rule><ID>uploads</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`
)

func TestBucketLifecyclePutGetDelete(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	w := e.do("GET", "/bkt?lifecycle", nil)
	if got := expectErr(t, w, 404, "NoSuchLifecycleConfiguration"); got.Message != "The lifecycle configuration does not exist" || got.BucketName != "bkt" {
		t.Errorf("GET without a configuration: %+v", got)
	}
	w = e.putLifecycle("bkt", lcDoc(lcLogs, lcUpload))
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("PUT = %d %s", w.Code, w.Body)
	}
	if got := w.Header().Get("x-amz-transition-default-minimum-object-size"); got != "all_storage_classes_128K" {
		t.Errorf("PUT x-amz-transition-default-minimum-object-size = %q", got)
	}
	w = e.mustDo(200, "GET", "/bkt?lifecycle", "")
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
		`<Rule><Expiration><Days>3</Days></Expiration><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status></Rule>` +
		`<Rule><ID>uploads</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>` +
		`</LifecycleConfiguration>`
	if got := w.Body.String(); got != want {
		t.Errorf("GET =\n%s\nwant\n%s", got, want)
	}
	e.mustDo(204, "DELETE", "/bkt?lifecycle", "")
	expectErr(t, e.do("GET", "/bkt?lifecycle", nil), 404, "NoSuchLifecycleConfiguration")
	e.mustDo(204, "DELETE", "/bkt?lifecycle", "")
	expectErr(t, e.putLifecycle("nope", lcDoc(lcLogs)), 404, "NoSuchBucket")
	expectErr(t, e.do("GET", "/nope?lifecycle", nil), 404, "NoSuchBucket")
	expectErr(t, e.do("DELETE", "/nope?lifecycle", nil), 404, "NoSuchBucket")
}

// A rule put without an ID gets one, as S3 names it, and keeps it.
func TestBucketLifecycleGeneratesIDs(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	body := lcDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	e.mustDo(200, "PUT", "/bkt?lifecycle", body, "Content-MD5", contentMD5(body))
	id := func() string {
		var out struct {
			Rules []struct{ ID string } `xml:"Rule"`
		}
		if err := xml.Unmarshal(e.mustDo(200, "GET", "/bkt?lifecycle", "").Body.Bytes(), &out); err != nil || len(out.Rules) != 1 {
			t.Fatalf("GET: %v %+v", err, out)
		}
		return out.Rules[0].ID
	}
	first := id()
	raw, err := base64.StdEncoding.DecodeString(first)
	if err != nil || !uuidRe.Match(raw) {
		t.Errorf("generated ID %q is not the base64 of a UUID (%q, %v)", first, raw, err)
	}
	if again := id(); again != first {
		t.Errorf("ID changed between GETs: %q, %q", first, again)
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestBucketLifecycleRefusals(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	body := lcDoc(lcLogs)
	// S3 requires an integrity header, and checks it.
	w := e.do("PUT", "/bkt?lifecycle", strings.NewReader(body))
	if got := expectErr(t, w, 400, "InvalidRequest"); got.Message != "Missing required header for this request: Content-MD5" {
		t.Errorf("without Content-MD5: %q", got.Message)
	}
	expectErr(t, e.do("PUT", "/bkt?lifecycle", strings.NewReader(body), "Content-MD5", contentMD5("other")), 400, "BadDigest")
	e.mustDo(200, "PUT", "/bkt?lifecycle", body, "x-amz-checksum-sha256", sha256b64(body))
	expectErr(t, e.do("PUT", "/bkt?lifecycle", strings.NewReader(""), "Content-MD5", contentMD5("")), 400, "MissingRequestBodyError")

	for _, tc := range []struct {
		name, body, code, msg, argName string
	}{
		{"not xml", "<Lifecycle", "MalformedXML", "", ""},
		{"wrong root", "<CORSConfiguration/>", "MalformedXML", "", ""},
		{"no rules", lcDoc(), "MalformedXML", "", ""},
		{"days and date", lcDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days><Date>2030-01-01T00:00:00Z</Date></Expiration></Rule>`), "MalformedXML", "", ""},
		{"no filter", lcDoc(`<Rule><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "MalformedXML", "", ""},
		{"days zero", lcDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration></Rule>`), "InvalidArgument", "'Days' for Expiration action must be a positive integer", ""},
		{"duplicate ID", lcDoc(lcLogs, lcLogs), "InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule", "ID"},
		{"long ID", lcDoc(`<Rule><ID>` + strings.Repeat("i", 256) + `</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`), "InvalidArgument", "ID length should not exceed allowed limit of 255", "ID"},
		{"date off midnight", lcDoc(`<Rule><Filter/><Status>Enabled</Status><Expiration><Date>2030-01-01T01:00:00Z</Date></Expiration></Rule>`), "InvalidArgument", "'Date' must be at midnight GMT", ""},
		{"no action", lcDoc(`<Rule><Filter/><Status>Enabled</Status></Rule>`), "InvalidRequest", "At least one action needs to be specified in a rule", ""},
		{"transition", lcDoc(`<Rule><Filter/><Status>Enabled</Status><Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>`), "InvalidStorageClass", "The storage class you specified is not valid", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := expectErr(t, e.putLifecycle("bkt", tc.body), 400, tc.code)
			if tc.msg != "" && got.Message != tc.msg {
				t.Errorf("message %q, want %q", got.Message, tc.msg)
			}
			if got.ArgumentName != tc.argName {
				t.Errorf("ArgumentName %q, want %q", got.ArgumentName, tc.argName)
			}
		})
	}
	// None of the refusals replaced the configuration put above.
	w = e.mustDo(200, "GET", "/bkt?lifecycle", "")
	if !strings.Contains(w.Body.String(), "<ID>logs</ID>") {
		t.Errorf("configuration after refusals: %s", w.Body)
	}
}

// GET and HEAD of an object an Expiration rule selects say when it
// expires and by which rule; other objects, and a bucket without rules,
// say nothing.
func TestExpirationHeader(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.clk.Set(time.Date(2014, 1, 15, 10, 30, 0, 0, time.UTC))
	e.put("bkt", "logs/a", "x")
	e.put("bkt", "other", "x")
	for _, m := range []string{"GET", "HEAD"} {
		if got := e.mustDo(200, m, "/bkt/logs/a", "").Header().Get("x-amz-expiration"); got != "" {
			t.Errorf("%s before any rule: x-amz-expiration %q", m, got)
		}
	}
	e.mustDo(200, "PUT", "/bkt?lifecycle", lcDoc(lcLogs, `<Rule><ID>a rule</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`),
		"Content-MD5", contentMD5(lcDoc(lcLogs, `<Rule><ID>a rule</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)))
	for _, m := range []string{"GET", "HEAD"} {
		want := `expiry-date="Sun, 19 Jan 2014 00:00:00 GMT", rule-id="logs"`
		if got := e.mustDo(200, m, "/bkt/logs/a", "").Header().Get("x-amz-expiration"); got != want {
			t.Errorf("%s x-amz-expiration = %q, want %q", m, got, want)
		}
		if got := e.mustDo(200, m, "/bkt/other", "").Header().Get("x-amz-expiration"); got != "" {
			t.Errorf("%s of an object no rule selects: x-amz-expiration %q", m, got)
		}
	}
	// PutObject says it too, from the new object's time.
	want := `expiry-date="Sun, 19 Jan 2014 00:00:00 GMT", rule-id="logs"`
	if got := e.put("bkt", "logs/b", "y").Header().Get("x-amz-expiration"); got != want {
		t.Errorf("PutObject x-amz-expiration = %q, want %q", got, want)
	}
	if got := e.put("bkt", "other2", "y").Header().Get("x-amz-expiration"); got != "" {
		t.Errorf("PutObject of an object no rule selects: x-amz-expiration %q", got)
	}
}

// CreateMultipartUpload says when an AbortIncompleteMultipartUpload rule
// will abort the upload, and by which rule.
func TestAbortHeaders(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.clk.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	if h := e.mustDo(200, "POST", "/bkt/k?uploads", "").Header(); h.Get("x-amz-abort-date") != "" || h.Get("x-amz-abort-rule-id") != "" {
		t.Errorf("abort headers without rules: %v", h)
	}
	e.mustDo(200, "PUT", "/bkt?lifecycle", lcDoc(lcUpload), "Content-MD5", contentMD5(lcDoc(lcUpload)))
	h := e.mustDo(200, "POST", "/bkt/k?uploads", "").Header()
	if h.Get("x-amz-abort-date") != "Wed, 04 Mar 2026 00:00:00 GMT" || h.Get("x-amz-abort-rule-id") != "uploads" {
		t.Errorf("abort headers: %q %q", h.Get("x-amz-abort-date"), h.Get("x-amz-abort-rule-id"))
	}
}

// sweep runs one sweep and fails the test on an error.
func (e *env) sweep() SweepResult {
	e.t.Helper()
	r, err := e.h.SweepLifecycle(e.t.Context())
	if err != nil {
		e.t.Fatalf("SweepLifecycle: %v", err)
	}
	return r
}

// Expiration by Days: nothing goes before the rounded-up midnight, the
// prefix's objects go at it, others stay, and their blobs are freed.
func TestSweepExpiresByPrefixAtMidnight(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	created := time.Date(2014, 1, 15, 10, 30, 0, 0, time.UTC)
	e.clk.Set(created)
	e.put("bkt", "logs/a", strings.Repeat("a", 10))
	e.put("bkt", "logs/b", strings.Repeat("b", 10))
	e.put("bkt", "keep", strings.Repeat("k", 10))
	e.mustDo(200, "PUT", "/bkt?lifecycle", lcDoc(lcLogs), "Content-MD5", contentMD5(lcDoc(lcLogs)))
	blobs := e.blobCount()

	e.clk.Set(time.Date(2014, 1, 18, 23, 59, 59, 0, time.UTC))
	if r := e.sweep(); r.ObjectsExpired != 0 || r.Buckets != 1 {
		t.Fatalf("sweep before midnight: %+v", r)
	}
	e.clk.Set(time.Date(2014, 1, 19, 0, 0, 0, 0, time.UTC))
	if r := e.sweep(); r.ObjectsExpired != 2 {
		t.Fatalf("sweep at midnight: %+v", r)
	}
	expectErr(t, e.do("GET", "/bkt/logs/a", nil), 404, "NoSuchKey")
	expectErr(t, e.do("GET", "/bkt/logs/b", nil), 404, "NoSuchKey")
	e.mustDo(200, "GET", "/bkt/keep", "")
	if got := e.blobCount(); got != blobs-2 {
		t.Errorf("blobs after the sweep: %d, want %d", got, blobs-2)
	}
	if r := e.sweep(); r.ObjectsExpired != 0 {
		t.Errorf("second sweep: %+v", r)
	}
}

// A Disabled rule, and a bucket whose configuration was deleted, expire
// nothing.
func TestSweepDisabledRuleDoesNothing(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.bucket("gone")
	e.put("bkt", "logs/a", "x")
	e.put("gone", "logs/a", "x")
	off := lcDoc(`<Rule><ID>off</ID><Filter/><Status>Disabled</Status><Expiration><Days>1</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`)
	e.mustDo(200, "PUT", "/bkt?lifecycle", off, "Content-MD5", contentMD5(off))
	e.mustDo(200, "PUT", "/gone?lifecycle", lcDoc(lcLogs), "Content-MD5", contentMD5(lcDoc(lcLogs)))
	e.mustDo(204, "DELETE", "/gone?lifecycle", "")
	e.mustDo(200, "POST", "/bkt/up?uploads", "")
	e.clk.Set(t0.Add(365 * 24 * time.Hour))
	if r := e.sweep(); r != (SweepResult{Buckets: 1}) {
		t.Errorf("sweep: %+v", r)
	}
	e.mustDo(200, "GET", "/bkt/logs/a", "")
	e.mustDo(200, "GET", "/gone/logs/a", "")
	if page, _ := e.meta.ListUploads(t.Context(), "bkt", meta.UploadQuery{MaxUploads: 10}); len(page.Uploads) != 1 {
		t.Errorf("uploads after the sweep: %d", len(page.Uploads))
	}
}

// In a versioned bucket expiration adds a delete marker, as DeleteObject
// does; NoncurrentVersionExpiration then removes the old version, and
// ExpiredObjectDeleteMarker the marker left alone.
func TestSweepVersionedBucket(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	ver := `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`
	e.mustDo(200, "PUT", "/bkt?versioning", ver)
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e.clk.Set(created)
	e.put("bkt", "k", "v1")
	cfg := lcDoc(
		`<Rule><ID>exp</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`,
		`<Rule><ID>dm</ID><Filter/><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`,
	)
	e.mustDo(200, "PUT", "/bkt?lifecycle", cfg, "Content-MD5", contentMD5(cfg))

	// Day 1 ends: v1 expires; a delete marker is now current.
	e.clk.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
	if r := e.sweep(); r.ObjectsExpired != 1 || r.VersionsExpired != 0 {
		t.Fatalf("first sweep: %+v", r)
	}
	vs := listVersions(t, e)
	if len(vs) != 2 || !vs[0].DeleteMarker || vs[1].DeleteMarker {
		t.Fatalf("versions after expiry: %+v", vs)
	}
	// v1 is noncurrent since the marker, written at midnight: a day
	// later is midnight again, which rounds up to the next one. Then v1
	// goes, and the marker, alone, goes too.
	e.clk.Set(time.Date(2026, 3, 4, 23, 59, 59, 0, time.UTC))
	if r := e.sweep(); r.VersionsExpired != 0 {
		t.Fatalf("sweep before the noncurrent day ends: %+v", r)
	}
	e.clk.Set(time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC))
	if r := e.sweep(); r.VersionsExpired != 1 {
		t.Fatalf("second sweep: %+v", r)
	}
	if r := e.sweep(); r.DeleteMarkersRemoved != 1 {
		t.Fatalf("third sweep: %+v", r)
	}
	if vs := listVersions(t, e); len(vs) != 0 {
		t.Errorf("versions left: %+v", vs)
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs left", n)
	}
}

func listVersions(t *testing.T, e *env) []meta.Object {
	t.Helper()
	page, err := e.meta.ListObjectVersions(t.Context(), "bkt", meta.VersionQuery{MaxKeys: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Versions
}

// The GET answer is S3's document, namespaced.
func TestBucketLifecycleGetIsXML(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.mustDo(200, "PUT", "/bkt?lifecycle", lcDoc(lcLogs), "Content-MD5", contentMD5(lcDoc(lcLogs)))
	var out struct {
		XMLName xml.Name
		Rules   []struct{ ID string } `xml:"Rule"`
	}
	if err := xml.Unmarshal(e.mustDo(200, "GET", "/bkt?lifecycle", "").Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.XMLName.Space != s3NS || out.XMLName.Local != "LifecycleConfiguration" || len(out.Rules) != 1 || out.Rules[0].ID != "logs" {
		t.Errorf("GET = %+v", out)
	}
}

// ?lifecycle names a bucket's configuration only: on an object it is
// refused, so a misaddressed PUT or DELETE never overwrites or deletes
// the object.
func TestLifecycleOnAnObjectIsRefused(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "keep me")
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		w := e.do(m, "/bkt/k?lifecycle", strings.NewReader(lcDoc(lcLogs)), "Content-MD5", contentMD5(lcDoc(lcLogs)))
		if got := expectErr(t, w, 501, "NotImplemented"); !strings.Contains(got.Message, "lifecycle") {
			t.Errorf("%s /bkt/k?lifecycle: %q", m, got.Message)
		}
	}
	if got := e.mustDo(200, "GET", "/bkt/k", "").Body.String(); got != "keep me" {
		t.Errorf("object after the refusals: %q", got)
	}
	expectErr(t, e.do("POST", "/bkt?lifecycle", nil), 501, "NotImplemented")
}

// A rule ID in x-amz-expiration is URL-encoded, as S3 sends it.
func TestExpirationHeaderEncodesRuleID(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.clk.Set(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	e.put("bkt", "k", "x")
	body := lcDoc(`<Rule><ID>old logs/1</ID><Filter/><Status>Enabled</Status><Expiration><Date>2026-04-01T00:00:00Z</Date></Expiration></Rule>`)
	e.mustDo(200, "PUT", "/bkt?lifecycle", body, "Content-MD5", contentMD5(body))
	want := `expiry-date="Wed, 01 Apr 2026 00:00:00 GMT", rule-id="old%20logs%2F1"`
	if got := e.mustDo(200, "HEAD", "/bkt/k", "").Header().Get("x-amz-expiration"); got != want {
		t.Errorf("x-amz-expiration = %q, want %q", got, want)
	}
}

// In a suspended bucket expiration replaces the null version with a null
// delete marker, as DeleteObject does there.
func TestSweepSuspendedBucket(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.mustDo(200, "PUT", "/bkt?versioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	e.put("bkt", "k", "kept version")
	e.mustDo(200, "PUT", "/bkt?versioning", `<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>`)
	e.put("bkt", "k", "null version")
	body := lcDoc(`<Rule><ID>exp</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	e.mustDo(200, "PUT", "/bkt?lifecycle", body, "Content-MD5", contentMD5(body))
	e.clk.Set(t0.Add(48 * time.Hour))
	if r := e.sweep(); r.ObjectsExpired != 1 {
		t.Fatalf("sweep: %+v", r)
	}
	vs := listVersions(t, e)
	if len(vs) != 2 || !vs[0].DeleteMarker || vs[0].VersionID != meta.NullVersion || vs[1].DeleteMarker || vs[1].VersionID == meta.NullVersion {
		t.Fatalf("versions: %+v", vs)
	}
}

// NewerNoncurrentVersions keeps that many newer noncurrent versions
// whatever their age.
func TestSweepKeepsNewerNoncurrentVersions(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("bkt")
	e.mustDo(200, "PUT", "/bkt?versioning", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`)
	for i := range 4 {
		e.clk.Set(t0.Add(time.Duration(i) * time.Hour))
		e.put("bkt", "k", "v"+strings.Repeat("!", i))
	}
	body := lcDoc(`<Rule><ID>nc</ID><Filter/><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>`)
	e.mustDo(200, "PUT", "/bkt?lifecycle", body, "Content-MD5", contentMD5(body))
	e.clk.Set(t0.Add(30 * 24 * time.Hour))
	// Three noncurrent versions: the newest is kept, the two older go.
	if r := e.sweep(); r.VersionsExpired != 2 {
		t.Fatalf("sweep: %+v", r)
	}
	vs := listVersions(t, e)
	if len(vs) != 2 || !vs[0].IsLatest || vs[0].Size != 4 || vs[1].Size != 3 {
		t.Fatalf("versions left: %+v", vs)
	}
}
