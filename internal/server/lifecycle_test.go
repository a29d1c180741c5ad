package server_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"signet/internal/clock"
	"signet/internal/lifecycle"
)

// blobFiles counts the blob files of the disk engine under dir.
func blobFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(filepath.Join(dir, "objects", "blobs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The lifecycle story through the real SDK and the server's sweeper: an
// upload left open and objects under a prefix go when the lifetime clock
// (moved as --dev-clock moves it) passes their rounded-up midnight, and
// not a second before; objects a Disabled rule selects stay; the parts'
// and objects' blobs are freed.
func TestLifecycleThroughTheServer(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	fake := clock.NewFake(start)
	e := startServer(t, false, fake)
	ctx := t.Context()
	c := e.sdk(t)
	admin := e.adminAs(e.root())
	b := aws.String("rules")
	big := bytes.Repeat([]byte("x"), 20<<10) // over the inline limit: a blob file
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}))
	for _, k := range []string{"logs/a", "logs/b", "keep/x", "other"} {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(k), Body: bytes.NewReader(big)}))
	}
	up := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("tmp/big")}))
	must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("tmp/big"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(big)}))

	_, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	if apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Fatalf("GetBucketLifecycleConfiguration before any: %v", err)
	}
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("uploads"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
		{ID: aws.String("off"), Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("keep/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
	}
	must[*s3.PutBucketLifecycleConfigurationOutput](t, "PutBucketLifecycleConfiguration")(c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{
		Bucket: b, LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules},
	}))
	got := must[*s3.GetBucketLifecycleConfigurationOutput](t, "GetBucketLifecycleConfiguration")(c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}))
	if len(got.Rules) != 3 || aws.ToString(got.Rules[0].ID) != "logs" || aws.ToInt32(got.Rules[0].Expiration.Days) != 1 ||
		aws.ToString(got.Rules[0].Filter.Prefix) != "logs/" || got.Rules[2].Status != types.ExpirationStatusDisabled ||
		aws.ToInt32(got.Rules[1].AbortIncompleteMultipartUpload.DaysAfterInitiation) != 1 {
		t.Fatalf("GetBucketLifecycleConfiguration = %+v", got.Rules)
	}

	due := lifecycle.NextMidnight(start.Add(24 * time.Hour))
	head := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("logs/a")}))
	if want := `expiry-date="` + due.Format(http.TimeFormat) + `", rule-id="logs"`; aws.ToString(head.Expiration) != want {
		t.Errorf("HeadObject Expiration = %q, want %q", aws.ToString(head.Expiration), want)
	}
	// The answers of writes say so too.
	late := must[*s3.PutObjectOutput](t, "PutObject logs/late")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("logs/late"), Body: strings.NewReader("late")}))
	if want := `expiry-date="` + due.Format(http.TimeFormat) + `", rule-id="logs"`; aws.ToString(late.Expiration) != want {
		t.Errorf("PutObject Expiration = %q, want %q", aws.ToString(late.Expiration), want)
	}
	up2 := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("tmp/other")}))
	if up2.AbortDate == nil || !up2.AbortDate.Equal(due) || aws.ToString(up2.AbortRuleId) != "uploads" {
		t.Errorf("CreateMultipartUpload AbortDate %v, AbortRuleId %q; want %s, uploads", up2.AbortDate, aws.ToString(up2.AbortRuleId), due)
	}
	files := blobFiles(t, e.dir)

	sweep := func(want string) {
		t.Helper()
		r, err := admin.SweepLifecycle(ctx)
		if err != nil {
			t.Fatalf("SweepLifecycle: %v", err)
		}
		if got := fmt.Sprint(r.Buckets, r.UploadsAborted, r.ObjectsExpired); got != want {
			t.Fatalf("sweep at %s: buckets, uploads aborted, objects expired = %s, want %s", r.At, got, want)
		}
	}
	sweep("1 0 0")
	// The dev clock, one second short of the midnight: nothing yet.
	if !e.srv.Clock.TryAdvance(due.Sub(start) - time.Second) {
		t.Fatal("advancing the clock")
	}
	sweep("1 0 0")
	e.srv.Clock.TryAdvance(time.Second)
	sweep("1 2 3")
	sweep("1 0 0")

	uploads := must[*s3.ListMultipartUploadsOutput](t, "ListMultipartUploads")(c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: b}))
	if len(uploads.Uploads) != 0 {
		t.Errorf("uploads after the sweep: %d", len(uploads.Uploads))
	}
	list := must[*s3.ListObjectsV2Output](t, "ListObjectsV2")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b}))
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, aws.ToString(o.Key))
	}
	if strings.Join(keys, ",") != "keep/x,other" {
		t.Errorf("keys after the sweep: %v", keys)
	}
	if n := blobFiles(t, e.dir); n != files-3 {
		t.Errorf("blob files after the sweep: %d, want %d (two objects and one part freed)", n, files-3)
	}

	must[*s3.DeleteBucketLifecycleOutput](t, "DeleteBucketLifecycle")(c.DeleteBucketLifecycle(ctx, &s3.DeleteBucketLifecycleInput{Bucket: b}))
	if _, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b}); apiCode(err) != "NoSuchLifecycleConfiguration" {
		t.Errorf("GetBucketLifecycleConfiguration after delete: %v", err)
	}
	head = must[*s3.HeadObjectOutput](t, "HeadObject after delete")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("keep/x")}))
	if head.Expiration != nil {
		t.Errorf("Expiration without a configuration: %q", *head.Expiration)
	}
}
