package console

import (
	"context"
	"errors"
	"time"

	"signet/internal/meta"
	"signet/internal/revocation"
)

// noRevoker is a LinkRevoker for tests that revoke nothing.
type noRevoker struct{}

func (noRevoker) RevokePrint(context.Context, string, time.Time, revocation.URLFacts, string, string) (meta.URLRevocation, error) {
	return meta.URLRevocation{}, errors.New("noRevoker: not in this test")
}

func (noRevoker) Entries(context.Context) ([]meta.URLRevocation, error) { return nil, nil }
