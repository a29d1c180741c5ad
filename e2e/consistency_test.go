package e2e

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestReadAfterWriteConsistency: many clients race PUT, GET, DELETE and
// ListObjectsV2 on the same three keys of the shared server, each call
// recorded with when it was sent and when its answer came back. Afterwards
// every read is judged against the writes (see visible): a GET must return
// the bytes (and their ETag) of a write that may show at that moment, or
// 404 only if a delete may show; a listing must show a key, with the ETag
// and size of a write that may show, exactly when the key may exist. So a
// GET or a List that starts after an acknowledged PUT sees that PUT or a
// later write, never an older state, and never a mix.
func TestReadAfterWriteConsistency(t *testing.T) {
	t.Parallel()
	const (
		nClients   = 4
		goroutines = 16
		opsEach    = 120
	)
	ctx := context.Background()
	bucket := "raw-" + strings.ToLower(randomString(10, "abcdefghijklmnopqrstuvwxyz0123456789"))
	setup := newS3Client(mainSrv.endpoint, 1)
	if _, err := setup.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s: %v", bucket, err)
	}
	keys := []string{"hot", "dir/hot", "with space"}
	h := newHistory()
	for _, k := range keys {
		h.known(k, observation{})
	}
	clients := make([]*s3.Client, nClients)
	for i := range clients {
		clients[i] = newS3Client(mainSrv.endpoint, goroutines/nClients)
	}

	type getRead struct {
		key      string
		from, to int64
		obs      observation
	}
	type listRead struct {
		from, to int64
		listed   map[string]observation
	}
	var (
		mu     sync.Mutex
		gets   []getRead
		lists  []listRead
		nextID atomic.Uint64
		wg     sync.WaitGroup
	)
	seed := rand.Uint64()
	began := time.Now()
	for g := range goroutines {
		c := clients[g%nClients]
		rng := rand.New(rand.NewPCG(seed, uint64(g)))
		wg.Go(func() {
			for range opsEach {
				key := keys[rng.IntN(len(keys))]
				switch n := rng.IntN(100); {
				case n < 35:
					// Sizes on both sides of the inline limit (16 KiB).
					body := payload(nextID.Add(1)+seed<<20, rng.IntN(40<<10))
					w := h.begin(&write{key: key, sha: sha256Of(body), etag: md5Hex(body), size: int64(len(body))})
					h.send(w)
					_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
					h.finish(w, err)
					if err != nil {
						t.Errorf("PutObject %s: %v", key, err)
					}
				case n < 45:
					w := h.begin(&write{key: key, delete: true})
					h.send(w)
					_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					h.finish(w, err)
					if err != nil {
						t.Errorf("DeleteObject %s: %v", key, err)
					}
				case n < 80:
					from := h.clock.tick()
					obs, err := getObservation(ctx, c, bucket, key)
					to := h.clock.tick()
					if err != nil {
						t.Errorf("GetObject %s: %v", key, err)
						continue
					}
					mu.Lock()
					gets = append(gets, getRead{key, from, to, obs})
					mu.Unlock()
				default:
					from := h.clock.tick()
					listed, err := listing(ctx, c, bucket, 1000)
					to := h.clock.tick()
					if err != nil {
						t.Errorf("ListObjectsV2: %v", err)
						continue
					}
					mu.Lock()
					lists = append(lists, listRead{from, to, listed})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	bad := 0
	report := func(format string, args ...any) {
		if bad++; bad <= 10 {
			t.Errorf(format, args...)
		}
	}
	for _, g := range gets {
		all := h.writes(g.key)
		if v := judge(g.obs, all, visible(all, g.from, g.to)); v != consistent {
			report("GET %s (seq %d..%d) returned %s: %s; writes of the key:\n%s", g.key, g.from, g.to, g.obs, v, describe(all))
		}
	}
	for _, l := range lists {
		for _, k := range keys {
			all := h.writes(k)
			obs := l.listed[k]
			if obs.present {
				// A listing has no bytes: name the write by its ETag,
				// unique per body here.
				obs.sha = "no write has this ETag and size"
				for _, w := range all {
					if !w.delete && w.etag == obs.etag && w.size == obs.size {
						obs.sha = w.sha
					}
				}
			}
			if v := judge(obs, all, visible(all, l.from, l.to)); v != consistent {
				report("ListObjectsV2 (seq %d..%d) shows %s as %s: %s; writes of the key:\n%s", l.from, l.to, k, obs, v, describe(all))
			}
			delete(l.listed, k)
		}
		for k := range l.listed {
			report("ListObjectsV2 shows %q, a key no client wrote", k)
		}
	}
	if bad > 10 {
		t.Errorf("… %d inconsistent reads in all", bad)
	}
	var nw int
	for _, k := range keys {
		nw += len(h.writes(k)) - 1
	}
	t.Logf("%d clients, %d goroutines: %d writes, %d GETs and %d listings judged consistent in %v",
		nClients, goroutines, nw, len(gets), len(lists), time.Since(began).Round(time.Millisecond))
	if len(gets) == 0 || len(lists) == 0 || nw == 0 {
		t.Fatalf("the mix produced %d writes, %d GETs and %d listings; the check needs some of each", nw, len(gets), len(lists))
	}
}
