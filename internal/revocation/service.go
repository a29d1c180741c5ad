package revocation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"signet/internal/adminwire"
	"signet/internal/authn"
	"signet/internal/clock"
	"signet/internal/explain"
	"signet/internal/lifetime"
	"signet/internal/meta"
	"signet/internal/sigprint"
	"signet/internal/wiring"
)

// RuleLife is how long a signer rule is kept after its time: the longest
// a SigV4 URL lives (7 days), and longer than any session. A SigV2 URL of
// a long-term key may name a later expiry (SigV2 has no cap); one signed
// before the rule's time and still valid after RuleLife is no longer
// refused by the rule (docs/design/0007-url-revocation.md): revoke that
// URL itself, or deactivate the key.
const RuleLife = lifetime.MaxExpires

// Identifier finds what a presigned URL or form is (explain.Explainer).
type Identifier interface {
	Identify(ctx context.Context, in adminwire.ExplainRequest) (*explain.Identity, error)
}

// Identities are the identity store's lookups that check a signer rule
// names someone who exists.
type Identities interface {
	GetUser(ctx context.Context, name string) (meta.User, error)
	GetRole(ctx context.Context, name string) (meta.Role, error)
	GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error)
	GetSession(ctx context.Context, accessKeyID string) (meta.Session, error)
}

// Config wires a Service; every field is required.
type Config struct {
	Store      meta.URLRevocationStore
	List       *List
	Identify   Identifier
	Identities Identities
	// Keys is the request path's key store: it knows the root's key,
	// which no identity store holds.
	Keys authn.KeyStore
	// Clock is the lifetime clock: it dates revocations, judges signer
	// rules' times and decides when entries go.
	Clock clock.Clock
}

// Service revokes URLs and signers, and keeps the List in step with the
// store.
type Service struct {
	cfg Config
	// refreshMu orders reloads: each reads the store and loads the list
	// under it, so the last loaded is the last read, whichever
	// notification or call started it.
	refreshMu sync.Mutex
}

// NewService returns a Service, or an error naming what cfg lacks.
func NewService(cfg Config) (*Service, error) {
	if err := wiring.Require("revocation.Config", map[string]bool{
		"Store": cfg.Store != nil, "List": cfg.List != nil, "Identify": cfg.Identify != nil,
		"Identities": cfg.Identities != nil, "Keys": cfg.Keys != nil, "Clock": cfg.Clock != nil,
	}); err != nil {
		return nil, err
	}
	return &Service{cfg: cfg}, nil
}

// InvalidError is a request the caller must change: a signer that does
// not parse or does not exist, a time in the future.
type InvalidError struct{ Message string }

func (e *InvalidError) Error() string { return "revocation: " + e.Message }

// ErrFull is returned when the denylist holds MaxEntries entries.
var ErrFull = errors.New("revocation: the denylist is full")

// RevokeURL refuses the URL or form in from now on. It returns the
// entries stored: the URL's, then those of its SigV2 twin. Errors:
// *explain.RequestError and *explain.NotRevocable (nothing to revoke),
// ErrFull, or the store's.
func (s *Service) RevokeURL(ctx context.Context, in adminwire.ExplainRequest, reason, by string) ([]meta.URLRevocation, error) {
	id, err := s.cfg.Identify.Identify(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now().UTC()
	if !now.Before(id.Until) {
		return nil, &explain.NotRevocable{Reason: adminwire.ReasonURLExpired,
			Message: "this URL stopped working at " + id.Until.UTC().Format(time.RFC3339) + ": there is nothing to revoke"}
	}
	base := meta.URLRevocation{Until: id.Until.UTC(), RevokedAt: now, RevokedBy: by, Reason: reason,
		AccessKeyID: id.AccessKeyID, Method: id.Method, Bucket: id.Bucket, Key: id.Key}
	if id.Principal != nil {
		base.PrincipalARN = id.Principal.ARN
	}
	main := base
	main.ID, main.Print = "url:"+id.Print.String(), id.Print.String()
	entries := []meta.URLRevocation{main}
	for _, t := range id.Twins {
		e := base
		e.ID, e.Print, e.TwinOf = "url:"+t.String(), t.String(), main.Print
		entries = append(entries, e)
	}
	if err := s.put(ctx, entries); err != nil {
		return nil, err
	}
	return entries, nil
}

// URLFacts say what a URL known only by its fingerprint was, for
// listings and explanations; any may be empty.
type URLFacts struct {
	AccessKeyID, PrincipalARN, Method, Bucket, Key string
}

// RevokePrint refuses from now on the URL whose signature has the
// fingerprint print, until until (when it dies anyway). It is RevokeURL
// for a caller that kept the fingerprint and not the URL: the server
// cannot check that such a URL was ever signed, nor find its SigV2 twin,
// so it stores exactly the one entry named. Errors: *InvalidError (a
// fingerprint that does not parse, an until more than RuleLife away),
// *explain.NotRevocable (until has passed), ErrFull, or the store's.
func (s *Service) RevokePrint(ctx context.Context, print string, until time.Time, what URLFacts, reason, by string) (meta.URLRevocation, error) {
	p, ok := sigprint.Parse(print)
	if !ok || p.IsZero() {
		return meta.URLRevocation{}, &InvalidError{fmt.Sprintf("%q is not a fingerprint (%d hex digits)", print, sigprint.Len)}
	}
	now := s.cfg.Clock.Now().UTC()
	until = until.UTC()
	if !now.Before(until) {
		return meta.URLRevocation{}, &explain.NotRevocable{Reason: adminwire.ReasonURLExpired,
			Message: "this URL stopped working at " + until.Format(time.RFC3339) + ": there is nothing to revoke"}
	}
	if until.After(now.Add(RuleLife)) {
		// A SigV4 URL lives at most 7 days; a later until would only
		// keep the entry longer than any such URL.
		return meta.URLRevocation{}, &InvalidError{"until " + until.Format(time.RFC3339) + " is more than 7 days away: a presigned URL known by its fingerprint is revoked until its deadline, at most 7 days from now (revoke a longer-lived SigV2 URL by its URL)"}
	}
	e := meta.URLRevocation{ID: "url:" + p.String(), Print: p.String(), Until: until, RevokedAt: now, RevokedBy: by, Reason: reason,
		AccessKeyID: what.AccessKeyID, PrincipalARN: what.PrincipalARN, Method: what.Method, Bucket: what.Bucket, Key: what.Key}
	if err := s.put(ctx, []meta.URLRevocation{e}); err != nil {
		return meta.URLRevocation{}, err
	}
	return e, nil
}

// RevokeSigner refuses every presigned URL and form signedBy signed
// before before (now when zero), for RuleLife after it.
func (s *Service) RevokeSigner(ctx context.Context, signedBy string, before time.Time, reason, by string) (meta.URLRevocation, error) {
	sg, err := ParseSigner(signedBy)
	if err != nil {
		return meta.URLRevocation{}, &InvalidError{err.Error()}
	}
	if err := s.exists(ctx, sg); err != nil {
		return meta.URLRevocation{}, err
	}
	now := s.cfg.Clock.Now().UTC()
	if before.IsZero() {
		// Now, to the nanosecond: a URL signed earlier in this very
		// second (X-Amz-Date has whole seconds) counts as before.
		before = now
	}
	before = before.UTC()
	if before.After(now) {
		return meta.URLRevocation{}, &InvalidError{"--before " + before.Format(time.RFC3339) + " is in the future (the server's clock says " + now.Format(time.RFC3339) + "): a rule refuses URLs already signed"}
	}
	if !now.Before(before.Add(RuleLife)) {
		return meta.URLRevocation{}, &InvalidError{"every URL signed before " + before.Format(time.RFC3339) + " has expired already (a SigV4 URL lives at most 7 days): there is nothing to revoke"}
	}
	e := meta.URLRevocation{ID: "signer:" + sg.String() + "@" + strconv.FormatInt(before.Unix(), 10),
		SignerKind: sg.Kind, Signer: sg.Value, Before: before, Until: before.Add(RuleLife),
		RevokedAt: now, RevokedBy: by, Reason: reason}
	if err := s.put(ctx, []meta.URLRevocation{e}); err != nil {
		return meta.URLRevocation{}, err
	}
	return e, nil
}

// exists checks that a rule names a signer this server knows.
func (s *Service) exists(ctx context.Context, sg Signer) error {
	var err error
	what := sg.Kind + " " + sg.Value
	switch sg.Kind {
	case KindUser:
		_, err = s.cfg.Identities.GetUser(ctx, sg.Value)
	case KindRole:
		_, err = s.cfg.Identities.GetRole(ctx, sg.Value)
	case KindSession:
		if len(sg.Value) > 4 && sg.Value[:4] == "arn:" {
			// Sessions are looked up by key; a session ARN names every
			// session of that name, past and present.
			return nil
		}
		_, err = s.cfg.Identities.GetSession(ctx, sg.Value)
	case KindRoot:
		return nil
	case KindKey:
		what = "access key " + sg.Value
		if _, err = s.cfg.Keys.Lookup(ctx, sg.Value); err == nil || !errors.Is(err, authn.ErrUnknownKey) {
			return err
		}
		// An inactive key is unknown to the request path, and its URLs
		// come back if it is made active again.
		_, err = s.cfg.Identities.GetAccessKey(ctx, sg.Value)
	}
	if errors.Is(err, meta.ErrNoSuchEntity) {
		return &InvalidError{"no " + what + " on this server"}
	}
	return err
}

func (s *Service) put(ctx context.Context, entries []meta.URLRevocation) error {
	err := s.cfg.Store.PutURLRevocations(ctx, entries, MaxEntries)
	if errors.Is(err, meta.ErrLimitExceeded) {
		// Entries past their deadline count until the next prune: prune
		// now, and refuse only if the live ones fill the list.
		if _, perr := s.cfg.Store.PruneURLRevocations(ctx, s.cfg.Clock.Now()); perr != nil {
			return perr
		}
		err = s.cfg.Store.PutURLRevocations(ctx, entries, MaxEntries)
	}
	if errors.Is(err, meta.ErrLimitExceeded) {
		return fmt.Errorf("%w: it holds %d entries, each kept until its URL's deadline; revoke the signer instead (--signed-by), one entry for all its URLs", ErrFull, MaxEntries)
	}
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}

// Refresh loads the list from the store: at start, after a change here,
// and when another node's change arrives.
func (s *Service) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	entries, err := s.cfg.Store.ListURLRevocations(ctx)
	if err != nil {
		return err
	}
	if n := s.cfg.List.Load(entries, s.cfg.Clock.Now()); n > 0 {
		return fmt.Errorf("revocation: %d entries of the denylist do not parse; they are not enforced", n)
	}
	return nil
}

// Entries returns every live entry.
func (s *Service) Entries(ctx context.Context) ([]meta.URLRevocation, error) {
	all, err := s.cfg.Store.ListURLRevocations(ctx)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	live := all[:0]
	for _, e := range all {
		if now.Before(e.Until) {
			live = append(live, e)
		}
	}
	return live, nil
}

// Prune deletes the entries whose URLs are dead and reloads the list.
func (s *Service) Prune(ctx context.Context) (int, error) {
	n, err := s.cfg.Store.PruneURLRevocations(ctx, s.cfg.Clock.Now())
	if err != nil {
		return 0, err
	}
	return n, s.Refresh(ctx)
}

// Wire turns a stored entry into the admin API's form.
func Wire(e meta.URLRevocation) adminwire.URLRevocation {
	w := adminwire.URLRevocation{ID: e.ID, Fingerprint: e.Print, Until: e.Until, RevokedAt: e.RevokedAt, RevokedBy: e.RevokedBy,
		Reason: e.Reason, AccessKeyID: e.AccessKeyID, Principal: e.PrincipalARN, Method: e.Method, Bucket: e.Bucket, Key: e.Key, TwinOf: e.TwinOf}
	if e.Print == "" {
		b := e.Before
		w.SignedBy, w.Before = e.SignerKind+":"+e.Signer, &b
	}
	return w
}
