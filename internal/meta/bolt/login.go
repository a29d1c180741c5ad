package bolt

import (
	"context"
	"errors"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
)

// Login profiles are one top-level bucket:
//
//	loginprofiles  folded user name -> login profile record
//
// and the account's password policy one key of the schema bucket, beside
// the account's other settings. Open creates the bucket in a file that
// lacks it, without a new schema version: an older binary ignores both,
// and a profile it would leave behind when it deletes the user (it does
// not know to refuse) is bound to that user's ID, so a user created again
// under the name never inherits it (loginProfile).
var (
	bktLoginProfiles    = []byte("loginprofiles")
	keyAccountPwdPolicy = []byte("account-password-policy")
	_                   = meta.LoginProfiles((*Store)(nil))
	_                   = meta.PasswordPolicies((*Store)(nil))
)

// loginProfile returns the user's live profile (bound to the user's
// current ID), ErrNoSuchEntity when the user or a live profile is missing.
func loginProfile(tx *bbolt.Tx, userName string) (meta.User, meta.LoginProfile, error) {
	key := fold(userName)
	uv := tx.Bucket(bktUsers).Get(key)
	if len(key) == 0 || uv == nil {
		return meta.User{}, meta.LoginProfile{}, meta.ErrNoSuchEntity
	}
	u, err := decodeUser(uv)
	if err != nil {
		return meta.User{}, meta.LoginProfile{}, err
	}
	pv := tx.Bucket(bktLoginProfiles).Get(key)
	if pv == nil {
		return u, meta.LoginProfile{}, meta.ErrNoSuchEntity
	}
	p, err := decodeLoginProfile(pv)
	if err != nil {
		return u, meta.LoginProfile{}, err
	}
	if p.UserID != u.ID {
		return u, meta.LoginProfile{}, meta.ErrNoSuchEntity
	}
	return u, p, nil
}

func (s *Store) CreateLoginProfile(ctx context.Context, p meta.LoginProfile) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		u, _, err := loginProfile(tx, p.UserName)
		switch {
		case err == nil:
			return meta.ErrEntityExists
		case u.ID == "":
			return err // no such user, or a corrupt record
		case !errors.Is(err, meta.ErrNoSuchEntity):
			return err
		}
		p.UserName, p.UserID = u.Name, u.ID
		return tx.Bucket(bktLoginProfiles).Put(fold(u.Name), encodeLoginProfile(&p))
	})
}

func (s *Store) GetLoginProfile(ctx context.Context, userName string) (meta.LoginProfile, error) {
	var out meta.LoginProfile
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		_, out, err = loginProfile(tx, userName)
		return err
	})
	if err != nil {
		return meta.LoginProfile{}, err
	}
	return out, nil
}

func (s *Store) UpdateLoginProfile(ctx context.Context, userName string, fn func(*meta.LoginProfile) error) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		_, p, err := loginProfile(tx, userName)
		if err != nil {
			return err
		}
		next := p
		if err := fn(&next); err != nil {
			return err
		}
		next.UserName, next.UserID, next.Created = p.UserName, p.UserID, p.Created
		return tx.Bucket(bktLoginProfiles).Put(fold(userName), encodeLoginProfile(&next))
	})
}

func (s *Store) DeleteLoginProfile(ctx context.Context, userName string) error {
	return s.group(ctx, func(tx *bbolt.Tx) error {
		if _, _, err := loginProfile(tx, userName); err != nil {
			return err
		}
		return tx.Bucket(bktLoginProfiles).Delete(fold(userName))
	})
}

func (s *Store) GetAccountPasswordPolicy(ctx context.Context) (*meta.PasswordPolicy, error) {
	var p *meta.PasswordPolicy
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bktSchema).Get(keyAccountPwdPolicy)
		if v == nil {
			return nil
		}
		got, err := decodePasswordPolicy(v)
		p = &got
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Store) PutAccountPasswordPolicy(ctx context.Context, p meta.PasswordPolicy) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bktSchema).Put(keyAccountPwdPolicy, encodePasswordPolicy(&p))
	})
}

func (s *Store) DeleteAccountPasswordPolicy(ctx context.Context) error {
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bktSchema)
		if b.Get(keyAccountPwdPolicy) == nil {
			return meta.ErrNoSuchEntity
		}
		return b.Delete(keyAccountPwdPolicy)
	})
}

// Login profile record: created, reset required, hash, when set, then the
// history (a count, then each hash). The user's name and ID are kept in
// full: the key is the folded name, and the ID is what binds the profile.

func encodeLoginProfile(p *meta.LoginProfile) []byte {
	e := encoder{b: make([]byte, 0, 64+len(p.UserName)+len(p.PasswordHash)*(1+len(p.History)))}
	e.b = append(e.b, recordV1)
	e.str(p.UserName)
	e.str(p.UserID)
	e.time(p.Created)
	e.bool(p.PasswordResetRequired)
	e.str(p.PasswordHash)
	e.time(p.PasswordSet)
	e.strList(p.History)
	return e.b
}

func decodeLoginProfile(v []byte) (meta.LoginProfile, error) {
	d := newDecoder(v)
	var p meta.LoginProfile
	p.UserName = d.str()
	p.UserID = d.str()
	p.Created = d.time()
	p.PasswordResetRequired = d.bool()
	p.PasswordHash = d.str()
	p.PasswordSet = d.time()
	p.History = d.strList()
	return p, d.done()
}

// Password policy record: the length, the five booleans, the two counts,
// then HardExpiry as one byte: 0 not given, 1 false, 2 true.

func encodePasswordPolicy(p *meta.PasswordPolicy) []byte {
	e := encoder{}
	e.b = append(e.b, recordV1)
	e.varint(int64(p.MinimumPasswordLength))
	for _, b := range []bool{p.RequireSymbols, p.RequireNumbers, p.RequireUppercaseCharacters, p.RequireLowercaseCharacters, p.AllowUsersToChangePassword} {
		e.bool(b)
	}
	e.varint(int64(p.MaxPasswordAge))
	e.varint(int64(p.PasswordReusePrevention))
	var hard uint64
	if p.HardExpiry != nil {
		hard = 1
		if *p.HardExpiry {
			hard = 2
		}
	}
	e.uvarint(hard)
	return e.b
}

func decodePasswordPolicy(v []byte) (meta.PasswordPolicy, error) {
	d := newDecoder(v)
	var p meta.PasswordPolicy
	p.MinimumPasswordLength = int(d.varint())
	for _, b := range []*bool{&p.RequireSymbols, &p.RequireNumbers, &p.RequireUppercaseCharacters, &p.RequireLowercaseCharacters, &p.AllowUsersToChangePassword} {
		*b = d.bool()
	}
	p.MaxPasswordAge = int(d.varint())
	p.PasswordReusePrevention = int(d.varint())
	switch hard := d.uvarint(); hard {
	case 0:
	case 1, 2:
		h := hard == 2
		p.HardExpiry = &h
	default:
		return p, errCorrupt
	}
	return p, d.done()
}
