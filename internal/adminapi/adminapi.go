// Package adminapi serves signet's own operations that AWS has no API for:
// the dev clock, the session registry and the explanation of presigned
// URLs. The contract is docs/admin-api.md.
package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/duration"
	"signet/internal/explain"
	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
	"signet/internal/reqinfo"
	"signet/internal/wiring"
)

// Prefix is the path every admin call starts with.
const Prefix = adminwire.PathPrefix

// Service is the SigV4 credential scope's service for admin calls.
const Service = adminwire.Service

// RetainExpired is how long an expired session stays listed (with
// ?all=true) and explainable: the longest a presigned URL can live.
const RetainExpired = 7 * 24 * time.Hour

// MaxExplainBody bounds the body of POST …/explain: a URL and a few
// headers, with room for long session tokens.
const MaxExplainBody = 64 << 10

// Explainer judges a presigned URL without serving it. Errors of type
// *explain.RequestError are the caller's (400); others are the server's.
type Explainer interface {
	Explain(ctx context.Context, req adminwire.ExplainRequest) (*adminwire.Explanation, error)
}

// LifecycleSweeper runs one lifecycle sweep now.
type LifecycleSweeper interface {
	SweepLifecycle(ctx context.Context) (adminwire.LifecycleSweep, error)
}

// Authorizer decides signet:<Action> for a caller.
type Authorizer interface {
	Authorize(r *http.Request, res *authn.Result, action, resource string) error
}

// Backuper writes a hot backup of the server as a stream (package
// backup); includeSealingKey adds the key that seals secrets at rest.
type Backuper interface {
	WriteBackup(ctx context.Context, w io.Writer, includeSealingKey bool) error
}

// Store is the part of the identity store the admin API reads and
// writes: sessions to list and terminate, and the roles they assumed.
type Store interface {
	meta.Sessions
	meta.Roles
}

// Config wires the API. Clock, Store and Authz are required (see package
// wiring); the other fields are optional.
type Config struct {
	// Clock is the lifetime clock; Advance moves it under DevClock.
	Clock *clock.Offset
	// DevClock enables POST …/clock/advance and …/clock/reset; false
	// refuses them.
	DevClock bool
	// ClockStore keeps the dev clock's offset across restarts; required
	// with DevClock. A move is stored before the clock makes it, so the
	// server never runs on an offset a restart would lose.
	ClockStore meta.DevClockStore
	// Store is the identity store; writes through it must invalidate the
	// request path's cache (pass the access.Store).
	Store Store
	Authz Authorizer
	// Explainer serves POST …/explain; nil answers 501.
	Explainer Explainer
	// Backup serves GET …/backup; nil answers 501.
	Backup Backuper
	// Lifecycle serves POST …/lifecycle/sweep; nil answers 501.
	Lifecycle LifecycleSweeper
	// URLs serves …/urls/revoke, …/urls/revoke-signer and
	// …/urls/revocations; nil answers 501.
	URLs URLRevoker
	// URLUses serves GET …/urls/uses; nil answers 501.
	URLUses URLUses
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
}

// API serves the admin endpoints for requests the front door has
// authenticated.
type API struct {
	cfg Config
	// clockMu orders dev clock moves, so the offset stored is the one the
	// clock runs on.
	clockMu sync.Mutex
}

// New returns the API, or an error naming the required fields cfg lacks.
func New(cfg Config) (*API, error) {
	err := wiring.Require("adminapi.Config", map[string]bool{
		"Clock": cfg.Clock != nil, "Store": cfg.Store != nil, "Authz": cfg.Authz != nil,
		"ClockStore (with DevClock)": !cfg.DevClock || cfg.ClockStore != nil,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &API{cfg: cfg}, nil
}

// Error is an admin API error.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// WriteError writes e as the API's JSON error body.
func WriteError(w http.ResponseWriter, e *Error, requestID string) {
	reqinfo.FromWriter(w).SetError(e.Code)
	writeJSON(w, e.Status, adminwire.ErrorBody{Error: &adminwire.Error{Code: e.Code, Message: e.Message}, RequestID: requestID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"code":"InternalError","message":"encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// Serve answers one authenticated admin request.
func (a *API) Serve(w http.ResponseWriter, r *http.Request, res *authn.Result, body []byte, requestID string) {
	if err := a.serve(w, r, res, body); err != nil {
		var e *Error
		if !errors.As(err, &e) && errors.Is(err, meta.ErrUnavailable) {
			a.cfg.Logger.Warn("admin request: metadata engine unavailable", "err", err, "request_id", requestID)
			e = errUnavailable
		}
		if e == nil {
			a.cfg.Logger.Error("admin request failed", "err", err, "request_id", requestID)
			e = &Error{Status: http.StatusInternalServerError, Code: "InternalError", Message: "the server failed to handle the request; see its log under request ID " + requestID}
		}
		WriteError(w, e, requestID)
	}
}

func (a *API) serve(w http.ResponseWriter, r *http.Request, res *authn.Result, body []byte) error {
	path := strings.TrimPrefix(r.URL.Path, Prefix)
	m := r.Method
	switch {
	case path == "clock" && (m == http.MethodGet || m == http.MethodHead):
		if err := a.authorize(r, res, "GetClock"); err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, a.clockView())
		return nil
	case path == "clock/advance" && m == http.MethodPost:
		if err := a.authorize(r, res, "AdvanceClock"); err != nil {
			return err
		}
		return a.advance(r.Context(), w, body)
	case path == "clock/reset" && m == http.MethodPost:
		if err := a.authorize(r, res, "ResetClock"); err != nil {
			return err
		}
		return a.reset(r.Context(), w)
	case path == "sessions" && m == http.MethodGet:
		if err := a.authorize(r, res, "ListSessions"); err != nil {
			return err
		}
		return a.listSessions(w, r)
	case strings.HasPrefix(path, "sessions/"):
		rest := strings.TrimPrefix(path, "sessions/")
		id, verb, _ := strings.Cut(rest, "/")
		switch {
		case verb == "" && m == http.MethodGet:
			if err := a.authorize(r, res, "GetSession"); err != nil {
				return err
			}
			return a.getSession(w, r, id)
		case verb == "terminate" && m == http.MethodPost:
			if err := a.authorize(r, res, "TerminateSession"); err != nil {
				return err
			}
			return a.terminate(w, r, id)
		}
	case path == "backup" && m == http.MethodGet:
		return a.backup(w, r, res)
	case path == "explain" && m == http.MethodPost:
		if err := a.authorize(r, res, "ExplainURL"); err != nil {
			return err
		}
		return a.explain(w, r, body)
	case path == "lifecycle/sweep" && m == http.MethodPost:
		if err := a.authorize(r, res, "SweepLifecycle"); err != nil {
			return err
		}
		return a.sweepLifecycle(w, r)
	case path == adminwire.URLUsesPath && m == http.MethodGet:
		if err := a.authorize(r, res, "ListURLUses"); err != nil {
			return err
		}
		return a.urlUses(w, r)
	}
	if handled, err := a.serveURLs(w, r, res, path, body); handled {
		return err
	}
	return &Error{Status: http.StatusNotFound, Code: "NotFound", Message: "no admin operation " + m + " " + r.URL.Path + "; see docs/admin-api.md"}
}

func (a *API) authorize(r *http.Request, res *authn.Result, action string) error {
	// Every admin operation is authorised first, by its one name.
	reqinfo.From(r.Context()).SetOperation(action)
	if err := a.cfg.Authz.Authorize(r, res, "signet:"+action, "*"); err != nil {
		if errors.Is(err, meta.ErrUnavailable) {
			// No decision could be made: not a denial.
			return err
		}
		reqinfo.From(r.Context()).SetDenied()
		return &Error{Status: http.StatusForbidden, Code: "AccessDenied",
			Message: "User: " + res.Principal.ARN + " is not authorized to perform: signet:" + action + " on resource: *"}
	}
	return nil
}

func (a *API) clockView() adminwire.Clock {
	shift := a.cfg.Clock.Shift()
	real := a.cfg.Clock.Base.Now().UTC()
	return adminwire.Clock{Now: real.Add(shift), Real: real, Offset: duration.Format(shift), OffsetSeconds: int64(shift / time.Second), DevClock: a.cfg.DevClock}
}

// errUnavailable answers a call the metadata engine could not serve
// because it cannot reach its database, as S3, IAM and STS do.
var errUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable",
	Message: "the metadata database is unavailable; GET /healthz says why"}

// errDevClockDisabled answers a move of the clock on a server started
// without --dev-clock.
var errDevClockDisabled = &Error{Status: http.StatusConflict, Code: "DevClockDisabled", Message: "the server's clock can only be moved when it was started with --dev-clock"}

func (a *API) advance(ctx context.Context, w http.ResponseWriter, body []byte) error {
	if !a.cfg.DevClock {
		return errDevClockDisabled
	}
	var in adminwire.Advance
	if err := json.Unmarshal(body, &in); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "the body must be JSON like {\"duration\": \"12h0m1s\"}"}
	}
	d, err := duration.Parse(in.Duration)
	if err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidDuration", Message: err.Error()}
	}
	if d <= 0 {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidDuration", Message: "time only moves forward: give a positive duration such as 12h0m1s or 6d23h"}
	}
	a.clockMu.Lock()
	defer a.clockMu.Unlock()
	shift := a.cfg.Clock.Shift()
	if shift > math.MaxInt64-d {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidDuration",
			Message: "the clock is already " + duration.Format(shift) + " ahead; it cannot move " + duration.Format(d) + " more (the offset is at most about 106751d, 292 years)"}
	}
	if err := a.cfg.ClockStore.SetDevClockOffset(ctx, shift+d); err != nil {
		return err
	}
	// Absolute, not +d: a node of a shared engine may have applied the
	// stored offset already, on hearing of its own change.
	a.cfg.Clock.SetShift(shift + d)
	v := a.clockView()
	a.cfg.Logger.Info("dev clock advanced", "by", duration.Format(d), "offset", v.Offset, "now", v.Now)
	writeJSON(w, http.StatusOK, v)
	return nil
}

// reset brings the dev clock back to real time, stored first like a move
// forward. Sessions and objects stamped while it ran ahead keep their
// times: to the server they now lie in the future.
func (a *API) reset(ctx context.Context, w http.ResponseWriter) error {
	if !a.cfg.DevClock {
		return errDevClockDisabled
	}
	a.clockMu.Lock()
	defer a.clockMu.Unlock()
	was := a.cfg.Clock.Shift()
	if err := a.cfg.ClockStore.SetDevClockOffset(ctx, 0); err != nil {
		return err
	}
	a.cfg.Clock.Reset()
	v := a.clockView()
	a.cfg.Logger.Info("dev clock reset to real time", "was", duration.Format(was), "now", v.Now)
	writeJSON(w, http.StatusOK, v)
	return nil
}

// View renders s as the API shows it at now. roleARN is the role's ARN
// for an assumed-role session.
func View(s meta.Session, roleARN string, now time.Time) adminwire.Session {
	v := adminwire.Session{
		AccessKeyID: s.AccessKeyID, Kind: string(s.Kind), ARN: s.ARN, UserID: s.UserID, UserName: s.UserName,
		RoleName: s.RoleName, RoleARN: roleARN, SessionName: s.SessionName, SourceAccessKeyID: s.SourceAccessKeyID,
		Chained: s.Chained, Issued: s.Issued.UTC(), Expires: s.Expiry.UTC(), Status: adminwire.StatusActive,
		SessionPolicy: s.SessionPolicy, SessionPolicyARNs: slices.Clone(s.SessionPolicyARNs),
	}
	switch {
	case !s.TerminatedAt.IsZero():
		t := s.TerminatedAt.UTC()
		v.TerminatedAt, v.Status = &t, adminwire.StatusTerminated
	case !now.Before(s.Expiry):
		v.Status = adminwire.StatusExpired
	default:
		v.RemainingSeconds = int64(s.Expiry.Sub(now) / time.Second)
	}
	return v
}

func (a *API) roleARN(ctx context.Context, s meta.Session) string {
	if s.Kind != principal.SessionAssumedRole {
		return ""
	}
	// The session ARN is arn:aws:sts::ACCT:assumed-role/ROLE/SESSION; the
	// role ARN is the IAM one, with the role's path when it still exists.
	acct := strings.TrimPrefix(s.ARN, "arn:aws:sts::")
	acct, _, _ = strings.Cut(acct, ":")
	path := "/"
	if r, err := a.cfg.Store.GetRole(ctx, s.RoleName); err == nil {
		path = r.Path
	}
	return iam.EntityARN(acct, "role", path, s.RoleName)
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request) error {
	all := r.URL.Query().Get("all") == "true"
	sessions, err := a.cfg.Store.ListSessions(r.Context())
	if err != nil {
		return err
	}
	now := a.cfg.Clock.Now()
	out := make([]adminwire.Session, 0, len(sessions))
	for _, s := range sessions {
		v := View(s, a.roleARN(r.Context(), s), now)
		if all || v.Status == adminwire.StatusActive {
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Issued.Before(out[j].Issued) })
	writeJSON(w, http.StatusOK, adminwire.SessionList{Sessions: out})
	return nil
}

func (a *API) session(r *http.Request, id string) (meta.Session, error) {
	s, err := a.cfg.Store.GetSession(r.Context(), id)
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return s, &Error{Status: http.StatusNotFound, Code: "NoSuchSession", Message: "no session with access key ID " + id + " (sessions are kept until seven days after they expire)"}
	}
	return s, err
}

func (a *API) getSession(w http.ResponseWriter, r *http.Request, id string) error {
	s, err := a.session(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, View(s, a.roleARN(r.Context(), s), a.cfg.Clock.Now()))
	return nil
}

func (a *API) terminate(w http.ResponseWriter, r *http.Request, id string) error {
	if _, err := a.session(r, id); err != nil {
		return err
	}
	if err := a.cfg.Store.TerminateSession(r.Context(), id, a.cfg.Clock.Now()); err != nil {
		return err
	}
	s, err := a.session(r, id)
	if err != nil {
		return err
	}
	a.cfg.Logger.Info("session terminated", "access_key_id", id, "arn", s.ARN)
	writeJSON(w, http.StatusOK, View(s, a.roleARN(r.Context(), s), a.cfg.Clock.Now()))
	return nil
}

func (a *API) explain(w http.ResponseWriter, r *http.Request, body []byte) error {
	if a.cfg.Explainer == nil {
		return &Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this server does not explain URLs"}
	}
	if len(body) > MaxExplainBody {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "InvalidRequest",
			Message: "the body is over 64 KiB: send only the URL, the method and the headers that were sent with it"}
	}
	var in adminwire.ExplainRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest",
			Message: "the body must be JSON like {\"url\": \"https://host/bucket/key?X-Amz-…\", \"method\": \"GET\", \"headers\": {\"Host\": [\"…\"]}}"}
	}
	if err := in.Validate(); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: err.Error()}
	}
	out, err := a.cfg.Explainer.Explain(r.Context(), in)
	var re *explain.RequestError
	if errors.As(err, &re) {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: re.Message}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// sweepLifecycle runs a lifecycle sweep now instead of at the sweeper's
// next tick: after a dev clock advance, what is due goes at once.
func (a *API) sweepLifecycle(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Lifecycle == nil {
		return &Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this server runs no lifecycle sweeper"}
	}
	out, err := a.cfg.Lifecycle.SweepLifecycle(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
