package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestCrashRecoveryVersioned is the crash test for a versioned bucket:
// concurrent PUTs (new versions) and DELETEs (delete markers) over a few
// keys until the server is killed with SIGKILL, then, after a restart,
// every acknowledged version still holds exactly its bytes, every
// acknowledged delete marker is listed, every listed version holds the
// bytes of a write that was sent (whole, never torn), each key's current
// object is its newest listed version, and the data directory holds no
// orphan and no reference without an owner.
func TestCrashRecoveryVersioned(t *testing.T) {
	workers := envInt(t, "SIGNET_CRASH_INFLIGHT", 200) / 2
	seed := rand.Uint64()
	t.Logf("SIGNET_CRASH_INFLIGHT/2=%d seed=%d", workers, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	dataDir := filepath.Join(t.TempDir(), "data")
	p := startCrashServer(t, dataDir)
	ctx := context.Background()
	const bucket = "vcrash"
	c := newS3Client(p.endpoint, workers+1)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 16)
	for i := range keys {
		keys[i] = fmt.Sprintf("v/%02d", i)
	}

	var (
		mu      sync.Mutex
		acked   = map[string]string{}          // version ID -> sha of an acknowledged PUT
		markers = map[string]bool{}            // version ID of an acknowledged delete marker
		sent    = map[string]map[string]bool{} // key -> sha of every PUT sent
		killed  atomic.Bool
		nAcked  atomic.Int64
		nextID  atomic.Uint64
		wg      sync.WaitGroup
	)
	for _, k := range keys {
		sent[k] = map[string]bool{}
	}
	for i := range workers {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(i)))
		wg.Go(func() {
			for !killed.Load() {
				key := keys[wrng.IntN(len(keys))]
				cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				if wrng.IntN(10) < 7 {
					body := payload(1<<60|nextID.Add(1)<<8, putSize(wrng))
					sha := sha256Of(body)
					mu.Lock()
					sent[key][sha] = true
					mu.Unlock()
					out, err := c.PutObject(cctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body), ContentLength: aws.Int64(int64(len(body)))})
					if err == nil {
						mu.Lock()
						acked[aws.ToString(out.VersionId)] = sha
						mu.Unlock()
						nAcked.Add(1)
					} else if !killed.Load() {
						t.Errorf("PutObject %s before the kill: %v", key, err)
					}
				} else {
					out, err := c.DeleteObject(cctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					if err == nil {
						mu.Lock()
						markers[aws.ToString(out.VersionId)] = true
						mu.Unlock()
						nAcked.Add(1)
					} else if !killed.Load() {
						t.Errorf("DeleteObject %s before the kill: %v", key, err)
					}
				}
				cancel()
			}
		})
	}
	deadline := time.Now().Add(2 * time.Minute)
	for nAcked.Load() < int64(workers) && !t.Failed() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(time.Duration(rng.Int64N(int64(time.Second))))
	killed.Store(true)
	if err := p.kill(); err != nil {
		t.Fatalf("SIGKILL: %v", err)
	}
	wg.Wait()
	if nAcked.Load() < int64(workers) {
		t.Fatalf("only %d writes acknowledged before the kill", nAcked.Load())
	}

	p = startCrashServer(t, dataDir)
	c = newS3Client(p.endpoint, 8)
	listed := map[string]bool{}
	newest := map[string]string{} // key -> "" for a marker, else the sha of its newest version
	var nVersions, nMarkers int
	pg := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), MaxKeys: aws.Int32(50)})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListObjectVersions after the restart: %v", err)
		}
		for _, m := range out.DeleteMarkers {
			nMarkers++
			listed[aws.ToString(m.VersionId)] = true
			if aws.ToBool(m.IsLatest) {
				newest[aws.ToString(m.Key)] = ""
			}
		}
		for _, v := range out.Versions {
			nVersions++
			key, id := aws.ToString(v.Key), aws.ToString(v.VersionId)
			listed[id] = true
			sha := getVersionSHA(t, c, bucket, key, id)
			if !sent[key][sha] {
				t.Errorf("version %s of %s holds bytes no PUT sent (sha256 %.12s): torn", id, key, sha)
			}
			if want, ok := acked[id]; ok && want != sha {
				t.Errorf("acknowledged version %s of %s holds sha256 %.12s, want %.12s", id, key, sha, want)
			}
			if aws.ToBool(v.IsLatest) {
				newest[key] = sha
			}
		}
	}
	for id := range acked {
		if !listed[id] {
			t.Errorf("acknowledged version %s lost", id)
		}
	}
	for id := range markers {
		if !listed[id] {
			t.Errorf("acknowledged delete marker %s lost", id)
		}
	}
	for key, sha := range newest {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		got := ""
		if err == nil {
			b, _ := io.ReadAll(out.Body)
			out.Body.Close()
			s := sha256.Sum256(b)
			got = hex.EncodeToString(s[:])
		}
		if got != sha {
			t.Errorf("%s: current object sha256 %.12s (err %v), newest listed version %.12s", key, got, err, sha)
		}
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	lay, err := checkLayout(ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, prob := range lay.problems() {
		t.Errorf("after recovery the data directory holds %s", prob)
	}
	t.Logf("versioned crash: %d writes acknowledged, %d versions and %d delete markers after the restart, %d blob files", nAcked.Load(), nVersions, nMarkers, lay.blobFiles)
}

// getVersionSHA GETs one version and hashes it.
func getVersionSHA(t *testing.T, c *s3.Client, bucket, key, id string) string {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(id)})
	if err != nil {
		t.Fatalf("GET %s version %s after the restart: %v", key, id, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("reading %s version %s: %v", key, id, err)
	}
	return sha256Of(b)
}
