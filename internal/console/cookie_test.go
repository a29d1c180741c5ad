package console_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"signet/internal/console"
	"signet/internal/sigv4"
)

// Hostile session cookies: the console's cookie altered, cut, doubled,
// oversized, or carrying an API session's key and token (which do not
// open the console). Each is sent to sign-in; the real one still works.
func TestHostileSessionCookies(t *testing.T) {
	w := newWorld(t)
	w.signIn()
	real := w.sessionCookie()
	id, token, _ := strings.Cut(real.Value, ".")

	// An API session of the root (GetSessionToken over STS): its key and
	// token are real, but it is not a console session.
	form := url.Values{"Action": {"GetSessionToken"}, "Version": {"2011-06-15"}}
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, w.ts.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256([]byte(body))
	root := w.srv.Root()
	if err := sigv4.SignHeader(req, sigv4.Credentials{AccessKeyID: root.AccessKeyID, SecretAccessKey: root.Secret}, "us-east-1", "sts", w.clk.Now(), hex.EncodeToString(sum[:]), sigv4.Generic); err != nil {
		t.Fatal(err)
	}
	a := w.send(http.DefaultClient, req)
	var out struct {
		Creds struct{ AccessKeyId, SessionToken string } `xml:"GetSessionTokenResult>Credentials"`
	}
	if err := xml.Unmarshal([]byte(a.body), &out); err != nil || out.Creds.SessionToken == "" {
		t.Fatalf("GetSessionToken: %d %v\n%s", a.status, err, a.body)
	}

	for _, c := range []struct{ name, value string }{
		{"token altered", id + "." + token[:len(token)-1] + "x"},
		{"token of nothing", id + "." + strings.Repeat("A", len(token))},
		{"no token", id + "."},
		{"no separator", id + token},
		{"a long-term key", root.AccessKeyID + "." + token},
		{"an API session's key and token", out.Creds.AccessKeyId + "." + out.Creds.SessionToken},
		{"oversized", id + "." + token + strings.Repeat("A", 3000)},
		{"the key swapped", out.Creds.AccessKeyId + "." + token},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, w.ts.URL+console.Prefix, nil)
			req.AddCookie(&http.Cookie{Name: "signet_console", Value: c.value})
			a := w.send(newBrowser(t), req)
			if a.status != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), console.Prefix+"sign-in") {
				t.Fatalf("GET with cookie %q: %d %s", c.name, a.status, a.header.Get("Location"))
			}
		})
	}
	// Doubled: a bogus cookie first; the server reads the first, as
	// net/http does, and refuses.
	req, _ = http.NewRequest(http.MethodGet, w.ts.URL+console.Prefix, nil)
	req.Header.Add("Cookie", "signet_console="+id+".bogus; signet_console="+real.Value)
	if a := w.send(newBrowser(t), req); a.status != http.StatusSeeOther {
		t.Fatalf("a doubled cookie, bogus first: %d", a.status)
	}
	if a := w.get(console.Prefix); a.status != http.StatusOK {
		t.Fatalf("the real cookie after the hostile ones: %d", a.status)
	}
}
