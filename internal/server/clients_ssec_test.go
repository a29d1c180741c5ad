package server_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ssecKey is an SSE-C key of 32 seed bytes as the SDK takes it: the key
// and its MD5, base64.
func ssecKey(seed byte) (key, keyMD5 *string) {
	k := bytes.Repeat([]byte{seed}, 32)
	sum := md5.Sum(k)
	return aws.String(base64.StdEncoding.EncodeToString(k)), aws.String(base64.StdEncoding.EncodeToString(sum[:]))
}

// TestClientsAWSSDKSSEC: aws-sdk-go-v2 over TLS writes objects under
// customer keys, copies them between keys and to and from SSE-S3, rotates
// a key by copying an object onto itself, builds a multipart upload from
// parts and a copied SSE-C part, and reads through presigned URLs that
// sign the SSE-C headers, as on AWS.
func TestClientsAWSSDKSSEC(t *testing.T) {
	e := startServer(t, true, nil)
	ctx := t.Context()
	c := e.sdk(t)
	b := aws.String("ssec")
	aes := aws.String("AES256")
	k7, m7 := ssecKey(7)
	k8, m8 := ssecKey(8)
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}))
	data := randBytes(t, 300_000)
	put := must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("c"), Body: bytes.NewReader(data),
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}))
	if aws.ToString(put.SSECustomerKeyMD5) != *m7 || put.ServerSideEncryption != "" {
		t.Errorf("PutObject answered %q %q", aws.ToString(put.SSECustomerKeyMD5), put.ServerSideEncryption)
	}
	read := func(key string, k, m *string) []byte {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: b, Key: aws.String(key)}
		if k != nil {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aes, k, m
		}
		out := must[*s3.GetObjectOutput](t, "GetObject "+key)(c.GetObject(ctx, in))
		defer out.Body.Close()
		got, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatal(err)
		}
		if k != nil && aws.ToString(out.SSECustomerKeyMD5) != *m {
			t.Errorf("GetObject %s: key MD5 %q", key, aws.ToString(out.SSECustomerKeyMD5))
		}
		return got
	}

	// SSE-C to SSE-C under another key, and to SSE-S3.
	cp := must[*s3.CopyObjectOutput](t, "CopyObject")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("c8"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k7, CopySourceSSECustomerKeyMD5: m7,
		SSECustomerAlgorithm: aes, SSECustomerKey: k8, SSECustomerKeyMD5: m8}))
	if aws.ToString(cp.SSECustomerKeyMD5) != *m8 {
		t.Errorf("CopyObject answered key MD5 %q", aws.ToString(cp.SSECustomerKeyMD5))
	}
	if !bytes.Equal(read("c8", k8, m8), data) {
		t.Errorf("the SSE-C copy reads back different bytes")
	}
	must[*s3.CopyObjectOutput](t, "CopyObject to SSE-S3")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("plain"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k7, CopySourceSSECustomerKeyMD5: m7}))
	if !bytes.Equal(read("plain", nil, nil), data) {
		t.Errorf("the SSE-S3 copy reads back different bytes")
	}
	_, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("x"), CopySource: aws.String("ssec/c")})
	if apiCode(err) != "InvalidRequest" {
		t.Errorf("copy of an SSE-C object without its key: %v", err)
	}
	// Rotation: the object copied onto itself under a new key.
	must[*s3.CopyObjectOutput](t, "CopyObject onto itself")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("c"), CopySource: aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k7, CopySourceSSECustomerKeyMD5: m7,
		SSECustomerAlgorithm: aes, SSECustomerKey: k8, SSECustomerKeyMD5: m8}))
	if !bytes.Equal(read("c", k8, m8), data) {
		t.Errorf("the rotated object reads back different bytes")
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("c"), SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7})
	if apiCode(err) != "AccessDenied" {
		t.Errorf("GET with the old key after rotation: %v", err)
	}

	// Multipart: a 5 MiB part, then part 2 copied from the SSE-C object c.
	up := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"),
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}))
	if aws.ToString(up.SSECustomerKeyMD5) != *m7 {
		t.Errorf("CreateMultipartUpload answered key MD5 %q", aws.ToString(up.SSECustomerKeyMD5))
	}
	p1 := randBytes(t, 5<<20)
	// (A short body: the refusal comes before the body is read.)
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x")})
	if apiCode(err) != "InvalidRequest" {
		t.Errorf("UploadPart without the upload's key: %v", err)
	}
	_, err = c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: aes, SSECustomerKey: k8, SSECustomerKeyMD5: m8})
	if apiCode(err) != "InvalidRequest" {
		t.Errorf("UploadPart with another key: %v", err)
	}
	part1 := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(p1),
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}))
	part2 := must[*s3.UploadPartCopyOutput](t, "UploadPartCopy")(c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource:                     aws.String("ssec/c"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k8, CopySourceSSECustomerKeyMD5: m8,
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}))
	must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId,
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part1.ETag}, {PartNumber: aws.Int32(2), ETag: part2.CopyPartResult.ETag}}}}))
	if got := read("mp", k7, m7); !bytes.Equal(got, append(append([]byte(nil), p1...), data...)) {
		t.Errorf("the SSE-C multipart object reads back %d bytes, want %d", len(got), len(p1)+len(data))
	}
	head := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: b, Key: aws.String("mp"), SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}))
	if aws.ToString(head.SSECustomerAlgorithm) != "AES256" || aws.ToString(head.SSECustomerKeyMD5) != *m7 || head.ServerSideEncryption != "" {
		t.Errorf("HeadObject: %q %q %q", aws.ToString(head.SSECustomerAlgorithm), aws.ToString(head.SSECustomerKeyMD5), head.ServerSideEncryption)
	}

	// Presigned URLs sign the SSE-C headers, which the client then sends.
	pc := s3.NewPresignClient(c)
	pp := must[*v4.PresignedHTTPRequest](t, "PresignPutObject")(pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("presigned"),
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}, s3.WithPresignExpires(time.Hour)))
	if !strings.Contains(pp.URL, "x-amz-server-side-encryption-customer-key") {
		t.Fatalf("the presigned URL does not sign the SSE-C headers: %s", pp.URL)
	}
	wantOK(t, do(t, e.httpc, pp.Method, pp.URL, pp.SignedHeader, []byte("via a URL")), 200, nil)
	pg := must[*v4.PresignedHTTPRequest](t, "PresignGetObject")(pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: b, Key: aws.String("presigned"),
		SSECustomerAlgorithm: aes, SSECustomerKey: k7, SSECustomerKeyMD5: m7}, s3.WithPresignExpires(time.Hour)))
	wantOK(t, do(t, e.httpc, pg.Method, pg.URL, pg.SignedHeader, nil), 200, []byte("via a URL"))
	// Without the signed headers the signature does not match.
	if r := do(t, e.httpc, pg.Method, pg.URL, nil, nil); r.status != 403 {
		t.Errorf("presigned GET without its signed SSE-C headers: %s", r)
	}
}
