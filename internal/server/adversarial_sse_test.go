package server_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"signet/internal/clock"
)

// TestAdversarialSSEAtRest: an object's bytes never reach the disk or the
// metadata store in the clear, large (three chunks) or small (inline),
// and a range read across chunk boundaries answers the right bytes.
func TestAdversarialSSEAtRest(t *testing.T) {
	e := startLimitedServer(t, clock.NewFake(t0), nil)
	u, _ := url.Parse(e.ts.URL)
	a := &advEnv{testEnv: e, host: u.Host, signedBefore: map[string]string{}}
	marker := bytes.Repeat([]byte("PLAINTEXT-MARKER."), 1<<13)
	a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/sse", nil, nil), 200)
	for key, body := range map[string][]byte{"big": marker, "small": marker[:1000]} {
		r := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/sse/"+key, nil, body), 200)
		if got := r.header.Get("x-amz-server-side-encryption"); got != "AES256" {
			t.Errorf("PUT %s: x-amz-server-side-encryption %q", key, got)
		}
	}
	err := filepath.Walk(e.dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("PLAINTEXT-MARKER.")) {
			t.Errorf("plaintext at rest in %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// SSE-KMS has no KMS key to use: AWS's answer for a missing key, and
	// the object stays as it was.
	r := a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/sse/big", http.Header{"X-Amz-Server-Side-Encryption": {"aws:kms"}}, []byte("x")), 400)
	if !bytes.Contains(r.body, []byte("<Code>KMS.NotFoundException</Code>")) {
		t.Errorf("SSE-KMS PUT: %s", r.body)
	}
	r = a.mustStatus(t, a.rootHeader(t, http.MethodGet, "/sse/big", http.Header{"Range": {"bytes=65530-131080"}}, nil), 206)
	if !bytes.Equal(r.body, marker[65530:131081]) {
		t.Fatalf("range across chunks: %d bytes, wrong", len(r.body))
	}
}
