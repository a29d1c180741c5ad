package console_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"signet/internal/adminclient"
	"signet/internal/clock"
	"signet/internal/config"
	"signet/internal/console"
	"signet/internal/server"
	"signet/internal/sigv4"
)

// world is a real signet server on a fake clock, and a browser-like
// client (a cookie jar, redirects not followed) at its console.
type world struct {
	t      *testing.T
	srv    *server.Server
	ts     *httptest.Server
	clk    *clock.Fake
	client *http.Client
}

var start = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)

func newWorld(t *testing.T) *world {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.RootAccessKeyID, cfg.RootSecret = "", ""
	clk := clock.NewFake(start)
	srv, err := server.New(cfg, slog.New(slog.DiscardHandler), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &world{t: t, srv: srv, ts: ts, clk: clk, client: newBrowser(t)}
}

// newBrowser is a client with a cookie jar of its own that shows
// redirects rather than following them.
func newBrowser(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (w *world) send(c *http.Client, req *http.Request) answer {
	w.t.Helper()
	res, err := c.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header, string(b)}
}

func (w *world) get(path string) answer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, w.ts.URL+path, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(w.client, req)
}

// post sends a form from the console's own origin.
func (w *world) post(path string, form url.Values) answer {
	w.t.Helper()
	return w.postFrom(w.ts.URL, path, form)
}

func (w *world) postFrom(origin, path string, form url.Values) answer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodPost, w.ts.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	return w.send(w.client, req)
}

func (w *world) signIn() {
	w.t.Helper()
	root := w.srv.Root()
	a := w.post(console.Prefix+"sign-in", url.Values{"access_key_id": {root.AccessKeyID}, "secret_access_key": {root.Secret.Reveal()}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != console.Prefix {
		w.t.Fatalf("sign-in: %d %s\n%s", a.status, a.header.Get("Location"), a.body)
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf reads the CSRF token from a console page.
func (w *world) csrf() string {
	w.t.Helper()
	a := w.get(console.Prefix)
	m := csrfField.FindStringSubmatch(a.body)
	if m == nil {
		w.t.Fatalf("no CSRF token on the buckets page (%d):\n%s", a.status, a.body)
	}
	return m[1]
}

func (w *world) admin() *adminclient.Client {
	root := w.srv.Root()
	u, _ := url.Parse(w.ts.URL)
	return &adminclient.Client{Endpoint: u, Credentials: adminclient.StaticCredentials(sigv4.Credentials{
		AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}), Now: w.clk.Now}
}

func (w *world) sessionCookie() *http.Cookie {
	u, _ := url.Parse(w.ts.URL + console.Prefix)
	for _, c := range w.client.Jar.Cookies(u) {
		if c.Name == "signet_console" {
			return c
		}
	}
	return nil
}

// TestSignInRootOpensAnSTSSession: the root's key and secret open a real
// STS session of the root (one hour, AWS's limit for the root), listed
// by the admin API, and the cookie names it with the attributes the
// console promises.
func TestSignInRootOpensAnSTSSession(t *testing.T) {
	w := newWorld(t)
	page := w.get(console.Prefix + "sign-in")
	for _, want := range []string{`<label for="access_key_id">`, `<label for="secret_access_key">`, `<label for="user_name">`, `<label for="password">`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("sign-in page lacks %q", want)
		}
	}
	if a := w.get(console.Prefix); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), console.Prefix+"sign-in") {
		t.Fatalf("buckets page without a session: %d %s", a.status, a.header.Get("Location"))
	}
	w.post(console.Prefix+"sign-in", url.Values{"access_key_id": {w.srv.Root().AccessKeyID}, "secret_access_key": {w.srv.Root().Secret.Reveal()}})
	ck := w.sessionCookie()
	if ck == nil {
		t.Fatal("no session cookie after signing in")
	}
	id, _, _ := strings.Cut(ck.Value, ".")
	sessions, err := w.admin().ListSessions(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, s := range sessions {
		if s.AccessKeyID == id {
			found = true
			if s.Kind != adminclient.KindSessionToken || s.SourceAccessKeyID != w.srv.Root().AccessKeyID || !s.Expires.Equal(start.Add(time.Hour)) {
				t.Errorf("console session %+v: want a root session token of 1h from %s", s, start)
			}
		}
	}
	if !found {
		t.Fatalf("the console session %s is not among the admin API's sessions %+v", id, sessions)
	}
	if a := w.get(console.Prefix); a.status != http.StatusOK || !strings.Contains(a.body, "root (account ") {
		t.Fatalf("buckets page: %d\n%s", a.status, a.body)
	}
}

// TestSignInCookieAttributes: HttpOnly, SameSite=Strict, the console's
// path only, and not Secure over plain HTTP.
func TestSignInCookieAttributes(t *testing.T) {
	w := newWorld(t)
	root := w.srv.Root()
	a := w.post(console.Prefix+"sign-in", url.Values{"access_key_id": {root.AccessKeyID}, "secret_access_key": {root.Secret.Reveal()}})
	raw := a.header.Get("Set-Cookie")
	for _, want := range []string{"signet_console=ASIA", "Path=" + console.Prefix, "HttpOnly", "SameSite=Strict"} {
		if !strings.Contains(raw, want) {
			t.Errorf("Set-Cookie %q lacks %q", raw, want)
		}
	}
	if strings.Contains(raw, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP", raw)
	}
}

// TestSignInRefusesABadSecret: a wrong secret, an unknown key and a
// temporary key are all refused with the same words, and open no session.
func TestSignInRefusesABadSecret(t *testing.T) {
	w := newWorld(t)
	root := w.srv.Root()
	for _, form := range []url.Values{
		{"access_key_id": {root.AccessKeyID}, "secret_access_key": {root.Secret.Reveal() + "x"}},
		{"access_key_id": {"AKIAUNKNOWNUNKNOWN00"}, "secret_access_key": {root.Secret.Reveal()}},
		{"access_key_id": {root.AccessKeyID}, "secret_access_key": {""}},
	} {
		a := w.post(console.Prefix+"sign-in", form)
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body, "The access key ID or the secret access key is wrong.") {
			t.Errorf("sign-in with %s: %d\n%s", form.Get("access_key_id"), a.status, a.body)
		}
		if w.sessionCookie() != nil {
			t.Fatalf("a refused sign-in set a session cookie")
		}
	}
	sessions, err := w.admin().ListSessions(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 0 {
		t.Fatalf("refused sign-ins opened sessions: %+v", sessions)
	}
}

// TestSignInRateLimited: the sixth attempt on one account within the
// budget is answered 429 with a page, even with the right secret; after
// the refill interval (by the injected clock) one more is allowed.
func TestSignInRateLimited(t *testing.T) {
	w := newWorld(t)
	root := w.srv.Root()
	bad := url.Values{"access_key_id": {root.AccessKeyID}, "secret_access_key": {"wrong"}}
	for i := range 5 {
		if a := w.post(console.Prefix+"sign-in", bad); a.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, a.status)
		}
	}
	good := url.Values{"access_key_id": {root.AccessKeyID}, "secret_access_key": {root.Secret.Reveal()}}
	a := w.post(console.Prefix+"sign-in", good)
	if a.status != http.StatusTooManyRequests || !strings.Contains(a.body, "Too many sign-in attempts") {
		t.Fatalf("sixth attempt: %d\n%s", a.status, a.body)
	}
	if w.sessionCookie() != nil {
		t.Fatal("a rate-limited sign-in set a session cookie")
	}
	w.clk.Advance(12 * time.Second)
	if a := w.post(console.Prefix+"sign-in", good); a.status != http.StatusSeeOther {
		t.Fatalf("after the refill interval: %d\n%s", a.status, a.body)
	}
}

// TestCSRFRefused: a POST without the session's token, with another
// session's or a forged one, or from another origin, changes nothing.
func TestCSRFRefused(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	token := w.csrf()
	cases := []struct {
		name, origin string
		form         url.Values
	}{
		{"no token", w.ts.URL, url.Values{"bucket": {"csrf-a"}}},
		{"forged token", w.ts.URL, url.Values{"bucket": {"csrf-b"}, "csrf": {strings.Repeat("0", 64)}}},
		{"another origin", "http://evil.example", url.Values{"bucket": {"csrf-c"}, "csrf": {token}}},
		{"null origin", "null", url.Values{"bucket": {"csrf-d"}, "csrf": {token}}},
	}
	for _, c := range cases {
		a := w.postFrom(c.origin, console.Prefix+"buckets/create", c.form)
		if a.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403\n%s", c.name, a.status, a.body)
		}
	}
	if a := w.get(console.Prefix); strings.Contains(a.body, "csrf-") {
		t.Fatalf("a refused POST created a bucket:\n%s", a.body)
	}
	// The same form with the token and the console's origin works.
	if a := w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"csrf-ok"}, "csrf": {token}}); a.status != http.StatusSeeOther {
		t.Fatalf("create with the token: %d\n%s", a.status, a.body)
	}
	// Sign-out is a POST too: without the token the session lives on.
	if a := w.post(console.Prefix+"sign-out", nil); a.status != http.StatusForbidden {
		t.Fatalf("sign-out without the token: %d", a.status)
	}
	if a := w.get(console.Prefix); a.status != http.StatusOK || !strings.Contains(a.body, "csrf-ok") {
		t.Fatalf("buckets page after: %d\n%s", a.status, a.body)
	}
}

var linkArea = regexp.MustCompile(`(?s)<textarea id="link" readonly rows="5">(.*?)</textarea>`)

// share makes a link for bucket/key from the share dialog and returns the
// page and the link.
func (w *world) share(bucket, key, duration, signer string) (answer, string) {
	w.t.Helper()
	a := w.post(console.Prefix+"share", url.Values{"csrf": {w.csrf()}, "bucket": {bucket}, "key": {key}, "duration": {duration}, "signer": {signer}})
	m := linkArea.FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		w.t.Fatalf("share: %d\n%s", a.status, a.body)
	}
	return a, html.UnescapeString(m[1])
}

// upload puts body at bucket/key as the page's script does: a presigned
// PUT from the console, then the PUT itself.
func (w *world) upload(bucket, key, body string) {
	w.t.Helper()
	a := w.post(console.Prefix+"objects/upload-url", url.Values{"csrf": {w.csrf()}, "bucket": {bucket}, "key": {key}, "content_type": {"text/plain"}})
	m := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(a.body)
	if a.status != http.StatusOK || m == nil {
		w.t.Fatalf("upload-url: %d %s", a.status, a.body)
	}
	link := strings.ReplaceAll(m[1], `\u0026`, "&")
	req, err := http.NewRequest(http.MethodPut, link, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/plain")
	if put := w.send(http.DefaultClient, req); put.status != http.StatusOK {
		w.t.Fatalf("PUT: %d %s", put.status, put.body)
	}
}

// fetch GETs a link in a fresh client (no cookies).
func (w *world) fetch(link string) answer {
	w.t.Helper()
	req, err := http.NewRequest(http.MethodGet, link, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.send(newBrowser(w.t), req)
}

// TestShareBySessionWarnsAndDiesOnSignOut: a 7-day link signed by the
// console session is shown to end with the session (one hour for the
// root) before it is made, works, and answers ExpiredToken once the
// console signs out, which terminates the session.
func TestShareBySessionWarnsAndDiesOnSignOut(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	if a := w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}}); a.status != http.StatusSeeOther {
		t.Fatalf("create bucket: %d %s", a.status, a.body)
	}
	w.upload("photos", "cats/yawning.txt", "a yawning cat")
	preview := w.get(console.Prefix + "share?" + url.Values{"bucket": {"photos"}, "key": {"cats/yawning.txt"}, "duration": {"604800"}, "signer": {"session"}}.Encode())
	for _, want := range []string{
		"This link dies when you sign out, or at 10:00 UTC on 2026-12-07 when this session ends: 6d23h before the 7d you asked for.",
		"2026-12-07 10:00:00 UTC", "the console session that signs it",
	} {
		if !strings.Contains(html.UnescapeString(preview.body), want) {
			t.Errorf("share preview lacks %q:\n%s", want, preview.body)
		}
	}
	_, link := w.share("photos", "cats/yawning.txt", "604800", "session")
	if !strings.Contains(link, "X-Amz-Expires=604800") || !strings.Contains(link, "X-Amz-Security-Token=") {
		t.Fatalf("link %s is not a 7-day session-signed link", link)
	}
	if a := w.fetch(link); a.status != http.StatusOK || a.body != "a yawning cat" {
		t.Fatalf("link before sign-out: %d %s", a.status, a.body)
	}
	if a := w.post(console.Prefix+"sign-out", url.Values{"csrf": {w.csrf()}}); a.status != http.StatusSeeOther {
		t.Fatalf("sign-out: %d %s", a.status, a.body)
	}
	a := w.fetch(link)
	if a.status != http.StatusBadRequest || !strings.Contains(a.body, "<Code>ExpiredToken</Code>") {
		t.Fatalf("link after sign-out: %d %s", a.status, a.body)
	}
	if a := w.get(console.Prefix); a.status != http.StatusSeeOther {
		t.Fatalf("console after sign-out: %d", a.status)
	}
}

// TestShareByRootKeyLivesSevenDays: signed by the root's own long-term
// key, the link lives its whole window, after sign-out too.
func TestShareByRootKeyLivesSevenDays(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}})
	w.upload("photos", "cat.txt", "cat")
	page, link := w.share("photos", "cat.txt", "604800", w.srv.Root().AccessKeyID)
	body := html.UnescapeString(page.body)
	if strings.Contains(body, `id="warning"`) || !strings.Contains(body, "2026-12-14 09:00:00 UTC") || !strings.Contains(body, "the link's own window") {
		t.Fatalf("root-key share page:\n%s", body)
	}
	if strings.Contains(link, "X-Amz-Security-Token") || !strings.Contains(link, w.srv.Root().AccessKeyID) {
		t.Fatalf("link %s is not signed by the root key", link)
	}
	w.post(console.Prefix+"sign-out", url.Values{"csrf": {w.csrf()}})
	w.clk.Advance(7*24*time.Hour - time.Second)
	if a := w.fetch(link); a.status != http.StatusOK {
		t.Fatalf("root-key link a second before its end: %d %s", a.status, a.body)
	}
}

// TestShareRefusesAnotherPrincipalsKey: a key that is not the session
// owner's is not offered and cannot be chosen; the dialog falls back to
// the session.
func TestShareRefusesAnotherPrincipalsKey(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}})
	w.upload("photos", "cat.txt", "cat")
	_, link := w.share("photos", "cat.txt", "3600", "AKIAOTHEROTHEROTHER0")
	if !strings.Contains(link, "X-Amz-Security-Token=") {
		t.Fatalf("an unknown key was used to sign: %s", link)
	}
}

// TestSessionEndSendsToSignIn: once the root's hour is over (by the
// lifetime clock) the console asks to sign in again.
func TestSessionEndSendsToSignIn(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	if a := w.get(console.Prefix); a.status != http.StatusOK {
		t.Fatalf("%d", a.status)
	}
	w.clk.Advance(time.Hour)
	a := w.get(console.Prefix + "objects?bucket=x")
	if a.status != http.StatusSeeOther || a.header.Get("Location") != console.Prefix+"sign-in?next="+url.QueryEscape(console.Prefix+"objects?bucket=x") {
		t.Fatalf("after the session's end: %d %s", a.status, a.header.Get("Location"))
	}
}

// TestObjectsFoldersAndDelete: prefixes are folders, an object's page
// shows its HEAD headers, and several objects go in one delete.
func TestObjectsFoldersAndDelete(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"docs"}, "csrf": {w.csrf()}})
	for _, k := range []string{"a/one.txt", "a/two.txt", "top.txt"} {
		w.upload("docs", k, "body of "+k)
	}
	root := html.UnescapeString(w.get(console.Prefix + "objects?bucket=docs").body)
	if !strings.Contains(root, "📁 a/") || !strings.Contains(root, ">top.txt<") || strings.Contains(root, "one.txt") {
		t.Fatalf("bucket root listing:\n%s", root)
	}
	obj := w.get(console.Prefix + "object?bucket=docs&key=a%2Fone.txt")
	if obj.status != http.StatusOK || !strings.Contains(obj.body, "Content-Type") || !strings.Contains(obj.body, "text/plain") {
		t.Fatalf("object page: %d\n%s", obj.status, obj.body)
	}
	a := w.post(console.Prefix+"objects/delete", url.Values{"csrf": {w.csrf()}, "bucket": {"docs"}, "prefix": {"a/"}, "key": {"a/one.txt", "a/two.txt"}})
	if a.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", a.status, regexp.MustCompile(`(?s)<main.*</main>`).FindString(a.body))
	}
	if after := w.get(console.Prefix + "objects?bucket=docs"); strings.Contains(after.body, "a/") {
		t.Fatalf("folder a/ still listed after deleting its objects:\n%s", after.body)
	}
	if d := w.get(console.Prefix + "download?bucket=docs&key=top.txt"); d.status != http.StatusSeeOther {
		t.Fatalf("download: %d", d.status)
	} else if got := w.fetch(d.header.Get("Location")); got.body != "body of top.txt" {
		t.Fatalf("download link: %d %s", got.status, got.body)
	}
}

// TestObjectsPaginate: 1,001 keys make two pages, joined by the
// continuation token.
func TestObjectsPaginate(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"many"}, "csrf": {w.csrf()}})
	token := w.csrf()
	for i := range 1001 {
		key := fmt.Sprintf("k%04d", i)
		a := w.post(console.Prefix+"objects/upload-url", url.Values{"csrf": {token}, "bucket": {"many"}, "key": {key}})
		m := regexp.MustCompile(`"url":"([^"]+)"`).FindStringSubmatch(a.body)
		req, _ := http.NewRequest(http.MethodPut, strings.ReplaceAll(m[1], `\u0026`, "&"), nil)
		if put := w.send(http.DefaultClient, req); put.status != http.StatusOK {
			t.Fatalf("PUT %s: %d", key, put.status)
		}
	}
	first := html.UnescapeString(w.get(console.Prefix + "objects?bucket=many").body)
	next := regexp.MustCompile(`<a href="([^"]+)" id="next-page">`).FindStringSubmatch(first)
	if next == nil || !strings.Contains(first, ">k0999<") || strings.Contains(first, ">k1000<") {
		t.Fatalf("first page has no next link or the wrong keys")
	}
	second := w.get(next[1])
	if !strings.Contains(second.body, ">k1000<") || strings.Contains(second.body, ">k0999<") || strings.Contains(second.body, `id="next-page"`) {
		t.Fatalf("second page:\n%s", second.body)
	}
}

// TestInspectorExplains: the inspector shows the server's explanation of
// a pasted link, in `signet inspect`'s words.
func TestInspectorExplains(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}})
	w.upload("photos", "cat.txt", "cat")
	_, link := w.share("photos", "cat.txt", "604800", "session")
	a := w.post(console.Prefix+"inspect", url.Values{"csrf": {w.csrf()}, "url": {link}})
	body := html.UnescapeString(a.body)
	for _, want := range []string{"signed by", "a GetSessionToken session of the root user", "effective end", "limited by the credentials", "verdict         valid"} {
		if !strings.Contains(body, want) {
			t.Errorf("inspector lacks %q:\n%s", want, body)
		}
	}
}

// TestAdminTerminateEndsTheConsoleSession: `signet admin session
// terminate` of the console's session signs the browser out.
func TestAdminTerminateEndsTheConsoleSession(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	id, _, _ := strings.Cut(w.sessionCookie().Value, ".")
	if _, err := w.admin().Terminate(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	if a := w.get(console.Prefix); a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), console.Prefix+"sign-in") {
		t.Fatalf("console after terminate: %d %s", a.status, a.header.Get("Location"))
	}
}
