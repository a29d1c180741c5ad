package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/metrics"
	"signet/internal/sigv4"
)

// newMetricsEnv is newIdentityEnv's world on a server with metrics on
// the main listener.
func newMetricsEnv(t *testing.T) *identityEnv {
	t.Helper()
	e := startLimitedServer(t, clock.NewFake(t0), func(c *config.Config) { c.MetricsOnMain = true })
	return withIdentities(t, e)
}

// scrape GETs the metrics, unauthenticated, as Prometheus does.
func (e *testEnv) scrape(t *testing.T) string {
	t.Helper()
	r := do(t, e.httpc, http.MethodGet, e.ts.URL+metrics.MainPath, nil, nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d\n%s", metrics.MainPath, r.status, r.body)
	}
	return string(r.body)
}

// sample is the value of the series written exactly as series (labels in
// the exposition's order, alphabetical), or -1 if the scrape has none.
func sample(t *testing.T, scrape, series string) float64 {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(scrape))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return f
		}
	}
	return -1
}

func wantSample(t *testing.T, scrape, series string, want float64) {
	t.Helper()
	if got := sample(t, scrape, series); got != want {
		t.Errorf("%s = %v, want %v", series, got, want)
	}
}

// TestMetricsAfterMixedRequests scrapes the main listener's metrics after
// requests that succeed, are denied by policy, are presigned by a long-term
// key and by a session, and fail with ExpiredToken (the fake clock moved
// past the session) and SignatureDoesNotMatch; then promtool checks the
// scrape.
func TestMetricsAfterMixedRequests(t *testing.T) {
	ie := newMetricsEnv(t)
	// Root's URL is limited by its own hour; the session's by the
	// session's 900 seconds.
	wantOK(t, ie.at(t, 0, ie.signedURL(t, http.MethodGet, "/life/cat", time.Hour)), 200, ie.body)
	sess := ie.assume(t, ie.alice, ie.roleARN, "metrics", 900)
	sessURL := ie.presign(t, sess.sig(), time.Hour)
	wantOK(t, ie.at(t, 0, sessURL), 200, ie.body)
	before := ie.scrape(t)
	wantSample(t, before, metrics.NameSessionsLive, 1)

	// alice may read, not write.
	put, err := presignAs(ie, http.MethodPut, "/life/new", ie.alice)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, do(t, ie.httpc, http.MethodPut, put, nil, []byte("x")), 403, "AccessDenied")
	wantErr(t, do(t, ie.httpc, http.MethodGet, ie.ts.URL+"/life/cat", nil, nil), 403, "AccessDenied")
	bad := ie.signedURL(t, http.MethodGet, "/life/cat", time.Hour)
	bad = bad[:len(bad)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(bad, "0")]
	wantErr(t, do(t, ie.httpc, http.MethodGet, bad, nil, nil), 403, "SignatureDoesNotMatch")
	wantErr(t, ie.at(t, 901*time.Second, sessURL), 400, "ExpiredToken")

	got := ie.scrape(t)
	wantSample(t, got, metrics.NameSessionsLive, 0)
	wantSample(t, got, `signet_requests_total{api="s3",code="",operation="GetObject",status="200"}`, 2)
	wantSample(t, got, `signet_requests_total{api="s3",code="ExpiredToken",operation="",status="400"}`, 1)
	wantSample(t, got, `signet_requests_total{api="s3",code="AccessDenied",operation="PutObject",status="403"}`, 1)
	wantSample(t, got, `signet_requests_total{api="s3",code="AccessDenied",operation="GetObject",status="403"}`, 1)
	wantSample(t, got, `signet_requests_total{api="s3",code="SignatureDoesNotMatch",operation="",status="403"}`, 1)
	wantSample(t, got, `signet_requests_total{api="sts",code="",operation="AssumeRole",status="200"}`, 1)
	wantSample(t, got, `signet_requests_total{api="iam",code="",operation="CreateRole",status="200"}`, 1)
	wantSample(t, got, `signet_auth_total{outcome="session_expired",type="presigned-v4"}`, 1)
	wantSample(t, got, `signet_auth_total{outcome="signature_mismatch",type="presigned-v4"}`, 1)
	wantSample(t, got, `signet_auth_total{outcome="policy_denied",type="presigned-v4"}`, 1)
	wantSample(t, got, `signet_auth_total{outcome="policy_denied",type="anonymous"}`, 1)
	// Root's URLs (the set-up's two PUTs and the GET) and alice's
	// denied PUT are limited by their own hour, the session's URL by
	// the session. All were used at t0, with their whole life left.
	wantSample(t, got, `signet_presigned_requests_total{limited_by="url"}`, 4)
	wantSample(t, got, `signet_presigned_requests_total{limited_by="credentials"}`, 1)
	wantSample(t, got, `signet_presigned_remaining_seconds_sum`, 4*3600+900)
	wantSample(t, got, `signet_presigned_remaining_seconds_bucket{le="900"}`, 1)
	if v := sample(t, got, `signet_request_bytes_total{api="s3"}`); v < float64(len(ie.body)) {
		t.Errorf("bytes in = %v, want at least the %d of the object written", v, len(ie.body))
	}
	if v := sample(t, got, `signet_response_bytes_total{api="s3"}`); v < float64(2*len(ie.body)) {
		t.Errorf("bytes out = %v, want at least the two GETs' %d", v, 2*len(ie.body))
	}
	if v := sample(t, got, metrics.NameCommitBatchSize+"_count"); v < 1 {
		t.Errorf("no group commit observed: %v", v)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "signet_request_duration_seconds_count"} {
		if !strings.Contains(got, "\n"+name) {
			t.Errorf("the scrape has no %s", name)
		}
	}
	t.Run("promtool", func(t *testing.T) { promtoolCheck(t, got) })
}

// presignAs presigns method target for an hour as c at the fake clock's
// time.
func presignAs(ie *identityEnv, method, target string, c sigv4.Credentials) (string, error) {
	return sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: ie.ts.URL + target, Credentials: c, Region: region, Service: "s3",
		Time: ie.fake.Now(), Expires: time.Hour, Mode: sigv4.S3,
	})
}

// promtoolCheck runs `promtool check metrics` (Debian's prometheus
// package) on a scrape. Without promtool the check is skipped, unless
// SIGNET_REQUIRE_PROMTOOL=1 (set by .ci/run) makes that a failure.
func promtoolCheck(t *testing.T, scrape string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SIGNET_REQUIRE_PROMTOOL") == "1" {
			t.Fatalf("promtool not found and SIGNET_REQUIRE_PROMTOOL=1: install Debian's prometheus package")
		}
		t.Skip("promtool not found (Debian package prometheus): the scrape is not linted")
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out.String())
	}
}

// TestMetricsLabelsBoundedByBucketsAndKeys: requests for ever more
// buckets and keys, found or missing, add no series: no label holds a
// bucket, a key, a principal or an access key.
func TestMetricsLabelsBoundedByBucketsAndKeys(t *testing.T) {
	e := startLimitedServer(t, clock.NewFake(t0), func(c *config.Config) { c.MetricsOnMain = true })
	u, _ := url.Parse(e.ts.URL)
	a := &advEnv{testEnv: e, host: u.Host}
	round := func(from, to int) {
		for i := from; i < to; i++ {
			b := fmt.Sprintf("card-bucket-%03d", i)
			a.mustStatus(t, a.rootHeader(t, http.MethodPut, "/"+b, nil, nil), 200)
			a.mustStatus(t, a.rootHeader(t, http.MethodPut, fmt.Sprintf("/%s/key-%03d", b, i), nil, []byte("x")), 200)
			a.mustStatus(t, a.rootHeader(t, http.MethodGet, fmt.Sprintf("/%s/missing-%03d", b, i), nil, nil), 404)
			a.mustStatus(t, a.rootHeader(t, http.MethodGet, fmt.Sprintf("/nobucket-%03d/k", i), nil, nil), 404)
			u := a.presign(t, http.MethodGet, fmt.Sprintf("/%s/key-%03d", b, i), a.root(), time.Duration(i+1)*time.Minute)
			a.mustStatus(t, advReq{method: http.MethodGet, target: u}, 200)
		}
	}
	series := func() (int, []string) {
		fams, err := e.srv.Metrics().Registry().Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var values []string
		for _, f := range fams {
			if !strings.HasPrefix(f.GetName(), "signet_") {
				continue
			}
			for _, m := range f.GetMetric() {
				n++
				for _, l := range m.GetLabel() {
					values = append(values, l.GetValue())
				}
			}
		}
		return n, values
	}
	round(0, 20)
	first, _ := series()
	round(20, 60)
	second, values := series()
	if second != first {
		t.Errorf("%d series after 20 buckets, %d after 60: labels grow with buckets or keys", first, second)
	}
	for _, v := range values {
		if strings.Contains(v, "card-") || strings.Contains(v, "key-") || strings.Contains(v, "missing-") ||
			strings.Contains(v, "nobucket-") || strings.Contains(v, e.akid) || strings.Contains(v, "arn:") {
			t.Errorf("a label holds a request's own name: %q", v)
		}
	}
}
