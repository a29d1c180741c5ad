package meta

import (
	"context"
	"fmt"
	"time"
)

// ConsoleLink is a presigned link the web console's share dialog made,
// remembered so that its maker can list it, see how long it lives and
// revoke it. It never holds the URL or its signature: only the
// signature's fingerprint, which names the link in the access log and the
// denylist but cannot be turned back into a working URL.
type ConsoleLink struct {
	// ID is the link's fingerprint (package sigprint, written out).
	ID string
	// PrincipalARN is who made it: the console session's principal.
	PrincipalARN string
	Bucket       string
	Key          string
	Method       string
	// Signer is the access key ID that signed it: the console session's
	// (ASIA…) or one of the principal's long-term keys.
	Signer string
	// MadeAt is when it was signed; Expires the end of its own window
	// (X-Amz-Date plus X-Amz-Expires); Effective when it stops working,
	// the earlier of that and its credentials' end (lifetime.Compute),
	// and LimitedBy what set Effective. The entry is kept until
	// Effective: after that the link is dead anyway.
	MadeAt    time.Time
	Expires   time.Time
	Effective time.Time
	LimitedBy string
}

// ConsoleLinkStore remembers the console's links. Links are written once
// each, read by their maker and pruned when dead, so the store only needs
// to add, read, list and prune.
type ConsoleLinkStore interface {
	// PutConsoleLink stores l, replacing a stored link of its ID. A link
	// without an ID, a PrincipalARN or an Effective is
	// ErrInvalidArgument.
	PutConsoleLink(ctx context.Context, l ConsoleLink) error
	// GetConsoleLink returns the link of id, or ErrNoSuchEntity.
	GetConsoleLink(ctx context.Context, id string) (ConsoleLink, error)
	// ListConsoleLinks returns the links principalARN made, newest
	// MadeAt first (ties by ID).
	ListConsoleLinks(ctx context.Context, principalARN string) ([]ConsoleLink, error)
	// PruneConsoleLinks deletes every link whose Effective is at or
	// before now and returns how many went.
	PruneConsoleLinks(ctx context.Context, now time.Time) (int, error)
}

// CheckConsoleLink refuses a link the contract calls invalid: every
// engine's first step of PutConsoleLink.
func CheckConsoleLink(l ConsoleLink) error {
	switch {
	case l.ID == "":
		return fmt.Errorf("%w: console link without an ID", ErrInvalidArgument)
	case l.PrincipalARN == "":
		return fmt.Errorf("%w: console link %q without a principal", ErrInvalidArgument, l.ID)
	case l.Effective.IsZero():
		return fmt.Errorf("%w: console link %q without an effective end", ErrInvalidArgument, l.ID)
	}
	return nil
}

// NewestConsoleLinksFirst orders links as ListConsoleLinks returns them.
func NewestConsoleLinksFirst(a, b ConsoleLink) int {
	if c := b.MadeAt.Compare(a.MadeAt); c != 0 {
		return c
	}
	switch {
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}
