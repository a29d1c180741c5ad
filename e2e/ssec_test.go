package e2e

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// startTLSSignet runs signet over HTTPS on dataDir, tracked for the
// suite's log check.
func startTLSSignet(t *testing.T, dir, dataDir string) *signetProc {
	t.Helper()
	cert, key, pool := selfSignedCert(t, dir)
	p, err := startSignet(dataDir, []string{"--tls-cert", cert, "--tls-key", key}, pool)
	if err != nil {
		t.Fatalf("starting signet with TLS: %v", err)
	}
	track(p)
	return p
}

func tlsSDK(p *signetProc) *s3.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(rootAK, rootSK, ""),
		HTTPClient:  p.client,
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(p.endpoint)
		o.UsePathStyle = true
	})
}

// customerKey is an SSE-C key of 32 seed bytes and its MD5, base64.
func customerKey(seed byte) (key, sum *string) {
	k := bytes.Repeat([]byte{seed}, 32)
	s := md5.Sum(k)
	return aws.String(base64.StdEncoding.EncodeToString(k)), aws.String(base64.StdEncoding.EncodeToString(s[:]))
}

// TestSSECAndSealingRotationTLS: the signet binary over HTTPS, driven by
// aws-sdk-go-v2: SSE-C copies (to another key, to SSE-S3) and a multipart
// upload under a customer key with a part copied from an SSE-C object;
// then the server is stopped, `signet admin key rotate-sealing` replaces
// its sealing key, and the restarted server serves every object.
func TestSSECAndSealingRotationTLS(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	dataDir := filepath.Join(dir, "data")
	p := startTLSSignet(t, dir, dataDir)
	c := tlsSDK(p)
	b, aes := aws.String("ssec-e2e"), aws.String("AES256")
	k1, m1 := customerKey(1)
	k2, m2 := customerKey(2)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	plain := bytes.Repeat([]byte("plain object. "), 20000)
	secretData := bytes.Repeat([]byte("customer's object. "), 20000)
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("plain"), Body: bytes.NewReader(plain)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String("c1"), Body: bytes.NewReader(secretData),
		SSECustomerAlgorithm: aes, SSECustomerKey: k1, SSECustomerKeyMD5: m1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("c2"), CopySource: aws.String("ssec-e2e/c1"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k1, CopySourceSSECustomerKeyMD5: m1,
		SSECustomerAlgorithm: aes, SSECustomerKey: k2, SSECustomerKeyMD5: m2}); err != nil {
		t.Fatalf("CopyObject SSE-C to SSE-C: %v", err)
	}
	if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: b, Key: aws.String("decrypted"), CopySource: aws.String("ssec-e2e/c1"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k1, CopySourceSSECustomerKeyMD5: m1}); err != nil {
		t.Fatalf("CopyObject SSE-C to SSE-S3: %v", err)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: b, Key: aws.String("mp"),
		SSECustomerAlgorithm: aes, SSECustomerKey: k2, SSECustomerKeyMD5: m2})
	if err != nil {
		t.Fatal(err)
	}
	p1 := bytes.Repeat([]byte("part one. "), 600_000) // 6 MB
	part1, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(p1),
		SSECustomerAlgorithm: aes, SSECustomerKey: k2, SSECustomerKeyMD5: m2})
	if err != nil {
		t.Fatalf("UploadPart: %v", err)
	}
	part2, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId, PartNumber: aws.Int32(2),
		CopySource:                     aws.String("ssec-e2e/c1"),
		CopySourceSSECustomerAlgorithm: aes, CopySourceSSECustomerKey: k1, CopySourceSSECustomerKeyMD5: m1,
		SSECustomerAlgorithm: aes, SSECustomerKey: k2, SSECustomerKeyMD5: m2})
	if err != nil {
		t.Fatalf("UploadPartCopy: %v", err)
	}
	if _, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: b, Key: aws.String("mp"), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: part1.ETag}, {PartNumber: aws.Int32(2), ETag: part2.CopyPartResult.ETag}}}}); err != nil {
		t.Fatalf("CompleteMultipartUpload: %v", err)
	}
	want := map[string][]byte{"plain": plain, "c1": secretData, "c2": secretData, "decrypted": secretData, "mp": append(append([]byte(nil), p1...), secretData...)}
	keys := map[string][2]*string{"c1": {k1, m1}, "c2": {k2, m2}, "mp": {k2, m2}}
	checkAll := func(c *s3.Client, when string) {
		t.Helper()
		for k, body := range want {
			in := &s3.GetObjectInput{Bucket: b, Key: aws.String(k)}
			if ck, ok := keys[k]; ok {
				in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = aes, ck[0], ck[1]
			}
			out, err := c.GetObject(ctx, in)
			if err != nil {
				t.Fatalf("%s: GetObject %s: %v", when, k, err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("%s: %s reads back %d bytes (%v), want %d", when, k, len(got), err, len(body))
			}
		}
	}
	checkAll(c, "before the rotation")
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}

	before, _ := os.ReadFile(filepath.Join(dataDir, "sealing.key"))
	cmd := exec.Command(binPath, "admin", "key", "rotate-sealing", "--data-dir", dataDir)
	cmd.Env = append(cleanEnv(), "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "rotated") {
		t.Fatalf("signet admin key rotate-sealing: %v\n%s", err, out)
	}
	after, _ := os.ReadFile(filepath.Join(dataDir, "sealing.key"))
	if bytes.Equal(before, after) {
		t.Fatalf("sealing.key unchanged by the rotation")
	}
	p2 := startTLSSignet(t, t.TempDir(), dataDir)
	defer func() {
		if err := p2.stop(); err != nil {
			t.Error(err)
		}
	}()
	checkAll(tlsSDK(p2), "after the rotation")
}
