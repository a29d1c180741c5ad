package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/adminwire"
	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// The timeline every signet URL below lives on.
var (
	// A role session (AssumeRole, one hour) issued at 10:00, a URL signed
	// with it at 10:10 for twelve hours; inspected at 12:00, after the
	// session ended and long before the URL's own window does.
	roleIssued  = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	urlSigned   = roleIssued.Add(10 * time.Minute)
	inspectedAt = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

	// AWS's own example, signed 2013-05-24 for one day, inspected 20h48m later.
	awsSigned    = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	awsInspected = awsSigned.Add(20*time.Hour + 48*time.Minute)
)

var (
	awsExampleKeys = sigv4.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")}
	awsExampleTemp = sigv4.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: secret.New("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
		SessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN+aWRlbnRpdHk/c2Vzc2lvbg=="}
	aliceKeys   = sigv4.Credentials{AccessKeyID: "AKIAALICE0000000001", SecretAccessKey: secret.New("alice-secret-0000000000000000000000000001")}
	roleSession = sigv4.Credentials{AccessKeyID: "ASIAREADERCI0000001", SecretAccessKey: secret.New("reader-secret-000000000000000000000000001"),
		SessionToken: "FwoGZXIvYXdzEXAMPLE+ROLE/SESSION/TOKEN=="}
	gstSession = sigv4.Credentials{AccessKeyID: "ASIAALICE0000000002", SecretAccessKey: secret.New("alice-session-secret-0000000000000000002"),
		SessionToken: "FwoGZXIvYXdzEXAMPLE+GETSESSIONTOKEN=="}
)

func presignAt(t *testing.T, method, raw string, c sigv4.Credentials, at time.Time, expires time.Duration, h http.Header) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{
		Method: method, URL: raw, Credentials: c, Region: "us-east-1", Service: "s3", Time: at, Expires: expires,
		Header: h, Mode: sigv4.S3,
	})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// withExpires rewrites X-Amz-Expires without re-signing (sigv4.Presign
// signs whatever it is given, but the shape is what matters here).
func withExpires(raw string, secs int) string {
	return strings.Replace(raw, "X-Amz-Expires=3600", "X-Amz-Expires="+strconv.Itoa(secs), 1)
}

// explainRoute answers POST …/explain with e.
func explainRoute(t *testing.T, e adminwire.Explanation) map[string]adminCanned {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]adminCanned{"POST /_signet/admin/v1/explain": {body: string(b)}}
}

type inspectCase struct {
	name   string
	url    string   // the presigned URL, passed as the last argument
	args   []string // flags before it
	now    time.Time
	routes map[string]adminCanned // a fake admin server answers; nil: no endpoint
	env    map[string]string
}

// TestInspectGolden runs signet inspect and compares exit code, the
// requests that reached the fake admin server, stdout and stderr with
// testdata/inspect_<name>.golden. go test -run TestInspectGolden -update
// rewrites them.
func TestInspectGolden(t *testing.T) {
	longTermURL := presignAt(t, "GET", "http://localhost:9000/photos/2026/cat%20on%20a%20mat.jpg", aliceKeys, urlSigned, time.Hour, nil)
	roleURL := presignAt(t, "GET", "http://localhost:9000/photos/cat.jpg?response-content-disposition=attachment%3B%20filename%3D%22cat.jpg%22", roleSession, urlSigned, 12*time.Hour, nil)
	gstURL := presignAt(t, "PUT", "http://photos.localhost:9000/uploads/dog.png", gstSession, roleIssued, 7*24*time.Hour, http.Header{"Content-Type": {"image/png"}})
	awsURL := presignAt(t, "GET", "https://presignedbucketexample.s3.us-east-1.amazonaws.com/yawning-cat.jpg", awsExampleKeys, awsSigned, 24*time.Hour, nil)
	awsTempURL := presignAt(t, "GET", "https://presignedbucketexample.s3.us-east-1.amazonaws.com/yawning-cat.jpg", awsExampleTemp, awsSigned, 24*time.Hour, nil)
	shortURL := presignAt(t, "GET", "http://localhost:9000/photos/cat.jpg", aliceKeys, urlSigned, time.Hour, nil)

	v2URL, err := sigv2.Presign(sigv2.PresignInput{
		Method: "GET", URL: "http://localhost:9000/photos/cat.jpg", AccessKeyID: aliceKeys.AccessKeyID,
		SecretAccessKey: aliceKeys.SecretAccessKey, Expires: urlSigned.Add(30 * 24 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	v2TokenURL, err := sigv2.Presign(sigv2.PresignInput{
		Method:      "GET",
		URL:         "https://photos.s3.amazonaws.com/cat.jpg?x-amz-security-token=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(roleSession.SessionToken),
		AccessKeyID: roleSession.AccessKeyID, SecretAccessKey: roleSession.SecretAccessKey,
		Expires: urlSigned.Add(12 * time.Hour), VirtualBucket: "photos",
	})
	if err != nil {
		t.Fatal(err)
	}

	now := inspectedAt
	longAt := urlSigned.Add(48 * time.Minute)

	cases := []inspectCase{
		// Usage.
		{name: "no_args"},
		{name: "two_args", args: []string{"http://a/b", "http://c/d"}},
		{name: "bad_flag", args: []string{"--colour"}, url: shortURL},
		{name: "bad_header", args: []string{"--header", "Content-Type image/png"}, url: shortURL},
		{name: "bad_method", args: []string{"--method", "GET /"}, url: shortURL},
		{name: "offline_with_endpoint", args: []string{"--offline", "--endpoint-url", "http://localhost:9000"}, url: shortURL},

		// Offline: the URL alone.
		{name: "long_term", url: longTermURL, now: longAt},
		{name: "long_term_json", args: []string{"--json"}, url: longTermURL, now: longAt},
		{name: "role_session_offline", url: roleURL, now: now},
		{name: "role_session_offline_json", args: []string{"--json"}, url: roleURL, now: now},
		{name: "session_token_offline", url: gstURL, now: now},
		{name: "sigv2", url: v2URL, now: now},
		{name: "sigv2_json", args: []string{"--json"}, url: v2URL, now: now},
		{name: "sigv2_token", url: v2TokenURL, now: now},
		{name: "sigv2_token_json", args: []string{"--json"}, url: v2TokenURL, now: now},
		{name: "sigv2_expired", url: v2TokenURL, now: urlSigned.Add(14 * 24 * time.Hour)},
		{name: "aws_example", url: awsURL, now: awsInspected},
		{name: "aws_example_json", args: []string{"--json"}, url: awsURL, now: awsInspected},
		{name: "aws_example_temporary", url: awsTempURL, now: awsInspected},
		{name: "aws_example_temporary_json", args: []string{"--json"}, url: awsTempURL, now: awsInspected},
		{name: "expired", url: shortURL, now: urlSigned.Add(2*24*time.Hour + 4*time.Hour + time.Hour)},
		{name: "expired_json", args: []string{"--json"}, url: shortURL, now: urlSigned.Add(2*24*time.Hour + 4*time.Hour + time.Hour)},
		{name: "not_yet_valid", url: shortURL, now: urlSigned.Add(-5 * time.Minute)},
		{name: "not_yet_valid_json", args: []string{"--json"}, url: shortURL, now: urlSigned.Add(-5 * time.Minute)},
		{name: "over_cap", url: withExpires(shortURL, 604801), now: urlSigned.Add(time.Minute)},
		{name: "over_cap_json", args: []string{"--json"}, url: withExpires(shortURL, 604801), now: urlSigned.Add(time.Minute)},
		{name: "malformed", url: strings.Split(shortURL, "&X-Amz-Signature=")[0], now: now},
		{name: "malformed_json", args: []string{"--json"}, url: strings.Split(shortURL, "&X-Amz-Signature=")[0], now: now},
		{name: "not_a_url", url: "photos/cat.jpg", now: now},
		{name: "not_presigned", url: "https://photos.s3.amazonaws.com/cat.jpg?versionId=3", now: now},
		{name: "duplicate_expires", url: shortURL + "&X-Amz-Expires=60", now: urlSigned.Add(30 * time.Minute)},
		// An endpoint is configured, but --offline keeps everything here.
		{name: "offline_flag", args: []string{"--offline"}, url: roleURL, now: now, routes: map[string]adminCanned{}},
		// An endpoint is configured, but the URL is for AWS S3, whose keys
		// the server never issued: it is not asked.
		{name: "aws_url_other_endpoint", url: awsTempURL, now: awsInspected, routes: map[string]adminCanned{}},
		{name: "aws_url_other_endpoint_json", args: []string{"--json"}, url: awsURL, now: awsInspected, routes: map[string]adminCanned{}},

		// Online, but the server's part is missing.
		{name: "server_access_denied", url: roleURL, now: now, routes: map[string]adminCanned{"POST /_signet/admin/v1/explain": {status: 403,
			body: errBody("AccessDenied", "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: signet:ExplainURL on resource: *")}}},
		{name: "server_access_denied_json", args: []string{"--json"}, url: roleURL, now: now, routes: map[string]adminCanned{"POST /_signet/admin/v1/explain": {status: 403,
			body: errBody("AccessDenied", "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: signet:ExplainURL on resource: *")}}},
		{name: "server_old", url: shortURL, now: longAt, routes: map[string]adminCanned{}},
		{name: "server_no_credentials", url: shortURL, now: longAt, routes: map[string]adminCanned{},
			env: map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}},
		{name: "server_bad_profile", url: shortURL, now: longAt, routes: map[string]adminCanned{},
			env: map[string]string{"AWS_PROFILE": "nope"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			isolateInspect(t)
			var f *adminFake
			if c.routes != nil {
				f = newAdminFake(t, c.routes)
				t.Setenv("AWS_ENDPOINT_URL", f.URL)
			}
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			args := append(append([]string{}, c.args...), c.url)
			if c.url == "" {
				args = c.args
			}
			code, stdout, stderr := runInspectAt(c.now, args...)

			var b strings.Builder
			shown := inspectShellJoin(args)
			if c.url != "" {
				shown = strings.TrimSpace(inspectShellJoin(c.args) + " '$URL'")
				b.WriteString("URL=" + c.url + "\n")
			}
			b.WriteString(strings.TrimSpace("$ signet inspect "+shown) + "\n")
			if !c.now.IsZero() {
				b.WriteString("now " + c.now.Format(time.RFC3339) + "\n")
			}
			b.WriteString("exit " + strconv.Itoa(code) + "\n")
			if f != nil {
				b.WriteString("-- requests --\n")
				for _, r := range f.requests() {
					b.WriteString(r + "\n")
				}
			}
			b.WriteString("-- stdout --\n" + stdout)
			b.WriteString("-- stderr --\n" + stderr)
			got := b.String()
			if f != nil {
				got = strings.ReplaceAll(got, f.URL, "http://ENDPOINT")
				got = strings.ReplaceAll(got, strings.TrimPrefix(f.URL, "http://"), "ENDPOINT")
			}
			if c.url != "" {
				// The request body carries the URL JSON-escaped.
				esc, _ := json.Marshal(c.url)
				got = strings.ReplaceAll(got, string(esc[1:len(esc)-1]), "$URL")
			}
			compareGolden(t, filepath.Join("testdata", "inspect_"+c.name+".golden"), got)
			if code == 0 || code == 3 || code == 1 {
				assertNoToken(t, stdout+stderr)
			}
			if strings.HasSuffix(c.name, "_json") && c.name != "offline_with_endpoint" && code != 2 {
				var v map[string]any
				if err := json.Unmarshal([]byte(stdout), &v); err != nil {
					t.Fatalf("--json output does not parse: %v", err)
				}
			}
		})
	}
}

// inspectShellJoin prints arguments as a shell would need them typed.
func inspectShellJoin(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.ContainsAny(a, " '\"&?*") {
			out[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

// assertNoToken fails if any of the test sessions' tokens was printed.
func assertNoToken(t *testing.T, out string) {
	t.Helper()
	for _, tok := range []string{awsExampleTemp.SessionToken, roleSession.SessionToken, gstSession.SessionToken} {
		for _, form := range []string{tok, sigv4.URIEncode(tok, true), strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(tok)} {
			if strings.Contains(out, form) {
				t.Errorf("a session token was printed: %s", form)
			}
		}
	}
}

// isolateInspect gives a test its own AWS world: a private HOME and
// config files, no endpoint, the metadata service off, and the admin
// test keys as credentials.
func isolateInspect(t *testing.T) {
	t.Helper()
	isolateAWS(t)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func runInspectAt(now time.Time, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(Env{Ctx: context.Background(), Args: append([]string{"inspect"}, args...), Stdout: &out, Stderr: &errb,
		Getenv: os.Getenv, Now: func() time.Time { return now }})
	return code, out.String(), errb.String()
}

// TestInspectForwardsRequest: --method and every --header reach the
// server as given, Host included, and the URL byte for byte.
func TestInspectForwardsRequest(t *testing.T) {
	isolateInspect(t)
	raw := presignAt(t, "PUT", "http://localhost:9000/photos/a%20b.png", aliceKeys, urlSigned, time.Hour, http.Header{"Content-Type": {"image/png"}})
	f := newAdminFake(t, explainRoute(t, adminwire.Explanation{Verdict: "valid", Reason: adminwire.ReasonValid, Now: urlSigned}))
	code, _, errs := runInspectAt(urlSigned, "--endpoint-url", f.URL, "--method", "put", "--header", "Content-Type:  image/png ",
		"--header", "Host: files.internal:9000", "--header", "X-Amz-Meta-A: 1", "--header", "x-amz-meta-a: 2", raw)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("requests %q", reqs)
	}
	var got adminwire.ExplainRequest
	if err := json.Unmarshal([]byte(strings.TrimPrefix(reqs[0], "POST /_signet/admin/v1/explain ")), &got); err != nil {
		t.Fatal(err)
	}
	want := adminwire.ExplainRequest{URL: raw, Method: "PUT", Headers: map[string][]string{
		"Content-Type": {"image/png"}, "Host": {"files.internal:9000"}, "X-Amz-Meta-A": {"1", "2"}}}
	if got.URL != want.URL || got.Method != want.Method || !maps.EqualFunc(got.Headers, want.Headers, func(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }) {
		t.Errorf("sent %+v\nwant %+v", got, want)
	}
}

// TestInspectNoEndpointAsksNobody: with no endpoint configured anywhere,
// inspect judges offline and its exit code follows the offline verdict.
func TestInspectNoEndpointAsksNobody(t *testing.T) {
	isolateInspect(t)
	raw := presignAt(t, "GET", "http://localhost:9000/photos/cat.jpg", aliceKeys, urlSigned, time.Hour, nil)
	for _, c := range []struct {
		now  time.Time
		code int
	}{{urlSigned, 0}, {urlSigned.Add(time.Hour - time.Second), 0}, {urlSigned.Add(time.Hour), 3}, {urlSigned.Add(-time.Second), 3}} {
		code, out, errs := runInspectAt(c.now, raw)
		if code != c.code || errs != "" || strings.Contains(out, "server  ") {
			t.Errorf("at %s: exit %d, want %d; stderr %q", c.now, code, c.code, errs)
		}
	}
}

// TestInspectUnreachable: the server part is missing, the offline report
// is still printed, the note says why and what to do, exit 1.
func TestInspectUnreachable(t *testing.T) {
	isolateInspect(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()
	raw := presignAt(t, "GET", "http://localhost:9000/photos/cat.jpg", aliceKeys, urlSigned, time.Hour, nil)
	code, out, errs := runInspectAt(urlSigned, "--endpoint-url", endpoint, raw)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "verdict         valid: The URL is valid by this machine's clock: it works until 2026-11-27T11:10:00Z (1h from now)") || !strings.Contains(out, "no answer from "+endpoint) {
		t.Errorf("stdout %q", out)
	}
	for _, want := range []string{"the server's explanation is missing", "could not reach " + endpoint, "run with --offline"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q: %q", want, errs)
		}
	}
	code, out, _ = runInspectAt(urlSigned, "--json", "--endpoint-url", endpoint, raw)
	var v struct {
		Source      string  `json:"source"`
		Server      any     `json:"server"`
		ServerError *string `json:"server_error"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 1 || v.Source != "offline" || v.Server != nil || v.ServerError == nil {
		t.Errorf("json: exit %d %+v %v", code, v, err)
	}
}

func TestInspectJSONFieldOrder(t *testing.T) {
	isolateInspect(t)
	raw := presignAt(t, "GET", "http://localhost:9000/photos/cat.jpg", aliceKeys, urlSigned, time.Hour, nil)
	_, out, _ := runInspectAt(urlSigned, "--json", raw)
	want := []string{"verdict", "reason", "message", "source", "now", "expires_at", "effective_expires_at", "limited_by", "principal",
		"endpoint", "host", "bucket", "key", "style", "signature_version", "algorithm", "access_key_id", "key_kind", "scope", "signed_at",
		"expires_in_seconds", "signed_headers", "security_token_present", "response_overrides", "other_parameters", "signature", "fingerprint", "notes",
		"method", "canonical_request", "string_to_sign", "server", "server_error"}
	dec := json.NewDecoder(strings.NewReader(out))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fields\n%v\nwant\n%v", got, want)
	}
}
