package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func tagSetString(tags []types.Tag) string {
	var parts []string
	for _, t := range tags {
		parts = append(parts, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	return strings.Join(parts, "&")
}

// TestClientsAWSSDKTagging: aws-sdk-go-v2 tags objects and buckets
// through every operation that takes tags, and reads them back as S3
// answers them.
func TestClientsAWSSDKTagging(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	b := aws.String("tagged")
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}))

	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("k"), Body: strings.NewReader("data"), Tagging: aws.String("team=blue&stage=raw")}))
	got := must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k")}))
	if s := tagSetString(got.TagSet); s != "stage=raw&team=blue" {
		t.Errorf("GetObjectTagging = %q", s)
	}
	obj := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("k")}))
	obj.Body.Close()
	if aws.ToInt32(obj.TagCount) != 2 {
		t.Errorf("GetObject TagCount = %d, want 2", aws.ToInt32(obj.TagCount))
	}

	must[*s3.PutObjectTaggingOutput](t, "PutObjectTagging")(c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("z"), Value: aws.String("1")}, {Key: aws.String("a"), Value: aws.String("")}}}}))
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("k")}))
	if s := tagSetString(got.TagSet); s != "z=1&a=" {
		t.Errorf("after PutObjectTagging = %q", s)
	}
	_, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: b, Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("1")}}}})
	if apiCode(err) != "InvalidTag" {
		t.Errorf("aws: prefixed tag: %v", err)
	}

	must[*s3.CopyObjectOutput](t, "CopyObject")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("tagged/k")}))
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("copy")}))
	if s := tagSetString(got.TagSet); s != "z=1&a=" {
		t.Errorf("copied tags = %q", s)
	}
	must[*s3.CopyObjectOutput](t, "CopyObject")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("copy"), CopySource: aws.String("tagged/k"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("new=yes")}))
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("copy")}))
	if s := tagSetString(got.TagSet); s != "new=yes" {
		t.Errorf("replaced tags = %q", s)
	}
	must[*s3.DeleteObjectTaggingOutput](t, "DeleteObjectTagging")(c.DeleteObjectTagging(ctx, &s3.DeleteObjectTaggingInput{Bucket: b, Key: aws.String("copy")}))
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("copy")}))
	if len(got.TagSet) != 0 {
		t.Errorf("after DeleteObjectTagging = %v", got.TagSet)
	}

	up := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"), Tagging: aws.String("mp=1")}))
	part := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")}))
	must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part.ETag}}}}))
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("mp")}))
	if s := tagSetString(got.TagSet); s != "mp=1" {
		t.Errorf("multipart tags = %q", s)
	}

	// The SDK's presigned PutObject signs x-amz-tagging as a header.
	ps := must[*v4.PresignedHTTPRequest](t, "PresignPutObject")(s3.NewPresignClient(c).PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("presigned"), Tagging: aws.String("via=url")}, s3.WithPresignExpires(time.Hour)))
	wantOK(t, do(t, e.httpc, ps.Method, ps.URL, ps.SignedHeader, []byte("x")), 200, nil)
	got = must[*s3.GetObjectTaggingOutput](t, "GetObjectTagging")(c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: b, Key: aws.String("presigned")}))
	if s := tagSetString(got.TagSet); s != "via=url" {
		t.Errorf("presigned PUT tags = %q", s)
	}

	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if apiCode(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging of an untagged bucket: %v", err)
	}
	must[*s3.PutBucketTaggingOutput](t, "PutBucketTagging")(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: b,
		Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}}))
	bt := must[*s3.GetBucketTaggingOutput](t, "GetBucketTagging")(c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b}))
	if s := tagSetString(bt.TagSet); s != "env=prod" {
		t.Errorf("GetBucketTagging = %q", s)
	}
	must[*s3.DeleteBucketTaggingOutput](t, "DeleteBucketTagging")(c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: b}))
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: b})
	if apiCode(err) != "NoSuchTagSet" {
		t.Errorf("GetBucketTagging after delete: %v", err)
	}
}
