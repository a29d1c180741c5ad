package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"signet/internal/checksum"
)

func createUpload(t testing.TB, e *env, bucket, key string, hdr ...string) string {
	t.Helper()
	w := e.mustDo(200, "POST", "/"+bucket+"/"+key+"?uploads", "", hdr...)
	var res initiateResult
	if err := xml.Unmarshal(w.Body.Bytes(), &res); err != nil || res.UploadID == "" || res.Bucket != bucket || res.Key != key {
		t.Fatalf("initiate: %v %s", err, w.Body.String())
	}
	return res.UploadID
}

func completeXML(parts ...string) string {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for i, etag := range parts {
		fmt.Fprintf(&b, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", i+1, etag)
	}
	b.WriteString("</CompleteMultipartUpload>")
	return b.String()
}

// partData is deterministic, distinct per part.
func partData(n, size int) string {
	return strings.Repeat(string(rune('a'+n%26)), size)
}

// multipartETag is the rule computed independently of the server code:
// MD5 over the concatenated binary part MD5s, then "-N".
func multipartETag(parts ...string) string {
	var cat []byte
	for _, p := range parts {
		s := md5.Sum([]byte(p))
		cat = append(cat, s[:]...)
	}
	s := md5.Sum(cat)
	return fmt.Sprintf("%x-%d", s, len(parts))
}

// uploadMultipart uploads parts and completes them, returning the data.
func uploadMultipart(t testing.TB, e *env, bucket, key string, parts ...string) string {
	t.Helper()
	id := createUpload(t, e, bucket, key)
	var etags []string
	for i, p := range parts {
		w := e.mustDo(200, "PUT", fmt.Sprintf("/%s/%s?partNumber=%d&uploadId=%s", bucket, key, i+1, id), p)
		etags = append(etags, w.Header().Get("ETag"))
	}
	w := e.mustDo(200, "POST", "/"+bucket+"/"+key+"?uploadId="+id, completeXML(etags...))
	if !strings.Contains(w.Body.String(), "&quot;"+multipartETag(parts...)+"&quot;") {
		t.Fatalf("complete: %s", w.Body.String())
	}
	return strings.Join(parts, "")
}

func TestMultipartFlow(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	p1, p2, p3 := partData(1, 5<<20), partData(2, 5<<20), partData(3, 1234)
	id := createUpload(t, e, "mpb", "big", "Content-Type", "video/mp4", "x-amz-meta-a", "b")
	var etags []string
	for i, p := range []string{p1, p2, p3} {
		w := e.mustDo(200, "PUT", fmt.Sprintf("/mpb/big?partNumber=%d&uploadId=%s", i+1, id), p)
		s := md5.Sum([]byte(p))
		if want := `"` + hex.EncodeToString(s[:]) + `"`; w.Header().Get("ETag") != want {
			t.Fatalf("part %d ETag %q", i+1, w.Header().Get("ETag"))
		}
		etags = append(etags, w.Header().Get("ETag"))
	}
	// Re-uploading a part replaces it (and frees its blob).
	e.mustDo(200, "PUT", "/mpb/big?partNumber=3&uploadId="+id, p3)
	if n := e.blobCount(); n != 3 {
		t.Errorf("%d blobs", n)
	}
	golden(t, "list_parts.xml", e.mustDo(200, "GET", "/mpb/big?uploadId="+id+"&max-parts=2", "").Body.Bytes())
	golden(t, "list_parts_page2.xml", e.mustDo(200, "GET", "/mpb/big?uploadId="+id+"&part-number-marker=2", "").Body.Bytes())
	golden(t, "list_uploads.xml", e.mustDo(200, "GET", "/mpb?uploads", "").Body.Bytes())

	w := e.mustDo(200, "POST", "/mpb/big?uploadId="+id, completeXML(etags...))
	golden(t, "complete.xml", w.Body.Bytes())
	completed := w.Body.String()
	wantETag := multipartETag(p1, p2, p3)
	w = e.mustDo(200, "GET", "/mpb/big", "")
	if w.Body.String() != p1+p2+p3 || w.Header().Get("ETag") != `"`+wantETag+`"` || w.Header().Get("Content-Type") != "video/mp4" || userMeta(w.Header(), "a") != "b" {
		t.Fatalf("GET: len %d %v", w.Body.Len(), w.Header())
	}
	// partNumber reads one part, 206 with the part count.
	w = e.mustDo(206, "GET", "/mpb/big?partNumber=2", "")
	if w.Body.String() != p2 || w.Header().Get("x-amz-mp-parts-count") != "3" ||
		w.Header().Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", 5<<20, 10<<20-1, 10<<20+1234) {
		t.Errorf("part 2: %v", w.Header())
	}
	w = e.mustDo(206, "HEAD", "/mpb/big?partNumber=3", "")
	if w.Header().Get("Content-Length") != "1234" {
		t.Errorf("HEAD part 3: %v", w.Header())
	}
	expectErr(t, e.do("GET", "/mpb/big?partNumber=4", nil), 416, "InvalidPartNumber")
	expectErr(t, e.do("GET", "/mpb/big?partNumber=0", nil), 400, "InvalidArgument")
	expectErr(t, e.do("GET", "/mpb/big?partNumber=2", nil, "Range", "bytes=0-1"), 400, "InvalidRequest")
	// Ranges across segment boundaries.
	all := p1 + p2 + p3
	for _, rg := range [][2]int{{5<<20 - 3, 5<<20 + 2}, {0, 10<<20 + 1233}, {10<<20 - 1, 10 << 20}, {5 << 20, 5 << 20}, {1, 10<<20 + 5}} {
		w = e.mustDo(206, "GET", "/mpb/big", "", "Range", fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]))
		if w.Body.String() != all[rg[0]:rg[1]+1] {
			t.Errorf("range %v wrong bytes", rg)
		}
	}
	// The upload is gone, but completing it again (an SDK's retry) answers
	// as the completion did.
	expectErr(t, e.do("GET", "/mpb/big?uploadId="+id, nil), 404, "NoSuchUpload")
	if w = e.mustDo(200, "POST", "/mpb/big?uploadId="+id, completeXML(etags...)); w.Body.String() != completed {
		t.Errorf("repeated complete = %s, want %s", w.Body.String(), completed)
	}
	if n := e.blobCount(); n != 3 {
		t.Errorf("%d blobs", n)
	}
	// A plain object with partNumber=1 is the whole object, served as S3
	// serves it: a 206 whose range is every byte, without a part count.
	e.put("mpb", "plain", "abc")
	for _, m := range []string{"GET", "HEAD"} {
		w = e.mustDo(206, m, "/mpb/plain?partNumber=1", "")
		h := w.Header()
		if h.Get("Content-Range") != "bytes 0-2/3" || h.Get("Content-Length") != "3" || h.Get("x-amz-mp-parts-count") != "" {
			t.Errorf("%s plain part 1: %v", m, h)
		}
		if m == "GET" && w.Body.String() != "abc" {
			t.Error(w.Body.String())
		}
	}
	expectErr(t, e.do("GET", "/mpb/plain?partNumber=2", nil), 416, "InvalidPartNumber")
	// An empty object has no range to name: 200 with its no bytes.
	e.put("mpb", "empty", "")
	if w = e.mustDo(200, "GET", "/mpb/empty?partNumber=1", ""); w.Header().Get("Content-Range") != "" || w.Body.Len() != 0 {
		t.Errorf("empty part 1: %v %q", w.Header(), w.Body.String())
	}
}

func TestMultipartErrors(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	id := createUpload(t, e, "mpb", "k")
	for _, n := range []string{"0", "10001", "x", "-1"} {
		expectErr(t, e.do("PUT", "/mpb/k?partNumber="+n+"&uploadId="+id, strings.NewReader("x")), 400, "InvalidArgument")
	}
	e.mustDo(200, "PUT", "/mpb/k?partNumber=10000&uploadId="+id, "x")
	expectErr(t, e.do("PUT", "/mpb/k?partNumber=1&uploadId=nope", strings.NewReader("x")), 404, "NoSuchUpload")
	small := e.mustDo(200, "PUT", "/mpb/k?partNumber=1&uploadId="+id, "small").Header().Get("ETag")
	big := e.mustDo(200, "PUT", "/mpb/k?partNumber=2&uploadId="+id, partData(2, 5<<20)).Header().Get("ETag")

	post := func(body string) *bytes.Buffer {
		return e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(body)).Body
	}
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(completeXML(small, big))), 400, "EntityTooSmall")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(`<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>`+big+`</ETag></Part><Part><PartNumber>1</PartNumber><ETag>`+small+`</ETag></Part></CompleteMultipartUpload>`)), 400, "InvalidPartOrder")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(completeXML(big))), 400, "InvalidPart")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(`<CompleteMultipartUpload><Part><PartNumber>7</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>`)), 400, "InvalidPart")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(`<Complete`)), 400, "MalformedXML")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(``)), 400, "MalformedXML")
	expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(`<CompleteMultipartUpload></CompleteMultipartUpload>`)), 400, "InvalidRequest")
	_ = post
	// Nothing was completed; abort frees every part.
	expectErr(t, e.do("GET", "/mpb/k", nil), 404, "NoSuchKey")
	e.mustDo(204, "DELETE", "/mpb/k?uploadId="+id, "")
	expectErr(t, e.do("DELETE", "/mpb/k?uploadId="+id, nil), 404, "NoSuchUpload")
	if n := e.blobCount(); n != 0 {
		t.Errorf("%d blobs", n)
	}
	// A single small part is fine (the last part has no minimum), and
	// Complete honours If-None-Match.
	id = createUpload(t, e, "mpb", "one")
	et := e.mustDo(200, "PUT", "/mpb/one?partNumber=1&uploadId="+id, "tiny").Header().Get("ETag")
	e.mustDo(200, "POST", "/mpb/one?uploadId="+id, completeXML(et))
	id = createUpload(t, e, "mpb", "one")
	et = e.mustDo(200, "PUT", "/mpb/one?partNumber=1&uploadId="+id, "tiny2").Header().Get("ETag")
	expectErr(t, e.do("POST", "/mpb/one?uploadId="+id, strings.NewReader(completeXML(et)), "If-None-Match", "*"), 412, "PreconditionFailed")
}

func TestMultipartChecksums(t *testing.T) {
	for _, tc := range []struct{ alg, typ string }{{"CRC32", "COMPOSITE"}, {"SHA256", "COMPOSITE"}, {"CRC64NVME", "FULL_OBJECT"}, {"CRC32C", "FULL_OBJECT"}} {
		t.Run(tc.alg+"-"+tc.typ, func(t *testing.T) {
			e := newEnv(t)
			e.bucket("mpb")
			alg, _ := checksum.Parse(tc.alg)
			id := createUpload(t, e, "mpb", "k", "x-amz-checksum-algorithm", tc.alg, "x-amz-checksum-type", tc.typ)
			parts := []string{partData(0, 5<<20), partData(1, 100)}
			var etags []string
			var sums [][]byte
			for i, p := range parts {
				h := alg.New()
				h.Write([]byte(p))
				sums = append(sums, h.Sum(nil))
				w := e.mustDo(200, "PUT", fmt.Sprintf("/mpb/k?partNumber=%d&uploadId=%s", i+1, id), p,
					alg.HeaderName(), checksum.Encode(h.Sum(nil)))
				etags = append(etags, w.Header().Get("ETag"))
			}
			var want string
			if tc.typ == "COMPOSITE" {
				want = checksum.Composite(alg, sums)
			} else {
				h := alg.New()
				h.Write([]byte(parts[0] + parts[1]))
				want = checksum.Encode(h.Sum(nil))
			}
			// A whole-object checksum that does not match is S3's
			// BadDigest, and the upload stays open; one of another
			// algorithm cannot be checked and is refused.
			wrong := checksum.Encode(make([]byte, len(sums[0])))
			b := expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(completeXML(etags...)), alg.HeaderName(), wrong), 400, "BadDigest")
			if b.Message != "The "+tc.alg+" you specified did not match the calculated checksum." {
				t.Errorf("BadDigest message %q", b.Message)
			}
			other := checksum.SHA1
			if alg == checksum.SHA1 {
				other = checksum.CRC32
			}
			expectErr(t, e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(completeXML(etags...)), other.HeaderName(), "AAAAAA=="), 400, "InvalidRequest")
			e.mustDo(200, "GET", "/mpb/k?uploadId="+id, "")
			// The right one, a composite with or without its "-N".
			w := e.mustDo(200, "POST", "/mpb/k?uploadId="+id, completeXML(etags...), alg.HeaderName(), stripPartCount(want))
			if !strings.Contains(w.Body.String(), ">"+want+"</Checksum"+tc.alg+">") || !strings.Contains(w.Body.String(), "<ChecksumType>"+tc.typ+"</ChecksumType>") {
				t.Errorf("complete body %s, want %s", w.Body.String(), want)
			}
			w = e.mustDo(200, "HEAD", "/mpb/k", "", "x-amz-checksum-mode", "ENABLED")
			if w.Header().Get(alg.HeaderName()) != want {
				t.Errorf("HEAD %v", w.Header())
			}
		})
	}
}

func TestListUploadsPaging(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	ids := map[string]bool{}
	for _, k := range []string{"a/1", "a/2", "b", "c"} {
		ids[createUpload(t, e, "mpb", k)] = true
	}
	w := e.mustDo(200, "GET", "/mpb?uploads&delimiter=/&max-uploads=2", "")
	var res listUploadsResult
	if err := xml.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.CommonPrefixes) != 1 || res.CommonPrefixes[0].Prefix != "a/" || len(res.Uploads) != 1 || res.Uploads[0].Key != "b" || !res.IsTruncated {
		t.Errorf("%s", w.Body.String())
	}
	w = e.mustDo(200, "GET", "/mpb?uploads&delimiter=/&key-marker="+res.NextKeyMarker+"&upload-id-marker="+res.NextUploadIDMarker, "")
	res = listUploadsResult{}
	_ = xml.Unmarshal(w.Body.Bytes(), &res)
	if len(res.Uploads) != 1 || res.Uploads[0].Key != "c" || res.IsTruncated {
		t.Errorf("page 2: %s", w.Body.String())
	}
	expectErr(t, e.do("GET", "/mpb?uploads&max-uploads=x", nil), 400, "InvalidArgument")
}

// TestUploadIDsNeverStartWithADash: the AWS CLI reads `--upload-id -Xy…`
// as an option with no value, so an ID may not start with '-'. Of 10,000
// unguarded IDs about 156 would; all are distinct and decode to 32 bytes.
func TestUploadIDsNeverStartWithADash(t *testing.T) {
	seen := make(map[string]bool, 10000)
	for i := 0; i < 10000; i++ {
		id := newUploadID()
		if id[0] == '-' || id[0] == '_' {
			t.Fatalf("upload ID %q starts with %q", id, id[0])
		}
		if b, err := base64.RawURLEncoding.DecodeString(id); err != nil || len(b) != 32 {
			t.Fatalf("upload ID %q: %d bytes, %v", id, len(b), err)
		}
		if seen[id] {
			t.Fatalf("upload ID %q issued twice", id)
		}
		seen[id] = true
	}
}
