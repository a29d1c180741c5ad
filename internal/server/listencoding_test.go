package server_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestListEncodingTypeURLWithSDK lists keys that XML cannot carry as
// they are (control characters) or that URL decoders treat differently
// (space, "+", "%") with aws-sdk-go-v2 and EncodingType=url: every field
// S3 encodes decodes back with url.QueryUnescape, as an SDK user does,
// while "/" stays readable in prefixes.
func TestListEncodingTypeURLWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	bucket := "enc"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	keys := []string{"a b/one", "a+b/two", "100%/three", "é ü/four", "ctl\x01\x1f/five", "plain"}
	for _, k := range keys {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("x")}))
	}
	out := must[*s3.ListObjectsV2Output](t, "ListObjectsV2")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket), Delimiter: aws.String("/"), EncodingType: s3types.EncodingTypeUrl,
	}))
	if out.EncodingType != s3types.EncodingTypeUrl || aws.ToString(out.Delimiter) != "/" {
		t.Errorf("EncodingType %q Delimiter %q, want url and /", out.EncodingType, aws.ToString(out.Delimiter))
	}
	var prefixes, raw []string
	for _, p := range out.CommonPrefixes {
		raw = append(raw, aws.ToString(p.Prefix))
		d, err := url.QueryUnescape(aws.ToString(p.Prefix))
		if err != nil {
			t.Errorf("prefix %q: %v", aws.ToString(p.Prefix), err)
		}
		prefixes = append(prefixes, d)
	}
	want := []string{"100%/", "a b/", "a+b/", "ctl\x01\x1f/", "é ü/"}
	if !slices.Equal(prefixes, want) {
		t.Errorf("decoded prefixes %q, want %q", prefixes, want)
	}
	if wantRaw := []string{"100%25/", "a%20b/", "a%2Bb/", "ctl%01%1F/", "%C3%A9%20%C3%BC/"}; !slices.Equal(raw, wantRaw) {
		t.Errorf("prefixes as sent %q, want %q", raw, wantRaw)
	}
	if len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "plain" {
		t.Errorf("contents %v, want only plain", out.Contents)
	}
	// Within a prefix, the prefix and each key come back encoded too.
	out = must[*s3.ListObjectsV2Output](t, "ListObjectsV2 prefix")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket: aws.String(bucket), Prefix: aws.String("ctl\x01\x1f/"), EncodingType: s3types.EncodingTypeUrl,
	}))
	if aws.ToString(out.Prefix) != "ctl%01%1F/" || len(out.Contents) != 1 || aws.ToString(out.Contents[0].Key) != "ctl%01%1F/five" {
		t.Errorf("prefix listing: Prefix %q contents %v", aws.ToString(out.Prefix), out.Contents)
	}
	// ListObjects (V1) encodes Marker too.
	v1 := must[*s3.ListObjectsOutput](t, "ListObjects")(c.ListObjects(ctx, &s3.ListObjectsInput{
		Bucket: aws.String(bucket), Marker: aws.String("a b/one"), EncodingType: s3types.EncodingTypeUrl,
	}))
	if aws.ToString(v1.Marker) != "a%20b/one" || len(v1.Contents) == 0 || aws.ToString(v1.Contents[0].Key) != "a%2Bb/two" {
		t.Errorf("V1: Marker %q contents %v", aws.ToString(v1.Marker), v1.Contents)
	}
}
