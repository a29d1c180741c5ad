package bolt

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/meta"
	"signet/internal/principal"
)

// nanos is a time with a full nanosecond part: the engine keeps times to
// the nanosecond (the conformance suite asks only for microseconds).
var nanos = time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)

func mustDo(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestReopenIdentities writes one of everything, closes and reopens the
// file, and reads it all back, times to the nanosecond.
func TestReopenIdentities(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := Open(path)
	mustDo(t, "Open", err)

	u := meta.User{Name: "Alice", ID: "AIDA1", Path: "/p/", Created: nanos}
	k := meta.AccessKey{ID: "AKIA1", UserName: "Alice", UserID: "AIDA1", SealedSecret: []byte{0, 1, 0xff}, Status: principal.KeyInactive, Created: nanos.Add(1)}
	r := meta.Role{Name: "Ops", ID: "AROA1", Path: "/", Description: "d", TrustPolicy: "{}", MaxSessionDuration: 7200, Created: nanos.Add(2)}
	p := meta.Policy{Name: "P", ID: "ANPA1", Path: "/", Description: "pd", Document: "{}", Created: nanos.Add(3), Updated: nanos.Add(4)}
	ip := meta.InlinePolicy{Name: "Inline", Document: `{"x":1}`}
	arn := "arn:aws:iam::123456789012:policy/P"
	sess := meta.Session{AccessKeyID: "ASIA1", SealedSecret: []byte{9, 0}, TokenHash: []byte{0xff}, Kind: principal.SessionFederated,
		ARN: "arn:aws:sts::123456789012:federated-user/bob", UserID: "123456789012:bob", UserName: "Alice", Root: false,
		SessionName: "bob", SessionPolicy: "{}", Chained: false, SourceAccessKeyID: "AKIA1", OwnerID: "AIDA1",
		Issued: nanos.Add(5), Expiry: nanos.Add(time.Hour), TerminatedAt: nanos.Add(6)}
	mustDo(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: "b", Created: nanos}))
	mustDo(t, "CreateUser", s.CreateUser(ctx, u))
	mustDo(t, "CreateAccessKey", s.CreateAccessKey(ctx, k, 2))
	mustDo(t, "CreateRole", s.CreateRole(ctx, r))
	mustDo(t, "CreatePolicy", s.CreatePolicy(ctx, p))
	mustDo(t, "PutInlinePolicy", s.PutInlinePolicy(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "ops"}, ip))
	mustDo(t, "AttachPolicy", s.AttachPolicy(ctx, meta.Owner{Kind: principal.OwnerUser, Name: "alice"}, arn))
	mustDo(t, "PutSession", s.PutSession(ctx, sess))
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "b", `{"v":1}`))
	mustDo(t, "Close", s.Close())

	s, err = Open(path)
	mustDo(t, "reopen", err)
	defer s.Close()
	check := func(what string, got, want any, err error) {
		t.Helper()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s after reopen:\n got %+v, %v\nwant %+v", what, got, err, want)
		}
	}
	gu, err := s.GetUser(ctx, "alice")
	check("user", gu, u, err)
	gk, err := s.GetAccessKey(ctx, "AKIA1")
	check("access key", gk, k, err)
	gks, err := s.ListAccessKeys(ctx, "ALICE")
	check("access keys", gks, []meta.AccessKey{k}, err)
	gr, err := s.GetRole(ctx, "OPS")
	check("role", gr, r, err)
	gp, err := s.GetPolicy(ctx, "p")
	check("policy", gp, p, err)
	gip, err := s.ListInlinePolicies(ctx, meta.Owner{Kind: principal.OwnerRole, Name: "Ops"})
	check("inline policies", gip, []meta.InlinePolicy{ip}, err)
	ga, err := s.ListAttachedPolicies(ctx, meta.Owner{Kind: principal.OwnerUser, Name: "Alice"})
	check("attached", ga, []string{arn}, err)
	n, err := s.PolicyAttachments(ctx, arn)
	check("attachment count", n, 1, err)
	gs, err := s.GetSession(ctx, "ASIA1")
	check("session", gs, sess, err)
	gbp, err := s.GetBucketPolicy(ctx, "b")
	check("bucket policy", gbp, `{"v":1}`, err)
	// The indexes came through too.
	mustDo(t, "CreateAccessKey after reopen", s.CreateAccessKey(ctx, meta.AccessKey{ID: "AKIA2", UserName: "alice", Status: principal.KeyActive}, 2))
	err = s.CreateAccessKey(ctx, meta.AccessKey{ID: "AKIA3", UserName: "alice", Status: principal.KeyActive}, 2)
	if err != meta.ErrLimitExceeded {
		t.Errorf("limit after reopen: %v", err)
	}
	if n, err := s.DeleteSessionsExpiredBefore(ctx, nanos.Add(time.Hour+1)); n != 1 || err != nil {
		t.Errorf("DeleteSessionsExpiredBefore after reopen = %d, %v", n, err)
	}
}

// nestedKeys lists the nested buckets (or keys) of a top-level bucket.
func nestedKeys(t *testing.T, s *Store, top []byte) []string {
	t.Helper()
	var out []string
	err := s.db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(top).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNoDanglingIndexes: removing a principal, key, attachment or session
// leaves nothing of it in any index.
func TestNoDanglingIndexes(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	user, role := meta.Owner{Kind: principal.OwnerUser, Name: "U"}, meta.Owner{Kind: principal.OwnerRole, Name: "R"}
	arn := "arn:aws:iam::123456789012:policy/P"
	mustDo(t, "CreateUser", s.CreateUser(ctx, meta.User{Name: "U"}))
	mustDo(t, "CreateRole", s.CreateRole(ctx, meta.Role{Name: "R"}))
	for _, o := range []meta.Owner{user, role} {
		mustDo(t, "PutInlinePolicy", s.PutInlinePolicy(ctx, o, meta.InlinePolicy{Name: "p", Document: "{}"}))
		mustDo(t, "AttachPolicy", s.AttachPolicy(ctx, o, arn))
	}
	mustDo(t, "CreateAccessKey", s.CreateAccessKey(ctx, meta.AccessKey{ID: "AKIA1", UserName: "u", Status: principal.KeyActive, Created: nanos}, 2))
	mustDo(t, "PutSession", s.PutSession(ctx, meta.Session{AccessKeyID: "ASIA1", Expiry: nanos}))
	if got := nestedKeys(t, s, bktUserKeys); !reflect.DeepEqual(got, []string{"u"}) {
		t.Errorf("userkeys = %q", got)
	}
	if got := nestedKeys(t, s, bktInline); !reflect.DeepEqual(got, []string{"role/r", "user/u"}) {
		t.Errorf("inline = %q", got)
	}

	mustDo(t, "DeleteAccessKey", s.DeleteAccessKey(ctx, "U", "AKIA1", time.Unix(1, 0)))
	for _, o := range []meta.Owner{user, role} {
		mustDo(t, "DeleteInlinePolicy", s.DeleteInlinePolicy(ctx, o, "P"))
		mustDo(t, "DetachPolicy", s.DetachPolicy(ctx, o, arn))
	}
	mustDo(t, "DeleteUser", s.DeleteUser(ctx, "u"))
	mustDo(t, "DeleteRole", s.DeleteRole(ctx, "r"))
	if n, err := s.DeleteSessionsExpiredBefore(ctx, nanos.Add(1)); n != 1 || err != nil {
		t.Fatalf("DeleteSessionsExpiredBefore = %d, %v", n, err)
	}
	for _, b := range [][]byte{bktUsers, bktRoles, bktAccessKeys, bktUserKeys, bktInline, bktAttached, bktPolicyRefs, bktSessions, bktSessionExp} {
		if got := nestedKeys(t, s, b); len(got) != 0 {
			t.Errorf("%s left with %q", b, got)
		}
	}
}

// TestSchemaUpgrade: a version-1 file (before the identity buckets) opens,
// keeps its data and gains the identity store; a file from the future is
// refused and left alone.
func TestSchemaUpgrade(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := bbolt.Open(path, 0o600, nil)
	mustDo(t, "bbolt.Open", err)
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bktBuckets, bktObjects, bktUploads, bktUploadIdx, bktParts, bktRefs, bktSchema} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		b := meta.Bucket{Name: "old", Region: "r", Created: nanos}
		if err := tx.Bucket(bktBuckets).Put([]byte("old"), encodeBucket(&b)); err != nil {
			return err
		}
		for _, top := range [][]byte{bktObjects, bktUploadIdx} {
			if _, err := tx.Bucket(top).CreateBucket([]byte("old")); err != nil {
				return err
			}
		}
		return tx.Bucket(bktSchema).Put(keyVersion, binary.AppendUvarint(nil, 1))
	})
	mustDo(t, "write v1 file", err)
	mustDo(t, "close v1 file", db.Close())

	s, err := Open(path)
	mustDo(t, "Open v1 file", err)
	if b, err := s.GetBucket(ctx, "old"); err != nil || b.Region != "r" {
		t.Errorf("bucket of the v1 file: %+v, %v", b, err)
	}
	mustDo(t, "CreateUser on upgraded file", s.CreateUser(ctx, meta.User{Name: "u"}))
	mustDo(t, "PutBucketPolicy on upgraded file", s.PutBucketPolicy(ctx, "old", "{}"))
	var v []byte
	mustDo(t, "read version", s.db.View(func(tx *bbolt.Tx) error {
		v = bytes.Clone(tx.Bucket(bktSchema).Get(keyVersion))
		return nil
	}))
	if got, _ := binary.Uvarint(v); got != schemaVersion {
		t.Errorf("version after upgrade = %d, want %d", got, schemaVersion)
	}
	// Set a future version and try again.
	mustDo(t, "set future version", s.db.Update(func(tx *bbolt.Tx) error {
		if err := tx.DeleteBucket(bktSessions); err != nil {
			return err
		}
		return tx.Bucket(bktSchema).Put(keyVersion, binary.AppendUvarint(nil, schemaVersion+1))
	}))
	mustDo(t, "Close", s.Close())
	if s, err := Open(path); err == nil {
		s.Close()
		t.Fatal("Open of a future version succeeded")
	}
	db, err = bbolt.Open(path, 0o600, nil)
	mustDo(t, "bbolt.Open", err)
	defer db.Close()
	_ = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bktSessions) != nil {
			t.Error("failed Open changed the file")
		}
		return nil
	})
}

// TestDecodeSessionV1: a session stored before managed session policies
// (layout recordV1, no ARNs after TerminatedAt) still decodes, with none.
func TestDecodeSessionV1(t *testing.T) {
	want := meta.Session{AccessKeyID: "A", SealedSecret: []byte{1}, Kind: "k", SessionPolicy: "{}", Issued: nanos, Expiry: nanos}
	v := encodeSession(&want)
	// The v2 record of a session without ARNs is the v1 record plus a zero
	// count.
	if v[0] != sessionV2 || v[len(v)-1] != 0 {
		t.Fatalf("unexpected layout %x", v)
	}
	v1 := append([]byte{recordV1}, v[1:len(v)-1]...)
	got, err := decodeSession("A", v1)
	if err != nil {
		t.Fatalf("v1 session: %v", err)
	}
	if got.SessionPolicy != "{}" || got.SessionPolicyARNs != nil || !got.Expiry.Equal(nanos) {
		t.Fatalf("v1 session decoded as %+v", got)
	}
}

// TestDecodeCorruptIdentity: every identity record refuses truncation,
// trailing bytes and a bad boolean.
// TestLegacyRecordsWithoutOwnerIDs: access keys and sessions written
// before the owner's unique ID was kept decode with it empty, and meta's
// fallback still finds the owner of a legacy role session and session
// token.
func TestLegacyRecordsWithoutOwnerIDs(t *testing.T) {
	k := meta.AccessKey{UserName: "u", UserID: "AIDA1", SealedSecret: []byte{1}, Status: "Active", Created: nanos}
	v := encodeAccessKey(&k)
	old, err := decodeAccessKey("k", v[:len(v)-1-len(k.UserID)])
	if err != nil || old.UserID != "" || old.UserName != "u" || !old.Created.Equal(nanos) {
		t.Fatalf("legacy access key: %+v, %v", old, err)
	}
	sess := meta.Session{Kind: principal.SessionAssumedRole, UserID: "AROA1:s", RoleName: "r", OwnerID: "AROA1", Expiry: nanos}
	v = encodeSession(&sess)
	olds, err := decodeSession("A", v[:len(v)-1-len(sess.OwnerID)])
	if err != nil || olds.OwnerID != "" || !olds.Expiry.Equal(nanos) {
		t.Fatalf("legacy session: %+v, %v", olds, err)
	}
	if o, id, ok := olds.Owner(); !ok || o.Kind != principal.OwnerRole || o.Name != "r" || id != "AROA1" {
		t.Errorf("legacy role session's owner: %+v %q %v", o, id, ok)
	}
	tok := meta.Session{Kind: principal.SessionToken, UserID: "AIDA1", UserName: "u"}
	if o, id, ok := tok.Owner(); !ok || o.Kind != principal.OwnerUser || id != "AIDA1" {
		t.Errorf("legacy session token's owner: %+v %q %v", o, id, ok)
	}
}

func TestDecodeCorruptIdentity(t *testing.T) {
	sess := meta.Session{AccessKeyID: "A", SealedSecret: []byte{1}, Kind: "k", Root: true, Chained: true, Expiry: nanos,
		SessionPolicyARNs: []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}
	records := []struct {
		name   string
		v      []byte
		decode func([]byte) error
		// legacy is the length of the record as written before its
		// last field was appended (0: no field was): that prefix is an
		// older record, not a truncated one.
		legacy int
	}{
		{"user", encodeUser(&meta.User{Name: "u", Created: nanos}), func(v []byte) error { _, err := decodeUser(v); return err }, 0},
		{"access key", encodeAccessKey(&meta.AccessKey{UserName: "u", SealedSecret: []byte{1}, Status: "Active"}),
			func(v []byte) error { _, err := decodeAccessKey("k", v); return err }, len(encodeAccessKey(&meta.AccessKey{UserName: "u", SealedSecret: []byte{1}, Status: "Active"})) - 1},
		{"role", encodeRole(&meta.Role{Name: "r", MaxSessionDuration: 3600}), func(v []byte) error { _, err := decodeRole(v); return err }, 0},
		{"policy", encodePolicy(&meta.Policy{Name: "p"}), func(v []byte) error { _, err := decodePolicy(v); return err }, 0},
		{"inline", encodeInlinePolicy(&meta.InlinePolicy{Name: "p", Document: "{}"}), func(v []byte) error { _, err := decodeInlinePolicy(v); return err }, 0},
		{"session", encodeSession(&sess), func(v []byte) error { _, err := decodeSession("A", v); return err }, len(encodeSession(&sess)) - 1},
		{"bucket policy", encodeBucketPolicy("{}"), func(v []byte) error { _, err := decodeBucketPolicy(v); return err }, 0},
	}
	for _, r := range records {
		if err := r.decode(r.v); err != nil {
			t.Errorf("%s: intact record: %v", r.name, err)
		}
		for i := range r.v {
			if i == r.legacy && i > 0 {
				continue
			}
			if r.decode(r.v[:i]) == nil {
				t.Errorf("%s: truncated record (%d of %d bytes) decoded", r.name, i, len(r.v))
			}
		}
		if r.decode(append(bytes.Clone(r.v), 0)) == nil {
			t.Errorf("%s: record with trailing bytes decoded", r.name)
		}
		// The newest layout of any record is sessionV2.
		if r.decode(append([]byte{sessionV2 + 1}, r.v[1:]...)) == nil {
			t.Errorf("%s: record of an unknown version decoded", r.name)
		}
	}
	// Root is the byte after SealedSecret, TokenHash, Kind, ARN, UserID
	// and UserName: 1+2+1+2+1+1+1 bytes in.
	v := encodeSession(&sess)
	if v[9] != 1 {
		t.Fatalf("Root not where expected in %x", v)
	}
	v[9] = 2
	if _, err := decodeSession("A", v); err == nil {
		t.Error("session with Root = 2 decoded")
	}
}
