package s3api

import (
	"encoding/xml"
	"testing"
)

// FuzzAccountPublicAccessBlock sends arbitrary bodies to S3 Control's
// PutPublicAccessBlock: a body is either stored (200, and GET then answers
// exactly what parsePublicAccessBlock read from it) or refused with a 400
// in S3 Control's envelope, leaving the stored configuration as it was.
func FuzzAccountPublicAccessBlock(f *testing.F) {
	for _, s := range []string{
		controlBody,
		`<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration/>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls> true </BlockPublicAcls></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls>TRUE</BlockPublicAcls></PublicAccessBlockConfiguration>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls>true`,
		`<?xml version="1.0"?><!DOCTYPE d [<!ENTITY t "true">]><PublicAccessBlockConfiguration><BlockPublicAcls>&t;</BlockPublicAcls></PublicAccessBlockConfiguration>`,
		`<Other><BlockPublicAcls>true</BlockPublicAcls></Other>`,
		"",
	} {
		f.Add(s)
	}
	e := newEnv(f, withAccount)
	f.Fuzz(func(t *testing.T, body string) {
		e.t = t // iterations run one at a time in each worker
		before, err := e.meta.AccountPublicAccessBlock(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		w := e.controlDo("PUT", testAccount, body)
		after, err := e.meta.AccountPublicAccessBlock(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		switch w.Code {
		case 200:
			want, perr := parsePublicAccessBlock([]byte(body))
			if perr != nil || after == nil || *after != *want {
				t.Fatalf("stored %+v for a body parsed as %+v, %v", after, want, perr)
			}
			g := e.controlDo("GET", testAccount, "")
			var got publicAccessBlockXML
			if g.Code != 200 || xml.Unmarshal(g.Body.Bytes(), &got) != nil || got.NS != controlNS ||
				got.BlockPublicAcls != boolText(want.BlockPublicAcls) || got.IgnorePublicAcls != boolText(want.IgnorePublicAcls) ||
				got.BlockPublicPolicy != boolText(want.BlockPublicPolicy) || got.RestrictPublicBuckets != boolText(want.RestrictPublicBuckets) {
				t.Fatalf("GET after PUT: %d %s; want %+v", g.Code, g.Body.String(), want)
			}
		case 400:
			var env controlErr
			if err := xml.Unmarshal(w.Body.Bytes(), &env); err != nil || env.Error.Code == "" {
				t.Fatalf("400 without S3 Control's envelope: %s", w.Body.String())
			}
			if (before == nil) != (after == nil) || (before != nil && *before != *after) {
				t.Fatalf("a refused body changed the configuration from %+v to %+v", before, after)
			}
		default:
			t.Fatalf("status %d: %s", w.Code, w.Body.String())
		}
	})
}
