package console

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/meta/memory"
	"signet/internal/principal"
	"signet/internal/secret"
	"signet/internal/sts"
)

// fakeSessions issues sessions into a static key store, as sts does into
// the metadata store the real key store reads.
type fakeSessions struct {
	mu    sync.Mutex
	keys  *authn.StaticKeys
	clk   clock.Clock
	asked []int
	who   []principal.Principal
}

func (f *fakeSessions) ConsoleSession(_ context.Context, p principal.Principal, d int) (sts.Credentials, meta.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked, f.who = append(f.asked, d), append(f.who, p)
	sec, _ := secret.Generate()
	tok, _ := secret.Generate()
	id := "ASIAFAKEFAKEFAKE000" + string(rune('0'+len(f.asked)))
	exp := f.clk.Now().Add(12 * time.Hour)
	p.AccessKeyID, p.SessionKind, p.SessionName = id, principal.SessionToken, principal.ConsoleSessionName
	f.keys.Put(&authn.Credential{AccessKeyID: id, Secret: sec, TokenHash: secret.HashToken(tok.Reveal()), Expiry: exp, Principal: p})
	return sts.Credentials{AccessKeyID: id, SecretAccessKey: sec, SessionToken: tok, Expiration: exp}, meta.Session{}, nil
}

func (f *fakeSessions) Terminate(context.Context, string) error { return nil }

type fakePasswords struct{}

func (fakePasswords) CheckPassword(_ context.Context, name, password string) (principal.Principal, error) {
	if name == "alice" && password == "correct horse battery staple" {
		return principal.Principal{ARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAALICEALICEALICE0", UserName: "alice", Account: "123456789012"}, nil
	}
	return principal.Principal{}, ErrWrongPassword
}

type noKeys struct{}

func (noKeys) ActiveKeys(context.Context, principal.Principal) ([]string, error) { return nil, nil }

// TestUserPasswordSignIn: with a Passwords, the sign-in page offers the
// user form; a wrong password is refused in the same words as an unknown
// user, and the right one opens a session of that user with AWS's
// default duration (DurationSeconds 0: 12 hours for a user).
func TestUserPasswordSignIn(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	keys := authn.NewStaticKeys()
	sessions := &fakeSessions{keys: keys, clk: clk}
	s3 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`)
	})
	c, err := New(Config{Keys: keys, Sessions: sessions, S3: s3, SigningKeys: noKeys{}, Clock: clk, Wall: clk, Region: "us-east-1", Passwords: fakePasswords{},
		Links: memory.New(), Revoker: noRevoker{}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "http://console.test"+Prefix+"sign-in", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", "http://console.test")
		w := httptest.NewRecorder()
		c.ServeHTTP(w, r)
		return w
	}
	page := httptest.NewRecorder()
	c.ServeHTTP(page, httptest.NewRequest(http.MethodGet, "http://console.test"+Prefix+"sign-in", nil))
	if b := page.Body.String(); !strings.Contains(b, `<label for="user_name">`) || !strings.Contains(b, `<label for="password">`) || strings.Contains(b, "not available") {
		t.Fatalf("sign-in page with passwords:\n%s", b)
	}
	for _, form := range []url.Values{
		{"kind": {"user"}, "user_name": {"alice"}, "password": {"wrong"}},
		{"kind": {"user"}, "user_name": {"bob"}, "password": {"correct horse battery staple"}},
	} {
		w := post(form)
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "The user name or the password is wrong.") {
			t.Errorf("%s: %d\n%s", form.Get("user_name"), w.Code, w.Body.String())
		}
	}
	w := post(url.Values{"kind": {"user"}, "user_name": {"alice"}, "password": {"correct horse battery staple"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("right password: %d\n%s", w.Code, w.Body.String())
	}
	if len(sessions.asked) != 1 || sessions.asked[0] != 0 || sessions.who[0].UserName != "alice" || sessions.who[0].IsRoot {
		t.Fatalf("sessions asked for %v of %+v, want one of alice with the default duration", sessions.asked, sessions.who)
	}
	// The cookie opens the console as alice.
	r := httptest.NewRequest(http.MethodGet, "http://console.test"+Prefix, nil)
	for _, ck := range w.Result().Cookies() {
		r.AddCookie(ck)
	}
	home := httptest.NewRecorder()
	c.ServeHTTP(home, r)
	if home.Code != http.StatusOK || !strings.Contains(home.Body.String(), "<strong>alice</strong>") {
		t.Fatalf("console as alice: %d\n%s", home.Code, home.Body.String())
	}
}

// TestSafeNext: the post-sign-in destination is a console path or none.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		Prefix + "objects?bucket=a": Prefix + "objects?bucket=a",
		"https://evil.example/":     "",
		"//evil.example" + Prefix:   "",
		"/photos/cat.jpg":           "",
		Prefix + "\r\nSet-Cookie:x": "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNewRequiresDependencies: a console without its key store, sessions,
// handler, signing keys, clocks or region is refused at wiring time.
func TestNewRequiresDependencies(t *testing.T) {
	_, err := New(Config{Passwords: fakePasswords{}})
	if err == nil {
		t.Fatal("New accepted an empty Config")
	}
	for _, field := range []string{"Keys", "Sessions", "S3", "SigningKeys", "Clock", "Wall", "Region"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("New's error %q does not name %s", err, field)
		}
	}
}

// TestParseDuration: the share dialog's durations, up to S3's 7 days.
func TestParseDuration(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 7 * 24 * time.Hour, true}, {"604800", 7 * 24 * time.Hour, true}, {"7d", 7 * 24 * time.Hour, true},
		{"3600", time.Hour, true}, {"604801", 0, false}, {"0", 0, false}, {"8d", 0, false}, {"soon", 0, false},
	} {
		d, problem := parseDuration(c.in)
		if (problem == "") != c.ok || (c.ok && d != c.want) {
			t.Errorf("parseDuration(%q) = %v, %q", c.in, d, problem)
		}
	}
}
