package e2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"signet/internal/meta"
	"signet/internal/meta/postgres"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv4"
)

// The two kinds of revocation issue 19 adds, measured with the others by
// TestMultiNodeRevocationLatency: a URL revoked by itself, and every URL
// a signer signed before now.

// urlRevokedTrials: one user whose key signs every trial's URL, each URL
// its own (a window one second longer than the last, so no two share a
// signature); revoke refuses that URL alone.
func urlRevokedTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	ctx := context.Background()
	_, ak, sk, err := e.userWithKey(ctx, "lat-url", readPolicy("lat"))
	if err != nil {
		t.Fatal(err)
	}
	fillDenylist(t, e)
	now := time.Now().UTC()
	trials := make([]revocationTrial, n)
	for i := range trials {
		u, err := sigv4.Presign(sigv4.PresignInput{Method: "GET", URL: e.a.endpoint + "/lat/o",
			Credentials: sigv4.Credentials{AccessKeyID: ak, SecretAccessKey: secret.New(sk)},
			Region:      "us-east-1", Service: "s3", Time: now, Expires: time.Hour + time.Duration(i)*time.Second, Mode: sigv4.S3})
		if err != nil {
			t.Fatal(err)
		}
		rememberSignature(u)
		trials[i] = revocationTrial{url: u, revoke: func(ctx context.Context) error {
			_, err := e.admin.RevokeURL(ctx, adminwire.RevokeURLRequest{ExplainRequest: adminwire.ExplainRequest{URL: u}, Reason: "latency trial"})
			return err
		}}
	}
	return trials
}

// signerRevokedTrials: a user per trial; revoke refuses every URL the
// user signed before now.
func signerRevokedTrials(t *testing.T, e *latencyEnv, n int) []revocationTrial {
	trials := make([]revocationTrial, n)
	inParallel(t, n, func(i int) error {
		user := fmt.Sprintf("lat-sg-%04d", i)
		_, ak, sk, err := e.userWithKey(context.Background(), user, readPolicy("lat"))
		if err != nil {
			return err
		}
		trials[i] = revocationTrial{url: presignFor(t, e.a, "lat", "o", ak, sk, ""), revoke: func(ctx context.Context) error {
			_, err := e.admin.RevokeSigner(ctx, adminwire.RevokeSignerRequest{SignedBy: "user:" + user})
			return err
		}}
		return nil
	})
	return trials
}

// fillDenylist, with SIGNET_LATENCY_DENYLIST=N, stores N entries in the
// deployment's denylist before the URL trials (written to the database
// directly, as N revocations would leave it), so that the latency is
// measured with every node reloading a list of that size on each
// revocation: 100000 is the list's bound.
func fillDenylist(t *testing.T, e *latencyEnv) {
	n, _ := strconv.Atoi(os.Getenv("SIGNET_LATENCY_DENYLIST"))
	if n <= 0 {
		return
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, e.d.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	until := time.Now().Add(24 * time.Hour).UTC()
	for i := 0; i < n; i += 1000 {
		batch := make([]meta.URLRevocation, 0, 1000)
		for j := i; j < min(i+1000, n); j++ {
			p := fmt.Sprintf("%032x", j+1)
			batch = append(batch, meta.URLRevocation{ID: "url:" + p, Print: p, Until: until, RevokedAt: until.Add(-time.Hour),
				RevokedBy: "arn:aws:iam::" + multiAccount + ":root", Reason: "filler", Method: "GET", Bucket: "lat", Key: "o"})
		}
		if err := st.PutURLRevocations(ctx, batch, 100_000); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("the denylist holds %d filler entries", n)
}
