package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"signet/internal/adminclient"
	"signet/internal/pgtest"
)

// How long a revocation made on one node takes to be refused by the
// others (issue 18: within one second). For each kind of revocation, each
// trial revokes a fresh credential (or adds a Deny) on node A while two
// goroutines hammer nodes B and C with a presigned URL it affects; the
// latency on a node is the time from the revoking call's response to that
// node's first refusal, and after that first refusal the node must never
// allow the URL again.
//
// SIGNET_LATENCY_TRIALS (default 25) sets the trials per kind: the issue
// asks for at least 200 (`SIGNET_LATENCY_TRIALS=200 go test -run
// TestMultiNodeRevocationLatency ./e2e/`), too long for every CI run on a
// 2-core machine. SIGNET_LATENCY_OUT names a file the figures are written
// to, as a Markdown table.

// latencyBound is the design's promise.
const latencyBound = time.Second

// defaultLatencyTrials keeps the default run near 30 s.
const defaultLatencyTrials = 25

// afterRefusal is how many more requests each node gets once it has
// refused: every one of them must be refused too.
const afterRefusal = 10

// revocationKind is one way to end a presigned URL early.
type revocationKind struct {
	name string
	// status and code are the refusal AWS answers once it takes effect.
	status int
	code   string
	// prepare makes n trials up front (on node A).
	prepare func(t *testing.T, e *latencyEnv, n int) []revocationTrial
}

// revocationTrial is one credential's URL and the call that revokes it.
type revocationTrial struct {
	url    string
	revoke func(ctx context.Context) error
	// undo, if set, runs after the trial (a Deny taken away again).
	undo func(ctx context.Context) error
}

// latencyEnv is the deployment the trials run on.
type latencyEnv struct {
	d       *deployment
	a       *signetProc
	iam     *iam.Client
	s3      *s3.Client
	admin   *adminclient.Client
	assumer struct{ ak, sk, arn string }
}

func latencyTrials(t *testing.T) int {
	s := os.Getenv("SIGNET_LATENCY_TRIALS")
	if s == "" {
		return defaultLatencyTrials
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 400 {
		t.Fatalf("SIGNET_LATENCY_TRIALS=%q: want 1 to 400 (bucket policies name up to that many principals)", s)
	}
	return n
}

func TestMultiNodeRevocationLatency(t *testing.T) {
	t.Parallel()
	n := latencyTrials(t)
	d := newDeployment(t, pgtest.Start(t), 3)
	e := newLatencyEnv(t, d)
	b, c := d.nodes[1], d.nodes[2]
	client := nodeHTTP()
	var report []string
	for _, kind := range revocationKinds() {
		trials := kind.prepare(t, e, n)
		var lat []time.Duration
		for i, tr := range trials {
			got, err := runRevocationTrial(client, tr, kind, b, c)
			if err != nil {
				t.Fatalf("%s, trial %d of %d: %v", kind.name, i+1, n, err)
			}
			lat = append(lat, got...)
		}
		p50, p99, maxLat := percentiles(lat)
		line := fmt.Sprintf("| %s | %d %s | %d | %s | %s | %s |", kind.name, kind.status, kind.code, len(lat), ms(p50), ms(p99), ms(maxLat))
		t.Log(line)
		report = append(report, line)
		if maxLat > latencyBound {
			t.Errorf("%s: the slowest node refused %v after the revocation, over the %v bound", kind.name, maxLat, latencyBound)
		}
	}
	if out := os.Getenv("SIGNET_LATENCY_OUT"); out != "" {
		head := fmt.Sprintf("%d trials per kind; two measurements per trial (nodes B and C); node A revokes.\n\n", n) +
			"| revocation | refusal | measurements | p50 | p99 | max |\n| --- | --- | ---: | ---: | ---: | ---: |\n"
		if err := os.WriteFile(out, []byte(head+strings.Join(report, "\n")+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// percentiles are the nearest-rank p50 and p99, and the maximum.
func percentiles(d []time.Duration) (p50, p99, maxD time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(float64(len(s))*p+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return rank(0.50), rank(0.99), s[len(s)-1]
}

func newLatencyEnv(t *testing.T, d *deployment) *latencyEnv {
	t.Helper()
	ctx := context.Background()
	e := &latencyEnv{d: d, a: d.nodes[0], iam: iamAt(d.nodes[0]), s3: s3At(d.nodes[0]), admin: adminAt(d.nodes[0])}
	for _, bucket := range []string{"lat", "lat-bp", "lat-ud", "lat-rd"} {
		if _, err := e.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
			t.Fatalf("CreateBucket %s: %v", bucket, err)
		}
		if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("o"), Body: strings.NewReader("revoke me")}); err != nil {
			t.Fatalf("PutObject %s/o: %v", bucket, err)
		}
	}
	// The user every role trusts and who assumes them.
	arn, ak, sk, err := e.userWithKey(ctx, "lat-assumer", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	e.assumer.arn, e.assumer.ak, e.assumer.sk = arn, ak, sk
	return e
}

func readPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

// userWithKey creates a user (with an inline policy when one is given)
// and an access key for it.
func (e *latencyEnv) userWithKey(ctx context.Context, name, policy string) (arn, ak, sk string, err error) {
	u, err := e.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	if err != nil {
		return "", "", "", fmt.Errorf("CreateUser %s: %w", name, err)
	}
	if policy != "" {
		if _, err := e.iam.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			return "", "", "", fmt.Errorf("PutUserPolicy %s: %w", name, err)
		}
	}
	k, err := e.iam.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		return "", "", "", fmt.Errorf("CreateAccessKey %s: %w", name, err)
	}
	rememberSecret(aws.ToString(k.AccessKey.SecretAccessKey))
	return aws.ToString(u.User.Arn), aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), nil
}

// roleForAssumer creates a role the assumer may assume, with an inline
// policy when one is given, and returns its ARN.
func (e *latencyEnv) roleForAssumer(ctx context.Context, name, policy string) (string, error) {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + e.assumer.arn + `"},"Action":"sts:AssumeRole"}]}`
	r, err := e.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		return "", fmt.Errorf("CreateRole %s: %w", name, err)
	}
	if policy != "" {
		if _, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}); err != nil {
			return "", fmt.Errorf("PutRolePolicy %s: %w", name, err)
		}
	}
	return aws.ToString(r.Role.Arn), nil
}

// assume has the assumer assume roleARN (on node A) and returns the
// session's key, secret and token.
func (e *latencyEnv) assume(ctx context.Context, roleARN, session string) (ak, sk, token string, err error) {
	out, err := stsAt(e.a, e.assumer.ak, e.assumer.sk).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(session)})
	if err != nil {
		return "", "", "", fmt.Errorf("AssumeRole %s: %w", roleARN, err)
	}
	c := out.Credentials
	rememberSecret(aws.ToString(c.SecretAccessKey))
	rememberSecret(aws.ToString(c.SessionToken))
	return aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken), nil
}

// grantBucket puts a bucket policy letting principals GET its objects: a
// resource policy naming a user or role is enough on its own in one
// account, so those identities need no policy of their own, and so can
// be deleted without first losing their access.
func (e *latencyEnv) grantBucket(ctx context.Context, bucket string, principals []string) error {
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"AWS": principals}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::" + bucket + "/*",
	}}})
	if err != nil {
		return err
	}
	_, err = e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(string(doc))})
	return err
}

// inParallel runs f(0…n-1) on a few goroutines and fails t on the first
// error: setting up hundreds of identities one by one takes too long.
func inParallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

func revocationKinds() []revocationKind {
	return []revocationKind{
		{name: "access key deactivated", status: 403, code: "InvalidAccessKeyId", prepare: userKeyTrials("lat-kd", func(e *latencyEnv, user, key string) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := e.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(key), Status: iamtypes.StatusTypeInactive})
				return err
			}
		})},
		{name: "access key deleted", status: 403, code: "InvalidAccessKeyId", prepare: userKeyTrials("lat-kx", func(e *latencyEnv, user, key string) func(context.Context) error {
			return func(ctx context.Context) error {
				_, err := e.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(user), AccessKeyId: aws.String(key)})
				return err
			}
		})},
		{name: "session terminated", status: 400, code: "ExpiredToken", prepare: terminateTrials},
		{name: "older sessions revoked", status: 403, code: "AccessDenied", prepare: revokeOlderTrials},
		{name: "bucket policy Deny added", status: 403, code: "AccessDenied", prepare: bucketDenyTrials},
		{name: "user deleted", status: 400, code: "InvalidToken", prepare: userDeletedTrials},
		{name: "role deleted", status: 400, code: "InvalidToken", prepare: roleDeletedTrials},
		{name: "URL revoked", status: 403, code: "AccessDenied", prepare: urlRevokedTrials},
		{name: "signer's URLs revoked", status: 403, code: "AccessDenied", prepare: signerRevokedTrials},
	}
}

// userKeyTrials: a user per trial with a key that may read bucket lat;
// revoke acts on that key.
func userKeyTrials(prefix string, revoke func(e *latencyEnv, user, key string) func(context.Context) error) func(*testing.T, *latencyEnv, int) []revocationTrial {
	return func(t *testing.T, e *latencyEnv, n int) []revocationTrial {
		trials := make([]revocationTrial, n)
		inParallel(t, n, func(i int) error {
			user := fmt.Sprintf("%s-%04d", prefix, i)
			_, ak, sk, err := e.userWithKey(context.Background(), user, readPolicy("lat"))
			if err != nil {
				return err
			}
			trials[i] = revocationTrial{url: presignFor(t, e.a, "lat", "o", ak, sk, ""), revoke: revoke(e, user, ak)}
			return nil
		})
		return trials
	}
}

// terminateTrials: sessions of one role, each ended by the admin API's
// terminate (`signet admin session terminate`).
func terminateTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	role, err := e.roleForAssumer(ctx, "lat-term", readPolicy("lat"))
	if err != nil {
		t.Fatal(err)
	}
	trials := make([]revocationTrial, n)
	inParallel(t, n, func(i int) error {
		ak, sk, token, err := e.assume(ctx, role, fmt.Sprintf("t%04d", i))
		if err != nil {
			return err
		}
		trials[i] = revocationTrial{url: presignFor(t, e.a, "lat", "o", ak, sk, token), revoke: func(ctx context.Context) error {
			_, err := e.admin.Terminate(ctx, ak)
			return err
		}}
		return nil
	})
	return trials
}

// revokeOlderTrials: a role per trial (revoking older sessions ends them
// all), each revoked as AWS's console does: the inline policy
// AWSRevokeOlderSessions denying everything to tokens issued before now.
func revokeOlderTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	trials := make([]revocationTrial, n)
	inParallel(t, n, func(i int) error {
		name := fmt.Sprintf("lat-ro-%04d", i)
		role, err := e.roleForAssumer(ctx, name, readPolicy("lat"))
		if err != nil {
			return err
		}
		ak, sk, token, err := e.assume(ctx, role, "trial")
		if err != nil {
			return err
		}
		trials[i] = revocationTrial{url: presignFor(t, e.a, "lat", "o", ak, sk, token), revoke: func(ctx context.Context) error {
			// A cutoff a second ahead: the session, issued during
			// set-up, is older whatever the second's fraction.
			cut := time.Now().UTC().Add(time.Second).Format(time.RFC3339)
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"` + cut + `"}}}]}`
			_, err := e.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("AWSRevokeOlderSessions"), PolicyDocument: aws.String(doc)})
			return err
		}}
		return nil
	})
	return trials
}

// bucketDenyTrials: one user's key may read bucket lat-bp; each trial puts
// a bucket policy denying it, and takes it away again afterwards.
func bucketDenyTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	arn, ak, sk, err := e.userWithKey(ctx, "lat-bp-reader", readPolicy("lat-bp"))
	if err != nil {
		t.Fatal(err)
	}
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"` + arn + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::lat-bp/*"}]}`
	trials := make([]revocationTrial, n)
	for i := range trials {
		trials[i] = revocationTrial{
			url: presignFor(t, e.a, "lat-bp", "o", ak, sk, ""),
			revoke: func(ctx context.Context) error {
				_, err := e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("lat-bp"), Policy: aws.String(deny)})
				return err
			},
			undo: func(ctx context.Context) error {
				_, err := e.s3.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String("lat-bp")})
				return err
			},
		}
	}
	return trials
}

// userDeletedTrials: a user per trial, reading bucket lat-ud through a
// GetSessionToken session and the bucket policy (its key is deleted, so
// nothing stands in the way of DeleteUser); deleting the user ends the
// session.
func userDeletedTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	trials := make([]revocationTrial, n)
	arns := make([]string, n)
	inParallel(t, n, func(i int) error {
		name := fmt.Sprintf("lat-ud-%04d", i)
		arn, ak, sk, err := e.userWithKey(ctx, name, "")
		if err != nil {
			return err
		}
		out, err := stsAt(e.a, ak, sk).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		if err != nil {
			return fmt.Errorf("GetSessionToken as %s: %w", name, err)
		}
		if _, err := e.iam.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String(name), AccessKeyId: aws.String(ak)}); err != nil {
			return fmt.Errorf("DeleteAccessKey %s: %w", name, err)
		}
		c := out.Credentials
		rememberSecret(aws.ToString(c.SecretAccessKey))
		rememberSecret(aws.ToString(c.SessionToken))
		arns[i] = arn
		trials[i] = revocationTrial{url: presignFor(t, e.a, "lat-ud", "o", aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
			revoke: func(ctx context.Context) error {
				_, err := e.iam.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String(name)})
				return err
			}}
		return nil
	})
	if err := e.grantBucket(ctx, "lat-ud", arns); err != nil {
		t.Fatalf("bucket policy for the users: %v", err)
	}
	return trials
}

// roleDeletedTrials: a role per trial, with no policy of its own, reading
// bucket lat-rd through the bucket policy; deleting the role ends its
// session.
func roleDeletedTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	trials := make([]revocationTrial, n)
	arns := make([]string, n)
	inParallel(t, n, func(i int) error {
		name := fmt.Sprintf("lat-rd-%04d", i)
		role, err := e.roleForAssumer(ctx, name, "")
		if err != nil {
			return err
		}
		ak, sk, token, err := e.assume(ctx, role, "trial")
		if err != nil {
			return err
		}
		arns[i] = role
		trials[i] = revocationTrial{url: presignFor(t, e.a, "lat-rd", "o", ak, sk, token), revoke: func(ctx context.Context) error {
			_, err := e.iam.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)})
			return err
		}}
		return nil
	})
	if err := e.grantBucket(ctx, "lat-rd", arns); err != nil {
		t.Fatalf("bucket policy for the roles: %v", err)
	}
	return trials
}

// runRevocationTrial runs one trial and returns the latency seen on each
// of b and c.
func runRevocationTrial(client *http.Client, tr revocationTrial, kind revocationKind, nodes ...*signetProc) ([]time.Duration, error) {
	ctx := context.Background()
	// Every node serves the URL first (after an undone Deny, once it has
	// seen the undo), so each has the credential in its caches.
	for i, p := range nodes {
		deadline := time.Now().Add(10 * time.Second)
		for {
			a := getVia(ctx, client, p, tr.url)
			if a.status == 200 && bytes.Equal(a.body, []byte("revoke me")) {
				break
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("node %c never served the URL before the revocation: %s %s", 'B'+i, a, a.body)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	results := make([][]answer, len(nodes))
	started := make(chan struct{}, len(nodes))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, p := range nodes {
		wg.Go(func() { results[i] = hammer(ctx, client, p, tr.url, started, stop) })
	}
	for range nodes {
		<-started
	}
	if err := tr.revoke(ctx); err != nil {
		close(stop)
		wg.Wait()
		return nil, fmt.Errorf("revoking on node A: %w", err)
	}
	t0 := time.Now()
	timer := time.AfterFunc(5*time.Second, func() { close(stop) })
	wg.Wait()
	timer.Stop()
	if tr.undo != nil {
		if err := tr.undo(ctx); err != nil {
			return nil, fmt.Errorf("undoing the revocation: %w", err)
		}
	}

	var lat []time.Duration
	for i, rs := range results {
		name := fmt.Sprintf("node %c", 'B'+i)
		f := slices.IndexFunc(rs, func(a answer) bool { return a.status != 200 })
		if f < 0 {
			return nil, fmt.Errorf("%s still allowed the URL 5 s after the revocation (%d requests)", name, len(rs))
		}
		for _, a := range rs[f:] {
			if a.status == 200 {
				return nil, fmt.Errorf("%s allowed the URL again after refusing it (%s at %v)", name, rs[f], rs[f].recv.Sub(t0))
			}
			if a.status != kind.status || a.code != kind.code {
				return nil, fmt.Errorf("%s refused with %s %s, want %d %s", name, a, a.body, kind.status, kind.code)
			}
		}
		lat = append(lat, max(0, rs[f].recv.Sub(t0)))
	}
	return lat, nil
}

// hammer GETs rawURL through p until stop, or until afterRefusal requests
// past the first refusal; it signals started after its first answer.
func hammer(ctx context.Context, c *http.Client, p *signetProc, rawURL string, started chan<- struct{}, stop <-chan struct{}) []answer {
	var out []answer
	refusedAt := -1
	for {
		select {
		case <-stop:
			return out
		default:
		}
		a := getVia(ctx, c, p, rawURL)
		out = append(out, a)
		if len(out) == 1 {
			started <- struct{}{}
		}
		if refusedAt < 0 && a.status != 200 {
			refusedAt = len(out) - 1
		}
		if refusedAt >= 0 && len(out)-1-refusedAt >= afterRefusal {
			return out
		}
	}
}
