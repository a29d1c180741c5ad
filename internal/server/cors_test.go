package server_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"signet/internal/clock"
)

// The real SDK configures a bucket's CORS (with the integrity checksum it
// chooses), reads it back and deletes it; a browser's preflight of
// a presigned PUT is answered without a signature, and the dead link's
// error carries the CORS headers, so the page can read why it failed.
func TestCORSThroughTheServer(t *testing.T) {
	fake := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	e := startServer(t, false, fake)
	ctx := context.Background()
	c := e.sdk(t)
	const bucket, page = "browser", "https://page.example"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	rules := &types.CORSConfiguration{CORSRules: []types.CORSRule{{
		ID:             aws.String("page"),
		AllowedOrigins: []string{page},
		AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"content-type"},
		ExposeHeaders:  []string{"ETag"},
		MaxAgeSeconds:  aws.Int32(300),
	}}}
	must[*s3.PutBucketCorsOutput](t, "PutBucketCors")(c.PutBucketCors(ctx, &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: rules}))
	got := must[*s3.GetBucketCorsOutput](t, "GetBucketCors")(c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)}))
	if len(got.CORSRules) != 1 || aws.ToString(got.CORSRules[0].ID) != "page" || aws.ToInt32(got.CORSRules[0].MaxAgeSeconds) != 300 ||
		len(got.CORSRules[0].AllowedMethods) != 2 || got.CORSRules[0].ExposeHeaders[0] != "ETag" {
		t.Fatalf("GetBucketCors = %+v", got.CORSRules)
	}

	pc := s3.NewPresignClient(c)
	put := must[*v4.PresignedHTTPRequest](t, "PresignPutObject")(pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("up.txt")}, s3.WithPresignExpires(time.Minute)))
	// The SDK signs by the wall clock, which may have reached the next
	// second since the fake clock was set: judge from the signing time.
	pu, err := url.Parse(put.URL)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := time.Parse("20060102T150405Z", pu.Query().Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	fake.Set(signed)
	pre := do(t, e.httpc, "OPTIONS", put.URL, http.Header{
		"Origin": {page}, "Access-Control-Request-Method": {"PUT"}, "Access-Control-Request-Headers": {"content-type"},
	}, nil)
	if pre.status != 200 || pre.header.Get("Access-Control-Allow-Origin") != page || pre.header.Get("Access-Control-Allow-Headers") != "content-type" ||
		pre.header.Get("Access-Control-Max-Age") != "300" {
		t.Fatalf("preflight of a presigned PUT:\n%s\n%v", pre, pre.header)
	}
	r := do(t, e.httpc, "PUT", put.URL, http.Header{"Origin": {page}}, []byte("hello"))
	if r.status != 200 || r.header.Get("Access-Control-Expose-Headers") != "ETag" || r.header.Get("Access-Control-Allow-Origin") != page {
		t.Fatalf("presigned PUT from the page:\n%s\n%v", r, r.header)
	}
	fake.Advance(time.Minute)
	r = do(t, e.httpc, "PUT", put.URL, http.Header{"Origin": {page}}, []byte("late"))
	if er := wantErr(t, r, 403, "AccessDenied"); er.Message != "Request has expired" {
		t.Errorf("expired: %q", er.Message)
	}
	if r.header.Get("Access-Control-Allow-Origin") != page || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("the expired URL's error lacks the CORS headers: %v", r.header)
	}
	// Another origin learns nothing it may read.
	r = do(t, e.httpc, "PUT", put.URL, http.Header{"Origin": {"https://evil.example"}}, []byte("late"))
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin got %v", r.header)
	}

	must[*s3.DeleteBucketCorsOutput](t, "DeleteBucketCors")(c.DeleteBucketCors(ctx, &s3.DeleteBucketCorsInput{Bucket: aws.String(bucket)}))
	pre = do(t, e.httpc, "OPTIONS", put.URL, http.Header{"Origin": {page}, "Access-Control-Request-Method": {"PUT"}}, nil)
	if er := wantErr(t, pre, 403, "AccessForbidden"); er.Message != "CORSResponse: CORS is not enabled for this bucket." {
		t.Errorf("preflight after DeleteBucketCors: %q", er.Message)
	}
	if _, err := c.GetBucketCors(ctx, &s3.GetBucketCorsInput{Bucket: aws.String(bucket)}); err == nil {
		t.Fatal("GetBucketCors after delete succeeded")
	}
}
