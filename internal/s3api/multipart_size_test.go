package s3api

import (
	"fmt"
	"strings"
	"testing"
)

// TestCompleteChecksObjectSize pins x-amz-mp-object-size on
// CompleteMultipartUpload, which was accepted and dropped: AWS checks the
// assembled object against it (SDK transfer managers send it to catch a
// dropped or duplicated part), so signet does too. A mismatch is 400
// InvalidRequest and completes nothing; a value that is not a size is 400
// InvalidRequest "Value for x-amz-mp-object-size header is invalid"; the
// right size completes.
func TestCompleteChecksObjectSize(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	id := createUpload(t, e, "bkt", "big")
	p1, p2 := partData(0, minPartSize), partData(1, 10)
	var etags []string
	for i, p := range []string{p1, p2} {
		w := e.mustDo(200, "PUT", fmt.Sprintf("/bkt/big?partNumber=%d&uploadId=%s", i+1, id), p)
		etags = append(etags, w.Header().Get("ETag"))
	}
	total := len(p1) + len(p2)
	target := "/bkt/big?uploadId=" + id
	for _, c := range []struct{ size, msg string }{
		{fmt.Sprint(total - 10), "x-amz-mp-object-size"},
		{fmt.Sprint(total + 1), "x-amz-mp-object-size"},
		{"size", "Value for x-amz-mp-object-size header is invalid: 'size'"},
		{"-1", "Value for x-amz-mp-object-size header is invalid"},
	} {
		body := expectErr(t, e.do("POST", target, strings.NewReader(completeXML(etags...)), "x-amz-mp-object-size", c.size), 400, "InvalidRequest")
		if !strings.Contains(body.Message, c.msg) {
			t.Errorf("size %s: message %q lacks %q", c.size, body.Message, c.msg)
		}
		if w := e.do("HEAD", "/bkt/big", nil); w.Code != 404 {
			t.Fatalf("size %s: the upload completed: %d", c.size, w.Code)
		}
	}
	e.mustDo(200, "POST", target, completeXML(etags...), "x-amz-mp-object-size", fmt.Sprint(total))
	if w := e.mustDo(200, "HEAD", "/bkt/big", ""); w.Header().Get("Content-Length") != fmt.Sprint(total) {
		t.Fatalf("Content-Length %s, want %d", w.Header().Get("Content-Length"), total)
	}
}
