package console

// The "My links" slice: the share dialog's links are remembered (never
// the URL: its fingerprint, who made it, which key or session signed it,
// when, and when it ends), listed for their maker, shown on a page of
// their own with the dialog's warning computed again, and revoked.
//
// Who may revoke a link from the console: its maker, always (the link
// was made through this console by this principal, and refusing it gives
// them no power over anyone else's URL), and anyone else only if the
// admin API lets them (signet:RevokeURL, asked in-process as the
// session). The console decides the first case itself from the stored
// link and calls the denylist directly; the second goes through the
// admin API's POST …/urls/revoke-fingerprint like any client.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/explain"
	"signet/internal/lifetime"
	"signet/internal/meta"
	"signet/internal/revocation"
	"signet/internal/sigprint"
)

// LinkRevoker refuses a remembered link by its fingerprint and lists
// what is refused: revocation.Service satisfies it.
type LinkRevoker interface {
	RevokePrint(ctx context.Context, print string, until time.Time, what revocation.URLFacts, reason, by string) (meta.URLRevocation, error)
	Entries(ctx context.Context) ([]meta.URLRevocation, error)
}

// revokeReason is the reason stored with a link its maker revokes.
const revokeReason = "revoked in the web console"

// linkView is a remembered link as the pages show it.
type linkView struct {
	meta.ConsoleLink
	Page string
	// BySession: a console session signed it; ThisSession: the one the
	// page is seen in (which the page offers to end).
	BySession, ThisSession bool
	Alive                  bool
	State                  string
	// The share dialog's facts, computed again with lifetime.Compute.
	Asked   time.Duration
	Limit   string
	Warning string
}

type linksData struct {
	Links []linkView
}

type linkData struct {
	Link  linkView
	Error string
}

func (linksData) pageTitle() string { return "My links" }
func (linkData) pageTitle() string  { return "Link" }

// linkPage is where a link's own page is.
func linkPage(id string) string { return Prefix + "link?" + url.Values{"id": {id}}.Encode() }

// remember stores the link the share dialog just made. Only the
// fingerprint of its signature is kept, never the URL.
func (c *Console) remember(ctx context.Context, s *session, who signer, d shareData, link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	sig := u.Query().Get("X-Amz-Signature")
	if sig == "" {
		return "", errors.New("console: a share link without a signature")
	}
	lt := lifetime.Compute(lifetime.Input{SignedAt: d.SignedAt, Expires: d.Asked, CredentialExpiry: who.expiry})
	l := meta.ConsoleLink{
		ID: sigprint.Of(sigprint.V4, sig).String(), PrincipalARN: s.principal().ARN,
		Bucket: d.Bucket, Key: d.Key, Method: http.MethodGet, Signer: who.creds.AccessKeyID,
		MadeAt: d.SignedAt, Expires: d.SignedAt.Add(d.Asked), Effective: lt.Effective, LimitedBy: string(lt.LimitedBy),
	}
	if err := c.cfg.Links.PutConsoleLink(ctx, l); err != nil {
		return "", err
	}
	return l.ID, nil
}

// linksPage lists the signed-in principal's own links, newest first.
func (c *Console) linksPage(w http.ResponseWriter, r *http.Request, s *session) {
	links, err := c.cfg.Links.ListConsoleLinks(r.Context(), s.principal().ARN)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	revoked, err := c.revokedPrints(r.Context())
	if err != nil {
		c.internal(w, r, err)
		return
	}
	d := linksData{}
	for _, l := range links {
		v, err := c.view(r.Context(), s, l, revoked)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		d.Links = append(d.Links, v)
	}
	c.render(w, r, http.StatusOK, "links", s, d)
}

// linkOwnPage shows one link to its maker.
func (c *Console) linkOwnPage(w http.ResponseWriter, r *http.Request, s *session) {
	l, ok := c.ownLink(w, r, s, r.URL.Query().Get("id"))
	if !ok {
		return
	}
	revoked, err := c.revokedPrints(r.Context())
	if err != nil {
		c.internal(w, r, err)
		return
	}
	v, err := c.view(r.Context(), s, l, revoked)
	if err != nil {
		c.internal(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "link", s, linkData{Link: v})
}

// ownLink is the link id when the session's principal made it; ok is
// false when an answer was already written. Another principal's link is
// answered as one that does not exist.
func (c *Console) ownLink(w http.ResponseWriter, r *http.Request, s *session, id string) (meta.ConsoleLink, bool) {
	l, err := c.cfg.Links.GetConsoleLink(r.Context(), id)
	if err == nil && l.PrincipalARN != s.principal().ARN {
		err = meta.ErrNoSuchEntity
	}
	if errors.Is(err, meta.ErrNoSuchEntity) {
		c.render(w, r, http.StatusNotFound, "message", s, messageData{Title: "No such link",
			Text: "You made no link of that name in the console, or it has ended and was forgotten.", Back: Prefix + "links"})
		return l, false
	}
	if err != nil {
		c.internal(w, r, err)
		return l, false
	}
	return l, true
}

// revokeLink refuses a link from now on, until it would have ended
// anyway. Its maker revokes it directly; anyone else through the admin
// API, as the session (see the package's rule above).
func (c *Console) revokeLink(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PostFormValue("id")
	l, err := c.cfg.Links.GetConsoleLink(r.Context(), id)
	switch {
	case err == nil && l.PrincipalARN == s.principal().ARN:
		what := revocation.URLFacts{AccessKeyID: l.Signer, PrincipalARN: l.PrincipalARN, Method: l.Method, Bucket: l.Bucket, Key: l.Key}
		_, err = c.cfg.Revoker.RevokePrint(r.Context(), l.ID, l.Effective, what, revokeReason, s.principal().ARN)
		var nr *explain.NotRevocable
		if errors.As(err, &nr) {
			c.render(w, r, http.StatusConflict, "message", s, messageData{Title: "Nothing to revoke",
				Text: "This link has ended already: " + nr.Message + ".", Back: linkPage(l.ID)})
			return
		}
		if err != nil {
			c.internal(w, r, err)
			return
		}
	case err == nil || errors.Is(err, meta.ErrNoSuchEntity):
		if !c.revokeAsAdmin(w, r, s, id, l) {
			return
		}
	default:
		c.internal(w, r, err)
		return
	}
	if l.PrincipalARN == s.principal().ARN {
		http.Redirect(w, r, linkPage(l.ID), http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "message", s, messageData{Title: "Link revoked", Text: "The link " + id + " is refused from now on.", Back: Prefix})
}

// revokeAsAdmin asks the admin API to revoke another principal's link as
// the session: allowed only with signet:RevokeURL. ok is false when an
// answer was already written.
func (c *Console) revokeAsAdmin(w http.ResponseWriter, r *http.Request, s *session, id string, l meta.ConsoleLink) bool {
	if l.ID == "" {
		c.render(w, r, http.StatusNotFound, "message", s, messageData{Title: "No such link",
			Text: "The console remembers no link of that name.", Back: Prefix + "links"})
		return false
	}
	body, err := json.Marshal(adminwire.RevokeFingerprintRequest{Fingerprint: l.ID, Until: l.Effective, Reason: revokeReason})
	if err != nil {
		c.internal(w, r, err)
		return false
	}
	ans, err := c.do(r.Context(), r, s, s3Call{method: http.MethodPost, admin: adminwire.PathPrefix + "urls/revoke-fingerprint", body: body,
		header: http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}})
	if err != nil {
		c.internal(w, r, err)
		return false
	}
	if ans.status != http.StatusOK {
		title, text := http.StatusText(ans.status), "The server refused to revoke the link."
		var e adminwire.ErrorBody
		if json.Unmarshal(ans.body, &e) == nil && e.Error != nil {
			title, text = e.Error.Code, e.Error.Message
		}
		c.render(w, r, ans.status, "message", s, messageData{Title: title, Text: text, Back: Prefix + "links"})
		return false
	}
	return true
}

// revokedPrints are the fingerprints the denylist refuses now.
func (c *Console) revokedPrints(ctx context.Context) (map[string]bool, error) {
	entries, err := c.cfg.Revoker.Entries(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range entries {
		if e.Print != "" {
			out[e.Print] = true
		}
	}
	return out, nil
}

// view computes what the pages show of l: the dialog's facts again
// (lifetime.Compute on the stored signing time, duration and, when the
// credentials limited it, their end) and whether it still works.
func (c *Console) view(ctx context.Context, s *session, l meta.ConsoleLink, revoked map[string]bool) (linkView, error) {
	v := linkView{ConsoleLink: l, Page: linkPage(l.ID), Asked: l.Expires.Sub(l.MadeAt)}
	var credEnd time.Time
	if lifetime.Limit(l.LimitedBy) == lifetime.LimitCredentials {
		credEnd = l.Effective
	}
	lt := lifetime.Compute(lifetime.Input{SignedAt: l.MadeAt, Expires: v.Asked, CredentialExpiry: credEnd})
	cred, err := c.cfg.Keys.Lookup(ctx, l.Signer)
	if err != nil && !errors.Is(err, authn.ErrUnknownKey) {
		return v, err
	}
	v.BySession = err == nil && cred.Temporary() || err != nil && len(l.Signer) > 4 && l.Signer[:4] == "ASIA"
	v.ThisSession = l.Signer == s.id
	v.Limit, v.Warning = limitSentence(lt, v.BySession), warning(lt, v.Asked)
	v.Alive, v.State = linkState(l, cred, err, revoked[l.ID], c.cfg.Clock.Now())
	return v, nil
}

// linkState says whether l still works at now and, in a few words, why
// not: revoked, past its end, or its signer gone.
func linkState(l meta.ConsoleLink, cred *authn.Credential, lookupErr error, revoked bool, now time.Time) (bool, string) {
	switch {
	case revoked:
		return false, "revoked: it answers 403 AccessDenied"
	case !now.Before(l.Effective):
		return false, "ended at " + l.Effective.UTC().Format("2006-01-02 15:04:05 UTC")
	case lookupErr != nil:
		return false, "dead: the key or session that signed it is gone (deleted, deactivated or ended)"
	case cred.Terminated:
		return false, "dead: the console session that signed it has ended (signed out or terminated)"
	case cred.OwnerGone:
		return false, "dead: the user who signed it was deleted"
	}
	return true, "alive"
}
