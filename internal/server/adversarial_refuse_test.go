package server_test

// The adversarial section for finding 9: a request that selects a feature
// signet does not implement is refused with AWS's error for it, whichever
// way it is signed (headers, or a presigned URL whose presigner hoisted
// the header into the query string), and leaves nothing behind.

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAdversarialRefusedFeatures(t *testing.T) {
	a := newAdvEnv(t)
	rows := []struct {
		name, method, target string
		hdr                  []string // name, value pairs
		status               int
		code                 string
	}{
		{"bucket with object lock", "PUT", "/locked", []string{"x-amz-bucket-object-lock-enabled", "true"}, 501, "NotImplemented"},
		{"GOVERNANCE retention until 2030", "PUT", "/adv/obj", []string{"x-amz-object-lock-mode", "GOVERNANCE", "x-amz-object-lock-retain-until-date", "2030-01-01T00:00:00Z"}, 501, "NotImplemented"},
		{"tags on an overwrite", "PUT", "/adv/obj", []string{"x-amz-tagging", "classification=secret"}, 501, "NotImplemented"},
		{"public ACL on an overwrite", "PUT", "/adv/obj", []string{"x-amz-acl", "public-read"}, 400, "AccessControlListNotSupported"},
		{"grant to everyone", "PUT", "/adv/obj?acl", []string{"x-amz-grant-read", "uri=http://acs.amazonaws.com/groups/global/AllUsers"}, 400, "AccessControlListNotSupported"},
		{"SSE-KMS on an overwrite", "PUT", "/adv/obj", []string{"x-amz-server-side-encryption", "aws:kms"}, 501, "NotImplemented"},
		{"SSE-C read", "GET", "/adv/obj", []string{"x-amz-server-side-encryption-customer-algorithm", "AES256"}, 501, "NotImplemented"},
		{"website redirect", "PUT", "/adv/obj", []string{"x-amz-website-redirect-location", "https://evil.example/"}, 501, "NotImplemented"},
		{"archive class", "PUT", "/adv/obj", []string{"x-amz-storage-class", "DEEP_ARCHIVE"}, 501, "NotImplemented"},
		{"conditional delete", "DELETE", "/adv/obj", []string{"If-Match", `"nope"`}, 501, "NotImplemented"},
		{"delete of a version", "DELETE", "/adv/obj?versionId=111", nil, 400, "InvalidArgument"},
		{"foreign bucket owner", "PUT", "/adv/obj", []string{"x-amz-expected-bucket-owner", "000000000000"}, 403, "AccessDenied"},
	}
	body := []byte("overwritten")
	for _, row := range rows {
		t.Run(row.name+"/header-signed", func(t *testing.T) {
			hdr := http.Header{}
			for i := 0; i+1 < len(row.hdr); i += 2 {
				hdr.Set(row.hdr[i], row.hdr[i+1])
			}
			var b []byte
			if row.method == "PUT" && !strings.Contains(row.target, "?") {
				b = body
			}
			r := a.send(t, a.rootHeader(t, row.method, row.target, hdr, b))
			a.expectRefusal(t, r, row.status, row.code)
		})
		if row.method == "GET" || len(row.hdr) == 0 || strings.Contains(row.target, "?") {
			continue
		}
		t.Run(row.name+"/presigned-hoisted", func(t *testing.T) {
			q := make([]string, 0, len(row.hdr)/2)
			for i := 0; i+1 < len(row.hdr); i += 2 {
				q = append(q, row.hdr[i]+"="+strings.NewReplacer(":", "%3A", "/", "%2F", `"`, "%22", "=", "%3D").Replace(row.hdr[i+1]))
			}
			u := a.presign(t, row.method, row.target+"?"+strings.Join(q, "&"), a.root(), time.Hour)
			var b []byte
			if row.method == "PUT" {
				b = body
			}
			r := a.send(t, advReq{method: row.method, target: u, header: http.Header{}, body: b})
			a.expectRefusal(t, r, row.status, row.code)
		})
	}
	a.intact(t)
	if r := a.send(t, a.rootHeader(t, http.MethodHead, "/locked", nil, nil)); r.status != 404 {
		t.Fatalf("the object-lock bucket was created: %s", r)
	}
}

// expectRefusal checks a refusal's status and code and that its message is
// not AWS's generic NotImplemented text, which names neither the feature
// nor the operation.
func (a *advEnv) expectRefusal(t *testing.T, r rawResp, status int, code string) {
	t.Helper()
	got, msg := errorCode(r.body)
	if r.status != status || got != code {
		t.Fatalf("want %d %s\n%s", status, code, r)
	}
	if code != "AccessDenied" && !strings.Contains(msg, "signet does not implement") {
		t.Fatalf("message does not name the feature: %q", msg)
	}
}
