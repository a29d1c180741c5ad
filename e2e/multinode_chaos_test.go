package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"signet/internal/pgtest"
)

// TestMultiNodeChaos: writers PUT objects through all three nodes while
// one node is killed with SIGKILL (and started again) and PostgreSQL is
// restarted. Afterwards every write a node acknowledged is read back, byte
// for byte, from every node, and a key deactivated just before PostgreSQL
// went down is refused by every node: during the outage a node may answer
// 503, never serve the revoked key past the one-second bound.
func TestMultiNodeChaos(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	d := newDeployment(t, pg, 3)
	ctx := context.Background()
	const bucket = "chaos"
	if _, err := s3At(d.nodes[0]).CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if _, err := s3At(d.nodes[0]).PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("victim"), Body: strings.NewReader("revoke me")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	// The victim: a user whose key may read the bucket, with a URL that
	// works on every node until the key is deactivated.
	e := &latencyEnv{iam: iamAt(d.nodes[0])}
	_, ak, sk, err := e.userWithKey(ctx, "victim", readPolicy(bucket))
	if err != nil {
		t.Fatal(err)
	}
	victimURL := presignFor(t, d.nodes[0], bucket, "victim", ak, sk, "")

	w := startWriters(d, bucket, 4)
	defer w.stop()
	w.waitAcks(t, 20)

	t.Log("kill -9 node 2")
	d.kill(t, 1)
	w.waitAcks(t, w.acks()+20)
	d.restart(t, 1)
	w.waitAcks(t, w.acks()+20)

	client := nodeHTTP()
	for i, p := range d.nodes {
		if a := getVia(ctx, client, p, victimURL); a.status != 200 {
			t.Fatalf("node %d before the revocation: %s %s", i+1, a, a.body)
		}
	}

	// Deactivate the victim's key on node 1, and stop PostgreSQL at once:
	// nodes 2 and 3 may not have heard of it before the outage.
	if _, err := e.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("victim"), AccessKeyId: aws.String(ak), Status: iamtypes.StatusTypeInactive}); err != nil {
		t.Fatalf("UpdateAccessKey Inactive: %v", err)
	}
	revoked := time.Now()
	probe := startProbe(d, victimURL)
	t.Log("PostgreSQL stopped")
	if err := pg.Stop(); err != nil {
		t.Fatalf("stopping PostgreSQL: %v", err)
	}
	down := w.acks()
	// Every node notices and says why on /healthz.
	for i, p := range d.nodes {
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, body, err := p.healthz()
			if err == nil && status == 503 && body != "" && body != "ok" {
				t.Logf("node %d cut off: /healthz %d %q", i+1, status, body)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d /healthz 10 s into the outage: %d %q %v, want 503 and why", i+1, status, body, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Nor can the key be switched back on meanwhile: the IAM call fails
	// with 503 rather than seem to succeed.
	_, err = e.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("victim"), AccessKeyId: aws.String(ak), Status: iamtypes.StatusTypeActive})
	if failureKind(err) != "HTTP 503" || !isCode(err, "ServiceUnavailable") {
		t.Errorf("UpdateAccessKey Active during the outage: %v, want 503 ServiceUnavailable", err)
	}
	w.waitAttempts(t, w.attempts()+30)
	t.Logf("PostgreSQL starting again; %d writes acknowledged while it was down", w.acks()-down)
	if err := pg.Start(); err != nil {
		t.Fatalf("starting PostgreSQL again: %v", err)
	}
	d.waitHealthy(t, time.Minute)
	w.waitAcks(t, w.acks()+20)
	w.stop()
	answers := probe.stop()

	// The revoked key: never served past the bound, refused by all now.
	statuses := map[string]int{}
	for _, pa := range answers {
		statuses[fmt.Sprintf("node %d: %s", pa.node+1, pa.a)]++
		if pa.a.status == 200 && pa.a.sent.Sub(revoked) > latencyBound {
			t.Errorf("node %d served the deactivated key's URL %v after the revocation", pa.node+1, pa.a.sent.Sub(revoked))
		}
	}
	t.Logf("the revoked URL during and after the outage: %v", statuses)
	for i, p := range d.nodes {
		if a := getVia(ctx, client, p, victimURL); a.status != 403 || a.code != "InvalidAccessKeyId" {
			t.Errorf("node %d after the outage: %s %s, want 403 InvalidAccessKeyId", i+1, a, a.body)
		}
	}

	// Every acknowledged write, from every node.
	acked := w.acked()
	t.Logf("writes: %d acknowledged; failures: %v", len(acked), w.failures())
	for i, p := range d.nodes {
		c := s3At(p)
		for key, body := range acked {
			out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Errorf("node %d: acknowledged write %s: %v", i+1, key, err)
				continue
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("node %d: acknowledged write %s: %d bytes (%v), want the %d written", i+1, key, len(got), err, len(body))
			}
		}
	}
}

// writers PUT fresh keys through the deployment's nodes in turn and keep
// the bytes of every write a node acknowledged.
type writers struct {
	d        *deployment
	mu       sync.Mutex
	ok       map[string][]byte
	failed   map[string]int
	tries    atomic.Int64
	quit     chan struct{}
	wg       sync.WaitGroup
	stopOnce sync.Once
}

func startWriters(d *deployment, bucket string, n int) *writers {
	w := &writers{d: d, ok: map[string][]byte{}, failed: map[string]int{}, quit: make(chan struct{})}
	clients := make([]*s3.Client, len(d.nodes))
	for i, p := range d.nodes {
		clients[i] = s3At(p)
	}
	for g := range n {
		w.wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-w.quit:
					return
				default:
				}
				key := fmt.Sprintf("w%d/%05d", g, i)
				size := 1 + (i*7919)%4096
				if i%10 == 0 {
					size = 200 << 10 // a blob file, not only metadata
				}
				body := make([]byte, size)
				for j := range body {
					body[j] = byte(g*31 + i + j)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := clients[(g+i)%len(clients)].PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
				cancel()
				w.tries.Add(1)
				w.mu.Lock()
				if err == nil {
					w.ok[key] = body
				} else {
					w.failed[failureKind(err)]++
				}
				w.mu.Unlock()
				if err != nil {
					// A refused or dead node answers at once; do not spin.
					time.Sleep(10 * time.Millisecond)
				}
			}
		})
	}
	return w
}

// failureKind names a failed write for the log: a 503, another status, or
// no answer.
func failureKind(err error) string {
	if err == nil {
		return "none"
	}
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		return fmt.Sprintf("HTTP %d", re.HTTPStatusCode())
	}
	return "no answer"
}

func (w *writers) acks() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.ok)
}

func (w *writers) attempts() int { return int(w.tries.Load()) }

func (w *writers) acked() map[string][]byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string][]byte, len(w.ok))
	for k, v := range w.ok {
		out[k] = v
	}
	return out
}

func (w *writers) failures() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string]int{}
	for k, v := range w.failed {
		out[k] = v
	}
	return out
}

// waitAcks waits until n writes in all have been acknowledged.
func (w *writers) waitAcks(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for w.acks() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d writes acknowledged in 2 minutes; failures %v", w.acks(), n, w.failures())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitAttempts waits until n writes in all have been tried.
func (w *writers) waitAttempts(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for w.attempts() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d writes tried in 2 minutes", w.attempts(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *writers) stop() {
	w.stopOnce.Do(func() { close(w.quit) })
	w.wg.Wait()
}

// probe GETs one URL through every node in turn until stopped.
type probe struct {
	quit chan struct{}
	done chan []nodeAnswer
}

type nodeAnswer struct {
	node int
	a    answer
}

func startProbe(d *deployment, rawURL string) *probe {
	p := &probe{quit: make(chan struct{}), done: make(chan []nodeAnswer, 1)}
	go func() {
		c := nodeHTTP()
		var out []nodeAnswer
		for i := 0; ; i++ {
			select {
			case <-p.quit:
				p.done <- out
				return
			default:
			}
			n := i % len(d.nodes)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			out = append(out, nodeAnswer{node: n, a: getVia(ctx, c, d.nodes[n], rawURL)})
			cancel()
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return p
}

func (p *probe) stop() []nodeAnswer {
	close(p.quit)
	return <-p.done
}
