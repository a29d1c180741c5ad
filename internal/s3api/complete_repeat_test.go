package s3api

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/checksum"
	"signet/internal/meta"
)

// uploadParts starts an upload of key and uploads parts, returning its ID
// and the parts' ETags as the server sent them.
func uploadParts(t *testing.T, e *env, key string, parts []string, hdr ...string) (string, []string) {
	t.Helper()
	id := createUpload(t, e, "mpb", key, hdr...)
	var etags []string
	for i, p := range parts {
		w := e.mustDo(200, "PUT", fmt.Sprintf("/mpb/%s?partNumber=%d&uploadId=%s", key, i+1, id), p)
		etags = append(etags, w.Header().Get("ETag"))
	}
	return id, etags
}

// TestCompleteRepeated: a CompleteMultipartUpload of an upload that
// completed already answers 200 with the completion's result, also after
// the object was replaced, and with If-None-Match: * (the retry of a
// conditional completion); a part list naming other parts is InvalidPart;
// the other operations on the upload still answer NoSuchUpload.
func TestCompleteRepeated(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	parts := []string{partData(1, 5<<20), partData(2, 10)}
	id, etags := uploadParts(t, e, "k", parts)
	target := "/mpb/k?uploadId=" + id
	first := e.mustDo(200, "POST", target, completeXML(etags...), "If-None-Match", "*").Body.String()
	if !strings.Contains(first, "&quot;"+multipartETag(parts...)+"&quot;") {
		t.Fatalf("complete: %s", first)
	}
	blobs := e.blobCount()
	again := func(what string, hdr ...string) {
		t.Helper()
		w := e.mustDo(200, "POST", target, completeXML(etags...), hdr...)
		if got := w.Body.String(); got != first {
			t.Errorf("%s: %s, want %s", what, got, first)
		}
		if got := w.Header().Get("x-amz-server-side-encryption"); got != "AES256" {
			t.Errorf("%s: x-amz-server-side-encryption %q, want AES256 as the first answer", what, got)
		}
	}
	again("repeat")
	again("repeat with If-None-Match: *", "If-None-Match", "*")
	again("repeat with the object's size", "x-amz-mp-object-size", fmt.Sprint(5<<20+10))
	// Quoted or bare, the ETags name the same parts.
	bare := make([]string, len(etags))
	for i, et := range etags {
		bare[i] = strings.Trim(et, `"`)
	}
	if got := e.mustDo(200, "POST", target, completeXML(bare...)).Body.String(); got != first {
		t.Errorf("repeat with bare ETags: %s", got)
	}
	if n := e.blobCount(); n != blobs {
		t.Errorf("repeats changed the blobs: %d, want %d", n, blobs)
	}

	// Another part list is not the completed one.
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags[0]))), 400, "InvalidPart")
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags[1], etags[0]))), 400, "InvalidPart")
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags[0], "nonsense"))), 400, "InvalidPart")
	// The body is checked as on a first attempt.
	expectErr(t, e.do("POST", target, strings.NewReader("<CompleteMultipartUpload/>")), 400, "InvalidRequest")
	expectErr(t, e.do("POST", target, strings.NewReader("<CompleteMultipartUpload>")), 400, "MalformedXML")
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags...)), "x-amz-mp-object-size", "7"), 400, "InvalidRequest")
	// A whole-object checksum of an upload without one cannot be checked.
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags...)), "x-amz-checksum-crc32", "AAAAAA=="), 400, "InvalidRequest")

	// The upload is not in progress: listing its parts, uploading a part
	// and aborting it answer NoSuchUpload, and the completion is still
	// remembered after the abort.
	expectErr(t, e.do("GET", target, nil), 404, "NoSuchUpload")
	expectErr(t, e.do("PUT", "/mpb/k?partNumber=1&"+target[len("/mpb/k?"):], strings.NewReader("x")), 404, "NoSuchUpload")
	expectErr(t, e.do("DELETE", target, nil), 404, "NoSuchUpload")
	again("repeat after an abort")

	// The answer is the completion's, whatever became of the key.
	e.put("mpb", "k", "replaced")
	again("repeat after the object was replaced")

	// The upload's ID is its own key's: the same ID on another key is no
	// upload, completed or not.
	expectErr(t, e.do("POST", "/mpb/other?uploadId="+id, strings.NewReader(completeXML(etags...))), 404, "NoSuchUpload")
	expectErr(t, e.do("POST", "/mpb/k?uploadId=never", strings.NewReader(completeXML(etags...))), 404, "NoSuchUpload")
}

// TestCompleteRepeatedExpires: the completion is remembered for
// meta.CompletedUploadRetention by the server's clock, then a repeat is
// NoSuchUpload.
func TestCompleteRepeatedExpires(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	id, etags := uploadParts(t, e, "k", []string{"only part"})
	target := "/mpb/k?uploadId=" + id
	e.mustDo(200, "POST", target, completeXML(etags...))
	e.clk.Advance(meta.CompletedUploadRetention)
	e.mustDo(200, "POST", target, completeXML(etags...))
	e.clk.Advance(time.Second)
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags...))), 404, "NoSuchUpload")
}

// TestCompleteRepeatedChecksums: a repeat answers the completion's
// whole-object checksum and type, and checks a stated one against it.
func TestCompleteRepeatedChecksums(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	parts := []string{partData(3, 5<<20), partData(4, 99)}
	id, etags := uploadParts(t, e, "k", parts, "x-amz-checksum-algorithm", "CRC32C", "x-amz-checksum-type", "FULL_OBJECT")
	target := "/mpb/k?uploadId=" + id
	h := checksum.CRC32C.New()
	h.Write([]byte(parts[0] + parts[1]))
	want := checksum.Encode(h.Sum(nil))
	first := e.mustDo(200, "POST", target, completeXML(etags...)).Body.String()
	if !strings.Contains(first, "<ChecksumCRC32C>"+want+"</ChecksumCRC32C>") || !strings.Contains(first, "<ChecksumType>FULL_OBJECT</ChecksumType>") {
		t.Fatalf("complete: %s", first)
	}
	if got := e.mustDo(200, "POST", target, completeXML(etags...), "x-amz-checksum-crc32c", want).Body.String(); got != first {
		t.Errorf("repeat: %s, want %s", got, first)
	}
	expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags...)), "x-amz-checksum-crc32c", "AAAAAA=="), 400, "BadDigest")
}

// TestCompleteRepeatedConcurrently: attempts racing each other all answer
// 200 with the one result, whichever completes the upload.
func TestCompleteRepeatedConcurrently(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	parts := []string{partData(5, 5<<20), partData(6, 1)}
	id, etags := uploadParts(t, e, "k", parts)
	const n = 8
	bodies := make([]string, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := e.do("POST", "/mpb/k?uploadId="+id, strings.NewReader(completeXML(etags...)))
			codes[i], bodies[i] = w.Code, w.Body.String()
		})
	}
	wg.Wait()
	for i := range n {
		if codes[i] != 200 || bodies[i] != bodies[0] {
			t.Errorf("attempt %d: %d %s, want 200 %s", i, codes[i], bodies[i], bodies[0])
		}
	}
	if !strings.Contains(bodies[0], "&quot;"+multipartETag(parts...)+"&quot;") {
		t.Errorf("body %s", bodies[0])
	}
}

// TestCompleteRepeatedVersioned: in a versioned bucket a repeated
// completion sends the x-amz-version-id of the version the completion
// made, also after a newer version of the key, and the same body.
func TestCompleteRepeatedVersioned(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	e.mustDo(200, "PUT", "/mpb?versioning", enableVersioning)
	id, etags := uploadParts(t, e, "k", []string{"only part"})
	target := "/mpb/k?uploadId=" + id
	first := e.mustDo(200, "POST", target, completeXML(etags...))
	made := first.Header().Get("x-amz-version-id")
	if made == "" || made == "null" {
		t.Fatalf("complete in an Enabled bucket: x-amz-version-id %q", made)
	}
	newer := versionOf(t, e.put("mpb", "k", "newer"))
	again := e.mustDo(200, "POST", target, completeXML(etags...))
	if got := again.Header().Get("x-amz-version-id"); got != made || newer == made {
		t.Errorf("repeat: x-amz-version-id %q, want the completion's %q (newer version %q)", got, made, newer)
	}
	if again.Body.String() != first.Body.String() {
		t.Errorf("repeat: %s, want %s", again.Body.String(), first.Body.String())
	}
}
