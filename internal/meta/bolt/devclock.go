package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// keyDevClock, in the schema bucket, holds the dev clock's offset in
// nanoseconds (uvarint). The schema bucket holds the store's settings
// already, and a key older binaries ignore needs no new schema version.
var keyDevClock = []byte("dev-clock-offset")

var _ meta.DevClockStore = (*Store)(nil)

// DevClockOffset returns the stored offset, 0 when none is stored.
func (s *Store) DevClockOffset(ctx context.Context) (time.Duration, error) {
	var d time.Duration
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktSchema).Get(keyDevClock)
		if v == nil {
			return nil
		}
		n, size := binary.Uvarint(v)
		if size <= 0 || size != len(v) || n > uint64(1<<63-1) {
			return fmt.Errorf("meta/bolt: corrupt dev clock offset")
		}
		d = time.Duration(n)
		return nil
	})
	return d, err
}

// SetDevClockOffset stores d in its own commit.
func (s *Store) SetDevClockOffset(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return invalid("dev clock offset %v is negative", d)
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Put(keyDevClock, binary.AppendUvarint(nil, uint64(d)))
	})
}
