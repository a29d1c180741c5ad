package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"signet/internal/adminclient"
	"signet/internal/console"
)

// s3Everything lets a user do anything in S3 (not signet:RevokeURL).
const s3Everything = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`

// newUser creates an IAM user with a password, S3 rights and one active
// long-term access key, whose ID it returns.
func (w *world) newUser(name, password string) string {
	w.t.Helper()
	ctx := context.Background()
	root := w.srv.Root()
	u, _ := url.Parse(w.ts.URL)
	ic := adminclient.NewIAM(adminclient.IAMConfig{Endpoint: u,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKeyID, root.Secret.Reveal(), ""), Now: w.clk.Now})
	if _, err := ic.CreateUser(ctx, name); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ic.SetPassword(ctx, name, password, false); err != nil {
		w.t.Fatal(err)
	}
	if err := ic.PutInlinePolicy(ctx, "user", name, "s3", s3Everything); err != nil {
		w.t.Fatal(err)
	}
	k, err := ic.CreateAccessKey(ctx, name)
	if err != nil {
		w.t.Fatal(err)
	}
	return k.AccessKeyID
}

// signInUser signs in as an IAM user, in a fresh browser.
func (w *world) signInUser(name, password string) {
	w.t.Helper()
	w.client = newBrowser(w.t)
	if a := w.post(console.Prefix+"sign-in", url.Values{"kind": {"user"}, "user_name": {name}, "password": {password}}); a.status != http.StatusSeeOther {
		w.t.Fatalf("%s's sign-in: %d\n%s", name, a.status, a.body)
	}
}

var linkPageRef = regexp.MustCompile(`<a href="(/_signet/console/link\?id=[0-9a-f]{32})" id="link-page">`)

// TestUserSharesWithOwnKeyAndSession: a user signed in with a password is
// offered its own active long-term key (and not another user's); a link
// signed with it lives 7 days, one signed by the session ends with it.
// Both are remembered: "My links" lists them newest first with their
// signer and state, the link's page shows the dialog's warning again,
// and neither page nor store holds the URL.
func TestUserSharesWithOwnKeyAndSession(t *testing.T) {
	w := newWorld(t)
	aliceKey := w.newUser("alice", "Correct-horse-1")
	bobKey := w.newUser("bob", "Battery-staple-2")
	w.signInUser("alice", "Correct-horse-1")
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}})
	w.upload("photos", "cat.txt", "cat")
	dialog := w.get(console.Prefix + "share?" + url.Values{"bucket": {"photos"}, "key": {"cat.txt"}}.Encode())
	if !strings.Contains(dialog.body, `<option value="`+aliceKey+`"`) || strings.Contains(dialog.body, bobKey) {
		t.Fatalf("alice's dialog does not offer exactly her key %s:\n%s", aliceKey, dialog.body)
	}
	_, bobsLink := w.share("photos", "cat.txt", "604800", bobKey)
	if !strings.Contains(bobsLink, "X-Amz-Security-Token=") {
		t.Fatalf("bob's key signed alice's link: %s", bobsLink)
	}
	w.clk.Advance(time.Minute)
	sessPage, sessLink := w.share("photos", "cat.txt", "604800", "session")
	w.clk.Advance(time.Minute)
	keyPage, keyLink := w.share("photos", "cat.txt", "604800", aliceKey)
	if !strings.Contains(keyLink, aliceKey) || strings.Contains(keyLink, "X-Amz-Security-Token") {
		t.Fatalf("link %s is not signed by alice's key", keyLink)
	}
	if body := html.UnescapeString(keyPage.body); strings.Contains(body, `id="warning"`) || !strings.Contains(body, "2026-12-14 09:02:00 UTC") {
		t.Fatalf("alice's key share page:\n%s", body)
	}
	for _, l := range []string{sessLink, keyLink} {
		if a := w.fetch(l); a.status != http.StatusOK || a.body != "cat" {
			t.Fatalf("link %s: %d %s", l, a.status, a.body)
		}
	}
	list := html.UnescapeString(w.get(console.Prefix + "links").body)
	iKey, iSess, iFirst := strings.Index(list, "long-term key "+aliceKey), strings.Index(list, "(this one)"), strings.Index(list, "2026-12-07 09:00:00 UTC")
	if iKey < 0 || iSess < 0 || iFirst < 0 || !(iKey < iSess && iSess < iFirst) || strings.Count(list, ">alive<") != 3 {
		t.Fatalf("My links is not the three links newest first, all alive:\n%s", list)
	}
	if strings.Contains(list, "X-Amz-Signature") {
		t.Fatal("My links shows a URL")
	}
	m := linkPageRef.FindStringSubmatch(sessPage.body)
	if m == nil {
		t.Fatalf("the share page does not link to the link's page:\n%s", sessPage.body)
	}
	page := html.UnescapeString(w.get(m[1]).body)
	for _, want := range []string{
		"This link dies when you sign out, or at 21:00 UTC on 2026-12-07 when this session ends: 6d12h1m before the 7d",
		"the console session that signs it", `id="end-session"`, `id="revoke"`, "(the one you are signed in with)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the session link's page lacks %q:\n%s", want, page)
		}
	}
}

// TestRevokeOwnLink: the maker revokes a link it made without
// signet:RevokeURL; the link answers 403 "This presigned URL has been
// revoked." and its page says so. Another user may neither see nor
// revoke it; the root (allowed signet:RevokeURL) may revoke it through
// the admin API.
func TestRevokeOwnLink(t *testing.T) {
	w := newWorld(t)
	aliceKey := w.newUser("alice", "Correct-horse-1")
	w.newUser("bob", "Battery-staple-2")
	w.signInUser("alice", "Correct-horse-1")
	w.post(console.Prefix+"buckets/create", url.Values{"bucket": {"photos"}, "csrf": {w.csrf()}})
	w.upload("photos", "cat.txt", "cat")
	keyPage, keyLink := w.share("photos", "cat.txt", "604800", aliceKey)
	sessPage, sessLink := w.share("photos", "cat.txt", "3600", "session")
	keyRef, sessRef := linkPageRef.FindStringSubmatch(keyPage.body)[1], linkPageRef.FindStringSubmatch(sessPage.body)[1]
	keyID, sessID := strings.TrimPrefix(keyRef, console.Prefix+"link?id="), strings.TrimPrefix(sessRef, console.Prefix+"link?id=")

	a := w.post(console.Prefix+"links/revoke", url.Values{"csrf": {w.csrf()}, "id": {keyID}})
	if a.status != http.StatusSeeOther || a.header.Get("Location") != keyRef {
		t.Fatalf("alice revoking her link: %d %s\n%s", a.status, a.header.Get("Location"), a.body)
	}
	a = w.fetch(keyLink)
	if a.status != http.StatusForbidden || !strings.Contains(a.body, "<Message>This presigned URL has been revoked.</Message>") {
		t.Fatalf("the revoked link: %d %s", a.status, a.body)
	}
	if page := w.get(keyRef).body; !strings.Contains(page, "revoked: it answers 403") || strings.Contains(page, `id="revoke"`) {
		t.Fatalf("the revoked link's page:\n%s", page)
	}
	if a := w.post(console.Prefix+"links/revoke", url.Values{"id": {sessID}}); a.status != http.StatusForbidden {
		t.Fatalf("a revoke without the CSRF token: %d", a.status)
	}

	w.signInUser("bob", "Battery-staple-2")
	if a := w.get(sessRef); a.status != http.StatusNotFound {
		t.Fatalf("bob sees alice's link page: %d", a.status)
	}
	a = w.post(console.Prefix+"links/revoke", url.Values{"csrf": {w.csrf()}, "id": {sessID}})
	if a.status != http.StatusForbidden || !strings.Contains(a.body, "signet:RevokeURL") {
		t.Fatalf("bob revoking alice's link: %d\n%s", a.status, a.body)
	}
	if a := w.fetch(sessLink); a.status != http.StatusOK {
		t.Fatalf("alice's session link after bob's refused revoke: %d %s", a.status, a.body)
	}

	w.client = newBrowser(t)
	w.signIn()
	if a := w.post(console.Prefix+"links/revoke", url.Values{"csrf": {w.csrf()}, "id": {sessID}}); a.status != http.StatusOK || !strings.Contains(a.body, "Link revoked") {
		t.Fatalf("the root revoking alice's link: %d\n%s", a.status, a.body)
	}
	if a := w.fetch(sessLink); a.status != http.StatusForbidden {
		t.Fatalf("alice's session link after the root's revoke: %d %s", a.status, a.body)
	}
}

// TestNewRequiresLinkStores: the "My links" dependencies are required.
func TestNewRequiresLinkStores(t *testing.T) {
	_, err := console.New(console.Config{})
	for _, field := range []string{"Links", "Revoker"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("New's error %v does not name %s", err, field)
		}
	}
}
