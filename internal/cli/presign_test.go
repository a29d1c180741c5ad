package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/presign/presigntest"
	"signet/internal/secret"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// psNow is the time every golden is signed at.
var psNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

// Fixed keys, so that golden URLs and signatures are stable.
const (
	psAliceKey    = "AKIAALICEEXAMPLE0001"
	psAliceSecret = "aliceSecretKey/EXAMPLE/0000000000000000"
	psRoleKey     = "ASIAROLESESSION00001"
	psRoleSecret  = "roleSessionSecret/EXAMPLE/0000000000000"
	psRoleToken   = "IQoJb3JpZ2luX2VjEXAMPLE/role+session=token"
	psGSTKey      = "ASIAGETSESSION000001"
	psGSTSecret   = "getSessionTokenSecret/EXAMPLE/000000000"
	psGSTToken    = "FwoGZXIvYXdzEXAMPLE/get+session=token"
	psEndpoint    = "http://127.0.0.1:9000"
	psReaderRole  = "arn:aws:iam::123456789012:role/reader"
)

func psRun(now time.Time, args ...string) (code int, stdout, stderr string) {
	return psRunIn(now, nil, args...)
}

// psRunIn runs presign with stdin as its standard input (nil: none).
func psRunIn(now time.Time, stdin io.Reader, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(Env{Ctx: context.Background(), Args: append([]string{"presign"}, args...), Stdin: stdin, Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Now: func() time.Time { return now }})
	return code, out.String(), errb.String()
}

// psMFAProfile is psReaderProfile with an MFA device: the role is assumed
// with its serial and the code typed when asked.
func psMFAProfile(t *testing.T, e *presigntest.Env) *presigntest.STS {
	sts := psReaderProfile(t, e)
	e.WriteConfig(t, "[profile reader]\nrole_arn = "+psReaderRole+"\nsource_profile = alice\nrole_session_name = ci\nmfa_serial = "+psMFASerial+"\n")
	return sts
}

const psMFASerial = "arn:aws:iam::123456789012:mfa/alice"

// psAliceProfile is an IAM user's long-term key as profile "default" and
// "alice" of ~/.aws/credentials.
func psAliceProfile(t *testing.T, e *presigntest.Env) {
	e.WriteCredentials(t, "[default]\naws_access_key_id = "+psAliceKey+"\naws_secret_access_key = "+psAliceSecret+"\n\n"+
		"[alice]\naws_access_key_id = "+psAliceKey+"\naws_secret_access_key = "+psAliceSecret+"\n")
}

// psReaderProfile is role_arn + source_profile, assumed at a fake STS (given
// its own endpoint, so that the URL's endpoint and signature stay fixed)
// that issues a one-hour session.
func psReaderProfile(t *testing.T, e *presigntest.Env) *presigntest.STS {
	psAliceProfile(t, e)
	sts := presigntest.NewSTS(t, map[string]string{psAliceKey: psAliceSecret}, presigntest.Session{
		AccessKeyID: psRoleKey, SecretAccessKey: psRoleSecret, SessionToken: psRoleToken, Expiration: psNow.Add(time.Hour)})
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
	e.WriteConfig(t, "[profile reader]\nrole_arn = "+psReaderRole+"\nsource_profile = alice\nrole_session_name = ci\n")
	return sts
}

// psGSTProfile is a credential_process printing a GetSessionToken session
// that ends 12 hours after signing (or at expires, if given).
func psGSTProfile(t *testing.T, e *presigntest.Env, expires time.Time) {
	line := e.CredentialProcess(t, "gst", presigntest.ProcessCredentials{Version: 1, AccessKeyID: psGSTKey, SecretAccessKey: psGSTSecret,
		SessionToken: psGSTToken, Expiration: expires.Format(time.RFC3339)})
	e.WriteConfig(t, "[profile gst]\n"+line+"\n")
}

func psEnvSession(t *testing.T, _ *presigntest.Env) {
	t.Setenv("AWS_ACCESS_KEY_ID", psGSTKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", psGSTSecret)
	t.Setenv("AWS_SESSION_TOKEN", psGSTToken)
}

var psSixHourSession = presigntest.Session{AccessKeyID: "ASIAINSTANCEROLE0001", SecretAccessKey: "instanceRoleSecret/EXAMPLE/00000000000",
	SessionToken: "instance-role-token", Expiration: psNow.Add(6 * time.Hour)}

// TestPresignGolden runs `signet presign` at a fixed time in a private AWS
// environment and compares exit code, stdout and stderr with
// testdata/presign_<name>.golden. go test -run TestPresignGolden -update
// rewrites them.
func TestPresignGolden(t *testing.T) {
	const cat = "s3://photos/yawning-cat.jpg"
	at := []string{"--endpoint-url", psEndpoint}
	with := func(args ...string) []string { return append(append([]string{}, args...), at...) }
	cases := []struct {
		name  string
		args  []string
		stdin string
		setup func(t *testing.T, e *presigntest.Env)
	}{
		// An IAM user's long-term key: the URL lives its window.
		{name: "long_term", args: with(cat), setup: psAliceProfile},
		{name: "long_term_json", args: with(cat, "--expires-in", "7d", "--json"), setup: psAliceProfile},
		{name: "long_term_aws", args: []string{cat, "--profile", "alice", "--region", "eu-west-2", "--expires-in", "12h"}, setup: psAliceProfile},

		// A role session that ends an hour after signing, for a week-long URL.
		{name: "role_session", args: with(cat, "--profile", "reader", "--expires-in", "604800"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "role_session_json", args: with(cat, "--profile", "reader", "--expires-in", "7d", "--json"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "role_session_strict", args: with(cat, "--profile", "reader", "--expires-in", "7d", "--strict"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "role_session_fits", args: with(cat, "--profile", "reader", "--expires-in", "3600", "--strict"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		// mfa_serial: the code is asked for on stderr and read from stdin.
		{name: "role_mfa", args: with(cat, "--profile", "reader"), stdin: "123456\n", setup: func(t *testing.T, e *presigntest.Env) {
			sts := psMFAProfile(t, e)
			t.Cleanup(func() {
				if c := sts.Calls(); len(c) != 1 || c[0].Get("SerialNumber") != psMFASerial || c[0].Get("TokenCode") != "123456" {
					t.Errorf("STS calls %v, want one with the serial and the code typed", c)
				}
			})
		}},
		{name: "role_mfa_no_code", args: with(cat, "--profile", "reader"), stdin: "\n", setup: func(t *testing.T, e *presigntest.Env) { psMFAProfile(t, e) }},
		{name: "role_refused", args: with(cat, "--profile", "reader"), setup: func(t *testing.T, e *presigntest.Env) {
			psReaderProfile(t, e).Refuse = &presigntest.STSError{Status: 403, Code: "AccessDenied",
				Message: "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole on resource: " + psReaderRole}
		}},

		// A GetSessionToken session (12 h) through credential_process.
		{name: "session_token", args: with(cat, "--profile", "gst", "--expires-in", "7d"), setup: func(t *testing.T, e *presigntest.Env) { psGSTProfile(t, e, psNow.Add(12*time.Hour)) }},
		{name: "session_token_json", args: with(cat, "--profile", "gst", "--expires-in", "7d", "--json"), setup: func(t *testing.T, e *presigntest.Env) { psGSTProfile(t, e, psNow.Add(12*time.Hour)) }},
		{name: "session_expired", args: with(cat, "--profile", "gst"), setup: func(t *testing.T, e *presigntest.Env) { psGSTProfile(t, e, psNow.Add(-2*time.Hour)) }},

		// A session token in bare environment variables: expiry unknown.
		{name: "env_token", args: with(cat), setup: psEnvSession},
		{name: "env_token_json", args: with(cat, "--json"), setup: psEnvSession},
		{name: "env_token_strict", args: with(cat, "--strict", "--json"), setup: psEnvSession},

		// Instance metadata and a container endpoint: their expiry counts.
		{name: "instance_metadata", args: with(cat, "--expires-in", "1d"), setup: func(t *testing.T, e *presigntest.Env) {
			m := presigntest.NewIMDS(t, "web-server", psSixHourSession)
			t.Setenv("AWS_EC2_METADATA_DISABLED", "")
			t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", m.URL)
		}},
		{name: "container_json", args: with(cat, "--expires-in", "1d", "--json"), setup: func(t *testing.T, e *presigntest.Env) {
			c := presigntest.NewContainer(t, "", psSixHourSession)
			t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", c.URL+"/creds")
		}},

		// SigV2 for legacy clients: no 7-day cap; a session still ends it.
		{name: "sigv2", args: with(cat, "--sigv2", "--expires-in", "30d"), setup: psAliceProfile},
		{name: "sigv2_session_json", args: with(cat, "--sigv2", "--profile", "gst", "--expires-in", "1d", "--json"), setup: func(t *testing.T, e *presigntest.Env) { psGSTProfile(t, e, psNow.Add(12*time.Hour)) }},

		// response-* overrides, and an upload with signed headers.
		{name: "response_overrides", args: with(cat, "--response-content-disposition", `attachment; filename="cat.jpg"`,
			"--response-content-type", "image/jpeg", "--response-cache-control", "no-cache", "--response-content-language", "",
			"--response-content-encoding", "identity", "--response-expires", "Thu, 01 Dec 2026 16:00:00 GMT"), setup: psAliceProfile},
		{name: "put_content_type", args: with("s3://uploads/report 2026.pdf", "--method", "put", "--content-type", "application/pdf",
			"--header", "x-amz-meta-owner: alice", "--expires-in", "15m"), setup: psAliceProfile},
		{name: "put_create_only", args: with("s3://uploads/report.pdf", "--method", "PUT", "--create-only"), setup: psAliceProfile},
		{name: "create_only_on_get", args: with(cat, "--create-only"), setup: psAliceProfile},
		{name: "put_content_type_json", args: with("s3://uploads/report 2026.pdf", "--method", "PUT", "--content-type", "application/pdf", "--json"), setup: psAliceProfile},

		// One part of a multipart upload (UploadPart).
		{name: "upload_part", args: with("s3://uploads/disk.iso", "--method", "PUT", "--upload-id", "2~uPLoAd/ID+1=", "--part-number", "3"), setup: psAliceProfile},
		{name: "upload_part_json", args: with("s3://uploads/disk.iso", "--upload-id", "2~uPLoAd/ID+1=", "--json", "--part-number", "10000", "--method", "PUT"), setup: psAliceProfile},

		// The multipart upload around the parts.
		{name: "create_multipart_json", args: with("s3://uploads/disk.iso", "--method", "post", "--uploads", "--json"), setup: psAliceProfile},
		{name: "complete_multipart", args: with("s3://uploads/disk.iso", "--method", "POST", "--upload-id", "u1"), setup: psAliceProfile},
		{name: "abort_multipart", args: with("s3://uploads/disk.iso", "--method", "DELETE", "--upload-id", "u1"), setup: psAliceProfile},
		{name: "list_parts", args: with("s3://uploads/disk.iso", "--upload-id", "u1"), setup: psAliceProfile},

		// The browser POST form: fields, JSON and a page; the lifetime
		// warning of a URL, said of the policy.
		{name: "post", args: with("s3://uploads/incoming/", "--post", "--content-length-range", "1,10MiB", "--content-type", "image/png", "--expires-in", "15m"), setup: psAliceProfile},
		{name: "post_json", args: with("s3://photos/yawning-cat.jpg", "--post", "--json"), setup: psAliceProfile},
		{name: "post_html", args: with("s3://uploads/a&b <c>/", "--post", "--html", "--starts-with", "x-amz-meta-owner=", "--starts-with", `success_action_redirect=https://app.example/done?x="1"&y=<2>`), setup: psAliceProfile},
		{name: "post_starts_with_key", args: with("s3://uploads/incoming/cat.jpg", "--post", "--starts-with", "key=incoming/"), setup: psAliceProfile},
		{name: "post_30d", args: with("s3://uploads/incoming/", "--post", "--expires-in", "30d"), setup: psAliceProfile},
		{name: "post_role_session", args: with("s3://uploads/incoming/", "--post", "--profile", "reader", "--expires-in", "7d"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "post_role_session_json", args: with("s3://uploads/incoming/", "--post", "--profile", "reader", "--expires-in", "7d", "--json"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "post_role_session_html", args: with("s3://uploads/incoming/", "--post", "--profile", "reader", "--expires-in", "7d", "--html"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "post_role_session_strict", args: with("s3://uploads/incoming/", "--post", "--profile", "reader", "--expires-in", "7d", "--strict"), setup: func(t *testing.T, e *presigntest.Env) { psReaderProfile(t, e) }},
		{name: "post_sigv2_session_json", args: with("s3://uploads/incoming/", "--post", "--sigv2", "--profile", "gst", "--expires-in", "1d", "--json"), setup: func(t *testing.T, e *presigntest.Env) { psGSTProfile(t, e, psNow.Add(12*time.Hour)) }},
		{name: "post_env_token_strict", args: with("s3://uploads/incoming/", "--post", "--strict"), setup: psEnvSession},

		// Refused before any credential is sought: exit 2.
		{name: "post_with_method", args: with("s3://uploads/incoming/", "--post", "--method", "POST")},
		{name: "post_with_upload_id", args: with("s3://uploads/disk.iso", "--post", "--upload-id", "u1", "--part-number", "1")},
		{name: "post_with_header", args: with("s3://uploads/incoming/", "--post", "--header", "x-amz-meta-owner: alice")},
		{name: "post_with_override", args: with("s3://uploads/incoming/", "--post", "--response-content-type", "text/plain")},
		{name: "post_json_html", args: with("s3://uploads/incoming/", "--post", "--json", "--html")},
		{name: "post_bad_range", args: with("s3://uploads/incoming/", "--post", "--content-length-range", "10MiB")},
		{name: "post_range_upside_down", args: with("s3://uploads/incoming/", "--post", "--content-length-range", "10MiB,1KiB")},
		{name: "post_bad_starts_with", args: with("s3://uploads/incoming/", "--post", "--starts-with", "Content-Type")},
		{name: "post_starts_with_reserved", args: with("s3://uploads/incoming/", "--post", "--starts-with", "x-amz-date=2026")},
		{name: "post_key_not_under", args: with("s3://uploads/incoming/", "--post", "--starts-with", "key=other/")},
		{name: "post_content_type_twice", args: with("s3://uploads/incoming/", "--post", "--content-type", "image/png", "--starts-with", "Content-Type=image/")},
		{name: "post_no_bucket", args: with("s3:///key", "--post")},
		{name: "html_without_post", args: with(cat, "--html")},
		{name: "range_without_post", args: with(cat, "--method", "PUT", "--content-length-range", "1,10")},
		{name: "starts_with_without_post", args: with(cat, "--starts-with", "key=a/")},
		{name: "upload_part_no_number", args: with("s3://uploads/disk.iso", "--method", "PUT", "--upload-id", "u1")},
		{name: "upload_part_no_upload", args: with("s3://uploads/disk.iso", "--method", "PUT", "--part-number", "1")},
		{name: "upload_part_on_get", args: with("s3://uploads/disk.iso", "--upload-id", "u1", "--part-number", "1")},
		{name: "upload_part_out_of_range", args: with("s3://uploads/disk.iso", "--method", "PUT", "--upload-id", "u1", "--part-number", "10001")},
		{name: "over_cap", args: with(cat, "--expires-in", "604801")},
		{name: "over_cap_duration", args: with(cat, "--expires-in", "7d0h0m1s", "--json")},
		{name: "bad_expires", args: with(cat, "--expires-in", "soon")},
		{name: "zero_expires", args: with(cat, "--expires-in", "0")},
		{name: "no_args", args: nil},
		{name: "two_args", args: with(cat, "s3://photos/other.jpg")},
		{name: "bucket_only", args: with("s3://photos/")},
		{name: "not_s3_uri", args: with("photos/yawning-cat.jpg")},
		{name: "bad_method", args: with(cat, "--method", "POST")},
		{name: "bad_method_patch", args: with(cat, "--method", "PATCH")},
		{name: "uploads_not_post", args: with("s3://uploads/disk.iso", "--uploads")},
		{name: "upload_id_on_head", args: with("s3://uploads/disk.iso", "--method", "HEAD", "--upload-id", "u1")},
		{name: "content_type_on_get", args: with(cat, "--content-type", "image/jpeg")},
		{name: "override_on_put", args: with(cat, "--method", "PUT", "--response-content-type", "text/plain")},
		{name: "bad_header", args: with(cat, "--header", "no colon here")},
		{name: "sigv2_header", args: with(cat, "--sigv2", "--method", "PUT", "--header", "Cache-Control: no-cache")},
		{name: "unknown_flag", args: with(cat, "--expires", "60")},
		{name: "bad_endpoint", args: []string{cat, "--endpoint-url", "localhost:9000"}, setup: psAliceProfile},
		{name: "missing_profile", args: with(cat, "--profile", "nope")},

		// Nothing to sign with: exit 1, saying how to configure.
		{name: "no_credentials", args: with(cat)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := presigntest.Isolate(t)
			if c.setup != nil {
				c.setup(t, e)
			}
			code, stdout, stderr := psRunIn(psNow, strings.NewReader(c.stdin), c.args...)
			var b strings.Builder
			b.WriteString(strings.TrimSpace("$ signet presign "+psShellJoin(c.args)) + "\n")
			b.WriteString("exit " + strconv.Itoa(code) + "\n")
			b.WriteString("-- stdout --\n" + stdout)
			b.WriteString("-- stderr --\n" + stderr)
			got := b.String()
			for _, secret := range []string{psAliceSecret, psRoleSecret, psGSTSecret, psSixHourSession.SecretAccessKey} {
				if strings.Contains(got, secret) {
					t.Errorf("output shows a secret access key")
				}
			}
			if strings.Contains(stderr, psRoleToken) || strings.Contains(stderr, psGSTToken) {
				t.Errorf("stderr shows a session token")
			}
			// The fakes listen on random ports; the URL's endpoint is fixed.
			compareGolden(t, filepath.Join("testdata", "presign_"+c.name+".golden"), psReplacePorts(got))
		})
	}
}

// psReplacePorts rewrites the random ports of in-process fakes (every
// 127.0.0.1 port but 9000) to PORT.
func psReplacePorts(s string) string {
	var b strings.Builder
	const host = "http://127.0.0.1:"
	for {
		i := strings.Index(s, host)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(host)])
		s = s[i+len(host):]
		j := 0
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if s[:j] == "9000" {
			b.WriteString("9000")
		} else {
			b.WriteString("PORT")
		}
		s = s[j:]
	}
}

// psShellJoin quotes arguments as a shell would need them.
func psShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \"';&|<>()$`\\*?[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// TestPresignSTSGetsTheEndpoint: with no STS endpoint of its own, a role
// profile is assumed at --endpoint-url, signed with the source profile's key.
func TestPresignSTSGetsTheEndpoint(t *testing.T) {
	e := presigntest.Isolate(t)
	sts := psReaderProfile(t, e)
	t.Setenv("AWS_ENDPOINT_URL_STS", "")
	code, stdout, stderr := psRun(psNow, "s3://photos/cat.jpg", "--profile", "reader", "--endpoint-url", sts.URL, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var out presignJSON
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	if calls := sts.Calls(); len(calls) != 1 || calls[0].Get("RoleArn") != psReaderRole {
		t.Fatalf("STS calls %v", calls)
	}
	if !strings.HasPrefix(out.URL, sts.URL+"/photos/cat.jpg?") || out.AccessKeyID != psRoleKey || out.LimitedBy != "url" {
		t.Errorf("%+v", out)
	}
}

// TestPresignJSONFieldOrder pins the field order of --json, which scripts
// may rely on.
func TestPresignJSONFieldOrder(t *testing.T) {
	e := presigntest.Isolate(t)
	psAliceProfile(t, e)
	_, stdout, _ := psRun(psNow, "s3://b/k", "--json")
	var keys []string
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.Token() // {
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	want := "url method bucket key region required_headers signature_version signed_at expires_in_seconds expires_at " +
		"effective_expires_at limited_by credential_source profile access_key_id credential_kind credentials_expire_at warning"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("fields\n %s\nwant\n %s", got, want)
	}
}

// psServer is signet in process, on a fake clock at psNow, with
// root credentials alice's (so that profile "default" is the root).
type psServer struct {
	url   string
	clock *clock.Fake
}

func psStartServer(t *testing.T) *psServer {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.RootAccessKeyID, cfg.RootSecret = psAliceKey, psAliceSecret
	cfg.TLSCert, cfg.TLSKey = "", ""
	fake := clock.NewFake(psNow)
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), fake)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	s := &psServer{url: ts.URL, clock: fake}
	// A bucket, made with a header-signed request as any client would.
	req, _ := http.NewRequest(http.MethodPut, ts.URL+"/photos", nil)
	if err := sigv4.SignHeader(req, sigv4.Credentials{AccessKeyID: psAliceKey, SecretAccessKey: secret.New(psAliceSecret)}, "us-east-1", "s3", fake.Now(), "", sigv4.S3); err != nil {
		t.Fatal(err)
	}
	if resp := psDo(t, req); resp.status != 200 {
		t.Fatalf("creating the bucket: %d %s", resp.status, resp.body)
	}
	return s
}

type psHTTPResp struct {
	status int
	header http.Header
	body   string
}

func psDo(t *testing.T, req *http.Request) psHTTPResp {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return psHTTPResp{resp.StatusCode, resp.Header, string(b)}
}

func psSend(t *testing.T, method, rawURL string, h http.Header, body string) psHTTPResp {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return psDo(t, req)
}

func psMustPresign(t *testing.T, now time.Time, args ...string) string {
	t.Helper()
	code, stdout, stderr := psRun(now, args...)
	if code != 0 {
		t.Fatalf("signet presign %v: exit %d\n%s", args, code, stderr)
	}
	return strings.TrimSpace(stdout)
}

// TestPresignedURLsWorkAgainstSignet: the URLs presign prints are accepted
// by signet's own server, for a PUT with a signed Content-Type, a GET, a
// GET with response overrides and a SigV2 GET, and refused once changed or
// expired.
func TestPresignedURLsWorkAgainstSignet(t *testing.T) {
	e := presigntest.Isolate(t)
	psAliceProfile(t, e)
	s := psStartServer(t)
	at := []string{"--endpoint-url", s.url}
	key := "s3://photos/notes/hello world.txt"

	put := psMustPresign(t, psNow, append([]string{key, "--method", "PUT", "--content-type", "text/plain", "--expires-in", "15m"}, at...)...)
	if r := psSend(t, "PUT", put, http.Header{"Content-Type": {"image/png"}}, "hello"); r.status != 403 || !strings.Contains(r.body, "SignatureDoesNotMatch") {
		t.Errorf("PUT with another Content-Type: %d %s", r.status, r.body)
	}
	if r := psSend(t, "PUT", put, http.Header{"Content-Type": {"text/plain"}}, "hello"); r.status != 200 {
		t.Fatalf("PUT with the signed Content-Type: %d %s", r.status, r.body)
	}

	// --create-only: the URL creates a key once and never overwrites it.
	once := psMustPresign(t, psNow, append([]string{"s3://photos/notes/once.txt", "--method", "PUT", "--create-only"}, at...)...)
	if r := psSend(t, "PUT", once, nil, "first"); r.status != 403 || !strings.Contains(r.body, "SignatureDoesNotMatch") {
		t.Errorf("create-only PUT without If-None-Match: %d %s", r.status, r.body)
	}
	if r := psSend(t, "PUT", once, http.Header{"If-None-Match": {"*"}}, "first"); r.status != 200 {
		t.Fatalf("create-only PUT of a new key: %d %s", r.status, r.body)
	}
	if r := psSend(t, "PUT", once, http.Header{"If-None-Match": {"*"}}, "second"); r.status != 412 || !strings.Contains(r.body, "PreconditionFailed") {
		t.Errorf("create-only PUT over an existing key: %d %s", r.status, r.body)
	}

	get := psMustPresign(t, psNow, append([]string{key, "--expires-in", "1h"}, at...)...)
	if r := psSend(t, "GET", get, nil, ""); r.status != 200 || r.body != "hello" || r.header.Get("Content-Type") != "text/plain" {
		t.Errorf("GET: %d %q %q", r.status, r.body, r.header.Get("Content-Type"))
	}
	if r := psSend(t, "GET", strings.Replace(get, "X-Amz-Expires=3600", "X-Amz-Expires=3601", 1), nil, ""); r.status != 403 {
		t.Errorf("GET with a changed expiry: %d", r.status)
	}

	over := psMustPresign(t, psNow, append([]string{key, "--response-content-disposition", `attachment; filename="hi.txt"`, "--response-content-type", "application/octet-stream"}, at...)...)
	r := psSend(t, "GET", over, nil, "")
	if r.status != 200 || r.header.Get("Content-Disposition") != `attachment; filename="hi.txt"` || r.header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("GET with overrides: %d %v", r.status, r.header)
	}

	v2 := psMustPresign(t, psNow, append([]string{key, "--sigv2", "--expires-in", "10d"}, at...)...)
	if r := psSend(t, "GET", v2, nil, ""); r.status != 200 || r.body != "hello" {
		t.Errorf("SigV2 GET: %d %s", r.status, r.body)
	}

	s.clock.Advance(time.Hour)
	if r := psSend(t, "GET", get, nil, ""); r.status != 403 || !strings.Contains(r.body, "Request has expired") {
		t.Errorf("GET an hour later: %d %s", r.status, r.body)
	}
	if r := psSend(t, "GET", v2, nil, ""); r.status != 200 {
		t.Errorf("SigV2 GET an hour later: %d %s", r.status, r.body)
	}
}

// TestPresignCachesTheRoleSession: ten presigns with a role profile make
// one AssumeRole, as ten AWS CLI commands would; the nine others sign with
// the session cached in ~/.aws/cli/cache, and say so where they say whose
// credentials signed.
func TestPresignCachesTheRoleSession(t *testing.T) {
	e := presigntest.Isolate(t)
	sts := psReaderProfile(t, e)
	for i := range 10 {
		code, stdout, stderr := psRun(psNow.Add(time.Duration(i)*time.Minute), "s3://photos/cat.jpg", "--profile", "reader", "--endpoint-url", psEndpoint, "--expires-in", "2h", "--json")
		if code != 0 {
			t.Fatalf("presign %d: exit %d\n%s", i, code, stderr)
		}
		var out presignJSON
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		cached := strings.Contains(out.CredentialSource, ", cached in ~/.aws/cli/cache/")
		if out.AccessKeyID != psRoleKey || cached != (i > 0) || out.Warning == nil || !strings.Contains(*out.Warning, out.CredentialSource) {
			t.Errorf("presign %d: key %s, source %q, warning %v", i, out.AccessKeyID, out.CredentialSource, out.Warning)
		}
	}
	if calls := sts.Calls(); len(calls) != 1 {
		t.Errorf("%d AssumeRole calls for ten presigns, want 1", len(calls))
	}
}

// TestPresignedMultipartWorksAgainstSignet: a whole multipart upload
// through URLs presign prints (CreateMultipartUpload, UploadPart,
// ListParts, CompleteMultipartUpload, and AbortMultipartUpload of a
// second upload), against an in-process server. A part URL is signed for
// that part of that upload only.
func TestPresignedMultipartWorksAgainstSignet(t *testing.T) {
	e := presigntest.Isolate(t)
	psAliceProfile(t, e)
	s := psStartServer(t)
	const obj = "s3://photos/big.bin"
	presigned := func(args ...string) string {
		t.Helper()
		return psMustPresign(t, psNow, append([]string{obj, "--endpoint-url", s.url}, args...)...)
	}
	create := func() string {
		t.Helper()
		r := psSend(t, "POST", presigned("--method", "POST", "--uploads"), nil, "")
		var created struct{ UploadId string }
		if err := xml.Unmarshal([]byte(r.body), &created); r.status != 200 || err != nil || created.UploadId == "" {
			t.Fatalf("CreateMultipartUpload through the presigned URL: %d %s", r.status, r.body)
		}
		return created.UploadId
	}
	id := create()

	part := presigned("--method", "PUT", "--upload-id", id, "--part-number", "1")
	if r := psSend(t, "PUT", strings.Replace(part, "partNumber=1", "partNumber=2", 1), nil, "other"); r.status != 403 || !strings.Contains(r.body, "SignatureDoesNotMatch") {
		t.Errorf("PUT to another part number: %d %s", r.status, r.body)
	}
	up := psSend(t, "PUT", part, nil, "part one")
	etag := up.header.Get("ETag")
	if up.status != 200 || etag == "" {
		t.Fatalf("UploadPart through the presigned URL: %d %s", up.status, up.body)
	}
	if r := psSend(t, "GET", presigned("--upload-id", id), nil, ""); r.status != 200 || !strings.Contains(r.body, "<PartNumber>1</PartNumber>") {
		t.Errorf("ListParts through the presigned URL: %d %s", r.status, r.body)
	}

	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etag + "</ETag></Part></CompleteMultipartUpload>"
	if r := psSend(t, "POST", presigned("--method", "POST", "--upload-id", id), nil, complete); r.status != 200 {
		t.Fatalf("CompleteMultipartUpload through the presigned URL: %d %s", r.status, r.body)
	}
	if r := psSend(t, "GET", presigned(), nil, ""); r.status != 200 || r.body != "part one" {
		t.Errorf("the object: %d %q, want the part's bytes", r.status, r.body)
	}

	other := create()
	if r := psSend(t, "DELETE", presigned("--method", "DELETE", "--upload-id", other), nil, ""); r.status != 204 {
		t.Errorf("AbortMultipartUpload through the presigned URL: %d %s", r.status, r.body)
	}
	if r := psSend(t, "GET", presigned("--upload-id", other), nil, ""); r.status != 404 || !strings.Contains(r.body, "NoSuchUpload") {
		t.Errorf("ListParts of the aborted upload: %d %s", r.status, r.body)
	}
}
