package server_test

// The adversarial section for finding 9: a request that selects a feature
// signet does not implement is refused with AWS's error for it, whichever
// way it is signed (headers, or a presigned URL whose presigner hoisted
// the header into the query string), and leaves nothing behind.

import (
	"encoding/xml"
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
		// SSE-C is implemented on the object reads and writes
		// (adversarial_ssec_test.go), not on deletes; SSE-KMS is
		// refused in adversarial_sse_test.go.
		{"SSE-C on a delete", "DELETE", "/adv/ssec", []string{"x-amz-server-side-encryption-customer-algorithm", "AES256"}, 501, "NotImplemented"},
		{"website redirect", "PUT", "/adv/obj", []string{"x-amz-website-redirect-location", "https://evil.example/"}, 501, "NotImplemented"},
		{"archive class", "PUT", "/adv/obj", []string{"x-amz-storage-class", "DEEP_ARCHIVE"}, 501, "NotImplemented"},
		{"conditional delete", "DELETE", "/adv/obj", []string{"If-Match", `"nope"`}, 501, "NotImplemented"},
		// The tags and ACL of a version are served (adversarial_versions_test.go);
		// a write naming a version is not.
		{"overwrite of a version", "PUT", "/adv/obj?versionId=111", nil, 400, "InvalidArgument"},
		{"MFA delete", "DELETE", "/adv/obj", []string{"x-amz-mfa", "arn:aws:iam::000000000000:mfa/root 123456"}, 501, "NotImplemented"},
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
				q = append(q, row.hdr[i]+"="+strings.NewReplacer(":", "%3A", "/", "%2F", `"`, "%22", "=", "%3D", " ", "%20").Replace(row.hdr[i+1]))
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

// TestAdversarialRefusedBodies: what a request body or an STS parameter
// selects is refused too. A DeleteObjects entry naming a version the
// bucket cannot hold (AWS's InvalidArgument) or a condition fails that
// key and never deletes the current object; a
// CreateBucket configuration for a directory bucket or with tags creates
// nothing; an MFA code sent to STS, which has no MFA devices and so cannot
// check it, issues no session.
func TestAdversarialRefusedBodies(t *testing.T) {
	a := newAdvEnv(t)
	del := []byte(`<Delete><Object><Key>obj</Key><VersionId>3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY</VersionId></Object>` +
		`<Object><Key>other</Key><ETag>"0123456789abcdef0123456789abcdef"</ETag></Object></Delete>`)
	for _, c := range []struct {
		name string
		req  advReq
	}{
		{"header-signed", a.rootHeader(t, http.MethodPost, "/adv?delete", nil, del)},
		{"presigned", advReq{method: http.MethodPost, target: a.presign(t, http.MethodPost, "/adv?delete", a.root(), time.Hour), header: http.Header{}, body: del}},
	} {
		r := a.mustStatus(t, c.req, 200)
		var res struct {
			Deleted []struct{ Key string }
			Error   []struct{ Key, Code, Message string }
		}
		if err := xml.Unmarshal(r.body, &res); err != nil || len(res.Deleted) != 0 || len(res.Error) != 2 ||
			res.Error[0].Code != "InvalidArgument" || res.Error[1].Code != "NotImplemented" ||
			res.Error[0].Message != "Invalid version id specified" ||
			!strings.Contains(res.Error[1].Message, "signet does not implement conditional deletes") {
			t.Fatalf("%s DeleteObjects with a version and a condition: %v\n%s", c.name, err, r)
		}
	}
	for _, body := range []string{
		`<CreateBucketConfiguration><Location><Name>use1-az4</Name><Type>AvailabilityZone</Type></Location><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
		`<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint><Tags><Tag><Key>k</Key><Value>v</Value></Tag></Tags><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
	} {
		r := a.send(t, a.rootHeader(t, http.MethodPut, "/dirbucket", nil, []byte(body)))
		a.expectRefusal(t, r, 501, "NotImplemented")
		if r := a.send(t, a.rootHeader(t, http.MethodHead, "/dirbucket", nil, nil)); r.status != 404 {
			t.Fatalf("the bucket was created: %s", r)
		}
	}
	for _, kv := range [][]string{
		{"Action", "AssumeRole", "RoleArn", a.workerARN, "RoleSessionName", "mfa", "SerialNumber", "arn:aws:iam::000000000000:mfa/alice", "TokenCode", "000000"},
		{"Action", "GetSessionToken", "SerialNumber", "arn:aws:iam::000000000000:mfa/alice", "TokenCode", "000000"},
	} {
		msg := a.queryErr(t, "sts", a.alice, 400, "InvalidParameterValue", kv...)
		if !strings.Contains(msg, "signet does not implement MFA devices") {
			t.Fatalf("%s with an MFA code: %q", kv[1], msg)
		}
	}
	a.intact(t)
}
