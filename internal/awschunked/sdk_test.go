package awschunked

// Differential tests: real clients encode, this package decodes. The
// bodies are captured by an httptest server exactly as they arrive.

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"signet/internal/checksum"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

const (
	sdkAKID   = "AKIDEXAMPLE"
	sdkSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type captured struct {
	header        http.Header
	contentLength int64
	body          []byte
}

// captureServer records every PUT and answers like S3 would enough for
// the SDKs to consider the upload done.
type captureServer struct {
	mu   sync.Mutex
	reqs []captured
}

func (c *captureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, captured{r.Header.Clone(), r.ContentLength, body})
	c.mu.Unlock()
	w.Header().Set("ETag", `"d41d8cd98f00b204e9800998ecf8427e"`)
	w.WriteHeader(http.StatusOK)
}

func (c *captureServer) last(t *testing.T) captured {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) == 0 {
		t.Fatal("no request captured")
	}
	return c.reqs[len(c.reqs)-1]
}

// authFields extracts the seed signature and scope from a SigV4
// Authorization header (test helper; the real parser lives in sigv4).
func authFields(t *testing.T, h string) (scope sigv4.Scope, sig string) {
	t.Helper()
	rest, ok := strings.CutPrefix(h, sigv4.Algorithm+" ")
	if !ok {
		t.Fatalf("Authorization %q", h)
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				t.Fatalf("Credential %q", v)
			}
			scope = sigv4.Scope{Date: f[1], Region: f[2], Service: f[3]}
		case "Signature":
			sig = v
		}
	}
	return scope, sig
}

// decodeCaptured decodes a captured request body the way the server will:
// mode from x-amz-content-sha256, trailers from x-amz-trailer, keys from
// the Authorization header.
func decodeCaptured(t *testing.T, c captured) ([]byte, map[string]string, Mode) {
	t.Helper()
	if ce := c.header.Get("Content-Encoding"); !strings.Contains(ce, "aws-chunked") {
		t.Errorf("Content-Encoding %q", ce)
	}
	mode, ok := ModeFor(c.header.Get("X-Amz-Content-Sha256"))
	if !ok {
		t.Fatalf("x-amz-content-sha256 %q", c.header.Get("X-Amz-Content-Sha256"))
	}
	cfg := Config{Mode: mode}
	for _, v := range c.header.Values("X-Amz-Trailer") {
		for _, n := range strings.Split(v, ",") {
			cfg.Trailers = append(cfg.Trailers, strings.ToLower(strings.TrimSpace(n)))
		}
	}
	if mode.signed() {
		scope, sig := authFields(t, c.header.Get("Authorization"))
		cfg.Scope, cfg.SeedSignature = scope, sig
		cfg.AmzDate = c.header.Get("X-Amz-Date")
		cfg.SigningKey = sigv4.SigningKey(secret.New(sdkSecret), scope)
	}
	r := NewReader(bytes.NewReader(c.body), cfg)
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v\ntail %q", mode, err, tail(c.body))
	}
	if dl := c.header.Get("X-Amz-Decoded-Content-Length"); dl != "" && dl != strconv.Itoa(len(got)) {
		t.Errorf("x-amz-decoded-content-length %s, decoded %d", dl, len(got))
	}
	if c.contentLength >= 0 && c.contentLength != int64(len(c.body)) {
		t.Errorf("Content-Length %d, body %d", c.contentLength, len(c.body))
	}
	t.Logf("%s Content-Length=%d TE-chunked=%v trailer=%v; body tail %q", mode, c.contentLength, c.contentLength < 0, cfg.Trailers, tail(c.body))
	return got, r.Trailers(), mode
}

func tail(b []byte) []byte {
	if len(b) > 200 {
		return b[len(b)-200:]
	}
	return b
}

func testData(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func checkTrailer(t *testing.T, a checksum.Algorithm, data []byte, tr map[string]string) {
	t.Helper()
	h := a.New()
	h.Write(data)
	if got, want := tr[a.HeaderName()], checksum.Encode(h.Sum(nil)); got != want {
		t.Errorf("trailer %s = %q, want %q (all %v)", a.HeaderName(), got, want, tr)
	}
}

// onlyReader hides Seek so the SDK cannot learn the length.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestAWSSDKGoV2UnsignedTrailer(t *testing.T) {
	cs := &captureServer{}
	srv := httptest.NewTLSServer(cs)
	defer srv.Close()
	cfg := aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(sdkAKID, sdkSecret, ""),
		HTTPClient:       srv.Client(),
		RetryMaxAttempts: 1,
		// What config.LoadDefaultConfig sets; a hand-built aws.Config
		// otherwise leaves it unset and the SDK sends no checksum at all.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	algs := map[checksum.Algorithm]s3types.ChecksumAlgorithm{
		"":                 "", // SDK default: CRC32
		checksum.CRC32:     s3types.ChecksumAlgorithmCrc32,
		checksum.CRC32C:    s3types.ChecksumAlgorithmCrc32c,
		checksum.CRC64NVME: s3types.ChecksumAlgorithmCrc64nvme,
		checksum.SHA1:      s3types.ChecksumAlgorithmSha1,
		checksum.SHA256:    s3types.ChecksumAlgorithmSha256,
	}
	for ours, theirs := range algs {
		for _, size := range []int{1, 100 << 10} {
			for _, seekable := range []bool{true, false} {
				name := string(ours) + "/" + strconv.Itoa(size) + "/seekable=" + strconv.FormatBool(seekable)
				t.Run(name, func(t *testing.T) {
					data := testData(size)
					var body io.Reader = bytes.NewReader(data)
					if !seekable {
						body = onlyReader{bytes.NewReader(data)}
					}
					_, err := client.PutObject(t.Context(), &s3.PutObjectInput{
						Bucket: aws.String("bucket"), Key: aws.String("key"), Body: body, ChecksumAlgorithm: theirs,
					})
					if err != nil {
						t.Fatalf("PutObject: %v", err)
					}
					got, tr, mode := decodeCaptured(t, cs.last(t))
					if mode != UnsignedTrailer {
						t.Errorf("mode %v", mode)
					}
					if !bytes.Equal(got, data) {
						t.Fatalf("decoded %d bytes differ from %d sent", len(got), len(data))
					}
					a := ours
					if a == "" {
						a = checksum.CRC32
					}
					checkTrailer(t, a, data, tr)
				})
			}
		}
	}
}

func newMinio(t *testing.T, srv *httptest.Server, secure bool) *minio.Client {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	opts := &minio.Options{
		Creds:           miniocreds.NewStaticV4(sdkAKID, sdkSecret, ""),
		Secure:          secure,
		Region:          "us-east-1",
		TrailingHeaders: true,
		MaxRetries:      1,
	}
	if secure {
		opts.Transport = srv.Client().Transport
	}
	mc, err := minio.New(u.Host, opts)
	if err != nil {
		t.Fatal(err)
	}
	return mc
}

func TestMinioGoStreaming(t *testing.T) {
	cs := &captureServer{}
	plain := httptest.NewServer(cs)
	defer plain.Close()
	tls := httptest.NewTLSServer(cs)
	defer tls.Close()

	cases := []struct {
		name     string
		secure   bool
		checksum minio.ChecksumType
		ours     checksum.Algorithm
		mode     Mode
	}{
		{"http signed", false, minio.ChecksumNone, "", Signed},
		{"http signed trailer crc32c", false, minio.ChecksumCRC32C, checksum.CRC32C, SignedTrailer},
		{"http signed trailer sha256", false, minio.ChecksumSHA256, checksum.SHA256, SignedTrailer},
		{"http signed trailer crc64nvme", false, minio.ChecksumCRC64NVME, checksum.CRC64NVME, SignedTrailer},
		{"https unsigned trailer crc32", true, minio.ChecksumCRC32, checksum.CRC32, UnsignedTrailer},
		{"https unsigned trailer sha1", true, minio.ChecksumSHA1, checksum.SHA1, UnsignedTrailer},
	}
	for _, c := range cases {
		for _, size := range []int{1, 64 << 10, 200<<10 + 17} {
			t.Run(c.name+"/"+strconv.Itoa(size), func(t *testing.T) {
				srv := plain
				if c.secure {
					srv = tls
				}
				mc := newMinio(t, srv, c.secure)
				data := testData(size)
				_, err := mc.PutObject(t.Context(), "bucket", "key", bytes.NewReader(data), int64(len(data)),
					minio.PutObjectOptions{Checksum: c.checksum, DisableMultipart: true})
				if err != nil {
					t.Fatalf("PutObject: %v", err)
				}
				got, tr, mode := decodeCaptured(t, cs.last(t))
				if mode != c.mode {
					t.Errorf("mode %v, want %v", mode, c.mode)
				}
				if !bytes.Equal(got, data) {
					t.Fatalf("decoded %d bytes differ from %d sent", len(got), len(data))
				}
				if c.ours != "" {
					checkTrailer(t, c.ours, data, tr)
				}
			})
		}
	}
}

// A part upload with an explicit trailer, through minio-go's Core API.
func TestMinioGoPartWithTrailer(t *testing.T) {
	cs := &captureServer{}
	srv := httptest.NewServer(cs)
	defer srv.Close()
	mc := newMinio(t, srv, false)
	data := testData(150 << 10)
	h := checksum.CRC32.New()
	h.Write(data)
	tr := http.Header{}
	tr.Set("x-amz-checksum-crc32", checksum.Encode(h.Sum(nil)))
	core := &minio.Core{Client: mc}
	if _, err := core.PutObjectPart(t.Context(), "bucket", "key", "upload", 1, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectPartOptions{Trailer: tr}); err != nil {
		t.Fatal(err)
	}
	got, trailers, mode := decodeCaptured(t, cs.last(t))
	if mode != SignedTrailer || !bytes.Equal(got, data) {
		t.Fatalf("mode %v, %d bytes", mode, len(got))
	}
	checkTrailer(t, checksum.CRC32, data, trailers)

	// Tampering with the captured body is detected.
	c := cs.last(t)
	c.body = bytes.Replace(c.body, []byte(tr.Get("x-amz-checksum-crc32")), []byte("AAAAAA=="), 1)
	cfg := Config{Mode: SignedTrailer, Trailers: []string{"x-amz-checksum-crc32"}}
	cfg.Scope, cfg.SeedSignature = authFields(t, c.header.Get("Authorization"))
	cfg.AmzDate = c.header.Get("X-Amz-Date")
	cfg.SigningKey = sigv4.SigningKey(secret.New(sdkSecret), cfg.Scope)
	if _, err := io.ReadAll(NewReader(bytes.NewReader(c.body), cfg)); err == nil || !strings.Contains(err.Error(), "trailer signature") {
		t.Fatalf("tampered trailer: %v", err)
	}
}
