package meta

import (
	"context"
	"time"
)

// DevClockStore keeps the dev clock's offset (`signet server --dev-clock`)
// with the data it shaped: sessions issued and objects written under a
// moved clock carry its times, so a restart that forgot the offset would
// send the server's time back under them.
type DevClockStore interface {
	// DevClockOffset returns the offset last stored, 0 when none was.
	DevClockOffset(ctx context.Context) (time.Duration, error)
	// SetDevClockOffset stores d, durably, replacing any earlier offset;
	// 0 records that the clock was reset to real time. A negative d is
	// ErrInvalidArgument: the dev clock only runs ahead.
	SetDevClockOffset(ctx context.Context, d time.Duration) error
}
