package server_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestGetObjectPartNumberWithSDK: aws-sdk-go-v2's GetObject and
// HeadObject with PartNumber read one part of a multipart object: its
// bytes, its Content-Range and the object's PartsCount.
func TestGetObjectPartNumberWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket, key := "parts-sdk", "mp.bin"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	cmu := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}))
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("the second part")}
	var done []s3types.CompletedPart
	for i, p := range parts {
		pn := aws.Int32(int32(i + 1))
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId, PartNumber: pn, Body: bytes.NewReader(p),
		}))
		done = append(done, s3types.CompletedPart{ETag: up.ETag, PartNumber: pn, ChecksumCRC32: up.ChecksumCRC32})
	}
	must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	}))

	g := must[*s3.GetObjectOutput](t, "GetObject part 2")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(2)}))
	body, err := io.ReadAll(g.Body)
	g.Body.Close()
	want := "bytes 5242880-5242894/5242895"
	if err != nil || string(body) != string(parts[1]) || aws.ToInt32(g.PartsCount) != 2 || aws.ToString(g.ContentRange) != want {
		t.Errorf("GetObject PartNumber 2: %q, %v, PartsCount %d, Content-Range %q (want %q)", body, err, aws.ToInt32(g.PartsCount), aws.ToString(g.ContentRange), want)
	}
	h := must[*s3.HeadObjectOutput](t, "HeadObject part 1")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(1)}))
	if aws.ToInt64(h.ContentLength) != 5<<20 || aws.ToInt32(h.PartsCount) != 2 {
		t.Errorf("HeadObject PartNumber 1: length %d, PartsCount %d", aws.ToInt64(h.ContentLength), aws.ToInt32(h.PartsCount))
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), PartNumber: aws.Int32(3)}); apiCode(err) != "InvalidPartNumber" {
		t.Errorf("GetObject PartNumber 3 of 2: %v, want InvalidPartNumber", err)
	}
}

// TestGetObjectAttributesVersionWithSDK: aws-sdk-go-v2's
// GetObjectAttributes with VersionId reads that version and answers its
// ID; a delete marker's ID is an error the SDK reports.
func TestGetObjectAttributesVersionWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket := "attrs-versions-sdk"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	must[*s3.PutBucketVersioningOutput](t, "PutBucketVersioning")(c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket: aws.String(bucket), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}))
	var ids []string
	for _, body := range []string{"first", "the second"} {
		out := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("k"), Body: bytes.NewReader([]byte(body))}))
		ids = append(ids, aws.ToString(out.VersionId))
	}
	for i, size := range []int64{5, 10} {
		out := must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
			Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: aws.String(ids[i]),
			ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectSize},
		}))
		if aws.ToString(out.VersionId) != ids[i] || aws.ToInt64(out.ObjectSize) != size {
			t.Errorf("attributes of version %d: version %q size %d, want %q %d", i, aws.ToString(out.VersionId), aws.ToInt64(out.ObjectSize), ids[i], size)
		}
	}
	d := must[*s3.DeleteObjectOutput](t, "DeleteObject")(c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("k")}))
	_, err := c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String(bucket), Key: aws.String("k"), VersionId: d.VersionId,
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesEtag},
	})
	if apiCode(err) != "MethodNotAllowed" {
		t.Errorf("GetObjectAttributes of a delete marker: %v, want MethodNotAllowed", err)
	}
}
