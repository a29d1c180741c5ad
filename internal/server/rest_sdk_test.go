package server_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestListBucketsPaginatorWithSDK: aws-sdk-go-v2's ListBuckets paginator
// follows signet's ContinuationToken to the last page, within a prefix.
func TestListBucketsPaginatorWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	for _, b := range []string{"pg-a", "pg-b", "pg-c", "other"} {
		must[*s3.CreateBucketOutput](t, "CreateBucket "+b)(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
	}
	var names []string
	pages := 0
	pg := s3.NewListBucketsPaginator(c, &s3.ListBucketsInput{MaxBuckets: aws.Int32(2), Prefix: aws.String("pg-")})
	for pg.HasMorePages() {
		out := must[*s3.ListBucketsOutput](t, "ListBuckets page")(pg.NextPage(ctx))
		pages++
		if aws.ToString(out.Prefix) != "pg-" {
			t.Errorf("page %d Prefix %q", pages, aws.ToString(out.Prefix))
		}
		for _, b := range out.Buckets {
			names = append(names, aws.ToString(b.Name))
		}
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(names, []string{"pg-a", "pg-b", "pg-c"}) || pages != 2 {
		t.Errorf("listed %q in %d pages, want pg-a pg-b pg-c in 2", names, pages)
	}
}

// TestGetObjectAttributesWithSDK: aws-sdk-go-v2 reads signet's
// GetObjectAttributes answer for a multipart object, parts paged.
func TestGetObjectAttributesWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket, key := "attrs", "mp.bin"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	cmu := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}))
	var done []s3types.CompletedPart
	sizes := []int{5 << 20, 100}
	for i, n := range sizes {
		pn := aws.Int32(int32(i + 1))
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId, PartNumber: pn, Body: bytes.NewReader(make([]byte, n)),
		}))
		done = append(done, s3types.CompletedPart{ETag: up.ETag, PartNumber: pn, ChecksumCRC32: up.ChecksumCRC32})
	}
	cmp := must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	}))
	out := must[*s3.GetObjectAttributesOutput](t, "GetObjectAttributes")(c.GetObjectAttributes(ctx, &s3.GetObjectAttributesInput{
		Bucket: aws.String(bucket), Key: aws.String(key), MaxParts: aws.Int32(1),
		ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesEtag, s3types.ObjectAttributesObjectParts, s3types.ObjectAttributesObjectSize, s3types.ObjectAttributesStorageClass},
	}))
	if `"`+aws.ToString(out.ETag)+`"` != aws.ToString(cmp.ETag) || aws.ToInt64(out.ObjectSize) != int64(sizes[0]+sizes[1]) || out.StorageClass != s3types.StorageClassStandard || out.LastModified == nil {
		t.Errorf("attributes: ETag %q (complete %q) size %d class %q", aws.ToString(out.ETag), aws.ToString(cmp.ETag), aws.ToInt64(out.ObjectSize), out.StorageClass)
	}
	op := out.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 2 || !aws.ToBool(op.IsTruncated) || len(op.Parts) != 1 ||
		aws.ToInt32(op.Parts[0].PartNumber) != 1 || aws.ToInt64(op.Parts[0].Size) != int64(sizes[0]) || aws.ToString(op.NextPartNumberMarker) != "1" {
		t.Errorf("ObjectParts: %+v", op)
	}
}
