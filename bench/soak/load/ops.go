package load

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// op is one kind of operation and its share of the mix.
type op struct {
	name   string
	weight int
	run    func(ctx context.Context, w *world, rng *rand.Rand) error
}

// ops is the mix. Reads go to objects that are never overwritten, so every
// GET has one right answer; writes overwrite churnKeys keys, so the data
// directory stays bounded. STS calls are a small share, as in real use
// (a session serves many requests): each leaves a session record that is
// kept until a week after it expires.
var ops = []op{
	{"presigned GET", 25, presignedGet},
	{"presigned GET (session)", 10, sessionPresignedGet},
	{"presigned PUT", 12, presignedPut},
	{"GetObject", 10, getObject},
	{"PutObject", 10, putObject},
	{"HeadObject", 6, headObject},
	{"ListObjectsV2", 5, listObjects},
	{"DeleteObject", 6, deleteObject},
	{"multipart upload", 7, multipart},
	{"AssumeRole", 2, assumeRole},
	{"GetSessionToken", 2, getSessionToken},
}

var totalWeight = func() int {
	n := 0
	for _, o := range ops {
		n += o.weight
	}
	return n
}()

func pick(rng *rand.Rand) op {
	n := rng.IntN(totalWeight)
	for _, o := range ops {
		if n < o.weight {
			return o
		}
		n -= o.weight
	}
	panic("unreachable")
}

const (
	stableObjects = 32
	churnKeys     = 256
	sessionPool   = 16
	// sessionSeconds is AWS's shortest session: records of expired
	// sessions are what a long run accumulates.
	sessionSeconds = 900
)

type object struct {
	key  string
	md5  string
	size int64
}

// world is what the operations share: the clients, the bucket, the
// objects that are read, and a pool of STS sessions.
type world struct {
	cfg     Config
	hc      *http.Client
	bucket  string
	root    *s3.Client
	presign *s3.PresignClient
	userSTS *sts.Client
	roleARN string
	stable  []object
	// random is where PUT bodies are cut from.
	random []byte

	mu       sync.Mutex
	sessions []*s3.PresignClient
	nextName int
}

func (w *world) awsConfig(c aws.Credentials) aws.Config {
	return aws.Config{
		Region:      w.cfg.Region,
		Credentials: credentials.StaticCredentialsProvider{Value: c},
		HTTPClient:  w.hc,
		// Every failure must be seen, not retried away.
		Retryer:                    func() aws.Retryer { return aws.NopRetryer{} },
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
}

func (w *world) s3Client(c aws.Credentials) *s3.Client {
	return s3.NewFromConfig(w.awsConfig(c), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(w.cfg.Endpoint)
		o.UsePathStyle = true
	})
}

// setup creates the bucket and its stable objects, and an IAM user
// allowed to read and write the bucket and to assume a role that may read
// it.
func setup(ctx context.Context, cfg Config, hc *http.Client) (*world, error) {
	w := &world{cfg: cfg, hc: hc, random: make([]byte, 6<<20)}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	_, _ = rand.NewChaCha8([32]byte{}).Read(w.random)
	suffix := fmt.Sprintf("%08x", rng.Uint32())
	w.bucket = "soak-" + suffix
	rootCreds := aws.Credentials{AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey}
	w.root = w.s3Client(rootCreds)
	w.presign = s3.NewPresignClient(w.root)
	if _, err := w.root.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(w.bucket)}); err != nil {
		return nil, fmt.Errorf("setup: CreateBucket %s: %w", w.bucket, err)
	}
	// Sizes on both sides of the inline limit (16 KiB) and one of 1 MiB.
	sizes := []int{1 << 10, 12 << 10, 100 << 10, 1 << 20}
	for i := range stableObjects {
		body := w.random[i*1000 : i*1000+sizes[i%len(sizes)]]
		o := object{key: fmt.Sprintf("stable/%03d", i), md5: md5hex(body), size: int64(len(body))}
		if _, err := w.root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(o.key), Body: bytes.NewReader(body)}); err != nil {
			return nil, fmt.Errorf("setup: PutObject %s: %w", o.key, err)
		}
		w.stable = append(w.stable, o)
	}

	im := iam.NewFromConfig(w.awsConfig(rootCreds), func(o *iam.Options) { o.BaseEndpoint = aws.String(cfg.Endpoint) })
	user := "soak-" + suffix
	u, err := im.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)})
	if err != nil {
		return nil, fmt.Errorf("setup: CreateUser %s: %w", user, err)
	}
	key, err := im.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
	if err != nil {
		return nil, fmt.Errorf("setup: CreateAccessKey: %w", err)
	}
	bucketARN := "arn:aws:s3:::" + w.bucket
	userPolicy := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":["` + bucketARN + `","` + bucketARN + `/*"]},
		{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	if _, err := im.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(user), PolicyName: aws.String("soak"), PolicyDocument: aws.String(userPolicy)}); err != nil {
		return nil, fmt.Errorf("setup: PutUserPolicy: %w", err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + aws.ToString(u.User.Arn) + `"},"Action":"sts:AssumeRole"}]}`
	role, err := im.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("soak-reader-" + suffix), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		return nil, fmt.Errorf("setup: CreateRole: %w", err)
	}
	w.roleARN = aws.ToString(role.Role.Arn)
	read := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["` + bucketARN + `","` + bucketARN + `/*"]}]}`
	if _, err := im.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: role.Role.RoleName, PolicyName: aws.String("read"), PolicyDocument: aws.String(read)}); err != nil {
		return nil, fmt.Errorf("setup: PutRolePolicy: %w", err)
	}
	userCreds := aws.Credentials{AccessKeyID: aws.ToString(key.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(key.AccessKey.SecretAccessKey)}
	w.userSTS = sts.NewFromConfig(w.awsConfig(userCreds), func(o *sts.Options) { o.BaseEndpoint = aws.String(cfg.Endpoint) })
	if err := assumeRole(ctx, w, rng); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	return w, nil
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func (w *world) stableObject(rng *rand.Rand) object { return w.stable[rng.IntN(len(w.stable))] }

func (w *world) churnKey(rng *rand.Rand) string {
	return fmt.Sprintf("churn/%03d", rng.IntN(churnKeys))
}

// body cuts n bytes at a random place out of w.random.
func (w *world) body(rng *rand.Rand, n int) []byte {
	off := rng.IntN(len(w.random) - n + 1)
	return w.random[off : off+n]
}

// fetch sends a presigned request and checks its status (and, for a GET,
// the body's MD5).
func (w *world) fetch(ctx context.Context, method, url string, signed http.Header, body []byte, wantMD5 string) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range signed {
		if !strings.EqualFold(k, "host") {
			req.Header[k] = vs
		}
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	h := md5.New()
	if _, err := io.Copy(h, resp.Body); err != nil {
		return nil, fmt.Errorf("%s: reading the body: %w", method, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %d", method, resp.StatusCode)
	}
	if got := hex.EncodeToString(h.Sum(nil)); wantMD5 != "" && got != wantMD5 {
		return nil, fmt.Errorf("%s: body MD5 %s, want %s", method, got, wantMD5)
	}
	return resp.Header, nil
}

func presignedGetWith(ctx context.Context, w *world, p *s3.PresignClient, rng *rand.Rand) error {
	o := w.stableObject(rng)
	req, err := p.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(o.key)},
		s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		return err
	}
	_, err = w.fetch(ctx, http.MethodGet, req.URL, req.SignedHeader, nil, o.md5)
	return err
}

func presignedGet(ctx context.Context, w *world, rng *rand.Rand) error {
	return presignedGetWith(ctx, w, w.presign, rng)
}

func sessionPresignedGet(ctx context.Context, w *world, rng *rand.Rand) error {
	w.mu.Lock()
	p := w.sessions[rng.IntN(len(w.sessions))]
	w.mu.Unlock()
	return presignedGetWith(ctx, w, p, rng)
}

func presignedPut(ctx context.Context, w *world, rng *rand.Rand) error {
	body := w.body(rng, 1+rng.IntN(64<<10))
	req, err := w.presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(w.churnKey(rng))},
		s3.WithPresignExpires(15*time.Minute))
	if err != nil {
		return err
	}
	h, err := w.fetch(ctx, http.MethodPut, req.URL, req.SignedHeader, body, "")
	if err != nil {
		return err
	}
	if got, want := strings.Trim(h.Get("ETag"), `"`), md5hex(body); got != want {
		return fmt.Errorf("presigned PUT: ETag %s, want %s", got, want)
	}
	return nil
}

func getObject(ctx context.Context, w *world, rng *rand.Rand) error {
	o := w.stableObject(rng)
	out, err := w.root.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(o.key)})
	if err != nil {
		return err
	}
	defer out.Body.Close()
	h := md5.New()
	if _, err := io.Copy(h, out.Body); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != o.md5 {
		return fmt.Errorf("GetObject %s: body MD5 %s, want %s", o.key, got, o.md5)
	}
	return nil
}

func putObject(ctx context.Context, w *world, rng *rand.Rand) error {
	body := w.body(rng, rng.IntN(64<<10))
	out, err := w.root.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(w.churnKey(rng)), Body: bytes.NewReader(body)})
	if err != nil {
		return err
	}
	if got, want := strings.Trim(aws.ToString(out.ETag), `"`), md5hex(body); got != want {
		return fmt.Errorf("PutObject: ETag %s, want %s", got, want)
	}
	return nil
}

func headObject(ctx context.Context, w *world, rng *rand.Rand) error {
	return headWith(ctx, w, w.root, rng)
}

func headWith(ctx context.Context, w *world, c *s3.Client, rng *rand.Rand) error {
	o := w.stableObject(rng)
	out, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(o.key)})
	if err != nil {
		return err
	}
	if aws.ToInt64(out.ContentLength) != o.size || strings.Trim(aws.ToString(out.ETag), `"`) != o.md5 {
		return fmt.Errorf("HeadObject %s: %d bytes, ETag %s; want %d, %s", o.key, aws.ToInt64(out.ContentLength), aws.ToString(out.ETag), o.size, o.md5)
	}
	return nil
}

func listObjects(ctx context.Context, w *world, rng *rand.Rand) error {
	out, err := w.root.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(w.bucket), Prefix: aws.String("stable/")})
	if err != nil {
		return err
	}
	if len(out.Contents) != len(w.stable) {
		return fmt.Errorf("ListObjectsV2 stable/: %d keys, want %d", len(out.Contents), len(w.stable))
	}
	return nil
}

func deleteObject(ctx context.Context, w *world, rng *rand.Rand) error {
	_, err := w.root.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(w.bucket), Key: aws.String(w.churnKey(rng))})
	return err
}

// multipart uploads one part (nine times in ten) or a 5 MiB part and a
// small one, then completes the upload, or one time in ten aborts it.
func multipart(ctx context.Context, w *world, rng *rand.Rand) error {
	key := w.churnKey(rng)
	sizes := []int{1 + rng.IntN(256<<10)}
	if rng.IntN(10) == 0 {
		sizes = []int{5 << 20, 1 + rng.IntN(64<<10)}
	}
	up, err := w.root.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(w.bucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	parts := make([]s3types.CompletedPart, len(sizes))
	sums := md5.New()
	for i, n := range sizes {
		b := w.body(rng, n)
		out, err := w.root.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: aws.String(w.bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(b),
		})
		if err != nil {
			return fmt.Errorf("UploadPart %d: %w", i+1, err)
		}
		s := md5.Sum(b)
		sums.Write(s[:])
		parts[i] = s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(int32(i + 1)), ChecksumCRC32: out.ChecksumCRC32}
	}
	if rng.IntN(10) == 0 {
		_, err := w.root.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(w.bucket), Key: aws.String(key), UploadId: up.UploadId})
		return err
	}
	out, err := w.root.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(w.bucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return err
	}
	if got, want := strings.Trim(aws.ToString(out.ETag), `"`), fmt.Sprintf("%x-%d", sums.Sum(nil), len(sizes)); got != want {
		return fmt.Errorf("CompleteMultipartUpload: ETag %s, want %s", got, want)
	}
	return nil
}

// assumeRole assumes the reader role as the user, reads an object through
// a URL presigned with the session, and puts the session in the pool.
func assumeRole(ctx context.Context, w *world, rng *rand.Rand) error {
	w.mu.Lock()
	w.nextName++
	name := fmt.Sprintf("soak-%d", w.nextName)
	w.mu.Unlock()
	out, err := w.userSTS.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(w.roleARN), RoleSessionName: aws.String(name), DurationSeconds: aws.Int32(sessionSeconds)})
	if err != nil {
		return err
	}
	c := out.Credentials
	p := s3.NewPresignClient(w.s3Client(aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken),
	}))
	if err := presignedGetWith(ctx, w, p, rng); err != nil {
		return fmt.Errorf("with the new session: %w", err)
	}
	w.mu.Lock()
	if len(w.sessions) < sessionPool {
		w.sessions = append(w.sessions, p)
	} else {
		w.sessions[rng.IntN(len(w.sessions))] = p
	}
	w.mu.Unlock()
	return nil
}

// getSessionToken gets a session for the user and makes a header-signed
// call with it.
func getSessionToken(ctx context.Context, w *world, rng *rand.Rand) error {
	out, err := w.userSTS.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(sessionSeconds)})
	if err != nil {
		return err
	}
	c := out.Credentials
	s := w.s3Client(aws.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)})
	if err := headWith(ctx, w, s, rng); err != nil {
		return fmt.Errorf("with the new session: %w", err)
	}
	return nil
}
