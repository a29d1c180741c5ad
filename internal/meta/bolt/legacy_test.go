package bolt

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"signet/internal/iam"
	"signet/internal/meta"
	"signet/internal/principal"
)

const legacyAcct = "123456789012"

func legacyARN(typ, name string) string { return iam.EntityARN(legacyAcct, typ, "/", name) }

// legacyDoc is a policy naming each of arns as an AWS principal.
func legacyDoc(arns ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["` +
		strings.Join(arns, `","`) + `"]},"Action":"s3:GetObject","Resource":"*"}]}`
}

// putLegacy stores a session or an access key record as the code before
// owner IDs wrote it: without the last field (see
// TestLegacyRecordsWithoutOwnerIDs).
func putLegacy(t *testing.T, s *Store, bkt []byte, id string, v []byte) {
	t.Helper()
	mustDo(t, "put legacy record", s.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bkt).Put([]byte(id), v[:len(v)-1])
	}))
}

func legacySession(t *testing.T, s *Store, sess meta.Session) {
	t.Helper()
	sess.SealedSecret, sess.TokenHash, sess.Expiry = []byte{1}, []byte{2}, sess.Issued.Add(time.Hour)
	putLegacy(t, s, bktSessions, sess.AccessKeyID, encodeSession(&sess))
}

// snapshot is every identity record and the schema bucket, raw.
func snapshot(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	mustDo(t, "snapshot", s.db.View(func(tx *bbolt.Tx) error {
		for _, bkt := range [][]byte{bktBucketPolicy, bktRoles, bktSessions, bktAccessKeys, bktUsers, bktSchema} {
			err := tx.Bucket(bkt).ForEach(func(k, v []byte) error {
				out[string(bkt)+"/"+string(k)] = string(v)
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}))
	return out
}

func unmark(t *testing.T, s *Store) {
	t.Helper()
	mustDo(t, "unmark", s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bktSchema).Delete(keyLegacyBound) }))
}

func bindLegacy(s *Store, calls *int) (meta.LegacyBound, error) {
	return s.BindLegacyIDs(context.Background(), func(us []meta.User, rs []meta.Role, ks []meta.AccessKey) meta.LegacyBinder {
		*calls++
		return iam.LegacyBinder(legacyAcct, us, rs, ks)
	})
}

// TestBindLegacyIDs writes records as the code before unique-ID binding
// did (policies naming users and roles by ARN, sessions and keys without
// owner IDs), binds them, and checks each is bound to the identity that
// could have been meant and to nobody otherwise; then that the binding
// runs once, and changes nothing when run again.
func TestBindLegacyIDs(t *testing.T) {
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"))
	mustDo(t, "Open", err)
	defer s.Close()

	t1 := nanos.Truncate(time.Second)
	alice := meta.User{Name: "alice", ID: "AIDAALICE00000000000", Path: "/", Created: t1}
	// bob was deleted and created again after his federation token was
	// issued: the token is the old bob's.
	bob := meta.User{Name: "Bob", ID: "AIDABOBNEW0000000000", Path: "/", Created: t1.Add(time.Hour)}
	ops := meta.Role{Name: "ops", ID: "AROAOPS0000000000000", Path: "/", MaxSessionDuration: 3600, Created: t1,
		TrustPolicy: legacyDoc(legacyARN("user", "alice"), legacyARN("user", "gone"), "arn:aws:iam::"+legacyAcct+":root")}
	mustDo(t, "CreateUser", s.CreateUser(ctx, alice))
	mustDo(t, "CreateUser", s.CreateUser(ctx, bob))
	mustDo(t, "CreateRole", s.CreateRole(ctx, ops))
	mustDo(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: "b", Created: t1}))
	sessARN := "arn:aws:sts::" + legacyAcct + ":assumed-role/ops/s"
	bucketDoc := legacyDoc(legacyARN("user", "alice"), legacyARN("role", "ops"), legacyARN("user", "gone"),
		legacyARN("user", "ALICE"), iam.EntityARN(legacyAcct, "user", "/other/", "alice"), sessARN,
		"arn:aws:iam::210987654321:user/alice")
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "b", bucketDoc))

	legacySession(t, s, meta.Session{AccessKeyID: "ASIAROLE", Kind: principal.SessionAssumedRole, UserID: "AROAOLDOPS0000000000:s",
		UserName: "alice", RoleName: "ops", SessionName: "s", Issued: t1})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIATOKEN", Kind: principal.SessionToken, UserID: alice.ID, UserName: "alice", Issued: t1})
	// Federation tokens: asked for with alice's key, which she still
	// holds; asked for a second after alice was created, with a key
	// since deleted; asked for in the second alice was created, with a
	// key since deleted (that alice, or one deleted within the second?);
	// bob's, asked for before this bob was created.
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAFEDALICE", Kind: principal.SessionFederated, UserID: legacyAcct + ":f",
		UserName: "alice", SessionName: "f", SourceAccessKeyID: "AKIAALICE", Issued: t1})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAFEDLATER", Kind: principal.SessionFederated, UserID: legacyAcct + ":f",
		UserName: "alice", SessionName: "f", SourceAccessKeyID: "AKIAROTATED", Issued: t1.Add(time.Second)})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAFEDSAME", Kind: principal.SessionFederated, UserID: legacyAcct + ":f",
		UserName: "alice", SessionName: "f", SourceAccessKeyID: "AKIAROTATED", Issued: t1})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAFEDBOB", Kind: principal.SessionFederated, UserID: legacyAcct + ":g",
		UserName: "Bob", SessionName: "g", SourceAccessKeyID: "AKIAOLDBOB", Issued: t1.Add(time.Minute)})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAFEDGONE", Kind: principal.SessionFederated, UserID: legacyAcct + ":h",
		UserName: "gone", SessionName: "h", Issued: t1})
	legacySession(t, s, meta.Session{AccessKeyID: "ASIAROOT", Kind: principal.SessionToken, UserID: legacyAcct, Root: true, Issued: t1})
	key := meta.AccessKey{ID: "AKIAALICE", UserName: "alice", SealedSecret: []byte{1}, Status: principal.KeyActive, Created: t1}
	putLegacy(t, s, bktAccessKeys, key.ID, encodeAccessKey(&key))

	var calls int
	n, err := bindLegacy(s, &calls)
	mustDo(t, "BindLegacyIDs", err)
	want := meta.LegacyBound{Ran: true, BucketPolicies: 1, TrustPolicies: 1, Sessions: 7, AccessKeys: 1}
	if n != want || calls != 1 {
		t.Fatalf("BindLegacyIDs = %+v (binder made %d times), want %+v", n, calls, want)
	}

	// The bucket policy: the exact ARNs of alice and ops are their IDs;
	// user/gone, and the ARNs that never matched alice (another case,
	// another path), are fresh user IDs that match no one; the session
	// ARN and the other account's user are kept.
	doc, err := s.GetBucketPolicy(ctx, "b")
	mustDo(t, "GetBucketPolicy", err)
	ids := principalsOf(t, doc)
	if len(ids) != 7 || ids[0] != alice.ID || ids[1] != ops.ID || ids[5] != sessARN || ids[6] != "arn:aws:iam::210987654321:user/alice" {
		t.Fatalf("bound bucket policy: %s", doc)
	}
	gone := ids[2]
	for _, id := range ids[2:5] {
		if !strings.HasPrefix(id, iam.PrefixUser) || len(id) != 20 || id == alice.ID || id == bob.ID {
			t.Errorf("ARN naming no one bound to %q, want a fresh user ID", id)
		}
	}
	if ids[3] == gone || ids[4] == gone || ids[3] == ids[4] {
		t.Errorf("distinct former principals share an ID: %v", ids[2:5])
	}
	// The trust policy: alice's ID, and the same ID for user/gone as
	// in the bucket policy (one former principal, one ID); the account
	// is kept.
	r, err := s.GetRole(ctx, "ops")
	mustDo(t, "GetRole", err)
	if got := legacyDoc(alice.ID, gone, "arn:aws:iam::"+legacyAcct+":root"); r.TrustPolicy != got {
		t.Errorf("bound trust policy\n got %s\nwant %s", r.TrustPolicy, got)
	}

	// Sessions: those that held their owner's ID keep it (the role
	// session's old role ID, not the live role's); alice's first two
	// federation tokens are hers; the one of her second of creation may
	// not be, bob's predates the bob there is now, and gone's owner is
	// gone: fresh IDs, which no user has. Root's has no owner.
	owners := map[string]string{}
	for _, id := range []string{"ASIAROLE", "ASIATOKEN", "ASIAFEDALICE", "ASIAFEDLATER", "ASIAFEDSAME", "ASIAFEDBOB", "ASIAFEDGONE", "ASIAROOT"} {
		sess, err := s.GetSession(ctx, id)
		mustDo(t, "GetSession "+id, err)
		owners[id] = sess.OwnerID
	}
	if owners["ASIAROLE"] != "AROAOLDOPS0000000000" || owners["ASIATOKEN"] != alice.ID || owners["ASIAFEDALICE"] != alice.ID ||
		owners["ASIAFEDLATER"] != alice.ID || owners["ASIAROOT"] != "" {
		t.Errorf("session owners: %v", owners)
	}
	for _, id := range []string{"ASIAFEDSAME", "ASIAFEDBOB", "ASIAFEDGONE"} {
		if o := owners[id]; !strings.HasPrefix(o, iam.PrefixUser) || o == bob.ID || o == alice.ID {
			t.Errorf("%s bound to %q, want a fresh user ID", id, o)
		}
	}
	if k, err := s.GetAccessKey(ctx, key.ID); err != nil || k.UserID != alice.ID {
		t.Errorf("legacy access key: %+v, %v", k, err)
	}

	// Once: a second call finds the mark, makes no binder and leaves
	// even a legacy record written since alone.
	before := snapshot(t, s)
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "b", bucketDoc))
	n, err = bindLegacy(s, &calls)
	if err != nil || n.Ran || calls != 1 {
		t.Fatalf("second BindLegacyIDs = %+v, %v (binder made %d times), want not run", n, err, calls)
	}
	if doc, _ := s.GetBucketPolicy(ctx, "b"); doc != bucketDoc {
		t.Errorf("second run changed the policy: %s", doc)
	}

	// Idempotent: run again over bound records (the mark removed, as a
	// crash after the commit cannot leave it, but a restored copy might)
	// and nothing changes.
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "b", doc))
	unmark(t, s)
	n, err = bindLegacy(s, &calls)
	mustDo(t, "third BindLegacyIDs", err)
	if n != (meta.LegacyBound{Ran: true}) {
		t.Errorf("binding bound records rewrote %+v", n)
	}
	if after := snapshot(t, s); !sameRecords(before, after) {
		t.Errorf("binding bound records changed them")
	}
}

// TestBindLegacyIDsAllOrNothing: an error part way (here the trust
// policy, after the bucket policy was rewritten in the same transaction)
// leaves every record as it was and the store unmarked, to be bound at
// the next start.
func TestBindLegacyIDsAllOrNothing(t *testing.T) {
	ctx := t.Context()
	s, err := Open(filepath.Join(t.TempDir(), "meta.db"))
	mustDo(t, "Open", err)
	defer s.Close()
	alice := meta.User{Name: "alice", ID: "AIDAALICE00000000000", Path: "/", Created: nanos}
	mustDo(t, "CreateUser", s.CreateUser(ctx, alice))
	mustDo(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: "b", Created: nanos}))
	mustDo(t, "PutBucketPolicy", s.PutBucketPolicy(ctx, "b", legacyDoc(legacyARN("user", "alice"))))
	mustDo(t, "CreateRole", s.CreateRole(ctx, meta.Role{Name: "r", ID: "AROAR000000000000000", Path: "/", TrustPolicy: "not json", Created: nanos}))
	before := snapshot(t, s)
	var calls int
	if _, err := bindLegacy(s, &calls); err == nil || !strings.Contains(err.Error(), `role "r"`) {
		t.Fatalf("BindLegacyIDs over a broken trust policy: %v", err)
	}
	if after := snapshot(t, s); !sameRecords(before, after) {
		t.Fatal("a failed binding changed the store")
	}
	boom := errors.New("boom")
	_, err = s.BindLegacyIDs(ctx, func([]meta.User, []meta.Role, []meta.AccessKey) meta.LegacyBinder { return failingBinder{boom} })
	if !errors.Is(err, boom) {
		t.Fatalf("error from the binder: %v", err)
	}
	if after := snapshot(t, s); !sameRecords(before, after) {
		t.Fatal("a failed binding changed the store")
	}
}

type failingBinder struct{ err error }

func (f failingBinder) Policy(string) (string, error)                  { return "", f.err }
func (f failingBinder) SessionOwnerID(meta.Session) (string, error)    { return "", f.err }
func (f failingBinder) AccessKeyUserID(meta.AccessKey) (string, error) { return "", f.err }

func sameRecords(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal([]byte(v), []byte(w)) {
			return false
		}
	}
	return true
}

// principalsOf returns the AWS principals of a legacyDoc.
func principalsOf(t *testing.T, doc string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, `"AWS":["`)
	list, _, ok2 := strings.Cut(rest, `"]}`)
	if !ok || !ok2 {
		t.Fatalf("not a legacyDoc: %s", doc)
	}
	return strings.Split(list, `","`)
}
