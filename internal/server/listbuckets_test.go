package server_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
