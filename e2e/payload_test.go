package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestBoto3PresignedPinnedPayload: botocore presigns a PUT with the body's
// SHA-256 as a signed x-amz-content-sha256 header. The pinned body is
// stored; any other body is 400 XAmzContentSHA256Mismatch, as for a
// header-signed PUT; without the signed header the signature fails.
func TestBoto3PresignedPinnedPayload(t *testing.T) {
	t.Parallel()
	requireTool(t, "python3", "-c", "import boto3")
	c := newClientEnv(t)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_pinned_put.py"))
	if err != nil {
		t.Fatal(err)
	}
	r := c.run(t, "", "python3", script, mainSrv.endpoint, "boto3-pinned")
	type put struct {
		Status int    `json:"status"`
		Code   string `json:"code"`
	}
	var out struct {
		Error, Traceback string
		SignedHeaders    string `json:"signed_headers"`
		Good, Evil       put
		NoHeader         put `json:"no_header"`
		Stored           string
		GoodBody         string `json:"good_body"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(r.stdout))), &out); err != nil {
		t.Fatalf("script output is not JSON: %v\n%s", err, r)
	}
	if r.err != nil || out.Error != "" {
		t.Fatalf("boto3 flow failed: %s\n%s\n%s", out.Error, out.Traceback, r)
	}
	if !strings.Contains(out.SignedHeaders, "x-amz-content-sha256") {
		t.Fatalf("botocore did not sign the header: X-Amz-SignedHeaders=%s", out.SignedHeaders)
	}
	if out.Good.Status != 200 {
		t.Errorf("pinned body: %+v, want 200", out.Good)
	}
	if out.Evil.Status != 400 || out.Evil.Code != "XAmzContentSHA256Mismatch" {
		t.Errorf("another body: %+v, want 400 XAmzContentSHA256Mismatch", out.Evil)
	}
	if out.NoHeader.Status != 403 || out.NoHeader.Code != "SignatureDoesNotMatch" {
		t.Errorf("without the signed header: %+v, want 403 SignatureDoesNotMatch", out.NoHeader)
	}
	if out.Stored != out.GoodBody {
		t.Errorf("stored %q, want the pinned body %q", out.Stored, out.GoodBody)
	}
}
