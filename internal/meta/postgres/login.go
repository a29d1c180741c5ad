package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"signet/internal/meta"
)

// Login profiles (migrations/0006_login_profiles.sql) and the account's
// password policy (a row of account_settings). Every write is an identity
// write, so that other nodes' caches hear of it.

var (
	_ meta.LoginProfiles    = (*Store)(nil)
	_ meta.PasswordPolicies = (*Store)(nil)
)

const settingPasswordPolicy = "password_policy"

const loginColumns = "p.user_name, p.user_id, p.created, p.reset_required, p.password_hash, p.password_set, p.history"

func scanLoginProfile(r pgx.Row) (meta.LoginProfile, error) {
	var p meta.LoginProfile
	err := r.Scan(&p.UserName, &p.UserID, &p.Created, &p.PasswordResetRequired, &p.PasswordHash, &p.PasswordSet, &p.History)
	if len(p.History) == 0 {
		p.History = nil
	}
	// In UTC, as the other engines return times.
	p.Created, p.PasswordSet = p.Created.UTC(), p.PasswordSet.UTC()
	return p, err
}

// liveLogin selects the profile bound to its user's current ID.
const liveLogin = "SELECT " + loginColumns + " FROM iam_login_profiles p JOIN iam_users u ON u.name_key = p.user_key AND u.id = p.user_id WHERE p.user_key = $1"

func historyIn(h []string) []string {
	if h == nil {
		return []string{}
	}
	return h
}

func (s *Store) CreateLoginProfile(ctx context.Context, p meta.LoginProfile) error {
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		u, err := scanIdentity(tx.QueryRow(ctx, "SELECT "+userColumns+" FROM iam_users WHERE name_key = $1", nameKey(p.UserName)), scanUser)
		if err != nil {
			return err
		}
		if p.UserName == "" {
			return meta.ErrNoSuchEntity
		}
		// A profile of an earlier user of the name is not this user's.
		if _, err := tx.Exec(ctx, "DELETE FROM iam_login_profiles WHERE user_key = $1 AND user_id <> $2", nameKey(u.Name), u.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_login_profiles (user_key, user_name, user_id, created, reset_required, password_hash, password_set, history)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			nameKey(u.Name), u.Name, u.ID, p.Created, p.PasswordResetRequired, p.PasswordHash, p.PasswordSet, historyIn(p.History))
		return duplicateIsExists(err)
	})
}

func (s *Store) GetLoginProfile(ctx context.Context, userName string) (meta.LoginProfile, error) {
	return readIdentity(s, ctx, scanLoginProfile, liveLogin, nameKey(userName))
}

func (s *Store) UpdateLoginProfile(ctx context.Context, userName string, fn func(*meta.LoginProfile) error) error {
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		p, err := scanIdentity(tx.QueryRow(ctx, liveLogin+" FOR UPDATE OF p", nameKey(userName)), scanLoginProfile)
		if err != nil {
			return err
		}
		next := p
		if err := fn(&next); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE iam_login_profiles SET reset_required = $2, password_hash = $3, password_set = $4, history = $5
			WHERE user_key = $1`, nameKey(userName), next.PasswordResetRequired, next.PasswordHash, next.PasswordSet, historyIn(next.History))
		return err
	})
}

func (s *Store) DeleteLoginProfile(ctx context.Context, userName string) error {
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return execIdentityFound(ctx, tx, `DELETE FROM iam_login_profiles p USING iam_users u
			WHERE p.user_key = $1 AND u.name_key = p.user_key AND u.id = p.user_id`, nameKey(userName))
	})
}

func (s *Store) GetAccountPasswordPolicy(ctx context.Context) (*meta.PasswordPolicy, error) {
	v, err := s.getSetting(ctx, settingPasswordPolicy)
	if err != nil || v == nil {
		return nil, err
	}
	var p meta.PasswordPolicy
	if err := json.Unmarshal(v, &p); err != nil {
		return nil, fmt.Errorf("postgres: account password policy: %w", err)
	}
	return &p, nil
}

func (s *Store) PutAccountPasswordPolicy(ctx context.Context, p meta.PasswordPolicy) error {
	v, _ := json.Marshal(p)
	return s.setSetting(ctx, settingPasswordPolicy, v, ChangeIdentity)
}

// DeleteAccountPasswordPolicy removes the policy in one identity write
// that first checks there is one.
func (s *Store) DeleteAccountPasswordPolicy(ctx context.Context) error {
	return s.identityWrite(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return execIdentityFound(ctx, tx, "DELETE FROM account_settings WHERE name = $1", settingPasswordPolicy)
	})
}
