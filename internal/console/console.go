// Package console is signet's web console, served under Prefix by
// `signet server`: sign-in that opens a real STS session, the bucket and
// object pages, the share dialog whose expiry comes from lifetime.Compute
// (the server's own rule), the inspector and the administrators' pages
// (IAM users, access keys, roles, managed policies; STS sessions). It owns
// no permission logic: every S3, IAM or admin API action is an in-process
// request to the server's front door, SigV4-signed with the console
// session's credentials, so it is allowed or refused exactly as the same
// call from the AWS CLI would be.
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/sts"
	"signet/internal/wiring"
)

// Prefix is the console's path. No bucket name can start with "_", so no
// S3 path can take it (the admin API's /_signet/admin/ relies on the same).
const Prefix = "/_signet/console/"

//go:embed assets
var assets embed.FS

// Sessions issues and ends console sessions: sts.Service satisfies it.
type Sessions interface {
	// ConsoleSession is GetSessionToken for a console sign-in: the
	// session IAM serves, as AWS serves its console's.
	ConsoleSession(ctx context.Context, caller principal.Principal, durationSeconds int) (sts.Credentials, meta.Session, error)
	Terminate(ctx context.Context, accessKeyID string) error
}

// SigningKeys lists the long-term access keys a principal may sign share
// links with: its own active keys (for the root, the root key).
type SigningKeys interface {
	ActiveKeys(ctx context.Context, p principal.Principal) ([]string, error)
}

// Passwords is the extension point for IAM users' password sign-in: the
// login-profile work satisfies it. CheckPassword returns the principal of
// the user userName (as the key store describes a user: ARN, unique ID,
// name, account) when password is theirs; for an unknown user, a user
// without a login profile or a wrong password it returns an error
// wrapping ErrWrongPassword, which the page answers in the same words
// whichever it was. Any other error is the server's. With no Passwords
// the sign-in page offers the root's access key sign-in only.
type Passwords interface {
	CheckPassword(ctx context.Context, userName, password string) (principal.Principal, error)
}

// ErrWrongPassword is what Passwords.CheckPassword wraps for a refused
// user name and password.
var ErrWrongPassword = errors.New("console: wrong user name or password")

// SignInRefused is what Passwords.CheckPassword returns for a correct
// password that may not sign in now (it must be changed first): the
// sign-in page shows Message.
type SignInRefused struct{ Message string }

func (e *SignInRefused) Error() string { return "console: sign-in refused: " + e.Message }

// Config wires a Console. All fields but Passwords and Logger are required.
type Config struct {
	// Keys is the server's key store: it looks up the root key at
	// sign-in, the console session on every request (with its sealed
	// secret opened, to sign the in-process requests) and signing keys.
	Keys     authn.KeyStore
	Sessions Sessions
	// S3 is the server's whole handler: the console's in-process requests
	// (S3, and the admin API's explain for the inspector) go through it,
	// access log and authorisation included.
	S3          http.Handler
	SigningKeys SigningKeys
	// Clock is the lifetime clock (the one --dev-clock moves): session
	// expiry, share links' signing time and their computed life.
	Clock clock.Clock
	// Wall is the real clock: the signing time of header-signed requests
	// (checked against the real clock for skew) and the sign-in rate
	// limiter.
	Wall      clock.Clock
	Region    string
	Passwords Passwords
	Logger    *slog.Logger
	// Links remembers the share dialog's links (the metadata engine) and
	// Revoker refuses them (revocation.Service): the "My links" slice.
	Links   meta.ConsoleLinkStore
	Revoker LinkRevoker
}

// Console serves the web console.
type Console struct {
	cfg    Config
	pages  map[string]*template.Template
	static http.Handler
	mux    *http.ServeMux
	limits *signInLimits
}

// New returns the console, or an error naming the required fields cfg
// lacks.
func New(cfg Config) (*Console, error) {
	err := wiring.Require("console.Config", map[string]bool{
		"Keys": cfg.Keys != nil, "Sessions": cfg.Sessions != nil, "S3": cfg.S3 != nil,
		"SigningKeys": cfg.SigningKeys != nil,
		"Clock":       cfg.Clock != nil, "Wall": cfg.Wall != nil, "Region": cfg.Region != "",
		"Links": cfg.Links != nil, "Revoker": cfg.Revoker != nil,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, pages: pages, static: http.StripPrefix(Prefix+"static/", http.FileServerFS(static)), limits: newSignInLimits()}
	c.mux = c.routes()
	return c, nil
}

// ServeHTTP serves every path under Prefix.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Pages are per-session and may hold links that carry credentials:
	// never cached, never framed, scripts and styles only our own.
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	c.mux.ServeHTTP(w, r)
}

func (c *Console) routes() *http.ServeMux {
	m := http.NewServeMux()
	p := Prefix
	m.Handle("GET "+p+"static/", c.static)
	m.HandleFunc("GET "+p+"sign-in", c.signInPage)
	m.HandleFunc("POST "+p+"sign-in", c.signIn)
	// A password that must be changed before signing in (My links slice).
	m.HandleFunc("POST "+p+"sign-in/change-password", c.changePassword)
	m.HandleFunc("POST "+p+"sign-out", c.withSession(true, c.signOut))
	m.HandleFunc("GET "+p+"{$}", c.withSession(false, c.bucketsPage))
	m.HandleFunc("POST "+p+"buckets/create", c.withSession(true, c.createBucket))
	m.HandleFunc("POST "+p+"buckets/delete", c.withSession(true, c.deleteBucket))
	m.HandleFunc("GET "+p+"objects", c.withSession(false, c.objectsPage))
	m.HandleFunc("POST "+p+"objects/delete", c.withSession(true, c.deleteObjects))
	m.HandleFunc("POST "+p+"objects/upload-url", c.withSession(true, c.uploadURL))
	m.HandleFunc("GET "+p+"object", c.withSession(false, c.objectPage))
	m.HandleFunc("GET "+p+"download", c.withSession(false, c.download))
	m.HandleFunc("GET "+p+"share", c.withSession(false, c.sharePage))
	m.HandleFunc("POST "+p+"share", c.withSession(true, c.share))
	m.HandleFunc("GET "+p+"inspect", c.withSession(false, c.inspectPage))
	m.HandleFunc("POST "+p+"inspect", c.withSession(true, c.inspect))
	// Slice "edit": the bucket policy and CORS editors; uploads in parts.
	m.HandleFunc("GET "+p+"settings", c.withSession(false, c.settingsPage))
	m.HandleFunc("POST "+p+"settings/policy", c.withSession(true, c.savePolicy))
	m.HandleFunc("POST "+p+"settings/cors", c.withSession(true, c.saveCORS))
	m.HandleFunc("POST "+p+"uploads/create", c.withSession(true, c.createUpload))
	m.HandleFunc("POST "+p+"uploads/part-urls", c.withSession(true, c.partURLs))
	m.HandleFunc("POST "+p+"uploads/complete", c.withSession(true, c.completeUpload))
	m.HandleFunc("POST "+p+"uploads/abort", c.withSession(true, c.abortUpload))
	// Administrators' pages: users, access keys, roles, managed policies, sessions.
	a := p + "admin/"
	m.HandleFunc("GET "+a+"users", c.withSession(false, c.usersPage))
	m.HandleFunc("POST "+a+"users/create", c.withSession(true, c.createUser))
	m.HandleFunc("POST "+a+"users/delete", c.withSession(true, c.deleteUser))
	m.HandleFunc("POST "+a+"users/password", c.withSession(true, c.setPassword))
	m.HandleFunc("GET "+a+"user", c.withSession(false, c.userPage))
	m.HandleFunc("POST "+a+"keys/create", c.withSession(true, c.createKey))
	m.HandleFunc("POST "+a+"keys/status", c.withSession(true, c.setKeyStatus))
	m.HandleFunc("POST "+a+"keys/delete", c.withSession(true, c.deleteKey))
	m.HandleFunc("GET "+a+"roles", c.withSession(false, c.rolesPage))
	m.HandleFunc("POST "+a+"roles/create", c.withSession(true, c.createRole))
	m.HandleFunc("POST "+a+"roles/delete", c.withSession(true, c.deleteRole))
	m.HandleFunc("POST "+a+"roles/revoke", c.withSession(true, c.revokeRole))
	m.HandleFunc("GET "+a+"role", c.withSession(false, c.rolePage))
	m.HandleFunc("GET "+a+"policies", c.withSession(false, c.policiesPage))
	m.HandleFunc("POST "+a+"policies/create", c.withSession(true, c.createPolicy))
	m.HandleFunc("POST "+a+"policies/attach", c.withSession(true, c.attachPolicy))
	m.HandleFunc("POST "+a+"policies/detach", c.withSession(true, c.detachPolicy))
	m.HandleFunc("GET "+a+"sessions", c.withSession(false, c.sessionsPage))
	m.HandleFunc("POST "+a+"sessions/terminate", c.withSession(true, c.terminateSession))
	// My links: remembered share links, their pages, revoking them.
	m.HandleFunc("GET "+p+"links", c.withSession(false, c.linksPage))
	m.HandleFunc("GET "+p+"link", c.withSession(false, c.linkOwnPage))
	m.HandleFunc("POST "+p+"links/revoke", c.withSession(true, c.revokeLink))
	m.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
		c.render(w, r, http.StatusNotFound, "message", nil, messageData{Title: "Not found", Text: "There is no such page in the console."})
	})
	return m
}
