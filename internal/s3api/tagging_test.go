package s3api

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/meta"
)

// taggingDoc builds a Tagging body from key, value pairs.
func taggingDoc(kv ...string) string {
	var b strings.Builder
	b.WriteString(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>`)
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", kv[i], kv[i+1])
	}
	b.WriteString(`</TagSet></Tagging>`)
	return b.String()
}

// putTagging sends Put*Tagging with the Content-MD5 S3 requires.
func (e *env) putTagging(target, body string) *httpResult {
	e.t.Helper()
	w := e.do("PUT", target, strings.NewReader(body), "Content-MD5", contentMD5(body))
	return &httpResult{w.Code, w.Body.String(), w.Header()}
}

type httpResult struct {
	code int
	body string
	h    http.Header
}

func (e *env) tagsOf(bucket, key string) []meta.Tag {
	e.t.Helper()
	o, err := e.meta.GetObject(e.t.Context(), bucket, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return o.Tags
}

func tagString(tags []meta.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, t.Key+"="+t.Value)
	}
	return strings.Join(parts, "&")
}

// TestObjectTagging: the tag set of PutObject's x-amz-tagging, read back
// by GetObjectTagging and counted on GET and HEAD; PutObjectTagging
// replaces it without touching the object; DeleteObjectTagging empties it.
func TestObjectTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	w := e.put("bkt", "k", "data", "x-amz-tagging", "team=blue&cost+centre=42%2F7&empty=")
	etag := w.Header().Get("ETag")
	// Set by header, the tags come back in key order (as S3 lists them).
	golden(t, "get_object_tagging.xml", e.mustDo(200, "GET", "/bkt/k?tagging", "").Body.Bytes())
	for _, m := range []string{"GET", "HEAD"} {
		if got := e.mustDo(200, m, "/bkt/k", "").Header().Get("x-amz-tagging-count"); got != "3" {
			t.Errorf("%s x-amz-tagging-count = %q, want 3", m, got)
		}
	}

	e.clk.Advance(time.Hour)
	r := e.putTagging("/bkt/k?tagging", taggingDoc("zeta", "1", "alpha", "é ü"))
	if r.code != 200 || r.body != "" {
		t.Fatalf("PutObjectTagging: %d %s", r.code, r.body)
	}
	// Document order is kept.
	if got := tagString(e.tagsOf("bkt", "k")); got != "zeta=1&alpha=é ü" {
		t.Errorf("tags after PutObjectTagging: %s", got)
	}
	head := e.mustDo(200, "HEAD", "/bkt/k", "")
	if head.Header().Get("ETag") != etag || head.Header().Get("Last-Modified") != t0.UTC().Format(http.TimeFormat) {
		t.Errorf("PutObjectTagging changed the object: ETag %s, Last-Modified %s", head.Header().Get("ETag"), head.Header().Get("Last-Modified"))
	}
	if head.Header().Get("x-amz-tagging-count") != "2" {
		t.Errorf("count after PutObjectTagging: %q", head.Header().Get("x-amz-tagging-count"))
	}
	if got := e.mustDo(200, "GET", "/bkt/k", "").Body.String(); got != "data" {
		t.Errorf("object bytes after PutObjectTagging: %q", got)
	}

	e.mustDo(204, "DELETE", "/bkt/k?tagging", "")
	golden(t, "get_object_tagging_empty.xml", e.mustDo(200, "GET", "/bkt/k?tagging", "").Body.Bytes())
	if _, ok := e.mustDo(200, "HEAD", "/bkt/k", "").Header()["X-Amz-Tagging-Count"]; ok {
		t.Error("x-amz-tagging-count sent for an object without tags")
	}
	// An empty TagSet removes the tags too.
	e.putTagging("/bkt/k?tagging", taggingDoc("a", "b"))
	if r := e.putTagging("/bkt/k?tagging", taggingDoc()); r.code != 200 || len(e.tagsOf("bkt", "k")) != 0 {
		t.Errorf("empty TagSet: %d, tags %v", r.code, e.tagsOf("bkt", "k"))
	}
	// A new PutObject brings its own tags: none here.
	e.putTagging("/bkt/k?tagging", taggingDoc("a", "b"))
	e.put("bkt", "k", "v2")
	if tags := e.tagsOf("bkt", "k"); len(tags) != 0 {
		t.Errorf("tags survived an overwrite: %v", tags)
	}

	for _, c := range []struct{ method, target string }{
		{"GET", "/bkt/missing?tagging"}, {"DELETE", "/bkt/missing?tagging"},
	} {
		expectErr(t, e.do(c.method, c.target, nil), 404, "NoSuchKey")
	}
	body := taggingDoc("a", "b")
	expectErr(t, e.do("PUT", "/bkt/missing?tagging", strings.NewReader(body), "Content-MD5", contentMD5(body)), 404, "NoSuchKey")
	expectErr(t, e.do("GET", "/nobkt/k?tagging", nil), 404, "NoSuchBucket")
}

// TestTagRules: AWS's limits and errors, on the body and on the header.
func TestTagRules(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	var eleven, ten []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprintf("k%d", i), "v")
	}
	ten = eleven[:20]
	long := func(n int) string { return strings.Repeat("a", n) }
	// "𐐀" (a letter outside the BMP) is two UTF-16 units: 64 make a
	// 128-unit key.
	clef := strings.Repeat("𐐀", 64)
	for _, c := range []struct {
		name, body  string
		status      int
		code, msg   string
		wantApplied bool
	}{
		{"ten tags", taggingDoc(ten...), 200, "", "", true},
		{"eleven tags", taggingDoc(eleven...), 400, "BadRequest", msgTooManyObjectTags, false},
		{"128-character key", taggingDoc(long(128), "v"), 200, "", "", true},
		{"129-character key", taggingDoc(long(129), "v"), 400, "InvalidTag", msgTagKeyTooLong, false},
		{"128 UTF-16 units", taggingDoc(clef, "v"), 200, "", "", true},
		{"129 UTF-16 units", taggingDoc(clef+"a", "v"), 400, "InvalidTag", msgTagKeyTooLong, false},
		{"256-character value", taggingDoc("k", long(256)), 200, "", "", true},
		{"257-character value", taggingDoc("k", long(257)), 400, "InvalidTag", msgTagValueTooLong, false},
		{"duplicate key", taggingDoc("k", "1", "k", "2"), 400, "InvalidTag", msgTagKeyDuplicate, false},
		{"empty key", taggingDoc("", "v"), 400, "InvalidTag", msgTagKeyInvalid, false},
		{"aws: prefix", taggingDoc("aws:cloudformation:stack", "v"), 400, "InvalidTag", msgTagKeyReserved, false},
		{"AWS: prefix", taggingDoc("AWS:x", "v"), 400, "InvalidTag", msgTagKeyReserved, false},
		{"bad key character", taggingDoc("a,b", "v"), 400, "InvalidTag", msgTagKeyInvalid, false},
		{"bad value character", taggingDoc("k", "a&amp;b"), 400, "InvalidTag", msgTagValueInvalid, false},
		{"allowed symbols", taggingDoc("a_.:/=+-@ b", "ß 1_.:/=+-@"), 200, "", "", true},
		{"no TagSet", `<Tagging></Tagging>`, 400, "MalformedXML", "", false},
		{"no Value", `<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`, 400, "MalformedXML", "", false},
		{"unknown element", `<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value><Colour>red</Colour></Tag></TagSet></Tagging>`, 400, "MalformedXML", "", false},
		{"wrong root", `<TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>`, 400, "MalformedXML", "", false},
		{"not XML", `k=v`, 400, "MalformedXML", "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.putTagging("/bkt/k?tagging", taggingDoc("before", "x"))
			r := e.putTagging("/bkt/k?tagging", c.body)
			if r.code != c.status {
				t.Fatalf("status %d, want %d: %s", r.code, c.status, r.body)
			}
			if c.code != "" && (!strings.Contains(r.body, "<Code>"+c.code+"</Code>") || !strings.Contains(r.body, "<Message>"+c.msg)) {
				t.Errorf("body %s, want %s: %s", r.body, c.code, c.msg)
			}
			applied := tagString(e.tagsOf("bkt", "k")) != "before=x"
			if applied != c.wantApplied {
				t.Errorf("applied = %v, want %v", applied, c.wantApplied)
			}
		})
	}

	// The body needs an integrity header, as on S3.
	w := e.do("PUT", "/bkt/k?tagging", strings.NewReader(taggingDoc("a", "b")))
	if b := expectErr(t, w, 400, "InvalidRequest"); b.Message != "Missing required header for this request: Content-MD5" {
		t.Errorf("message %q", b.Message)
	}
	expectErr(t, e.do("PUT", "/bkt/k?tagging", strings.NewReader(taggingDoc("a", "b")), "Content-MD5", contentMD5("other")), 400, "BadDigest")

	// The header: URL query parameters, no repeated key.
	for _, c := range []struct {
		hdr, code, msg string
	}{
		{"a=1&a=2", "InvalidArgument", msgTaggingHeader},
		{"TagSet=[{Key=string,Value=string}]", "InvalidArgument", msgTaggingHeader},
		{"a=%zz", "InvalidArgument", msgTaggingHeader},
		{"TagSet%3D%5B%7BKey%3Dstring%7D%5D", "InvalidTag", msgTagKeyInvalid},
		{strings.Join(func() []string {
			var p []string
			for i := range 11 {
				p = append(p, fmt.Sprintf("k%d=v", i))
			}
			return p
		}(), "&"), "BadRequest", msgTooManyObjectTags},
		{"aws:x=1", "InvalidTag", msgTagKeyReserved},
	} {
		w := e.do("PUT", "/bkt/h", strings.NewReader("x"), "x-amz-tagging", c.hdr)
		if b := expectErr(t, w, 400, c.code); b.Message != c.msg {
			t.Errorf("x-amz-tagging %q: message %q, want %q", c.hdr, b.Message, c.msg)
		}
	}
	if w := e.do("HEAD", "/bkt/h", nil); w.Code != 404 {
		t.Errorf("a refused PutObject stored the object: %d", w.Code)
	}
	// A key without "=" holds the empty value; + is a space.
	e.put("bkt", "h", "x", "x-amz-tagging", "flag&a+b=c+d")
	if got := tagString(e.tagsOf("bkt", "h")); got != "a b=c d&flag=" {
		t.Errorf("tags %q", got)
	}
}

// TestBucketTagging: NoSuchTagSet until a tag set is put, 204 on put and
// delete, up to 50 tags.
func TestBucketTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	b := expectErr(t, e.do("GET", "/bkt?tagging", nil), 404, "NoSuchTagSet")
	if b.BucketName != "bkt" || b.Message != "There is no tag set associated with the bucket." {
		t.Errorf("NoSuchTagSet body %+v", b)
	}
	if r := e.putTagging("/bkt?tagging", taggingDoc("env", "prod", "team", "blue")); r.code != 204 {
		t.Fatalf("PutBucketTagging: %d %s", r.code, r.body)
	}
	golden(t, "get_bucket_tagging.xml", e.mustDo(200, "GET", "/bkt?tagging", "").Body.Bytes())
	var fifty, fiftyOne []string
	for i := range 51 {
		fiftyOne = append(fiftyOne, fmt.Sprintf("k%d", i), "v")
	}
	fifty = fiftyOne[:100]
	if r := e.putTagging("/bkt?tagging", taggingDoc(fifty...)); r.code != 204 {
		t.Errorf("50 bucket tags: %d %s", r.code, r.body)
	}
	if r := e.putTagging("/bkt?tagging", taggingDoc(fiftyOne...)); r.code != 400 || !strings.Contains(r.body, msgTooManyBucketTags) {
		t.Errorf("51 bucket tags: %d %s", r.code, r.body)
	}
	if r := e.putTagging("/bkt?tagging", taggingDoc("k", "1", "k", "2")); r.code != 400 || !strings.Contains(r.body, "InvalidTag") {
		t.Errorf("duplicate bucket tag: %d %s", r.code, r.body)
	}
	e.mustDo(204, "DELETE", "/bkt?tagging", "")
	expectErr(t, e.do("GET", "/bkt?tagging", nil), 404, "NoSuchTagSet")
	e.mustDo(204, "DELETE", "/bkt?tagging", "")
	expectErr(t, e.do("GET", "/nobkt?tagging", nil), 404, "NoSuchBucket")
	expectErr(t, e.do("DELETE", "/nobkt?tagging", nil), 404, "NoSuchBucket")
	body := taggingDoc("a", "b")
	expectErr(t, e.do("PUT", "/nobkt?tagging", strings.NewReader(body), "Content-MD5", contentMD5(body)), 404, "NoSuchBucket")
}

// TestCopyTagging: x-amz-tagging-directive COPY (the default) copies the
// source's tags, REPLACE takes x-amz-tagging's (or none).
func TestCopyTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "src", "data", "x-amz-tagging", "a=1&b=2")
	e.mustDo(200, "PUT", "/bkt/copy", "", "x-amz-copy-source", "/bkt/src")
	if got := tagString(e.tagsOf("bkt", "copy")); got != "a=1&b=2" {
		t.Errorf("COPY (default): %q", got)
	}
	e.mustDo(200, "PUT", "/bkt/copy2", "", "x-amz-copy-source", "/bkt/src", "x-amz-tagging-directive", "COPY", "x-amz-tagging", "ignored=1")
	if got := tagString(e.tagsOf("bkt", "copy2")); got != "a=1&b=2" {
		t.Errorf("COPY: %q", got)
	}
	e.mustDo(200, "PUT", "/bkt/copy3", "", "x-amz-copy-source", "/bkt/src", "x-amz-tagging-directive", "REPLACE", "x-amz-tagging", "c=3")
	if got := tagString(e.tagsOf("bkt", "copy3")); got != "c=3" {
		t.Errorf("REPLACE: %q", got)
	}
	e.mustDo(200, "PUT", "/bkt/copy4", "", "x-amz-copy-source", "/bkt/src", "x-amz-tagging-directive", "REPLACE")
	if got := e.tagsOf("bkt", "copy4"); len(got) != 0 {
		t.Errorf("REPLACE without x-amz-tagging: %v", got)
	}
	b := expectErr(t, e.do("PUT", "/bkt/copy5", nil, "x-amz-copy-source", "/bkt/src", "x-amz-tagging-directive", "MERGE"), 400, "InvalidArgument")
	if b.Message != "Unknown tagging directive." {
		t.Errorf("message %q", b.Message)
	}
	expectErr(t, e.do("PUT", "/bkt/copy5", nil, "x-amz-copy-source", "/bkt/src", "x-amz-tagging-directive", "REPLACE", "x-amz-tagging", "aws:a=1"), 400, "InvalidTag")
}

// TestMultipartTagging: CreateMultipartUpload's x-amz-tagging is the
// completed object's tag set.
func TestMultipartTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	expectErr(t, e.do("POST", "/bkt/mp?uploads", nil, "x-amz-tagging", "a=1&a=2"), 400, "InvalidArgument")
	id := createUpload(t, e, "bkt", "mp", "x-amz-tagging", "stage=raw")
	w := e.mustDo(200, "PUT", "/bkt/mp?partNumber=1&uploadId="+id, "part")
	e.mustDo(200, "POST", "/bkt/mp?uploadId="+id, completeXML(w.Header().Get("ETag")))
	if got := tagString(e.tagsOf("bkt", "mp")); got != "stage=raw" {
		t.Errorf("completed object's tags: %q", got)
	}
}

// TestHoistedTagging: a presigned URL's x-amz-tagging parameter tags the
// object as the header would (S3 applies it); the header wins.
func TestHoistedTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.mustDo(200, "PUT", "/bkt/q?x-amz-tagging="+url.QueryEscape("a=b&c=d"), "x")
	if got := tagString(e.tagsOf("bkt", "q")); got != "a=b&c=d" {
		t.Errorf("hoisted: %q", got)
	}
	e.mustDo(200, "PUT", "/bkt/q?X-Amz-Tagging="+url.QueryEscape("a=b"), "x", "x-amz-tagging", "h=1")
	if got := tagString(e.tagsOf("bkt", "q")); got != "h=1" {
		t.Errorf("header and query: %q", got)
	}
}

// TestTaggingPermissions: writing an object with tags also takes
// s3:PutObjectTagging; copying a tagged source s3:GetObjectTagging on
// it; the tag count is shown only to who may read the tags.
func TestTaggingPermissions(t *testing.T) {
	denied := map[string]bool{}
	e := newEnv(t, func(c *Config) {
		c.Authz = authzFunc(func(_ *http.Request, _ *authn.Result, action, _ string) error {
			if denied[action] {
				return errors.New("denied")
			}
			return nil
		})
	})
	e.bucket("bkt")
	e.put("bkt", "t", "x", "x-amz-tagging", "a=1")
	denied["s3:PutObjectTagging"] = true
	expectErr(t, e.do("PUT", "/bkt/k", strings.NewReader("x"), "x-amz-tagging", "a=1"), 403, "AccessDenied")
	expectErr(t, e.do("POST", "/bkt/k?uploads", nil, "x-amz-tagging", "a=1"), 403, "AccessDenied")
	expectErr(t, e.do("PUT", "/bkt/k", nil, "x-amz-copy-source", "/bkt/t"), 403, "AccessDenied")
	e.put("bkt", "k", "x") // no tags: PutObject alone
	e.mustDo(200, "PUT", "/bkt/k2", "", "x-amz-copy-source", "/bkt/t", "x-amz-tagging-directive", "REPLACE")
	denied["s3:PutObjectTagging"] = false

	denied["s3:GetObjectTagging"] = true
	expectErr(t, e.do("PUT", "/bkt/k3", nil, "x-amz-copy-source", "/bkt/t"), 403, "AccessDenied")
	expectErr(t, e.do("GET", "/bkt/t?tagging", nil), 403, "AccessDenied")
	if _, ok := e.mustDo(200, "HEAD", "/bkt/t", "").Header()["X-Amz-Tagging-Count"]; ok {
		t.Error("x-amz-tagging-count shown to a caller denied s3:GetObjectTagging")
	}
	denied["s3:GetObjectTagging"] = false
	if got := e.mustDo(200, "HEAD", "/bkt/t", "").Header().Get("x-amz-tagging-count"); got != "1" {
		t.Errorf("x-amz-tagging-count = %q", got)
	}
}

// FuzzTaggingBody: any body is either a valid tag set within AWS's
// limits or refused with one of the codes a Put*Tagging answers.
func FuzzTaggingBody(f *testing.F) {
	for _, s := range []string{
		taggingDoc("k", "v"), taggingDoc(), taggingDoc("k", "1", "k", "2"), `<Tagging></Tagging>`,
		`<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>`, "k=v", "",
		`<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]><Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>`,
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, bucket bool) {
		limit := maxObjectTags
		if bucket {
			limit = maxBucketTags
		}
		tags, err := parseTaggingDoc(body, limit)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) {
				t.Fatalf("refused with %v, not an S3 error", err)
			}
			switch ae.Code {
			case codeMalformedXML, codeInvalidTag, codeBadRequest, codeMaxMessageLengthExceeded:
			default:
				t.Fatalf("refused with %s", ae.Code)
			}
			return
		}
		if len(tags) > limit {
			t.Fatalf("%d tags accepted over a limit of %d", len(tags), limit)
		}
		seen := map[string]bool{}
		for _, tg := range tags {
			if tg.Key == "" || utf16Len(tg.Key) > maxTagKeyLen || utf16Len(tg.Value) > maxTagValLen || seen[tg.Key] || !validTagText(tg.Key) || !validTagText(tg.Value) {
				t.Fatalf("accepted an invalid tag %+v", tg)
			}
			seen[tg.Key] = true
		}
		// What is accepted survives writing as a response and reading back.
		again, err := parseTaggingDoc([]byte(taggingDocOf(tags)), limit)
		if err != nil || tagString(again) != tagString(tags) {
			t.Fatalf("round trip: %v, %v vs %v", err, again, tags)
		}
	})
}

// taggingDocOf writes tags as the response body does.
func taggingDocOf(tags []meta.Tag) string {
	e := httptest.NewRecorder()
	_ = writeTagging(&request{w: e}, tags)
	return e.Body.String()
}

// TestPostObjectTagging: a POST form's tagging field is a Tagging XML
// document (not x-amz-tagging's query form); the authoriser sees it as
// x-amz-tagging would be, and s3:PutObjectTagging is asked too.
func TestPostObjectTagging(t *testing.T) {
	e, seen, _ := newPostEnv(t)
	doc := taggingDoc("project", "x", "stage", "a b")
	fields := withFields([][2]string{{"key", "tagged"}, {"tagging", doc}},
		signedV4(postAKID, "", t0.Add(time.Hour), `{"key": "tagged"}`, `["starts-with", "$tagging", ""]`)...)
	if w := e.post(formSpec{fields: fields, file: "x"}); w.Code != 204 {
		t.Fatalf("status %d: %s", w.Code, w.Body.String())
	}
	if got := tagString(e.tagsOf("photos", "tagged")); got != "project=x&stage=a b" {
		t.Errorf("tags %q", got)
	}
	if seen.action != "s3:PutObjectTagging" || seen.resource != "arn:aws:s3:::photos/tagged" {
		t.Errorf("last authorisation %+v, want s3:PutObjectTagging on the key", *seen)
	}
	for _, bad := range []struct{ field, code string }{
		{"project=x", "MalformedXML"},
		{taggingDoc("aws:x", "1"), "InvalidTag"},
	} {
		fields := withFields([][2]string{{"key", "bad"}, {"tagging", bad.field}},
			signedV4(postAKID, "", t0.Add(time.Hour), `{"key": "bad"}`, `["starts-with", "$tagging", ""]`)...)
		expectErr(t, e.post(formSpec{fields: fields, file: "x"}), 400, bad.code)
	}
	if w := e.do("HEAD", "/photos/bad", nil); w.Code != 404 {
		t.Errorf("a refused form stored its file: %d", w.Code)
	}
}
