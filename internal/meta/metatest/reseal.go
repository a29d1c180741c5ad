package metatest

import (
	"bytes"
	"errors"
	"testing"
)

// testResealSecrets: every access key's and session's sealed secret goes
// through reseal with its ID and is stored as returned; an error leaves
// every secret as it was, even those reseal already returned.
func testResealSecrets(t *testing.T, s IdentityStore) {
	ctx := t.Context()
	mkUser(t, s, "alice")
	mkKey(t, s, "AKIA1", "alice", at(1))
	mkKey(t, s, "AKIA2", "alice", at(2))
	if err := s.PutSession(ctx, session("ASIA1", at(100))); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	n := 0
	err := s.ResealSecrets(ctx, func(id string, sealed []byte) ([]byte, error) {
		if n++; n == 3 {
			return nil, boom
		}
		return []byte("new-" + id), nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("ResealSecrets with a failing reseal = %v", err)
	}
	check := func(prefix string) {
		t.Helper()
		for _, id := range []string{"AKIA1", "AKIA2"} {
			k, err := s.GetAccessKey(ctx, id)
			if err != nil || !bytes.Equal(k.SealedSecret, resealed(prefix, id)) {
				t.Errorf("key %s secret %q, %v; want %q", id, k.SealedSecret, err, resealed(prefix, id))
			}
		}
		sess, err := s.GetSession(ctx, "ASIA1")
		if err != nil || !bytes.Equal(sess.SealedSecret, resealed(prefix, "ASIA1")) {
			t.Errorf("session secret %q, %v; want %q", sess.SealedSecret, err, resealed(prefix, "ASIA1"))
		}
	}
	check("")
	seen := map[string][]byte{}
	err = s.ResealSecrets(ctx, func(id string, sealed []byte) ([]byte, error) {
		seen[id] = bytes.Clone(sealed)
		return []byte("new-" + id), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 3 || !bytes.Equal(seen["AKIA2"], secret("AKIA2")) || !bytes.Equal(seen["ASIA1"], secret("ASIA1")) {
		t.Errorf("reseal saw %q", seen)
	}
	check("new-")
	// Nothing else in the records changed.
	if k, err := s.GetAccessKey(ctx, "AKIA2"); err != nil || k.UserName != "alice" || !k.Created.Equal(at(2)) {
		t.Errorf("key after reseal: %+v, %v", k, err)
	}
	if sess, err := s.GetSession(ctx, "ASIA1"); err != nil || !sess.Expiry.Equal(at(100)) || sess.ARN == "" {
		t.Errorf("session after reseal: %+v, %v", sess, err)
	}
}

// resealed is the secret of id after a reseal that prefixed it, or as
// created for an empty prefix.
func resealed(prefix, id string) []byte {
	if prefix == "" {
		return secret(id)
	}
	return []byte(prefix + id)
}
