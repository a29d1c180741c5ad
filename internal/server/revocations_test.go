package server

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/sigv4"
)

// A revocation is stored until the URL's own deadline and no longer:
// past it (on the injected clock) the prune deletes it from the engine,
// and the URL answers that it expired, as it would have anyway.
func TestRevocationGoesAtTheURLsDeadline(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	fake := clock.NewFake(t0)
	s, err := New(testConfig(t), quietLog(), fake)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, root := s.Handler(), s.Root()
	c := sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}
	presign := func(method, target string, expires time.Duration) string {
		u, err := sigv4.Presign(sigv4.PresignInput{Method: method, URL: "http://signet.test" + target, Credentials: c,
			Region: "us-east-1", Service: "s3", Time: fake.Now(), Expires: expires, Mode: sigv4.S3})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	serve := func(method, u, body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, u, strings.NewReader(body)))
		return rec
	}
	if rec := serve("PUT", presign("PUT", "/bucket", time.Hour), ""); rec.Code != 200 {
		t.Fatalf("CreateBucket: %d %s", rec.Code, rec.Body)
	}
	if rec := serve("PUT", presign("PUT", "/bucket/k", time.Hour), "data"); rec.Code != 200 {
		t.Fatalf("PutObject: %d %s", rec.Code, rec.Body)
	}
	u := presign("GET", "/bucket/k", 2*time.Hour)
	ctx := context.Background()
	entries, err := s.revocations.RevokeURL(ctx, adminwire.ExplainRequest{URL: u}, "test", "arn:aws:iam::000000000000:root")
	if err != nil {
		t.Fatal(err)
	}
	if !entries[0].Until.Equal(t0.Add(2*time.Hour)) || entries[0].Method != "GET" {
		t.Fatalf("stored %+v: want GET until the URL's deadline", entries[0])
	}
	if rec := serve("GET", u, ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "This presigned URL has been revoked.") {
		t.Fatalf("the revoked URL: %d %s", rec.Code, rec.Body)
	}
	store := s.meta.(meta.URLRevocationStore)
	stored := func() int {
		all, err := store.ListURLRevocations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}
	fake.Advance(2*time.Hour - time.Second)
	if n, err := s.revocations.Prune(ctx); n != 0 || err != nil || stored() != len(entries) {
		t.Fatalf("a second before the deadline: pruned %d (%v), %d stored", n, err, stored())
	}
	fake.Advance(time.Second)
	if n, err := s.revocations.Prune(ctx); n != len(entries) || err != nil || stored() != 0 || s.denylist.Len() != 0 {
		t.Fatalf("at the deadline: pruned %d (%v), %d stored, %d in memory", n, err, stored(), s.denylist.Len())
	}
	if rec := serve("GET", u, ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "Request has expired") {
		t.Fatalf("past its deadline the URL: %d %s", rec.Code, rec.Body)
	}
}
