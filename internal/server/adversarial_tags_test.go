package server_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"signet/internal/cli"
	"signet/internal/clock"
)

// Adversarial section: tags. Tags are an authorisation input
// (s3:RequestObjectTag/, s3:ExistingObjectTag/), so a caller who can
// choose them, hide them or change them after signing must not get past a
// policy that reads them; and a hostile Tagging body is refused without
// changing anything.

// tagPolicy lets uploader put into tags/ only objects labelled
// project=x, and lets nobody read an object labelled secret.
func tagPolicy(uploaderARN string) string {
	return `{"Version":"2012-10-17","Statement":[
 {"Sid":"LabelledUploads","Effect":"Allow","Principal":{"AWS":"` + uploaderARN + `"},"Action":["s3:PutObject","s3:PutObjectTagging"],"Resource":"arn:aws:s3:::tags/*",
  "Condition":{"StringEquals":{"s3:RequestObjectTag/project":"x"}}},
 {"Sid":"NoSecrets","Effect":"Deny","Principal":"*","Action":["s3:GetObject","s3:GetObjectTagging"],"Resource":"arn:aws:s3:::tags/*",
  "Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"secret"}}}]}`
}

func md5Base64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// presignCLI runs `signet presign` as a user would, with the uploader's
// key in the environment, and returns the URL it prints.
func presignCLI(t *testing.T, e *testEnv, akid, secretKey string, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secretKey, "AWS_SESSION_TOKEN": "",
		"AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_REGION": region, "AWS_DEFAULT_REGION": "",
		"AWS_ENDPOINT_URL": "", "AWS_CA_BUNDLE": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	code := cli.Main(cli.Env{
		Ctx:   t.Context(),
		Args:  append([]string{"presign"}, append(args, "--endpoint-url", e.ts.URL, "--region", region)...),
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Now:    e.fake.Now,
	})
	if code != 0 {
		t.Fatalf("signet presign %v: exit %d\n%s", args, code, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func TestAdversarialTagsPresignedPutSignsTheTags(t *testing.T) {
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	a := &advEnv{testEnv: e, host: strings.TrimPrefix(e.ts.URL, "http://")}
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/tags", nil, nil), 200)
	// The uploader has no identity policy: only the bucket policy grants.
	up := a.newUser(t, "uploader", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`)
	var user struct {
		Result struct{ User struct{ Arn string } } `xml:"GetUserResult"`
	}
	a.okCall(t, "iam", a.root(), &user, "Action", "GetUser", "UserName", "uploader")
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/tags?policy", nil, []byte(tagPolicy(user.Result.User.Arn))), 204)

	labelled := http.Header{"X-Amz-Tagging": {"project=x"}}
	u := presignCLI(t, e, up.AccessKeyID, up.SecretAccessKey.Reveal(), "s3://tags/upload.bin", "--method", "PUT", "--header", "x-amz-tagging: project=x", "--expires-in", "1h")
	if !strings.Contains(u, "X-Amz-SignedHeaders=host%3Bx-amz-tagging") {
		t.Fatalf("the URL does not sign x-amz-tagging as a header: %s", u)
	}
	// The uploader may not change the label the URL was signed with, nor
	// leave it out, nor add a second one.
	wantErr(t, do(t, e.httpc, "PUT", u, http.Header{"X-Amz-Tagging": {"project=y"}}, []byte("data")), 403, "SignatureDoesNotMatch")
	wantErr(t, do(t, e.httpc, "PUT", u, nil, []byte("data")), 403, "SignatureDoesNotMatch")
	wantErr(t, do(t, e.httpc, "PUT", u+"&x-amz-tagging=project%3Dy", labelled, []byte("data")), 403, "SignatureDoesNotMatch")
	wantOK(t, do(t, e.httpc, "PUT", u, labelled, []byte("data")), 200, nil)
	r := a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/tags/upload.bin?tagging", nil, nil), 200)
	if !bytes.Contains(r.body, []byte("<Tag><Key>project</Key><Value>x</Value></Tag>")) {
		t.Errorf("stored tags: %s", r.body)
	}

	// A URL signed with another label, or none, is refused by the policy.
	other := presignCLI(t, e, up.AccessKeyID, up.SecretAccessKey.Reveal(), "s3://tags/other.bin", "--method", "PUT", "--header", "x-amz-tagging: project=y")
	wantErr(t, do(t, e.httpc, "PUT", other, http.Header{"X-Amz-Tagging": {"project=y"}}, []byte("data")), 403, "AccessDenied")
	bare := presignCLI(t, e, up.AccessKeyID, up.SecretAccessKey.Reveal(), "s3://tags/bare.bin", "--method", "PUT")
	wantErr(t, do(t, e.httpc, "PUT", bare, nil, []byte("data")), 403, "AccessDenied")
	// An unsigned x-amz-tagging header on a host-only URL is refused as
	// unsigned, never read as the label.
	wantErr(t, do(t, e.httpc, "PUT", bare, labelled, []byte("data")), 403, "AccessDenied")
	for _, k := range []string{"other.bin", "bare.bin"} {
		a.mustStatus(t, a.rootHeader(t, http.MethodHead, "/tags/"+k, nil, nil), 404)
	}

	// s3:ExistingObjectTag/: once root labels the object secret, even
	// root's reads fall to the bucket policy's Deny; unlabelled, it reads.
	secret := []byte(`<Tagging><TagSet><Tag><Key>classification</Key><Value>secret</Value></Tag></TagSet></Tagging>`)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/tags/upload.bin?tagging", http.Header{"Content-Md5": {md5Base64(secret)}}, secret), 200)
	reader := a.newUser(t, "reader", sAllowAll)
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/tags/upload.bin", reader, nil, nil, "", a.fake.Now()), 403)
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/tags/upload.bin?tagging", reader, nil, nil, "", a.fake.Now()), 403)
	a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/tags/upload.bin?tagging", nil, nil), 204)
	got := a.mustStatus(t, a.signedHeaderReq(t, http.MethodGet, "/tags/upload.bin", reader, nil, nil, "", a.fake.Now()), 200)
	if string(got.body) != "data" {
		t.Errorf("GET after the label was removed: %q", got.body)
	}
}

// TestAdversarialTagsHostileBodies: Tagging bodies built to hurt are
// refused with S3's codes and leave the object's tags as they were.
func TestAdversarialTagsHostileBodies(t *testing.T) {
	a := newAdvEnv(t)
	before := []byte(`<Tagging><TagSet><Tag><Key>keep</Key><Value>me</Value></Tag></TagSet></Tagging>`)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/adv/obj?tagging", http.Header{"Content-Md5": {md5Base64(before)}}, before), 200)
	many := "<Tagging><TagSet>" + strings.Repeat("<Tag><Key>k</Key><Value>v</Value></Tag>", 1000) + "</TagSet></Tagging>"
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"entity expansion", `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Tagging><TagSet><Tag><Key>&b;</Key><Value>v</Value></Tag></TagSet></Tagging>`, 400, "MalformedXML"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>`, 400, "MalformedXML"},
		{"deep nesting", "<Tagging>" + strings.Repeat("<TagSet>", 2000) + strings.Repeat("</TagSet>", 2000) + "</Tagging>", 400, "MalformedXML"},
		// More tags than the reader takes is still a count S3 names.
		{"a thousand tags", many, 400, "BadRequest"},
		{"over the size limit", "<Tagging><TagSet><Tag><Key>k</Key><Value>" + strings.Repeat("v", 70<<10) + "</Value></Tag></TagSet></Tagging>", 400, "MaxMessageLengthExceeded"},
		{"eleven tags", "<Tagging><TagSet>" + func() string {
			var b strings.Builder
			for i := range 11 {
				b.WriteString("<Tag><Key>k" + string(rune('a'+i)) + "</Key><Value>v</Value></Tag>")
			}
			return b.String()
		}() + "</TagSet></Tagging>", 400, "BadRequest"},
		{"reserved prefix", `<Tagging><TagSet><Tag><Key>aws:createdBy</Key><Value>me</Value></Tag></TagSet></Tagging>`, 400, "InvalidTag"},
		{"control character", "<Tagging><TagSet><Tag><Key>a&#9;b</Key><Value>v</Value></Tag></TagSet></Tagging>", 400, "InvalidTag"},
	} {
		t.Run(c.name, func(t *testing.T) {
			body := []byte(c.body)
			r := a.send(t, a.rootHeader(t, http.MethodPut, "/adv/obj?tagging", http.Header{"Content-Md5": {md5Base64(body)}}, body))
			if code, _ := errorCode(r.body); r.status != c.status || code != c.code {
				t.Fatalf("want %d %s\n%s", c.status, c.code, r)
			}
			got := a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/adv/obj?tagging", nil, nil), 200)
			var doc struct {
				Tags []struct{ Key, Value string } `xml:"TagSet>Tag"`
			}
			if err := xml.Unmarshal(got.body, &doc); err != nil || len(doc.Tags) != 1 || doc.Tags[0].Key != "keep" {
				t.Fatalf("tags changed by a refused body: %v %s", err, got.body)
			}
		})
	}
	// A Tagging body signed for one object cannot be replayed at another:
	// the signature covers the path.
	ok := a.rootHeader(t, http.MethodPut, "/adv/obj?tagging", http.Header{"Content-Md5": {md5Base64(before)}}, before)
	ok.target = "/adv/other?tagging"
	if r := a.send(t, ok); r.status != 403 {
		t.Errorf("replayed at another key: %s", r)
	}
	a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/adv/obj?tagging", nil, nil), 204)
	// A system tag on an overwrite, in the header or hoisted into a
	// presigned URL, is refused and leaves the object as it was.
	r := a.send(t, a.rootHeader(t, http.MethodPut, "/adv/obj", http.Header{"X-Amz-Tagging": {"aws:createdBy=mallory"}}, []byte("overwritten")))
	if code, _ := errorCode(r.body); r.status != 400 || code != "InvalidTag" {
		t.Errorf("system tag in the header: %s", r)
	}
	u := a.presign(t, http.MethodPut, "/adv/obj?x-amz-tagging=aws%3AcreatedBy%3Dmallory", a.root(), time.Hour)
	r = a.send(t, advReq{method: http.MethodPut, target: u, header: http.Header{}, body: []byte("overwritten")})
	if code, _ := errorCode(r.body); r.status != 400 || code != "InvalidTag" {
		t.Errorf("system tag hoisted into the query: %s", r)
	}
	a.intact(t)
}
