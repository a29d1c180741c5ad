package server

import (
	"context"
	"errors"
)

// ErrStopped is what a rotation stopped by RotateSealingKeyStopping
// returns, as a crash would have stopped it.
var ErrStopped = errors.New("rotation stopped by the test")

// RotateSealingKeyStopping is RotateSealingKey stopped where a crash
// could stop it: after afterHeads headers written in place (0: never),
// before the secrets are re-sealed, or before the key file is replaced.
// batch is the journal's batch size.
func RotateSealingKeyStopping(ctx context.Context, dataDir string, batch, afterHeads int, beforeSecrets, beforeFinish bool) (RotationReport, error) {
	old := rotateBatch
	rotateBatch = batch
	defer func() { rotateBatch = old }()
	var h rotateHooks
	if afterHeads > 0 {
		h.afterHead = func(n int) error {
			if n == afterHeads {
				return ErrStopped
			}
			return nil
		}
	}
	if beforeSecrets {
		h.beforeSecrets = func() error { return ErrStopped }
	}
	if beforeFinish {
		h.beforeFinish = func() error { return ErrStopped }
	}
	return rotateSealingKey(ctx, dataDir, h)
}
