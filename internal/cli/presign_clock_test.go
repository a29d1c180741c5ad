package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// TestPresignWarningInTheSignersFrame: on a server whose dev clock runs
// 12h ahead, a 12-hour role session expires, by the server's clock, 24h
// after this machine's now. The URL still dies 12h after signing, by this
// machine's clock: the warning, --json and the server agree on that, and
// never read the session as "1d".
func TestPresignWarningInTheSignersFrame(t *testing.T) {
	configFile, credentialsFile := isolateAWS(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKeyID, cfg.RootSecret = psAliceKey, psAliceSecret
	cfg.TLSCert, cfg.TLSKey = "", ""
	cfg.DevClock = true
	// The SDK signs its AssumeRole call by the real clock, which the
	// server's skew check reads: the fake starts there and stays.
	base := clock.NewFake(time.Now().UTC().Truncate(time.Second))
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), base)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { ts.Close(); srv.Close() })
	t.Setenv("AWS_ENDPOINT_URL", ts.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", psAliceKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", psAliceSecret)

	main := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(Env{Ctx: context.Background(), Args: args, Stdout: &out, Stderr: &errb, Getenv: os.Getenv, Now: base.Now})
		return code, out.String(), errb.String()
	}
	must := func(args ...string) string {
		t.Helper()
		code, out, errs := main(args...)
		if code != 0 {
			t.Fatalf("signet %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/photos", nil)
	put, _ := http.NewRequest(http.MethodPut, ts.URL+"/photos/cat.jpg", strings.NewReader("meow"))
	for _, r := range []*http.Request{req, put} {
		hash := sigv4.HexSHA256(nil)
		if r == put {
			hash = sigv4.HexSHA256([]byte("meow"))
		}
		if err := sigv4.SignHeader(r, sigv4.Credentials{AccessKeyID: psAliceKey, SecretAccessKey: secret.New(psAliceSecret)}, "us-east-1", "s3", base.Now(), hash, sigv4.S3); err != nil {
			t.Fatal(err)
		}
		if resp := psDo(t, r); resp.status != 200 {
			t.Fatalf("%s %s: %d %s", r.Method, r.URL, resp.status, resp.body)
		}
	}
	must("admin", "user", "create", "alice")
	keys := must("admin", "key", "create", "alice")
	id := regexp.MustCompile(`AWS_ACCESS_KEY_ID=(\S+)`).FindStringSubmatch(keys)
	sk := regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=(\S+)`).FindStringSubmatch(keys)
	role := must("admin", "role", "create", "reader", "--trust", "alice", "--max-session-duration", "12h", "--policy", "read-only")
	arn := regexp.MustCompile(`arn:aws:iam::\d+:role/reader`).FindString(role)
	if id == nil || sk == nil || arn == "" {
		t.Fatalf("no keys or role ARN:\n%s%s", keys, role)
	}
	write(t, credentialsFile, "[alice]\naws_access_key_id = "+id[1]+"\naws_secret_access_key = "+sk[1]+"\n")
	write(t, configFile, "[profile reader]\nrole_arn = "+arn+"\nsource_profile = alice\nduration_seconds = 43200\n")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	srv.Clock.Advance(12 * time.Hour)

	signedAt := base.Now()
	out := must("presign", "s3://photos/cat.jpg", "--profile", "reader", "--expires-in", "7d", "--json")
	var got struct {
		URL       string `json:"url"`
		Effective string `json:"effective_expires_at"`
		LimitedBy string `json:"limited_by"`
		Warning   string `json:"warning"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := signedAt.Add(12 * time.Hour).Format(time.RFC3339); got.Effective != want || got.LimitedBy != "credentials" {
		t.Errorf("effective_expires_at %s limited by %s, want %s by the credentials", got.Effective, got.LimitedBy, want)
	}
	if !strings.Contains(got.Warning, ", 12h after signing,") || strings.Contains(got.Warning, "1d") {
		t.Errorf("warning reads the 12-hour session in the server's frame:\n%s", got.Warning)
	}
	// The server agrees: the URL works until 12h after signing, by this
	// machine's clock, and not a second more.
	base.Advance(12*time.Hour - time.Second)
	if resp := psDo(t, mustRequest(t, got.URL)); resp.status != 200 {
		t.Fatalf("1s before the warned end: %d %s", resp.status, resp.body)
	}
	base.Advance(time.Second)
	if resp := psDo(t, mustRequest(t, got.URL)); resp.status != 400 || !strings.Contains(resp.body, "<Code>ExpiredToken</Code>") {
		t.Fatalf("at the warned end: %d %s", resp.status, resp.body)
	}
}

func mustRequest(t *testing.T, u string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
