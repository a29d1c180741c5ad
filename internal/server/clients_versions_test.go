package server_test

// aws-sdk-go-v2 against ListObjectVersions on a never-versioned bucket:
// its paginator, a GET of the null version, and the "empty this bucket"
// loop generic tools run before DeleteBucket (list every version, delete
// them by version ID in batches, delete the bucket).

import (
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestClientsAWSSDKListObjectVersions(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket := "versions-sdk"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}))
	keys := []string{"a", "dir/1", "dir/2", "dir/sub/3", "x y+z", "é"}
	for _, k := range keys {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{
			Bucket: &bucket, Key: aws.String(k), Body: strings.NewReader("body of " + k),
		}))
	}

	// Two per page, so the paginator follows NextKeyMarker and
	// NextVersionIdMarker three times.
	var got []string
	pages := 0
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &bucket, MaxKeys: aws.Int32(2)})
	for p.HasMorePages() {
		out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(p.NextPage(ctx))
		pages++
		for _, v := range out.Versions {
			if aws.ToString(v.VersionId) != "null" || !aws.ToBool(v.IsLatest) || aws.ToInt64(v.Size) != int64(len("body of "+aws.ToString(v.Key))) {
				t.Errorf("version %q: id %q latest %v size %d", aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToBool(v.IsLatest), aws.ToInt64(v.Size))
			}
			got = append(got, aws.ToString(v.Key))
		}
		if len(out.DeleteMarkers) != 0 {
			t.Errorf("delete markers: %v", out.DeleteMarkers)
		}
	}
	if !slices.Equal(got, keys) || pages != 3 {
		t.Fatalf("listed %q in %d pages, want %q in 3", got, pages, keys)
	}

	// With a delimiter and URL encoding. The SDK hands the encoded prefix
	// on as sent; whether S3 keeps "/" there is the listing encoder's
	// business, so either spelling is the same prefix here.
	out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions delimiter")(c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{
		Bucket: &bucket, Prefix: aws.String("dir/"), Delimiter: aws.String("/"), EncodingType: s3types.EncodingTypeUrl,
	}))
	if len(out.Versions) != 2 || len(out.CommonPrefixes) != 1 || !slices.Contains([]string{"dir/sub/", "dir%2Fsub%2F"}, aws.ToString(out.CommonPrefixes[0].Prefix)) {
		t.Errorf("delimited listing: %d versions, prefixes %v", len(out.Versions), out.CommonPrefixes)
	}

	g := must[*s3.GetObjectOutput](t, "GetObject null version")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("x y+z"), VersionId: aws.String("null")}))
	body, err := io.ReadAll(g.Body)
	g.Body.Close()
	if err != nil || string(body) != "body of x y+z" {
		t.Errorf("GET ?versionId=null: %q, %v", body, err)
	}

	emptyBucket(t, c, bucket)
	must[*s3.DeleteBucketOutput](t, "DeleteBucket")(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}))
}

// emptyBucket is the loop test suites and infrastructure tools run to
// empty a bucket: every version and delete marker, deleted by version ID.
func emptyBucket(t *testing.T, c *s3.Client, bucket string) {
	t.Helper()
	ctx := t.Context()
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &bucket, MaxKeys: aws.Int32(4)})
	var ids []s3types.ObjectIdentifier
	for p.HasMorePages() {
		out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(p.NextPage(ctx))
		for _, v := range out.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range out.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), 1000)
		out := must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &bucket, Delete: &s3types.Delete{Objects: ids[:n]},
		}))
		if len(out.Errors) != 0 || len(out.Deleted) != n {
			t.Fatalf("DeleteObjects: %d deleted, errors %v", len(out.Deleted), out.Errors)
		}
		ids = ids[n:]
	}
}

// A versioned bucket through aws-sdk-go-v2: versions, a GET by version, a
// delete marker, the paginator over versions and markers, then the
// "empty this bucket" loop and DeleteBucket.
func TestClientsAWSSDKVersionedBucket(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket := "versioned-sdk"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}))
	must[*s3.PutBucketVersioningOutput](t, "PutBucketVersioning")(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket: &bucket, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}))
	gv := must[*s3.GetBucketVersioningOutput](t, "GetBucketVersioning")(c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket}))
	if gv.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("GetBucketVersioning: %q", gv.Status)
	}
	var ids []string
	for _, body := range []string{"first", "second", "third"} {
		out := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader(body)}))
		ids = append(ids, aws.ToString(out.VersionId))
	}
	g := must[*s3.GetObjectOutput](t, "GetObject v1")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: aws.String(ids[0])}))
	body, _ := io.ReadAll(g.Body)
	g.Body.Close()
	if string(body) != "first" || aws.ToString(g.VersionId) != ids[0] {
		t.Fatalf("GET of the first version: %q %q", body, aws.ToString(g.VersionId))
	}
	d := must[*s3.DeleteObjectOutput](t, "DeleteObject")(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")}))
	if !aws.ToBool(d.DeleteMarker) || aws.ToString(d.VersionId) == "" {
		t.Fatalf("DeleteObject: marker %v, version %q", aws.ToBool(d.DeleteMarker), aws.ToString(d.VersionId))
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")}); err == nil {
		t.Fatal("HEAD behind a delete marker succeeded")
	}
	var versions, markers int
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: &bucket, MaxKeys: aws.Int32(1)})
	for p.HasMorePages() {
		out := must[*s3.ListObjectVersionsOutput](t, "ListObjectVersions")(p.NextPage(ctx))
		versions += len(out.Versions)
		markers += len(out.DeleteMarkers)
	}
	if versions != 3 || markers != 1 {
		t.Fatalf("listed %d versions and %d markers, want 3 and 1", versions, markers)
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket with versions left: %v", err)
	}
	emptyBucket(t, c, bucket)
	must[*s3.DeleteBucketOutput](t, "DeleteBucket")(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}))
}
