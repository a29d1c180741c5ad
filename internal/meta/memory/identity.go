package memory

import (
	"context"
	"sort"
	"strings"
	"time"

	"signet/internal/meta"
	"signet/internal/principal"
)

// The identity store. Names of users, roles, managed and inline policies
// are matched case-insensitively: maps are keyed by strings.ToLower of the
// name and records keep the name as created, so lists sorted by key come
// sorted by lower-cased name in byte order.

type identities struct {
	users       map[string]meta.User
	keys        map[string]meta.AccessKey
	deletedKeys map[string]meta.DeletedAccessKey
	roles       map[string]meta.Role
	policies    map[string]meta.Policy
	// inline and attached are keyed by ownerKey.
	inline   map[string]map[string]meta.InlinePolicy
	attached map[string]map[string]bool
	sessions map[string]meta.Session
	// logins are login profiles, keyed by folded user name (login.go).
	logins map[string]meta.LoginProfile
}

func newIdentities() identities {
	return identities{
		users:       map[string]meta.User{},
		keys:        map[string]meta.AccessKey{},
		deletedKeys: map[string]meta.DeletedAccessKey{},
		roles:       map[string]meta.Role{},
		policies:    map[string]meta.Policy{},
		inline:      map[string]map[string]meta.InlinePolicy{},
		attached:    map[string]map[string]bool{},
		sessions:    map[string]meta.Session{},
		logins:      map[string]meta.LoginProfile{},
	}
}

func fold(name string) string { return strings.ToLower(name) }

// ownerKey returns o's key in inline and attached, ErrNoSuchEntity when
// the user or role does not exist.
func (s *Store) ownerKey(o meta.Owner) (string, error) {
	var exists bool
	switch o.Kind {
	case principal.OwnerUser:
		_, exists = s.ids.users[fold(o.Name)]
	case principal.OwnerRole:
		_, exists = s.ids.roles[fold(o.Name)]
	default:
		return "", invalid("owner kind %q", o.Kind)
	}
	if o.Name == "" || !exists {
		return "", meta.ErrNoSuchEntity
	}
	// The kind has no "/", so the key is unambiguous whatever the name
	// holds.
	return string(o.Kind) + "/" + fold(o.Name), nil
}

// get reads one record of m under key, ErrNoSuchEntity when none.
func get[T any](s *Store, ctx context.Context, m func() map[string]T, key string, clone func(T) T) (T, error) {
	var zero T
	if err := s.lock(ctx); err != nil {
		return zero, err
	}
	defer s.mu.Unlock()
	v, ok := m()[key]
	if !ok || key == "" {
		return zero, meta.ErrNoSuchEntity
	}
	return clone(v), nil
}

// list returns every record of m in key order.
func list[T any](s *Store, ctx context.Context, m func() map[string]T, clone func(T) T) ([]T, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []T
	for _, k := range sortedKeys(m()) {
		out = append(out, clone(m()[k]))
	}
	return out, nil
}

// create stores a new record under a folded name.
func create[T any](s *Store, ctx context.Context, m func() map[string]T, what, name string, v T) error {
	if name == "" {
		return invalid("empty %s name", what)
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := m()[fold(name)]; ok {
		return meta.ErrEntityExists
	}
	m()[fold(name)] = v
	return nil
}

func same[T any](v T) T { return v }

func (s *Store) usersMap() map[string]meta.User       { return s.ids.users }
func (s *Store) rolesMap() map[string]meta.Role       { return s.ids.roles }
func (s *Store) policiesMap() map[string]meta.Policy  { return s.ids.policies }
func (s *Store) keysMap() map[string]meta.AccessKey   { return s.ids.keys }
func (s *Store) sessionsMap() map[string]meta.Session { return s.ids.sessions }
func (s *Store) deletedKeysMap() map[string]meta.DeletedAccessKey {
	return s.ids.deletedKeys
}

// Users.

func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	return create(s, ctx, s.usersMap, "user", u.Name, u)
}

func (s *Store) GetUser(ctx context.Context, name string) (meta.User, error) {
	return get(s, ctx, s.usersMap, fold(name), same)
}

func (s *Store) ListUsers(ctx context.Context) ([]meta.User, error) {
	return list(s, ctx, s.usersMap, same)
}

// hasDependents reports whether the owner under key has inline or
// attached policies.
func (s *Store) hasDependents(key string) bool {
	return len(s.ids.inline[key]) > 0 || len(s.ids.attached[key]) > 0
}

func (s *Store) DeleteUser(ctx context.Context, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(meta.Owner{Kind: principal.OwnerUser, Name: name})
	if err != nil {
		return err
	}
	if _, _, login := s.loginProfile(name); login || s.hasDependents(owner) || len(s.userKeys(name)) > 0 {
		return meta.ErrDeleteConflict
	}
	// A profile bound to an earlier user of the name goes with this one.
	delete(s.ids.logins, fold(name))
	delete(s.ids.users, fold(name))
	return nil
}

// Access keys.

func checkKeyStatus(status principal.KeyStatus) error {
	if status != principal.KeyActive && status != principal.KeyInactive {
		return invalid("access key status %q", status)
	}
	return nil
}

// userKeys returns the user's keys in creation order: by Created, then
// by ID.
func (s *Store) userKeys(userName string) []meta.AccessKey {
	var out []meta.AccessKey
	for _, k := range s.ids.keys {
		if fold(k.UserName) == fold(userName) {
			out = append(out, cloneAccessKey(k))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey, maxPerUser int) error {
	if k.ID == "" {
		return invalid("empty access key id")
	}
	if err := checkKeyStatus(k.Status); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	u, ok := s.ids.users[fold(k.UserName)]
	if k.UserName == "" || !ok {
		return meta.ErrNoSuchEntity
	}
	if _, taken := s.ids.keys[k.ID]; taken {
		return meta.ErrEntityExists
	}
	if len(s.userKeys(k.UserName)) >= maxPerUser {
		return meta.ErrLimitExceeded
	}
	rec := cloneAccessKey(k)
	rec.UserName, rec.UserID = u.Name, u.ID
	s.ids.keys[k.ID] = rec
	// The ID is live again: a tombstone would explain its URLs by a
	// deletion that no longer holds.
	delete(s.ids.deletedKeys, k.ID)
	return nil
}

func (s *Store) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	return get(s, ctx, s.keysMap, id, cloneAccessKey)
}

func (s *Store) ListAccessKeys(ctx context.Context, userName string) ([]meta.AccessKey, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if _, ok := s.ids.users[fold(userName)]; userName == "" || !ok {
		return nil, meta.ErrNoSuchEntity
	}
	return s.userKeys(userName), nil
}

// userKey returns key id for a write on behalf of userName: a key of
// another user is as missing as one that does not exist.
func (s *Store) userKey(userName, id string) (meta.AccessKey, error) {
	k, ok := s.ids.keys[id]
	if id == "" || !ok || userName == "" || !strings.EqualFold(k.UserName, userName) {
		return meta.AccessKey{}, meta.ErrNoSuchEntity
	}
	return k, nil
}

func (s *Store) UpdateAccessKey(ctx context.Context, userName, id string, status principal.KeyStatus) error {
	if err := checkKeyStatus(status); err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k, err := s.userKey(userName, id)
	if err != nil {
		return err
	}
	k.Status = status
	s.ids.keys[id] = k
	return nil
}

// DeleteAccessKey leaves a tombstone in the same step, so there is no
// moment at which the key is gone without a trace.
func (s *Store) DeleteAccessKey(ctx context.Context, userName, id string, at time.Time) error {
	if at.IsZero() {
		return invalid("zero deletion time")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	k, err := s.userKey(userName, id)
	if err != nil {
		return err
	}
	u := s.ids.users[fold(k.UserName)]
	delete(s.ids.keys, id)
	s.ids.deletedKeys[id] = meta.DeletedAccessKey{ID: id, UserName: u.Name, UserID: u.ID, Deleted: at}
	return nil
}

func (s *Store) GetDeletedAccessKey(ctx context.Context, id string) (meta.DeletedAccessKey, error) {
	return get(s, ctx, s.deletedKeysMap, id, same)
}

func (s *Store) DeleteAccessKeyTombstonesBefore(ctx context.Context, t time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, tomb := range s.ids.deletedKeys {
		if tomb.Deleted.Before(t) {
			delete(s.ids.deletedKeys, id)
			n++
		}
	}
	return n, nil
}

// Roles.

func (s *Store) CreateRole(ctx context.Context, r meta.Role) error {
	return create(s, ctx, s.rolesMap, "role", r.Name, r)
}

func (s *Store) GetRole(ctx context.Context, name string) (meta.Role, error) {
	return get(s, ctx, s.rolesMap, fold(name), same)
}

func (s *Store) ListRoles(ctx context.Context) ([]meta.Role, error) {
	return list(s, ctx, s.rolesMap, same)
}

func (s *Store) UpdateRole(ctx context.Context, name string, fn func(*meta.Role) error) error {
	if fn == nil {
		return invalid("nil role update")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	r, ok := s.ids.roles[fold(name)]
	if name == "" || !ok {
		return meta.ErrNoSuchEntity
	}
	keepName, keepID := r.Name, r.ID
	if err := fn(&r); err != nil {
		return err
	}
	r.Name, r.ID = keepName, keepID
	s.ids.roles[fold(name)] = r
	return nil
}

func (s *Store) DeleteRole(ctx context.Context, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(meta.Owner{Kind: principal.OwnerRole, Name: name})
	if err != nil {
		return err
	}
	if s.hasDependents(owner) {
		return meta.ErrDeleteConflict
	}
	delete(s.ids.roles, fold(name))
	return nil
}

// Inline policies.

// PutInlinePolicy replacing a policy keeps the name as first created.
func (s *Store) PutInlinePolicy(ctx context.Context, o meta.Owner, p meta.InlinePolicy) error {
	if p.Name == "" {
		return invalid("empty policy name")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return err
	}
	m := s.ids.inline[owner]
	if m == nil {
		m = map[string]meta.InlinePolicy{}
		s.ids.inline[owner] = m
	}
	if old, ok := m[fold(p.Name)]; ok {
		p.Name = old.Name
	}
	m[fold(p.Name)] = p
	return nil
}

func (s *Store) GetInlinePolicy(ctx context.Context, o meta.Owner, name string) (meta.InlinePolicy, error) {
	if err := s.lock(ctx); err != nil {
		return meta.InlinePolicy{}, err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return meta.InlinePolicy{}, err
	}
	p, ok := s.ids.inline[owner][fold(name)]
	if name == "" || !ok {
		return meta.InlinePolicy{}, meta.ErrNoSuchEntity
	}
	return p, nil
}

func (s *Store) ListInlinePolicies(ctx context.Context, o meta.Owner) ([]meta.InlinePolicy, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return nil, err
	}
	m := s.ids.inline[owner]
	var out []meta.InlinePolicy
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out, nil
}

func (s *Store) DeleteInlinePolicy(ctx context.Context, o meta.Owner, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return err
	}
	if _, ok := s.ids.inline[owner][fold(name)]; name == "" || !ok {
		return meta.ErrNoSuchEntity
	}
	delete(s.ids.inline[owner], fold(name))
	return nil
}

// Managed policies and attachments.

func (s *Store) CreatePolicy(ctx context.Context, p meta.Policy) error {
	return create(s, ctx, s.policiesMap, "policy", p.Name, p)
}

func (s *Store) GetPolicy(ctx context.Context, name string) (meta.Policy, error) {
	return get(s, ctx, s.policiesMap, fold(name), same)
}

func (s *Store) ListPolicies(ctx context.Context) ([]meta.Policy, error) {
	return list(s, ctx, s.policiesMap, same)
}

// customerPolicyName returns NAME for the ARN of a customer managed
// policy, arn:PARTITION:iam::ACCOUNT:policy/[PATH/]NAME with ACCOUNT not
// "aws" (where AWS managed policies live).
func customerPolicyName(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] == "aws" {
		return "", false
	}
	res, ok := strings.CutPrefix(parts[5], "policy/")
	if !ok {
		return "", false
	}
	return res[strings.LastIndexByte(res, '/')+1:], true
}

// DeletePolicy counts the policy as attached while any attached ARN names
// a customer managed policy of this name: the store knows policies by
// name and attachments by ARN, and errs towards a conflict.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.ids.policies[fold(name)]; name == "" || !ok {
		return meta.ErrNoSuchEntity
	}
	for _, arns := range s.ids.attached {
		for arn := range arns {
			if n, ok := customerPolicyName(arn); ok && fold(n) == fold(name) {
				return meta.ErrDeleteConflict
			}
		}
	}
	delete(s.ids.policies, fold(name))
	return nil
}

func (s *Store) AttachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	if policyARN == "" {
		return invalid("empty policy ARN")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return err
	}
	if s.ids.attached[owner] == nil {
		s.ids.attached[owner] = map[string]bool{}
	}
	s.ids.attached[owner][policyARN] = true
	return nil
}

func (s *Store) DetachPolicy(ctx context.Context, o meta.Owner, policyARN string) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return err
	}
	if !s.ids.attached[owner][policyARN] {
		return meta.ErrNoSuchEntity
	}
	delete(s.ids.attached[owner], policyARN)
	return nil
}

func (s *Store) ListAttachedPolicies(ctx context.Context, o meta.Owner) ([]string, error) {
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	owner, err := s.ownerKey(o)
	if err != nil {
		return nil, err
	}
	if len(s.ids.attached[owner]) == 0 {
		return nil, nil
	}
	return sortedKeys(s.ids.attached[owner]), nil
}

func (s *Store) PolicyAttachments(ctx context.Context, policyARN string) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for _, arns := range s.ids.attached {
		if policyARN != "" && arns[policyARN] {
			n++
		}
	}
	return n, nil
}

// Sessions.

func (s *Store) PutSession(ctx context.Context, sess meta.Session) error {
	if sess.AccessKeyID == "" {
		return invalid("empty session access key id")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if _, ok := s.ids.sessions[sess.AccessKeyID]; ok {
		return meta.ErrEntityExists
	}
	s.ids.sessions[sess.AccessKeyID] = cloneSession(sess)
	return nil
}

func (s *Store) GetSession(ctx context.Context, accessKeyID string) (meta.Session, error) {
	return get(s, ctx, s.sessionsMap, accessKeyID, cloneSession)
}

func (s *Store) ListSessions(ctx context.Context) ([]meta.Session, error) {
	return list(s, ctx, s.sessionsMap, cloneSession)
}

// TerminateSession sets TerminatedAt once; a second call keeps the first
// time.
func (s *Store) TerminateSession(ctx context.Context, accessKeyID string, at time.Time) error {
	if at.IsZero() {
		return invalid("zero termination time")
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	sess, ok := s.ids.sessions[accessKeyID]
	if accessKeyID == "" || !ok {
		return meta.ErrNoSuchEntity
	}
	if sess.TerminatedAt.IsZero() {
		sess.TerminatedAt = at
		s.ids.sessions[accessKeyID] = sess
	}
	return nil
}

func (s *Store) DeleteSessionsExpiredBefore(ctx context.Context, t time.Time) (int, error) {
	if err := s.lock(ctx); err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	n := 0
	for id, sess := range s.ids.sessions {
		if sess.Expiry.Before(t) {
			delete(s.ids.sessions, id)
			n++
		}
	}
	return n, nil
}

// ResealSecrets re-seals every secret or, on any error, none: the new
// values are gathered first and stored only when all succeeded.
func (s *Store) ResealSecrets(ctx context.Context, reseal func(id string, sealed []byte) ([]byte, error)) error {
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.mu.Unlock()
	keys := map[string]meta.AccessKey{}
	for _, id := range sortedKeys(s.ids.keys) {
		k := cloneAccessKey(s.ids.keys[id])
		var err error
		if k.SealedSecret, err = reseal(id, k.SealedSecret); err != nil {
			return err
		}
		keys[id] = cloneAccessKey(k)
	}
	sessions := map[string]meta.Session{}
	for _, id := range sortedKeys(s.ids.sessions) {
		sess := cloneSession(s.ids.sessions[id])
		var err error
		if sess.SealedSecret, err = reseal(id, sess.SealedSecret); err != nil {
			return err
		}
		sessions[id] = cloneSession(sess)
	}
	s.ids.keys, s.ids.sessions = keys, sessions
	return nil
}
