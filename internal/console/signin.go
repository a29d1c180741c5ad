package console

import (
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"signet/internal/authn"
	"signet/internal/principal"
	"signet/internal/secret"
)

// Sign-in attempts allowed, per client address and per account name:
// a burst, then one more every interval. Guessing a 40-character secret
// is hopeless anyway; the limit is for passwords, which come next.
const (
	addrBurst       = 10
	addrInterval    = 6 * time.Second
	accountBurst    = 5
	accountInterval = 12 * time.Second
	// maxLimiters bounds the memory the limiters take: past it the
	// tables start afresh (an attacker with that many addresses gains
	// one burst each).
	maxLimiters = 10000
	// maxAccountName bounds the account names kept as limiter keys.
	maxAccountName = 140
)

// signInLimits rate-limits sign-in attempts in memory, per node.
type signInLimits struct {
	mu       sync.Mutex
	addrs    map[string]*rate.Limiter
	accounts map[string]*rate.Limiter
}

func newSignInLimits() *signInLimits {
	return &signInLimits{addrs: map[string]*rate.Limiter{}, accounts: map[string]*rate.Limiter{}}
}

// allow takes one attempt from both the address's and the account's
// budget at now; false if either is spent.
func (l *signInLimits) allow(addr, account string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := limiter(&l.addrs, addr, rate.Every(addrInterval), addrBurst)
	b := limiter(&l.accounts, account, rate.Every(accountInterval), accountBurst)
	// Both are charged: one address spreading guesses over many accounts,
	// and many addresses guessing one account, are each held back.
	okA, okB := a.AllowN(now, 1), b.AllowN(now, 1)
	return okA && okB
}

func limiter(m *map[string]*rate.Limiter, key string, every rate.Limit, burst int) *rate.Limiter {
	if lim, ok := (*m)[key]; ok {
		return lim
	}
	if len(*m) >= maxLimiters {
		*m = map[string]*rate.Limiter{}
	}
	lim := rate.NewLimiter(every, burst)
	(*m)[key] = lim
	return lim
}

// clientAddr is the client's address without its port (RemoteAddr, which
// a trusted proxy's X-Forwarded-For has already rewritten).
func clientAddr(r *http.Request) string {
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		return ap.Addr().Unmap().String()
	}
	return r.RemoteAddr
}

type signInData struct {
	Next      string
	AccessKey string
	UserName  string
	Passwords bool
	Error     string
}

func (c *Console) signInPage(w http.ResponseWriter, r *http.Request) {
	if s, err := c.lookupSession(r.Context(), r); err == nil && s != nil {
		http.Redirect(w, r, Prefix, http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "sign-in", nil, signInData{Next: safeNext(r.URL.Query().Get("next")), Passwords: c.cfg.Passwords != nil})
}

// errBadSignIn is the one answer to a wrong key, a wrong secret and a key
// that is not the root's: which of them it was is not told.
var errBadSignIn = errors.New("console: bad sign-in")

// signIn checks the root's access key and secret, or (with Passwords) an
// IAM user's name and password, opens an STS session of that principal
// (GetSessionToken, with AWS's default duration for it) and gives the
// browser its cookie.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	data := signInData{Next: safeNext(r.PostFormValue("next")), Passwords: c.cfg.Passwords != nil}
	if !sameOrigin(r) {
		c.forbidden(w, r, "This sign-in did not come from the console's own page.")
		return
	}
	user := c.cfg.Passwords != nil && r.PostFormValue("kind") == "user"
	var account string
	if user {
		data.UserName = strings.TrimSpace(r.PostFormValue("user_name"))
		account = "user:" + data.UserName
	} else {
		data.AccessKey = strings.TrimSpace(r.PostFormValue("access_key_id"))
		account = "key:" + data.AccessKey
	}
	if len(account) > maxAccountName {
		account = account[:maxAccountName]
	}
	if !c.limits.allow(clientAddr(r), account, c.cfg.Wall.Now()) {
		data.Error = "Too many sign-in attempts. Wait a minute and try again."
		c.render(w, r, http.StatusTooManyRequests, "sign-in", nil, data)
		return
	}
	var p principal.Principal
	var err error
	if user {
		p, err = c.cfg.Passwords.CheckPassword(r.Context(), data.UserName, r.PostFormValue("password"))
		if errors.Is(err, ErrWrongPassword) {
			err = errBadSignIn
		}
	} else {
		p, err = c.checkRoot(r, data.AccessKey, r.PostFormValue("secret_access_key"))
	}
	var change *PasswordChangeRequired
	if _, ok := c.cfg.Passwords.(PasswordChanger); ok && errors.As(err, &change) {
		c.render(w, r, http.StatusOK, "change-password", nil, changePasswordData{Next: data.Next, UserName: data.UserName, Reason: change.Message})
		return
	}
	var refused *SignInRefused
	if errors.As(err, &refused) {
		data.Error = refused.Message
		c.render(w, r, http.StatusForbidden, "sign-in", nil, data)
		return
	}
	if errors.Is(err, errBadSignIn) {
		data.Error = "The access key ID or the secret access key is wrong."
		if user {
			data.Error = "The user name or the password is wrong."
		}
		c.render(w, r, http.StatusUnauthorized, "sign-in", nil, data)
		return
	}
	if err != nil {
		c.internal(w, r, err)
		return
	}
	c.openSession(w, r, p, data.Next)
}

// openSession opens the console session of p (GetSessionToken), gives
// the browser its cookie and sends it to next.
func (c *Console) openSession(w http.ResponseWriter, r *http.Request, p principal.Principal, next string) {
	// 0 asks for AWS's default: one hour for the root (its limit), 12
	// hours for a user.
	creds, _, err := c.cfg.Sessions.ConsoleSession(r.Context(), p, 0)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	setCookie(w, r, creds.AccessKeyID, creds.SessionToken.Reveal())
	if next == "" {
		next = Prefix
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// checkRoot returns the root's principal when keyID is the root's
// long-term key and sec its secret (compared in constant time).
func (c *Console) checkRoot(r *http.Request, keyID, sec string) (principal.Principal, error) {
	cred, err := c.cfg.Keys.Lookup(r.Context(), keyID)
	if errors.Is(err, authn.ErrUnknownKey) {
		return principal.Principal{}, errBadSignIn
	}
	if err != nil {
		return principal.Principal{}, err
	}
	ok := cred.Secret.Equal(secret.New(sec))
	if !ok || cred.Temporary() || !cred.Principal.IsRoot {
		return principal.Principal{}, errBadSignIn
	}
	return cred.Principal, nil
}

// signOut ends the console session (the STS session itself, as
// `signet admin session terminate` does): every link it signed dies now.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) {
	if err := c.cfg.Sessions.Terminate(r.Context(), s.id); err != nil {
		c.internal(w, r, err)
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, Prefix+"sign-in", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in destination only if it is a console path:
// anything else would make the sign-in page an open redirect.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}
