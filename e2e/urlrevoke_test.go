package e2e

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"signet/internal/secret"
	"signet/internal/sigv2"
	"signet/internal/sigv4"
)

// Per-URL revocation end to end (issue 19): `signet admin url revoke`
// against the built server, the URLs fetched with curl, the state kept
// across a restart and a kill -9.

const revokedMessage = "This presigned URL has been revoked."

// revokeServer starts a --dev-clock server on dataDir at addr ("" for a
// free port), stopped when the test ends.
func revokeServer(t *testing.T, addr, dataDir string) *signetProc {
	t.Helper()
	var p *signetProc
	var err error
	if addr == "" {
		p, err = startSignet(dataDir, []string{"--dev-clock"}, nil)
	} else {
		// The URLs are signed for this host: a restart must answer on
		// the same address. A port freed a moment ago is taken again at
		// once; retry briefly in case another test grabbed it between.
		for range 3 {
			if p, err = startSignetAt(addr, dataDir, []string{"--dev-clock"}, nil); err == nil {
				break
			}
		}
	}
	if err != nil {
		t.Fatalf("starting signet: %v", err)
	}
	track(p)
	t.Cleanup(func() { _ = p.stop() })
	return p
}

// urlParam reads one query parameter of a URL.
func urlParam(t *testing.T, raw, name string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}

// v2Twin is the SigV2 URL the same key signs for the same request and
// deadline as the SigV4 URL u.
func v2Twin(t *testing.T, u, keyID, secretKey string) string {
	t.Helper()
	signed, ok := sigv4.ParseAmzDate(urlParam(t, u, "X-Amz-Date"))
	secs, err := strconv.Atoi(urlParam(t, u, "X-Amz-Expires"))
	if !ok || err != nil {
		t.Fatalf("URL %q has no X-Amz-Date/X-Amz-Expires", u)
	}
	base, _, _ := strings.Cut(u, "?")
	v2, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: base, AccessKeyID: keyID, SecretAccessKey: secret.New(secretKey),
		Expires: signed.Add(time.Duration(secs) * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(v2)
	return v2
}

// reordered is u with its query parameters in reverse order.
func reordered(u string) string {
	base, q, _ := strings.Cut(u, "?")
	parts := strings.Split(q, "&")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return base + "?" + strings.Join(parts, "&")
}

// reencoded is u with its query written differently but meaning the
// same: escapes in lower-case hex, the credential's slashes unescaped,
// and a parameter name escaped.
func reencoded(u string) string {
	base, q, _ := strings.Cut(u, "?")
	q = strings.ReplaceAll(q, "%2F", "/")
	q = strings.ReplaceAll(q, "X-Amz-Date=", "X-Amz%2DDate=")
	return base + "?" + q
}

// revokedList is `signet admin url revocations --json`.
type revokedList struct {
	Revocations []struct {
		ID          string     `json:"id"`
		Fingerprint string     `json:"fingerprint"`
		SignedBy    string     `json:"signed_by"`
		Before      *time.Time `json:"before"`
		Until       time.Time  `json:"until"`
		RevokedBy   string     `json:"revoked_by"`
		Reason      string     `json:"reason"`
		TwinOf      string     `json:"twin_of"`
		Principal   string     `json:"principal"`
	} `json:"revocations"`
	Limit int `json:"limit"`
}

func (w *identityWorld) revocations(t *testing.T) revokedList {
	t.Helper()
	r := w.root.admin(t, w.p, "url", "revocations", "--json")
	var l revokedList
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("url revocations --json: %v\n%s", err, r)
	}
	return l
}

// inspectRevoked asks `signet inspect` about a revoked URL and checks the
// server names the revocation.
func (w *identityWorld) inspectRevoked(t *testing.T, u, why, signedBy string) {
	t.Helper()
	r := w.root.run(t, "", binPath, "inspect", u, "--endpoint-url", w.p.endpoint, "--json")
	var got struct {
		Reason string `json:"reason"`
		Server struct {
			Message    string `json:"message"`
			Revocation *struct {
				RevokedBy string `json:"revoked_by"`
				Reason    string `json:"reason"`
				SignedBy  string `json:"signed_by"`
			} `json:"revocation"`
		} `json:"server"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || exitCode(r.err) != 3 {
		t.Fatalf("signet inspect of a revoked URL: exit %d, %v\n%s", exitCode(r.err), err, r)
	}
	rv := got.Server.Revocation
	if got.Reason != "url_revoked" || rv == nil || rv.Reason != why || !strings.HasSuffix(rv.RevokedBy, ":root") || rv.SignedBy != signedBy {
		t.Fatalf("signet inspect: reason %q, revocation %+v; want url_revoked by the root, %q, signed_by %q\n%s", got.Reason, rv, why, signedBy, r.stdout)
	}
	if !strings.Contains(got.Server.Message, why) {
		t.Errorf("the explanation does not give the reason %q: %s", why, got.Server.Message)
	}
	text := w.root.run(t, "", binPath, "inspect", u, "--endpoint-url", w.p.endpoint)
	if !strings.Contains(text.stdout, "url_revoked") || !strings.Contains(text.stdout, strconv.Quote(why)) {
		t.Errorf("signet inspect's text does not say url_revoked and why:\n%s", text.stdout)
	}
}

func TestRevokeOneURL(t *testing.T) {
	t.Parallel()
	requireTool(t, "aws", "--version")
	requireTool(t, "curl", "--version")
	dataDir := filepath.Join(t.TempDir(), "data")
	p := revokeServer(t, "", dataDir)
	w := newIdentityWorldOn(t, p)
	obj := "s3://life/yawning-cat.jpg"

	leaked := w.alice.presignAt(t, p, obj, "--expires-in", "7200")
	sibling := w.alice.presignAt(t, p, obj, "--expires-in", "3600")
	twin := v2Twin(t, leaked, w.aliceKey, w.aliceSecret)
	variants := map[string]string{"the URL": leaked, "re-ordered": reordered(leaked), "re-encoded": reencoded(leaked), "its SigV2 twin": twin}
	for name, u := range variants {
		w.wantBytes(t, u, name+" before the revocation")
	}
	w.wantBytes(t, sibling, "the sibling")

	r := w.root.admin(t, p, "url", "revoke", leaked, "--reason", "posted in ticket 4711")
	if !strings.Contains(r.stdout, "revoked URL ") || !strings.Contains(r.stdout, "SigV2 twin") {
		t.Fatalf("url revoke printed:\n%s", r)
	}
	for name, u := range variants {
		w.wantError(t, u, 403, "AccessDenied", revokedMessage)
		_ = name
	}
	w.wantBytes(t, sibling, "the sibling, after the revocation")
	w.inspectRevoked(t, leaked, "posted in ticket 4711", "")

	// The entry is kept until the URL's own deadline, and says who and why.
	signed, _ := sigv4.ParseAmzDate(urlParam(t, leaked, "X-Amz-Date"))
	l := w.revocations(t)
	if len(l.Revocations) != 2 || l.Limit != 100000 {
		t.Fatalf("url revocations: %+v, want the URL and its twin", l)
	}
	for _, e := range l.Revocations {
		if !e.Until.Equal(signed.Add(2*time.Hour)) || e.Reason != "posted in ticket 4711" || !strings.HasSuffix(e.RevokedBy, ":root") || e.Principal != w.aliceARN {
			t.Errorf("entry %+v: want until %v, the reason, the root and alice", e, signed.Add(2*time.Hour))
		}
	}

	// A restart and a kill -9 keep every revocation.
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	p = revokeServer(t, p.host, dataDir)
	w.p = p
	w.wantError(t, leaked, 403, "AccessDenied", revokedMessage)
	w.wantError(t, twin, 403, "AccessDenied", revokedMessage)
	w.wantBytes(t, sibling, "the sibling, after a restart")
	w.root.admin(t, p, "url", "revoke", sibling)
	w.wantError(t, sibling, 403, "AccessDenied", revokedMessage)
	if err := p.kill(); err != nil {
		t.Fatal(err)
	}
	p = revokeServer(t, p.host, dataDir)
	w.p = p
	w.wantError(t, sibling, 403, "AccessDenied", revokedMessage)
	w.wantError(t, leaked, 403, "AccessDenied", revokedMessage)

	// Past its deadline the URL is dead anyway, and its entry goes.
	w.advance(t, "1h0m1s")
	if l := w.revocations(t); len(l.Revocations) != 2 || l.Revocations[0].Fingerprint == "" {
		t.Fatalf("after the sibling's deadline: %+v, want the leaked URL and its twin only", l)
	}
	w.wantError(t, sibling, 403, "AccessDenied", "Request has expired")
	w.advance(t, "1h")
	if l := w.revocations(t); len(l.Revocations) != 0 {
		t.Fatalf("after every deadline: %+v, want none", l)
	}
	w.wantError(t, leaked, 403, "AccessDenied", "Request has expired")
	// Nothing is left to revoke in a dead URL.
	res := w.root.run(t, "", binPath, "admin", "url", "revoke", leaked, "--endpoint-url", p.endpoint)
	if res.err == nil || !strings.Contains(res.stderr, "NotRevocable") {
		t.Errorf("revoking a dead URL:\n%s", res)
	}
}

// presignAs signs a GET of the world's object at a chosen time.
func (w *identityWorld) presignAs(t *testing.T, creds sigv4.Credentials, at time.Time, expires time.Duration) string {
	t.Helper()
	u, err := sigv4.Presign(sigv4.PresignInput{Method: "GET", URL: w.p.endpoint + "/life/yawning-cat.jpg", Credentials: creds,
		Region: "us-east-1", Service: "s3", Time: at, Expires: expires, Mode: sigv4.S3})
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(u)
	return u
}

func TestRevokeBySigner(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	p := w.p
	sess, sessClient := w.assume(t, "ci")
	alice := sigv4.Credentials{AccessKeyID: w.aliceKey, SecretAccessKey: secret.New(w.aliceSecret)}
	role := sigv4.Credentials{AccessKeyID: sess.Credentials.AccessKeyId, SecretAccessKey: secret.New(sess.Credentials.SecretAccessKey), SessionToken: sess.Credentials.SessionToken}

	// Signed now; then the server's clock moves 10 minutes and the same
	// signers sign again. The rules cut at 5 minutes.
	t0 := w.serverNow(t).Truncate(time.Second)
	aliceOld, roleOld := w.presignAs(t, alice, t0, time.Hour), w.presignAs(t, role, t0, time.Hour)
	base := p.endpoint + "/life/yawning-cat.jpg"
	aliceV2, err := sigv2.Presign(sigv2.PresignInput{Method: "GET", URL: base, AccessKeyID: w.aliceKey, SecretAccessKey: secret.New(w.aliceSecret), Expires: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	rememberSignature(aliceV2)
	w.advance(t, "10m")
	aliceNew, roleNew := w.presignAs(t, alice, t0.Add(10*time.Minute), time.Hour), w.presignAs(t, role, t0.Add(10*time.Minute), time.Hour)
	for name, u := range map[string]string{"alice's old URL": aliceOld, "the session's old URL": roleOld, "alice's SigV2 URL": aliceV2,
		"alice's new URL": aliceNew, "the session's new URL": roleNew} {
		w.wantBytes(t, u, name+" before the rules")
	}

	cut := t0.Add(5 * time.Minute).UTC().Format(time.RFC3339)
	w.root.admin(t, p, "url", "revoke", "--signed-by", w.aliceARN, "--before", cut, "--reason", "laptop stolen")
	w.root.admin(t, p, "url", "revoke", "--signed-by", "role:reader", "--before", cut)

	w.wantError(t, aliceOld, 403, "AccessDenied", revokedMessage)
	w.wantError(t, roleOld, 403, "AccessDenied", revokedMessage)
	// A SigV2 URL names no signing time: it counts as signed before.
	w.wantError(t, aliceV2, 403, "AccessDenied", revokedMessage)
	w.wantBytes(t, aliceNew, "alice's URL signed after the rule")
	w.wantBytes(t, roleNew, "the session's URL signed after the rule")
	w.inspectRevoked(t, aliceOld, "laptop stolen", "user:alice")

	// Neither the keys nor the sessions were touched: header-signed
	// calls of both work.
	dir := t.TempDir()
	w.alice.at(t, p, "s3", "cp", "s3://life/yawning-cat.jpg", filepath.Join(dir, "a"))
	sessClient.at(t, p, "s3", "cp", "s3://life/yawning-cat.jpg", filepath.Join(dir, "b"))
	l := w.revocations(t)
	if len(l.Revocations) != 2 {
		t.Fatalf("url revocations: %+v, want two rules", l)
	}
	for _, e := range l.Revocations {
		if e.Before == nil || !e.Before.Equal(t0.Add(5*time.Minute)) || !e.Until.Equal(t0.Add(5*time.Minute+7*24*time.Hour)) {
			t.Errorf("rule %+v: want before %v, until 7 days later", e, t0.Add(5*time.Minute))
		}
	}
}

// A POST form and a SigV2 URL are revoked by their signatures too.
func TestRevokeFormAndSigV2URL(t *testing.T) {
	t.Parallel()
	w := newIdentityWorld(t)
	p := w.p
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil}}

	// The root's form for uploads/, as `signet presign --post --json`
	// prints it.
	r := w.root.ok(t, "", binPath, "presign", "--post", "s3://life/uploads/", "--endpoint-url", p.endpoint, "--json")
	var form sdkForm
	if err := json.Unmarshal([]byte(r.stdout), &form); err != nil || form.URL == "" {
		t.Fatalf("presign --post --json: %v\n%s", err, r)
	}
	rememberSignature(form.Fields["x-amz-signature"])
	formFile := filepath.Join(t.TempDir(), "form.json")
	if err := os.WriteFile(formFile, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	form.Fields["key"] = "uploads/first.txt"
	if status, _, body := postForm(t, client, form, "first.txt", "first"); status/100 != 2 {
		t.Fatalf("posting the form before the revocation: %d %s", status, body)
	}
	w.root.admin(t, p, "url", "revoke", "--post-json", formFile, "--reason", "form page cached by a proxy")
	form.Fields["key"] = "uploads/second.txt"
	status, _, body := postForm(t, client, form, "second.txt", "second")
	var e s3Error
	if err := xml.Unmarshal([]byte(body), &e); err != nil || status != 403 || e.Code != "AccessDenied" || e.Message != "This POST policy has been revoked." {
		t.Fatalf("posting the revoked form: %d %s, want 403 AccessDenied \"This POST policy has been revoked.\"", status, body)
	}

	// SigV2, as the AWS CLI v1 presigns against a custom endpoint by
	// default: the URL and the same URL re-encoded are refused, another
	// SigV2 URL of the same key is not.
	presignV2 := func(expires string) string {
		r := w.root.at(t, p, "s3", "presign", "s3://life/yawning-cat.jpg", "--expires-in", expires)
		u := strings.TrimSpace(r.stdout)
		if !strings.Contains(u, "Signature=") || !strings.Contains(u, "AWSAccessKeyId=") {
			t.Fatalf("aws s3 presign did not print a SigV2 URL: %q", u)
		}
		rememberSignature(u)
		return u
	}
	v2, v2Sibling := presignV2("3600"), presignV2("7200")
	lower := reordered(strings.NewReplacer("%2B", "%2b", "%2F", "%2f", "%3D", "%3d").Replace(v2))
	for _, u := range []string{v2, lower, v2Sibling} {
		w.wantBytes(t, u, "a SigV2 URL before the revocation")
	}
	w.root.admin(t, p, "url", "revoke", v2)
	w.wantError(t, v2, 403, "AccessDenied", revokedMessage)
	w.wantError(t, lower, 403, "AccessDenied", revokedMessage)
	w.wantBytes(t, v2Sibling, "another SigV2 URL of the same key")
}
