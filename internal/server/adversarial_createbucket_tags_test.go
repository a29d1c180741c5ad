package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// Adversarial section: tags in a CreateBucket body. Tagging a bucket as it
// is created needs s3:TagResource besides s3:CreateBucket, so a caller
// allowed only to create buckets cannot label one; and a hostile Tags body
// creates no bucket at all.
func TestAdversarialCreateBucketTags(t *testing.T) {
	a := newAdvEnv(t)
	const allowCreate = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:CreateBucket","Resource":"*"}]}`
	const allowTagging = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:CreateBucket","s3:TagResource"],"Resource":"*"}]}`
	creator := a.newUser(t, "creator", allowCreate)
	tagger := a.newUser(t, "tagger", allowTagging)
	tagged := []byte(`<CreateBucketConfiguration><Tags><Tag><Key>cost-centre</Key><Value>42</Value></Tag></Tags></CreateBucketConfiguration>`)
	absent := func(bucket string) {
		t.Helper()
		if r := a.send(t, a.rootHeader(t, http.MethodHead, "/"+bucket, nil, nil)); r.status != 404 {
			t.Fatalf("bucket %s exists: %s", bucket, r)
		}
	}

	r := a.send(t, a.signedHeaderReq(t, http.MethodPut, "/labelled", creator, nil, tagged, "", a.fake.Now()))
	if code, _ := errorCode(r.body); r.status != 403 || code != "AccessDenied" {
		t.Fatalf("CreateBucket with tags without s3:TagResource: %s", r)
	}
	absent("labelled")
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodPut, "/unlabelled", creator, nil, nil, "", a.fake.Now()), 200)
	a.mustStatus(t, a.signedHeaderReq(t, http.MethodPut, "/labelled", tagger, nil, tagged, "", a.fake.Now()), 200)
	if got := a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/labelled?tagging", nil, nil), 200); !strings.Contains(string(got.body), "<Key>cost-centre</Key><Value>42</Value>") {
		t.Fatalf("the new bucket's tags: %s", got)
	}

	for name, c := range map[string]struct {
		body, code string
	}{
		"entity":        {`<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x "y">]><CreateBucketConfiguration><Tags><Tag><Key>&x;</Key><Value>v</Value></Tag></Tags></CreateBucketConfiguration>`, "MalformedXML"},
		"51 tags":       {"<CreateBucketConfiguration><Tags>" + strings.Repeat("<Tag><Key>k</Key><Value>v</Value></Tag>", 51) + "</Tags></CreateBucketConfiguration>", "BadRequest"},
		"nested":        {"<CreateBucketConfiguration><Tags><Tag>" + strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200) + "</Tag></Tags></CreateBucketConfiguration>", "MalformedXML"},
		"reserved key":  {`<CreateBucketConfiguration><Tags><Tag><Key>aws:createdBy</Key><Value>me</Value></Tag></Tags></CreateBucketConfiguration>`, "InvalidTag"},
		"key twice":     {`<CreateBucketConfiguration><Tags><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></Tags></CreateBucketConfiguration>`, "InvalidTag"},
		"tag sans key":  {`<CreateBucketConfiguration><Tags><Tag><Value>v</Value></Tag></Tags></CreateBucketConfiguration>`, "MalformedXML"},
		"extra element": {`<CreateBucketConfiguration><Tags><TagSet/></Tags></CreateBucketConfiguration>`, "MalformedXML"},
	} {
		r := a.send(t, a.rootHeader(t, http.MethodPut, "/hostile", nil, []byte(c.body)))
		if code, _ := errorCode(r.body); r.status != 400 || code != c.code {
			t.Errorf("%s: %s, want 400 %s", name, r, c.code)
		}
		absent("hostile")
	}
	a.intact(t)
}
