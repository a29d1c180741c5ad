package meta

import (
	"context"
	"fmt"
	"time"
)

// URLRevocation is one entry of the presigned-URL denylist (`signet admin
// url revoke`): one URL or POST form, known by its signature's
// fingerprint, or a rule on a signer that refuses every URL it signed
// before a time. An entry is kept only until Until: after that the URL
// (or every URL the rule covers) is dead anyway.
type URLRevocation struct {
	// ID names the entry: "url:" and Print for a URL, "signer:" and the
	// rule's kind, signer and time for a rule. Putting an entry of an ID
	// that is stored replaces it.
	ID string
	// Print is the URL's fingerprint (package sigprint, written out);
	// "" for a signer rule.
	Print string
	// SignerKind ("user", "role", "session" or "key") and Signer (a
	// name, an ARN or an access key ID) say whom a rule covers, and
	// Before which of its URLs: those signed before it. Empty and zero
	// for a URL entry.
	SignerKind string
	Signer     string
	Before     time.Time
	// Until is when the entry may go: the URL's effective deadline, or
	// the end of the last URL a rule can cover. Required.
	Until time.Time
	// RevokedAt, RevokedBy (the caller's ARN) and Reason say who revoked
	// it, when and why.
	RevokedAt time.Time
	RevokedBy string
	Reason    string
	// What the URL was, for listings and explanations (any may be
	// empty): the signing key and principal, the method and the bucket
	// and key it addresses.
	AccessKeyID  string
	PrincipalARN string
	Method       string
	Bucket       string
	Key          string
	// TwinOf is set on an entry revoked with another: the fingerprint of
	// the URL the caller named, of which this is the SigV2 twin (the URL
	// the same key signs for the same request and deadline).
	TwinOf string
}

// URLRevocationStore keeps the denylist. Every node holds all of it in
// memory (it is consulted on the request path), so the store only needs
// to add, list and prune.
type URLRevocationStore interface {
	// PutURLRevocations stores rs in one commit, each replacing a stored
	// entry of its ID. When the store would then hold more than limit
	// entries, nothing is stored and the error is ErrLimitExceeded. An
	// entry without an ID or an Until is ErrInvalidArgument.
	PutURLRevocations(ctx context.Context, rs []URLRevocation, limit int) error
	// ListURLRevocations returns every stored entry, sorted by ID.
	ListURLRevocations(ctx context.Context) ([]URLRevocation, error)
	// PruneURLRevocations deletes every entry whose Until is at or
	// before now and returns how many went.
	PruneURLRevocations(ctx context.Context, now time.Time) (int, error)
}

// CheckURLRevocations refuses a batch with an entry the contract calls
// invalid (no ID, no Until): every engine's first step of
// PutURLRevocations.
func CheckURLRevocations(rs []URLRevocation) error {
	for _, r := range rs {
		if r.ID == "" {
			return fmt.Errorf("%w: URL revocation without an ID", ErrInvalidArgument)
		}
		if r.Until.IsZero() {
			return fmt.Errorf("%w: URL revocation %q without an Until", ErrInvalidArgument, r.ID)
		}
	}
	return nil
}
