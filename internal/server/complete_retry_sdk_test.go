package server_test

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// loseFirstComplete is a transport that delivers the first
// CompleteMultipartUpload to the server and then loses its answer, as a
// connection reset after the server completed the upload does: the SDK
// sees a retryable network error and sends the request again.
type loseFirstComplete struct {
	next     http.RoundTripper
	attempts atomic.Int32
}

func (l *loseFirstComplete) RoundTrip(r *http.Request) (*http.Response, error) {
	isComplete := r.Method == http.MethodPost && r.URL.Query().Has("uploadId")
	res, err := l.next.RoundTrip(r)
	if err != nil || !isComplete || l.attempts.Add(1) > 1 {
		return res, err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return nil, fmt.Errorf("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer (answer %d lost)", res.StatusCode)
}

// noDelay retries at once: the test must not sleep.
type noDelay struct{}

func (noDelay) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// TestCompleteMultipartUploadRetryWithSDK: aws-sdk-go-v2's standard
// retryer, whose first CompleteMultipartUpload completed the upload but
// lost its answer, retries it and gets signet's 200 with the completion's
// result, as S3 answers; so does the application calling it again.
func TestCompleteMultipartUploadRetryWithSDK(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	lossy := &loseFirstComplete{next: e.rec}
	c := e.sdk(t, func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: lossy}
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 3
			so.Backoff = noDelay{}
			so.RateLimiter = ratelimit.None
		})
	})
	bucket, key := "retry", "big.bin"
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}))
	cmu := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)}))
	parts := [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")}
	var done []s3types.CompletedPart
	var md5s []byte
	for i, p := range parts {
		pn := aws.Int32(int32(i + 1))
		up := must[*s3.UploadPartOutput](t, "UploadPart")(c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId, PartNumber: pn, Body: bytes.NewReader(p),
		}))
		done = append(done, s3types.CompletedPart{ETag: up.ETag, PartNumber: pn, ChecksumCRC32: up.ChecksumCRC32})
		s := md5.Sum(p)
		md5s = append(md5s, s[:]...)
	}
	wantETag := fmt.Sprintf(`"%x-2"`, md5.Sum(md5s))
	complete := func(what string) *s3.CompleteMultipartUploadOutput {
		return must[*s3.CompleteMultipartUploadOutput](t, what)(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(bucket), Key: aws.String(key), UploadId: cmu.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
		}))
	}
	out := complete("CompleteMultipartUpload, answer of the first attempt lost")
	if n := lossy.attempts.Load(); n != 2 {
		t.Errorf("CompleteMultipartUpload attempts = %d, want 2 (one lost, one retried)", n)
	}
	if aws.ToString(out.ETag) != wantETag || aws.ToString(out.Bucket) != bucket || aws.ToString(out.Key) != key ||
		!strings.HasSuffix(aws.ToString(out.Location), "/"+bucket+"/"+key) {
		t.Errorf("retried completion = ETag %q Bucket %q Key %q Location %q, want ETag %s",
			aws.ToString(out.ETag), aws.ToString(out.Bucket), aws.ToString(out.Key), aws.ToString(out.Location), wantETag)
	}
	again := complete("CompleteMultipartUpload called again")
	if aws.ToString(again.ETag) != wantETag || aws.ToString(again.ChecksumCRC32) != aws.ToString(out.ChecksumCRC32) {
		t.Errorf("second call: ETag %q CRC32 %q, want %s %q", aws.ToString(again.ETag), aws.ToString(again.ChecksumCRC32), wantETag, aws.ToString(out.ChecksumCRC32))
	}
	got := must[*s3.GetObjectOutput](t, "GetObject")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}))
	body, err := io.ReadAll(got.Body)
	got.Body.Close()
	if err != nil || !bytes.Equal(body, append(append([]byte(nil), parts[0]...), parts[1]...)) || aws.ToString(got.ETag) != wantETag {
		t.Errorf("GetObject: %d bytes, ETag %q, err %v", len(body), aws.ToString(got.ETag), err)
	}

	// Another upload ID that never completed is still NoSuchUpload.
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String("never-created"),
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
	})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchUpload" {
		t.Errorf("completing an unknown upload: %v, want NoSuchUpload", err)
	}
}
