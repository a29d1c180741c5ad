package server_test

// Real, unchanged Go clients (aws-sdk-go-v2 and minio-go) against an
// in-process signet, over HTTP and HTTPS; mutation tests on presigned URLs
// made by the SDK; and deadline boundaries driven by a fake clock.

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

const (
	region      = "us-east-1"
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// ---------------------------------------------------------------------------
// Test server

// syncBuffer collects the server's log lines so a test can check that no
// secret leaked into them.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// recorded is what the recording transport saw of one request.
type recorded struct {
	Method, Path, RawQuery string
	ContentSHA256          string
	Trailer                string
	ContentEncoding        string
	TransferEncoding       []string
	ContentLength          int64
	SDKChecksumAlgorithm   string
}

type recordingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []recorded
}

func (rt *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.reqs = append(rt.reqs, recorded{
		Method:               r.Method,
		Path:                 r.URL.EscapedPath(),
		RawQuery:             r.URL.RawQuery,
		ContentSHA256:        r.Header.Get("X-Amz-Content-Sha256"),
		Trailer:              r.Header.Get("X-Amz-Trailer"),
		ContentEncoding:      r.Header.Get("Content-Encoding"),
		TransferEncoding:     r.TransferEncoding,
		ContentLength:        r.ContentLength,
		SDKChecksumAlgorithm: r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"),
	})
	rt.mu.Unlock()
	return rt.next.RoundTrip(r)
}

func (rt *recordingTransport) all() []recorded {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return slices.Clone(rt.reqs)
}

type testEnv struct {
	srv   *server.Server
	ts    *httptest.Server
	https bool
	akid  string
	sec   string
	logs  *syncBuffer
	fake  *clock.Fake // nil when the server runs on the real clock
	dir   string      // the data directory
	rec   *recordingTransport
	httpc *http.Client // plain net/http client (trusts the test cert), recording
}

// startServer starts signet in process over HTTP or HTTPS. base is the
// clock handed to server.New (nil means the real clock).
func startServer(t *testing.T, https bool, fake *clock.Fake) *testEnv {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Region = region
	cfg.RootAccessKeyID = ""
	cfg.RootSecret = ""
	cfg.TLSCert, cfg.TLSKey = "", ""
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var base clock.Clock = clock.Real{}
	if fake != nil {
		base = fake
	}
	srv, err := server.New(cfg, log, base)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	var ts *httptest.Server
	if https {
		ts = httptest.NewTLSServer(srv.Handler())
	} else {
		ts = httptest.NewServer(srv.Handler())
	}
	root := srv.Root()
	e := &testEnv{srv: srv, ts: ts, https: https, akid: root.AccessKeyID, sec: root.Secret.Reveal(), logs: logs, fake: fake, dir: cfg.DataDir}
	if e.akid == "" || e.sec == "" {
		t.Fatalf("server.Root() returned empty credentials")
	}
	e.rec = &recordingTransport{next: ts.Client().Transport}
	e.httpc = &http.Client{Transport: e.rec}
	t.Cleanup(func() {
		ts.Close()
		if err := srv.Close(); err != nil {
			t.Errorf("srv.Close: %v", err)
		}
		if l := logs.String(); strings.Contains(l, e.sec) {
			t.Errorf("server log contains the root secret")
		}
	})
	return e
}

func (e *testEnv) scheme() string {
	if e.https {
		return "https"
	}
	return "http"
}

// sdk returns an aws-sdk-go-v2 S3 client built by hand (no shared config
// files, no AWS_CA_BUNDLE), path-style, with no retries so errors surface.
func (e *testEnv) sdk(t *testing.T, opts ...func(*s3.Options)) *s3.Client {
	t.Helper()
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(e.akid, e.sec, ""),
		HTTPClient:  &http.Client{Transport: e.rec},
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
		// What config.LoadDefaultConfig resolves by default; a hand-built
		// aws.Config leaves them unset, which turns the default CRC32 off.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(e.ts.URL)
		o.UsePathStyle = true
	}}, opts...)...)
}

// minio returns a minio-go client over the same transport.
func (e *testEnv) minio(t *testing.T, trailing bool) *minio.Client {
	t.Helper()
	u, _ := url.Parse(e.ts.URL)
	mc, err := minio.New(u.Host, &minio.Options{
		Creds:           mcreds.NewStaticV4(e.akid, e.sec, ""),
		Secure:          e.https,
		Transport:       e.rec,
		Region:          region,
		BucketLookup:    minio.BucketLookupPath,
		TrailingHeaders: trailing,
	})
	if err != nil {
		t.Fatalf("minio.New: %v", err)
	}
	return mc
}

// ---------------------------------------------------------------------------
// Small helpers

func randBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// multipartETag is AWS's md5-of-md5s-N, computed independently of signet.
func multipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return fmt.Sprintf("%x-%d", h.Sum(nil), len(parts))
}

func quoted(s string) string { return `"` + s + `"` }

func crc32B64(b []byte) string {
	var out [4]byte
	binary.BigEndian.PutUint32(out[:], crc32.ChecksumIEEE(b))
	return base64.StdEncoding.EncodeToString(out[:])
}

// s3Error is the S3 REST error body with every extra element we check.
type s3Error struct {
	XMLName                    xml.Name `xml:"Error"`
	Code                       string   `xml:"Code"`
	Message                    string   `xml:"Message"`
	RequestID                  string   `xml:"RequestId"`
	XAmzExpires                string   `xml:"X-Amz-Expires"`
	XAmzDate                   string   `xml:"X-Amz-Date"`
	Expires                    string   `xml:"Expires"`
	ServerTime                 string   `xml:"ServerTime"`
	Region                     string   `xml:"Region"`
	HeadersNotSigned           string   `xml:"HeadersNotSigned"`
	AWSAccessKeyID             string   `xml:"AWSAccessKeyId"`
	StringToSign               string   `xml:"StringToSign"`
	StringToSignBytes          string   `xml:"StringToSignBytes"`
	SignatureProvided          string   `xml:"SignatureProvided"`
	CanonicalRequest           string   `xml:"CanonicalRequest"`
	CanonicalRequestBytes      string   `xml:"CanonicalRequestBytes"`
	RequestTime                string   `xml:"RequestTime"`
	MaxAllowedSkewMilliseconds string   `xml:"MaxAllowedSkewMilliseconds"`
}

type rawResp struct {
	req    string // for failure messages
	status int
	header http.Header
	body   []byte
}

func (r rawResp) String() string {
	return fmt.Sprintf("request: %s\nresponse: %d\n%s", r.req, r.status, r.body)
}

func do(t *testing.T, c *http.Client, method, rawURL string, hdr http.Header, body []byte) rawResp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatalf("NewRequest %s %s: %v", method, rawURL, err)
	}
	for k, vs := range hdr {
		for _, v := range vs {
			if strings.EqualFold(k, "Host") {
				req.Host = v
				continue
			}
			req.Header.Add(k, v)
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, rawURL, err)
	}
	var hs []string
	for k, vs := range hdr {
		hs = append(hs, k+": "+strings.Join(vs, ","))
	}
	return rawResp{req: method + " " + rawURL + " " + strings.Join(hs, "; "), status: resp.StatusCode, header: resp.Header, body: b}
}

// wantErr asserts the status and the AWS error code and returns the body.
func wantErr(t *testing.T, r rawResp, status int, code string) s3Error {
	t.Helper()
	var e s3Error
	if r.status != status {
		t.Errorf("status = %d, want %d (%s)\n%s", r.status, status, code, r)
	}
	if err := xml.Unmarshal(r.body, &e); err != nil {
		t.Errorf("error body is not S3 XML: %v\n%s", err, r)
		return e
	}
	if e.Code != code {
		t.Errorf("Code = %q, want %q\n%s", e.Code, code, r)
	}
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "xml") {
		t.Errorf("error Content-Type = %q, want application/xml\n%s", ct, r)
	}
	if r.header.Get("X-Amz-Request-Id") == "" {
		t.Errorf("no x-amz-request-id on the error response\n%s", r)
	}
	return e
}

func wantOK(t *testing.T, r rawResp, status int, body []byte) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d\n%s", r.status, status, r)
	}
	if body != nil && !bytes.Equal(r.body, body) {
		t.Fatalf("body differs: got %d bytes, want %d\nrequest: %s", len(r.body), len(body), r.req)
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
}

// ---------------------------------------------------------------------------
// aws-sdk-go-v2

func TestClientsAWSSDK(t *testing.T) {
	for _, https := range []bool{false, true} {
		name := "http"
		if https {
			name = "https"
		}
		t.Run(name, func(t *testing.T) {
			e := startServer(t, https, nil)
			sdkFlow(t, e)
		})
	}
}

func sdkFlow(t *testing.T, e *testEnv) {
	ctx := t.Context()
	c := e.sdk(t)
	bucket := "sdk-" + e.scheme()

	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}))
	must[*s3.HeadBucketOutput](t, "HeadBucket")(c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}))

	// Small object; the SDK adds its default CRC32 (header over HTTP,
	// aws-chunked trailer over HTTPS).
	small := randBytes(t, 3000)
	put := must[*s3.PutObjectOutput](t, "PutObject small")(c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: &bucket, Key: aws.String("small.bin"), Body: bytes.NewReader(small),
		ContentType: aws.String("application/x-test"),
		Metadata:    map[string]string{"colour": "blue"},
	}))
	if got := aws.ToString(put.ETag); got != quoted(md5Hex(small)) {
		t.Errorf("PutObject ETag = %s, want %s", got, quoted(md5Hex(small)))
	}
	if put.ChecksumCRC32 != nil && *put.ChecksumCRC32 != crc32B64(small) {
		t.Errorf("PutObject ChecksumCRC32 = %s, want %s", *put.ChecksumCRC32, crc32B64(small))
	}
	checkChecksumPath(t, e, "/"+bucket+"/small.bin")

	// Multipart: 5 MiB + 1 KiB.
	p1, p2 := randBytes(t, 5<<20), randBytes(t, 1<<10)
	key := "dir/multi.bin"
	cmu := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key}))
	var parts []s3types.CompletedPart
	for i, p := range [][]byte{p1, p2} {
		n := int32(i + 1)
		up := must[*s3.UploadPartOutput](t, fmt.Sprintf("UploadPart %d", n))(c.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &bucket, Key: &key, UploadId: cmu.UploadId, PartNumber: &n, Body: bytes.NewReader(p),
		}))
		if got := aws.ToString(up.ETag); got != quoted(md5Hex(p)) {
			t.Errorf("UploadPart %d ETag = %s, want %s", n, got, quoted(md5Hex(p)))
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: &n})
	}
	lp := must[*s3.ListPartsOutput](t, "ListParts")(c.ListParts(ctx, &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: cmu.UploadId}))
	if len(lp.Parts) != 2 || aws.ToInt64(lp.Parts[0].Size) != 5<<20 || aws.ToInt64(lp.Parts[1].Size) != 1<<10 {
		t.Errorf("ListParts = %+v", lp.Parts)
	}
	comp := must[*s3.CompleteMultipartUploadOutput](t, "CompleteMultipartUpload")(c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &bucket, Key: &key, UploadId: cmu.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
	}))
	wantMP := quoted(multipartETag(p1, p2))
	if got := aws.ToString(comp.ETag); got != wantMP {
		t.Errorf("CompleteMultipartUpload ETag = %s, want %s", got, wantMP)
	}
	whole := append(slices.Clone(p1), p2...)
	got := must[*s3.GetObjectOutput](t, "GetObject multipart")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key}))
	gb := must[[]byte](t, "read multipart")(io.ReadAll(got.Body))
	got.Body.Close()
	if !bytes.Equal(gb, whole) {
		t.Errorf("multipart object: got %d bytes, want %d (content differs)", len(gb), len(whole))
	}
	if aws.ToString(got.ETag) != wantMP {
		t.Errorf("GetObject multipart ETag = %s, want %s", aws.ToString(got.ETag), wantMP)
	}

	// Range across the part boundary.
	rng := must[*s3.GetObjectOutput](t, "GetObject Range")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: aws.String("bytes=5242800-5242999")}))
	rb := must[[]byte](t, "read range")(io.ReadAll(rng.Body))
	rng.Body.Close()
	if !bytes.Equal(rb, whole[5242800:5243000]) {
		t.Errorf("Range bytes differ (got %d bytes)", len(rb))
	}
	if want := fmt.Sprintf("bytes 5242800-5242999/%d", len(whole)); aws.ToString(rng.ContentRange) != want {
		t.Errorf("Content-Range = %q, want %q", aws.ToString(rng.ContentRange), want)
	}

	// Head.
	h := must[*s3.HeadObjectOutput](t, "HeadObject")(c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("small.bin")}))
	if aws.ToInt64(h.ContentLength) != int64(len(small)) || aws.ToString(h.ETag) != quoted(md5Hex(small)) ||
		aws.ToString(h.ContentType) != "application/x-test" || h.Metadata["colour"] != "blue" {
		t.Errorf("HeadObject = len %d etag %s type %s meta %v", aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), aws.ToString(h.ContentType), h.Metadata)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("nope")}); err == nil {
		t.Errorf("HeadObject of a missing key succeeded")
	} else {
		var nf *s3types.NotFound
		if !errors.As(err, &nf) {
			t.Errorf("HeadObject missing key: %v, want NotFound", err)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Errorf("GetObject missing key: %v, want NoSuchKey", err)
	}

	// Listing with prefix, delimiter and pagination.
	for _, k := range []string{"dir/a", "dir/b", "dir/sub/c", "dir/sub/d", "other"} {
		must[*s3.PutObjectOutput](t, "PutObject "+k)(c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: strings.NewReader(k)}))
	}
	var keys, prefixes []string
	pages := 0
	pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String("dir/"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1)})
	for pg.HasMorePages() {
		out := must[*s3.ListObjectsV2Output](t, "ListObjectsV2 page")(pg.NextPage(ctx))
		pages++
		if aws.ToInt32(out.KeyCount) != 1 {
			t.Errorf("page %d KeyCount = %d, want 1", pages, aws.ToInt32(out.KeyCount))
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		for _, p := range out.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(p.Prefix))
		}
		if pages > 10 {
			t.Fatalf("pagination does not end")
		}
	}
	if !slices.Equal(keys, []string{"dir/a", "dir/b", "dir/multi.bin"}) || !slices.Equal(prefixes, []string{"dir/sub/"}) || pages != 4 {
		t.Errorf("list v2 prefix=dir/ delimiter=/ max-keys=1: keys %q prefixes %q in %d pages; want [dir/a dir/b dir/multi.bin] [dir/sub/] in 4 pages", keys, prefixes, pages)
	}
	all := must[*s3.ListObjectsV2Output](t, "ListObjectsV2 all")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket}))
	if aws.ToInt32(all.KeyCount) != 7 || aws.ToBool(all.IsTruncated) {
		t.Errorf("ListObjectsV2 all: KeyCount %d truncated %v, want 7 false", aws.ToInt32(all.KeyCount), aws.ToBool(all.IsTruncated))
	}

	// Copy.
	cp := must[*s3.CopyObjectOutput](t, "CopyObject")(c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy.bin"), CopySource: aws.String(bucket + "/small.bin")}))
	if cp.CopyObjectResult == nil || aws.ToString(cp.CopyObjectResult.ETag) != quoted(md5Hex(small)) {
		t.Errorf("CopyObject result = %+v, want ETag %s", cp.CopyObjectResult, quoted(md5Hex(small)))
	}
	cg := must[*s3.GetObjectOutput](t, "GetObject copy")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("copy.bin")}))
	cb := must[[]byte](t, "read copy")(io.ReadAll(cg.Body))
	cg.Body.Close()
	if !bytes.Equal(cb, small) {
		t.Errorf("copied bytes differ")
	}

	// Presigned GET, fetched with plain net/http.
	pc := s3.NewPresignClient(c)
	pget := must[*v4.PresignedHTTPRequest](t, "PresignGetObject")(pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("small.bin")}, s3.WithPresignExpires(15*time.Minute)))
	wantOK(t, do(t, e.httpc, pget.Method, pget.URL, pget.SignedHeader, nil), 200, small)
	// Presigned PUT, uploaded with plain net/http.
	pbody := randBytes(t, 70000)
	pput := must[*v4.PresignedHTTPRequest](t, "PresignPutObject")(pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("presigned-put.bin")}, s3.WithPresignExpires(15*time.Minute)))
	r := do(t, e.httpc, pput.Method, pput.URL, pput.SignedHeader, pbody)
	wantOK(t, r, 200, nil)
	if et := r.header.Get("ETag"); et != quoted(md5Hex(pbody)) {
		t.Errorf("presigned PUT ETag = %s, want %s", et, quoted(md5Hex(pbody)))
	}
	pg2 := must[*s3.GetObjectOutput](t, "GetObject presigned-put")(c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("presigned-put.bin")}))
	pb2 := must[[]byte](t, "read presigned-put")(io.ReadAll(pg2.Body))
	pg2.Body.Close()
	if !bytes.Equal(pb2, pbody) {
		t.Errorf("presigned PUT bytes differ")
	}

	// A wrong checksum is refused with BadDigest.
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("bad-crc"), Body: bytes.NewReader(small), ChecksumCRC32: aws.String("AAAAAA==")})
	if apiCode(err) != "BadDigest" {
		t.Errorf("PutObject with a wrong CRC32: %v, want BadDigest", err)
	}

	// Abort + ListMultipartUploads.
	ab := must[*s3.CreateMultipartUploadOutput](t, "CreateMultipartUpload (abort)")(c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("aborted")}))
	lmu := must[*s3.ListMultipartUploadsOutput](t, "ListMultipartUploads")(c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket}))
	if len(lmu.Uploads) != 1 || aws.ToString(lmu.Uploads[0].UploadId) != aws.ToString(ab.UploadId) {
		t.Errorf("ListMultipartUploads = %+v, want the one upload %s", lmu.Uploads, aws.ToString(ab.UploadId))
	}
	must[*s3.AbortMultipartUploadOutput](t, "AbortMultipartUpload")(c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: aws.String("aborted"), UploadId: ab.UploadId}))
	if _, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: &bucket, Key: aws.String("aborted"), UploadId: ab.UploadId}); apiCode(err) != "NoSuchUpload" {
		t.Errorf("ListParts after abort: %v, want NoSuchUpload", err)
	}

	// Delete objects, then the bucket.
	var ids []s3types.ObjectIdentifier
	for _, k := range []string{"small.bin", "dir/multi.bin", "dir/a", "dir/b", "dir/sub/c", "dir/sub/d", "other", "copy.bin", "presigned-put.bin", "never-existed"} {
		ids = append(ids, s3types.ObjectIdentifier{Key: aws.String(k)})
	}
	del := must[*s3.DeleteObjectsOutput](t, "DeleteObjects")(c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &s3types.Delete{Objects: ids}}))
	if len(del.Deleted) != len(ids) || len(del.Errors) != 0 {
		t.Errorf("DeleteObjects: %d deleted, %d errors (%+v), want %d and 0", len(del.Deleted), len(del.Errors), del.Errors, len(ids))
	}
	left := must[*s3.ListObjectsV2Output](t, "ListObjectsV2 after delete")(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket}))
	if aws.ToInt32(left.KeyCount) != 0 {
		t.Errorf("after DeleteObjects, %d keys remain", aws.ToInt32(left.KeyCount))
	}
	must[*s3.DeleteBucketOutput](t, "DeleteBucket")(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &bucket}))
	if _, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); err == nil {
		t.Errorf("HeadBucket after DeleteBucket succeeded")
	}

	// The presigned URLs' signatures never reach the log.
	for _, u := range []string{pget.URL, pput.URL} {
		pu, _ := url.Parse(u)
		if sig := pu.Query().Get("X-Amz-Signature"); sig == "" || strings.Contains(e.logs.String(), sig) {
			t.Errorf("server log contains a presigned signature (or none was found in %s)", u)
		}
	}
}

// checkChecksumPath asserts how the SDK sent the PUT: over HTTPS the default
// CRC32 goes in an aws-chunked trailer with STREAMING-UNSIGNED-PAYLOAD-TRAILER
// (and the server accepted it); over HTTP the payload hash is signed.
func checkChecksumPath(t *testing.T, e *testEnv, path string) {
	t.Helper()
	var seen *recorded
	for _, r := range e.rec.all() {
		if r.Method == "PUT" && r.Path == path {
			seen = &r
		}
	}
	if seen == nil {
		t.Errorf("no PUT %s recorded", path)
		return
	}
	if e.https {
		if seen.ContentSHA256 != sigv4.StreamingUnsignedTrailer || !strings.EqualFold(seen.Trailer, "x-amz-checksum-crc32") || !strings.Contains(seen.ContentEncoding, "aws-chunked") {
			t.Errorf("HTTPS PutObject was sent as sha256=%q trailer=%q encoding=%q; the trailer path was not exercised", seen.ContentSHA256, seen.Trailer, seen.ContentEncoding)
		}
	} else if len(seen.ContentSHA256) != 64 {
		t.Errorf("HTTP PutObject x-amz-content-sha256 = %q, want a hex payload hash", seen.ContentSHA256)
	}
}

// ---------------------------------------------------------------------------
// minio-go

func TestClientsMinio(t *testing.T) {
	for _, https := range []bool{false, true} {
		for _, trailing := range []bool{false, true} {
			name := "http"
			if https {
				name = "https"
			}
			if trailing {
				name += "-trailers"
			}
			t.Run(name, func(t *testing.T) {
				e := startServer(t, https, nil)
				minioFlow(t, e, trailing)
			})
		}
	}
}

func minioFlow(t *testing.T, e *testEnv, trailing bool) {
	ctx := t.Context()
	mc := e.minio(t, trailing)
	bucket := "minio-bucket"
	if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: region}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}
	if ok, err := mc.BucketExists(ctx, bucket); err != nil || !ok {
		t.Fatalf("BucketExists = %v, %v", ok, err)
	}

	small := randBytes(t, 4000)
	smallOpts := minio.PutObjectOptions{ContentType: "text/plain", UserMetadata: map[string]string{"Colour": "red"}}
	if trailing {
		// minio-go adds its automatic CRC32C trailer to multipart parts
		// only; a single PUT carries one when asked explicitly.
		smallOpts.Checksum = minio.ChecksumCRC32C
	}
	info := must[minio.UploadInfo](t, "PutObject small")(mc.PutObject(ctx, bucket, "small.bin", bytes.NewReader(small), int64(len(small)), smallOpts))
	if info.ETag != md5Hex(small) {
		t.Errorf("PutObject small ETag = %s, want %s", info.ETag, md5Hex(small))
	}
	// How did minio-go send it?
	var put *recorded
	for _, r := range e.rec.all() {
		if r.Method == "PUT" && r.Path == "/"+bucket+"/small.bin" {
			put = &r
		}
	}
	if put == nil {
		t.Fatalf("no PUT recorded")
	}
	want := map[[2]bool]string{
		{false, false}: sigv4.StreamingSigned,
		{false, true}:  sigv4.StreamingSignedTrailer,
		{true, false}:  sigv4.UnsignedPayload,
		{true, true}:   sigv4.StreamingUnsignedTrailer,
	}[[2]bool{e.https, trailing}]
	if put.ContentSHA256 != want {
		t.Errorf("minio-go PUT was sent with x-amz-content-sha256 %q, want %q (mode not exercised)", put.ContentSHA256, want)
	}

	// Multipart: 5 MiB + 1 KiB with PartSize 5 MiB.
	p1, p2 := randBytes(t, 5<<20), randBytes(t, 1<<10)
	whole := append(slices.Clone(p1), p2...)
	mp := must[minio.UploadInfo](t, "PutObject multipart")(mc.PutObject(ctx, bucket, "dir/multi.bin", bytes.NewReader(whole), int64(len(whole)), minio.PutObjectOptions{PartSize: 5 << 20}))
	if mp.ETag != multipartETag(p1, p2) {
		t.Errorf("multipart ETag = %s, want %s", mp.ETag, multipartETag(p1, p2))
	}
	wantPart := map[[2]bool]string{
		{false, false}: sigv4.StreamingSigned,
		{false, true}:  sigv4.StreamingSignedTrailer,
		{true, false}:  sigv4.UnsignedPayload,
		{true, true}:   sigv4.StreamingUnsignedTrailer,
	}[[2]bool{e.https, trailing}]
	nparts := 0
	for _, r := range e.rec.all() {
		if r.Method == "PUT" && r.Path == "/"+bucket+"/dir/multi.bin" && strings.Contains(r.RawQuery, "uploadId=") {
			nparts++
			if r.ContentSHA256 != wantPart {
				t.Errorf("minio-go UploadPart was sent with x-amz-content-sha256 %q (trailer %q), want %q", r.ContentSHA256, r.Trailer, wantPart)
			}
		}
	}
	if nparts != 2 {
		t.Errorf("minio-go sent %d UploadPart requests, want 2", nparts)
	}
	obj := must[*minio.Object](t, "GetObject")(mc.GetObject(ctx, bucket, "dir/multi.bin", minio.GetObjectOptions{}))
	gb := must[[]byte](t, "read multipart")(io.ReadAll(obj))
	obj.Close()
	if !bytes.Equal(gb, whole) {
		t.Errorf("multipart object bytes differ (got %d, want %d)", len(gb), len(whole))
	}

	// Range.
	ro := minio.GetObjectOptions{}
	if err := ro.SetRange(5242800, 5242999); err != nil {
		t.Fatal(err)
	}
	robj := must[*minio.Object](t, "GetObject range")(mc.GetObject(ctx, bucket, "dir/multi.bin", ro))
	rb := must[[]byte](t, "read range")(io.ReadAll(robj))
	robj.Close()
	if !bytes.Equal(rb, whole[5242800:5243000]) {
		t.Errorf("range bytes differ (got %d)", len(rb))
	}

	// Stat (HEAD).
	st := must[minio.ObjectInfo](t, "StatObject")(mc.StatObject(ctx, bucket, "small.bin", minio.StatObjectOptions{}))
	if st.Size != int64(len(small)) || st.ETag != md5Hex(small) || st.ContentType != "text/plain" || st.UserMetadata["Colour"] != "red" {
		t.Errorf("StatObject = size %d etag %s type %s meta %v", st.Size, st.ETag, st.ContentType, st.UserMetadata)
	}
	if _, err := mc.StatObject(ctx, bucket, "nope", minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Errorf("StatObject missing: %v, want NoSuchKey", err)
	}

	// Listing.
	for _, k := range []string{"dir/a", "dir/b", "dir/sub/c", "dir/sub/d", "other"} {
		must[minio.UploadInfo](t, "PutObject "+k)(mc.PutObject(ctx, bucket, k, strings.NewReader(k), int64(len(k)), minio.PutObjectOptions{}))
	}
	var names []string
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: "dir/", MaxKeys: 1}) {
		if o.Err != nil {
			t.Fatalf("ListObjects: %v", o.Err)
		}
		names = append(names, o.Key)
	}
	if !slices.Equal(names, []string{"dir/a", "dir/b", "dir/multi.bin", "dir/sub/"}) {
		t.Errorf("ListObjects dir/ (delimiter /, 1 per page) = %q", names)
	}
	names = nil
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, StartAfter: "dir/multi.bin"}) {
		if o.Err != nil {
			t.Fatalf("ListObjects recursive: %v", o.Err)
		}
		names = append(names, o.Key)
	}
	if !slices.Equal(names, []string{"dir/sub/c", "dir/sub/d", "other", "small.bin"}) {
		t.Errorf("ListObjects recursive start-after dir/multi.bin = %q", names)
	}

	// Copy.
	cp := must[minio.UploadInfo](t, "CopyObject")(mc.CopyObject(ctx, minio.CopyDestOptions{Bucket: bucket, Object: "copy.bin"}, minio.CopySrcOptions{Bucket: bucket, Object: "small.bin"}))
	if cp.ETag != md5Hex(small) {
		t.Errorf("CopyObject ETag = %s, want %s", cp.ETag, md5Hex(small))
	}

	// Presigned GET and PUT, through plain net/http.
	pu := must[*url.URL](t, "PresignedGetObject")(mc.PresignedGetObject(ctx, bucket, "copy.bin", 10*time.Minute, nil))
	wantOK(t, do(t, e.httpc, "GET", pu.String(), nil, nil), 200, small)
	pbody := randBytes(t, 12345)
	pp := must[*url.URL](t, "PresignedPutObject")(mc.PresignedPutObject(ctx, bucket, "presigned-put.bin", 10*time.Minute))
	r := do(t, e.httpc, "PUT", pp.String(), nil, pbody)
	wantOK(t, r, 200, nil)
	if r.header.Get("ETag") != quoted(md5Hex(pbody)) {
		t.Errorf("presigned PUT ETag = %s, want %s", r.header.Get("ETag"), quoted(md5Hex(pbody)))
	}

	// Delete multiple.
	ch := make(chan minio.ObjectInfo)
	go func() {
		defer close(ch)
		for _, k := range []string{"small.bin", "dir/multi.bin", "dir/a", "dir/b", "dir/sub/c", "dir/sub/d", "other", "copy.bin", "presigned-put.bin"} {
			ch <- minio.ObjectInfo{Key: k}
		}
	}()
	for re := range mc.RemoveObjects(ctx, bucket, ch, minio.RemoveObjectsOptions{}) {
		t.Errorf("RemoveObjects %s: %v", re.ObjectName, re.Err)
	}
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true}) {
		t.Errorf("left after RemoveObjects: %q %v", o.Key, o.Err)
	}
	if err := mc.RemoveBucket(ctx, bucket); err != nil {
		t.Errorf("RemoveBucket: %v", err)
	}
}

// ---------------------------------------------------------------------------
// Mutation tests on an SDK-presigned GET

func TestPresignMutations(t *testing.T) {
	e := startServer(t, false, nil)
	ctx := t.Context()
	c := e.sdk(t)
	for _, b := range []string{"mut", "mut2"} {
		must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}))
		for _, k := range []string{"k", "k2"} {
			must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(k), Body: strings.NewReader(b + "/" + k)}))
		}
	}
	ps := must[*v4.PresignedHTTPRequest](t, "PresignGetObject")(s3.NewPresignClient(c).PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("mut"), Key: aws.String("k")}, s3.WithPresignExpires(time.Hour)))
	orig := ps.URL

	// Baseline: the untouched URL works.
	wantOK(t, do(t, e.httpc, "GET", orig, nil, nil), 200, []byte("mut/k"))
	// Anonymous access is refused.
	anon := do(t, e.httpc, "GET", e.ts.URL+"/mut/k", nil, nil)
	wantErr(t, anon, 403, "AccessDenied")

	setQ := func(name, value string) string {
		u, _ := url.Parse(orig)
		q := u.Query()
		q.Set(name, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	delQ := func(name string) string {
		u, _ := url.Parse(orig)
		q := u.Query()
		q.Del(name)
		u.RawQuery = q.Encode()
		return u.String()
	}
	setPath := func(p string) string {
		u, _ := url.Parse(orig)
		u.Path, u.RawPath = p, ""
		return u.String()
	}
	q0, _ := url.Parse(orig)
	amzDate := q0.Query().Get("X-Amz-Date")
	sig := q0.Query().Get("X-Amz-Signature")
	cred := q0.Query().Get("X-Amz-Credential")
	flipped := sig[:len(sig)-1] + string("01"[map[bool]int{true: 1, false: 0}[sig[len(sig)-1] == '0']])
	d, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		t.Fatalf("X-Amz-Date %q: %v", amzDate, err)
	}

	cases := []struct {
		name    string
		method  string
		url     string
		hdr     http.Header
		status  int
		code    string
		message string
		check   func(t *testing.T, e s3Error)
	}{
		{name: "method PUT", method: "PUT", url: orig, status: 403, code: "SignatureDoesNotMatch"},
		{name: "method DELETE", method: "DELETE", url: orig, status: 403, code: "SignatureDoesNotMatch"},
		{name: "bucket", url: setPath("/mut2/k"), status: 403, code: "SignatureDoesNotMatch"},
		{name: "key", url: setPath("/mut/k2"), status: 403, code: "SignatureDoesNotMatch"},
		{name: "query x-id", url: setQ("x-id", "PutObject"), status: 403, code: "SignatureDoesNotMatch"},
		{name: "extra query response-content-type", url: setQ("response-content-type", "text/html"), status: 403, code: "SignatureDoesNotMatch"},
		{name: "X-Amz-Date one second earlier", url: setQ("X-Amz-Date", d.Add(-time.Second).Format("20060102T150405Z")), status: 403, code: "SignatureDoesNotMatch"},
		{name: "X-Amz-Date malformed", url: setQ("X-Amz-Date", d.Format(time.RFC3339)), status: 400, code: "AuthorizationQueryParametersError",
			message: `X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`},
		{name: "X-Amz-Expires 3601", url: setQ("X-Amz-Expires", "3601"), status: 403, code: "SignatureDoesNotMatch"},
		{name: "X-Amz-Expires 604801", url: setQ("X-Amz-Expires", "604801"), status: 400, code: "AuthorizationQueryParametersError",
			message: "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"},
		{name: "X-Amz-Expires negative", url: setQ("X-Amz-Expires", "-1"), status: 400, code: "AuthorizationQueryParametersError"},
		{name: "X-Amz-Expires not a number", url: setQ("X-Amz-Expires", "soon"), status: 400, code: "AuthorizationQueryParametersError"},
		{name: "credential region", url: setQ("X-Amz-Credential", strings.Replace(cred, "/us-east-1/", "/us-west-2/", 1)), status: 400, code: "AuthorizationQueryParametersError",
			message: "Error parsing the X-Amz-Credential parameter; the region 'us-west-2' is wrong; expecting 'us-east-1'",
			check: func(t *testing.T, e s3Error) {
				if e.Region != "us-east-1" {
					t.Errorf("Region element = %q, want us-east-1", e.Region)
				}
			}},
		{name: "credential unknown key", url: setQ("X-Amz-Credential", strings.Replace(cred, e.akid, "AKIAUNKNOWNKEY000000", 1)), status: 403, code: "InvalidAccessKeyId",
			message: "The AWS Access Key Id you provided does not exist in our records.",
			check: func(t *testing.T, e s3Error) {
				if e.AWSAccessKeyID != "AKIAUNKNOWNKEY000000" {
					t.Errorf("AWSAccessKeyId element = %q", e.AWSAccessKeyID)
				}
			}},
		{name: "missing X-Amz-SignedHeaders", url: delQ("X-Amz-SignedHeaders"), status: 400, code: "AuthorizationQueryParametersError",
			message: "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."},
		{name: "signature", url: setQ("X-Amz-Signature", flipped), status: 403, code: "SignatureDoesNotMatch",
			message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
			check: func(t *testing.T, er s3Error) {
				checkSigMismatchBody(t, e, er, flipped, sig, d)
			}},
		{name: "unsigned x-amz header", url: orig, hdr: http.Header{"X-Amz-Foo": {"bar"}}, status: 403, code: "AccessDenied",
			message: "There were headers present in the request which were not signed",
			check: func(t *testing.T, e s3Error) {
				if e.HeadersNotSigned != "x-amz-foo" {
					t.Errorf("HeadersNotSigned = %q, want x-amz-foo", e.HeadersNotSigned)
				}
			}},
		{name: "two auth mechanisms", url: orig, hdr: http.Header{"Authorization": {"AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=host, Signature=" + sig}}, status: 400, code: "InvalidArgument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.method
			if m == "" {
				m = "GET"
			}
			r := do(t, e.httpc, m, tc.url, tc.hdr, nil)
			er := wantErr(t, r, tc.status, tc.code)
			if tc.message != "" && er.Message != tc.message {
				t.Errorf("Message = %q, want %q\n%s", er.Message, tc.message, r)
			}
			if tc.check != nil {
				tc.check(t, er)
			}
		})
	}
	// The object survived the DELETE attempt.
	wantOK(t, do(t, e.httpc, "GET", orig, nil, nil), 200, []byte("mut/k"))
}

// checkSigMismatchBody verifies the SignatureDoesNotMatch extras: the
// server's StringToSign, signed with our key, gives the SDK's original
// signature (only the signature was changed), and the byte fields match.
func checkSigMismatchBody(t *testing.T, e *testEnv, er s3Error, provided, original string, d time.Time) {
	t.Helper()
	if er.SignatureProvided != provided {
		t.Errorf("SignatureProvided = %q, want %q", er.SignatureProvided, provided)
	}
	if er.AWSAccessKeyID != e.akid {
		t.Errorf("AWSAccessKeyId = %q, want %q", er.AWSAccessKeyID, e.akid)
	}
	if er.StringToSign == "" || er.CanonicalRequest == "" {
		t.Fatalf("StringToSign/CanonicalRequest missing: %+v", er)
	}
	key := sigv4.SigningKey(secret.New(e.sec), sigv4.Scope{Date: d.Format("20060102"), Region: region, Service: "s3"})
	if got := hex.EncodeToString(hmacSHA256(key, []byte(er.StringToSign))); got != original {
		t.Errorf("HMAC(StringToSign from the error) = %s, want the SDK's signature %s\nStringToSign:\n%s\nCanonicalRequest:\n%s", got, original, er.StringToSign, er.CanonicalRequest)
	}
	lines := strings.Split(er.StringToSign, "\n")
	if len(lines) != 4 || lines[0] != "AWS4-HMAC-SHA256" {
		t.Errorf("StringToSign = %q", er.StringToSign)
	} else {
		h := sha256.Sum256([]byte(er.CanonicalRequest))
		if lines[3] != hex.EncodeToString(h[:]) {
			t.Errorf("StringToSign's hash line does not hash the returned CanonicalRequest")
		}
	}
	if er.StringToSignBytes != spacedHex(er.StringToSign) {
		t.Errorf("StringToSignBytes = %q, want %q", er.StringToSignBytes, spacedHex(er.StringToSign))
	}
	if er.CanonicalRequestBytes != spacedHex(er.CanonicalRequest) {
		t.Errorf("CanonicalRequestBytes does not encode CanonicalRequest")
	}
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func spacedHex(s string) string {
	parts := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		parts[i] = fmt.Sprintf("%02x", s[i])
	}
	return strings.Join(parts, " ")
}

// ---------------------------------------------------------------------------
// Boundaries with a fake clock

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func TestPresignBoundaries(t *testing.T) {
	fake := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	e := startServer(t, false, fake)
	ctx := t.Context()
	c := e.sdk(t)
	must[*s3.CreateBucketOutput](t, "CreateBucket")(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("edge")}))
	body := []byte("edge of time")
	must[*s3.PutObjectOutput](t, "PutObject")(c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("edge"), Key: aws.String("o"), Body: bytes.NewReader(body)}))
	pc := s3.NewPresignClient(c)
	reset := func() { fake.Set(time.Now().UTC().Truncate(time.Second)) }

	presign := func(t *testing.T, exp time.Duration) (string, time.Time) {
		t.Helper()
		ps := must[*v4.PresignedHTTPRequest](t, "PresignGetObject")(pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("edge"), Key: aws.String("o")}, s3.WithPresignExpires(exp)))
		u, _ := url.Parse(ps.URL)
		d, err := time.Parse("20060102T150405Z", u.Query().Get("X-Amz-Date"))
		if err != nil {
			t.Fatalf("X-Amz-Date: %v", err)
		}
		return ps.URL, d
	}

	t.Run("3600", func(t *testing.T) {
		u, T := presign(t, time.Hour)
		fake.Set(T)
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(T.Add(3599 * time.Second))
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(T.Add(3600 * time.Second))
		r := do(t, e.httpc, "GET", u, nil, nil)
		er := wantErr(t, r, 403, "AccessDenied")
		if er.Message != "Request has expired" || er.XAmzExpires != "3600" || er.Expires != iso(T.Add(time.Hour)) || er.ServerTime != iso(T.Add(time.Hour)) {
			t.Errorf("expired body: Message %q X-Amz-Expires %q Expires %q ServerTime %q; want %q 3600 %s %s\n%s",
				er.Message, er.XAmzExpires, er.Expires, er.ServerTime, "Request has expired", iso(T.Add(time.Hour)), iso(T.Add(time.Hour)), r)
		}
		fake.Set(T.Add(-time.Second))
		r = do(t, e.httpc, "GET", u, nil, nil)
		er = wantErr(t, r, 403, "AccessDenied")
		if er.Message != "Request is not yet valid" || er.ServerTime != iso(T.Add(-time.Second)) || er.Expires == "" || er.XAmzDate == "" {
			t.Errorf("not-yet-valid body: Message %q X-Amz-Date %q Expires %q ServerTime %q\n%s", er.Message, er.XAmzDate, er.Expires, er.ServerTime, r)
		}
	})

	t.Run("604800", func(t *testing.T) {
		reset()
		u, T := presign(t, 604800*time.Second)
		fake.Set(T.Add(604799 * time.Second))
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(T.Add(604800 * time.Second))
		er := wantErr(t, do(t, e.httpc, "GET", u, nil, nil), 403, "AccessDenied")
		if er.Message != "Request has expired" || er.XAmzExpires != "604800" {
			t.Errorf("at T+604800: Message %q X-Amz-Expires %q", er.Message, er.XAmzExpires)
		}
	})

	t.Run("604801", func(t *testing.T) {
		reset()
		u, T := presign(t, 604801*time.Second)
		fake.Set(T)
		r := do(t, e.httpc, "GET", u, nil, nil)
		er := wantErr(t, r, 400, "AuthorizationQueryParametersError")
		if want := "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"; er.Message != want {
			t.Errorf("Message = %q, want %q", er.Message, want)
		}
	})

	t.Run("signet-sigv4-presign", func(t *testing.T) {
		reset()
		// signet's own signer, with an explicit time: same window rules.
		T := fake.Now().Add(-10 * time.Minute)
		u, err := sigv4.Presign(sigv4.PresignInput{
			Method: "GET", URL: e.ts.URL + "/edge/o",
			Credentials: sigv4.Credentials{AccessKeyID: e.akid, SecretAccessKey: secret.New(e.sec)}, Region: region,
			Service: "s3", Time: T, Expires: time.Hour, Mode: sigv4.S3,
		})
		if err != nil {
			t.Fatalf("sigv4.Presign: %v", err)
		}
		fake.Set(T.Add(3599 * time.Second))
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(T.Add(3600 * time.Second))
		wantErr(t, do(t, e.httpc, "GET", u, nil, nil), 403, "AccessDenied")
	})

	t.Run("sigv2", func(t *testing.T) {
		reset()
		now := fake.Now()
		exp := now.Add(time.Hour)
		u, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: e.ts.URL + "/edge/o", AccessKeyID: e.akid, SecretAccessKey: secret.New(e.sec), Expires: exp})
		if err != nil {
			t.Fatalf("sigv2.Presign: %v", err)
		}
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(exp.Add(-time.Second))
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(exp.Add(time.Second))
		r := do(t, e.httpc, "GET", u, nil, nil)
		er := wantErr(t, r, 403, "AccessDenied")
		if er.Message != "Request has expired" || er.XAmzExpires != "" || er.Expires != iso(exp) || er.ServerTime != iso(exp.Add(time.Second)) {
			t.Errorf("SigV2 expired body: Message %q X-Amz-Expires %q (want none) Expires %q (want %s) ServerTime %q\n%s", er.Message, er.XAmzExpires, er.Expires, iso(exp), er.ServerTime, r)
		}
		fake.Set(now)
	})

	t.Run("header-skew", func(t *testing.T) {
		now := time.Now().UTC().Truncate(time.Second)
		fake.Set(now)
		signer := v4.NewSigner()
		creds := aws.Credentials{AccessKeyID: e.akid, SecretAccessKey: e.sec}
		get := func(t *testing.T, at time.Time) rawResp {
			t.Helper()
			req, _ := http.NewRequest("GET", e.ts.URL+"/edge/o", nil)
			req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			if err := signer.SignHTTP(ctx, creds, req, emptySHA256, "s3", region, at); err != nil {
				t.Fatal(err)
			}
			return do(t, e.httpc, "GET", req.URL.String(), req.Header, nil)
		}
		for _, off := range []time.Duration{-14 * time.Minute, 14 * time.Minute} {
			wantOK(t, get(t, now.Add(off)), 200, body)
		}
		for _, off := range []time.Duration{-16 * time.Minute, 16 * time.Minute} {
			r := get(t, now.Add(off))
			er := wantErr(t, r, 403, "RequestTimeTooSkewed")
			if er.Message != "The difference between the request time and the current time is too large." ||
				er.MaxAllowedSkewMilliseconds != "900000" || er.ServerTime == "" || er.RequestTime == "" {
				t.Errorf("skew %v: body %+v\n%s", off, er, r)
			}
		}
		// The whole SDK client, signing at real time, against a server
		// clock 16 minutes ahead.
		fake.Set(time.Now().UTC().Add(16 * time.Minute))
		c2 := e.sdk(t) // its own client: the SDK may remember a clock offset
		_, err := c2.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("edge")})
		if err == nil {
			t.Errorf("HeadBucket 16 min skewed succeeded")
		}
		_, err = e.sdk(t).GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("edge"), Key: aws.String("o")})
		if apiCode(err) != "RequestTimeTooSkewed" {
			t.Errorf("GetObject 16 min skewed: %v, want RequestTimeTooSkewed", err)
		}
		// Presigned URLs are exempt from the skew rule.
		fake.Set(now)
		u, T := presign(t, 2*time.Hour)
		fake.Set(T.Add(90 * time.Minute))
		wantOK(t, do(t, e.httpc, "GET", u, nil, nil), 200, body)
		fake.Set(now)
	})
}
