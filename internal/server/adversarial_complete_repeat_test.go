package server_test

// Adversarial section: repeated CompleteMultipartUpload. A completed
// upload answers a repeat of its completion with the completion's result;
// hostile repeats get no more than a first attempt would: bodies past the
// limits are refused as before, a caller without s3:PutObject on the key
// (or anonymous) is denied before the result is looked up, the ID is
// useless on another key or bucket, another part list is InvalidPart, and
// none of them changes the object or what later repeats answer.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAdversarialCompleteRepeat(t *testing.T) {
	a := newAdvEnv(t)
	// A bucket of its own, so that intact's listing of adv and adv2 is
	// not disturbed.
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advmp", nil, nil), 200)
	r := a.mustStatus(t, a.rootHeader(t, http.MethodPost, "/advmp/done?uploads", nil, nil), 200)
	var init struct{ UploadId string }
	if err := xml.Unmarshal(r.body, &init); err != nil || init.UploadId == "" {
		t.Fatalf("CreateMultipartUpload: %v\n%s", err, r)
	}
	id := init.UploadId
	data := []byte("the only part")
	etag := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/advmp/done?partNumber=1&uploadId="+id, nil, data), 200).header.Get("ETag")
	body := []byte(fmt.Sprintf("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>%s</ETag></Part></CompleteMultipartUpload>", etag))
	first := a.mustStatus(t, a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, body), 200).body

	parts := func(n int) []byte {
		return []byte("<CompleteMultipartUpload>" + strings.Repeat("<Part></Part>", n) + "</CompleteMultipartUpload>")
	}
	rows := []struct {
		name   string
		req    func(t *testing.T) advReq
		status int
		code   string
	}{
		{"repeat with 4 MiB of parts", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, parts(320000))
		}, 400, "MalformedXML"},
		{"repeat with 10,001 parts", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, parts(10001))
		}, 400, "MalformedXML"},
		{"repeat over 4 MiB", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, []byte(strings.Repeat(" ", 4<<20+1)))
		}, 400, "MaxMessageLengthExceeded"},
		{"repeat naming a part that is not the completed one", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, bytes.Replace(body, []byte(strings.Trim(etag, `"`)), []byte("0123456789abcdef0123456789abcdef"), 1))
		}, 400, "InvalidPart"},
		{"repeat by a caller denied s3:*", func(t *testing.T) advReq {
			return a.signedHeaderReq(t, http.MethodPost, "/advmp/done?uploadId="+id, a.mallory, nil, body, "", a.fake.Now())
		}, 403, "AccessDenied"},
		{"anonymous repeat", func(t *testing.T) advReq {
			return advReq{method: http.MethodPost, target: "/advmp/done?uploadId=" + id, body: body}
		}, 403, "AccessDenied"},
		{"the completed ID on another key", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/advmp/other?uploadId="+id, nil, body)
		}, 404, "NoSuchUpload"},
		{"the completed ID in another bucket", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPost, "/adv/done?uploadId="+id, nil, body)
		}, 404, "NoSuchUpload"},
		{"abort of the completed upload", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodDelete, "/advmp/done?uploadId="+id, nil, nil)
		}, 404, "NoSuchUpload"},
		{"a part uploaded to the completed upload", func(t *testing.T) advReq {
			return a.rootHeader(t, http.MethodPut, "/advmp/done?partNumber=2&uploadId="+id, nil, []byte("late"))
		}, 404, "NoSuchUpload"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a.fake.Set(t0)
			r := a.send(t, row.req(t))
			code, _ := errorCode(r.body)
			if r.status != row.status || code != row.code {
				t.Errorf("want %d %s, got %d %s\n%s", row.status, row.code, r.status, code, r)
			}
			a.intact(t)
			// The object and the answer to a genuine repeat are unchanged.
			if got := a.send(t, a.rootHeader(t, http.MethodGet, "/advmp/done", nil, nil)); got.status != 200 || !bytes.Equal(got.body, data) {
				t.Errorf("GET the completed object = %d %q", got.status, abbreviate(string(got.body)))
			}
			if got := a.send(t, a.rootHeader(t, http.MethodPost, "/advmp/done?uploadId="+id, nil, body)); got.status != 200 || !bytes.Equal(got.body, first) {
				t.Errorf("repeat after the hostile request = %d %s, want 200 %s", got.status, got.body, first)
			}
		})
	}
}
