package postgres

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrDeploymentMismatch: a node's account or sealing key is not the one
// the database was first used with.
var ErrDeploymentMismatch = errors.New("postgres: this node is not of the deployment the database belongs to")

const (
	settingAccount      = "deployment_account"
	settingSealingCheck = "deployment_sealing_check"
)

// BindDeployment ties the database to one account and one sealing key:
// the first node to start records them, every later node must bring the
// same, or is refused before it serves anything. A node with another
// account would answer with other ARNs; one with another sealing key
// would seal secrets the others cannot open and fail to open theirs.
// sealingCheck is a value derived from the sealing key that does not
// reveal it (the caller's HMAC of a fixed label).
func (s *Store) BindDeployment(ctx context.Context, account string, sealingCheck []byte) error {
	if account == "" || len(sealingCheck) == 0 {
		return fmt.Errorf("%w: empty account or sealing check", ErrDeploymentMismatch)
	}
	return s.write(ctx, func(ctx context.Context, tx pgx.Tx) error {
		for _, v := range []struct {
			name string
			want []byte
			what string
		}{
			{settingAccount, []byte(account), "account"},
			{settingSealingCheck, sealingCheck, "sealing key"},
		} {
			if _, err := tx.Exec(ctx, `INSERT INTO account_settings (name, value) VALUES ($1, $2)
				ON CONFLICT (name) DO NOTHING`, v.name, v.want); err != nil {
				return err
			}
			var have []byte
			if err := tx.QueryRow(ctx, "SELECT value FROM account_settings WHERE name = $1", v.name).Scan(&have); err != nil {
				return err
			}
			if v.name == settingAccount && !bytes.Equal(have, v.want) {
				return fmt.Errorf("%w: the database belongs to account %s, this node to %s", ErrDeploymentMismatch, have, account)
			}
			if subtle.ConstantTimeCompare(have, v.want) != 1 {
				return fmt.Errorf("%w: this node's %s is not the one the database was first used with", ErrDeploymentMismatch, v.what)
			}
		}
		return nil
	})
}
