package console

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"signet/internal/duration"
	"signet/internal/lifetime"
	"signet/internal/sigv4"
)

// signerSession is the share form's value for "this console session".
const signerSession = "session"

// durationChoices are the share dialog's durations, up to S3's 7 days.
var durationChoices = []time.Duration{
	15 * time.Minute, time.Hour, 12 * time.Hour, 24 * time.Hour, 3 * 24 * time.Hour, lifetime.MaxExpires,
}

type choice struct {
	Value, Label string
	Selected     bool
}

type shareData struct {
	Bucket, Key, Back string
	Durations         []choice
	Signers           []choice
	// The preview: what lifetime.Compute says of a link signed now.
	Asked     time.Duration
	SignedAt  time.Time
	Effective time.Time
	Limit     string
	Warning   string
	Error     string
	// Link is the link once made; LinkPage its page in "My links".
	Link     string
	LinkPage string
}

// sharePage is the share dialog: the link's effective life, before it is
// made, for the duration and signer chosen (a GET with the choices).
func (c *Console) sharePage(w http.ResponseWriter, r *http.Request, s *session) {
	d, _, ok := c.shareForm(w, r, s, r.URL.Query().Get)
	if !ok {
		return
	}
	c.render(w, r, http.StatusOK, "share", s, d)
}

// share makes the link the dialog previewed, signed now.
func (c *Console) share(w http.ResponseWriter, r *http.Request, s *session) {
	d, who, ok := c.shareForm(w, r, s, r.PostFormValue)
	if !ok {
		return
	}
	if d.Error == "" {
		link, err := c.presign(r, who, http.MethodGet, d.Bucket, d.Key, d.SignedAt, d.Asked, nil)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		d.Link = link
		id, err := c.remember(r.Context(), s, who, d, link)
		if err != nil {
			c.internal(w, r, err)
			return
		}
		d.LinkPage = linkPage(id)
	}
	c.render(w, r, http.StatusOK, "share", s, d)
}

// shareForm reads the dialog's choices and computes the link's life with
// lifetime.Compute, the function the server judges the link with. ok is
// false when an answer was already written.
func (c *Console) shareForm(w http.ResponseWriter, r *http.Request, s *session, get func(string) string) (shareData, signer, bool) {
	d := shareData{Bucket: get("bucket"), Key: get("key")}
	if d.Bucket == "" || d.Key == "" {
		c.badRequest(w, r, "A bucket and a key are needed.")
		return d, signer{}, false
	}
	d.Back = objectURL("object", d.Bucket, d.Key)
	asked, problem := parseDuration(get("duration"))
	if problem != "" {
		d.Error = problem
		asked = lifetime.MaxExpires
	}
	d.Asked = asked
	for _, ch := range durationChoices {
		d.Durations = append(d.Durations, choice{Value: strconv.Itoa(int(ch.Seconds())), Label: duration.Human(ch), Selected: ch == asked})
	}
	keys, err := c.cfg.SigningKeys.ActiveKeys(r.Context(), s.principal())
	if err != nil {
		c.internal(w, r, err)
		return d, signer{}, false
	}
	chosen := get("signer")
	if chosen != signerSession && !slices.Contains(keys, chosen) {
		chosen = signerSession
	}
	d.Signers = append(d.Signers, choice{Value: signerSession, Label: "console session (ends " + s.expiry().UTC().Format("15:04 UTC") + ")", Selected: chosen == signerSession})
	for _, k := range keys {
		d.Signers = append(d.Signers, choice{Value: k, Label: "long-term key " + k, Selected: chosen == k})
	}
	who := s.signer()
	if chosen != signerSession {
		if who, err = c.keySigner(r, s, chosen); err != nil {
			c.internal(w, r, err)
			return d, signer{}, false
		}
	}
	d.SignedAt = c.cfg.Clock.Now().UTC().Truncate(time.Second)
	lt := lifetime.Compute(lifetime.Input{SignedAt: d.SignedAt, Expires: asked, CredentialExpiry: who.expiry})
	d.Effective, d.Limit, d.Warning = lt.Effective, limitSentence(lt, chosen == signerSession), warning(lt, asked)
	return d, who, true
}

// keySigner is the long-term key id of the session's own principal, with
// its secret (opened by the key store). Only the key's owner may use it.
func (c *Console) keySigner(r *http.Request, s *session, id string) (signer, error) {
	cred, err := c.cfg.Keys.Lookup(r.Context(), id)
	if err != nil {
		return signer{}, err
	}
	p, owner := s.principal(), cred.Principal
	if cred.Temporary() || owner.IsRoot != p.IsRoot || owner.UserID != p.UserID || owner.Account != p.Account {
		return signer{}, errors.New("console: the signing key is not the session owner's")
	}
	return signer{creds: sigv4.Credentials{AccessKeyID: cred.AccessKeyID, SecretAccessKey: cred.Secret}}, nil
}

// parseDuration reads the dialog's duration: seconds, or a duration such
// as "7d"; at least a second, at most S3's 7 days. problem, when not
// empty, is the sentence the dialog shows instead.
func parseDuration(v string) (d time.Duration, problem string) {
	if v == "" {
		return lifetime.MaxExpires, ""
	}
	d, err := duration.Parse(v)
	if n, aerr := strconv.Atoi(v); aerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	switch {
	case err != nil:
		return 0, fmt.Sprintf("%q is not a duration.", v)
	case d < time.Second || d > lifetime.MaxExpires:
		return 0, fmt.Sprintf("A link lives from 1 second to 7 days (604800 seconds), not %s.", duration.Human(d))
	}
	return d, ""
}

// limitSentence says what ends the link.
func limitSentence(lt lifetime.Lifetime, bySession bool) string {
	switch {
	case lt.LimitedBy == lifetime.LimitCredentials:
		return "the console session that signs it: a link dies with the credentials that signed it"
	case bySession:
		return "the link's own window (the session outlives it, unless you sign out first)"
	default:
		return "the link's own window; the long-term key does not expire, but deactivating or deleting it kills the link"
	}
}

// warning is the plain warning shown when the link dies before the
// duration asked for, "" otherwise.
func warning(lt lifetime.Lifetime, asked time.Duration) string {
	if lt.LimitedBy != lifetime.LimitCredentials {
		return ""
	}
	return fmt.Sprintf("This link dies when you sign out, or at %s when this session ends: %s before the %s you asked for. "+
		"To share it for the full %s, sign it with a long-term access key.",
		lt.Effective.UTC().Format("15:04 UTC on 2006-01-02"), duration.Human(lt.Shortfall), duration.Human(asked), duration.Human(asked))
}
