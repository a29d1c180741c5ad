package console

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"signet/internal/authn"
	"signet/internal/principal"
	"signet/internal/secret"
)

// cookieName holds "ACCESS_KEY_ID.SESSION_TOKEN" of the console session.
// The session itself lives in the metadata store, so any node can serve
// the next request (stateless nodes): the cookie only names it and
// proves its holder has the token.
const cookieName = "signet_console"

// csrfLabel is what the CSRF token is an HMAC of, under the session's
// secret: only the server (which holds the sealed secret) and no page of
// another origin can compute it.
const csrfLabel = "signet console csrf v1"

// session is the console session of a request.
type session struct {
	id    string
	token string
	cred  *authn.Credential
	csrf  string
}

// principal is who the session acts as.
func (s *session) principal() principal.Principal { return s.cred.Principal }

// expiry is when the session ends by itself.
func (s *session) expiry() time.Time { return s.cred.Expiry }

// errNoSession: no cookie, or one naming a session that is unknown,
// expired, terminated or whose token does not match.
var errNoSession = errors.New("console: no live session")

// lookupSession finds the request's live session as authn would: the key
// store's record, the token's hash compared in constant time, and the
// session neither terminated nor expired by the lifetime clock.
func (c *Console) lookupSession(ctx context.Context, r *http.Request) (*session, error) {
	ck, err := r.Cookie(cookieName)
	if err != nil {
		return nil, errNoSession
	}
	id, token, ok := strings.Cut(ck.Value, ".")
	if !ok || !strings.HasPrefix(id, "ASIA") || token == "" {
		return nil, errNoSession
	}
	cred, err := c.cfg.Keys.Lookup(ctx, id)
	if errors.Is(err, authn.ErrUnknownKey) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	switch {
	// Only the console's own sign-in sessions: an API session's key and
	// token in a cookie do not open the console.
	case !cred.Temporary(), cred.Principal.SessionKind != principal.SessionToken,
		cred.Principal.SessionName != principal.ConsoleSessionName,
		subtle.ConstantTimeCompare(secret.HashToken(token), cred.TokenHash) != 1,
		cred.Terminated, cred.OwnerGone,
		!c.cfg.Clock.Now().Before(cred.Expiry):
		return nil, errNoSession
	}
	return &session{id: id, token: token, cred: cred, csrf: csrfToken(cred.Secret, id)}, nil
}

// csrfToken is the session's CSRF token.
func csrfToken(sec secret.Secret, id string) string {
	m := hmac.New(sha256.New, sec.AppendTo(nil))
	m.Write([]byte(csrfLabel + "\x00" + id))
	return hex.EncodeToString(m.Sum(nil))
}

// sessionHandler is a page that needs a session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, s *session)

// withSession runs h with the request's session, or sends the browser to
// sign in. A state-changing request (post) must also come from the
// console's own origin and carry the session's CSRF token.
func (c *Console) withSession(post bool, h sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if post && !sameOrigin(r) {
			c.forbidden(w, r, "This request did not come from the console's own pages (its Origin is another site's).")
			return
		}
		s, err := c.lookupSession(r.Context(), r)
		if errors.Is(err, errNoSession) {
			clearCookie(w, r)
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
			return
		}
		if err != nil {
			c.internal(w, r, err)
			return
		}
		if post {
			if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				c.badRequest(w, r, "The form could not be read.")
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
				c.forbidden(w, r, "This form's security token is missing or stale. Reload the page and try again.")
				return
			}
		}
		h(w, r, s)
	}
}

// sameOrigin reports whether a POST comes from the console's own origin:
// its Origin header, or failing that its Referer, names this scheme and
// host. A request with neither is refused: every browser that could be
// tricked into posting sends one of them.
func sameOrigin(r *http.Request) bool {
	want := scheme(r) + "://" + r.Host
	if o := r.Header.Get("Origin"); o != "" {
		return o == want
	}
	ref, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || ref.Host == "" {
		return false
	}
	return ref.Scheme+"://"+ref.Host == want
}

// scheme is the request's scheme as the client sees it (a trusted
// proxy's X-Forwarded-Proto has already set r.TLS).
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// setCookie gives the browser its session: HttpOnly (no script reads it),
// Secure under TLS, SameSite=Strict and only for the console's paths. It
// is a browser-session cookie with no Expires: the STS session's end is
// judged by the server's lifetime clock, which the browser does not share.
func setCookie(w http.ResponseWriter, r *http.Request, id, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id + "." + token, Path: Prefix,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
}
