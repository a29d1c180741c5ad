package s3api

import (
	"fmt"
	"strings"
	"testing"
)

func TestCopyObject(t *testing.T) {
	e := newEnv(t)
	e.bucket("src")
	e.bucket("dst")
	etag := e.put("src", "a%20b/%C3%BC", "payload", "Content-Type", "text/x", "x-amz-meta-k", "v").Header().Get("ETag")
	w := e.mustDo(200, "PUT", "/dst/copy", "", "x-amz-copy-source", "/src/a%20b/%C3%BC?versionId=null")
	golden(t, "copy_object.xml", w.Body.Bytes())
	w = e.mustDo(200, "GET", "/dst/copy", "")
	if w.Body.String() != "payload" || w.Header().Get("Content-Type") != "text/x" || userMeta(w.Header(), "k") != "v" || w.Header().Get("ETag") != etag {
		t.Errorf("COPY: %v", w.Header())
	}
	e.mustDo(200, "PUT", "/dst/repl", "", "x-amz-copy-source", "src/a%20b/%C3%BC", "x-amz-metadata-directive", "REPLACE", "Content-Type", "text/y")
	w = e.mustDo(200, "GET", "/dst/repl", "")
	if w.Header().Get("Content-Type") != "text/y" || userMeta(w.Header(), "k") != "" {
		t.Errorf("REPLACE: %v", w.Header())
	}
	expectErr(t, e.do("PUT", "/src/a%20b/%C3%BC", nil, "x-amz-copy-source", "/src/a%20b/%C3%BC"), 400, "InvalidRequest")
	e.mustDo(200, "PUT", "/src/a%20b/%C3%BC", "", "x-amz-copy-source", "/src/a%20b/%C3%BC", "x-amz-metadata-directive", "REPLACE")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "/src/missing"), 404, "NoSuchKey")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "/nobucket/k"), 404, "NoSuchBucket")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "justbucket"), 400, "InvalidArgument")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "/src/a%20b/%C3%BC", "x-amz-metadata-directive", "MOVE"), 400, "InvalidArgument")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "/src/a%20b/%C3%BC", "x-amz-copy-source-if-match", `"nope"`), 412, "PreconditionFailed")
	expectErr(t, e.do("PUT", "/dst/x", nil, "x-amz-copy-source", "/src/a%20b/%C3%BC", "x-amz-copy-source-if-none-match", etag), 412, "PreconditionFailed")
	e.mustDo(200, "PUT", "/dst/x", "", "x-amz-copy-source", "/src/a%20b/%C3%BC", "x-amz-copy-source-if-match", etag)
	// Copies never share blobs: deleting the source keeps the copy.
	e.mustDo(204, "DELETE", "/src/a%20b/%C3%BC", "")
	if got := e.mustDo(200, "GET", "/dst/copy", "").Body.String(); got != "payload" {
		t.Errorf("copy after source delete: %q", got)
	}
	if n := e.blobCount(); n != 3 {
		t.Errorf("%d blobs", n)
	}
}

func TestCopyMultipartSourceAndUploadPartCopy(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	all := uploadMultipart(t, e, "bkt", "mp", partData(0, 5<<20), partData(1, 5<<20), partData(2, 10))
	e.mustDo(200, "PUT", "/bkt/flat", "", "x-amz-copy-source", "/bkt/mp")
	w := e.mustDo(200, "GET", "/bkt/flat", "")
	if w.Body.String() != all || strings.Contains(w.Header().Get("ETag"), "-") {
		t.Errorf("flat copy: %v", w.Header())
	}
	id := createUpload(t, e, "bkt", "pc")
	lo, hi := 5<<20-7, 10<<20+3
	w = e.mustDo(200, "PUT", "/bkt/pc?partNumber=1&uploadId="+id, "", "x-amz-copy-source", "/bkt/mp", "x-amz-copy-source-range", fmt.Sprintf("bytes=%d-%d", lo, hi))
	if !strings.Contains(w.Body.String(), "<CopyPartResult") {
		t.Fatal(w.Body.String())
	}
	var etag string
	if i := strings.Index(w.Body.String(), "<ETag>"); i >= 0 {
		etag = w.Body.String()[i+6 : strings.Index(w.Body.String(), "</ETag>")]
		etag = strings.ReplaceAll(etag, "&quot;", `"`)
	}
	e.mustDo(200, "POST", "/bkt/pc?uploadId="+id, completeXML(etag))
	if got := e.mustDo(200, "GET", "/bkt/pc", "").Body.String(); got != all[lo:hi+1] {
		t.Errorf("part copy bytes differ (len %d)", len(got))
	}
	id = createUpload(t, e, "bkt", "pc2")
	expectErr(t, e.do("PUT", "/bkt/pc2?partNumber=1&uploadId="+id, nil, "x-amz-copy-source", "/bkt/mp", "x-amz-copy-source-range", "bytes=0-99999999"), 416, "InvalidRange")
	expectErr(t, e.do("PUT", "/bkt/pc2?partNumber=1&uploadId="+id, nil, "x-amz-copy-source", "/bkt/mp", "x-amz-copy-source-range", "bytes=5-"), 400, "InvalidArgument")
}

func TestDeleteObjects(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	for _, k := range []string{"a", "b", "c & d"} {
		e.put("bkt", strings.ReplaceAll(k, " ", "%20"), "x")
	}
	body := `<Delete><Object><Key>a</Key></Object><Object><Key>c &amp; d</Key></Object><Object><Key>missing</Key></Object></Delete>`
	w := e.mustDo(200, "POST", "/bkt?delete", body, "Content-MD5", md5b64(body))
	golden(t, "delete_result.xml", w.Body.Bytes())
	expectErr(t, e.do("GET", "/bkt/a", nil), 404, "NoSuchKey")
	quiet := `<Delete><Quiet>true</Quiet><Object><Key>b</Key></Object></Delete>`
	w = e.mustDo(200, "POST", "/bkt?delete", quiet, "x-amz-checksum-crc32", crc32b64(quiet))
	if strings.Contains(w.Body.String(), "<Deleted>") {
		t.Errorf("quiet: %s", w.Body.String())
	}
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs", n)
	}
	expectErr(t, e.do("POST", "/bkt?delete", strings.NewReader(body), "Content-MD5", md5b64("x")), 400, "BadDigest")
	expectErr(t, e.do("POST", "/bkt?delete", strings.NewReader(`<Delete>`)), 400, "MalformedXML")
	var many strings.Builder
	many.WriteString("<Delete>")
	for i := 0; i < 1001; i++ {
		fmt.Fprintf(&many, "<Object><Key>k%d</Key></Object>", i)
	}
	expectErr(t, e.do("POST", "/bkt?delete", strings.NewReader(many.String()+"</Delete>")), 400, "MalformedXML")
	expectErr(t, e.do("POST", "/bkt?delete", strings.NewReader(strings.Repeat(" ", maxDeleteBody+1))), 400, "MaxMessageLengthExceeded")
}
