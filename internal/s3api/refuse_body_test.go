package s3api

import (
	"encoding/xml"
	"strings"
	"testing"
)

// multiDeleteResult decodes a DeleteResult, with the VersionId AWS puts in
// each entry.
type multiDeleteResult struct {
	Deleted []struct{ Key, VersionId string }
	Error   []struct{ Key, VersionId, Code, Message string }
}

func decodeDeleteResult(t *testing.T, body string) multiDeleteResult {
	t.Helper()
	var out multiDeleteResult
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("DeleteResult %q: %v", body, err)
	}
	return out
}

// TestDeleteObjectsRefusesVersionsAndConditions pins finding 9 for the
// body of DeleteObjects: a <VersionId> other than "null" names a version
// that cannot exist in an unversioned bucket, and <ETag>,
// <LastModifiedTime> and <Size> make the delete conditional. Each such
// key gets its own <Error> (InvalidArgument, as DeleteObject's versionId
// does, or NotImplemented), naming the feature and the operation, and is
// not deleted; the other keys of the request are deleted as usual.
func TestDeleteObjectsRefusesVersionsAndConditions(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	for _, k := range []string{"versioned", "etag", "mtime", "size", "null", "plain"} {
		e.put("bkt", k, "v")
	}
	body := `<Delete>
<Object><Key>versioned</Key><VersionId>3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY</VersionId></Object>
<Object><Key>etag</Key><ETag>"wrong"</ETag></Object>
<Object><Key>mtime</Key><LastModifiedTime>2001-01-01T00:00:00Z</LastModifiedTime></Object>
<Object><Key>size</Key><Size>99</Size></Object>
<Object><Key>null</Key><VersionId>null</VersionId></Object>
<Object><Key>plain</Key></Object>
</Delete>`
	w := e.mustDo(200, "POST", "/bkt?delete", body)
	got := decodeDeleteResult(t, w.Body.String())
	want := map[string]struct{ code, version, feature, element string }{
		// AWS's own answer: a bucket never versioned holds only null.
		"versioned": {"InvalidArgument", "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "", ""},
		"etag":      {"NotImplemented", "", "conditional deletes", "ETag"},
		"mtime":     {"NotImplemented", "", "conditional deletes", "LastModifiedTime"},
		"size":      {"NotImplemented", "", "conditional deletes", "Size"},
	}
	if len(got.Error) != len(want) {
		t.Fatalf("want %d errors, got %s", len(want), w.Body)
	}
	for _, er := range got.Error {
		wk, ok := want[er.Key]
		if !ok || er.Code != wk.code || er.VersionId != wk.version {
			t.Errorf("error entry %+v, want %+v", er, wk)
			continue
		}
		if wk.feature == "" {
			if er.Message != "Invalid version id specified" {
				t.Errorf("%s: message %q", er.Key, er.Message)
			}
			continue
		}
		for _, s := range []string{"signet does not implement " + wk.feature, wk.element, "DeleteObjects"} {
			if !strings.Contains(er.Message, s) {
				t.Errorf("%s: message %q lacks %q", er.Key, er.Message, s)
			}
		}
	}
	if len(got.Deleted) != 2 || got.Deleted[0].Key != "null" || got.Deleted[1].Key != "plain" {
		t.Errorf("deleted %+v, want null and plain", got.Deleted)
	}
	for k := range want {
		if w := e.do("GET", "/bkt/"+k, nil); w.Code != 200 || w.Body.String() != "v" {
			t.Errorf("%s was deleted by a refused entry: %d", k, w.Code)
		}
	}
	for _, k := range []string{"null", "plain"} {
		if w := e.do("HEAD", "/bkt/"+k, nil); w.Code != 404 {
			t.Errorf("%s survived its delete: %d", k, w.Code)
		}
	}
}

// TestDeleteObjectsUnknownElement: an element outside DeleteObjects'
// schema is MalformedXML, as AWS validates the body, not dropped.
func TestDeleteObjectsUnknownElement(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	for _, body := range []string{
		`<Delete><Object><Key>k</Key><Retain>yes</Retain></Object></Delete>`,
		`<Delete><Object><Key>k</Key></Object><BypassGovernance>true</BypassGovernance></Delete>`,
	} {
		expectErr(t, e.do("POST", "/bkt?delete", strings.NewReader(body)), 400, "MalformedXML")
	}
	e.mustDo(200, "GET", "/bkt/k", "")
}

// TestCreateBucketRefusesConfiguration pins finding 9 for the body of
// CreateBucket: only LocationConstraint is implemented. Location and
// Bucket select a directory bucket, Tags tags the new bucket: each is
// 501 NotImplemented naming the feature and the operation, and no bucket
// is created. Any other element is outside the schema: MalformedXML.
func TestCreateBucketRefusesConfiguration(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, body, code string
		msg              []string
	}{
		{"directory bucket location", `<CreateBucketConfiguration><Location><Name>usw2-az1</Name><Type>AvailabilityZone</Type></Location><Bucket><DataRedundancy>SingleAvailabilityZone</DataRedundancy><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
			"NotImplemented", []string{"directory buckets", "Location", "CreateBucket"}},
		{"directory bucket info", `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>us-east-1</LocationConstraint><Bucket><Type>Directory</Type></Bucket></CreateBucketConfiguration>`,
			"NotImplemented", []string{"directory buckets", "Bucket", "CreateBucket"}},
		{"tags", `<CreateBucketConfiguration><Tags><Tag><Key>team</Key><Value>blue</Value></Tag></Tags></CreateBucketConfiguration>`,
			"NotImplemented", []string{"bucket tags", "Tags", "CreateBucket"}},
		{"unknown element", `<CreateBucketConfiguration><ObjectLockEnabled>true</ObjectLockEnabled></CreateBucketConfiguration>`,
			"MalformedXML", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := e.do("PUT", "/newbkt", strings.NewReader(c.body))
			status := 501
			if c.code == "MalformedXML" {
				status = 400
			}
			body := expectErr(t, w, status, c.code)
			for _, s := range c.msg {
				if !strings.Contains(body.Message, s) {
					t.Errorf("message %q lacks %q", body.Message, s)
				}
			}
			if w := e.do("HEAD", "/newbkt", nil); w.Code != 404 {
				t.Fatalf("the bucket was created: %d", w.Code)
			}
		})
	}
	e.mustDo(200, "PUT", "/newbkt", `<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>`)
}

// TestMFADeleteRefused pins finding 9 for x-amz-mfa: signet has no MFA
// delete, so the header on DeleteObject and DeleteObjects is refused with
// 501 NotImplemented naming MFA delete, and nothing is deleted.
func TestMFADeleteRefused(t *testing.T) {
	e := newEnv(t)
	e.bucket("bkt")
	e.put("bkt", "k", "v")
	const mfa = "arn:aws:iam::123456789012:mfa/root-account-mfa-device 123456"
	for _, c := range []struct{ method, target, body, op string }{
		{"DELETE", "/bkt/k", "", "DeleteObject"},
		{"POST", "/bkt?delete", `<Delete><Object><Key>k</Key></Object></Delete>`, "DeleteObjects"},
	} {
		body := expectErr(t, e.do(c.method, c.target, strings.NewReader(c.body), "x-amz-mfa", mfa), 501, "NotImplemented")
		for _, s := range []string{"MFA delete", "x-amz-mfa", c.op} {
			if !strings.Contains(body.Message, s) {
				t.Errorf("%s: message %q lacks %q", c.op, body.Message, s)
			}
		}
		if strings.Contains(body.Message, "123456") {
			t.Errorf("%s: message echoes the MFA code: %q", c.op, body.Message)
		}
	}
	if w := e.mustDo(200, "GET", "/bkt/k", ""); w.Body.String() != "v" {
		t.Fatalf("k = %q", w.Body.String())
	}
}
