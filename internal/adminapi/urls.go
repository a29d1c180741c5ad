package adminapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/explain"
	"signet/internal/meta"
	"signet/internal/revocation"
)

// URLRevoker keeps the presigned-URL denylist (revocation.Service).
type URLRevoker interface {
	RevokeURL(ctx context.Context, in adminwire.ExplainRequest, reason, by string) ([]meta.URLRevocation, error)
	RevokeSigner(ctx context.Context, signedBy string, before time.Time, reason, by string) (meta.URLRevocation, error)
	RevokePrint(ctx context.Context, print string, until time.Time, what revocation.URLFacts, reason, by string) (meta.URLRevocation, error)
	Entries(ctx context.Context) ([]meta.URLRevocation, error)
}

// MaxRevokeReason bounds --reason: a sentence or two, shown with the
// entry and in explanations.
const MaxRevokeReason = 1024

// serveURLs answers …/urls/revoke, …/urls/revoke-fingerprint,
// …/urls/revoke-signer and …/urls/revocations; handled reports whether path was one of them.
func (a *API) serveURLs(w http.ResponseWriter, r *http.Request, res *authn.Result, path string, body []byte) (handled bool, err error) {
	m := r.Method
	var action string
	var byPrint bool
	switch {
	case path == "urls/revoke" && m == http.MethodPost:
		action = "RevokeURL"
	case path == "urls/revoke-fingerprint" && m == http.MethodPost:
		// The same power as revoking by URL: one URL refused.
		action, byPrint = "RevokeURL", true
	case path == "urls/revoke-signer" && m == http.MethodPost:
		action = "RevokeURLsBySigner"
	case path == "urls/revocations" && (m == http.MethodGet || m == http.MethodHead):
		action = "ListURLRevocations"
	default:
		return false, nil
	}
	if err := a.authorize(r, res, action); err != nil {
		return true, err
	}
	if a.cfg.URLs == nil {
		return true, &Error{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: "this server keeps no URL denylist"}
	}
	switch {
	case byPrint:
		return true, a.revokeFingerprint(w, r, res, body)
	case action == "RevokeURL":
		return true, a.revokeURL(w, r, res, body)
	case action == "RevokeURLsBySigner":
		return true, a.revokeSigner(w, r, res, body)
	}
	entries, err := a.cfg.URLs.Entries(r.Context())
	if err != nil {
		return true, err
	}
	writeRevocations(w, entries)
	return true, nil
}

func (a *API) revokeURL(w http.ResponseWriter, r *http.Request, res *authn.Result, body []byte) error {
	if len(body) > MaxExplainBody {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "InvalidRequest",
			Message: "the body is over 64 KiB: send only the URL (or the form's fields) and the reason"}
	}
	var in adminwire.RevokeURLRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest",
			Message: "the body must be JSON like {\"url\": \"https://host/bucket/key?X-Amz-…\", \"reason\": \"leaked in a ticket\"}"}
	}
	if err := in.Validate(); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: err.Error()}
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	entries, err := a.cfg.URLs.RevokeURL(r.Context(), in.ExplainRequest, in.Reason, res.Principal.ARN)
	if err := revokeError(err); err != nil {
		return err
	}
	writeRevocations(w, entries)
	return nil
}

// revokeFingerprint refuses a URL known by its fingerprint only.
func (a *API) revokeFingerprint(w http.ResponseWriter, r *http.Request, res *authn.Result, body []byte) error {
	var in adminwire.RevokeFingerprintRequest
	if err := json.Unmarshal(body, &in); err != nil || in.Fingerprint == "" || in.Until.IsZero() {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest",
			Message: "the body must be JSON like {\"fingerprint\": \"5c1f…\", \"until\": \"2026-12-07T12:00:00Z\", \"reason\": \"…\"}"}
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	e, err := a.cfg.URLs.RevokePrint(r.Context(), in.Fingerprint, in.Until, revocation.URLFacts{}, in.Reason, res.Principal.ARN)
	if err := revokeError(err); err != nil {
		return err
	}
	writeRevocations(w, []meta.URLRevocation{e})
	return nil
}

func (a *API) revokeSigner(w http.ResponseWriter, r *http.Request, res *authn.Result, body []byte) error {
	var in adminwire.RevokeSignerRequest
	if err := json.Unmarshal(body, &in); err != nil || in.SignedBy == "" {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest",
			Message: "the body must be JSON like {\"signed_by\": \"arn:aws:iam::123456789012:user/alice\", \"before\": \"2026-12-07T10:00:00Z\", \"reason\": \"…\"}"}
	}
	if err := checkReason(in.Reason); err != nil {
		return err
	}
	var before time.Time
	if in.Before != nil {
		before = *in.Before
	}
	e, err := a.cfg.URLs.RevokeSigner(r.Context(), in.SignedBy, before, in.Reason, res.Principal.ARN)
	if err := revokeError(err); err != nil {
		return err
	}
	writeRevocations(w, []meta.URLRevocation{e})
	return nil
}

// checkReason keeps --reason to a line of text: it is stored, shown in
// explanations and listings, and printed on terminals.
func checkReason(s string) error {
	if len(s) > MaxRevokeReason {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "the reason is over 1024 bytes"}
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: "the reason must be one line of UTF-8 text, without control characters"}
	}
	return nil
}

// revokeError maps the denylist's refusals to the API's errors.
func revokeError(err error) error {
	if err == nil {
		return nil
	}
	var re *explain.RequestError
	var nr *explain.NotRevocable
	var ie *revocation.InvalidError
	switch {
	case errors.As(err, &re):
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: re.Message}
	case errors.As(err, &nr):
		return &Error{Status: http.StatusConflict, Code: "NotRevocable", Message: nr.Message + " (" + nr.Reason + ")"}
	case errors.As(err, &ie):
		return &Error{Status: http.StatusBadRequest, Code: "InvalidRequest", Message: ie.Message}
	case errors.Is(err, revocation.ErrFull):
		return &Error{Status: http.StatusConflict, Code: "LimitExceeded", Message: err.Error()}
	}
	return err
}

func writeRevocations(w http.ResponseWriter, entries []meta.URLRevocation) {
	out := adminwire.URLRevocations{Revocations: make([]adminwire.URLRevocation, 0, len(entries)), Limit: revocation.MaxEntries}
	for _, e := range entries {
		out.Revocations = append(out.Revocations, revocation.Wire(e))
	}
	writeJSON(w, http.StatusOK, out)
}
