package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/sigv4"
)

// Adversarial section: lifecycle rules. A lifecycle configuration deletes
// data on its own, later, with nobody watching, so a hostile body must
// change nothing, only a caller allowed s3:PutLifecycleConfiguration may
// set or remove one, and the sweeper must delete exactly what the rules
// select: not another bucket's keys, not a key written again since, not a
// bucket created again under the name.

const lcEverything = `<LifecycleConfiguration><Rule><ID>all</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`

func newLifecycleAdv(t *testing.T) *advEnv {
	t.Helper()
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	a := &advEnv{testEnv: e, host: strings.TrimPrefix(e.ts.URL, "http://")}
	for _, b := range []string{"lca", "lcb"} {
		a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/"+b, nil, nil), 200)
	}
	return a
}

// putLifecycleAs sends PutBucketLifecycleConfiguration signed by c, with
// a correct Content-MD5 unless hdr gives one.
func (a *advEnv) putLifecycleAs(t *testing.T, c sigv4.Credentials, bucket string, body []byte, hdr http.Header) rawResp {
	t.Helper()
	h := http.Header{"Content-Md5": {md5Base64(body)}}
	for k, v := range hdr {
		h[k] = v
	}
	return a.send(t, a.signedHeaderReq(t, http.MethodPut, "/"+bucket+"?lifecycle", c, h, body, "", a.fake.Now()))
}

func (a *advEnv) lifecycleDoc(t *testing.T, bucket string) rawResp {
	t.Helper()
	return a.send(t, a.rootHeader(t, http.MethodGet, "/"+bucket+"?lifecycle", nil, nil))
}

func (a *advEnv) sweepNow(t *testing.T) {
	t.Helper()
	if _, err := a.adminAs(a.root()).SweepLifecycle(t.Context()); err != nil {
		t.Fatalf("SweepLifecycle: %v", err)
	}
}

// Hostile bodies are refused with S3's error and leave the configuration
// in place.
func TestAdversarialLifecycleBodies(t *testing.T) {
	a := newLifecycleAdv(t)
	wantStatus(t, a.putLifecycleAs(t, a.root(), "lca", []byte(lcEverything), nil), 200)
	before := a.lifecycleDoc(t, "lca")
	if before.status != 200 {
		t.Fatalf("GET after PUT:\n%s", before)
	}
	rule := `<Rule><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`
	for _, tc := range []struct {
		name   string
		body   string
		hdr    http.Header
		status int
		code   string
	}{
		{"external entity", `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><LifecycleConfiguration><Rule><ID>&x;</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`, nil, 400, "MalformedXML"},
		{"entity expansion", `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><LifecycleConfiguration><Rule><ID>&b;</ID><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`, nil, 400, "MalformedXML"},
		{"deep nesting", `<LifecycleConfiguration>` + strings.Repeat("<Rule>", 5000) + strings.Repeat("</Rule>", 5000) + `</LifecycleConfiguration>`, nil, 400, "MalformedXML"},
		{"1001 rules", `<LifecycleConfiguration>` + strings.Repeat(rule, 1001) + `</LifecycleConfiguration>`, nil, 400, "MalformedXML"},
		{"over a mebibyte", `<LifecycleConfiguration>` + strings.Repeat(" ", 1<<20) + rule + `</LifecycleConfiguration>`, nil, 400, "MaxMessageLengthExceeded"},
		{"Content-MD5 of another body", lcEverything, http.Header{"Content-Md5": {md5Base64([]byte("other"))}}, 400, "BadDigest"},
		{"trailing garbage", lcEverything + "<x>", nil, 400, "MalformedXML"},
		{"rule with a negative day count", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>-1</Days></Expiration></Rule></LifecycleConfiguration>`, nil, 400, "InvalidArgument"},
		{"day count past int32", `<LifecycleConfiguration><Rule><Filter/><Status>Enabled</Status><Expiration><Days>99999999999</Days></Expiration></Rule></LifecycleConfiguration>`, nil, 400, "MalformedXML"},
		{"transition minimum size", lcEverything, http.Header{"X-Amz-Transition-Default-Minimum-Object-Size": {"varies_by_storage_class"}}, 501, "NotImplemented"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := a.putLifecycleAs(t, a.root(), "lca", []byte(tc.body), tc.hdr)
			if code, _ := errorCode(r.body); r.status != tc.status || code != tc.code {
				t.Fatalf("want %d %s\n%s", tc.status, tc.code, r)
			}
			if after := a.lifecycleDoc(t, "lca"); after.status != 200 || !bytes.Equal(after.body, before.body) {
				t.Fatalf("the configuration changed:\n%s\nwas\n%s", after, before)
			}
		})
	}
}

// Only s3:PutLifecycleConfiguration sets or removes a configuration (AWS
// has no delete action of its own); s3:GetLifecycleConfiguration reads
// it; an anonymous caller does neither.
func TestAdversarialLifecycleAuthorisation(t *testing.T) {
	a := newLifecycleAdv(t)
	reader := a.newUser(t, "reader", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetLifecycleConfiguration","Resource":"*"}]}`)
	writer := a.newUser(t, "writer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutLifecycleConfiguration","Resource":"arn:aws:s3:::lca"}]}`)
	wantStatus(t, a.putLifecycleAs(t, a.root(), "lca", []byte(lcEverything), nil), 200)

	for _, tc := range []struct {
		name   string
		r      func() rawResp
		status int
	}{
		{"reader puts", func() rawResp { return a.putLifecycleAs(t, reader, "lca", []byte(lcEverything), nil) }, 403},
		{"reader deletes", func() rawResp {
			return a.send(t, a.signedHeaderReq(t, http.MethodDelete, "/lca?lifecycle", reader, nil, nil, "", a.fake.Now()))
		}, 403},
		{"reader reads", func() rawResp {
			return a.send(t, a.signedHeaderReq(t, http.MethodGet, "/lca?lifecycle", reader, nil, nil, "", a.fake.Now()))
		}, 200},
		{"writer reads", func() rawResp {
			return a.send(t, a.signedHeaderReq(t, http.MethodGet, "/lca?lifecycle", writer, nil, nil, "", a.fake.Now()))
		}, 403},
		{"writer puts on another bucket", func() rawResp { return a.putLifecycleAs(t, writer, "lcb", []byte(lcEverything), nil) }, 403},
		{"anonymous puts", func() rawResp {
			return a.send(t, advReq{method: http.MethodPut, target: "/lca?lifecycle", header: http.Header{"Content-Md5": {md5Base64([]byte(lcEverything))}}, body: []byte(lcEverything)})
		}, 403},
		{"anonymous deletes", func() rawResp { return a.send(t, advReq{method: http.MethodDelete, target: "/lca?lifecycle"}) }, 403},
		{"writer deletes", func() rawResp {
			return a.send(t, a.signedHeaderReq(t, http.MethodDelete, "/lca?lifecycle", writer, nil, nil, "", a.fake.Now()))
		}, 204},
	} {
		r := tc.r()
		if r.status != tc.status {
			t.Errorf("%s: want %d\n%s", tc.name, tc.status, r)
		}
	}
	if code, _ := errorCode(a.lifecycleDoc(t, "lca").body); code != "NoSuchLifecycleConfiguration" {
		t.Errorf("after the writer's delete: %s", code)
	}
	// Only the admin API's callers may run a sweep on demand.
	if _, err := a.adminAs(reader).SweepLifecycle(t.Context()); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("reader ran a sweep: %v", err)
	}
}

// The sweeper deletes what the rules select and nothing else: the other
// bucket's identical keys stay, a key written again since keeps its new
// life, keys that only look like the prefix stay, and a bucket deleted and
// created again under the name starts with no rules.
func TestAdversarialLifecycleSweepScope(t *testing.T) {
	a := newLifecycleAdv(t)
	put := func(bucket, key string) {
		t.Helper()
		a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/"+bucket+"/"+key, nil, []byte("v")), 200)
	}
	get := func(bucket, key string) int {
		t.Helper()
		return a.send(t, a.rootHeader(t, http.MethodGet, "/"+bucket+"/"+key, nil, nil)).status
	}
	for _, k := range []string{"logs/a", "logs/..%2Fx", "logsX", "Logs/a"} {
		put("lca", k)
		put("lcb", k)
	}
	put("lca", "logs/again")
	logs := []byte(`<LifecycleConfiguration><Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`)
	wantStatus(t, a.putLifecycleAs(t, a.root(), "lca", logs, nil), 200)

	// t0 is 10:00; Days 1 rounds up to midnight two days on. Just before,
	// logs/again is written again: its life starts over.
	due := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	a.fake.Set(due.Add(-time.Second))
	put("lca", "logs/again")
	a.fake.Set(due)
	a.sweepNow(t)
	for _, tc := range []struct {
		bucket, key string
		status      int
	}{
		{"lca", "logs/a", 404}, {"lca", "logs/..%2Fx", 404},
		{"lca", "logsX", 200}, {"lca", "Logs/a", 200}, {"lca", "logs/again", 200},
		{"lcb", "logs/a", 200}, {"lcb", "logs/..%2Fx", 200}, {"lcb", "logsX", 200}, {"lcb", "Logs/a", 200},
	} {
		if got := get(tc.bucket, tc.key); got != tc.status {
			t.Errorf("GET %s/%s after the sweep = %d, want %d", tc.bucket, tc.key, got, tc.status)
		}
	}

	// The rules go with their bucket.
	for _, k := range []string{"logsX", "Logs/a", "logs/again"} {
		a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/lca/"+k, nil, nil), 204)
	}
	a.mustStatus(t, a.rootHeader(t, http.MethodDelete, "/lca", nil, nil), 204)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/lca", nil, nil), 200)
	if code, _ := errorCode(a.lifecycleDoc(t, "lca").body); code != "NoSuchLifecycleConfiguration" {
		t.Errorf("re-created bucket's configuration: %s", code)
	}
	put("lca", "logs/new")
	a.fake.Set(due.Add(30 * 24 * time.Hour))
	a.sweepNow(t)
	if got := get("lca", "logs/new"); got != 200 {
		t.Errorf("a re-created bucket's object was swept: %d", got)
	}
}

// wantStatus fails the test unless r has status.
func wantStatus(t *testing.T, r rawResp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("want %d\n%s", status, r)
	}
}
